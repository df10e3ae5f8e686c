//! The writers' lock: an exclusive OS lock on `<log>.lock`, which holds the writer's PID.
//!
//! The lock file is never deleted (deleting a locked file lets a second writer lock a new
//! one). Waiting uses the real wall clock: it is about another process, not about time in
//! the incident, so the injected `Clock` does not apply.

use super::error::AuditError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(20);

/// `<log>.lock`, next to the log.
pub(crate) fn lock_path(log: &Path) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// A held lock; released when dropped.
#[derive(Debug)]
pub(crate) struct LogLock {
    file: File,
}

impl Drop for LogLock {
    fn drop(&mut self) {
        // Closing the file would release it too; unlocking first makes the release immediate
        // even if the handle were leaked elsewhere.
        let _ = self.file.unlock();
    }
}

/// Takes the exclusive writer's lock, waiting up to `wait`, and records our PID in it.
pub(crate) fn lock_exclusive(log: &Path, wait: Duration) -> Result<LogLock, AuditError> {
    let path = lock_path(log);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(AuditError::io("open the lock file", &path))?;
    wait_for(log, &path, wait, || file.try_lock())?;
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()))
        .map_err(AuditError::io("write the PID into", &path))?;
    Ok(LogLock { file })
}

/// Takes a shared lock for a reader when a lock file exists, so a reader never sees a line
/// half written. `None` when no writer ever ran here (no lock file).
pub(crate) fn lock_shared(log: &Path, wait: Duration) -> Result<Option<LogLock>, AuditError> {
    let path = lock_path(log);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AuditError::io("open the lock file", &path)(e)),
    };
    wait_for(log, &path, wait, || file.try_lock_shared())?;
    Ok(Some(LogLock { file }))
}

fn wait_for(
    log: &Path,
    lock_file: &Path,
    wait: Duration,
    mut try_lock: impl FnMut() -> Result<(), TryLockError>,
) -> Result<(), AuditError> {
    let started = Instant::now();
    loop {
        match try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) if started.elapsed() < wait => std::thread::sleep(POLL),
            Err(TryLockError::WouldBlock) => {
                return Err(AuditError::InUse {
                    path: log.to_path_buf(),
                    pid: holder_pid(lock_file),
                });
            }
            Err(TryLockError::Error(e)) => return Err(AuditError::io("lock", lock_file)(e)),
        }
    }
}

/// The PID the current holder wrote, if it has written one yet.
fn holder_pid(lock_file: &Path) -> Option<u32> {
    let mut text = String::new();
    File::open(lock_file).ok()?.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}
