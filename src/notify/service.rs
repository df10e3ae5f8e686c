//! Notifications as the flow uses them: told of each appended record, it works out what
//! the team should hear and posts it in the background; it schedules "lease ends in 5
//! minutes" for each open glass. Never blocks or fails the flow: failures are logged,
//! remembered in `STATE/notify/failures.jsonl` (without the URL) and shown by `status`.

use super::deliver::{DeliveryFailure, Webhooks};
use super::message::{Notification, for_record, lease_ending};
use crate::audit::{Record, read_verified};
use crate::clock::Clock;
use crate::forge::github::Sleeper;
use crate::incident::Incident;
use crate::mirror::incident_records;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// How long before the deadline the team hears that the lease is ending.
pub const LEASE_WARNING: chrono::Duration = chrono::Duration::minutes(5);

/// One recorded delivery failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedFailure {
    pub at: DateTime<Utc>,
    pub incident: String,
    pub message: String,
}

/// Tells the team, through the configured webhooks.
pub struct Notifier {
    webhooks: Webhooks,
    log_path: PathBuf,
    state_dir: PathBuf,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    /// Lease warnings already scheduled in this process, by incident and deadline.
    scheduled: Mutex<Vec<(String, DateTime<Utc>)>>,
    /// Deliveries in flight, so a command can let them finish before exiting.
    pending: AtomicUsize,
    idle: tokio::sync::Notify,
}

/// Every notifier of this process, so the binary can let deliveries finish.
static LIVE: Mutex<Vec<Weak<Notifier>>> = Mutex::new(Vec::new());

/// Gives every notifier of this process up to `limit` to finish its deliveries; true when
/// none is left in flight.
pub async fn settle_all(limit: std::time::Duration) -> bool {
    let notifiers: Vec<Arc<Notifier>> = LIVE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    let deadline = tokio::time::Instant::now() + limit;
    for notifier in notifiers {
        loop {
            let notified = notifier.idle.notified();
            if notifier.pending.load(Ordering::SeqCst) == 0 {
                break;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return false;
            }
        }
    }
    true
}

/// Counts a delivery in flight until dropped.
struct InFlight(Arc<Notifier>);

impl InFlight {
    fn start(notifier: &Arc<Notifier>) -> InFlight {
        notifier.pending.fetch_add(1, Ordering::SeqCst);
        InFlight(notifier.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.pending.fetch_sub(1, Ordering::SeqCst);
        self.0.idle.notify_waiters();
    }
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier").finish_non_exhaustive()
    }
}

impl Notifier {
    /// `None` when `[notify] webhooks` is empty.
    pub fn new(
        urls: Vec<crate::secret::Secret>,
        log_path: PathBuf,
        state_dir: PathBuf,
        clock: Arc<dyn Clock>,
        sleeper: Arc<dyn Sleeper>,
    ) -> Option<Arc<Notifier>> {
        let webhooks = Webhooks::new(urls, sleeper.clone())?;
        let notifier = Arc::new(Notifier {
            webhooks,
            log_path,
            state_dir,
            clock,
            sleeper,
            scheduled: Mutex::new(Vec::new()),
            pending: AtomicUsize::new(0),
            idle: tokio::sync::Notify::new(),
        });
        let mut live = LIVE.lock().unwrap_or_else(|p| p.into_inner());
        live.retain(|n| n.strong_count() > 0);
        live.push(Arc::downgrade(&notifier));
        Some(notifier)
    }

    /// Called after `record` was appended for incident `id`: posts what it calls for, in
    /// the background. Returns at once.
    pub fn after_append(self: &Arc<Self>, id: &str, record: &Record) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let notifier = self.clone();
        let (id, record) = (id.to_owned(), record.clone());
        let in_flight = InFlight::start(self);
        runtime.spawn(async move {
            let _in_flight = in_flight;
            let Some(incident) = notifier.incident(&id) else {
                return;
            };
            if let Some(notification) = for_record(&record, &incident) {
                notifier.send(&notification).await;
            }
            notifier.schedule_lease_warning(&incident);
        });
    }

    /// Schedules "lease ends in 5 minutes" for every open glass in the log (a process
    /// that starts while a lease runs, such as the watchdog).
    pub fn watch_open_leases(self: &Arc<Self>) {
        let Ok(records) = read_verified(&self.log_path) else {
            return;
        };
        let mut ids: Vec<String> = records.iter().filter_map(|r| r.incident.clone()).collect();
        ids.dedup();
        for id in ids {
            if let Ok((incident, _)) = incident_records(&records, &id) {
                self.schedule_lease_warning(&incident);
            }
        }
    }

    /// Sends `notification` now (approval requests made outside the log's events).
    pub async fn send(&self, notification: &Notification) {
        for failure in self.webhooks.deliver(notification).await {
            self.remember(&notification.incident, &failure);
        }
    }

    fn schedule_lease_warning(self: &Arc<Self>, incident: &Incident) {
        let Some(lease) = incident.lease.filter(|_| incident.glass_possibly_open()) else {
            return;
        };
        let key = (incident.id.clone(), lease.deadline);
        {
            let mut scheduled = self.scheduled.lock().unwrap_or_else(|p| p.into_inner());
            if scheduled.contains(&key) {
                return;
            }
            scheduled.push(key);
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let notifier = self.clone();
        let id = incident.id.clone();
        runtime.spawn(async move {
            let warn_at = lease.deadline - LEASE_WARNING;
            let wait = (warn_at - notifier.clock.now())
                .to_std()
                .unwrap_or_default();
            notifier.sleeper.sleep(wait).await;
            // Still open with the same deadline, and no other process said it first.
            let still = notifier.incident(&id).is_some_and(|i| {
                i.glass_possibly_open() && i.lease.is_some_and(|l| l.deadline == lease.deadline)
            });
            if still && first_to_say(&notifier.state_dir, &id, lease.deadline) {
                let _in_flight = InFlight::start(&notifier);
                let incident = notifier.incident(&id).expect("read just above");
                notifier
                    .send(&lease_ending(&incident, lease.deadline))
                    .await;
            }
        });
    }

    fn incident(&self, id: &str) -> Option<Incident> {
        let records = read_verified(&self.log_path).ok()?;
        incident_records(&records, id).ok().map(|(i, _)| i)
    }

    fn remember(&self, incident: &str, failure: &DeliveryFailure) {
        tracing::warn!(incident, failure = %failure, "notification failed");
        let line = RecordedFailure {
            at: self.clock.now(),
            incident: incident.to_owned(),
            message: failure.to_string(),
        };
        let path = failures_path(&self.state_dir);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)?;
                writeln!(
                    file,
                    "{}",
                    serde_json::to_string(&line).expect("serialises")
                )
            });
        if let Err(error) = written {
            tracing::warn!(%error, "cannot record the notification failure");
        }
    }
}

/// `STATE/notify/failures.jsonl`.
pub fn failures_path(state_dir: &Path) -> PathBuf {
    state_dir.join("notify").join("failures.jsonl")
}

/// The recorded delivery failures for `incident`, oldest first.
pub fn failures_for(state_dir: &Path, incident: &str) -> Vec<RecordedFailure> {
    std::fs::read_to_string(failures_path(state_dir))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<RecordedFailure>(l).ok())
        .filter(|f| f.incident == incident)
        .collect()
}

/// True for the one process that creates the marker of this lease warning.
fn first_to_say(state_dir: &Path, id: &str, deadline: DateTime<Utc>) -> bool {
    let dir = state_dir.join("notify");
    let name: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = dir.join(format!("{name}-lease-{}.sent", deadline.timestamp()));
    std::fs::create_dir_all(&dir).is_ok()
        && std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .is_ok()
}
