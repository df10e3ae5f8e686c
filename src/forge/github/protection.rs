//! Classic branch protection endpoints (forge-api §1.1): read, full replace, delete and
//! the sub-resources the relax plan uses. Bodies are raw JSON built by the planner.

use super::client::GitHubClient;
use super::error::ForgeError;
use super::error_map::error_for;
use super::request::{Request, Scope, encode_segment};
use crate::forge::RepoId;
use serde_json::{Value, json};

fn protection_path(repo: &RepoId, branch: &str, rest: &[&str]) -> String {
    let suffix: String = rest
        .iter()
        .map(|r| format!("/{}", encode_segment(r)))
        .collect();
    crate::forge::request::protection_path(repo, branch, &suffix)
}

fn admin(repo: &RepoId) -> Scope {
    Scope::RepoAdmin(repo.clone())
}

/// GitHub's answer for a branch without classic protection (not an error).
pub const BRANCH_NOT_PROTECTED: &str = "Branch not protected";

impl GitHubClient {
    /// The branch's classic protection, verbatim; `None` when GitHub answers 404
    /// `Branch not protected`. Any other 404 means the token cannot administer the
    /// repository. operationId `repos/get-branch-protection`.
    pub async fn get_protection(
        &self,
        repo: &RepoId,
        branch: &str,
    ) -> Result<Option<Value>, ForgeError> {
        let request = Request::get(protection_path(repo, branch, &[])).with_scope(admin(repo));
        let (response, attempts) = self.send(&request).await?;
        if response.status == 404 && response.message() == Some(BRANCH_NOT_PROTECTED) {
            return Ok(None);
        }
        if response.status >= 400 {
            return Err(error_for(
                &response,
                &request.scope,
                &request.path,
                attempts,
                self.host(),
            ));
        }
        Ok(Some(response.json))
    }

    /// Replaces the whole classic protection with `body` (the four required keys present).
    /// operationId `repos/update-branch-protection`.
    pub async fn put_protection(
        &self,
        repo: &RepoId,
        branch: &str,
        body: &Value,
    ) -> Result<Value, ForgeError> {
        let request =
            Request::put(protection_path(repo, branch, &[]), body.clone()).with_scope(admin(repo));
        Ok(self.execute(&request).await?.json)
    }

    /// Removes classic protection. operationId `repos/delete-branch-protection`.
    pub async fn delete_protection(&self, repo: &RepoId, branch: &str) -> Result<(), ForgeError> {
        let request = Request::delete(protection_path(repo, branch, &[])).with_scope(admin(repo));
        self.execute(&request).await.map(drop)
    }

    /// Turns "do not allow bypassing" on (POST) or off (DELETE).
    /// operationIds `repos/set-admin-branch-protection`, `repos/delete-admin-branch-protection`.
    pub async fn set_enforce_admins(
        &self,
        repo: &RepoId,
        branch: &str,
        enabled: bool,
    ) -> Result<(), ForgeError> {
        self.toggle(repo, branch, "enforce_admins", enabled).await
    }

    /// Requires signed commits (POST) or stops requiring them (DELETE).
    /// operationIds `repos/create-commit-signature-protection`,
    /// `repos/delete-commit-signature-protection`.
    pub async fn set_required_signatures(
        &self,
        repo: &RepoId,
        branch: &str,
        enabled: bool,
    ) -> Result<(), ForgeError> {
        self.toggle(repo, branch, "required_signatures", enabled)
            .await
    }

    async fn toggle(
        &self,
        repo: &RepoId,
        branch: &str,
        resource: &str,
        enabled: bool,
    ) -> Result<(), ForgeError> {
        let path = protection_path(repo, branch, &[resource]);
        // Setting a flag twice is the same as once, so this POST may be retried.
        let request = if enabled {
            Request::post_idempotent(path, None)
        } else {
            Request::delete(path)
        };
        self.execute(&request.with_scope(admin(repo)))
            .await
            .map(drop)
    }

    /// Stops requiring pull-request reviews.
    /// operationId `repos/delete-pull-request-review-protection`.
    pub async fn delete_required_pull_request_reviews(
        &self,
        repo: &RepoId,
        branch: &str,
    ) -> Result<(), ForgeError> {
        let path = protection_path(repo, branch, &["required_pull_request_reviews"]);
        self.execute(&Request::delete(path).with_scope(admin(repo)))
            .await
            .map(drop)
    }

    /// Stops requiring status checks. operationId `repos/remove-status-check-protection`.
    pub async fn delete_required_status_checks(
        &self,
        repo: &RepoId,
        branch: &str,
    ) -> Result<(), ForgeError> {
        let path = protection_path(repo, branch, &["required_status_checks"]);
        self.execute(&Request::delete(path).with_scope(admin(repo)))
            .await
            .map(drop)
    }

    /// Adds people to the push restrictions; returns the new list.
    /// operationId `repos/add-user-access-restrictions`.
    pub async fn add_restriction_users(
        &self,
        repo: &RepoId,
        branch: &str,
        logins: &[String],
    ) -> Result<Value, ForgeError> {
        let path = protection_path(repo, branch, &["restrictions", "users"]);
        // Adding to a set twice leaves the same set: safe to retry.
        let request = Request::post_idempotent(path, Some(json!({ "users": logins })))
            .with_scope(admin(repo));
        Ok(self.execute(&request).await?.json)
    }
}
