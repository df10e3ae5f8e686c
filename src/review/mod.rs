//! The post-incident review form: its fields, draft autosave as JSON, and Markdown export.
//!
//! Pure data plus two small file operations on a directory the caller passes in (the
//! data directory); it never decides where that directory is and never touches the forge.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A follow-up with someone accountable and a date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub what: String,
    pub owner: String,
    pub due: Option<NaiveDate>,
}

/// The lessons-learned form of one incident.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewForm {
    pub incident: String,
    pub summary: String,
    pub impact: String,
    /// Prefilled from the audit events, then edited by people.
    pub timeline: String,
    pub root_cause: String,
    pub went_well: String,
    pub went_poorly: String,
    pub action_items: Vec<ActionItem>,
    pub lessons: String,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// Why a draft could not be saved or loaded, and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(
        "cannot write the review draft {path}: {source} — check that the data directory is writable"
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the review draft {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the review draft {path} is not valid JSON ({source}) — move it aside to start a fresh draft"
    )]
    Corrupt {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("incident id {0:?} cannot name a file — use letters, digits, '-', '_' or '.'")]
    BadIncidentId(String),
}

impl ReviewForm {
    pub fn new(incident: impl Into<String>) -> Self {
        ReviewForm {
            incident: incident.into(),
            ..ReviewForm::default()
        }
    }

    /// The form as a Markdown document, for the forge or a wiki.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Post-incident review: {}\n", self.incident);
        if let Some(at) = self.submitted_at {
            let _ = writeln!(md, "_Submitted {}_\n", at.format("%Y-%m-%d %H:%M UTC"));
        }
        section(&mut md, "Summary", &self.summary);
        section(&mut md, "Impact", &self.impact);
        section(&mut md, "Timeline", &as_list(&self.timeline));
        for (title, body) in [
            ("Root cause", &self.root_cause),
            ("What went well", &self.went_well),
            ("What went poorly", &self.went_poorly),
        ] {
            section(&mut md, title, body);
        }
        md.push_str("## Action items\n\n");
        if self.action_items.is_empty() {
            md.push_str("_None recorded._\n\n");
        } else {
            md.push_str("| Action | Owner | Due |\n| --- | --- | --- |\n");
            for item in &self.action_items {
                let due = item.due.map_or("—".to_owned(), |d| d.to_string());
                let _ = writeln!(
                    md,
                    "| {} | {} | {} |",
                    table_cell(&item.what),
                    table_cell(&item.owner),
                    due
                );
            }
            md.push('\n');
        }
        section(&mut md, "Lessons learned", &self.lessons);
        md.truncate(md.trim_end().len());
        md.push('\n');
        md
    }
}

fn section(md: &mut String, title: &str, body: &str) {
    let body = crate::text::sanitize(body.trim());
    let body = if body.is_empty() {
        "_Not filled in._".to_owned()
    } else {
        body
    };
    let _ = write!(md, "## {title}\n\n{body}\n\n");
}

/// One timeline entry per line becomes one list item, so Markdown keeps the lines apart.
fn as_list(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let l = l.trim();
            if l.starts_with("- ") || l.starts_with("* ") {
                l.to_owned()
            } else {
                format!("- {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn table_cell(text: &str) -> String {
    crate::text::sanitize_line(text).replace('|', "\\|")
}

/// Where the draft of `incident` lives under `dir`.
pub fn draft_path(dir: &Path, incident: &str) -> Result<PathBuf, ReviewError> {
    let safe = !incident.is_empty()
        && !incident.starts_with('.')
        && incident
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !safe {
        return Err(ReviewError::BadIncidentId(incident.to_owned()));
    }
    Ok(dir.join(format!("review-{incident}.json")))
}

/// Writes the draft atomically (temporary file, then rename) so a crash mid-write keeps the
/// previous draft whole.
pub fn save_draft(dir: &Path, form: &ReviewForm) -> Result<PathBuf, ReviewError> {
    let path = draft_path(dir, &form.incident)?;
    let write_err = |source| ReviewError::Write {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(write_err)?;
    let json = serde_json::to_vec_pretty(form).expect("a review form always serializes");
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json).map_err(write_err)?;
    std::fs::rename(&tmp, &path).map_err(write_err)?;
    Ok(path)
}

/// The saved draft of `incident`, or `None` when there is none yet.
pub fn load_draft(dir: &Path, incident: &str) -> Result<Option<ReviewForm>, ReviewError> {
    let path = draft_path(dir, incident)?;
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ReviewError::Read { path, source }),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|source| ReviewError::Corrupt { path, source })
}

#[cfg(test)]
mod tests;
