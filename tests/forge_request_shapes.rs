//! The requests a relax plan and a restore send, checked against GitHub's REST
//! description as forge-api.md records it (operationId, method, path, body schema), not
//! against our sandbox: one test per kind of step the planner emits, plus how the client
//! executes each (`Request::for_call`: method, body, retry rule, admin scope).

use breakglass::forge::github::{Idempotence, Method, Request, Scope};
use breakglass::forge::plan::{PlanInput, Pusher, RelaxPlan, StepRestore, plan};
use breakglass::forge::request::{ApiCall, HttpMethod};
use breakglass::forge::restore::{RestoreStep, full_restore, restore_plan};
use breakglass::forge::snapshot::{ClassicState, ProtectionSnapshot, RulesetSnapshot};
use breakglass::forge::{Permission, RepoId};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

const PROTECTION: &str = "/repos/acme/api/branches/release%2F2.0/protection";

fn snapshot(classic: Option<Value>, rulesets: Vec<Value>) -> ProtectionSnapshot {
    ProtectionSnapshot {
        repo: RepoId::new("acme", "api"),
        // A slash in the branch must travel as %2F (forge-api §1.1 notes).
        branch: "release/2.0".into(),
        owner_is_org: true,
        taken_at: Utc.with_ymd_and_hms(2026, 11, 29, 2, 0, 0).unwrap(),
        classic: ClassicState::from_get(classic.map(with_reported_members)).unwrap(),
        rulesets: rulesets
            .into_iter()
            .map(|r| RulesetSnapshot::from_get(r).unwrap())
            .collect(),
        pre_sha: None,
    }
}

/// GitHub reports these on every protected branch and the parser refuses a body
/// without them; the tests here spell only the settings they are about.
fn with_reported_members(mut get: Value) -> Value {
    for key in ["enforce_admins", "required_signatures"] {
        if get.get(key).is_none() {
            get[key] = json!({"enabled": false});
        }
    }
    get
}

fn planned(snap: &ProtectionSnapshot, login: &str, permission: Permission) -> RelaxPlan {
    plan(&PlanInput {
        snapshot: snap,
        pusher: Pusher {
            login: login.into(),
            id: 1002,
            permission,
            is_org_admin: true,
        },
        administrable_rulesets: snap.rulesets.iter().map(|r| r.ruleset.id()).collect(),
        pushed_has_merges: false,
        settings_lost_by_put: Vec::new(),
    })
    .unwrap()
}

/// Asserts one call's method, path (a suffix of the branch's protection path, or absolute
/// when it starts with `/repos/` or `/orgs/`), operationId
/// and body, and that the client sends exactly that with the expected retry rule.
fn assert_call(
    call: &ApiCall,
    method: HttpMethod,
    path: &str,
    operation_id: &str,
    body: Option<Value>,
) {
    let expected_path = if path.starts_with("/repos/") || path.starts_with("/orgs/") {
        path.to_owned()
    } else {
        format!("{PROTECTION}{path}")
    };
    assert_eq!(call.method, method, "{call}");
    assert_eq!(call.path, expected_path, "{call}");
    assert_eq!(call.operation_id, operation_id, "{call}");
    assert_eq!(call.body, body, "{call}");
    let request = Request::for_call(call, &RepoId::new("acme", "api"));
    assert_eq!(request.method.as_str(), method.to_string());
    assert_eq!(request.path, call.path);
    assert_eq!(request.body, call.body);
    // Every protection/ruleset write sets state, so every one may be resent.
    assert_eq!(request.idempotence, Idempotence::Idempotent, "{call}");
    assert_ne!(request.scope, Scope::Plain, "{call}");
}

fn restore_call(step: &StepRestore) -> &ApiCall {
    match step {
        StepRestore::Call(call) => call,
        StepRestore::FullClassicPut => panic!("expected an exact inverse"),
    }
}

#[test]
fn turning_enforce_admins_off_and_on() {
    let snap = snapshot(Some(json!({"enforce_admins": {"enabled": true}})), vec![]);
    let plan = planned(&snap, "commander", Permission::Admin);
    let [step] = plan.steps.as_slice() else {
        panic!("{plan:?}")
    };
    // repos/delete-admin-branch-protection: DELETE …/enforce_admins, no body, 204.
    assert_call(
        &step.call,
        HttpMethod::Delete,
        "/enforce_admins",
        "repos/delete-admin-branch-protection",
        None,
    );
    // repos/set-admin-branch-protection: POST …/enforce_admins, no body.
    assert_call(
        restore_call(&step.restore),
        HttpMethod::Post,
        "/enforce_admins",
        "repos/set-admin-branch-protection",
        None,
    );
}

#[test]
fn removing_reviews_and_status_checks() {
    let snap = snapshot(
        Some(json!({
            "required_pull_request_reviews": {"required_approving_review_count": 1},
            "required_status_checks": {"strict": true, "contexts": ["ci"], "checks": [{"context": "ci", "app_id": null}]}
        })),
        vec![],
    );
    let plan = planned(&snap, "dev", Permission::Write);
    assert_call(
        &plan.steps[0].call,
        HttpMethod::Delete,
        "/required_pull_request_reviews",
        "repos/delete-pull-request-review-protection",
        None,
    );
    assert_call(
        &plan.steps[1].call,
        HttpMethod::Delete,
        "/required_status_checks",
        "repos/remove-status-check-protection",
        None,
    );
    // Neither has an exact inverse: the restore is the full converted PUT.
    assert!(
        plan.steps
            .iter()
            .all(|s| s.restore == StepRestore::FullClassicPut)
    );
}

#[test]
fn signatures_go_through_their_own_sub_resource() {
    let snap = snapshot(
        Some(json!({"required_signatures": {"enabled": true}})),
        vec![],
    );
    let plan = planned(&snap, "dev", Permission::Write);
    let [step] = plan.steps.as_slice() else {
        panic!("{plan:?}")
    };
    assert_call(
        &step.call,
        HttpMethod::Delete,
        "/required_signatures",
        "repos/delete-commit-signature-protection",
        None,
    );
    assert_call(
        restore_call(&step.restore),
        HttpMethod::Post,
        "/required_signatures",
        "repos/create-commit-signature-protection",
        None,
    );
}

#[test]
fn push_restrictions_add_and_remove_the_login_only() {
    let snap = snapshot(
        Some(
            json!({"restrictions": {"users": [{"login": "reviewer"}], "teams": [{"slug": "sre"}], "apps": []}}),
        ),
        vec![],
    );
    let plan = planned(&snap, "dev", Permission::Write);
    let [step] = plan.steps.as_slice() else {
        panic!("{plan:?}")
    };
    // repos/add-user-access-restrictions / repos/remove-user-access-restrictions:
    // body `{users: [login]}` (required).
    assert_call(
        &step.call,
        HttpMethod::Post,
        "/restrictions/users",
        "repos/add-user-access-restrictions",
        Some(json!({"users": ["dev"]})),
    );
    assert_call(
        restore_call(&step.restore),
        HttpMethod::Delete,
        "/restrictions/users",
        "repos/remove-user-access-restrictions",
        Some(json!({"users": ["dev"]})),
    );
}

/// forge-api §1.2: the four required keys present (null allowed), all seven toggles sent,
/// no `required_signatures`, status checks as `checks` only with `app_id` -1 for "any".
fn assert_put_body_schema(body: &Value) {
    let object = body.as_object().unwrap();
    for key in [
        "required_status_checks",
        "enforce_admins",
        "required_pull_request_reviews",
        "restrictions",
    ] {
        assert!(object.contains_key(key), "{key} must be present");
    }
    for key in [
        "required_linear_history",
        "allow_force_pushes",
        "allow_deletions",
        "block_creations",
        "required_conversation_resolution",
        "lock_branch",
        "allow_fork_syncing",
    ] {
        assert!(body[key].is_boolean(), "{key} must be a bool");
    }
    assert!(!object.contains_key("required_signatures"));
    if let Some(rsc) = body["required_status_checks"].as_object() {
        assert!(rsc["strict"].is_boolean());
        assert!(
            rsc.contains_key("checks") != rsc.contains_key("contexts"),
            "exactly one of checks/contexts: {rsc:?}"
        );
    }
    if let Some(r) = body["restrictions"].as_object() {
        assert!(r["users"].is_array() && r["teams"].is_array());
    }
}

#[test]
fn unlocking_is_one_full_put_that_keeps_force_pushes_blocked() {
    let snap = snapshot(
        Some(json!({
            "lock_branch": {"enabled": true},
            "allow_force_pushes": {"enabled": false},
            "required_status_checks": {"strict": false, "contexts": ["ci"], "checks": [{"context": "ci", "app_id": null}, {"context": "lint", "app_id": 15368}]},
            "restrictions": {"users": [], "teams": [], "apps": []}
        })),
        vec![],
    );
    let plan = planned(&snap, "dev", Permission::Write);
    let put = plan
        .steps
        .iter()
        .find(|s| s.call.method == HttpMethod::Put)
        .expect("a full PUT");
    // forge-api §1.4 applied by hand to the snapshot as the writer needs it: the lock off,
    // the status checks lifted (a writer cannot bypass them) and the writer allowed to push.
    let expected = json!({
        "required_status_checks": null,
        "enforce_admins": false,
        "required_pull_request_reviews": null,
        "restrictions": {"users": ["dev"], "teams": [], "apps": []},
        "required_linear_history": false,
        "allow_force_pushes": false,
        "allow_deletions": false,
        "block_creations": false,
        "required_conversation_resolution": false,
        "lock_branch": false,
        "allow_fork_syncing": false
    });
    assert_call(
        &put.call,
        HttpMethod::Put,
        "",
        "repos/update-branch-protection",
        Some(expected),
    );
    assert_put_body_schema(put.call.body.as_ref().unwrap());
}

#[test]
fn a_full_restore_converts_the_snapshot_by_the_rules() {
    let snap = snapshot(
        Some(json!({
            "required_status_checks": {"strict": true, "contexts": ["ci", "lint"], "checks": [{"context": "ci", "app_id": null}, {"context": "lint", "app_id": 15368}]},
            "enforce_admins": {"enabled": true},
            "required_pull_request_reviews": {"required_approving_review_count": 2, "dismiss_stale_reviews": true,
                "dismissal_restrictions": {"users": [{"login": "reviewer"}], "teams": [], "apps": []}},
            "required_signatures": {"enabled": true},
            "allow_deletions": {"enabled": false}
        })),
        vec![],
    );
    let steps: Vec<RestoreStep> = full_restore(&snap);
    let [put, signatures] = steps.as_slice() else {
        panic!("{steps:?}")
    };
    // Rule 1: checks only, null app ⇒ -1; rule 2: enforce_admins a bool; rule 3: people
    // as logins, absent last-push false; rule 4: no restrictions ⇒ null; rule 5: absent
    // toggles false; no `required_signatures` (rule 6).
    let expected = json!({
        "required_status_checks": {"strict": true, "checks": [{"context": "ci", "app_id": -1}, {"context": "lint", "app_id": 15368}]},
        "enforce_admins": true,
        "required_pull_request_reviews": {
            "dismiss_stale_reviews": true,
            "require_code_owner_reviews": false,
            "required_approving_review_count": 2,
            "require_last_push_approval": false,
            "dismissal_restrictions": {"users": ["reviewer"], "teams": [], "apps": []}
        },
        "restrictions": null,
        "required_linear_history": false,
        "allow_force_pushes": false,
        "allow_deletions": false,
        "block_creations": false,
        "required_conversation_resolution": false,
        "lock_branch": false,
        "allow_fork_syncing": false
    });
    assert_call(
        &put.call,
        HttpMethod::Put,
        "",
        "repos/update-branch-protection",
        Some(expected),
    );
    assert_put_body_schema(put.call.body.as_ref().unwrap());
    // Rule 6: signatures after the PUT, through their sub-resource.
    assert_call(
        &signatures.call,
        HttpMethod::Post,
        "/required_signatures",
        "repos/create-commit-signature-protection",
        None,
    );
}

#[test]
fn an_unprotected_branch_is_restored_by_deleting_protection() {
    let snap = snapshot(None, vec![]);
    let [step] = full_restore(&snap).try_into().unwrap();
    assert_call(
        &step.call,
        HttpMethod::Delete,
        "",
        "repos/delete-branch-protection",
        None,
    );
    assert!(
        step.ignore_not_found,
        "404 Branch not protected is the wanted state"
    );
}

fn ruleset(id: u64, org: bool, actors: Value) -> Value {
    json!({
        "id": id, "name": "main is reviewed", "target": "branch", "enforcement": "active",
        "source_type": if org { "Organization" } else { "Repository" },
        "source": if org { "acme" } else { "acme/api" },
        "node_id": "RRS_1", "_links": {"self": {"href": "x"}},
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z",
        "current_user_can_bypass": "never",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "bypass_actors": actors,
        "rules": [{"type": "pull_request", "parameters": {"required_approving_review_count": 1}}, {"type": "a_rule_from_2027", "parameters": {"x": 1}}]
    })
}

/// forge-api §2.3: the full writable object (name, target, enforcement, conditions, rules
/// verbatim), `bypass_actors` always an array, never the read-only fields.
fn ruleset_body(raw: &Value, actors: Value) -> Value {
    let mut expected = serde_json::Map::new();
    for key in ["name", "target", "enforcement", "conditions", "rules"] {
        expected.insert(key.into(), raw[key].clone());
    }
    expected.insert("bypass_actors".into(), actors);
    Value::Object(expected)
}

#[test]
fn a_repository_ruleset_gets_a_user_bypass_and_then_its_exact_list_back() {
    let raw = ruleset(12, false, json!([]));
    let snap = snapshot(None, vec![raw.clone()]);
    let plan = planned(&snap, "dev", Permission::Write);
    let [step] = plan.steps.as_slice() else {
        panic!("{plan:?}")
    };
    // Never `exempt` (no audit entry), never RepositoryRole (opens it to every writer).
    assert_call(
        &step.call,
        HttpMethod::Put,
        "/repos/acme/api/rulesets/12",
        "repos/update-repo-ruleset",
        Some(ruleset_body(
            &raw,
            json!([{"actor_type": "User", "actor_id": 1002, "bypass_mode": "always"}]),
        )),
    );
    let restore = restore_plan(&snap, &plan);
    let restore_body = restore[0].call.body.clone().unwrap();
    assert_eq!(restore_body, ruleset_body(&raw, json!([])));
    assert_eq!(
        restore_body["bypass_actors"],
        json!([]),
        "sent empty, not omitted"
    );
}

#[test]
fn an_organization_ruleset_is_changed_at_the_organization() {
    let team = json!({"actor_type": "Team", "actor_id": 7001, "bypass_mode": "pull_request"});
    let raw = ruleset(201, true, json!([team]));
    let snap = snapshot(None, vec![raw.clone()]);
    let plan = planned(&snap, "dev", Permission::Write);
    let call = &plan.steps[0].call;
    assert_call(
        call,
        HttpMethod::Put,
        "/orgs/acme/rulesets/201",
        "repos/update-org-ruleset",
        Some(ruleset_body(
            &raw,
            json!([team, {"actor_type": "User", "actor_id": 1002, "bypass_mode": "always"}]),
        )),
    );
    let request = Request::for_call(call, &RepoId::new("acme", "api"));
    assert_eq!(request.scope, Scope::OrgAdmin("acme".into()));
    assert_eq!(request.method, Method::Put);
}
