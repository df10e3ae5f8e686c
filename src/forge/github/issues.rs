//! Issue endpoints (forge-api §3.2): the incident issue and its comments, created at most
//! once thanks to the idempotency marker embedded in their bodies.

use super::client::GitHubClient;
use super::error::ForgeError;
use super::marker::Marker;
use super::request::{Request, repo_path};
use crate::forge::RepoId;
use serde_json::{Value, json};
use std::future::Future;

/// True when a failed creating POST may have created its object anyway.
fn may_have_created(error: &ForgeError) -> bool {
    error.maybe_applied()
        || matches!(
            error,
            ForgeError::Server { .. } | ForgeError::Network { .. }
        )
}

impl GitHubClient {
    /// Sends a creating POST at most twice: after a failure that may have created the
    /// object, it first looks for the object by its marker and resends only if absent.
    pub(super) async fn create_once<F, Fut>(
        &self,
        request: &Request,
        find_existing: F,
    ) -> Result<Value, ForgeError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Option<Value>, ForgeError>>,
    {
        match self.execute(request).await {
            Ok(response) => Ok(response.json),
            Err(error) if may_have_created(&error) => match find_existing().await? {
                Some(existing) => Ok(existing),
                None => Ok(self.execute(request).await?.json),
            },
            Err(error) => Err(error),
        }
    }

    /// Opens an issue whose body carries `marker`, with `labels` (none: no `labels`
    /// member). operationId `issues/create`.
    pub async fn create_issue(
        &self,
        repo: &RepoId,
        title: &str,
        body: &str,
        marker: &Marker,
        labels: &[String],
    ) -> Result<Value, ForgeError> {
        let mut content = json!({ "title": title, "body": marker.embed(body) });
        if !labels.is_empty() {
            content["labels"] = json!(labels);
        }
        let request = Request::post_create(repo_path(repo, &["issues"]), content);
        self.create_once(&request, || self.find_issue_with_marker(repo, marker))
            .await
    }

    /// The most recent issue (not pull request) whose body carries `marker`, among the
    /// 100 newest. operationId `issues/list-for-repo`.
    pub async fn find_issue_with_marker(
        &self,
        repo: &RepoId,
        marker: &Marker,
    ) -> Result<Option<Value>, ForgeError> {
        let request = Request::get(repo_path(repo, &["issues"]))
            .with_query("state", "all")
            .with_query("sort", "created")
            .with_query("direction", "desc")
            .with_query("per_page", 100);
        let response = self.execute(&request).await?;
        Ok(find_marked(&response.json, marker, |item| {
            item.get("pull_request").is_none()
        }))
    }

    /// Comments on an issue or pull request; the body carries `marker`.
    /// operationId `issues/create-comment`.
    pub async fn create_issue_comment(
        &self,
        repo: &RepoId,
        number: u64,
        body: &str,
        marker: &Marker,
    ) -> Result<Value, ForgeError> {
        let number = number.to_string();
        let path = repo_path(repo, &["issues", &number, "comments"]);
        let request = Request::post_create(path.clone(), json!({ "body": marker.embed(body) }));
        self.create_once(&request, || async {
            let comments = self.get_all_pages(Request::get(path.clone())).await?;
            Ok(find_marked(&Value::Array(comments), marker, |_| true))
        })
        .await
    }
}

impl GitHubClient {
    /// One issue. operationId `issues/get`.
    pub async fn get_issue(&self, repo: &RepoId, number: u64) -> Result<Value, ForgeError> {
        let number = number.to_string();
        let request = Request::get(repo_path(repo, &["issues", &number]));
        Ok(self.execute(&request).await?.json)
    }

    /// Every comment on an issue or pull request, oldest first, all pages; with `since`
    /// (RFC 3339), only those updated at or after it. operationId `issues/list-comments`.
    pub async fn list_issue_comments(
        &self,
        repo: &RepoId,
        number: u64,
        since: Option<&str>,
    ) -> Result<Vec<Value>, ForgeError> {
        let number = number.to_string();
        let mut request = Request::get(repo_path(repo, &["issues", &number, "comments"]));
        if let Some(since) = since {
            request = request.with_query("since", since);
        }
        self.get_all_pages(request).await
    }

    /// Changes an issue's title, body, state or labels (the members `changes` names; a
    /// `labels` list replaces the issue's labels). Sending the same PATCH twice leaves the
    /// same issue. operationId `issues/update`.
    pub async fn update_issue(
        &self,
        repo: &RepoId,
        number: u64,
        changes: &Value,
    ) -> Result<Value, ForgeError> {
        let number = number.to_string();
        let request = Request::patch(repo_path(repo, &["issues", &number]), changes.clone());
        Ok(self.execute(&request).await?.json)
    }

    /// Adds labels to an issue (creating labels the repository lacks) and returns the
    /// issue's labels. Adding a label twice is harmless. operationId `issues/add-labels`.
    pub async fn add_issue_labels(
        &self,
        repo: &RepoId,
        number: u64,
        labels: &[String],
    ) -> Result<Value, ForgeError> {
        let number = number.to_string();
        let request = Request::post_idempotent(
            repo_path(repo, &["issues", &number, "labels"]),
            Some(json!({ "labels": labels })),
        );
        Ok(self.execute(&request).await?.json)
    }

    /// Removes one label from an issue; a label the issue does not carry is success.
    /// operationId `issues/remove-label`.
    pub async fn remove_issue_label(
        &self,
        repo: &RepoId,
        number: u64,
        label: &str,
    ) -> Result<(), ForgeError> {
        let number = number.to_string();
        let request = Request::delete(repo_path(repo, &["issues", &number, "labels", label]));
        match self.execute(&request).await {
            Ok(_) | Err(ForgeError::NotFound { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }
}

/// The first item of a JSON list whose `body` carries `marker` and that `keep` accepts.
pub(super) fn find_marked(
    items: &Value,
    marker: &Marker,
    keep: impl Fn(&Value) -> bool,
) -> Option<Value> {
    items.as_array()?.iter().find_map(|item| {
        let body = item.get("body").and_then(Value::as_str).unwrap_or("");
        (marker.is_in(body) && keep(item)).then(|| item.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_items_carrying_the_marker() {
        let marker = Marker::new("INC-7", "incident-issue");
        let items = json!([
            {"number": 3, "body": "unrelated"},
            {"number": 2, "body": null},
            {"number": 1, "body": marker.embed("Incident INC-7"), "pull_request": {}},
            {"number": 0, "body": marker.embed("Incident INC-7")}
        ]);
        let found = find_marked(&items, &marker, |i| i.get("pull_request").is_none()).unwrap();
        assert_eq!(found["number"], 0);
        assert_eq!(
            find_marked(&items, &Marker::new("INC-8", "incident-issue"), |_| true),
            None
        );
    }

    #[test]
    fn only_uncertain_failures_trigger_a_marker_search() {
        assert!(may_have_created(&ForgeError::Timeout {
            timeout: std::time::Duration::from_secs(10),
            attempts: 1,
            maybe_applied: true
        }));
        assert!(may_have_created(&ForgeError::Server {
            status: 502,
            message: String::new(),
            attempts: 1
        }));
        assert!(!may_have_created(&ForgeError::Validation {
            message: "Validation Failed".into(),
            errors: vec![]
        }));
        assert!(!may_have_created(&ForgeError::Forbidden {
            message: String::new()
        }));
    }
}
