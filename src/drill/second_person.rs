//! The drill's second person: the sandbox's `reviewer` approves the drill's break-glass as
//! the scenario says (a few seconds after the commander asks, or after a set delay), with
//! the reviewer's own token, through the same `breakglass approve` code a real approver
//! runs. A scenario whose second person never approves starts none.

use crate::clock::Clock;
use crate::flow::{ApproveError, approve_as_second_person, github_forge};
use crate::forge::RepoId;
use crate::forge::github::Marker;
use crate::forge::port::Forge;
use crate::secret::Secret;
use std::sync::Arc;
use std::time::Duration;

/// The seeded person who approves drills.
pub const DRILL_APPROVER: &str = "reviewer";

/// How often the reviewer looks for the commander's request (so they approve within a
/// few seconds of it).
const LOOK_EVERY: Duration = Duration::from_secs(2);

/// Where the second person looks and how long they take once asked.
#[derive(Debug, Clone)]
pub struct SecondPersonTask {
    pub api_url: String,
    pub token: Secret,
    /// The repository whose protection the drill relaxes.
    pub repo: RepoId,
    /// Where the incident issue is.
    pub issue_repo: RepoId,
    pub incident: String,
    /// How long they take from seeing the request to approving it.
    pub delay: Duration,
}

/// Looks for the drill's approval request on the incident issue and, `delay` after first
/// seeing it, approves it as `reviewer`; returns once approved, or when the request can
/// no longer be approved. Runs until aborted while nobody has asked.
pub async fn approve_when_asked(task: SecondPersonTask, clock: Arc<dyn Clock>) {
    let Ok(forge) = github_forge(&task.api_url, task.token.clone(), clock.clone()) else {
        return;
    };
    let incident = task.incident.as_str();
    if !task.delay.is_zero() {
        while !request_seen(forge.as_ref(), &task.issue_repo, incident).await {
            tokio::time::sleep(LOOK_EVERY).await;
        }
        tokio::time::sleep(task.delay).await;
    }
    loop {
        tokio::time::sleep(LOOK_EVERY).await;
        match approve_as_second_person(
            forge.as_ref(),
            &task.repo,
            &task.issue_repo,
            incident,
            clock.now(),
        )
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

/// True once the incident issue holds the commander's approval request (read as the
/// approver reads it: the marked request comment).
async fn request_seen(forge: &dyn Forge, issue_repo: &RepoId, incident: &str) -> bool {
    let Ok(Some(issue)) = crate::mirror::find(forge, issue_repo, incident).await else {
        return false;
    };
    let prefix = Marker::new(incident, "approval-request-")
        .to_string()
        .trim_end_matches(" -->")
        .to_owned();
    forge
        .issue_comments(&issue.repo, issue.number, None)
        .await
        .is_ok_and(|comments| comments.iter().any(|c| c.body.contains(&prefix)))
}
