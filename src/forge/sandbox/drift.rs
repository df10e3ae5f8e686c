//! Drift: "someone else" edits a branch's protection mid-window, as a colleague in the
//! web UI would. The edit is fixed and recognisable: the required approving review count
//! becomes 2.
//!
//! Changes state only; deciding when to drift is the fault table's job.

use super::model::{ForgeState, Reviews};
use super::scope::covers_branch;
use chrono::{DateTime, Utc};
use serde_json::json;

/// The review count a drift sets.
pub const DRIFTED_REVIEW_COUNT: u8 = 2;

/// Applies the drift edit to `repo` (`owner/name`) `branch`; says what changed.
pub fn apply(
    state: &mut ForgeState,
    repo: &str,
    branch: &str,
    now: DateTime<Utc>,
) -> Result<String, String> {
    let (owner, name) = repo
        .split_once('/')
        .ok_or_else(|| format!("`{repo}` is not OWNER/NAME"))?;
    let index = state
        .repo_index(owner, name)
        .ok_or_else(|| format!("no repository {repo} in the sandbox"))?;
    let record = &mut state.repos[index];
    if let Some(protection) = record.protections.get_mut(branch) {
        let reviews = protection
            .required_pull_request_reviews
            .get_or_insert_with(Reviews::default);
        reviews.required_approving_review_count = DRIFTED_REVIEW_COUNT;
        return Ok(format!(
            "classic protection of {repo}:{branch}: required_approving_review_count set to {DRIFTED_REVIEW_COUNT}"
        ));
    }
    let default_branch = record.default_branch.clone();
    let ruleset = record
        .rulesets
        .iter_mut()
        .find(|r| covers_branch(r, branch, &default_branch))
        .ok_or_else(|| {
            format!(
                "{repo}:{branch} has neither classic protection nor a repository ruleset to drift"
            )
        })?;
    ruleset.updated_at = now;
    let count = json!(DRIFTED_REVIEW_COUNT);
    match ruleset
        .rules
        .iter_mut()
        .find(|r| r["type"] == "pull_request")
    {
        Some(rule) => rule["parameters"]["required_approving_review_count"] = count,
        None => ruleset
            .rules
            .push(json!({"type": "pull_request", "parameters": {
            "required_approving_review_count": count, "dismiss_stale_reviews_on_push": false,
            "require_code_owner_review": false, "require_last_push_approval": false,
            "required_review_thread_resolution": false}})),
    }
    Ok(format!(
        "ruleset {} ({}) on {repo}: pull_request required_approving_review_count set to {DRIFTED_REVIEW_COUNT}",
        ruleset.id, ruleset.name
    ))
}
