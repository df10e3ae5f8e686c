//! The classic-protection half of the relax planner: which settings block the pusher and
//! the requests that lift exactly those (sub-resources where they exist, one full PUT
//! where a setting has none). Pure: it describes requests, it never sends them.

use super::Permission;
use super::classic::ClassicProtection;
use super::plan::{PlanInput, RelaxStep, StepRestore, StepScope};
use super::request::{ApiCall, HttpMethod, protection_path};
use super::snapshot::ProtectionSnapshot;
use serde::{Deserialize, Serialize};
use serde_json::json;

const OP_PUT: &str = "repos/update-branch-protection";
const FULL_PUT_PURPOSE: &str = "replace the protection with a relaxed copy \
     (lock_branch and required_linear_history have no sub-resource of their own)";

/// What the plan changes in classic protection; all `false`/`None` = nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassicRelaxation {
    /// Admins only: turn off "Do not allow bypassing the above settings".
    pub disable_enforce_admins: bool,
    pub remove_reviews: bool,
    pub remove_status_checks: bool,
    pub remove_signatures: bool,
    /// Add this login to the users allowed to push.
    pub add_push_user: Option<String>,
    /// `lock_branch` has no sub-resource: needs a full PUT.
    pub unlock_branch: bool,
    /// `required_linear_history` (only when the push has merges) has no sub-resource.
    pub allow_merge_commits: bool,
}

impl ClassicRelaxation {
    pub fn is_unchanged(&self) -> bool {
        *self == ClassicRelaxation::default()
    }

    /// A setting without a sub-resource must change, so the change is one full PUT.
    pub fn needs_full_put(&self) -> bool {
        self.unlock_branch || self.allow_merge_commits
    }

    /// The protection as it will be once the relaxation is applied.
    pub fn apply(&self, before: &ClassicProtection) -> ClassicProtection {
        let mut after = before.clone();
        after.enforce_admins &= !self.disable_enforce_admins;
        if self.remove_reviews {
            after.required_pull_request_reviews = None;
        }
        if self.remove_status_checks {
            after.required_status_checks = None;
        }
        after.required_signatures &= !self.remove_signatures;
        if let (Some(login), Some(restrictions)) = (&self.add_push_user, &mut after.restrictions) {
            restrictions.users.push(login.clone());
        }
        after.lock_branch &= !self.unlock_branch;
        after.required_linear_history &= !self.allow_merge_commits;
        after
    }
}

pub(super) fn classic_relaxation(p: &ClassicProtection, input: &PlanInput) -> ClassicRelaxation {
    let pusher = &input.pusher;
    if pusher.permission == Permission::Admin {
        // Admins bypass classic protection (a locked branch included) unless told not to.
        return ClassicRelaxation {
            disable_enforce_admins: p.enforce_admins,
            ..ClassicRelaxation::default()
        };
    }
    let restricted = input.snapshot.owner_is_org
        && p.restrictions
            .as_ref()
            .is_some_and(|r| !r.has_user(&pusher.login));
    ClassicRelaxation {
        disable_enforce_admins: false,
        // bypass_pull_request_allowances waives only the review requirement.
        remove_reviews: p.required_pull_request_reviews.as_ref().is_some_and(|r| {
            !r.bypass_pull_request_allowances
                .as_ref()
                .is_some_and(|a| a.has_user(&pusher.login))
        }),
        remove_status_checks: p.required_status_checks.is_some(),
        remove_signatures: p.required_signatures,
        add_push_user: restricted.then(|| pusher.login.clone()),
        unlock_branch: p.lock_branch,
        allow_merge_commits: p.required_linear_history && input.pushed_has_merges,
    }
}

pub(super) fn classic_steps(
    snapshot: &ProtectionSnapshot,
    p: &ClassicProtection,
    relax: &ClassicRelaxation,
) -> Vec<RelaxStep> {
    let (repo, branch) = (&snapshot.repo, snapshot.branch.as_str());
    let path = |suffix: &str| protection_path(repo, branch, suffix);
    let step = |call: ApiCall, purpose: &str, restore: StepRestore| RelaxStep {
        scope: StepScope::Classic,
        call,
        purpose: purpose.to_owned(),
        restore,
    };
    let mut steps = Vec::new();
    if relax.disable_enforce_admins {
        steps.push(step(
            ApiCall::new(
                HttpMethod::Delete,
                path("/enforce_admins"),
                "repos/delete-admin-branch-protection",
            ),
            "turn off 'Do not allow bypassing the above settings'",
            StepRestore::Call(ApiCall::new(
                HttpMethod::Post,
                path("/enforce_admins"),
                "repos/set-admin-branch-protection",
            )),
        ));
    }
    if relax.needs_full_put() {
        let body = relax.apply(p).to_put_body(snapshot.owner_is_org);
        steps.push(step(
            ApiCall::new(HttpMethod::Put, path(""), OP_PUT).with_body(body),
            FULL_PUT_PURPOSE,
            StepRestore::FullClassicPut,
        ));
    } else {
        let removals = [
            (
                relax.remove_reviews,
                "/required_pull_request_reviews",
                "repos/delete-pull-request-review-protection",
                "remove the required pull request reviews",
            ),
            (
                relax.remove_status_checks,
                "/required_status_checks",
                "repos/remove-status-check-protection",
                "remove the required status checks",
            ),
        ];
        for (wanted, suffix, op, purpose) in removals {
            if wanted {
                steps.push(step(
                    ApiCall::new(HttpMethod::Delete, path(suffix), op),
                    purpose,
                    StepRestore::FullClassicPut,
                ));
            }
        }
        if let Some(login) = &relax.add_push_user {
            let body = json!({"users": [login]});
            steps.push(step(
                ApiCall::new(
                    HttpMethod::Post,
                    path("/restrictions/users"),
                    "repos/add-user-access-restrictions",
                )
                .with_body(body.clone()),
                "allow the pusher through the push restrictions",
                StepRestore::Call(
                    ApiCall::new(
                        HttpMethod::Delete,
                        path("/restrictions/users"),
                        "repos/remove-user-access-restrictions",
                    )
                    .with_body(body),
                ),
            ));
        }
    }
    if relax.remove_signatures {
        // Not a PUT body field: it has to go through its sub-resource either way.
        steps.push(step(
            ApiCall::new(
                HttpMethod::Delete,
                path("/required_signatures"),
                "repos/delete-commit-signature-protection",
            ),
            "stop requiring signed commits",
            StepRestore::Call(ApiCall::new(
                HttpMethod::Post,
                path("/required_signatures"),
                "repos/create-commit-signature-protection",
            )),
        ));
    }
    steps
}
