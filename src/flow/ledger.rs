//! One way to read the ledger: the incidents the audit log folds into, the ones that
//! cannot be read (and why), and the chain's state. `status`, the TUI's home, recovery and
//! the watchdog all take this view, so none of them can drop an unreadable incident or
//! mistake an unreadable log for an empty one.

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
