//! Where breakglass keeps its files: config, data (the audit log) and state (locks, logs).
//!
//! The directories come from the platform conventions (`directories`), unless
//! `BREAKGLASS_HOME` is set: then everything lives below that one folder, which is how
//! tests and drills keep away from an operator's real state. Nothing here ever points
//! inside a git repository's work tree on purpose: the audit log lives outside the repo.

use std::path::{Path, PathBuf};

/// The environment variable that puts all of breakglass's files below one folder.
pub const HOME_ENV: &str = "BREAKGLASS_HOME";

/// The three directories breakglass writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `config.toml` and user runbooks.
    pub config_dir: PathBuf,
    /// The audit log, checkpoints, review forms, drill history.
    pub data_dir: PathBuf,
    /// Locks, the tracing log, watchdog bookkeeping.
    pub state_dir: PathBuf,
}

/// Why the directories could not be determined.
#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    #[error(
        "cannot find a home directory for breakglass's files; set {HOME_ENV}=DIR to choose one"
    )]
    NoHome,
    #[error("cannot create {path}: {source}; check its permissions or set {HOME_ENV}=DIR")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Paths {
    /// Every directory below `home` (what `BREAKGLASS_HOME` selects).
    pub fn under(home: &Path) -> Self {
        Paths {
            config_dir: home.join("config"),
            data_dir: home.join("data"),
            state_dir: home.join("state"),
        }
    }

    /// `BREAKGLASS_HOME` when set and not empty, else the platform's directories.
    pub fn from_env() -> Result<Self, PathsError> {
        match std::env::var_os(HOME_ENV) {
            Some(home) if !home.is_empty() => Ok(Self::under(Path::new(&home))),
            _ => Self::platform(),
        }
    }

    fn platform() -> Result<Self, PathsError> {
        let dirs = directories::ProjectDirs::from("dev", "breakglass", "breakglass")
            .ok_or(PathsError::NoHome)?;
        let state_dir = dirs
            .state_dir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dirs.data_local_dir().join("state"));
        Ok(Paths {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
            state_dir,
        })
    }

    /// Creates the directories if they are missing.
    pub fn ensure(&self) -> Result<(), PathsError> {
        for dir in [&self.config_dir, &self.data_dir, &self.state_dir] {
            std::fs::create_dir_all(dir).map_err(|source| PathsError::Create {
                path: dir.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// The append-only audit log.
    pub fn audit_log(&self) -> PathBuf {
        self.data_dir.join("audit.jsonl")
    }

    /// The configuration file.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// The tracing log (never the terminal).
    pub fn trace_log_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_override_puts_everything_below_it() {
        let p = Paths::under(Path::new("/tmp/bg"));
        for dir in [&p.config_dir, &p.data_dir, &p.state_dir] {
            assert!(dir.starts_with("/tmp/bg"));
        }
        assert_eq!(p.audit_log(), Path::new("/tmp/bg/data/audit.jsonl"));
    }
}
