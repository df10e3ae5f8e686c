//! What can go wrong with the audit log, each error saying what the operator should do.

use super::chain::Problem;
use std::path::PathBuf;

/// An audit log failure. Every message names the file and the next step.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(
        "cannot {action} {}: {source} — check the file's permissions and free space; \
         breakglass makes no forge change without a working audit log",
        path.display()
    )]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no audit log at {} yet: nothing has been recorded there — pass --file to check \
         another log, or set BREAKGLASS_HOME to the folder the log lives under",
        path.display()
    )]
    Missing { path: PathBuf },
    #[error(
        "audit log {} is corrupt at line {line}: {problem} — breakglass refuses to use it and \
         will not repair it; keep the file as evidence and compare it with a checkpoint or backup",
        path.display()
    )]
    Corrupt {
        path: PathBuf,
        line: u64,
        problem: Problem,
    },
    #[error(
        "audit log {} ends with an unfinished line {line} ({bytes} bytes after the last newline, \
         a write cut short by a crash); run any breakglass command that writes, or \
         `breakglass audit verify`, to see it; it will be recovered on the next write",
        path.display()
    )]
    TornTail {
        path: PathBuf,
        line: u64,
        bytes: u64,
    },
    #[error(
        "audit log {} shrank from {was} to {now} bytes while breakglass had it open — something \
         outside breakglass truncated it; stop and keep the file as evidence",
        path.display()
    )]
    Shrunk { path: PathBuf, was: u64, now: u64 },
    #[error(
        "audit log {} is in use by {} — wait for that breakglass to finish or stop it",
        path.display(), describe_pid(*.pid)
    )]
    InUse { path: PathBuf, pid: Option<u32> },
    #[error(
        "audit log {} is truncated per checkpoint: it holds {events} events but the checkpoint \
         records {checkpoint_count}; whole lines were removed from its end",
        path.display()
    )]
    Truncated {
        path: PathBuf,
        events: u64,
        checkpoint_count: u64,
    },
    #[error(
        "audit log {} differs from the checkpoint at line {line}: the line hashes to {found} but \
         the checkpoint records {expected}; the log was rewritten after the checkpoint was taken",
        path.display()
    )]
    CheckpointMismatch {
        path: PathBuf,
        line: u64,
        expected: String,
        found: String,
    },
    #[error(
        "checkpoint {} is not valid: {reason} — use a file written by `breakglass audit checkpoint`",
        path.display()
    )]
    BadCheckpoint { path: PathBuf, reason: String },
}

fn describe_pid(pid: Option<u32>) -> String {
    match pid {
        Some(pid) => format!("PID {pid}"),
        None => "another process (PID not yet recorded)".to_owned(),
    }
}

impl AuditError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| AuditError::Io {
            action,
            path,
            source,
        }
    }
}
