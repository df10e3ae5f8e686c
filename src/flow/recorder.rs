//! The flow's only way to remember anything: incident events appended to the audit log
//! (acknowledged = fsync'd), and incidents read back by folding the log. No state is kept
//! beside the log.

use super::error::FlowError;
use super::failpoint;
use crate::audit::{AuditLog, Head, NewEntry, Record};
use crate::incident::{Incident, IncidentEvent, LogRecord, fold_each};
use std::sync::Mutex;

/// Appends events for one actor and folds incidents out of the log.
#[derive(Debug)]
pub struct Recorder {
    log: Mutex<AuditLog>,
    actor: String,
}

impl Recorder {
    pub fn new(log: AuditLog, actor: String) -> Self {
        Recorder {
            log: Mutex::new(log),
            actor,
        }
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
        Ok(record)
    }

    /// The chain's head (its hash goes into the pushed commits' trailers).
    pub fn head(&self) -> Head {
        self.lock().head()
    }

    /// Every incident in the log, each folded on its own (one unreadable incident does not
    /// hide another's open glass).
    pub fn incidents(&self) -> Result<Vec<Result<Incident, FlowError>>, FlowError> {
        let records = self.lock().records().map_err(FlowError::AuditRead)?;
        let views = records.iter().map(|r| LogRecord {
            seq: r.seq,
            ts: r.ts,
            incident: r.incident.as_deref(),
            actor: &r.actor,
            kind: &r.kind,
            data: &r.data,
        });
        Ok(fold_each(views)
            .into_iter()
            .map(|(_, folded)| folded.map_err(FlowError::from))
            .collect())
    }

    /// Incident `id` as its events say now.
    pub fn load(&self, id: &str) -> Result<Incident, FlowError> {
        self.find(id)?.ok_or_else(|| FlowError::UnknownIncident {
            id: crate::text::sanitize_line(id),
        })
    }

    /// Incident `id`, or `None` when the log has no such incident.
    pub fn find(&self, id: &str) -> Result<Option<Incident>, FlowError> {
        let records = self.lock().records().map_err(FlowError::AuditRead)?;
        let views = records
            .iter()
            .filter(|r| r.incident.as_deref() == Some(id))
            .map(|r| LogRecord {
                seq: r.seq,
                ts: r.ts,
                incident: r.incident.as_deref(),
                actor: &r.actor,
                kind: &r.kind,
                data: &r.data,
            });
        match fold_each(views).into_iter().next() {
            None => Ok(None),
            Some((_, folded)) => Ok(Some(folded?)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, AuditLog> {
        // A panic while holding the log leaves it as consistent as the file: keep using it.
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
