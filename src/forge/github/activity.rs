//! What the forge itself recorded about pushes: repository activity
//! (`GET /repos/{o}/{r}/activity`) and rule suites (`GET …/rulesets/rule-suites[/{id}]`),
//! every page, read into small typed records. Decides nothing about what is a bypass.

use super::client::GitHubClient;
use super::error::ForgeError;
use super::request::{Request, Scope, repo_path};
use crate::forge::RepoId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One activity item (GitHub's `activity` schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub id: u64,
    pub before: String,
    pub after: String,
    #[serde(rename = "ref")]
    pub refname: String,
    pub timestamp: DateTime<Utc>,
    /// `push`, `force_push`, `branch_creation`, `branch_deletion`, `pr_merge` or
    /// `merge_queue_merge`.
    pub activity_type: String,
    /// The actor's login; `None` when GitHub answers `null` (a deleted account).
    pub actor: Option<String>,
}

/// One rule suite (GitHub's `rule-suite`), with its evaluations when read one by one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSuite {
    pub id: u64,
    pub actor_name: Option<String>,
    pub before_sha: String,
    pub after_sha: String,
    #[serde(rename = "ref")]
    pub refname: String,
    pub pushed_at: DateTime<Utc>,
    /// `pass`, `fail` or `bypass`.
    pub result: String,
    #[serde(default)]
    pub rule_evaluations: Vec<RuleEvaluation>,
}

/// One rule's verdict inside a rule suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleEvaluation {
    pub rule_source: RuleSource,
    pub enforcement: Option<String>,
    /// `pass` or `fail`.
    pub result: String,
    pub rule_type: String,
    #[serde(default)]
    pub details: Option<String>,
}

/// Where an evaluated rule comes from: a ruleset (`id`, `name`) or `protected_branch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSource {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub name: Option<String>,
}

/// Which activity to list: one branch, one `time_period`, newest first.
#[derive(Debug, Clone)]
pub struct ActivityQuery {
    pub branch: String,
    /// GitHub's `time_period`: `day`, `week`, `month`, `quarter` or `year`.
    pub time_period: String,
    pub per_page: u8,
}

/// Which rule suites to list: one branch, one `time_period`, one result.
#[derive(Debug, Clone)]
pub struct RuleSuiteQuery {
    pub branch: String,
    /// GitHub's `time_period`: `hour`, `day`, `week` or `month`.
    pub time_period: String,
    /// `pass`, `fail`, `bypass` or `all`.
    pub result: String,
    pub per_page: u8,
}

fn parsed<T: serde::de::DeserializeOwned>(what: &str, value: Value) -> Result<T, ForgeError> {
    serde_json::from_value(value).map_err(|e| ForgeError::InvalidResponse {
        detail: format!("{what}: {e}"),
    })
}

impl GitHubClient {
    /// The activity on `query.branch`, every page. operationId `repos/list-activities`.
    pub async fn list_activity(
        &self,
        repo: &RepoId,
        query: &ActivityQuery,
    ) -> Result<Vec<ActivityEntry>, ForgeError> {
        let request = Request::get(repo_path(repo, &["activity"]))
            .with_query("ref", format!("refs/heads/{}", query.branch))
            .with_query("time_period", &query.time_period)
            .with_query("direction", "desc");
        let items = self.get_all_pages_of(request, query.per_page).await?;
        items
            .into_iter()
            .map(|item| {
                let mut item = item;
                // The schema embeds a user; only the login matters here.
                let login = item["actor"]["login"].as_str().map(str::to_owned);
                item["actor"] = login.map_or(Value::Null, Value::String);
                parsed("an activity item", item)
            })
            .collect()
    }

    /// The rule suites of `query.branch`, every page (without evaluations).
    /// operationId `repos/get-repo-rule-suites`; needs repository administration.
    pub async fn list_rule_suites(
        &self,
        repo: &RepoId,
        query: &RuleSuiteQuery,
    ) -> Result<Vec<RuleSuite>, ForgeError> {
        let request = Request::get(repo_path(repo, &["rulesets", "rule-suites"]))
            .with_query("ref", format!("refs/heads/{}", query.branch))
            .with_query("time_period", &query.time_period)
            .with_query("rule_suite_result", &query.result)
            .with_scope(Scope::RepoAdmin(repo.clone()));
        let items = self.get_all_pages_of(request, query.per_page).await?;
        items
            .into_iter()
            .map(|item| parsed("a rule suite", item))
            .collect()
    }

    /// One rule suite with its rule evaluations. operationId `repos/get-repo-rule-suite`.
    pub async fn get_rule_suite(&self, repo: &RepoId, id: u64) -> Result<RuleSuite, ForgeError> {
        let request = Request::get(repo_path(
            repo,
            &["rulesets", "rule-suites", &id.to_string()],
        ))
        .with_scope(Scope::RepoAdmin(repo.clone()));
        parsed("a rule suite", self.execute(&request).await?.json)
    }
}
