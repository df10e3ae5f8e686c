//! What this machine last learnt of an incident's issue: its number and how far it holds
//! the log ("mirrored up to seq N"), or why the last sync failed. A cache of the forge,
//! re-derived from the issue's comments at every sync, so losing it loses nothing; it
//! lets `status` and the TUI say "mirror behind by N events" without asking the forge.

use super::comments::CommentsSeen;
use super::issue::IncidentIssue;
use crate::audit::Record;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The last sync's outcome for one incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorProgress {
    pub incident: String,
    pub issue: Option<IncidentIssue>,
    /// The highest seq the issue held after the last successful sync.
    pub mirrored_up_to: u64,
    pub synced_at: Option<DateTime<Utc>>,
    /// Why the latest attempt failed (cleared by a success), sanitised.
    pub last_error: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    /// What the issue's comments held at the last successful sync, so the next lists
    /// only newer ones; files written before it existed load with nothing seen.
    #[serde(default)]
    pub comments: CommentsSeen,
}

impl MirrorProgress {
    pub fn new(incident: &str) -> Self {
        MirrorProgress {
            incident: incident.to_owned(),
            issue: None,
            mirrored_up_to: 0,
            synced_at: None,
            last_error: None,
            failing_since: None,
            comments: CommentsSeen::default(),
        }
    }

    /// How many of the incident's events the issue does not hold yet.
    pub fn behind(&self, incident_records: &[&Record]) -> usize {
        incident_records
            .iter()
            .filter(|r| r.seq > self.mirrored_up_to)
            .count()
    }

    /// "mirror behind by N events" (with the last error), or `None` when caught up.
    pub fn summary(&self, behind: usize) -> Option<String> {
        if behind == 0 {
            return None;
        }
        let mut text = format!(
            "mirror behind by {behind} event{}",
            if behind == 1 { "" } else { "s" }
        );
        if let Some(error) = &self.last_error {
            text.push_str(&format!(" — last attempt failed: {error}"));
        }
        Some(text)
    }
}

/// `STATE_DIR/mirror/<incident>.json`.
pub fn progress_path(state_dir: &Path, incident: &str) -> PathBuf {
    let name: String = incident
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    state_dir.join("mirror").join(format!("{name}.json"))
}

/// The incident's progress as last written; a fresh one when there is none (or it cannot
/// be read: the next sync re-derives it from the issue).
pub fn read_progress(state_dir: &Path, incident: &str) -> MirrorProgress {
    std::fs::read(progress_path(state_dir, incident))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_else(|| MirrorProgress::new(incident))
}

/// Writes the progress whole (temporary file, then rename).
pub fn write_progress(state_dir: &Path, progress: &MirrorProgress) -> std::io::Result<()> {
    let path = progress_path(state_dir, &progress.incident);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, serde_json::to_vec_pretty(progress)?)?;
    std::fs::rename(temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_survives_a_round_trip_and_counts_what_is_behind() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read_progress(dir.path(), "INC-1"),
            MirrorProgress::new("INC-1")
        );
        let mut progress = MirrorProgress::new("INC-1");
        progress.mirrored_up_to = 4;
        progress.last_error = Some("503".into());
        write_progress(dir.path(), &progress).unwrap();
        let read = read_progress(dir.path(), "INC-1");
        assert_eq!(read, progress);
        assert_eq!(
            read.summary(2).unwrap(),
            "mirror behind by 2 events — last attempt failed: 503"
        );
        assert_eq!(read.summary(0), None);
    }
}
