//! The retro-review and notification calls (forge-api §3.2): refs, pull requests and
//! reviewers, issues and comments, commit statuses and compare, with GitHub's answers
//! read into the small typed results of `forge::port`.

use super::preflight::sha;
use super::{GitHubForge, field};
use crate::forge::RepoId;
use crate::forge::github::{ForgeError, Marker};
use crate::forge::port::{CommitStatus, Comparison, Created, CreatedComment};
use serde_json::{Value, json};

impl GitHubForge {
    pub(super) async fn open_pull(
        &self,
        repo: &RepoId,
        title: &str,
        head: &str,
        base: &str,
        body: &str,
        marker: &Marker,
    ) -> Result<Created, ForgeError> {
        let pull = self
            .client
            .create_pull(repo, title, head, base, body, marker)
            .await?;
        created(&pull)
    }

    pub(super) async fn open_issue(
        &self,
        repo: &RepoId,
        title: &str,
        body: &str,
        marker: &Marker,
        labels: &[String],
    ) -> Result<Created, ForgeError> {
        created(
            &self
                .client
                .create_issue(repo, title, body, marker, labels)
                .await?,
        )
    }

    pub(super) async fn add_comment(
        &self,
        repo: &RepoId,
        number: u64,
        body: &str,
        marker: &Marker,
    ) -> Result<CreatedComment, ForgeError> {
        let comment = self
            .client
            .create_issue_comment(repo, number, body, marker)
            .await?;
        Ok(CreatedComment {
            id: field(&comment, "/id", Value::as_u64)?,
            html_url: url_of(&comment),
        })
    }

    pub(super) async fn post_status(
        &self,
        repo: &RepoId,
        commit: &str,
        status: &CommitStatus,
    ) -> Result<(), ForgeError> {
        let mut body = json!({
            "state": status.state,
            "context": status.context,
            "description": status.description,
        });
        if let Some(url) = &status.target_url {
            body["target_url"] = json!(url);
        }
        self.client
            .create_commit_status(repo, commit, &body)
            .await
            .map(drop)
    }

    pub(super) async fn read_comparison(
        &self,
        repo: &RepoId,
        base: &str,
        head: &str,
    ) -> Result<Comparison, ForgeError> {
        let body = self.client.compare(repo, base, head).await?;
        let commits = body
            .get("commits")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|c| c.get("sha").and_then(sha))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Comparison {
            status: field(&body, "/status", |v| {
                v.as_str().map(crate::text::sanitize_line)
            })?,
            ahead_by: field(&body, "/ahead_by", Value::as_u64)?,
            behind_by: field(&body, "/behind_by", Value::as_u64)?,
            commits,
        })
    }
}

fn url_of(item: &Value) -> String {
    item.get("html_url")
        .and_then(Value::as_str)
        .map(crate::text::sanitize_line)
        .unwrap_or_default()
}

fn created(item: &Value) -> Result<Created, ForgeError> {
    Ok(Created {
        number: field(item, "/number", Value::as_u64)?,
        html_url: url_of(item),
    })
}
