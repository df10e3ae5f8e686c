//! Checkpoints: the event count and head hash at one moment, kept somewhere else, so that
//! cutting whole lines off the end of the log is detected.

use super::chain::{Summary, decode_hex32};
use super::error::AuditError;
use super::record::{Head, format_ts};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The `format` every checkpoint carries.
pub const CHECKPOINT_FORMAT: &str = "breakglass-audit-checkpoint/1";

/// `{ "format": "breakglass-audit-checkpoint/1", "count": N, "head": "<hash>", "created": ts }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub format: String,
    /// Number of events; line `count` must have hash `head`.
    pub count: u64,
    pub head: String,
    pub created: String,
}

impl Checkpoint {
    /// A checkpoint of a verified log.
    pub fn of(summary: &Summary, created: DateTime<Utc>) -> Self {
        Checkpoint {
            format: CHECKPOINT_FORMAT.into(),
            count: summary.events,
            head: summary.head.clone(),
            created: format_ts(&created),
        }
    }

    /// A checkpoint at `head` (for callers that already hold verified records).
    pub fn at(head: &Head, created: DateTime<Utc>) -> Self {
        Checkpoint {
            format: CHECKPOINT_FORMAT.into(),
            count: head.seq,
            head: head.hash.clone(),
            created: format_ts(&created),
        }
    }

    /// The checkpoint as one line of compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a checkpoint always serializes")
    }

    /// Parses and validates a checkpoint read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Self, AuditError> {
        let bad = |reason: String| AuditError::BadCheckpoint {
            path: path.to_path_buf(),
            reason,
        };
        let checkpoint: Checkpoint =
            serde_json::from_str(text.trim()).map_err(|e| bad(e.to_string()))?;
        if checkpoint.format != CHECKPOINT_FORMAT {
            return Err(bad(format!(
                "format is {:?}, expected {CHECKPOINT_FORMAT:?}",
                checkpoint.format
            )));
        }
        if decode_hex32(checkpoint.head.as_bytes()).is_none() {
            return Err(bad("head is not 64 lowercase hex digits".into()));
        }
        Ok(checkpoint)
    }

    /// Reads and validates a checkpoint file.
    pub fn load(path: &Path) -> Result<Self, AuditError> {
        let text = std::fs::read_to_string(path).map_err(AuditError::io("read", path))?;
        Self::parse(&text, path)
    }

    /// Checks a summary computed with this checkpoint's count as the probe.
    pub(crate) fn check(&self, summary: &Summary, log: &Path) -> Result<(), AuditError> {
        if summary.events < self.count {
            return Err(AuditError::Truncated {
                path: log.to_path_buf(),
                events: summary.events,
                checkpoint_count: self.count,
            });
        }
        let found = match (self.count, summary.probe_hash) {
            (0, _) => super::GENESIS_PREV.to_owned(),
            (_, Some(hash)) => hex::encode(hash),
            (_, None) => unreachable!("a log with at least `count` events has line `count`"),
        };
        if found != self.head {
            return Err(AuditError::CheckpointMismatch {
                path: log.to_path_buf(),
                line: self.count,
                expected: self.head.clone(),
                found,
            });
        }
        Ok(())
    }
}
