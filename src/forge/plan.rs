//! The relax planner: from a protection snapshot and the pushing identity to the least
//! change that lets that identity push the branch fast-forward (forge-api §8 "Activate"),
//! as data. Pure: it describes requests, it never sends them.

use super::diff::{Difference, diff};
use super::request::{ApiCall, HttpMethod, ruleset_update};
use super::ruleset::{RuleEffect, RulesetSource, rule_effect, user_bypass_actor};
use super::snapshot::{ClassicState, ProtectionSnapshot, RulesetSnapshot};
use super::{Permission, RepoId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;

pub use super::plan_classic::ClassicRelaxation;
use super::plan_classic::{classic_relaxation, classic_steps};
pub use super::plan_text::PlanRefusal;

/// Who will push, as the forge knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pusher {
    pub login: String,
    /// The numeric user id that ruleset bypass actors name.
    pub id: u64,
    /// Their permission on the repository.
    pub permission: Permission,
    /// Owner of the organization that owns the repository (may relax org rulesets).
    pub is_org_admin: bool,
}

/// Everything the planner decides from. `current_user_can_bypass` in the snapshot's
/// rulesets is read as the pusher's, so the snapshot should be taken with the pusher's
/// token (or the caller should clear it).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanInput<'a> {
    pub snapshot: &'a ProtectionSnapshot,
    pub pusher: Pusher,
    /// Ids of the rulesets the acting token may update (repository admin for repository
    /// rulesets, organization admin for the organization's).
    pub administrable_rulesets: BTreeSet<u64>,
    /// The outgoing commits include a merge commit (linear-history rules then block).
    pub pushed_has_merges: bool,
    /// Classic settings a REST PUT cannot carry and would lose (read through GraphQL:
    /// required deployments, a force-push allow-list, a wildcard pattern rule). Any plan
    /// whose apply or restore needs a full PUT is refused while this, or the snapshot's
    /// own [`unwritable_by_rest`](super::classic::ClassicProtection::unwritable_by_rest),
    /// is not empty.
    pub settings_lost_by_put: Vec<String>,
}

/// One ruleset the pusher is temporarily allowed to bypass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesetBypass {
    pub source: RulesetSource,
    pub id: u64,
    pub name: String,
    /// The rule types that made the bypass necessary.
    pub blocking_rules: Vec<String>,
    /// Other rules of the ruleset that the bypass waives as well (bypass is per ruleset).
    pub also_waives: Vec<String>,
}

/// Which protection a step touches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepScope {
    Classic,
    Ruleset { source: RulesetSource, id: u64 },
}

/// How a step is undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "call", rename_all = "snake_case")]
pub enum StepRestore {
    /// This exact call undoes the step.
    Call(ApiCall),
    /// Only a full converted PUT of the snapshot (then its `required_signatures`) puts
    /// this back exactly.
    FullClassicPut,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelaxStep {
    pub scope: StepScope,
    pub call: ApiCall,
    /// Why, in the operator's words.
    pub purpose: String,
    pub restore: StepRestore,
}

/// The least change, as data (recorded in `activation_intended` before it is applied).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelaxPlan {
    pub repo: RepoId,
    pub branch: String,
    pub pusher: Pusher,
    pub classic: ClassicRelaxation,
    pub rulesets: Vec<RulesetBypass>,
    pub steps: Vec<RelaxStep>,
    /// What stays in force or what the operator should know.
    pub notes: Vec<String>,
}

/// Plans the least change that lets `input.pusher` push `input.snapshot.branch`
/// fast-forward. Force pushes and deletions stay blocked: the plan never turns on
/// `allow_force_pushes`/`allow_deletions` and never removes a rule.
pub fn plan(input: &PlanInput) -> Result<RelaxPlan, PlanRefusal> {
    let snapshot = input.snapshot;
    let pusher = &input.pusher;
    if !pusher.permission.can_push() {
        return Err(PlanRefusal::NoPushPermission {
            login: crate::text::sanitize_line(&pusher.login),
            repo: snapshot.repo.clone(),
            permission: pusher.permission,
        });
    }
    let mut plan = RelaxPlan {
        repo: snapshot.repo.clone(),
        branch: snapshot.branch.clone(),
        pusher: pusher.clone(),
        classic: ClassicRelaxation::default(),
        rulesets: Vec::new(),
        steps: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(protection) = snapshot.classic.protection() {
        plan.classic = classic_relaxation(&protection, input);
        plan.steps = classic_steps(snapshot, &protection, &plan.classic);
        let needs_put = plan
            .steps
            .iter()
            .any(|s| s.restore == StepRestore::FullClassicPut);
        // Refused rather than written through GraphQL: the restore must be provable by
        // the same REST read-back that took the snapshot, and an admin's plan (which
        // only toggles enforce_admins) still works on such a branch.
        let mut lost = input.settings_lost_by_put.clone();
        lost.extend(protection.unwritable_by_rest(snapshot.owner_is_org));
        if needs_put && !lost.is_empty() {
            return Err(PlanRefusal::FullPutWouldLoseSettings {
                repo: snapshot.repo.clone(),
                branch: crate::text::sanitize_line(&snapshot.branch),
                settings: crate::text::sanitize_line(&lost.join(", ")),
            });
        }
    }
    for ruleset in &snapshot.rulesets {
        plan_ruleset(input, ruleset, &mut plan)?;
    }
    Ok(plan)
}

fn plan_ruleset(
    input: &PlanInput,
    entry: &RulesetSnapshot,
    plan: &mut RelaxPlan,
) -> Result<(), PlanRefusal> {
    let ruleset = &entry.ruleset;
    if !ruleset.is_active() {
        return Ok(());
    }
    let name = crate::text::sanitize_line(ruleset.name());
    let mut blocking = Vec::new();
    let mut also_waives = Vec::new();
    let mut content_rules = Vec::new();
    for rule in ruleset.rule_types() {
        match rule_effect(rule) {
            RuleEffect::BlocksPush => blocking.push(rule.to_owned()),
            RuleEffect::BlocksMergeCommits if input.pushed_has_merges => {
                blocking.push(rule.to_owned())
            }
            RuleEffect::DependsOnContent => content_rules.push(rule.to_owned()),
            RuleEffect::BlocksMergeCommits | RuleEffect::ForcePushOrDeletionOnly => {
                also_waives.push(rule.to_owned())
            }
            RuleEffect::NotApplicable => {}
        }
    }
    if blocking.is_empty() {
        if !content_rules.is_empty() {
            plan.notes.push(format!(
                "ruleset '{name}' still checks {}: the pushed commits must satisfy it",
                content_rules.join(", ")
            ));
        }
        return Ok(());
    }
    let pusher = &input.pusher;
    if already_bypasses(entry, pusher) {
        plan.notes.push(format!(
            "{} already bypasses ruleset '{name}'; it is left alone",
            pusher.login
        ));
        return Ok(());
    }
    let refusal_ruleset = || (name.clone(), ruleset.id());
    match &entry.source {
        RulesetSource::Enterprise(enterprise) => {
            let (name, id) = refusal_ruleset();
            return Err(PlanRefusal::EnterpriseRuleset {
                enterprise: enterprise.clone(),
                name,
                id,
            });
        }
        RulesetSource::Organization(org) if !pusher.is_org_admin => {
            let (name, id) = refusal_ruleset();
            return Err(PlanRefusal::OrgRulesetNeedsOrgAdmin {
                login: pusher.login.clone(),
                org: org.clone(),
                name,
                id,
            });
        }
        _ => {}
    }
    if !input.administrable_rulesets.contains(&ruleset.id()) {
        let (name, id) = refusal_ruleset();
        return Err(PlanRefusal::CannotAdministerRuleset {
            repo: plan.repo.clone(),
            name,
            id,
        });
    }
    let Some(before) = ruleset.bypass_actors() else {
        let (name, id) = refusal_ruleset();
        return Err(PlanRefusal::BypassListUnreadable { name, id });
    };
    let mut actors = before.clone();
    actors.push(user_bypass_actor(pusher.id));
    let (path, op) = ruleset_update(&plan.repo, &entry.source, ruleset.id());
    let restore_body = ruleset.writable_body_with(before.clone());
    also_waives.extend(content_rules);
    plan.steps.push(RelaxStep {
        scope: StepScope::Ruleset {
            source: entry.source.clone(),
            id: ruleset.id(),
        },
        call: ApiCall::new(HttpMethod::Put, path.clone(), op)
            .with_body(ruleset.writable_body_with(actors)),
        purpose: format!("let {} bypass ruleset '{name}'", pusher.login),
        restore: StepRestore::Call(ApiCall::new(HttpMethod::Put, path, op).with_body(restore_body)),
    });
    plan.rulesets.push(RulesetBypass {
        source: entry.source.clone(),
        id: ruleset.id(),
        name,
        blocking_rules: blocking,
        also_waives,
    });
    Ok(())
}

/// The token's own `current_user_can_bypass` (meaningful when the pusher holds the token
/// that read the ruleset) or an existing `always` bypass for this user.
fn already_bypasses(entry: &RulesetSnapshot, pusher: &Pusher) -> bool {
    let ruleset = &entry.ruleset;
    if matches!(ruleset.current_user_can_bypass(), Some("always" | "exempt")) {
        return true;
    }
    ruleset.bypass_actors().is_some_and(|actors| {
        actors.iter().any(|a| {
            let mode = a
                .get("bypass_mode")
                .and_then(Value::as_str)
                .unwrap_or("always");
            match a.get("actor_type").and_then(Value::as_str) {
                Some("User") => {
                    a.get("actor_id").and_then(Value::as_u64) == Some(pusher.id)
                        && mode != "pull_request"
                }
                Some("OrganizationAdmin") => pusher.is_org_admin && mode != "pull_request",
                _ => false,
            }
        })
    })
}

/// The normalised state we expect after applying `plan` to `snapshot` ("ours").
pub fn expected_after(snapshot: &ProtectionSnapshot, plan: &RelaxPlan) -> Value {
    let mut after = snapshot.clone();
    if let Some(protection) = snapshot.classic.protection() {
        after.classic = ClassicState::from_protection(&plan.classic.apply(&protection));
    }
    for bypass in &plan.rulesets {
        if let Some(entry) = after
            .rulesets
            .iter_mut()
            .find(|r| r.source == bypass.source && r.ruleset.id() == bypass.id)
        {
            let mut raw = entry.ruleset.raw().clone();
            if let Some(Value::Array(actors)) = raw.get_mut("bypass_actors") {
                actors.push(user_bypass_actor(plan.pusher.id));
            }
            entry.ruleset = super::ruleset::Ruleset::from_get(raw).expect("still a ruleset");
        }
    }
    after.normalized()
}

impl RelaxPlan {
    /// Nothing needs to change for this push.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The change as a before/after diff of the normalised state.
    pub fn diff(&self, snapshot: &ProtectionSnapshot) -> Vec<Difference> {
        diff(&snapshot.normalized(), &expected_after(snapshot, self))
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
