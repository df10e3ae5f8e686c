//! The per-incident lock: a file in the state directory, exclusively locked by the process
//! acting on the incident and holding its PID and command, so two processes never act on
//! one incident at once and the second can say who holds it.
//!
//! The file is never deleted (deleting a locked file would let a second process lock a
//! new one). The OS releases the lock when the holder dies, even by SIGKILL.

use super::error::FlowError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Proof that this process holds an incident's lock; released when dropped.
#[derive(Debug)]
pub struct IncidentLock {
    file: File,
    id: String,
}

impl IncidentLock {
    /// Takes the lock of incident `id` without waiting, recording our PID and `command`.
    pub fn acquire(state_dir: &Path, id: &str, command: &str) -> Result<IncidentLock, FlowError> {
        let path = lock_path(state_dir, id);
        let io = |source| FlowError::LockIo {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(held_by(&mut file, id)),
            Err(TryLockError::Error(source)) => return Err(io(source)),
        }
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{} {}", std::process::id(), command))
            .and_then(|()| file.flush())
            .map_err(io)?;
        Ok(IncidentLock {
            file,
            id: id.to_owned(),
        })
    }

    /// The incident this lock is for.
    pub fn incident(&self) -> &str {
        &self.id
    }
}

impl Drop for IncidentLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// `STATE/locks/ID.lock`.
pub fn lock_path(state_dir: &Path, id: &str) -> PathBuf {
    state_dir.join("locks").join(format!("{id}.lock"))
}

fn held_by(file: &mut File, id: &str) -> FlowError {
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    let text = crate::text::sanitize_line(text.trim());
    let (pid, command) = text
        .split_once(' ')
        .unwrap_or((text.as_str(), "breakglass"));
    FlowError::Locked {
        id: id.to_owned(),
        pid: if pid.is_empty() {
            "?".into()
        } else {
            pid.into()
        },
        command: command.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_told_who_holds_the_incident() {
        let dir = tempfile::tempdir().unwrap();
        let first = IncidentLock::acquire(dir.path(), "INC-1", "breakglass push").unwrap();
        let err = IncidentLock::acquire(dir.path(), "INC-1", "breakglass restore").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!(
                "incident INC-1 is being handled by PID {} (breakglass push)",
                std::process::id()
            )),
            "{text}"
        );
        // Another incident is independent, and the lock is free again once dropped.
        IncidentLock::acquire(dir.path(), "INC-2", "x").unwrap();
        drop(first);
        IncidentLock::acquire(dir.path(), "INC-1", "breakglass restore").unwrap();
    }
}
