//! What a guard did about each open incident issue, as data: one line for a person, the
//! same as one JSON object for a machine. Pure.

use crate::forge::diff::ThreeWayDifference;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// The kind of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// The guard put the snapshot back and the read-back proved it.
    Restored,
    /// The protection already equalled the snapshot: recorded, nothing sent.
    AlreadyClosed,
    /// The lease runs until its deadline plus the grace: nothing done.
    LeftAlone,
    /// The glass may still be open and this guard could not close it.
    Failed,
    /// The issue says the glass is open but cannot be trusted or read: nothing done.
    Unreadable,
}

/// One action on one incident issue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuardAction {
    pub action: ActionKind,
    pub at: DateTime<Utc>,
    /// The incident issue.
    pub issue: String,
    pub incident: Option<String>,
    /// The protected repository and branch, once known.
    pub repo: Option<String>,
    pub branch: Option<String>,
    pub deadline: Option<DateTime<Utc>>,
    /// The read-back equals the snapshot.
    pub verified: bool,
    /// Changes someone else made during the window, overwritten by the snapshot.
    pub drift: Vec<ThreeWayDifference>,
    /// Requests that changed protection.
    pub writes: usize,
    /// What happened, and for a failure what to do next.
    pub message: String,
}

impl GuardAction {
    /// The glass may still be open: exit code 3 territory.
    pub fn needs_attention(&self) -> bool {
        matches!(self.action, ActionKind::Failed | ActionKind::Unreadable)
    }

    /// `2026-12-02T02:31:00Z restored INC-1 acme/api main: …`.
    pub fn line(&self) -> String {
        let kind = serde_json::to_value(self.action)
            .ok()
            .and_then(|v| v.as_str().map(str::to_uppercase))
            .unwrap_or_default();
        let mut subject: Vec<&str> = Vec::new();
        subject.extend(self.incident.as_deref());
        subject.extend(self.repo.as_deref());
        subject.extend(self.branch.as_deref());
        if subject.is_empty() {
            subject.push(&self.issue);
        }
        crate::text::sanitize_line(&format!(
            "{} {kind} {}: {}",
            self.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            subject.join(" "),
            self.message
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_the_action_the_incident_and_what_to_do() {
        let action = GuardAction {
            action: ActionKind::Failed,
            at: DateTime::from_timestamp(1_796_166_000, 0).unwrap(),
            issue: "https://github.com/acme/api/issues/1".into(),
            incident: Some("INC-1".into()),
            repo: Some("acme/api".into()),
            branch: Some("main".into()),
            deadline: None,
            verified: false,
            drift: Vec::new(),
            writes: 0,
            message: "needs admin\u{1b}[31m".into(),
        };
        assert!(action.needs_attention());
        assert_eq!(
            action.line(),
            "2026-12-01T23:00:00Z FAILED INC-1 acme/api main: needs admin\\u{1b}[31m"
        );
    }
}
