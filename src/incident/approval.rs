//! The two-person rule as the events tell it: the latest approval request, how it ended,
//! and every decision so far. Built only by the fold; no I/O, no clock reads.

use super::event::ApprovalHow;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// An open or answered request for a second person's approval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalRequest {
    pub at: DateTime<Utc>,
    /// Who asked: they may not approve it themselves.
    pub by: String,
    pub deadline: DateTime<Utc>,
    pub issue_repo: String,
    pub issue_number: u64,
    pub issue_url: String,
    pub comment_id: Option<u64>,
}

/// How an approval request ended, or the self-approval that stood in for one.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ApprovalDecision {
    Approved {
        at: DateTime<Utc>,
        approver: String,
        how: ApprovalHow,
        comment_id: u64,
    },
    SelfApproved {
        at: DateTime<Utc>,
        by: String,
        reason: String,
    },
    Denied {
        at: DateTime<Utc>,
        by: String,
        reason: String,
    },
    TimedOut {
        at: DateTime<Utc>,
    },
}

impl ApprovalDecision {
    /// Approved by a second person or self-approved: the glass may open.
    pub fn grants(&self) -> bool {
        matches!(
            self,
            ApprovalDecision::Approved { .. } | ApprovalDecision::SelfApproved { .. }
        )
    }

    /// The event kind that recorded it.
    pub fn kind(&self) -> &'static str {
        match self {
            ApprovalDecision::Approved { .. } => "approved",
            ApprovalDecision::SelfApproved { .. } => "self_approved",
            ApprovalDecision::Denied { .. } => "approval_denied",
            ApprovalDecision::TimedOut { .. } => "approval_timed_out",
        }
    }
}

/// Where the incident stands with the two-person rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ApprovalState {
    /// The latest request (a denied or timed-out one may be followed by another).
    pub request: Option<ApprovalRequest>,
    /// How the latest request ended, or the self-approval; `None` while one is pending
    /// (or none was ever asked for).
    pub decision: Option<ApprovalDecision>,
    /// Every decision, oldest first (a denial before a later approval stays listed).
    pub history: Vec<ApprovalDecision>,
}

impl ApprovalState {
    /// The approval or self-approval that lets the glass open, if there is one.
    pub fn granted(&self) -> Option<&ApprovalDecision> {
        self.decision.as_ref().filter(|d| d.grants())
    }

    /// The request still waiting for an answer.
    pub fn pending(&self) -> Option<&ApprovalRequest> {
        self.request.as_ref().filter(|_| self.decision.is_none())
    }

    /// How long the pending request still runs at `now` (zero once past its deadline).
    pub fn remaining(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.pending()
            .map(|r| (r.deadline - now).max(Duration::zero()))
    }

    /// A request was made and did not end in an approval: the glass must stay shut.
    pub fn blocks_activation(&self) -> bool {
        self.request.is_some() && self.granted().is_none()
    }
}

/// One line about an approval event, for timelines and the incident issue; `None` for
/// the other kinds.
pub fn describe_approval_event(event: &super::event::IncidentEvent) -> Option<String> {
    use super::event::IncidentEvent as E;
    Some(match event {
        E::ApprovalRequested {
            deadline,
            issue_url,
            ..
        } => format!(
            "approval requested until {} on {issue_url}",
            deadline.format("%H:%M:%S UTC")
        ),
        E::Approved { approver, how, .. } => match how {
            ApprovalHow::Command => format!("APPROVED by {approver} (breakglass approve)"),
            ApprovalHow::Comment => format!("APPROVED by {approver} (/approve on the issue)"),
        },
        E::ApprovalDenied { by, reason, .. } => format!("approval DENIED by {by}: {reason}"),
        E::ApprovalTimedOut {} => "approval request TIMED OUT: nobody approved".to_owned(),
        E::SelfApproved { reason } => {
            format!("SELF-APPROVED without a second person: {reason}")
        }
        _ => return None,
    })
}

/// "waiting for approval — 12:34 left": the line every view shows while a request stands.
pub fn waiting_text(remaining: Duration) -> String {
    let total = remaining.num_seconds().max(0);
    format!(
        "waiting for approval — {}:{:02} left",
        total / 60,
        total % 60
    )
}

#[cfg(test)]
mod text_tests {
    use super::*;

    #[test]
    fn the_waiting_line_counts_minutes_and_seconds() {
        assert_eq!(
            waiting_text(Duration::seconds(12 * 60 + 34)),
            "waiting for approval — 12:34 left"
        );
        assert_eq!(
            waiting_text(Duration::seconds(-5)),
            "waiting for approval — 0:00 left"
        );
    }
}
