//! The fold's share for the two-person rule: which approval events may follow which, and
//! what they leave. Called by the fold for the approval kinds in `preflighted` only.

use super::approval::{ApprovalDecision, ApprovalRequest, ApprovalState};
use super::event::IncidentEvent;
use chrono::{DateTime, Utc};

/// Applies one approval event to `state`; on error (the problem, in words) `state` is
/// unchanged.
pub(super) fn apply(
    state: &mut ApprovalState,
    event: &IncidentEvent,
    at: DateTime<Utc>,
    actor: &str,
) -> Result<(), String> {
    use IncidentEvent as E;
    let decision = match event {
        E::ApprovalRequested {
            deadline,
            issue_repo,
            issue_number,
            issue_url,
            comment_id,
        } => {
            if state.pending().is_some() {
                return Err("an approval is already requested and not answered yet".into());
            }
            if state.granted().is_some() {
                return Err("the incident is already approved".into());
            }
            if *deadline <= at {
                return Err("the request's deadline is not after the request".into());
            }
            state.request = Some(ApprovalRequest {
                at,
                by: actor.to_owned(),
                deadline: *deadline,
                issue_repo: issue_repo.clone(),
                issue_number: *issue_number,
                issue_url: issue_url.clone(),
                comment_id: *comment_id,
            });
            state.decision = None;
            return Ok(());
        }
        E::SelfApproved { reason } => {
            if state.granted().is_some() {
                return Err("the incident is already approved".into());
            }
            if reason.trim().is_empty() {
                return Err("a self-approval needs a reason".into());
            }
            ApprovalDecision::SelfApproved {
                at,
                by: actor.to_owned(),
                reason: reason.clone(),
            }
        }
        answer => {
            let request = state
                .pending()
                .ok_or("no approval request is waiting for an answer")?;
            match answer {
                E::Approved {
                    approver,
                    how,
                    comment_id,
                } => {
                    if approver.eq_ignore_ascii_case(&request.by) {
                        return Err(format!(
                            "{approver} asked for this approval and cannot give it"
                        ));
                    }
                    ApprovalDecision::Approved {
                        at,
                        approver: approver.clone(),
                        how: *how,
                        comment_id: *comment_id,
                    }
                }
                E::ApprovalDenied { by, reason, .. } => ApprovalDecision::Denied {
                    at,
                    by: by.clone(),
                    reason: reason.clone(),
                },
                E::ApprovalTimedOut {} => ApprovalDecision::TimedOut { at },
                other => unreachable!("the fold sends approval kinds only, not {}", other.kind()),
            }
        }
    };
    state.history.push(decision.clone());
    state.decision = Some(decision);
    Ok(())
}

/// Why the glass may not open while a request stands unapproved.
pub(super) fn not_granted(state: &ApprovalState) -> String {
    match &state.decision {
        None => "a second person's approval was requested and has not been given; wait for \
                 it, or self-approve with a reason"
            .into(),
        Some(ApprovalDecision::Denied { by, reason, .. }) => {
            format!("the approval was denied by {by} ({reason}); request a new one")
        }
        Some(_) => "the approval request timed out; request a new one".into(),
    }
}
