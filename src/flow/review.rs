//! The retroactive review: refs `breakglass/<id>/before` (the pre-window SHA) and
//! `/after` (the pushed SHA), a pull request after → before whose diff is exactly what was
//! pushed, reviewers requested, and a pending `breakglass/retro-review` status on the
//! pushed SHA. Idempotent: refs already in place and the PR's marker are reused.

use super::context::Flow;
use super::error::FlowError;
use super::preflight::repo_of;
use crate::forge::github::Marker;
use crate::forge::port::CommitStatus;
use crate::incident::{Incident, IncidentEvent, Phase};
use serde::Serialize;

/// The status context set on the pushed commit until the review is done.
pub const REVIEW_STATUS_CONTEXT: &str = "breakglass/retro-review";

/// The review as opened.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewReport {
    pub incident: String,
    pub pr_number: u64,
    pub pr_url: String,
    pub before_ref: String,
    pub after_ref: String,
    pub reviewers: Vec<String>,
    /// Problems that did not stop the review (a reviewer the forge refused, the status).
    pub warnings: Vec<String>,
}

impl Flow {
    /// Opens (or finds) the retroactive review of what incident `id` pushed.
    pub async fn open_review(&self, id: &str) -> Result<ReviewReport, FlowError> {
        let _lock = self.lock(id)?;
        let incident = self.recorder.load(id)?;
        if let Some(pr) = &incident.review.pull_request {
            return Ok(ReviewReport {
                incident: incident.id.clone(),
                pr_number: pr.number,
                pr_url: pr.url.clone(),
                before_ref: pr.before_ref.clone(),
                after_ref: pr.after_ref.clone(),
                reviewers: Vec::new(),
                warnings: Vec::new(),
            });
        }
        if !matches!(
            incident.phase,
            Phase::Restored | Phase::Drift | Phase::Reviewed
        ) {
            return Err(FlowError::WrongPhase {
                id: incident.id,
                phase: incident.phase,
                action: "be reviewed yet",
                hint: "restore the protection first (`breakglass restore`)",
            });
        }
        let (before_sha, after_sha) = shas(&incident)?;
        let repo = repo_of(&incident)?;
        let before = format!("breakglass/{id}/before");
        let after = format!("breakglass/{id}/after");
        for (branch, sha) in [(&before, &before_sha), (&after, &after_sha)] {
            self.forge
                .create_ref(&repo, &format!("refs/heads/{branch}"), sha)
                .await
                .map_err(FlowError::forge("creating the review refs"))?;
        }
        let pr = self
            .forge
            .create_pull(
                &repo,
                &format!("Retroactive review: break-glass push for {id}"),
                &after,
                &before,
                &pull_body(&incident),
                &Marker::new(id, "retro-review"),
            )
            .await
            .map_err(FlowError::forge("opening the review pull request"))?;
        let reviewers: Vec<String> = self
            .options
            .reviewers
            .iter()
            .filter(|r| r.as_str() != self.actor())
            .cloned()
            .collect();
        let mut warnings = Vec::new();
        if !reviewers.is_empty()
            && let Err(e) = self
                .forge
                .request_reviewers(&repo, pr.number, &reviewers, &[])
                .await
        {
            warnings.push(format!("requesting reviewers failed: {e}"));
        }
        let status = CommitStatus {
            state: "pending".into(),
            context: REVIEW_STATUS_CONTEXT.into(),
            description: format!("Break-glass push for {id} awaits its retroactive review"),
            target_url: Some(pr.html_url.clone()),
        };
        if let Err(e) = self
            .forge
            .set_commit_status(&repo, &after_sha, &status)
            .await
        {
            warnings.push(format!("setting the pending review status failed: {e}"));
        }
        self.recorder.record(
            id,
            &IncidentEvent::ReviewOpened {
                pr_number: pr.number,
                pr_url: pr.html_url.clone(),
                before_ref: before.clone(),
                after_ref: after.clone(),
            },
        )?;
        Ok(ReviewReport {
            incident: id.to_owned(),
            pr_number: pr.number,
            pr_url: pr.html_url,
            before_ref: before,
            after_ref: after,
            reviewers,
            warnings,
        })
    }
}

/// The pre-window SHA and the last pushed SHA.
fn shas(incident: &Incident) -> Result<(String, String), FlowError> {
    let before = incident.preflight.as_ref().map(|p| p.pre_sha.clone());
    let after = incident.pushes.last().map(|p| p.new_sha.clone());
    match (before, after) {
        (Some(before), Some(after)) => Ok((before, after)),
        _ => Err(FlowError::NothingToReview {
            id: incident.id.clone(),
        }),
    }
}

fn pull_body(incident: &Incident) -> String {
    let commits: Vec<String> = incident
        .pushes
        .iter()
        .flat_map(|p| p.commits.iter())
        .map(|c| format!("- {c}"))
        .collect();
    format!(
        "Commits pushed to `{branch}` past branch protection during incident {id}, by {who}.\n\n\
         Reason: {reason}\n\n{commits}\n\nReview them as you would any pull request; the \
         `{REVIEW_STATUS_CONTEXT}` status on the pushed commit stays pending until you do.",
        branch = incident.branch,
        id = incident.id,
        who = incident.declared_by,
        reason = incident.reason,
        commits = commits.join("\n"),
    )
}
