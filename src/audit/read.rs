//! Read-only access for verifiers and viewers: never creates, truncates or appends.

use super::chain::{Link, Summary, summarize, verify_records};
use super::checkpoint::Checkpoint;
use super::error::AuditError;
use super::lock::lock_shared;
use super::log::{DEFAULT_LOCK_WAIT, chain_error};
use super::record::Record;
use std::path::Path;

/// A verified record with the exact line it was read from (without the newline).
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedLine {
    pub record: Record,
    pub line: String,
}

/// Every record of the log at `path`, verified; a missing file has none. Never mutates;
/// a torn tail is reported as [`AuditError::TornTail`].
pub fn read_verified(path: &Path) -> Result<Vec<Record>, AuditError> {
    Ok(read_verified_lines(path)?
        .into_iter()
        .map(|l| l.record)
        .collect())
}

/// Like [`read_verified`], keeping each record's original line (for exports).
pub fn read_verified_lines(path: &Path) -> Result<Vec<VerifiedLine>, AuditError> {
    let Some(bytes) = read_consistent(path)? else {
        return Ok(Vec::new());
    };
    let (records, end, complete) =
        verify_records(&bytes, Link::GENESIS, true).map_err(|e| chain_error(path, e))?;
    if complete < bytes.len() {
        return Err(AuditError::TornTail {
            path: path.to_path_buf(),
            line: end.seq + 1,
            bytes: (bytes.len() - complete) as u64,
        });
    }
    Ok(records
        .into_iter()
        .map(|(record, line)| VerifiedLine {
            record,
            line: line.unwrap_or_default(),
        })
        .collect())
}

/// Verifies the log at `path` (and, given a checkpoint, that it still holds the
/// checkpoint's line) without keeping records: the fast path of `breakglass audit verify`.
pub fn verify_file(path: &Path, checkpoint: Option<&Checkpoint>) -> Result<Summary, AuditError> {
    let bytes = read_consistent(path)?.ok_or_else(|| AuditError::Missing {
        path: path.to_path_buf(),
    })?;
    let summary =
        summarize(&bytes, checkpoint.map(|c| c.count)).map_err(|e| chain_error(path, e))?;
    if let Some(checkpoint) = checkpoint {
        checkpoint.check(&summary, path)?;
    }
    Ok(summary)
}

/// The file's bytes, read under a shared lock so no half-written line is seen; `None`
/// when the file does not exist.
fn read_consistent(path: &Path) -> Result<Option<Vec<u8>>, AuditError> {
    let _lock = lock_shared(path, DEFAULT_LOCK_WAIT)?;
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(AuditError::io("read", path)(e)),
    }
}
