//! What the mirror writes in the incident issue's comments, and reads back: one line per
//! audit event (seq, kind, time, actor and the chain head after it), the preflight
//! snapshot as JSON and the submitted review, each comment with its marker; and what a
//! listing of them showed, so the next sync asks only for what is newer. Pure text; the
//! forge is elsewhere.

use crate::audit::Record;
use crate::forge::github::Marker;
use crate::forge::port::IssueComment;
use crate::review::{ReviewFacts, ReviewForm, incident_issue_comment};
use chrono::{DateTime, Utc};
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::LazyLock;

/// The most events one comment carries (GitHub caps a comment at 65,536 characters).
pub const EVENTS_PER_COMMENT: usize = 100;

/// The `format` member of a mirrored snapshot.
pub const SNAPSHOT_FORMAT: &str = "breakglass.snapshot.v1";

/// One audit event as the issue shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MirroredEvent {
    pub seq: u64,
    pub kind: String,
    /// The record's `ts` as the log stores it.
    pub ts: String,
    pub actor: String,
    /// The chain head after this event: the record's `hash`.
    pub head: String,
    /// The comment that carries the line.
    pub comment_id: u64,
    /// Who wrote that comment, as the forge's API says.
    pub author: String,
}

/// The preflight snapshot as mirrored: enough for a guard on any machine to restore it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MirroredSnapshot {
    pub format: String,
    pub incident: String,
    /// `owner/name` of the protected repository (not the mirror's).
    pub repo: String,
    pub branch: String,
    /// The branch head before the window.
    pub pre_sha: String,
    /// The `preflighted` event's seq and the chain head after it.
    pub seq: u64,
    pub head: String,
    pub taken_at: String,
    /// Every protection on the branch, as the `preflighted` event recorded it.
    pub snapshot: Value,
}

/// Why a comment could not be read as a mirrored snapshot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotParseError {
    #[error("the comment has no ```json block")]
    NoJsonBlock,
    #[error("the snapshot JSON does not parse: {0}")]
    Json(String),
    #[error("the snapshot's format is `{0}`, not {SNAPSHOT_FORMAT}: written by another version")]
    Format(String),
}

/// The marker of the comment that starts with the event `first_seq`.
pub fn events_marker(incident: &str, first_seq: u64) -> Marker {
    Marker::new(incident, &format!("events-{first_seq}"))
}

/// The marker of the snapshot comment (there is one per incident).
pub fn snapshot_marker(incident: &str) -> Marker {
    Marker::new(incident, "snapshot")
}

/// The marker of the comment carrying the review submitted by the `review_submitted`
/// event `seq` (a form submitted again is a new review).
pub fn review_marker(incident: &str, seq: u64) -> Marker {
    Marker::new(incident, &format!("review-{seq}"))
}

/// GitHub refuses a comment longer than this many characters.
const COMMENT_MAX: usize = 65_536;

/// The review comment's body: the submitted form with its facts, cut to fit a comment
/// (the whole review stays in the audit log and `breakglass review --export`).
pub fn review_comment(form: &ReviewForm, facts: &ReviewFacts) -> String {
    let body = incident_issue_comment(form, facts);
    // Room for the marker the forge call appends.
    let room = COMMENT_MAX - 200;
    if body.chars().count() <= room {
        return body;
    }
    let mut cut: String = body.chars().take(room - 200).collect();
    cut.push_str(&format!(
        "\n\n_…cut to fit a comment: `breakglass review --export FILE --incident {}` writes \
         the whole review._\n",
        crate::text::sanitize_line(&form.incident)
    ));
    cut
}

/// What this incident's comments on the issue held, as far as listed: enough for the
/// next sync to list only the comments updated since (GitHub's `since`), so catching up
/// a long incident costs one short page. The progress file keeps it; without it a sync
/// lists every comment, so losing it loses nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommentsSeen {
    /// The newest `updated_at` listed, by the forge's clock; `None`: list them all.
    pub until: Option<DateTime<Utc>>,
    /// The highest event seq on the issue.
    pub events_up_to: u64,
    /// The preflight snapshot comment is on the issue.
    pub snapshot: bool,
    /// The `review_submitted` seq whose review is on the issue.
    pub review: Option<u64>,
}

impl CommentsSeen {
    /// The `since` to list with: a second before the newest comment seen, so that a
    /// comment written in that same second is listed again rather than missed.
    pub fn since(&self) -> Option<DateTime<Utc>> {
        self.until.map(|t| t - chrono::Duration::seconds(1))
    }

    /// Adds what `comments` (a listing of the issue's) show for `incident`, whose latest
    /// `review_submitted` event is `review_seq`.
    pub fn learn(&mut self, comments: &[IssueComment], incident: &str, review_seq: Option<u64>) {
        if let Some(last) = mirrored_events(comments, incident).last() {
            self.events_up_to = self.events_up_to.max(last.seq);
        }
        self.snapshot |= find_snapshot_comment(comments, incident).is_some();
        if let Some(seq) = review_seq {
            let marker = review_marker(incident, seq);
            if comments.iter().any(|c| marker.is_in(&c.body)) {
                self.review = Some(seq);
            }
        }
        self.until = comments
            .iter()
            .map(|c| c.updated_at)
            .chain(self.until)
            .max();
    }
}

/// True when `body` is one of this incident's event comments.
fn is_events_comment(body: &str, incident: &str) -> bool {
    let prefix = events_marker(incident, 0).to_string();
    let prefix = prefix.trim_end_matches("0 -->");
    body.contains(prefix)
}

/// The body of a comment carrying `records` (marker added by the caller).
pub fn events_comment(records: &[Record]) -> String {
    let (first, last) = match (records.first(), records.last()) {
        (Some(f), Some(l)) => (f.seq, l.seq),
        _ => return String::new(),
    };
    let mut body = if first == last {
        format!("Audit event {first} (seq · kind · time · actor · chain head after it):\n\n")
    } else {
        format!(
            "Audit events {first}–{last} (seq · kind · time · actor · chain head after it):\n\n"
        )
    };
    for r in records {
        body.push_str(&format!(
            "- `{}` · `{}` · {} · by {} · head `{}`\n",
            r.seq,
            crate::text::sanitize_line(&r.kind),
            r.ts_text(),
            crate::text::sanitize_line(&r.actor).replace('`', "'"),
            r.hash
        ));
    }
    body
}

static EVENT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^- `(\d+)` · `([a-z_]+)` · (\S+) · by (.*) · head `([0-9a-f]{64})`$")
        .expect("valid")
});

/// Every event line in this incident's event comments, in seq order.
pub fn mirrored_events(comments: &[IssueComment], incident: &str) -> Vec<MirroredEvent> {
    let mut events: Vec<MirroredEvent> = comments
        .iter()
        .filter(|c| is_events_comment(&c.body, incident))
        .flat_map(|c| {
            c.body.lines().filter_map(|line| {
                let caps = EVENT_LINE.captures(line.trim_end())?;
                Some(MirroredEvent {
                    seq: caps[1].parse().ok()?,
                    kind: caps[2].to_owned(),
                    ts: caps[3].to_owned(),
                    actor: caps[4].to_owned(),
                    head: caps[5].to_owned(),
                    comment_id: c.id,
                    author: c.author.clone(),
                })
            })
        })
        .collect();
    events.sort_by_key(|e| e.seq);
    events
}

/// The snapshot comment's body for the incident's `preflighted` record.
pub fn snapshot_comment(snapshot: &MirroredSnapshot) -> String {
    let json = serde_json::to_string_pretty(snapshot).expect("a snapshot serialises");
    format!(
        "Protection snapshot taken at preflight for {} `{}` (seq {}): restoring puts exactly \
         this back. Machine-readable for `breakglass guard`.\n\n```json\n{json}\n```\n",
        crate::text::sanitize_line(&snapshot.repo),
        crate::text::sanitize_line(&snapshot.branch),
        snapshot.seq
    )
}

/// Reads a snapshot comment's JSON block.
pub fn parse_snapshot_comment(body: &str) -> Result<MirroredSnapshot, SnapshotParseError> {
    let start = body
        .find("```json")
        .ok_or(SnapshotParseError::NoJsonBlock)?
        + "```json".len();
    let rest = &body[start..];
    let end = rest.find("\n```").ok_or(SnapshotParseError::NoJsonBlock)?;
    let parsed: MirroredSnapshot = serde_json::from_str(rest[..end].trim())
        .map_err(|e| SnapshotParseError::Json(e.to_string()))?;
    if parsed.format != SNAPSHOT_FORMAT {
        return Err(SnapshotParseError::Format(crate::text::sanitize_line(
            &parsed.format,
        )));
    }
    Ok(parsed)
}

/// The incident's snapshot comment on the issue, if posted.
pub fn find_snapshot_comment<'a>(
    comments: &'a [IssueComment],
    incident: &str,
) -> Option<&'a IssueComment> {
    let marker = snapshot_marker(incident);
    comments.iter().find(|c| marker.is_in(&c.body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use serde_json::json;

    fn record(seq: u64, kind: &str) -> Record {
        Record {
            seq,
            ts: DateTime::<Utc>::from_timestamp(1_796_166_000 + seq as i64, 1_000).unwrap(),
            incident: Some("INC-42".into()),
            actor: "commander".into(),
            kind: kind.into(),
            data: json!({}),
            prev: "0".repeat(64),
            hash: format!("{seq:064x}"),
        }
    }

    fn comment(id: u64, body: String) -> IssueComment {
        IssueComment {
            id,
            author: "commander".into(),
            body,
            created_at: DateTime::<Utc>::from_timestamp(0, 0).unwrap(),
            updated_at: DateTime::<Utc>::from_timestamp(0, 0).unwrap(),
            html_url: String::new(),
        }
    }

    #[test]
    fn event_lines_read_back_as_written_only_from_this_incidents_comments() {
        let records = [record(3, "declared"), record(7, "preflighted")];
        let ours = events_marker("INC-42", 3).embed(&events_comment(&records));
        assert!(ours.contains("- `7` · `preflighted` · "), "{ours}");
        let theirs = events_marker("INC-4", 1).embed(&events_comment(&[record(1, "declared")]));
        let plain = events_comment(&[record(9, "closed")]);
        let comments = [comment(1, theirs), comment(2, ours), comment(3, plain)];
        let read = mirrored_events(&comments, "INC-42");
        let seqs: Vec<_> = read.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [3, 7]);
        assert_eq!(read[1].kind, "preflighted");
        assert_eq!(read[1].head, records[1].hash);
        assert_eq!(read[1].ts, records[1].ts_text());
        assert_eq!(read[1].actor, "commander");
        assert_eq!(read[1].comment_id, 2);
    }

    #[test]
    fn what_a_listing_shows_is_added_to_what_earlier_ones_showed() {
        let at = |secs: i64| DateTime::<Utc>::from_timestamp(1_796_166_000 + secs, 0).unwrap();
        let dated = |id, body: String, secs| IssueComment {
            updated_at: at(secs),
            ..comment(id, body)
        };
        let mut seen = CommentsSeen::default();
        assert_eq!(seen.since(), None, "nothing seen: list every comment");
        let events = events_marker("INC-42", 1).embed(&events_comment(&[
            record(1, "declared"),
            record(2, "preflighted"),
        ]));
        let snapshot = snapshot_marker("INC-42").embed("snapshot");
        seen.learn(
            &[dated(1, events, 10), dated(2, snapshot, 20)],
            "INC-42",
            None,
        );
        assert_eq!(
            seen,
            CommentsSeen {
                until: Some(at(20)),
                events_up_to: 2,
                snapshot: true,
                review: None,
            }
        );
        assert_eq!(seen.since(), Some(at(19)), "a second early: nothing missed");

        // A later listing holds only newer comments; what earlier ones showed is kept.
        let review = review_marker("INC-42", 9).embed("the review");
        let other = review_marker("INC-4", 9).embed("another incident's review");
        seen.learn(&[dated(3, other, 30)], "INC-42", Some(9));
        assert_eq!(
            (seen.review, seen.events_up_to, seen.snapshot),
            (None, 2, true)
        );
        seen.learn(&[dated(4, review, 40)], "INC-42", Some(9));
        assert_eq!((seen.review, seen.until), (Some(9), Some(at(40))));
        seen.learn(&[], "INC-42", Some(9));
        assert_eq!(seen.until, Some(at(40)), "an empty listing forgets nothing");
    }

    #[test]
    fn a_review_too_long_for_one_comment_is_cut_and_says_where_the_rest_is() {
        use crate::incident::fixtures::{history_to, t};
        let incident = crate::incident::fold(&history_to(crate::incident::Phase::Closed)).unwrap();
        let facts = ReviewFacts::of(&incident, &crate::runbook::Runbook::default_github(), t(0));
        let mut form = ReviewForm::new("INC-42");
        form.summary = "Rolled back.".into();
        let short = review_comment(&form, &facts);
        assert_eq!(short, incident_issue_comment(&form, &facts));
        form.lessons = "x".repeat(COMMENT_MAX);
        let cut = review_comment(&form, &facts);
        let marked = review_marker("INC-42", 9).embed(&cut);
        assert!(marked.chars().count() <= COMMENT_MAX, "{}", marked.len());
        assert!(
            cut.trim_end().ends_with(
                "`breakglass review --export FILE --incident INC-42` writes the whole review._"
            ),
            "{} characters",
            cut.chars().count()
        );
    }

    #[test]
    fn the_snapshot_round_trips_through_its_comment() {
        let snapshot = MirroredSnapshot {
            format: SNAPSHOT_FORMAT.into(),
            incident: "INC-42".into(),
            repo: "acme/api".into(),
            branch: "main".into(),
            pre_sha: "a".repeat(40),
            seq: 7,
            head: "b".repeat(64),
            taken_at: "2026-12-01T23:00:00Z".into(),
            snapshot: json!({"classic": {"enforce_admins": {"enabled": true}}, "rulesets": []}),
        };
        let body = snapshot_marker("INC-42").embed(&snapshot_comment(&snapshot));
        assert_eq!(parse_snapshot_comment(&body).unwrap(), snapshot);
        let found = [comment(5, body.clone())];
        assert_eq!(find_snapshot_comment(&found, "INC-42").unwrap().id, 5);
        assert!(find_snapshot_comment(&found, "INC-4").is_none());
        assert_eq!(
            parse_snapshot_comment("no block"),
            Err(SnapshotParseError::NoJsonBlock)
        );
        let other = body.replace(SNAPSHOT_FORMAT, "breakglass.snapshot.v9");
        assert!(matches!(
            parse_snapshot_comment(&other),
            Err(SnapshotParseError::Format(_))
        ));
    }
}
