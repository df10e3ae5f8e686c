//! The open, verified log that appends: lock, catch up, write one whole line, fsync, unlock.
//!
//! Many processes may append to one file; each append takes the writers' lock and first
//! verifies whatever other processes appended since. It never rewrites a complete line.

use super::chain::{ChainError, Link, verify_links, verify_records};
use super::error::AuditError;
use super::lock::{LogLock, lock_exclusive};
use super::record::{Head, NewEntry, Record, encode_line};
use super::recover::{move_aside, recovered_entry, sync_parent};
use crate::clock::Clock;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long an append waits for another writer before reporting [`AuditError::InUse`].
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(2);

/// How far a reader of [`AuditLog::records_since`] has read: a byte offset just after a
/// verified line and that line's link. The default is the start of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogCursor {
    offset: u64,
    link: Link,
}

impl Default for LogCursor {
    fn default() -> Self {
        LogCursor {
            offset: 0,
            link: Link::GENESIS,
        }
    }
}

/// An open, verified log; many processes may append (one lock per append).
pub struct AuditLog {
    path: PathBuf,
    clock: Arc<dyn Clock>,
    file: File,
    /// The chain's end as far as this handle has read and verified.
    head: Link,
    /// Bytes verified so far (the offset new lines from other processes start at).
    len: u64,
    lock_wait: Duration,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.path)
            .field("head", &self.head())
            .finish()
    }
}

impl AuditLog {
    /// Creates the file (and parents) if missing, verifies the chain, recovers a torn tail.
    pub fn open(path: impl Into<PathBuf>, clock: Arc<dyn Clock>) -> Result<AuditLog, AuditError> {
        Self::open_with_lock_wait(path, clock, DEFAULT_LOCK_WAIT)
    }

    /// Like [`AuditLog::open`], waiting at most `lock_wait` for another writer each time.
    pub fn open_with_lock_wait(
        path: impl Into<PathBuf>,
        clock: Arc<dyn Clock>,
        lock_wait: Duration,
    ) -> Result<AuditLog, AuditError> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(AuditError::io("create the directory", dir))?;
        }
        let _lock = lock_exclusive(&path, lock_wait)?;
        let existed = path.exists();
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(AuditError::io("open", &path))?;
        if !existed {
            sync_parent(&path)?;
        }
        let mut log = AuditLog {
            path,
            clock,
            file,
            head: Link::GENESIS,
            len: 0,
            lock_wait,
        };
        log.catch_up()?;
        Ok(log)
    }

    /// Lock, catch up with lines other processes appended, write one whole line, fsync,
    /// unlock. `Ok` is the acknowledgement: the event is durable.
    pub fn append(&mut self, entry: NewEntry) -> Result<Record, AuditError> {
        let _lock = self.lock()?;
        self.catch_up()?;
        self.write_line(entry.sanitized())
    }

    /// Every record, re-read and verified (includes other processes' appends).
    pub fn records(&mut self) -> Result<Vec<Record>, AuditError> {
        self.records_since(&mut LogCursor::default())
    }

    /// The records appended after `cursor` (by any process), verified from the cursor's
    /// link on; moves the cursor past them. A reader that keeps its cursor reads each
    /// line once instead of the whole file every time.
    pub fn records_since(&mut self, cursor: &mut LogCursor) -> Result<Vec<Record>, AuditError> {
        let _lock = self.lock()?;
        self.catch_up()?;
        if cursor.offset > self.len {
            return Err(AuditError::Shrunk {
                path: self.path.clone(),
                was: cursor.offset,
                now: self.len,
            });
        }
        let mut bytes = Vec::with_capacity((self.len - cursor.offset) as usize);
        self.read_from(cursor.offset, &mut bytes)?;
        bytes.truncate((self.len - cursor.offset) as usize);
        let (records, end, complete) =
            verify_records(&bytes, cursor.link, false).map_err(|e| self.corrupt(e))?;
        cursor.offset += complete as u64;
        cursor.link = end;
        Ok(records.into_iter().map(|(record, _)| record).collect())
    }

    /// The last line's seq and hash, as of this handle's last read.
    pub fn head(&self) -> Head {
        Head {
            seq: self.head.seq,
            hash: hex::encode(self.head.hash),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> Result<LogLock, AuditError> {
        lock_exclusive(&self.path, self.lock_wait)
    }

    /// Verifies what was appended since our last read; recovers a torn tail. Lock held.
    fn catch_up(&mut self) -> Result<(), AuditError> {
        let now_len = self
            .file
            .metadata()
            .map_err(AuditError::io("read the size of", &self.path))?
            .len();
        if now_len < self.len {
            return Err(AuditError::Shrunk {
                path: self.path.clone(),
                was: self.len,
                now: now_len,
            });
        }
        if now_len == self.len {
            return Ok(());
        }
        let mut fresh = Vec::with_capacity((now_len - self.len) as usize);
        self.read_from(self.len, &mut fresh)?;
        let (end, complete) = verify_links(&fresh, self.head).map_err(|e| self.corrupt(e))?;
        self.head = end;
        self.len += complete as u64;
        if complete < fresh.len() {
            self.recover_torn_tail(&fresh[complete..])?;
        }
        Ok(())
    }

    /// Moves the torn bytes aside, cuts them off the log and records a `recovered` event.
    fn recover_torn_tail(&mut self, torn: &[u8]) -> Result<(), AuditError> {
        let moved_to = move_aside(&self.path, torn, self.clock.now())?;
        self.file
            .set_len(self.len)
            .and_then(|()| self.file.sync_all())
            .map_err(AuditError::io("truncate the torn tail of", &self.path))?;
        tracing::warn!(log = %self.path.display(), bytes = torn.len(), moved_to = %moved_to.display(), "recovered a torn audit log tail");
        self.write_line(recovered_entry(torn, self.len, &moved_to))?;
        Ok(())
    }

    /// Writes one sanitised entry after the current head and fsyncs. Lock held.
    fn write_line(&mut self, entry: NewEntry) -> Result<Record, AuditError> {
        let line = encode_line(self.head.seq + 1, self.clock.now(), entry, &self.head.hash);
        // One write of the whole line; with O_APPEND and the lock held nothing interleaves.
        // If it fails half way, the partial line is a torn tail recovered on the next write.
        self.file
            .write_all(&line.bytes)
            .and_then(|()| self.file.sync_data())
            .map_err(AuditError::io("append to", &self.path))?;
        self.head = Link {
            seq: line.record.seq,
            hash: line.hash,
        };
        self.len += line.bytes.len() as u64;
        Ok(line.record)
    }

    fn read_from(&mut self, offset: u64, into: &mut Vec<u8>) -> Result<(), AuditError> {
        self.file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| (&self.file).read_to_end(into))
            .map(|_| ())
            .map_err(AuditError::io("read", &self.path))
    }

    fn corrupt(&self, error: ChainError) -> AuditError {
        chain_error(&self.path, error)
    }
}

/// Names the file in a chain error.
pub(crate) fn chain_error(path: &Path, error: ChainError) -> AuditError {
    match error {
        ChainError::BadLine { line, problem } => AuditError::Corrupt {
            path: path.to_path_buf(),
            line,
            problem,
        },
        ChainError::TornTail { line, bytes } => AuditError::TornTail {
            path: path.to_path_buf(),
            line,
            bytes,
        },
    }
}
