//! Pull-request endpoints, reviews and commit statuses (forge-api §3.2): the retroactive
//! review.

use super::client::GitHubClient;
use super::error::ForgeError;
use super::issues::find_marked;
use super::marker::Marker;
use super::request::{Request, repo_path};
use crate::forge::RepoId;
use serde_json::{Value, json};

impl GitHubClient {
    /// Opens a pull request `head` → `base` whose body carries `marker`.
    /// operationId `pulls/create`.
    pub async fn create_pull(
        &self,
        repo: &RepoId,
        title: &str,
        head: &str,
        base: &str,
        body: &str,
        marker: &Marker,
    ) -> Result<Value, ForgeError> {
        let request = Request::post_create(
            repo_path(repo, &["pulls"]),
            json!({ "title": title, "head": head, "base": base, "body": marker.embed(body) }),
        );
        self.create_once(&request, || self.find_pull_with_marker(repo, marker))
            .await
    }

    /// The most recent pull request whose body carries `marker`, among the 100 newest.
    /// operationId `pulls/list`.
    pub async fn find_pull_with_marker(
        &self,
        repo: &RepoId,
        marker: &Marker,
    ) -> Result<Option<Value>, ForgeError> {
        let request = Request::get(repo_path(repo, &["pulls"]))
            .with_query("state", "all")
            .with_query("sort", "created")
            .with_query("direction", "desc")
            .with_query("per_page", 100);
        let response = self.execute(&request).await?;
        Ok(find_marked(&response.json, marker, |_| true))
    }

    /// Asks people and teams to review a pull request.
    /// operationId `pulls/request-reviewers`.
    pub async fn request_reviewers(
        &self,
        repo: &RepoId,
        number: u64,
        reviewers: &[String],
        team_reviewers: &[String],
    ) -> Result<Value, ForgeError> {
        let number = number.to_string();
        // Requesting the same reviewers again changes nothing: safe to retry.
        let request = Request::post_idempotent(
            repo_path(repo, &["pulls", &number, "requested_reviewers"]),
            Some(json!({ "reviewers": reviewers, "team_reviewers": team_reviewers })),
        );
        Ok(self.execute(&request).await?.json)
    }

    /// Sets a commit status (`state`, `context`, `description`, `target_url` in `body`).
    /// operationId `repos/create-commit-status`.
    pub async fn create_commit_status(
        &self,
        repo: &RepoId,
        sha: &str,
        body: &Value,
    ) -> Result<Value, ForgeError> {
        // GitHub shows the latest status per context, so a repeated POST is harmless.
        let request =
            Request::post_idempotent(repo_path(repo, &["statuses", sha]), Some(body.clone()));
        Ok(self.execute(&request).await?.json)
    }

    /// Every review of pull request `number`, oldest first (a pending review only when it
    /// is the token's own), across all pages. operationId `pulls/list-reviews`.
    pub async fn list_reviews(&self, repo: &RepoId, number: u64) -> Result<Vec<Value>, ForgeError> {
        let number = number.to_string();
        let request = Request::get(repo_path(repo, &["pulls", &number, "reviews"]));
        self.get_all_pages(request).await
    }

    /// Every status of the commit `reference` (a sha, branch or tag) names, newest first,
    /// across all pages. operationId `repos/list-commit-statuses-for-ref`.
    pub async fn list_commit_statuses(
        &self,
        repo: &RepoId,
        reference: &str,
    ) -> Result<Vec<Value>, ForgeError> {
        let request = Request::get(repo_path(repo, &["commits", reference, "statuses"]));
        self.get_all_pages(request).await
    }
}
