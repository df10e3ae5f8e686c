//! The forge's side of a reconciliation, read through the GitHub client (the same code as
//! for github.com): what requires pull requests on the branch today, its activity and its
//! rule-suite bypasses. An endpoint the forge lacks (404 from an older GitHub Enterprise)
//! becomes an [`Unavailable`] naming what is left unchecked; every other failure (rate
//! limits the client could not wait out, missing rights) is returned as it is.

use super::{ForgeRecord, Unavailable, activity_period, rule_suite_period};
use crate::forge::RepoId;
use crate::forge::github::{ActivityQuery, ForgeError, GitHubClient, RuleSuiteQuery};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

/// What to reconcile.
#[derive(Debug, Clone)]
pub struct ReconcileRequest {
    pub repo: RepoId,
    pub branch: String,
    /// How far back to look.
    pub since: Duration,
    /// Items per page asked of the forge (100 unless a test wants many pages).
    pub per_page: u8,
}

/// Reads everything [`super::reconcile`] needs from the forge, as of `now`.
pub async fn read_forge(
    client: &GitHubClient,
    request: &ReconcileRequest,
    now: DateTime<Utc>,
) -> Result<ForgeRecord, ForgeError> {
    let repo = &request.repo;
    let is_admin = client.get_repo(repo).await?["permissions"]["admin"]
        .as_bool()
        .unwrap_or(false);
    let pull_request_required_by = pull_request_requirements(client, request).await?;
    let activity = client
        .list_activity(
            repo,
            &ActivityQuery {
                branch: request.branch.clone(),
                time_period: activity_period(request.since).to_owned(),
                per_page: request.per_page,
            },
        )
        .await;
    let activity = match activity {
        Err(ForgeError::NotFound { .. }) => Err(Unavailable {
            endpoint: format!("GET /repos/{repo}/activity"),
            unchecked: "direct pushes to the branch (the forge keeps no repository activity)"
                .to_owned(),
        }),
        other => Ok(other?),
    };
    let rule_suites = match read_bypass_suites(client, request).await {
        Err(ForgeError::NotFound { .. } | ForgeError::CannotAdminister { .. }) if is_admin => {
            Err(Unavailable {
                endpoint: format!("GET /repos/{repo}/rulesets/rule-suites"),
                unchecked: "ruleset bypasses (the forge keeps no rule suites)".to_owned(),
            })
        }
        other => Ok(other?),
    };
    Ok(ForgeRecord {
        repo: repo.to_string(),
        branch: request.branch.clone(),
        api_url: client.api_url().to_owned(),
        since: now - request.since,
        pull_request_required_by,
        activity,
        rule_suites,
    })
}

/// Why a direct push to the branch skips review: classic required reviews, and each
/// active `pull_request` rule that applies to the branch.
async fn pull_request_requirements(
    client: &GitHubClient,
    request: &ReconcileRequest,
) -> Result<Vec<String>, ForgeError> {
    let mut required = Vec::new();
    let classic = client
        .get_protection(&request.repo, &request.branch)
        .await?;
    if classic.as_ref().is_some_and(|p| {
        p.get("required_pull_request_reviews")
            .is_some_and(|r| !r.is_null())
    }) {
        required.push("pull request reviews (classic branch protection)".to_owned());
    }
    let rules = client
        .get_rules_for_branch(&request.repo, &request.branch)
        .await?;
    required.extend(
        rules
            .iter()
            .filter(|rule| rule["type"] == "pull_request")
            .map(|rule| format!("pull_request ({})", ruleset_named(rule))),
    );
    Ok(required)
}

fn ruleset_named(rule: &Value) -> String {
    let id = rule["ruleset_id"].as_u64().unwrap_or(0);
    match rule["ruleset_source_type"].as_str() {
        Some("Organization") => format!("organization ruleset {id}"),
        _ => format!("ruleset {id}"),
    }
}

/// The branch's `bypass` rule suites, each read again for the rules it bypassed.
async fn read_bypass_suites(
    client: &GitHubClient,
    request: &ReconcileRequest,
) -> Result<Vec<crate::forge::github::RuleSuite>, ForgeError> {
    let listed = client
        .list_rule_suites(
            &request.repo,
            &RuleSuiteQuery {
                branch: request.branch.clone(),
                time_period: rule_suite_period(request.since).to_owned(),
                result: "bypass".to_owned(),
                per_page: request.per_page,
            },
        )
        .await?;
    let mut suites = Vec::with_capacity(listed.len());
    for suite in listed {
        suites.push(client.get_rule_suite(&request.repo, suite.id).await?);
    }
    Ok(suites)
}
