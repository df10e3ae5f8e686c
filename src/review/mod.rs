//! The post-incident review form: its sections, draft autosave as JSON, and Markdown export.
//!
//! Pure data plus two small file operations on a directory the caller passes in (the
//! data directory); it never decides where that directory is and never touches the forge.

pub mod facts;
pub mod signoff;

pub use facts::ReviewFacts;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What an action item does about the incident, as postmortem templates sort them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    /// Lessens the harm if it happens again.
    Mitigate,
    /// Stops it from happening again.
    Prevent,
    /// Changes how the team works.
    Process,
}

impl ActionKind {
    pub const ALL: [ActionKind; 3] = [
        ActionKind::Mitigate,
        ActionKind::Prevent,
        ActionKind::Process,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Mitigate => "mitigate",
            ActionKind::Prevent => "prevent",
            ActionKind::Process => "process",
        }
    }

    /// The kind named by `word`, whatever its case.
    pub fn parse(word: &str) -> Option<ActionKind> {
        ActionKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(word.trim()))
    }
}

/// A follow-up: what, which kind, someone accountable, a date, and where it is tracked.
/// Items saved before kinds and links existed load with neither.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActionItem {
    pub what: String,
    #[serde(rename = "type")]
    pub kind: Option<ActionKind>,
    pub owner: String,
    pub due: Option<NaiveDate>,
    pub tracking_link: String,
}

/// The form's sections in the order reviewers read them (Google SRE's and PagerDuty's
/// postmortem templates). The one list the editor, its labels and the export walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Summary,
    Impact,
    Trigger,
    Detection,
    Resolution,
    RootCauses,
    WentWell,
    WentWrong,
    GotLucky,
    ActionItems,
    Lessons,
}

impl Section {
    pub const ALL: [Section; 11] = [
        Section::Summary,
        Section::Impact,
        Section::Trigger,
        Section::Detection,
        Section::Resolution,
        Section::RootCauses,
        Section::WentWell,
        Section::WentWrong,
        Section::GotLucky,
        Section::ActionItems,
        Section::Lessons,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Summary => "Summary",
            Section::Impact => "Impact",
            Section::Trigger => "Trigger",
            Section::Detection => "Detection",
            Section::Resolution => "Resolution",
            Section::RootCauses => "Root causes",
            Section::WentWell => "What went well",
            Section::WentWrong => "What went wrong",
            Section::GotLucky => "Where we got lucky",
            Section::ActionItems => "Action items",
            Section::Lessons => "Lessons learned",
        }
    }
}

/// The lessons-learned form of one incident. Sections a draft was saved without (drafts
/// from before a section existed) load empty; renamed sections load from their old names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewForm {
    pub incident: String,
    pub summary: String,
    pub impact: String,
    pub trigger: String,
    pub detection: String,
    pub resolution: String,
    #[serde(alias = "root_cause")]
    pub root_causes: String,
    pub went_well: String,
    #[serde(alias = "went_poorly")]
    pub went_wrong: String,
    pub where_we_got_lucky: String,
    pub action_items: Vec<ActionItem>,
    pub lessons: String,
    /// The event timeline that forms written before the sections were aligned were
    /// prefilled with, and people may have edited; kept so that nothing written is lost.
    /// New forms leave it empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub timeline: String,
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

    /// The free text of `section`; `None` for the action items, which are a list.
    pub fn text(&self, section: Section) -> Option<&str> {
        let text = match section {
            Section::Summary => &self.summary,
            Section::Impact => &self.impact,
            Section::Trigger => &self.trigger,
            Section::Detection => &self.detection,
            Section::Resolution => &self.resolution,
            Section::RootCauses => &self.root_causes,
            Section::WentWell => &self.went_well,
            Section::WentWrong => &self.went_wrong,
            Section::GotLucky => &self.where_we_got_lucky,
            Section::Lessons => &self.lessons,
            Section::ActionItems => return None,
        };
        Some(text)
    }

    /// The free text of `section` to edit; `None` for the action items.
    pub fn text_mut(&mut self, section: Section) -> Option<&mut String> {
        let text = match section {
            Section::Summary => &mut self.summary,
            Section::Impact => &mut self.impact,
            Section::Trigger => &mut self.trigger,
            Section::Detection => &mut self.detection,
            Section::Resolution => &mut self.resolution,
            Section::RootCauses => &mut self.root_causes,
            Section::WentWell => &mut self.went_well,
            Section::WentWrong => &mut self.went_wrong,
            Section::GotLucky => &mut self.where_we_got_lucky,
            Section::Lessons => &mut self.lessons,
            Section::ActionItems => return None,
        };
        Some(text)
    }

    /// The form as a Markdown document, for the forge or a wiki: the sections in
    /// [`Section::ALL`]'s order.
    pub fn to_markdown(&self) -> String {
        self.to_markdown_with_facts(None)
    }

    /// The form as a Markdown document opening with the facts from the audit log.
    pub fn to_markdown_with_facts(&self, facts: Option<&ReviewFacts>) -> String {
        let mut md = String::new();
        let drill = if facts.is_some_and(|f| f.drill) {
            " (drill)"
        } else {
            ""
        };
        let _ = writeln!(md, "# Post-incident review: {}{drill}\n", self.incident);
        if let Some(at) = self.submitted_at {
            let _ = writeln!(md, "_Submitted {}_\n", at.format("%Y-%m-%d %H:%M UTC"));
        }
        if let Some(facts) = facts {
            md.push_str(&facts.to_markdown());
        }
        for section in Section::ALL {
            match self.text(section) {
                Some(body) => text_section(&mut md, section.title(), body),
                None => action_items_section(&mut md, &self.action_items),
            }
        }
        if !self.timeline.trim().is_empty() {
            text_section(
                &mut md,
                "Timeline (from the earlier form)",
                &as_list(&self.timeline),
            );
        }
        md.truncate(md.trim_end().len());
        md.push('\n');
        md
    }
}

/// The comment that posts the submitted review on the incident's issue (when the mirror
/// keeps one) as the incident finishes: the whole review with its facts, the last word
/// on the issue before it closes.
pub fn incident_issue_comment(form: &ReviewForm, facts: &ReviewFacts) -> String {
    let mut md = form.to_markdown_with_facts(Some(facts));
    md.push_str(
        "\n---\n_Posted by breakglass as the incident closed (the retroactive review signed \
         off, or nothing pushed that needed one): the lessons-learned review as submitted, \
         with the facts from the audit log._\n",
    );
    md
}

fn text_section(md: &mut String, title: &str, body: &str) {
    let body = crate::text::sanitize(body.trim());
    let body = if body.is_empty() {
        "_Not filled in._".to_owned()
    } else {
        body
    };
    let _ = write!(md, "## {title}\n\n{body}\n\n");
}

fn action_items_section(md: &mut String, items: &[ActionItem]) {
    let _ = write!(md, "## {}\n\n", Section::ActionItems.title());
    if items.is_empty() {
        md.push_str("_None recorded._\n\n");
        return;
    }
    md.push_str("| Action | Type | Owner | Due | Tracking |\n| --- | --- | --- | --- | --- |\n");
    let or_dash = |text: String| {
        if text.is_empty() {
            "—".to_owned()
        } else {
            text
        }
    };
    for item in items {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            table_cell(&item.what),
            or_dash(item.kind.map(|k| k.as_str().to_owned()).unwrap_or_default()),
            table_cell(&item.owner),
            or_dash(item.due.map(|d| d.to_string()).unwrap_or_default()),
            or_dash(table_cell(&item.tracking_link)),
        );
    }
    md.push('\n');
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
