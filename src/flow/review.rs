//! The retroactive review: refs `breakglass/<id>/before` (the pre-window SHA) and
//! `/after` (the pushed SHA), a pull request after → before whose diff is exactly what was
//! pushed, reviewers requested, and a pending `breakglass/retro-review` status on the
//! pushed SHA. Idempotent: refs already in place and the PR's marker are reused.

use super::context::Flow;
use super::error::FlowError;
use super::preflight::repo_of;
use crate::forge::github::Marker;
use crate::forge::port::CommitStatus;
use crate::incident::{Incident, IncidentEvent, Phase, ReviewedCommit};
use crate::review::ReviewForm;
use crate::review::signoff::{SignOff, decide};
use chrono::{DateTime, Duration, Utc};
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
    /// Where the sign-off stands, when it was checked.
    pub sign_off: Option<SignOffReport>,
}

/// The one rule for "awaiting review": the glass is closed again, a push landed, and the
/// review is not signed off yet (a signed-off incident is closed).
pub fn awaits_review(incident: &Incident) -> bool {
    matches!(
        incident.phase,
        Phase::Restored | Phase::Drift | Phase::Reviewed
    ) && !incident.pushes.is_empty()
}

/// An incident whose review is outstanding, and since when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutstandingReview {
    pub id: String,
    pub repo: String,
    pub branch: String,
    /// When the glass closed: from then on the review is due.
    pub since: DateTime<Utc>,
    /// The retroactive review's address once it is open.
    pub pr_url: Option<String>,
}

impl OutstandingReview {
    /// How long the review has been waiting at `now`.
    pub fn waiting(&self, now: DateTime<Utc>) -> Duration {
        (now - self.since).max(Duration::zero())
    }
}

/// The real incidents among `incidents` whose review is outstanding, oldest first. Drills
/// are left out: their sandbox forge ends with the drill, so nobody could ever approve
/// their review, and a list that never empties teaches people to ignore it.
pub fn outstanding_reviews(incidents: &[Incident]) -> Vec<OutstandingReview> {
    let mut due: Vec<OutstandingReview> = incidents
        .iter()
        .filter(|i| !i.drill && awaits_review(i))
        .map(|i| {
            let since = i.restore.restored_at.unwrap_or(i.updated_at);
            OutstandingReview {
                id: i.id.clone(),
                repo: i.repo.clone(),
                branch: i.branch.clone(),
                since,
                pr_url: i.review.pull_request.as_ref().map(|pr| pr.url.clone()),
            }
        })
        .collect();
    due.sort_by(|a, b| (a.since, &a.id).cmp(&(b.since, &b.id)));
    due
}

/// Where the sign-off of a review stands after a check against the forge.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SignOffReport {
    /// No retroactive review is open yet, so there is nothing to approve.
    NotOpened,
    /// Still waiting; `why` is what the status on the forge says.
    Pending { why: String },
    /// Signed off by `reviewer` (now, or earlier).
    SignedOff { reviewer: String },
}

impl Flow {
    /// Checks the retroactive review of incident `id` on the forge: sets the
    /// `breakglass/retro-review` status to say what it waits for, or, once someone other
    /// than the commander and the commits' authors approved and the form is submitted,
    /// records `review_signed_off` (which closes the incident) and turns the status green.
    pub async fn check_sign_off(&self, id: &str) -> Result<SignOffReport, FlowError> {
        let incident = self.recorder.load(id)?;
        self.check_bound(&incident)?;
        let Some(pr) = incident.review.pull_request.clone() else {
            return Ok(SignOffReport::NotOpened);
        };
        let repo = repo_of(&incident)?;
        let (before_sha, after_sha) = shas(&incident)?;
        if let Some(signed) = &incident.review.signed_off {
            // Said again in case the status was lost after the sign-off was recorded.
            self.set_review_status(
                &incident,
                &after_sha,
                &signed_off_status(&signed.reviewer, &pr.url),
            )
            .await?;
            return Ok(SignOffReport::SignedOff {
                reviewer: signed.reviewer.clone(),
            });
        }
        let reviews = self
            .forge
            .pull_reviews(&repo, pr.number)
            .await
            .map_err(FlowError::forge("reading the review's approvals"))?;
        let comparison = self
            .forge
            .compare(&repo, &before_sha, &after_sha)
            .await
            .map_err(FlowError::forge("reading the pushed commits' authors"))?;
        let decision = decide(
            &incident.declared_by,
            &comparison.details,
            &reviews,
            incident.review.submitted_at.is_some(),
        );
        match decision {
            SignOff::Pending { why } => {
                let status = review_status("pending", why.clone(), &pr.url);
                self.set_review_status(&incident, &after_sha, &status)
                    .await?;
                Ok(SignOffReport::Pending { why })
            }
            SignOff::SignedOff { reviewer } => {
                {
                    let _lock = self.lock(id)?;
                    let now = self.recorder.load(id)?;
                    if now.review.signed_off.is_none() {
                        self.recorder.record(
                            id,
                            &IncidentEvent::ReviewSignedOff {
                                reviewer: reviewer.clone(),
                            },
                        )?;
                    }
                }
                self.set_review_status(
                    &incident,
                    &after_sha,
                    &signed_off_status(&reviewer, &pr.url),
                )
                .await?;
                Ok(SignOffReport::SignedOff { reviewer })
            }
        }
    }

    async fn set_review_status(
        &self,
        incident: &Incident,
        sha: &str,
        status: &CommitStatus,
    ) -> Result<(), FlowError> {
        let repo = repo_of(incident)?;
        self.forge
            .set_commit_status(&repo, sha, status)
            .await
            .map_err(FlowError::forge("setting the retroactive review's status"))
    }

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
                sign_off: None,
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
        let commits = match self.forge.compare(&repo, &before_sha, &after_sha).await {
            Ok(comparison) => comparison.details.iter().map(reviewed_commit).collect(),
            Err(e) => {
                warnings.push(format!(
                    "reading the pushed commits' titles and authors failed ({e}); the \
                     review's facts list their SHAs only"
                ));
                Vec::new()
            }
        };
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
                commits,
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
            sign_off: None,
        })
    }

    /// Records `form` as incident `form.incident`'s submitted lessons-learned review
    /// (`review_submitted`), once the glass is closed again: a review of an open glass
    /// would be a review of something still happening. Being an append like any other,
    /// the webhooks hear of it and the mirror posts the review on the incident issue as
    /// the incident finishes. The caller checks the sign-off next ([`Flow::check_sign_off`]).
    pub async fn submit_review(&self, form: &ReviewForm) -> Result<Incident, FlowError> {
        let id = form.incident.as_str();
        let _lock = self.lock(id)?;
        let incident = self.recorder.load(id)?;
        if !matches!(
            incident.phase,
            Phase::Restored | Phase::Drift | Phase::Reviewed
        ) {
            return Err(FlowError::WrongPhase {
                id: incident.id,
                phase: incident.phase,
                action: "have its review submitted yet",
                hint: "restore the protection first (`breakglass restore`); the draft is kept",
            });
        }
        let form = serde_json::to_value(form).expect("a review form always serialises");
        self.recorder
            .record(id, &IncidentEvent::ReviewSubmitted { form })?;
        self.recorder.load(id)
    }

    /// Opens (or finds) the retroactive review of incident `id`, then checks its sign-off
    /// on the forge; a failed check is a warning, as the review itself is open.
    pub async fn open_review_and_check_sign_off(
        &self,
        id: &str,
    ) -> Result<ReviewReport, FlowError> {
        let mut report = self.open_review(id).await?;
        match self.check_sign_off(id).await {
            Ok(sign_off) => report.sign_off = Some(sign_off),
            Err(e) => report
                .warnings
                .push(format!("checking the sign-off failed: {e}")),
        }
        Ok(report)
    }
}

impl SignOffReport {
    /// One line for the operator.
    pub fn summary(&self, id: &str) -> String {
        match self {
            SignOffReport::NotOpened => {
                format!("incident {id}: no retroactive review is open yet")
            }
            SignOffReport::Pending { why } => format!("incident {id}: review pending — {why}"),
            SignOffReport::SignedOff { reviewer } => {
                format!("incident {id}: review signed off by {reviewer}; the incident is closed")
            }
        }
    }
}

fn reviewed_commit(c: &crate::forge::port::ComparedCommit) -> ReviewedCommit {
    let login = c
        .author_login
        .as_ref()
        .map(|l| format!(" ({l})"))
        .unwrap_or_default();
    ReviewedCommit {
        sha: c.sha.clone(),
        title: c.title.clone(),
        author: format!("{} <{}>{login}", c.author_name, c.author_email),
    }
}

fn review_status(state: &str, description: String, pr_url: &str) -> CommitStatus {
    CommitStatus {
        state: state.into(),
        context: REVIEW_STATUS_CONTEXT.into(),
        description,
        target_url: Some(pr_url.to_owned()),
    }
}

fn signed_off_status(reviewer: &str, pr_url: &str) -> CommitStatus {
    review_status("success", format!("Signed off by {reviewer}"), pr_url)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::fixtures::{history_to, t};
    use crate::incident::fold;

    /// An incident `id` in `phase` whose glass closed at `restored` seconds.
    pub(crate) fn incident(id: &str, phase: Phase, restored: i64, drill: bool) -> Incident {
        let mut incident = fold(&history_to(phase)).unwrap();
        incident.id = id.into();
        incident.drill = drill;
        incident.restore.restored_at = Some(t(restored));
        incident
    }

    #[test]
    fn outstanding_reviews_are_the_real_unsigned_ones_oldest_first() {
        let incidents = [
            incident("INC-3", Phase::Restored, 300, false),
            incident("INC-1", Phase::Reviewed, 100, false),
            incident("DRILL-1", Phase::Restored, 50, true),
            incident("INC-0", Phase::Closed, 10, false),
            incident("INC-2", Phase::Drift, 200, false),
            incident("INC-9", Phase::Pushed, 20, false),
        ];
        let due = outstanding_reviews(&incidents);
        let ids: Vec<&str> = due.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["INC-1", "INC-2", "INC-3"]);
        assert_eq!(due[0].waiting(t(160)), Duration::seconds(60));
        assert_eq!(
            due[0].pr_url.as_deref(),
            Some("http://127.0.0.1/acme/api/pull/7")
        );
        assert_eq!(due[1].pr_url, None);
    }

    #[test]
    fn a_restore_without_a_push_has_nothing_to_review() {
        let mut restored = incident("INC-5", Phase::Restored, 100, false);
        assert!(awaits_review(&restored));
        restored.pushes.clear();
        assert!(!awaits_review(&restored));
    }
}
