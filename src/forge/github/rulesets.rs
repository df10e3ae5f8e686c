//! Ruleset endpoints (forge-api §2.1): the active rules on a branch, and repository and
//! organisation rulesets read and replaced as raw JSON (never octocrab's typed models).

use super::client::GitHubClient;
use super::error::ForgeError;
use super::request::{Request, Scope, path, repo_path};
use crate::forge::RepoId;
use serde_json::Value;

impl GitHubClient {
    /// Every active rule that applies to `branch`, from any level, all pages.
    /// operationId `repos/get-branch-rules`.
    pub async fn get_rules_for_branch(
        &self,
        repo: &RepoId,
        branch: &str,
    ) -> Result<Vec<Value>, ForgeError> {
        let request = Request::get(repo_path(repo, &["rules", "branches", branch]));
        self.get_all_pages(request).await
    }

    /// One repository ruleset, verbatim. operationId `repos/get-repo-ruleset`.
    pub async fn get_repo_ruleset(&self, repo: &RepoId, id: u64) -> Result<Value, ForgeError> {
        let request = Request::get(repo_path(repo, &["rulesets", &id.to_string()]))
            .with_scope(Scope::RepoAdmin(repo.clone()));
        Ok(self.execute(&request).await?.json)
    }

    /// Replaces a repository ruleset's writable fields with `body`.
    /// operationId `repos/update-repo-ruleset`.
    pub async fn put_repo_ruleset(
        &self,
        repo: &RepoId,
        id: u64,
        body: &Value,
    ) -> Result<Value, ForgeError> {
        let request = Request::put(
            repo_path(repo, &["rulesets", &id.to_string()]),
            body.clone(),
        )
        .with_scope(Scope::RepoAdmin(repo.clone()));
        Ok(self.execute(&request).await?.json)
    }

    /// One organisation ruleset, verbatim (needs organisation administration even to read).
    /// operationId `repos/get-org-ruleset`.
    pub async fn get_org_ruleset(&self, org: &str, id: u64) -> Result<Value, ForgeError> {
        let request = Request::get(path(&["orgs", org, "rulesets", &id.to_string()]))
            .with_scope(Scope::OrgAdmin(org.to_owned()));
        Ok(self.execute(&request).await?.json)
    }

    /// Replaces an organisation ruleset's writable fields with `body`.
    /// operationId `repos/update-org-ruleset`.
    pub async fn put_org_ruleset(
        &self,
        org: &str,
        id: u64,
        body: &Value,
    ) -> Result<Value, ForgeError> {
        let request = Request::put(
            path(&["orgs", org, "rulesets", &id.to_string()]),
            body.clone(),
        )
        .with_scope(Scope::OrgAdmin(org.to_owned()));
        Ok(self.execute(&request).await?.json)
    }
}
