//! The flow's only way to remember anything: incident events appended to the audit log
//! (acknowledged = fsync'd), and incidents read back by folding the log, read incrementally
//! from the last verified line. Nothing is kept beside the log but what was read of it.

use super::error::FlowError;
use super::failpoint;
use super::ledger::{LedgerView, log_record};
use crate::audit::{AuditError, AuditLog, Head, LogCursor, NewEntry, Record};
use crate::incident::{Incident, IncidentEvent, fold_each};
use std::sync::Mutex;

/// Called with the incident id and the record after each acknowledged append (the
/// mirror's nudge, the notifications).
pub type AfterAppend = Box<dyn Fn(&str, &Record) + Send + Sync>;

/// Appends events for one actor and folds incidents out of the log.
pub struct Recorder {
    log: Mutex<LogReader>,
    actor: String,
    after_append: Option<AfterAppend>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("actor", &self.actor)
            .finish_non_exhaustive()
    }
}

/// The writer and every record read so far, with where reading stopped.
#[derive(Debug)]
struct LogReader {
    log: AuditLog,
    cursor: LogCursor,
    records: Vec<Record>,
}

impl LogReader {
    /// Reads and verifies the lines appended since the last call (by anyone).
    fn catch_up(&mut self) -> Result<(), AuditError> {
        let fresh = self.log.records_since(&mut self.cursor)?;
        self.records.extend(fresh);
        Ok(())
    }
}

impl Recorder {
    pub fn new(log: AuditLog, actor: String) -> Self {
        Recorder {
            log: Mutex::new(LogReader {
                log,
                cursor: LogCursor::default(),
                records: Vec::new(),
            }),
            actor,
            after_append: None,
        }
    }

    /// The one place the flow tells others (the mirror) that the log grew. The hook must
    /// return at once: it runs on the flow's path.
    pub fn set_after_append(&mut self, hook: AfterAppend) {
        self.after_append = Some(hook);
    }

    /// Who events are recorded as (the forge login).
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Appends `event` for incident `id`; `Ok` means it is durable. Then passes the
    /// `after:<kind>` failpoint.
    pub fn record(&self, id: &str, event: &IncidentEvent) -> Result<Record, FlowError> {
        let (kind, data) = event.to_parts();
        let record = self
            .lock()
            .log
            .append(NewEntry {
                incident: Some(id.to_owned()),
                actor: self.actor.clone(),
                kind,
                data,
            })
            .map_err(FlowError::audit(event.kind()))?;
        tracing::info!(
            incident = id,
            kind = event.kind(),
            seq = record.seq,
            "recorded"
        );
        failpoint::hit(&format!("after:{}", event.kind()));
        if let Some(hook) = &self.after_append {
            hook(id, &record);
        }
        Ok(record)
    }

    /// The chain's head (its hash goes into the pushed commits' trailers).
    pub fn head(&self) -> Head {
        self.lock().log.head()
    }

    /// The ledger as it stands now: only lines appended since the last read are read
    /// and verified (the watchdog and the lease guard ask every second).
    pub fn ledger(&self) -> LedgerView {
        let mut reader = self.lock();
        match reader.catch_up() {
            Ok(()) => LedgerView::from_records(Ok(&reader.records)),
            Err(error) => LedgerView::from_records(Err(&error)),
        }
    }

    /// Incident `id` as its events say now.
    pub fn load(&self, id: &str) -> Result<Incident, FlowError> {
        self.find(id)?.ok_or_else(|| FlowError::UnknownIncident {
            id: crate::text::sanitize_line(id),
        })
    }

    /// Incident `id`, or `None` when the log has no such incident.
    pub fn find(&self, id: &str) -> Result<Option<Incident>, FlowError> {
        let mut reader = self.lock();
        reader.catch_up().map_err(FlowError::AuditRead)?;
        let views = reader
            .records
            .iter()
            .filter(|r| r.incident.as_deref() == Some(id))
            .map(log_record);
        match fold_each(views).into_iter().next() {
            None => Ok(None),
            Some((_, folded)) => Ok(Some(folded?)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogReader> {
        // A panic while holding the log leaves it as consistent as the file: keep using it.
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
