//! Exact restore on data GitHub itself produced (tests/fixtures/github/, see its README):
//! the recorded `branch-protection` scenario of @octokit/fixtures and the OpenAPI
//! examples. Each body is parsed, turned into the restore PUT, and every setting GitHub
//! reported is looked up in that PUT field by field by rules written here from the GET
//! shape (forge-api §1.3–1.4), not by our converter; then GitHub's own read-back of the
//! recorded PUTs is compared with the sandbox's.

mod common;

use breakglass::forge::classic::ClassicProtection;
use breakglass::forge::snapshot::{ClassicState, ProtectionSnapshot};
use breakglass::forge::{Forge, RepoId};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/github/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The bodies GitHub answered with the protection's GET shape: the recorded PUT answers
/// (`protected-branch`) and the two OpenAPI examples (`branch-protection`).
fn reported_bodies() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = fixture("octokit-fixtures-branch-protection.json")
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, r)| r["method"] == "put" && r["status"] == 200)
        .map(|(i, r)| (format!("octokit recording #{i}"), r["response"].clone()))
        .collect();
    assert_eq!(out.len(), 2, "the scenario records two protection PUTs");
    for (name, body) in fixture("openapi-examples.json").as_object().unwrap() {
        out.push((format!("openapi example {name}"), body.clone()));
    }
    out
}

fn body(name: &str) -> Value {
    reported_bodies()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no body {name}"))
        .1
}

/// People as logins, teams and apps as slugs, in GitHub's order.
fn names(list: &Value, key: &str) -> Value {
    json!(
        list.as_array()
            .unwrap()
            .iter()
            .map(|e| e[key].clone())
            .collect::<Vec<_>>()
    )
}

fn actors(get: &Value) -> Value {
    json!({"users": names(&get["users"], "login"), "teams": names(&get["teams"], "slug"),
           "apps": names(&get["apps"], "slug")})
}

/// Every setting the GET body reports, as `(path in the PUT body, value the PUT must
/// carry)`; `required_signatures` is not a PUT field and is listed under its own name.
fn reported_settings(get: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let g = get.as_object().unwrap();
    for (key, value) in g {
        match key.as_str() {
            "url" | "name" | "enabled" | "protection_url" => {}
            "enforce_admins"
            | "required_signatures"
            | "required_linear_history"
            | "allow_force_pushes"
            | "allow_deletions"
            | "block_creations"
            | "required_conversation_resolution"
            | "lock_branch"
            | "allow_fork_syncing" => out.push((key.clone(), value["enabled"].clone())),
            "restrictions" => out.push((key.clone(), actors(value))),
            "required_status_checks" => {
                out.push((
                    "required_status_checks.strict".into(),
                    value["strict"].clone(),
                ));
                let checks: Vec<Value> = match value.get("checks") {
                    Some(checks) => checks
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| json!({"context": c["context"], "app_id": c["app_id"].as_i64().unwrap_or(-1)}))
                        .collect(),
                    None => value["contexts"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| json!({"context": c, "app_id": -1}))
                        .collect(),
                };
                out.push(("required_status_checks.checks".into(), json!(checks)));
            }
            "required_pull_request_reviews" => {
                for (inner, v) in value.as_object().unwrap() {
                    let path = format!("{key}.{inner}");
                    match inner.as_str() {
                        "url" => {}
                        "dismissal_restrictions" | "bypass_pull_request_allowances" => {
                            out.push((path, actors(v)))
                        }
                        _ => out.push((path, v.clone())),
                    }
                }
            }
            other => panic!("a setting this test does not know: {other}"),
        }
    }
    out
}

/// Looks `path` up in the PUT body (and the signatures follow-up).
fn written(put: &Value, signatures: bool, path: &str) -> Option<Value> {
    if path == "required_signatures" {
        return Some(json!(signatures));
    }
    let mut at = put;
    for segment in path.split('.') {
        at = at.get(segment)?;
    }
    Some(at.clone())
}

fn snapshot_of(get: &Value) -> ProtectionSnapshot {
    ProtectionSnapshot {
        repo: RepoId::new("octokit-fixture-org", "branch-protection"),
        branch: "main".into(),
        owner_is_org: true,
        taken_at: Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
        classic: ClassicState::from_get(Some(get.clone())).unwrap(),
        rulesets: Vec::new(),
        pre_sha: None,
    }
}

#[test]
fn every_setting_github_reported_is_written_back_by_the_restore_put() {
    let mut checked = 0;
    for name in [
        "octokit recording #1",
        "octokit recording #2",
        "openapi example branch-protection-update",
    ] {
        let get = body(name);
        let protection = ClassicProtection::from_get(&get).unwrap();
        let unwritable = protection.unwritable_by_rest(true);
        let put = protection.to_put_body(true);
        for (path, value) in reported_settings(&get) {
            if unwritable.iter().any(|u| u.starts_with(&path)) {
                continue;
            }
            assert_eq!(
                written(&put, protection.signatures_follow_up(), &path),
                Some(value),
                "{name}: {path} in {put}"
            );
            checked += 1;
        }
    }
    // Recording #1: 7 toggles; #2: 7 toggles, strict, checks, restrictions and 4 review
    // settings; the update example: 9 toggles, strict, checks, restrictions and 4 review
    // settings (its dismissal restriction naming nobody is left to the next test).
    assert_eq!(checked, 7 + 14 + 16);
}

#[test]
fn dismissal_restricted_to_nobody_is_never_written_by_rest() {
    let get = body("openapi example branch-protection-update");
    let protection = ClassicProtection::from_get(&get).unwrap();
    assert_eq!(
        protection.unwritable_by_rest(true),
        vec!["required_pull_request_reviews.dismissal_restrictions (restricted, nobody listed)"]
    );
    // Compared as a restriction, not as none: an empty object in a PUT would turn it off.
    assert_eq!(
        protection.normalized()["required_pull_request_reviews"]["dismissal_restrictions"],
        json!({"users": [], "teams": [], "apps": []})
    );
    let snapshot = snapshot_of(&get);
    let steps = breakglass::forge::restore::full_restore(&snapshot);
    assert!(
        steps
            .iter()
            .all(|s| s.call.operation_id != "repos/update-branch-protection"
                && !s.call.path.contains("required_pull_request_reviews")),
        "{steps:?}"
    );
}

#[test]
fn a_body_without_strict_or_required_signatures_is_refused_naming_them() {
    let error =
        ClassicProtection::from_get(&body("openapi example branch-protection")).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("required_status_checks.strict, required_signatures missing"),
        "{error}"
    );
}

/// The recorded PUTs with the fixture organisation's people swapped for the sandbox's.
fn in_sandbox_terms(value: &Value) -> Value {
    let text = value
        .to_string()
        .replace("octokit-fixture-user-a", "dev")
        .replace("\"a-team\"", "\"sre\"");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn the_sandbox_reads_back_what_github_read_back_after_each_recorded_put() {
    let sandbox = common::sandbox::start().await;
    let admin = common::sandbox::client_as(&sandbox, "commander");
    let repo = common::sandbox::api();
    let recorded = fixture("octokit-fixtures-branch-protection.json");
    let puts: Vec<&Value> = recorded
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "put")
        .collect();
    assert_eq!(puts.len(), 2);
    for put in puts {
        admin
            .put_protection(&repo, "main", &in_sandbox_terms(&put["body"]))
            .await
            .unwrap();
        // Signatures are not part of the PUT: set them as GitHub reported them.
        let github = in_sandbox_terms(&put["response"]);
        let signed = github["required_signatures"]["enabled"].as_bool().unwrap();
        admin
            .set_required_signatures(&repo, "main", signed)
            .await
            .unwrap();
        let (forge, _) = common::sandbox::forge_as(&sandbox, "commander");
        let sandbox_state = forge.snapshot(&repo, "main").await.unwrap().classic;
        let mut expected = ClassicProtection::from_get(&github).unwrap();
        // Recorded in 2022, before GitHub reported these; the sandbox reports them off.
        expected.lock_branch = false;
        expected.allow_fork_syncing = false;
        assert_eq!(
            sandbox_state.normalized(),
            expected.normalized(),
            "after PUT {}",
            put["body"]
        );
    }
    sandbox.shutdown().await;
}
