//! One way to read the ledger: the incidents the audit log folds into, the ones that
//! cannot be read (and why), and the chain's state. `status`, the TUI's home, recovery and
//! the watchdog all take this view, so none of them can drop an unreadable incident or
//! mistake an unreadable log for an empty one.

use super::error::FlowError;
use crate::audit::{AuditError, GENESIS_PREV, Record};
use crate::incident::{Incident, LogRecord, fold_each};
use serde::Serialize;

/// What the audit log says, read once.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerView {
    /// Every incident that folds, in the order each was first recorded.
    pub incidents: Vec<Incident>,
    /// Incidents whose events cannot be read; their glass may be open.
    pub unreadable: Vec<UnreadableIncident>,
    pub chain: ChainState,
}

/// An incident the log holds but that cannot be folded.
#[derive(Debug, Clone, Serialize)]
pub struct UnreadableIncident {
    pub id: String,
    pub why: String,
}

/// Whether the chain verified as far as it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ChainState {
    /// Every line verified up to the head (seq 0 when the log is empty).
    Verified { head_seq: u64, head_hash: String },
    /// The log could not be read or did not verify: nothing is known about its incidents.
    Unreadable { why: String },
}

impl LedgerView {
    /// The view of a read of the log: its records, or why they could not be read.
    pub fn from_records(read: Result<&[Record], &AuditError>) -> LedgerView {
        let records = match read {
            Ok(records) => records,
            Err(error) => {
                return LedgerView {
                    incidents: Vec::new(),
                    unreadable: Vec::new(),
                    chain: ChainState::Unreadable {
                        why: error.to_string(),
                    },
                };
            }
        };
        let mut view = LedgerView {
            incidents: Vec::new(),
            unreadable: Vec::new(),
            chain: ChainState::Verified {
                head_seq: records.last().map_or(0, |last| last.seq),
                head_hash: records
                    .last()
                    .map_or(GENESIS_PREV, |last| last.hash.as_str())
                    .to_owned(),
            },
        };
        for (id, folded) in fold_each(records.iter().map(log_record)) {
            match folded {
                Ok(incident) => view.incidents.push(incident),
                Err(error) => view.unreadable.push(UnreadableIncident {
                    id,
                    why: error.to_string(),
                }),
            }
        }
        view
    }

    /// The ids of the readable incidents `candidate` accepts; an unreadable log is an error
    /// (nothing is known about its incidents, so "none" would be a guess).
    pub fn candidates(&self, candidate: fn(&Incident) -> bool) -> Result<Vec<String>, FlowError> {
        if let ChainState::Unreadable { why } = &self.chain {
            return Err(FlowError::LedgerUnreadable { why: why.clone() });
        }
        Ok(self
            .incidents
            .iter()
            .filter(|i| candidate(i))
            .map(|i| i.id.clone())
            .collect())
    }

    /// The log at `path`, read without writing (viewers that hold no writer).
    pub fn read(path: &std::path::Path) -> LedgerView {
        let read = crate::audit::read_verified(path);
        LedgerView::from_records(read.as_deref())
    }

    /// The incident `id`, when it folds.
    pub fn incident(&self, id: &str) -> Option<&Incident> {
        self.incidents.iter().find(|i| i.id == id)
    }

    /// Lines an operator must not miss: the log unreadable, an incident unreadable.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let ChainState::Unreadable { why } = &self.chain {
            problems.push(format!(
                "AUDIT LOG UNREADABLE: {why} — open leases cannot be seen; run `breakglass \
                 audit verify`"
            ));
        }
        problems.extend(self.unreadable.iter().map(|u| {
            format!(
                "INCIDENT {} UNREADABLE: {} — its glass may be open",
                crate::text::sanitize_line(&u.id),
                u.why
            )
        }));
        problems
    }
}

/// An audit record as the incident model reads it.
pub(super) fn log_record(r: &Record) -> LogRecord<'_> {
    LogRecord {
        seq: r.seq,
        ts: r.ts,
        incident: r.incident.as_deref(),
        actor: &r.actor,
        kind: &r.kind,
        data: &r.data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::fixtures::{sample, t};

    fn record(seq: u64, incident: &str, kind: &str) -> Record {
        let (kind, data) = sample(kind).to_parts();
        Record {
            seq,
            ts: t(seq as i64),
            incident: Some(incident.into()),
            actor: "commander".into(),
            kind,
            data,
            prev: GENESIS_PREV.into(),
            hash: format!("{seq:064x}"),
        }
    }

    #[test]
    fn candidates_are_the_readable_incidents_the_rule_accepts() {
        let records = [
            record(1, "INC-42", "declared"),
            // `restored` straight after `declared` does not fold: INC-9 is unreadable.
            record(2, "INC-9", "declared"),
            record(3, "INC-9", "restored"),
        ];
        let view = LedgerView::from_records(Ok(&records));
        assert_eq!(view.unreadable.len(), 1, "{:?}", view.unreadable);
        assert_eq!(view.unreadable[0].id, "INC-9");
        assert_eq!(
            view.candidates(crate::flow::is_in_progress).unwrap(),
            ["INC-42"]
        );
        assert!(
            view.candidates(crate::flow::awaits_review)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn an_unreadable_log_has_no_candidates_only_an_error() {
        let view = LedgerView {
            incidents: Vec::new(),
            unreadable: Vec::new(),
            chain: ChainState::Unreadable {
                why: "line 3: hash mismatch".into(),
            },
        };
        let refused = view.candidates(crate::flow::is_in_progress).unwrap_err();
        assert!(
            matches!(&refused, FlowError::LedgerUnreadable { why } if why == "line 3: hash mismatch"),
            "{refused}"
        );
    }
}
