//! The second person's side: `breakglass approve` with their own token. It needs no
//! audit log of its own: it finds the incident issue and the latest approval request on
//! the forge, refuses early what the commander's side would refuse anyway (their own
//! request, no write access, a request that timed out), and posts the marked approval.
//! The commander's side still checks the author and permission through the forge.

use super::judge::approve_marker;
use crate::forge::github::{ForgeError, Marker};
use crate::forge::port::Forge;
use crate::forge::{Permission, RepoId};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The hidden line in a request comment that carries its deadline for `approve`.
const DEADLINE_TAG: &str = "<!-- breakglass-approval-deadline:";

/// The deadline line to put in a request comment.
pub(super) fn deadline_line(deadline: DateTime<Utc>) -> String {
    format!("{DEADLINE_TAG} {} -->", deadline.to_rfc3339())
}

fn read_deadline(body: &str) -> Option<DateTime<Utc>> {
    let start = body.find(DEADLINE_TAG)? + DEADLINE_TAG.len();
    let rest = &body[start..];
    let end = rest.find("-->")?;
    DateTime::parse_from_rfc3339(rest[..end].trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The approval was posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApproveReport {
    pub incident: String,
    pub approver: String,
    pub issue_url: String,
    pub comment_id: u64,
    pub comment_url: String,
}

/// Why `approve` posted nothing, with what to do.
#[derive(Debug, thiserror::Error)]
pub enum ApproveError {
    #[error(
        "there is no incident issue for {incident} in {repo}; the commander has not asked for an \
         approval yet, or the team keeps incident issues elsewhere (set `[mirror] repo`)"
    )]
    NoIssue { incident: String, repo: String },
    #[error(
        "nobody has asked for an approval on {issue_url} yet; wait for the commander's request \
         and run this again"
    )]
    NoRequest { issue_url: String },
    #[error(
        "you ({login}) asked for this approval and cannot give it; a second person with write \
         access to {repo} must approve"
    )]
    OwnRequest { login: String, repo: String },
    #[error(
        "you ({login}) have {permission} access to {repo}; approving needs write access or more \
         — ask someone with write access"
    )]
    NoWriteAccess {
        login: String,
        permission: Permission,
        repo: String,
    },
    #[error(
        "the approval request on {issue_url} timed out at {deadline}; nothing was posted — ask \
         the commander to request a new approval (`breakglass activate` again)"
    )]
    TimedOut { issue_url: String, deadline: String },
    #[error("{step} failed: {source}")]
    Forge {
        step: &'static str,
        source: ForgeError,
    },
}

fn forge_err(step: &'static str) -> impl FnOnce(ForgeError) -> ApproveError {
    move |source| ApproveError::Forge { step, source }
}

/// Approves `incident` on `repo` as the token's owner: checks, then posts `/approve` in a
/// marked comment on the incident issue in `issue_repo`. `now` decides lateness.
pub async fn approve_as_second_person(
    forge: &dyn Forge,
    repo: &RepoId,
    issue_repo: &RepoId,
    incident: &str,
    now: DateTime<Utc>,
) -> Result<ApproveReport, ApproveError> {
    let me = forge
        .identity()
        .await
        .map_err(forge_err("asking the forge who the token belongs to"))?;
    let login = me.login;
    let access = forge
        .repo_access(repo)
        .await
        .map_err(forge_err("reading your access to the repository"))?;
    if !access.permission.can_push() {
        return Err(ApproveError::NoWriteAccess {
            login,
            permission: access.permission,
            repo: repo.to_string(),
        });
    }
    let issue = crate::mirror::find(forge, issue_repo, incident)
        .await
        .map_err(forge_err("finding the incident issue"))?
        .ok_or_else(|| ApproveError::NoIssue {
            incident: incident.to_owned(),
            repo: issue_repo.to_string(),
        })?;
    let comments = forge
        .issue_comments(&issue.repo, issue.number, None)
        .await
        .map_err(forge_err("reading the incident issue's comments"))?;
    let request_prefix = Marker::new(incident, "approval-request-")
        .to_string()
        .trim_end_matches(" -->")
        .to_owned();
    let request = comments
        .iter()
        .rev()
        .find(|c| c.body.contains(&request_prefix))
        .ok_or_else(|| ApproveError::NoRequest {
            issue_url: issue.html_url.clone(),
        })?;
    if request.author.eq_ignore_ascii_case(&login) {
        return Err(ApproveError::OwnRequest {
            login,
            repo: repo.to_string(),
        });
    }
    if let Some(deadline) = read_deadline(&request.body).filter(|d| now > *d) {
        return Err(ApproveError::TimedOut {
            issue_url: issue.html_url.clone(),
            deadline: deadline.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        });
    }
    let body = format!(
        "/approve\n\nApproved by @{login} with `breakglass approve` (write access or more to \
         {repo}, checked again by the commander's breakglass)."
    );
    let marker = approve_marker(incident, &request.id.to_string(), &login);
    let posted = forge
        .comment(&issue.repo, issue.number, &body, &marker)
        .await
        .map_err(forge_err("posting the approval on the incident issue"))?;
    Ok(ApproveReport {
        incident: incident.to_owned(),
        approver: login,
        issue_url: issue.html_url,
        comment_id: posted.id,
        comment_url: posted.html_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_travels_in_a_hidden_line() {
        let deadline = DateTime::from_timestamp(1_767_258_900, 0).unwrap();
        let body = format!("Approval requested …\n\n{}\n", deadline_line(deadline));
        assert_eq!(read_deadline(&body), Some(deadline));
        assert_eq!(read_deadline("no tag"), None);
        assert_eq!(read_deadline(&format!("{DEADLINE_TAG} soon -->")), None);
    }
}
