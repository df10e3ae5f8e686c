//! Every request body the planner and restore produce, validated against GitHub's
//! published request schemas (tests/fixtures/github/request-schemas.json, from
//! @octokit/openapi): the classic PUT, each sub-resource body, the ruleset PUTs. The one
//! documented exception: a status-check policy is sent with `checks` alone, which the
//! schema's `required: [strict, contexts]` does not allow but GitHub accepts (and rejects
//! both together); see `StatusChecks::to_put`.

mod common;

use breakglass::forge::plan::{PlanInput, Pusher, StepRestore, plan};
use breakglass::forge::request::ApiCall;
use breakglass::forge::restore::{full_restore, restore_plan};
use breakglass::forge::snapshot::{ClassicState, ProtectionSnapshot};
use breakglass::forge::{Permission, RepoId};
use chrono::{TimeZone, Utc};
use common::protection as generate;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// The generators' stand-in for a rule GitHub adds after its published description.
const FUTURE_RULE_TYPE: &str = "rule_type_from_2027";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/github/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// One validator per operation id, each schema given the shared `$defs`.
fn validators() -> BTreeMap<String, jsonschema::Validator> {
    let doc = fixture("request-schemas.json");
    doc["operations"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(op, entry)| {
            let mut schema = entry["schema"].clone();
            if op == "repos/update-branch-protection" {
                allow_checks_without_contexts(&mut schema);
            }
            schema["$defs"] = doc["$defs"].clone();
            let validator = jsonschema::validator_for(&schema)
                .unwrap_or_else(|e| panic!("schema of {op}: {e}"));
            (op.clone(), validator)
        })
        .collect()
}

/// The documented exception, applied only where the schema says what we expect it to.
fn allow_checks_without_contexts(schema: &mut Value) {
    let required = &mut schema["properties"]["required_status_checks"]["required"];
    assert_eq!(
        *required,
        json!(["strict", "contexts"]),
        "the published rule changed"
    );
    *required = json!(["strict"]);
}

/// Every body-carrying request of the plan, its inverses and the whole-snapshot restore.
fn bodies(snapshot: &ProtectionSnapshot, pusher: Pusher, merges: bool) -> Vec<ApiCall> {
    let mut calls: Vec<ApiCall> = full_restore(snapshot).into_iter().map(|s| s.call).collect();
    let input = PlanInput {
        snapshot,
        pusher,
        administrable_rulesets: snapshot.rulesets.iter().map(|r| r.ruleset.id()).collect(),
        pushed_has_merges: merges,
        settings_lost_by_put: Vec::new(),
    };
    if let Ok(plan) = plan(&input) {
        for step in &plan.steps {
            calls.push(step.call.clone());
            if let StepRestore::Call(call) = &step.restore {
                calls.push(call.clone());
            }
        }
        calls.extend(restore_plan(snapshot, &plan).into_iter().map(|s| s.call));
    }
    calls.retain(|c| c.body.is_some());
    calls
}

fn validate(
    validators: &BTreeMap<String, jsonschema::Validator>,
    call: &ApiCall,
) -> Result<(), String> {
    let validator = validators
        .get(&call.operation_id)
        .ok_or_else(|| format!("no published schema for {}", call.operation_id))?;
    let body = call.body.as_ref().unwrap();
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} {body}: {}",
            call.operation_id,
            errors.join("; ")
        ))
    }
}

/// GitHub's update example as a snapshot: push restrictions and review dismissal both
/// naming nobody, so its restore goes through the restriction lists' own endpoints.
fn github_example_snapshot() -> ProtectionSnapshot {
    let get = fixture("openapi-examples.json")["branch-protection-update"].clone();
    ProtectionSnapshot {
        repo: RepoId::new("octocat", "hello-world"),
        branch: "main".into(),
        owner_is_org: true,
        taken_at: Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
        classic: ClassicState::from_get(Some(get)).unwrap(),
        rulesets: Vec::new(),
        pre_sha: None,
    }
}

#[test]
fn every_generated_request_body_matches_githubs_published_schema() {
    let validators = validators();
    let seen: RefCell<BTreeMap<String, usize>> = RefCell::default();
    let check = |calls: Vec<ApiCall>| -> Result<(), TestCaseError> {
        for call in calls {
            validate(&validators, &call).map_err(TestCaseError::fail)?;
            *seen.borrow_mut().entry(call.operation_id).or_default() += 1;
        }
        Ok(())
    };
    let admin = Pusher {
        login: "commander".into(),
        id: 1001,
        permission: Permission::Admin,
        is_org_admin: true,
    };
    check(bodies(&github_example_snapshot(), admin, false)).unwrap();

    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    let cases = (
        generate::snapshot(),
        prop::sample::select(generate::LOGINS.to_vec()),
        generate::permission(),
        any::<(bool, bool)>(),
    );
    let ran = std::cell::Cell::new(0);
    runner
        .run(
            &cases,
            |(snapshot, login, permission, (org_admin, merges))| {
                // A rule type newer than the published description goes back verbatim as
                // GitHub gave it; no published schema can know it.
                prop_assume!(
                    snapshot
                        .rulesets
                        .iter()
                        .all(|r| { r.ruleset.rule_types().all(|t| t != FUTURE_RULE_TYPE) })
                );
                ran.set(ran.get() + 1);
                let pusher = Pusher {
                    login: login.to_owned(),
                    id: 1000 + login.len() as u64,
                    permission,
                    is_org_admin: org_admin,
                };
                check(bodies(&snapshot, pusher, merges))
            },
        )
        .unwrap_or_else(|failure| panic!("{failure}"));

    assert_eq!(ran.get(), 256, "every accepted case ran");
    // Each kind of body was produced, so no schema above held vacuously.
    let seen = seen.into_inner();
    for op in [
        "repos/update-branch-protection",
        "repos/add-user-access-restrictions",
        "repos/remove-user-access-restrictions",
        "repos/set-user-access-restrictions",
        "repos/set-team-access-restrictions",
        "repos/set-app-access-restrictions",
        "repos/update-repo-ruleset",
        "repos/update-org-ruleset",
    ] {
        assert!(
            seen.get(op).copied().unwrap_or(0) > 0,
            "{op} never produced: {seen:?}"
        );
    }
}

#[test]
fn the_published_schema_rejects_what_github_rejects() {
    let validators = validators();
    let put = |body: Value| {
        ApiCall::new(
            breakglass::forge::request::HttpMethod::Put,
            "/repos/acme/api/branches/main/protection".into(),
            "repos/update-branch-protection",
        )
        .with_body(body)
    };
    // The four required keys must be present (null allowed), and types are checked.
    assert!(validate(&validators, &put(json!({"enforce_admins": true}))).is_err());
    assert!(
        validate(
            &validators,
            &put(
                json!({"required_status_checks": null, "enforce_admins": "yes",
                "required_pull_request_reviews": null, "restrictions": null})
            )
        )
        .is_err()
    );
    assert!(
        validate(
            &validators,
            &put(
                json!({"required_status_checks": null, "enforce_admins": null,
                "required_pull_request_reviews": null, "restrictions": null})
            )
        )
        .is_ok()
    );
}
