//! Identity, repository and branch reads for preflight (forge-api §3.1, §8), plus the rate
//! budget. Thin: raw JSON out, no interpretation beyond headers.

use super::client::GitHubClient;
use super::error::{ForgeError, sanitize_server_text};
use super::request::{Request, path, repo_path};
use crate::forge::RepoId;
use serde_json::Value;

/// `GET /user` with the token facts GitHub sends in headers.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticatedUser {
    /// The `simple-user` / `private-user` JSON.
    pub user: Value,
    /// `X-OAuth-Scopes` split on commas (classic and OAuth tokens only).
    pub scopes: Option<Vec<String>>,
    /// `github-authentication-token-expiration`, as GitHub wrote it.
    pub token_expiration: Option<String>,
}

impl GitHubClient {
    /// Who the token belongs to. operationId `users/get-authenticated`.
    pub async fn get_authenticated_user(&self) -> Result<AuthenticatedUser, ForgeError> {
        let response = self.execute(&Request::get("/user".into())).await?;
        let scopes = response.header("x-oauth-scopes").map(|scopes| {
            scopes
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(sanitize_server_text)
                .collect()
        });
        let token_expiration = response
            .header("github-authentication-token-expiration")
            .map(sanitize_server_text);
        Ok(AuthenticatedUser {
            user: response.json,
            scopes,
            token_expiration,
        })
    }

    /// A user by login (for the numeric id bypass actors need). operationId `users/get-by-username`.
    pub async fn get_user(&self, login: &str) -> Result<Value, ForgeError> {
        Ok(self
            .execute(&Request::get(path(&["users", login])))
            .await?
            .json)
    }

    /// The repository: `permissions` of the caller, `owner.type`, `default_branch`.
    /// operationId `repos/get`.
    pub async fn get_repo(&self, repo: &RepoId) -> Result<Value, ForgeError> {
        Ok(self
            .execute(&Request::get(repo_path(repo, &[])))
            .await?
            .json)
    }

    /// A collaborator's `permission` and `role_name`.
    /// operationId `repos/get-collaborator-permission-level`.
    pub async fn get_collaborator_permission(
        &self,
        repo: &RepoId,
        login: &str,
    ) -> Result<Value, ForgeError> {
        let request = Request::get(repo_path(repo, &["collaborators", login, "permission"]));
        Ok(self.execute(&request).await?.json)
    }

    /// A branch: `commit.sha` (the head) and `protected`. operationId `repos/get-branch`.
    pub async fn get_branch(&self, repo: &RepoId, branch: &str) -> Result<Value, ForgeError> {
        let request = Request::get(repo_path(repo, &["branches", branch]));
        Ok(self.execute(&request).await?.json)
    }

    /// The token's remaining budget. operationId `rate-limit/get`.
    pub async fn rate_limit(&self) -> Result<Value, ForgeError> {
        Ok(self
            .execute(&Request::get("/rate_limit".into()))
            .await?
            .json)
    }

    /// What changed between two commits (`status` must be `ahead` after a break-glass
    /// push). operationId `repos/compare-commits-with-basehead`.
    pub async fn compare(
        &self,
        repo: &RepoId,
        base: &str,
        head: &str,
    ) -> Result<Value, ForgeError> {
        let basehead = format!("{base}...{head}");
        let request = Request::get(repo_path(repo, &["compare", &basehead]));
        Ok(self.execute(&request).await?.json)
    }
}
