//! The mirror as the flow uses it: nudged after every append, it syncs the incident's
//! issue in a background task, retrying with backoff (and waiting out rate limits) while
//! the process lives. The flow never waits for it; a command may `settle` for a bounded
//! time before exiting, and whatever is left is caught up by the next command or the TUI.
//!
//! Only one process syncs an incident at a time (a lock file beside the progress file);
//! another process skips it, and its own events are picked up by the next sync.

use super::issue::mirror_repo;
use super::progress::{MirrorProgress, progress_path, read_progress, write_progress};
use super::sync::{KnownIssue, SyncReport, sync_incident};
use crate::audit::{Record, read_verified};
use crate::clock::Clock;
use crate::config::Config;
use crate::forge::github::{ForgeError, Sleeper};
use crate::forge::port::Forge;
use crate::incident::{Incident, LogRecord, fold_each};
use crate::runbook::Runbook;
use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// Attempts one nudge makes before leaving the rest to the next nudge.
const ATTEMPTS_PER_NUDGE: u32 = 6;
/// The first pause after a failed sync; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Why a sync did not happen.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MirrorError {
    #[error("the audit log cannot be read ({0}); run `breakglass audit verify`")]
    Log(String),
    #[error("the log has no readable incident {0}")]
    NoIncident(String),
    #[error("{0}")]
    Repo(String),
    #[error("{0}")]
    Forge(#[from] ForgeError),
    #[error("another breakglass process is mirroring {0}; it will catch up")]
    Busy(String),
    #[error(
        "incident {0} is bound to another forge (or to none recorded); its issue is kept by \
         breakglass connected to that forge"
    )]
    OtherForge(String),
}

/// Everything a mirror needs: the forge, where the log and the progress files live, the
/// configuration's `[mirror] repo`, the configured runbook (the posted review times the
/// steps against it), and injected time.
pub struct Mirror {
    forge: Arc<dyn Forge>,
    /// The API URL `forge` talks to: only incidents bound to it are mirrored through it.
    api_url: String,
    config: Config,
    runbook: Runbook,
    log_path: PathBuf,
    state_dir: PathBuf,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    slots: Mutex<HashMap<String, Slot>>,
    idle: tokio::sync::Notify,
}

/// One incident's background sync: running, asked again while running (or while held),
/// and held while a window runs.
#[derive(Debug, Default, Clone, Copy)]
struct Slot {
    running: bool,
    again: bool,
    held: bool,
}

impl std::fmt::Debug for Mirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mirror")
            .field("log_path", &self.log_path)
            .finish_non_exhaustive()
    }
}

impl Mirror {
    /// The configured runbook is `config.runbook` in `config_dir` (the embedded default
    /// when it cannot be read: it only times the posted review's steps).
    pub fn new(
        forge: Arc<dyn Forge>,
        api_url: String,
        config: Config,
        paths: &crate::paths::Paths,
        clock: Arc<dyn Clock>,
        sleeper: Arc<dyn Sleeper>,
    ) -> Arc<Mirror> {
        let runbook = config
            .runbook(paths)
            .unwrap_or_else(|_| Runbook::default_github());
        let (log_path, state_dir) = (paths.audit_log(), paths.state_dir.clone());
        let mirror = Arc::new(Mirror {
            forge,
            api_url,
            config,
            runbook,
            log_path,
            state_dir,
            clock,
            sleeper,
            slots: Mutex::new(HashMap::new()),
            idle: tokio::sync::Notify::new(),
        });
        let mut live = LIVE.lock().unwrap_or_else(|p| p.into_inner());
        live.retain(|m| m.strong_count() > 0);
        live.push(Arc::downgrade(&mirror));
        mirror
    }

    /// Asks for incident `id`'s issue to be brought up to the log, in the background.
    /// Returns at once; without a tokio runtime it does nothing (the next command syncs).
    pub fn nudge(self: &Arc<Self>, id: &str) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        {
            let mut slots = self.lock_slots();
            let slot = slots.entry(id.to_owned()).or_default();
            if slot.running || slot.held {
                slot.again = true;
                return;
            }
            slot.running = true;
        }
        let mirror = self.clone();
        let id = id.to_owned();
        runtime.spawn(async move {
            loop {
                mirror.sync_with_retries(&id).await;
                let mut slots = mirror.lock_slots();
                let slot = slots.entry(id.clone()).or_default();
                if slot.again && !slot.held {
                    slot.again = false;
                    continue;
                }
                slot.running = false;
                drop(slots);
                mirror.idle.notify_waiters();
                break;
            }
        });
    }

    /// Holds incident `id`'s issue still while its window runs, so that the forge hears
    /// nothing but the window's own requests between the activation and the verified
    /// restore: a sync in flight is given up to `limit` to finish first (outside the
    /// window), events appended meanwhile are posted as soon as the hold is dropped.
    pub async fn hold(self: &Arc<Self>, id: &str, limit: Duration) -> MirrorHold {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.idle.notified();
            {
                let mut slots = self.lock_slots();
                let slot = slots.entry(id.to_owned()).or_default();
                if !slot.running {
                    slot.held = true;
                    break;
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                // Still syncing: hold what comes next; the sync in flight ends on its own.
                self.lock_slots().entry(id.to_owned()).or_default().held = true;
                break;
            }
        }
        MirrorHold {
            mirror: self.clone(),
            id: id.to_owned(),
        }
    }

    /// Waits until no sync is running, for at most `limit`; true when all are done.
    pub async fn settle(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.idle.notified();
            if !self.lock_slots().values().any(|s| s.running) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return false;
            }
        }
    }

    /// One sync of incident `id` now, recording its outcome in the progress file.
    pub async fn sync_now(&self, id: &str) -> Result<SyncReport, MirrorError> {
        let records = read_verified(&self.log_path).map_err(|e| MirrorError::Log(e.to_string()))?;
        let (incident, mine) = incident_records(&records, id)?;
        // Never post an incident bound elsewhere (or to an unrecorded forge) through ours.
        let bound_here = incident
            .api_url
            .as_deref()
            .is_some_and(|bound| crate::flow::same_forge(bound, &self.api_url));
        if !bound_here {
            return Err(MirrorError::OtherForge(crate::text::sanitize_line(id)));
        }
        let _lock = SyncLock::try_acquire(&self.state_dir, id)?;
        let mut progress = read_progress(&self.state_dir, id);
        let known = progress.issue.clone().map(|issue| KnownIssue {
            issue,
            seen: progress.comments.clone(),
        });
        let result = self.sync_once(&incident, &mine, known).await;
        let now = self.clock.now();
        match &result {
            Ok(report) => {
                progress.issue = Some(report.issue.clone());
                progress.mirrored_up_to = report.mirrored_up_to;
                progress.comments = report.seen.clone();
                progress.synced_at = Some(now);
                progress.last_error = None;
                progress.failing_since = None;
            }
            Err(error) => {
                progress.last_error = Some(crate::text::sanitize_line(&error.to_string()));
                progress.failing_since.get_or_insert(now);
            }
        }
        if let Err(error) = write_progress(&self.state_dir, &progress) {
            tracing::warn!(incident = id, %error, "cannot write the mirror's progress");
        }
        result
    }

    async fn sync_once(
        &self,
        incident: &Incident,
        mine: &[Record],
        known: Option<KnownIssue>,
    ) -> Result<SyncReport, MirrorError> {
        let repo =
            mirror_repo(&self.config, incident).map_err(|e| MirrorError::Repo(e.to_string()))?;
        // An issue in another repository (the configuration changed) is found anew.
        let known = known.filter(|known| known.issue.repo == repo);
        let now = self.clock.now();
        let forge = self.forge.as_ref();
        let synced = sync_incident(forge, &repo, incident, mine, known, &self.runbook, now);
        Ok(synced.await?)
    }

    async fn sync_with_retries(&self, id: &str) {
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS_PER_NUDGE {
            match self.sync_now(id).await {
                Ok(report) => {
                    tracing::info!(
                        incident = id,
                        issue = report.issue.number,
                        up_to = report.mirrored_up_to,
                        posted = report.posted,
                        "mirrored"
                    );
                    return;
                }
                Err(MirrorError::Busy(_) | MirrorError::OtherForge(_)) => return,
                Err(error) => {
                    tracing::warn!(incident = id, attempt, %error, "mirroring failed; will retry");
                    let wait = match &error {
                        MirrorError::Forge(ForgeError::RateLimited { until }) => {
                            (*until - self.clock.now()).to_std().unwrap_or(backoff)
                        }
                        _ => backoff,
                    };
                    self.sleeper.sleep(wait).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    fn lock_slots(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A window's hold on its incident's mirror (see [`Mirror::hold`]); dropping it posts what
/// was appended meanwhile.
#[derive(Debug)]
pub struct MirrorHold {
    mirror: Arc<Mirror>,
    id: String,
}

impl Drop for MirrorHold {
    fn drop(&mut self) {
        let pending = {
            let mut slots = self.mirror.lock_slots();
            let slot = slots.entry(self.id.clone()).or_default();
            slot.held = false;
            // A sync still running takes `again` up itself.
            !slot.running && std::mem::take(&mut slot.again)
        };
        if pending {
            self.mirror.nudge(&self.id);
        }
    }
}

/// Every mirror of this process, so the binary can let their syncs finish before exiting.
static LIVE: Mutex<Vec<Weak<Mirror>>> = Mutex::new(Vec::new());

/// Gives every mirror of this process up to `limit` to finish its background syncs; true
/// when none is left running. The binary calls this once, before its runtime ends.
pub async fn settle_all(limit: Duration) -> bool {
    let mirrors: Vec<Arc<Mirror>> = LIVE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    let deadline = tokio::time::Instant::now() + limit;
    let mut all = true;
    for mirror in mirrors {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        all &= mirror.settle(left).await;
    }
    all
}

/// Incident `id` folded from `records`, with its own records in seq order.
pub fn incident_records(
    records: &[Record],
    id: &str,
) -> Result<(Incident, Vec<Record>), MirrorError> {
    let mine: Vec<Record> = records
        .iter()
        .filter(|r| r.incident.as_deref() == Some(id))
        .cloned()
        .collect();
    let views = mine.iter().map(|r| LogRecord {
        seq: r.seq,
        ts: r.ts,
        incident: r.incident.as_deref(),
        actor: &r.actor,
        kind: &r.kind,
        data: &r.data,
    });
    match fold_each(views).into_iter().next() {
        Some((_, Ok(incident))) => Ok((incident, mine)),
        _ => Err(MirrorError::NoIncident(crate::text::sanitize_line(id))),
    }
}

/// "mirror behind by N events" for incident `id`, when this machine has tried to mirror
/// it and the issue lags the log; `None` when caught up or never tried here.
pub fn lag_summary(state_dir: &Path, records: &[Record], id: &str) -> Option<String> {
    if !progress_path(state_dir, id).exists() {
        return None;
    }
    let (progress, behind) = behind_by(state_dir, records, id);
    progress.summary(behind)
}

/// How far behind the issue is for each incident, as this machine last learnt it.
pub fn behind_by(state_dir: &Path, records: &[Record], id: &str) -> (MirrorProgress, usize) {
    let progress = read_progress(state_dir, id);
    let mine: Vec<&Record> = records
        .iter()
        .filter(|r| r.incident.as_deref() == Some(id))
        .collect();
    let behind = progress.behind(&mine);
    (progress, behind)
}

/// The per-incident mirror lock, held while syncing; released when dropped.
struct SyncLock {
    _file: File,
}

impl SyncLock {
    fn try_acquire(state_dir: &Path, id: &str) -> Result<SyncLock, MirrorError> {
        let path = progress_path(state_dir, id).with_extension("lock");
        let io = |e: std::io::Error| MirrorError::Log(format!("{}: {e}", path.display()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(SyncLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(MirrorError::Busy(id.to_owned())),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }
}
