//! What the team is told, and when: one notification per telling audit event (declared,
//! approval requested / granted / self-approved, glass open with its deadline, pushed,
//! restored or restore failing, review opened and submitted) and the lease ending in five
//! minutes, in the shape of a Slack incoming webhook (`text` plus `blocks`). Pure.

use crate::audit::Record;
use crate::incident::Incident;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// One message for the team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub incident: String,
    /// What happened, snake_case (`declared`, `glass_open`, `lease_ending`, …).
    pub what: &'static str,
    /// One line, plain text (Slack shows it in notifications and as the fallback).
    pub text: String,
}

impl Notification {
    fn new(incident: &Incident, what: &'static str, text: String) -> Self {
        Notification {
            incident: incident.id.clone(),
            what,
            text: crate::text::sanitize_line(&format!(
                "[break-glass{}] {} on {} {}: {}",
                if incident.drill { " drill" } else { "" },
                incident.id,
                incident.repo,
                incident.branch,
                text
            )),
        }
    }

    /// The JSON body of a Slack incoming webhook: `text`, and one section block with the
    /// same words in Markdown.
    pub fn slack_payload(&self) -> Value {
        json!({
            "text": self.text,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": self.text}},
                {"type": "context", "elements": [
                    {"type": "mrkdwn", "text": format!("breakglass · incident {} · {}", self.incident, self.what)}
                ]}
            ]
        })
    }
}

/// The notification an audit record calls for (after it, `incident` is the fold), if any.
/// Approval kinds are read by name so the approval events need only be recorded.
pub fn for_record(record: &Record, incident: &Incident) -> Option<Notification> {
    let data = &record.data;
    let said = |key: &str| {
        data.get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let n = |what, text: String| Some(Notification::new(incident, what, text));
    match record.kind.as_str() {
        "declared" => n(
            "declared",
            format!(
                "declared by {} — {}",
                record.actor,
                first_line(&incident.reason)
            ),
        ),
        "approval_requested" => n(
            "approval_requested",
            format!("{} asks for a second person's approval", record.actor),
        ),
        "approved" => n(
            "approved",
            format!("approved by {}", non_empty(said("approver"), &record.actor)),
        ),
        "self_approved" => n(
            "self_approved",
            format!(
                "SELF-APPROVED by {} without a second person: {}",
                record.actor,
                said("reason")
            ),
        ),
        "activated" => n(
            "glass_open",
            format!(
                "GLASS OPEN for {} until {}",
                record.actor,
                deadline(incident.lease.map(|l| l.deadline))
            ),
        ),
        "pushed" => {
            let commits = incident
                .pushes
                .last()
                .map(|p| p.commits.clone())
                .unwrap_or_default();
            n(
                "pushed",
                format!(
                    "pushed {} commit(s): {}",
                    commits.len(),
                    commits
                        .iter()
                        .map(|c| short(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        }
        "restored" if incident.restore.verified => n(
            "restored",
            "restored: protections are back, verified by reading them back".to_owned(),
        ),
        "restored" => n(
            "restore_failing",
            "RESTORED BUT NOT VERIFIED: the read-back differs from the snapshot — look now"
                .to_owned(),
        ),
        "restore_failed" => n(
            "restore_failing",
            format!(
                "RESTORE FAILING — the glass is still open: {}",
                said("error")
            ),
        ),
        "review_opened" => n(
            "review_opened",
            format!("retroactive review opened: {}", said("pr_url")),
        ),
        "review_submitted" => n(
            "review_submitted",
            "lessons-learned review submitted".to_owned(),
        ),
        _ => None,
    }
}

/// "lease ends in 5 minutes", for an open glass whose deadline is `deadline`.
pub fn lease_ending(incident: &Incident, deadline: DateTime<Utc>) -> Notification {
    Notification::new(
        incident,
        "lease_ending",
        format!(
            "the lease ends in 5 minutes ({}); protections come back then",
            deadline_text(deadline)
        ),
    )
}

/// For callers that request an approval outside the audit log's events (the approval
/// flow records `approval_requested`, which [`for_record`] already covers).
pub fn approval_requested(incident: &Incident, requester: &str, issue_url: &str) -> Notification {
    Notification::new(
        incident,
        "approval_requested",
        format!("{requester} asks for a second person's approval: {issue_url}"),
    )
}

fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

fn non_empty(value: String, fallback: &str) -> String {
    if value.is_empty() {
        fallback.to_owned()
    } else {
        value
    }
}

fn short(sha: &str) -> String {
    sha.chars().take(12).collect()
}

fn deadline(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| "its deadline".to_owned(), deadline_text)
}

fn deadline_text(at: DateTime<Utc>) -> String {
    at.format("%H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::fixtures::{at, sample};
    use crate::incident::fold;

    fn record(kind: &str, data: Value) -> Record {
        Record {
            seq: 1,
            ts: crate::incident::fixtures::t(0),
            incident: Some("INC-42".into()),
            actor: "commander".into(),
            kind: kind.into(),
            data,
            prev: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn telling_events_become_slack_messages_and_others_do_not() {
        let history: Vec<_> = [
            "declared",
            "preflighted",
            "activation_intended",
            "activated",
        ]
        .iter()
        .enumerate()
        .map(|(i, k)| at(i as i64, sample(k)))
        .collect();
        let incident = fold(&history).unwrap();
        let open = for_record(&record("activated", json!({})), &incident).unwrap();
        assert_eq!(open.what, "glass_open");
        assert_eq!(
            open.text,
            "[break-glass] INC-42 on acme/api main: GLASS OPEN for commander until 09:30 UTC"
        );
        let payload = open.slack_payload();
        assert_eq!(payload["text"], open.text);
        assert_eq!(payload["blocks"][0]["text"]["text"], open.text);
        assert!(for_record(&record("preflighted", json!({})), &incident).is_none());
        let self_approved = for_record(
            &record("self_approved", json!({"reason": "nobody awake"})),
            &incident,
        )
        .unwrap();
        assert!(
            self_approved.text.contains("SELF-APPROVED by commander"),
            "{}",
            self_approved.text
        );
        assert!(self_approved.text.contains("nobody awake"));
    }
}
