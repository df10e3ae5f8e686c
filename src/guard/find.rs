//! Finding open leases on the forge: the repositories to look in (those named, and every
//! repository of the named organisations, paged) and, in each, the open issues labelled
//! `breakglass:open`, paged, through the same GitHub client as every other command.

use crate::forge::RepoId;
use crate::forge::github::{ForgeError, GitHubClient, Request, path, repo_path};
use serde_json::Value;

/// An open incident issue as the listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenIssue {
    /// The repository holding the issue (the mirror's, not necessarily the protected one).
    pub repo: RepoId,
    pub number: u64,
    pub html_url: String,
    /// Who opened it (`user.login`): the commander whose breakglass mirrors the incident.
    pub author: String,
    /// Empty when the issue has no body.
    pub body: String,
}

/// Where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub repos: Vec<RepoId>,
    pub orgs: Vec<String>,
    /// Items asked per page (100 unless a test wants many pages).
    pub per_page: u8,
}

/// The repositories in `scope`: the named ones, then each organisation's (operationId
/// `repos/list-for-org`, every page), each once, archived ones left out (they cannot
/// hold an open glass that anyone can push through).
pub async fn repositories(client: &GitHubClient, scope: &Scope) -> Result<Vec<RepoId>, ForgeError> {
    let mut repos: Vec<RepoId> = Vec::new();
    let mut add = |repo: RepoId| {
        if !repos.contains(&repo) {
            repos.push(repo);
        }
    };
    for repo in &scope.repos {
        add(repo.clone());
    }
    for org in &scope.orgs {
        let request = Request::get(path(&["orgs", org, "repos"])).with_query("type", "all");
        for item in client.get_all_pages_of(request, scope.per_page).await? {
            if item.get("archived").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let Some(full_name) = item.get("full_name").and_then(Value::as_str) else {
                continue;
            };
            if let Ok(repo) = full_name.parse() {
                add(repo);
            }
        }
    }
    Ok(repos)
}

/// The open issues (not pull requests) labelled `label` in `repo`, every page
/// (operationId `issues/list-for-repo`).
pub async fn open_issues_labelled(
    client: &GitHubClient,
    repo: &RepoId,
    label: &str,
    per_page: u8,
) -> Result<Vec<OpenIssue>, ForgeError> {
    let request = Request::get(repo_path(repo, &["issues"]))
        .with_query("state", "open")
        .with_query("labels", label);
    let items = client.get_all_pages_of(request, per_page).await?;
    Ok(items
        .iter()
        .filter(|item| item.get("pull_request").is_none())
        .filter_map(|item| open_issue(repo, item))
        .collect())
}

fn open_issue(repo: &RepoId, item: &Value) -> Option<OpenIssue> {
    let text = |pointer: &str| item.pointer(pointer).and_then(Value::as_str);
    Some(OpenIssue {
        repo: repo.clone(),
        number: item.get("number")?.as_u64()?,
        html_url: crate::text::sanitize_line(text("/html_url").unwrap_or_default()),
        author: crate::text::sanitize_line(text("/user/login")?),
        body: crate::text::sanitize(text("/body").unwrap_or_default()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_issue_is_read_from_githubs_shape_and_a_bodyless_one_reads_empty() {
        let repo: RepoId = "acme/incidents".parse().unwrap();
        let item = json!({
            "number": 7, "html_url": "https://github.com/acme/incidents/issues/7",
            "user": {"login": "commander"}, "body": null
        });
        let issue = open_issue(&repo, &item).unwrap();
        assert_eq!((issue.number, issue.author.as_str()), (7, "commander"));
        assert_eq!(issue.body, "");
        assert_eq!(open_issue(&repo, &json!({"number": 7})), None);
    }
}
