//! Persistence of the REST state as one JSON file in the sandbox directory, so that a team
//! drill survives a restart. Git data needs nothing here: it lives in bare repositories.
//!
//! Writes are atomic (a unique temporary file + rename), made under the state lock so the
//! newest state is always the one saved last, and owner-only: the file holds the throwaway
//! sandbox tokens.

use super::SandboxError;
use super::model::ForgeState;
use std::path::{Path, PathBuf};

pub fn state_file(dir: &Path) -> PathBuf {
    dir.join("sandbox-state.json")
}

/// The saved state, or `None` for a fresh directory.
pub fn load(dir: &Path) -> Result<Option<ForgeState>, SandboxError> {
    let path = state_file(dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(SandboxError::Io { path, source }),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|source| SandboxError::CorruptState { path, source })
}

/// Writes `state` to `path` through a temporary file of its own in the same directory, so
/// that concurrent saves never share one; the caller holds the state lock, so the newest
/// state is the one renamed last.
pub fn save(path: &Path, state: &ForgeState) -> Result<(), SandboxError> {
    use std::io::Write;
    let io = |source| SandboxError::Io {
        path: path.to_owned(),
        source,
    };
    let bytes = serde_json::to_vec_pretty(state).expect("sandbox state serialises");
    let dir = path.parent().unwrap_or(Path::new("."));
    // tempfile creates it owner-only (0600) with a unique name.
    let mut file = tempfile::Builder::new()
        .prefix(".sandbox-state.")
        .suffix(".json.tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    file.write_all(&bytes).map_err(io)?;
    file.as_file().sync_all().map_err(io)?;
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{Sandbox, SandboxOptions};
    use super::*;

    /// Many threads change the state and save it at once: each finds on disk a state at
    /// least as new as its own change once its save returns (no older copy renamed over it,
    /// no two writers' bytes mixed in one temporary file), and no temporary file is left.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_saves_never_go_back_in_time() {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::start(SandboxOptions {
            dir: Some(dir.path().to_owned()),
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let shared = sandbox.shared.clone();
        let writers: Vec<_> = (0..8)
            .map(|_| {
                let (shared, dir) = (shared.clone(), dir.path().to_owned());
                std::thread::spawn(move || {
                    for _ in 0..40 {
                        let mine = shared.state.lock().unwrap().fresh_id();
                        shared.persist();
                        let saved = load(&dir).expect("whole JSON").expect("a saved state");
                        assert!(saved.next_id >= mine, "{} < {mine}", saved.next_id);
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }

        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tmp"))
            .collect();
        assert!(names.is_empty(), "temporary files left: {names:?}");
        sandbox.shutdown().await;
    }
}
