//! Read-only access for verifiers and viewers: never creates, truncates or appends.

use super::chain::{Link, StreamingSummary, Summary, verify_records};
use super::checkpoint::Checkpoint;
use super::error::AuditError;
use super::lock::lock_shared;
use super::log::{DEFAULT_LOCK_WAIT, chain_error};
use super::record::Record;
use std::io::Read;
use std::path::Path;

/// How much of the log `verify_file` holds at once: large enough that each piece is split
/// across the cores with little waiting, small enough that memory stays flat.
const VERIFY_BLOCK: usize = 4 << 20;

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
/// Reads the log in blocks, so memory stays flat however long it is.
pub fn verify_file(path: &Path, checkpoint: Option<&Checkpoint>) -> Result<Summary, AuditError> {
    let _lock = lock_shared(path, DEFAULT_LOCK_WAIT)?;
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(AuditError::Missing {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(AuditError::io("open", path)(e)),
    };
    let summary = verify_blocks(&mut file, VERIFY_BLOCK, checkpoint.map(|c| c.count)).map_err(
        |e| match e {
            BlockError::Read(e) => AuditError::io("read", path)(e),
            BlockError::Chain(e) => chain_error(path, e),
        },
    )?;
    if let Some(checkpoint) = checkpoint {
        checkpoint.check(&summary, path)?;
    }
    Ok(summary)
}

enum BlockError {
    Read(std::io::Error),
    Chain(super::chain::ChainError),
}

/// Verifies what `log` holds, `block` bytes at a time, probing line `probe`'s hash.
fn verify_blocks(
    log: &mut impl Read,
    block: usize,
    probe: Option<u64>,
) -> Result<Summary, BlockError> {
    let mut verifier = StreamingSummary::new(probe);
    let mut pending: Vec<u8> = Vec::with_capacity(block);
    loop {
        // Tops the unfinished line carried over up to a block; a line longer than a block
        // makes the buffer grow until its newline arrives.
        let room = block.saturating_sub(pending.len()).max(block / 4).max(1);
        let read = log
            .take(room as u64)
            .read_to_end(&mut pending)
            .map_err(BlockError::Read)?;
        if read == 0 {
            break;
        }
        let complete = verifier.feed(&pending).map_err(BlockError::Chain)?;
        pending.drain(..complete);
    }
    verifier.finish(pending.len()).map_err(BlockError::Chain)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::chain::{ChainError, summarize};
    use crate::audit::record::{NewEntry, encode_line};
    use chrono::{TimeZone, Utc};

    fn log_of(n: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let mut prev = [0u8; 32];
        for seq in 1..=n {
            let entry = NewEntry {
                incident: Some(format!("INC-{}", seq % 7)),
                actor: "alice".into(),
                kind: "note".into(),
                // Lines of different lengths, some longer than the smallest blocks below.
                data: serde_json::json!({ "n": "x".repeat((seq as usize * 37) % 400) }),
            };
            let line = encode_line(
                seq,
                Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
                entry,
                &prev,
            );
            prev = line.hash;
            out.extend_from_slice(&line.bytes);
        }
        out
    }

    fn in_blocks(log: &[u8], block: usize) -> Result<Summary, ChainError> {
        match verify_blocks(&mut &log[..], block, Some(40)) {
            Ok(summary) => Ok(summary),
            Err(BlockError::Chain(e)) => Err(e),
            Err(BlockError::Read(e)) => panic!("reading a slice failed: {e}"),
        }
    }

    #[test]
    fn blocks_of_any_size_reach_the_whole_log_s_summary() {
        let log = log_of(300);
        let whole = summarize(&log, Some(40)).unwrap();
        assert_eq!(whole.events, 300);
        assert!(whole.probe_hash.is_some());
        for block in [1, 7, 100, 4096, 1 << 20] {
            assert_eq!(in_blocks(&log, block), Ok(whole.clone()), "block {block}");
        }
    }

    #[test]
    fn blocks_name_the_same_first_bad_line_and_torn_tail_as_the_whole_log() {
        let mut log = log_of(300);
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(
                log.iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        log[line_starts[199] + 20] ^= 1;
        let whole = summarize(&log, None).unwrap_err();
        assert!(
            matches!(whole, ChainError::BadLine { line: 200, .. }),
            "{whole}"
        );
        for block in [1, 7, 4096] {
            assert_eq!(in_blocks(&log, block).unwrap_err(), whole, "block {block}");
        }

        let mut torn = log_of(50);
        torn.extend_from_slice(b"{\"seq\":51");
        let whole = summarize(&torn, None).unwrap_err();
        assert_eq!(whole, ChainError::TornTail { line: 51, bytes: 9 });
        for block in [1, 7, 4096] {
            assert_eq!(in_blocks(&torn, block).unwrap_err(), whole, "block {block}");
        }
    }
}
