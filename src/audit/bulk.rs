//! A fast writer for benchmarks and tests: builds exactly the chain [`super::AuditLog`]
//! would, without locking or per-line fsync. Not for recording real incidents.

use super::chain::Link;
use super::error::AuditError;
use super::record::{NewEntry, Record, encode_line};
use crate::clock::Clock;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes a new log quickly. For benchmarks and tests only: no lock, one fsync at the end.
pub struct BulkWriter {
    path: PathBuf,
    out: BufWriter<File>,
    head: Link,
    clock: std::sync::Arc<dyn Clock>,
}

impl BulkWriter {
    /// Creates (or truncates) `path`.
    pub fn create(path: &Path, clock: std::sync::Arc<dyn Clock>) -> Result<Self, AuditError> {
        let file = File::create(path).map_err(AuditError::io("create", path))?;
        Ok(BulkWriter {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, file),
            head: Link::GENESIS,
            clock,
        })
    }

    /// Appends one event (sanitised like [`super::AuditLog::append`]) without syncing.
    pub fn append(&mut self, entry: NewEntry) -> Result<Record, AuditError> {
        let line = encode_line(
            self.head.seq + 1,
            self.clock.now(),
            entry.sanitized(),
            &self.head.hash,
        );
        self.out
            .write_all(&line.bytes)
            .map_err(AuditError::io("write", &self.path))?;
        self.head = Link {
            seq: line.record.seq,
            hash: line.hash,
        };
        Ok(line.record)
    }

    /// Flushes and fsyncs the file.
    pub fn finish(self) -> Result<(), AuditError> {
        let file = self
            .out
            .into_inner()
            .map_err(|e| AuditError::io("write", &self.path)(e.into_error()))?;
        file.sync_all().map_err(AuditError::io("sync", &self.path))
    }
}
