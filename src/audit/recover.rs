//! Torn-tail recovery: the bytes after the last newline (a write cut short by a crash) are
//! moved aside to `<log>.torn-<UTC timestamp>`, never silently dropped.
//!
//! Only the tail is ever touched; corruption before it is refused elsewhere.

use super::error::AuditError;
use super::record::NewEntry;
use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `torn` to a new file next to the log and makes it durable; returns its path.
pub(crate) fn move_aside(
    log: &Path,
    torn: &[u8],
    now: DateTime<Utc>,
) -> Result<PathBuf, AuditError> {
    let stamp = now.format("%Y%m%dT%H%M%S%.6fZ");
    for attempt in 0u32.. {
        let mut name = log.as_os_str().to_owned();
        name.push(format!(".torn-{stamp}"));
        if attempt > 0 {
            name.push(format!("-{attempt}"));
        }
        let path = PathBuf::from(name);
        let mut file = match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(AuditError::io("create", &path)(e)),
        };
        file.write_all(torn)
            .and_then(|()| file.sync_all())
            .map_err(AuditError::io("write the torn tail to", &path))?;
        sync_parent(&path)?;
        return Ok(path);
    }
    unreachable!("the attempt counter is unbounded")
}

/// The `recovered` event that records what was moved aside.
pub(crate) fn recovered_entry(torn: &[u8], offset: u64, moved_to: &Path) -> NewEntry {
    NewEntry {
        incident: None,
        actor: "breakglass".into(),
        kind: "recovered".into(),
        data: json!({
            "torn_sha256": hex::encode(Sha256::digest(torn)),
            "torn_bytes": torn.len(),
            "offset": offset,
            "moved_to": moved_to.to_string_lossy(),
        }),
    }
}

/// Makes a new directory entry durable (a file's fsync does not cover its name).
pub(crate) fn sync_parent(path: &Path) -> Result<(), AuditError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(AuditError::io("sync the directory", dir))
}
