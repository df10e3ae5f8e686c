//! Restore and verify, as pure logic: the requests that put a snapshot back (forge-api
//! §1.4, §2.3, §8 "Restore"), the drift decision taken before restoring, and the
//! read-back verdict. Nothing here sends a request.

use super::classic::ClassicProtection;
use super::diff::{Difference, ThreeWayDifference, diff, three_way};
use super::plan::{RelaxPlan, StepRestore, StepScope};
use super::request::{ApiCall, HttpMethod, protection_path, ruleset_update};
use super::snapshot::ProtectionSnapshot;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreStep {
    pub call: ApiCall,
    /// Why, in the operator's words.
    pub purpose: String,
    /// A 404 means the state is already as wanted (e.g. DELETE of signatures that are off).
    pub ignore_not_found: bool,
}

/// What to do before restoring, from the state read back just now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum RestoreDecision {
    /// The current state already equals the snapshot: nothing to do.
    AlreadyRestored,
    /// The current state is what we wrote: undo our plan.
    Restore,
    /// Someone else changed protection during the window. The default is to restore the
    /// whole snapshot ([`full_restore`]) and record the drift.
    Drift {
        differences: Vec<ThreeWayDifference>,
    },
}

/// The steps that undo `plan`, in order: a full converted PUT of the snapshot and its
/// `required_signatures` follow-up when a sub-resource was removed or a full PUT was made,
/// otherwise each step's exact inverse (latest first); then each bypassed ruleset's
/// snapshot writable object with `bypass_actors` exactly as before.
pub fn restore_plan(snapshot: &ProtectionSnapshot, plan: &RelaxPlan) -> Vec<RestoreStep> {
    let full_classic = plan
        .steps
        .iter()
        .any(|s| s.restore == StepRestore::FullClassicPut);
    let mut steps = Vec::new();
    if full_classic {
        steps.extend(classic_restore(snapshot));
    }
    for step in plan.steps.iter().rev() {
        let StepRestore::Call(call) = &step.restore else {
            continue;
        };
        if full_classic && step.scope == StepScope::Classic {
            continue;
        }
        steps.push(RestoreStep {
            call: call.clone(),
            purpose: format!("undo: {}", step.purpose),
            ignore_not_found: false,
        });
    }
    steps
}

/// Every request that puts the whole snapshot back regardless of what changed: used when
/// drift was found, and safe to repeat. A ruleset whose bypass list was never readable
/// cannot have been changed by a plan and is left alone.
pub fn full_restore(snapshot: &ProtectionSnapshot) -> Vec<RestoreStep> {
    let mut steps = classic_restore(snapshot);
    for entry in &snapshot.rulesets {
        let Some(body) = entry.ruleset.writable_body() else {
            continue;
        };
        let (path, op) = ruleset_update(&snapshot.repo, &entry.source, entry.ruleset.id());
        steps.push(RestoreStep {
            call: ApiCall::new(HttpMethod::Put, path, op).with_body(body),
            purpose: format!(
                "put ruleset '{}' back as it was",
                crate::text::sanitize_line(entry.ruleset.name())
            ),
            ignore_not_found: false,
        });
    }
    steps
}

pub(super) fn classic_restore(snapshot: &ProtectionSnapshot) -> Vec<RestoreStep> {
    let path = |suffix: &str| protection_path(&snapshot.repo, &snapshot.branch, suffix);
    let Some(protection) = snapshot.classic.protection() else {
        return vec![RestoreStep {
            call: ApiCall::new(
                HttpMethod::Delete,
                path(""),
                "repos/delete-branch-protection",
            ),
            purpose: "remove classic protection: the branch had none".to_owned(),
            ignore_not_found: true,
        }];
    };
    if !protection
        .unwritable_by_rest(snapshot.owner_is_org)
        .is_empty()
    {
        return sub_resource_restore(snapshot, &protection);
    }
    let put = RestoreStep {
        call: ApiCall::new(HttpMethod::Put, path(""), "repos/update-branch-protection")
            .with_body(protection.to_put_body(snapshot.owner_is_org)),
        purpose: "put classic protection back exactly as snapshotted".to_owned(),
        ignore_not_found: false,
    };
    vec![put, signatures_step(snapshot, &protection)]
}

/// For a snapshot a PUT cannot reproduce (the planner then only allowed plans undone by
/// sub-resources): put back everything a plan may have changed through the sub-resources
/// that hold it, and never send the PUT that would widen what REST cannot express.
/// Whatever else someone changed during the window stays changed, and the read-back
/// verification reports it.
fn sub_resource_restore(
    snapshot: &ProtectionSnapshot,
    protection: &ClassicProtection,
) -> Vec<RestoreStep> {
    let path = protection_path(&snapshot.repo, &snapshot.branch, "/enforce_admins");
    let admins = if protection.enforce_admins {
        RestoreStep {
            call: ApiCall::new(HttpMethod::Post, path, "repos/set-admin-branch-protection"),
            purpose: "turn 'Do not allow bypassing the above settings' back on \
                      (a full update would widen settings it cannot express)"
                .to_owned(),
            ignore_not_found: false,
        }
    } else {
        RestoreStep {
            call: ApiCall::new(
                HttpMethod::Delete,
                path,
                "repos/delete-admin-branch-protection",
            ),
            purpose: "keep 'Do not allow bypassing the above settings' off, as snapshotted \
                      (a full update would widen settings it cannot express)"
                .to_owned(),
            ignore_not_found: true,
        }
    };
    let mut steps = vec![admins];
    steps.extend(restrictions_restore(snapshot, protection));
    steps.push(signatures_step(snapshot, protection));
    steps
}

/// Push restrictions through their own lists: each list set back exactly, or the
/// restriction removed when the snapshot had none.
fn restrictions_restore(
    snapshot: &ProtectionSnapshot,
    protection: &ClassicProtection,
) -> Vec<RestoreStep> {
    let path = |suffix: &str| protection_path(&snapshot.repo, &snapshot.branch, suffix);
    let Some(actors) = protection
        .restrictions
        .as_ref()
        .filter(|_| snapshot.owner_is_org)
    else {
        return vec![RestoreStep {
            call: ApiCall::new(
                HttpMethod::Delete,
                path("/restrictions"),
                "repos/delete-access-restrictions",
            ),
            purpose: "keep pushes unrestricted, as snapshotted".to_owned(),
            ignore_not_found: true,
        }];
    };
    [
        ("users", "repos/set-user-access-restrictions", &actors.users),
        ("teams", "repos/set-team-access-restrictions", &actors.teams),
        ("apps", "repos/set-app-access-restrictions", &actors.apps),
    ]
    .into_iter()
    .map(|(kind, op, names)| RestoreStep {
        call: ApiCall::new(HttpMethod::Put, path(&format!("/restrictions/{kind}")), op)
            .with_body(serde_json::json!({ kind: names })),
        purpose: format!("put the {kind} allowed to push back as snapshotted"),
        ignore_not_found: false,
    })
    .collect()
}

fn signatures_step(snapshot: &ProtectionSnapshot, protection: &ClassicProtection) -> RestoreStep {
    let path = |suffix: &str| protection_path(&snapshot.repo, &snapshot.branch, suffix);
    if protection.signatures_follow_up() {
        RestoreStep {
            call: ApiCall::new(
                HttpMethod::Post,
                path("/required_signatures"),
                "repos/create-commit-signature-protection",
            ),
            purpose: "require signed commits again".to_owned(),
            ignore_not_found: false,
        }
    } else {
        RestoreStep {
            call: ApiCall::new(
                HttpMethod::Delete,
                path("/required_signatures"),
                "repos/delete-commit-signature-protection",
            ),
            purpose: "keep signed commits not required, as snapshotted".to_owned(),
            ignore_not_found: true,
        }
    }
}

/// Compares the state read back before restoring (`theirs`) with the snapshot and with
/// what the plan wrote (`ours`, from [`expected_after`](super::plan::expected_after)).
pub fn classify_before_restore(
    snapshot: &ProtectionSnapshot,
    ours: &Value,
    theirs: &Value,
) -> RestoreDecision {
    let before = snapshot.normalized();
    if theirs == &before {
        RestoreDecision::AlreadyRestored
    } else if theirs == ours {
        RestoreDecision::Restore
    } else {
        RestoreDecision::Drift {
            differences: three_way(&before, ours, theirs),
        }
    }
}

impl RestoreDecision {
    /// The default action for this decision: nothing, the plan's inverse, or (on drift)
    /// the whole snapshot.
    pub fn default_steps(
        &self,
        snapshot: &ProtectionSnapshot,
        plan: &RelaxPlan,
    ) -> Vec<RestoreStep> {
        match self {
            RestoreDecision::AlreadyRestored => Vec::new(),
            RestoreDecision::Restore => restore_plan(snapshot, plan),
            RestoreDecision::Drift { .. } => full_restore(snapshot),
        }
    }
}

/// After restoring: the normalised state read back must equal the snapshot's; any
/// remaining difference is a failure.
pub fn verify(snapshot: &ProtectionSnapshot, read_back: &Value) -> Result<(), Vec<Difference>> {
    let differences = diff(&snapshot.normalized(), read_back);
    if differences.is_empty() {
        Ok(())
    } else {
        Err(differences)
    }
}
