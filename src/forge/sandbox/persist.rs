//! Persistence of the REST state as one JSON file in the sandbox directory, so that a team
//! drill survives a restart. Git data needs nothing here: it lives in bare repositories.
//!
//! Writes are atomic (temporary file + rename) and owner-only: the file holds the
//! throwaway sandbox tokens.

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

pub fn save(path: &Path, state: &ForgeState) -> Result<(), SandboxError> {
    let io = |source| SandboxError::Io {
        path: path.to_owned(),
        source,
    };
    let bytes = serde_json::to_vec_pretty(state).expect("sandbox state serialises");
    let tmp = path.with_extension("json.tmp");
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)
}
