//! The drill's second person: the sandbox's `reviewer` approves the drill's break-glass a
//! few seconds after the commander asks, with the reviewer's own token, through the same
//! `breakglass approve` code a real approver runs.

use crate::clock::Clock;
use crate::flow::{ApproveError, approve_as_second_person, github_forge};
use crate::forge::RepoId;
use crate::secret::Secret;
use std::sync::Arc;
use std::time::Duration;

/// The seeded person who approves drills.
pub const DRILL_APPROVER: &str = "reviewer";

/// How often the reviewer looks for the commander's request (so they approve within a
/// few seconds of it).
const LOOK_EVERY: Duration = Duration::from_secs(2);

/// Looks for the drill's approval request on `repo`'s incident issue in `issue_repo` and
/// approves it as `reviewer`; returns once approved, or when the request can no longer be
/// approved. Runs until aborted while nobody has asked.
pub async fn approve_when_asked(
    api_url: String,
    token: Secret,
    repo: RepoId,
    issue_repo: RepoId,
    incident: String,
    clock: Arc<dyn Clock>,
) {
    let Ok(forge) = github_forge(&api_url, token, clock.clone()) else {
        return;
    };
    loop {
        tokio::time::sleep(LOOK_EVERY).await;
        match approve_as_second_person(forge.as_ref(), &repo, &issue_repo, &incident, clock.now())
            .await
        {
            Ok(report) => {
                tracing::info!(incident, url = %report.comment_url, "the drill's reviewer approved");
                return;
            }
            Err(ApproveError::NoIssue { .. } | ApproveError::NoRequest { .. }) => {}
            Err(error) => {
                tracing::warn!(incident, "the drill's reviewer could not approve: {error}");
                return;
            }
        }
    }
}
