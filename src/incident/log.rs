//! Reading incidents out of the whole audit log: decode each record's `kind` + `data`,
//! group by incident, fold each group. Takes plain values so `incident` does not depend
//! on `audit`; the caller maps its records onto [`LogRecord`].

use super::event::{EventDecodeError, IncidentEvent};
use super::fold::{FoldError, Recorded, fold};
use super::state::Incident;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// One audit record, borrowed from whatever the audit log returned.
#[derive(Debug, Clone, Copy)]
pub struct LogRecord<'a> {
    pub seq: u64,
    pub ts: DateTime<Utc>,
    /// `None` for log-level events such as `recovered`.
    pub incident: Option<&'a str>,
    pub actor: &'a str,
    pub kind: &'a str,
    pub data: &'a Value,
}

/// Why one incident's records cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum IncidentLogError {
    #[error("incident `{incident}`, audit record seq {seq}: {source}")]
    Decode {
        incident: String,
        seq: u64,
        source: EventDecodeError,
    },
    #[error(
        "audit record seq {seq} belongs to incident `{incident}` but declares `{declared}`; \
         the log is inconsistent — check it with `breakglass audit verify`"
    )]
    IdMismatch {
        incident: String,
        declared: String,
        seq: u64,
    },
    #[error("incident `{incident}`: {source}")]
    Fold { incident: String, source: FoldError },
}

impl IncidentLogError {
    /// The incident the error is about.
    pub fn incident(&self) -> &str {
        match self {
            IncidentLogError::Decode { incident, .. }
            | IncidentLogError::IdMismatch { incident, .. }
            | IncidentLogError::Fold { incident, .. } => incident,
        }
    }
}

/// Decodes the records that belong to incidents and groups them per incident, in the
/// order each incident first appears. Log-level records (no incident) are skipped;
/// an unknown kind on an incident is an error for that incident.
pub fn group_by_incident<'a>(
    records: impl IntoIterator<Item = LogRecord<'a>>,
) -> Vec<(String, Result<Vec<Recorded>, IncidentLogError>)> {
    let mut groups: Vec<(String, Result<Vec<Recorded>, IncidentLogError>)> = Vec::new();
    for record in records {
        let Some(incident) = record.incident else {
            continue;
        };
        let position = match groups.iter().position(|(id, _)| id == incident) {
            Some(position) => position,
            None => {
                groups.push((incident.to_owned(), Ok(Vec::new())));
                groups.len() - 1
            }
        };
        let (_, group) = &mut groups[position];
        let Ok(events) = group else { continue };
        match decode(incident, &record) {
            Ok(recorded) => events.push(recorded),
            Err(error) => *group = Err(error),
        }
    }
    groups
}

fn decode(incident: &str, record: &LogRecord<'_>) -> Result<Recorded, IncidentLogError> {
    let event = IncidentEvent::from_parts(record.kind, record.data).map_err(|source| {
        IncidentLogError::Decode {
            incident: incident.to_owned(),
            seq: record.seq,
            source,
        }
    })?;
    if let IncidentEvent::Declared { id, .. } = &event
        && id != incident
    {
        return Err(IncidentLogError::IdMismatch {
            incident: incident.to_owned(),
            declared: crate::text::sanitize_line(id),
            seq: record.seq,
        });
    }
    Ok(Recorded {
        ts: record.ts,
        actor: record.actor.to_owned(),
        event,
    })
}

/// Every incident in the log, folded, each with its own result so one unreadable
/// incident does not hide another's open glass.
pub fn fold_each<'a>(
    records: impl IntoIterator<Item = LogRecord<'a>>,
) -> Vec<(String, Result<Incident, IncidentLogError>)> {
    group_by_incident(records)
        .into_iter()
        .map(|(id, group)| {
            let folded = group.and_then(|events| {
                fold(&events).map_err(|source| IncidentLogError::Fold {
                    incident: id.clone(),
                    source,
                })
            });
            (id, folded)
        })
        .collect()
}

/// Every incident in the log, folded; the first unreadable incident is an error.
pub fn fold_many<'a>(
    records: impl IntoIterator<Item = LogRecord<'a>>,
) -> Result<Vec<Incident>, IncidentLogError> {
    fold_each(records)
        .into_iter()
        .map(|(_, folded)| folded)
        .collect()
}

#[cfg(test)]
#[path = "log_tests.rs"]
mod tests;
