//! Unit tests for the relax planner and restore logic: each strategy, each refusal,
//! drift classification and verification.

use super::*;
use crate::forge::restore::{
    RestoreDecision, classify_before_restore, full_restore, restore_plan, verify,
};
use chrono::{TimeZone, Utc};
use serde_json::json;

fn seeded_classic() -> Value {
    json!({
        "url": "x",
        "required_status_checks": {"strict": true, "contexts": ["ci"], "checks": [{"context": "ci", "app_id": null}]},
        "enforce_admins": {"url": "x", "enabled": true},
        "required_signatures": {"url": "x", "enabled": false},
        "required_pull_request_reviews": {"required_approving_review_count": 1, "dismiss_stale_reviews": false},
        "allow_force_pushes": {"enabled": false}
    })
}

fn snapshot_with(classic: Option<Value>, rulesets: Vec<Value>) -> ProtectionSnapshot {
    ProtectionSnapshot {
        repo: RepoId::new("acme", "api"),
        branch: "main".into(),
        owner_is_org: true,
        taken_at: Utc.with_ymd_and_hms(2026, 11, 29, 1, 0, 0).unwrap(),
        classic: ClassicState::from_get(classic).unwrap(),
        rulesets: rulesets
            .into_iter()
            .map(|r| RulesetSnapshot::from_get(r).unwrap())
            .collect(),
        pre_sha: None,
    }
}

fn ruleset(id: u64, rules: &[&str]) -> Value {
    json!({
        "id": id, "name": format!("rules {id}"), "target": "branch", "enforcement": "active",
        "source_type": "Repository", "source": "acme/api", "current_user_can_bypass": "never",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "bypass_actors": [{"actor_type": "Team", "actor_id": 9, "bypass_mode": "always"}],
        "rules": rules.iter().map(|t| json!({"type": t})).collect::<Vec<_>>()
    })
}

fn pusher(login: &str, permission: Permission) -> Pusher {
    Pusher {
        login: login.into(),
        id: 1001,
        permission,
        is_org_admin: false,
    }
}

fn input<'a>(snapshot: &'a ProtectionSnapshot, pusher: Pusher) -> PlanInput<'a> {
    PlanInput {
        snapshot,
        pusher,
        administrable_rulesets: snapshot.rulesets.iter().map(|r| r.ruleset.id()).collect(),
        pushed_has_merges: false,
        settings_lost_by_put: Vec::new(),
    }
}

fn ops(plan: &RelaxPlan) -> Vec<String> {
    plan.steps
        .iter()
        .map(|s| format!("{} {}", s.call.method, s.call.operation_id))
        .collect()
}

#[test]
fn an_admin_under_enforce_admins_only_turns_it_off() {
    let snap = snapshot_with(Some(seeded_classic()), vec![]);
    let plan = plan(&input(&snap, pusher("commander", Permission::Admin))).unwrap();
    assert_eq!(
        ops(&plan),
        vec!["DELETE repos/delete-admin-branch-protection"]
    );
    assert_eq!(
        plan.steps[0].call.path,
        "/repos/acme/api/branches/main/protection/enforce_admins"
    );
    assert_eq!(
        plan.describe(),
        "Turn off 'Do not allow bypassing the above settings' on acme/api main so that commander (admin) can push; nothing else changes."
    );
    let diff = plan.diff(&snap);
    assert_eq!(diff.len(), 1);
    assert_eq!(diff[0].path, "classic.enforce_admins");
    let restore = restore_plan(&snap, &plan);
    assert_eq!(restore.len(), 1);
    assert_eq!(
        restore[0].call.operation_id,
        "repos/set-admin-branch-protection"
    );
    assert_eq!(restore[0].call.method, HttpMethod::Post);
}

#[test]
fn an_admin_without_enforce_admins_needs_nothing() {
    let mut classic = seeded_classic();
    classic["enforce_admins"]["enabled"] = json!(false);
    let snap = snapshot_with(Some(classic), vec![]);
    let plan = plan(&input(&snap, pusher("commander", Permission::Admin))).unwrap();
    assert!(plan.is_empty());
    assert!(
        plan.describe()
            .starts_with("Nothing stops commander (admin) pushing to acme/api main")
    );
    assert!(restore_plan(&snap, &plan).is_empty());
}

#[test]
fn a_writer_loses_only_the_blocking_sub_resources() {
    let snap = snapshot_with(Some(seeded_classic()), vec![]);
    let plan = plan(&input(&snap, pusher("dev", Permission::Write))).unwrap();
    assert_eq!(
        ops(&plan),
        vec![
            "DELETE repos/delete-pull-request-review-protection",
            "DELETE repos/remove-status-check-protection"
        ]
    );
    assert!(
        !plan.classic.disable_enforce_admins,
        "enforce_admins does not stop a writer"
    );
    let after = expected_after(&snap, &plan);
    assert_eq!(after["classic"]["enforce_admins"], json!(true));
    assert_eq!(
        after["classic"]["required_pull_request_reviews"],
        Value::Null
    );
    let restore = restore_plan(&snap, &plan);
    assert_eq!(
        restore[0].call.operation_id,
        "repos/update-branch-protection"
    );
    assert_eq!(
        restore[0].call.body,
        Some(snap.classic.protection().unwrap().to_put_body(true))
    );
    assert_eq!(
        restore[1].call.operation_id,
        "repos/delete-commit-signature-protection"
    );
    assert!(restore[1].ignore_not_found);
}

#[test]
fn a_maintainer_outside_push_restrictions_is_added_and_removed_exactly() {
    let mut classic = json!({"restrictions": {"users": [{"login": "ops"}], "teams": [], "apps": []},
            "enforce_admins": {"enabled": false}});
    classic["required_signatures"] = json!({"enabled": true});
    let snap = snapshot_with(Some(classic), vec![]);
    let plan = plan(&input(&snap, pusher("dev", Permission::Maintain))).unwrap();
    assert_eq!(
        ops(&plan),
        vec![
            "POST repos/add-user-access-restrictions",
            "DELETE repos/delete-commit-signature-protection"
        ]
    );
    assert_eq!(plan.steps[0].call.body, Some(json!({"users": ["dev"]})));
    let restore = restore_plan(&snap, &plan);
    let restore_ops: Vec<&str> = restore
        .iter()
        .map(|s| s.call.operation_id.as_str())
        .collect();
    assert_eq!(
        restore_ops,
        vec![
            "repos/create-commit-signature-protection",
            "repos/remove-user-access-restrictions"
        ]
    );
    assert!(
        plan.describe()
            .contains("add dev to the users allowed to push")
    );
}

#[test]
fn a_listed_pusher_is_not_added_again() {
    let classic = json!({"restrictions": {"users": [{"login": "Dev"}], "teams": []},
        "enforce_admins": {"enabled": false}, "required_signatures": {"enabled": false}});
    let snap = snapshot_with(Some(classic), vec![]);
    assert!(
        plan(&input(&snap, pusher("dev", Permission::Write)))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_locked_branch_needs_one_full_put_that_keeps_force_pushes_blocked() {
    let mut classic = seeded_classic();
    classic["lock_branch"] = json!({"enabled": true});
    let snap = snapshot_with(Some(classic), vec![]);
    let plan = plan(&input(&snap, pusher("dev", Permission::Write))).unwrap();
    assert_eq!(ops(&plan), vec!["PUT repos/update-branch-protection"]);
    let body = plan.steps[0].call.body.clone().unwrap();
    assert_eq!(body["lock_branch"], json!(false));
    assert_eq!(body["required_pull_request_reviews"], Value::Null);
    assert_eq!(body["required_status_checks"], Value::Null);
    assert_eq!(body["enforce_admins"], json!(true));
    assert_eq!(body["allow_force_pushes"], json!(false));
    assert_eq!(body["allow_deletions"], json!(false));
    assert!(plan.describe().contains("unlock the branch"));
    assert_eq!(
        restore_plan(&snap, &plan)[0].call.operation_id,
        "repos/update-branch-protection"
    );
}

#[test]
fn linear_history_only_matters_for_merge_commits() {
    let classic = json!({"required_linear_history": {"enabled": true},
        "enforce_admins": {"enabled": false}, "required_signatures": {"enabled": false}});
    let snap = snapshot_with(Some(classic), vec![]);
    let mut inp = input(&snap, pusher("dev", Permission::Write));
    assert!(plan(&inp).unwrap().is_empty());
    inp.pushed_has_merges = true;
    let plan = plan(&inp).unwrap();
    assert_eq!(ops(&plan), vec!["PUT repos/update-branch-protection"]);
    assert_eq!(
        plan.steps[0].call.body.as_ref().unwrap()["required_linear_history"],
        json!(false)
    );
}

#[test]
fn read_triage_and_none_are_refused() {
    let snap = snapshot_with(Some(seeded_classic()), vec![]);
    for permission in [Permission::Read, Permission::Triage, Permission::None] {
        let refusal = plan(&input(&snap, pusher("dev", permission))).unwrap_err();
        assert!(matches!(refusal, PlanRefusal::NoPushPermission { .. }));
        assert!(
            refusal.to_string().starts_with(&format!(
                "dev has {permission} access to acme/api; pushing needs write"
            )),
            "{refusal}"
        );
    }
}

#[test]
fn a_blocking_ruleset_gets_a_user_bypass_and_says_what_else_it_waives() {
    let snap = snapshot_with(
        None,
        vec![ruleset(
            12,
            &["pull_request", "non_fast_forward", "deletion"],
        )],
    );
    let plan = plan(&input(&snap, pusher("dev", Permission::Write))).unwrap();
    assert_eq!(ops(&plan), vec!["PUT repos/update-repo-ruleset"]);
    let body = plan.steps[0].call.body.clone().unwrap();
    assert_eq!(
        body["bypass_actors"],
        json!([{"actor_type": "Team", "actor_id": 9, "bypass_mode": "always"},
               {"actor_type": "User", "actor_id": 1001, "bypass_mode": "always"}])
    );
    assert_eq!(body["rules"], snap.rulesets[0].ruleset.raw()["rules"]);
    let text = plan.describe();
    assert!(
        text.starts_with("Let dev bypass ruleset 'rules 12' (id 12) always on acme/api main"),
        "{text}"
    );
    assert!(text.contains("non_fast_forward, deletion"), "{text}");
    let restore = restore_plan(&snap, &plan);
    assert_eq!(restore.len(), 1);
    assert_eq!(
        restore[0].call.body.as_ref().unwrap()["bypass_actors"],
        json!([{"actor_type": "Team", "actor_id": 9, "bypass_mode": "always"}])
    );
}

#[test]
fn rulesets_that_do_not_block_a_fast_forward_push_are_left_alone() {
    let mut bypassing = ruleset(2, &["pull_request"]);
    bypassing["current_user_can_bypass"] = json!("always");
    let mut evaluating = ruleset(3, &["pull_request"]);
    evaluating["enforcement"] = json!("evaluate");
    let snap = snapshot_with(
        None,
        vec![
            ruleset(1, &["non_fast_forward", "deletion", "creation"]),
            bypassing,
            evaluating,
            ruleset(4, &["commit_message_pattern"]),
        ],
    );
    let plan = plan(&input(&snap, pusher("dev", Permission::Write))).unwrap();
    assert!(plan.is_empty(), "{:?}", plan.steps);
    assert!(
        plan.notes
            .iter()
            .any(|n| n.contains("commit_message_pattern"))
    );
    assert!(plan.notes.iter().any(|n| n.contains("already bypasses")));
}

#[test]
fn an_existing_user_bypass_is_not_duplicated() {
    let mut r = ruleset(5, &["update"]);
    r["bypass_actors"] = json!([{"actor_type": "User", "actor_id": 1001, "bypass_mode": "always"}]);
    let snap = snapshot_with(None, vec![r]);
    assert!(
        plan(&input(&snap, pusher("dev", Permission::Write)))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn org_rulesets_need_an_org_admin() {
    let mut r = ruleset(7, &["required_status_checks"]);
    r["source_type"] = json!("Organization");
    r["source"] = json!("acme");
    let snap = snapshot_with(None, vec![r]);
    let refusal = plan(&input(&snap, pusher("dev", Permission::Admin))).unwrap_err();
    assert!(
        matches!(refusal, PlanRefusal::OrgRulesetNeedsOrgAdmin { .. }),
        "{refusal}"
    );
    assert!(refusal.to_string().contains("ask an owner of acme"));
    let mut owner = pusher("dev", Permission::Admin);
    owner.is_org_admin = true;
    let plan = plan(&input(&snap, owner)).unwrap();
    assert_eq!(plan.steps[0].call.path, "/orgs/acme/rulesets/7");
    assert_eq!(plan.steps[0].call.operation_id, "repos/update-org-ruleset");
}

#[test]
fn a_ruleset_without_a_readable_bypass_list_is_refused() {
    let mut r = ruleset(8, &["pull_request"]);
    r.as_object_mut().unwrap().remove("bypass_actors");
    let snap = snapshot_with(None, vec![r]);
    let refusal = plan(&input(&snap, pusher("dev", Permission::Write))).unwrap_err();
    assert!(matches!(
        refusal,
        PlanRefusal::BypassListUnreadable { id: 8, .. }
    ));
}

#[test]
fn a_ruleset_the_token_cannot_administer_is_refused() {
    let snap = snapshot_with(None, vec![ruleset(9, &["pull_request"])]);
    let mut inp = input(&snap, pusher("dev", Permission::Write));
    inp.administrable_rulesets.clear();
    assert!(matches!(
        plan(&inp).unwrap_err(),
        PlanRefusal::CannotAdministerRuleset { id: 9, .. }
    ));
}

#[test]
fn enterprise_rulesets_are_refused() {
    let mut r = ruleset(10, &["pull_request"]);
    r["source_type"] = json!("Enterprise");
    r["source"] = json!("bigco");
    let snap = snapshot_with(None, vec![r]);
    assert!(matches!(
        plan(&input(&snap, pusher("dev", Permission::Admin))).unwrap_err(),
        PlanRefusal::EnterpriseRuleset { .. }
    ));
}

#[test]
fn the_plan_round_trips_through_json() {
    let snap = snapshot_with(Some(seeded_classic()), vec![ruleset(12, &["pull_request"])]);
    let plan = plan(&input(&snap, pusher("dev", Permission::Write))).unwrap();
    let back: RelaxPlan = serde_json::from_value(serde_json::to_value(&plan).unwrap()).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn restore_decisions_follow_the_read_back_state() {
    let snap = snapshot_with(Some(seeded_classic()), vec![]);
    let plan = plan(&input(&snap, pusher("commander", Permission::Admin))).unwrap();
    let ours = expected_after(&snap, &plan);
    assert_eq!(
        classify_before_restore(&snap, &ours, &snap.normalized()),
        RestoreDecision::AlreadyRestored
    );
    assert_eq!(
        classify_before_restore(&snap, &ours, &ours),
        RestoreDecision::Restore
    );
    let mut theirs = ours.clone();
    theirs["classic"]["lock_branch"] = json!(true);
    let decision = classify_before_restore(&snap, &ours, &theirs);
    let RestoreDecision::Drift { differences } = &decision else {
        panic!("{decision:?}")
    };
    assert_eq!(differences.len(), 1);
    assert_eq!(differences[0].path, "classic.lock_branch");
    assert_eq!(differences[0].snapshot, Some(json!(false)));
    assert_eq!(decision.default_steps(&snap, &plan), full_restore(&snap));
    assert!(
        RestoreDecision::AlreadyRestored
            .default_steps(&snap, &plan)
            .is_empty()
    );
}

#[test]
fn an_unprotected_snapshot_restores_by_deleting_protection() {
    let snap = snapshot_with(None, vec![]);
    let steps = full_restore(&snap);
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].call.operation_id, "repos/delete-branch-protection");
    assert!(steps[0].ignore_not_found);
}

#[test]
fn verify_fails_on_any_remaining_difference() {
    let snap = snapshot_with(Some(seeded_classic()), vec![ruleset(12, &["pull_request"])]);
    assert_eq!(verify(&snap, &snap.normalized()), Ok(()));
    let mut read_back = snap.normalized();
    read_back["rulesets"]["12"]["bypass_actors"] = json!([]);
    let differences = verify(&snap, &read_back).unwrap_err();
    assert_eq!(differences[0].path, "rulesets.12.bypass_actors[0]");
}

#[test]
fn a_writer_in_the_review_bypass_list_keeps_the_reviews() {
    let mut classic = seeded_classic();
    classic["required_pull_request_reviews"]["bypass_pull_request_allowances"] =
        json!({"users": [{"login": "dev"}], "teams": [], "apps": []});
    let snap = snapshot_with(Some(classic), vec![]);
    let plan = plan(&input(&snap, pusher("dev", Permission::Write))).unwrap();
    assert_eq!(
        ops(&plan),
        vec!["DELETE repos/remove-status-check-protection"]
    );
}

#[test]
fn settings_a_put_would_lose_refuse_writer_plans_but_not_admin_plans() {
    let snap = snapshot_with(Some(seeded_classic()), vec![]);
    let mut inp = input(&snap, pusher("dev", Permission::Write));
    inp.settings_lost_by_put = vec!["required deployments".into()];
    let refusal = plan(&inp).unwrap_err();
    assert!(matches!(
        refusal,
        PlanRefusal::FullPutWouldLoseSettings { .. }
    ));
    assert!(
        refusal.to_string().contains("required deployments"),
        "{refusal}"
    );
    inp.pusher = pusher("commander", Permission::Admin);
    assert_eq!(
        ops(&plan(&inp).unwrap()),
        vec!["DELETE repos/delete-admin-branch-protection"]
    );
}

/// `seeded_classic` with review dismissal restricted to nobody, as GitHub's
/// `branch-protection-update` example reports it, and push restrictions naming `ops`.
fn dismissal_restricted_to_nobody() -> ProtectionSnapshot {
    let mut classic = seeded_classic();
    classic["required_pull_request_reviews"]["dismissal_restrictions"] =
        json!({"url": "x", "users": [], "teams": [], "apps": []});
    classic["required_pull_request_reviews"]["bypass_pull_request_allowances"] =
        json!({"users": [{"login": "dev"}], "teams": [], "apps": []});
    classic["restrictions"] = json!({"users": [{"login": "ops"}], "teams": [], "apps": []});
    snapshot_with(Some(classic), vec![])
}

#[test]
fn a_state_no_rest_body_can_write_refuses_plans_that_need_a_full_put() {
    let snap = dismissal_restricted_to_nobody();
    // A maintainer of a locked branch needs a full PUT, which would lift the restriction.
    let mut classic = snap.classic.protection().unwrap();
    classic.lock_branch = true;
    let locked = ProtectionSnapshot {
        classic: ClassicState::from_protection(&classic),
        ..snap.clone()
    };
    let refusal = plan(&input(&locked, pusher("dev", Permission::Maintain))).unwrap_err();
    assert!(
        matches!(refusal, PlanRefusal::FullPutWouldLoseSettings { .. }),
        "{refusal}"
    );
    assert!(
        refusal
            .to_string()
            .contains("dismissal_restrictions (restricted, nobody listed)"),
        "{refusal}"
    );
    // Plans undone through sub-resources alone go ahead: the admin's, and a writer in
    // the review bypass list who only needs the push restriction and checks lifted.
    let admin = plan(&input(&snap, pusher("commander", Permission::Admin))).unwrap();
    assert_eq!(
        ops(&admin),
        vec!["DELETE repos/delete-admin-branch-protection"]
    );
    let mut no_checks = snap.classic.protection().unwrap();
    no_checks.required_status_checks = None;
    let writable = ProtectionSnapshot {
        classic: ClassicState::from_protection(&no_checks),
        ..snap.clone()
    };
    let writer = plan(&input(&writable, pusher("dev", Permission::Write))).unwrap();
    assert_eq!(
        ops(&writer),
        vec!["POST repos/add-user-access-restrictions"]
    );
    assert!(
        restore_plan(&writable, &writer)
            .iter()
            .all(|s| s.call.method != HttpMethod::Put || s.call.path.contains("/restrictions/"))
    );
}

#[test]
fn restoring_a_state_no_rest_body_can_write_never_sends_the_full_put() {
    let snap = dismissal_restricted_to_nobody();
    let steps: Vec<String> = full_restore(&snap)
        .iter()
        .map(|s| format!("{} {}", s.call.method, s.call.operation_id))
        .collect();
    assert_eq!(
        steps,
        vec![
            "POST repos/set-admin-branch-protection",
            "PUT repos/set-user-access-restrictions",
            "PUT repos/set-team-access-restrictions",
            "PUT repos/set-app-access-restrictions",
            "DELETE repos/delete-commit-signature-protection",
        ]
    );
    assert_eq!(
        full_restore(&snap)[1].call.body,
        Some(json!({"users": ["ops"]}))
    );
}
