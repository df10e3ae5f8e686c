//! The comment `breakglass guard` leaves on the incident issue when it closed an expired
//! lease (or found it already closed): who, when, which window, what the read-back proved
//! and any drift it overwrote, in words and as JSON in a marked comment. The commander's
//! breakglass reads it back to record the guard's restore in its own log. Pure text.

use crate::forge::github::Marker;
use crate::forge::port::IssueComment;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `format` member of a guard's note.
pub const GUARD_NOTE_FORMAT: &str = "breakglass.guard.v1";

/// What the guard found at the lease's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardFinding {
    /// The protection was relaxed (or drifted): the guard put the snapshot back.
    Restored,
    /// The protection already equalled the snapshot: nothing was sent.
    AlreadyClosed,
}

/// One guard's report on one window of one incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardNote {
    pub format: String,
    pub incident: String,
    /// `owner/name` and branch whose protection was restored.
    pub repo: String,
    pub branch: String,
    /// The window of the incident the lease belonged to.
    pub window: usize,
    /// The guard's forge login (its token's owner).
    pub guard: String,
    pub finding: GuardFinding,
    /// The read-back after restoring equals the snapshot.
    pub verified: bool,
    /// The lease's deadline as the issue stated it.
    pub deadline: DateTime<Utc>,
    pub at: DateTime<Utc>,
    /// Changes someone else made during the window (snapshot / ours / theirs), overwritten
    /// by the snapshot; an empty list when there were none.
    pub drift: Value,
    /// Requests that changed protection.
    pub writes: usize,
}

/// The marker of `guard`'s note on `window` of `incident`.
pub fn guard_marker(incident: &str, window: usize, guard: &str) -> Marker {
    Marker::new(incident, &format!("guard-{window}-{guard}"))
}

/// The comment body for `note` (marker added by the caller).
pub fn guard_comment(note: &GuardNote) -> String {
    let time = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let line = |text: &str| crate::text::sanitize_line(text).replace('`', "'");
    let (repo, branch) = (line(&note.repo), line(&note.branch));
    let what = match note.finding {
        GuardFinding::Restored => {
            format!("restored the protection of {repo} `{branch}` from the snapshot posted above")
        }
        GuardFinding::AlreadyClosed => format!(
            "found the glass on {repo} `{branch}` already closed (the protection already equals \
             the snapshot); nothing was changed"
        ),
    };
    let proof = if note.verified {
        "Verified by read-back: the protection equals the snapshot."
    } else {
        "NOT verified: the read-back still differs from the snapshot — restore it by hand."
    };
    let drift = note.drift.as_array().map_or(0, Vec::len);
    let drift = if drift == 0 {
        String::new()
    } else {
        format!(
            "\n\nDRIFT: someone else changed {drift} protection setting(s) during the window; \
             the snapshot was put back over them — review the change(s) below."
        )
    };
    // serde_json escapes control characters; the prose is sanitised line by line.
    let json = serde_json::to_string_pretty(note).expect("a guard note serialises");
    format!(
        "**breakglass guard** (`{}`) {what} at {}: window {} of {}, whose lease ended at {} \
         while the issue still showed the glass open. {proof}{drift}\n\n```json\n{json}\n```\n",
        line(&note.guard),
        time(note.at),
        note.window,
        line(&note.incident),
        time(note.deadline),
    )
}

/// Every guard note on `window` of `incident` whose JSON names the comment's own author
/// as the guard (a note claiming someone else is ignored), oldest first.
pub fn guard_notes(comments: &[IssueComment], incident: &str, window: usize) -> Vec<GuardNote> {
    comments
        .iter()
        .filter(|c| guard_marker(incident, window, &c.author).is_in(&c.body))
        .filter_map(|c| {
            let note = parse_guard_note(&c.body)?;
            (note.guard == c.author && note.incident == incident && note.window == window)
                .then_some(note)
        })
        .collect()
}

/// The first note saying a guard restored the window and verified it.
pub fn restored_by_guard(
    comments: &[IssueComment],
    incident: &str,
    window: usize,
) -> Option<GuardNote> {
    guard_notes(comments, incident, window)
        .into_iter()
        .find(|n| n.finding == GuardFinding::Restored && n.verified)
}

fn parse_guard_note(body: &str) -> Option<GuardNote> {
    let start = body.find("```json")? + "```json".len();
    let rest = &body[start..];
    let end = rest.find("\n```")?;
    let note: GuardNote = serde_json::from_str(rest[..end].trim()).ok()?;
    (note.format == GUARD_NOTE_FORMAT).then_some(note)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn note(guard: &str, finding: GuardFinding) -> GuardNote {
        GuardNote {
            format: GUARD_NOTE_FORMAT.into(),
            incident: "INC-42".into(),
            repo: "acme/api".into(),
            branch: "main".into(),
            window: 1,
            guard: guard.into(),
            finding,
            verified: true,
            deadline: DateTime::from_timestamp(1_796_166_000, 0).unwrap(),
            at: DateTime::from_timestamp(1_796_166_090, 0).unwrap(),
            drift: json!([]),
            writes: 2,
        }
    }

    fn comment(id: u64, author: &str, body: String) -> IssueComment {
        IssueComment {
            id,
            author: author.into(),
            body,
            created_at: DateTime::from_timestamp(0, 0).unwrap(),
            updated_at: DateTime::from_timestamp(0, 0).unwrap(),
            html_url: String::new(),
        }
    }

    fn posted(id: u64, author: &str, note: &GuardNote) -> IssueComment {
        let body = guard_marker(&note.incident, note.window, author).embed(&guard_comment(note));
        comment(id, author, body)
    }

    #[test]
    fn a_guards_note_reads_back_and_says_who_restored() {
        let restored = note("guard-bot", GuardFinding::Restored);
        let closed = note("owner", GuardFinding::AlreadyClosed);
        let comments = [
            posted(1, "owner", &closed),
            posted(2, "guard-bot", &restored),
        ];
        assert_eq!(
            guard_notes(&comments, "INC-42", 1),
            [closed, restored.clone()]
        );
        assert_eq!(restored_by_guard(&comments, "INC-42", 1), Some(restored));
        assert!(guard_notes(&comments, "INC-42", 2).is_empty());
        assert!(guard_notes(&comments, "INC-4", 1).is_empty());
        let text = &comments[1].body;
        assert!(
            text.contains("**breakglass guard** (`guard-bot`) restored"),
            "{text}"
        );
        assert!(text.contains("Verified by read-back"), "{text}");
    }

    #[test]
    fn a_note_claiming_another_guard_or_unverified_does_not_count() {
        let forged = note("guard-bot", GuardFinding::Restored);
        // Posted by someone else, naming guard-bot in the JSON.
        let body = guard_marker("INC-42", 1, "mallory").embed(&guard_comment(&forged));
        let comments = [comment(1, "mallory", body)];
        assert!(guard_notes(&comments, "INC-42", 1).is_empty());
        let mut failed = note("guard-bot", GuardFinding::Restored);
        failed.verified = false;
        let comments = [posted(2, "guard-bot", &failed)];
        assert_eq!(guard_notes(&comments, "INC-42", 1).len(), 1);
        assert_eq!(restored_by_guard(&comments, "INC-42", 1), None);
        assert!(comments[0].body.contains("NOT verified"));
    }

    #[test]
    fn drift_is_said_in_words() {
        let mut drifted = note("guard-bot", GuardFinding::Restored);
        drifted.drift = json!([{"path": "classic.enforce_admins"}]);
        assert!(guard_comment(&drifted).contains("DRIFT: someone else changed 1 protection"));
    }
}
