//! Every answer the sandbox forge gives over one activate → push → restore → review run and
//! the issue, label and comment operations carries every member GitHub's published OpenAPI
//! description marks `required`, with the published types and nullability
//! (tests/fixtures/github/response-schemas.json, trimmed from @octokit/openapi). A client
//! written against the sandbox cannot come to depend on a thinner shape than GitHub sends.

mod sandbox_support;
mod support;

use breakglass::forge::sandbox::RecordedResponse;
use sandbox_support::as_user;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use support::{World, text_of};

fn fixture() -> Value {
    let path = format!(
        "{}/tests/fixtures/github/response-schemas.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// One published operation: its method, path template and success schema.
struct Operation {
    id: String,
    method: String,
    template: Vec<String>,
    schema: Option<Value>,
}

impl Operation {
    fn all(doc: &Value) -> Vec<Operation> {
        doc["operations"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(id, entry)| Operation {
                id: id.clone(),
                method: entry["method"].as_str().unwrap().to_owned(),
                template: segments(entry["path"].as_str().unwrap()),
                schema: entry.get("schema").cloned(),
            })
            .collect()
    }

    fn literals(&self) -> usize {
        self.template.iter().filter(|s| !s.contains('{')).count()
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

/// Whether `path` fits `template`; a `{placeholder}` segment takes one or more segments
/// (refs, branches and compare ranges hold slashes).
fn fits(template: &[String], path: &[String]) -> bool {
    match (template.first(), path.first()) {
        (None, None) => true,
        (Some(t), Some(p)) if !t.contains('{') => t == p && fits(&template[1..], &path[1..]),
        (Some(_), Some(_)) => (1..=path.len()).any(|n| fits(&template[1..], &path[n..])),
        _ => false,
    }
}

/// The operation a recorded request was: of those that fit, the most literal one.
fn operation_of<'a>(ops: &'a [Operation], r: &RecordedResponse) -> Option<&'a Operation> {
    let path = segments(&r.path);
    ops.iter()
        .filter(|op| op.method == r.method && fits(&op.template, &path))
        .max_by_key(|op| op.literals())
}

/// The schema behind a `$ref`, or the schema itself.
fn resolve<'a>(schema: &'a Value, defs: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve(&defs[r.trim_start_matches("#/$defs/")], defs),
        None => schema,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether a branch of a `oneOf`/`anyOf` could describe `value` at all (by its `type`).
fn admits(schema: &Value, defs: &Value, value: &Value) -> bool {
    let schema = resolve(schema, defs);
    let actual = type_name(value);
    let fits_type = |t: &Value| t == actual || (t == "number" && actual == "integer");
    match schema.get("type") {
        Some(Value::Array(types)) => types.iter().any(fits_type),
        Some(t) => fits_type(t),
        None => ["anyOf", "oneOf", "allOf"]
            .iter()
            .filter_map(|k| schema.get(*k).and_then(Value::as_array))
            .all(|branches| branches.iter().any(|b| admits(b, defs, value))),
    }
}

/// The required members missing anywhere in `value`, as JSON pointers. For a choice of
/// schemas the branch missing the fewest counts.
fn missing(schema: &Value, defs: &Value, value: &Value, at: &str) -> Vec<String> {
    let schema = resolve(schema, defs);
    let mut out = Vec::new();
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            let best = branches
                .iter()
                .filter(|b| admits(b, defs, value))
                .map(|b| missing(b, defs, value, at))
                .min_by_key(Vec::len);
            out.extend(best.unwrap_or_default());
        }
    }
    for branch in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(missing(branch, defs, value, at));
    }
    match value {
        Value::Object(members) => {
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                if !members.contains_key(name) {
                    out.push(format!("{at}/{name}"));
                }
            }
            for (name, member) in members {
                if let Some(inner) = schema.get("properties").and_then(|p| p.get(name)) {
                    out.extend(missing(inner, defs, member, &format!("{at}/{name}")));
                }
            }
        }
        Value::Array(items) => {
            if let Some(inner) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    out.extend(missing(inner, defs, item, &format!("{at}/{i}")));
                }
            }
        }
        _ => {}
    }
    out
}

/// What the schema check found over all recorded answers.
#[derive(Default)]
struct Findings {
    checked: usize,
    per_operation: BTreeMap<String, usize>,
    missing: Vec<String>,
    invalid: Vec<String>,
    unmapped: Vec<String>,
}

fn check(doc: &Value, responses: &[RecordedResponse]) -> Findings {
    let ops = Operation::all(doc);
    let defs = &doc["$defs"];
    let mut validators: BTreeMap<String, jsonschema::Validator> = BTreeMap::new();
    let mut findings = Findings::default();
    for r in responses.iter().filter(|r| (200..300).contains(&r.status)) {
        let Some(op) = operation_of(&ops, r) else {
            findings.unmapped.push(format!("{} {}", r.method, r.path));
            continue;
        };
        findings.checked += 1;
        *findings.per_operation.entry(op.id.clone()).or_default() += 1;
        let (Some(schema), Some(body)) = (&op.schema, &r.body) else {
            if op.schema.is_some() != r.body.is_some() {
                findings.invalid.push(format!(
                    "{} {} ({}): body presence differs",
                    r.method, r.path, op.id
                ));
            }
            continue;
        };
        for pointer in missing(schema, defs, body, "") {
            findings
                .missing
                .push(format!("{} ({}): {pointer}", op.id, r.path));
        }
        let validator = validators.entry(op.id.clone()).or_insert_with(|| {
            let mut full = schema.clone();
            full["$defs"] = defs.clone();
            jsonschema::validator_for(&full).unwrap_or_else(|e| panic!("schema of {}: {e}", op.id))
        });
        for error in validator.iter_errors(body) {
            findings.invalid.push(format!(
                "{} {} ({}): {} at {}",
                r.method,
                r.path,
                op.id,
                error,
                error.instance_path()
            ));
        }
    }
    findings
}

#[test]
fn paths_map_to_the_most_literal_published_operation() {
    let doc = fixture();
    let ops = Operation::all(&doc);
    let of = |method: &str, path: &str| {
        let r = RecordedResponse {
            method: method.into(),
            path: path.into(),
            status: 200,
            body: None,
        };
        operation_of(&ops, &r).map(|op| op.id.clone())
    };
    let cases = [
        ("GET", "/repos/acme/api", "repos/get"),
        ("GET", "/repos/acme/api/branches/main", "repos/get-branch"),
        (
            "GET",
            "/repos/acme/api/branches/main/protection",
            "repos/get-branch-protection",
        ),
        (
            "GET",
            "/repos/acme/api/git/ref/heads/breakglass/INC-1/before",
            "git/get-ref",
        ),
        (
            "GET",
            "/repos/acme/api/compare/a/b...c/d",
            "repos/compare-commits",
        ),
        (
            "GET",
            "/repos/acme/api/issues/comments",
            "issues/list-comments-for-repo",
        ),
        (
            "GET",
            "/repos/acme/api/issues/comments/7",
            "issues/get-comment",
        ),
        (
            "GET",
            "/repos/acme/api/issues/7/comments",
            "issues/list-comments",
        ),
        (
            "DELETE",
            "/repos/acme/api/issues/7/labels/breakglass:open",
            "issues/remove-label",
        ),
    ];
    for (method, path, id) in cases {
        assert_eq!(of(method, path).as_deref(), Some(id), "{method} {path}");
    }
    assert_eq!(of("GET", "/gists"), None);
}

#[test]
fn a_missing_member_is_found_and_named() {
    let doc = fixture();
    let defs = &doc["$defs"];
    let mut label = json!({"id": 1, "node_id": "LA_1", "url": "http://x/labels/a", "name": "a",
        "description": null, "color": "ededed", "default": false});
    let schema = json!({"$ref": "#/$defs/label"});
    assert_eq!(missing(&schema, defs, &label, ""), Vec::<String>::new());
    label.as_object_mut().unwrap().remove("description");
    assert_eq!(missing(&schema, defs, &label, ""), ["/description"]);
    let list = json!({"type": "array", "items": {"$ref": "#/$defs/label"}});
    assert_eq!(
        missing(&list, defs, &json!([label]), ""),
        ["/0/description"]
    );
}

async fn ok(world: &World, login: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let r = as_user(&world.sandbox, login, method, path, body).await;
    assert!(
        (200..300).contains(&r.status),
        "{method} {path} as {login}: {} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    }
}

/// The commander's whole window through the real binary.
async fn break_glass_and_review(world: &World) {
    let activated = world.activate("INC-1", "10m", &[]).await;
    assert!(activated.status.success(), "{}", text_of(&activated));
    let dir = world.clone_dir();
    let pushed = world
        .bg(&[
            "push",
            "--incident",
            "INC-1",
            "--repo-dir",
            dir.to_str().unwrap(),
        ])
        .await;
    assert!(pushed.status.success(), "{}", text_of(&pushed));
    let restored = world.bg(&["restore", "--incident", "INC-1"]).await;
    assert!(restored.status.success(), "{}", text_of(&restored));
    let reviewed = world
        .bg(&["review", "--incident", "INC-1", "--reviewer", "reviewer"])
        .await;
    assert!(reviewed.status.success(), "{}", text_of(&reviewed));
}

/// What a mirror, a notifier and an approver do with issues, labels and comments.
async fn issues_labels_and_comments(world: &World) {
    let repo = "/repos/acme/api";
    let issue = ok(
        world,
        "commander",
        "POST",
        &format!("{repo}/issues"),
        Some(json!({
        "title": "[break-glass] INC-1: checkout returns 500", "body": "| phase | open |",
        "labels": ["breakglass", "breakglass:open"]})),
    )
    .await;
    let n = issue["number"].as_u64().unwrap();
    let at = format!("{repo}/issues/{n}");
    ok(world, "dev", "GET", &at, None).await;
    ok(
        world,
        "dev",
        "GET",
        &format!("{repo}/issues?state=all&labels=breakglass"),
        None,
    )
    .await;
    ok(
        world,
        "commander",
        "PATCH",
        &at,
        Some(json!({"body": "| phase | restored |"})),
    )
    .await;
    ok(
        world,
        "commander",
        "POST",
        &format!("{at}/labels"),
        Some(json!({"labels": ["breakglass:drill"]})),
    )
    .await;
    ok(
        world,
        "commander",
        "PUT",
        &format!("{at}/labels"),
        Some(json!({"labels": ["breakglass", "breakglass:open"]})),
    )
    .await;
    ok(
        world,
        "commander",
        "DELETE",
        &format!("{at}/labels/breakglass:open"),
        None,
    )
    .await;
    ok(world, "dev", "GET", &format!("{at}/labels"), None).await;
    ok(world, "dev", "GET", &format!("{repo}/labels"), None).await;
    ok(
        world,
        "commander",
        "POST",
        &format!("{repo}/labels"),
        Some(json!({"name": "sev1", "color": "b60205"})),
    )
    .await;
    ok(world, "dev", "GET", &format!("{repo}/labels/sev1"), None).await;
    let comment = ok(
        world,
        "commander",
        "POST",
        &format!("{at}/comments"),
        Some(json!({"body": "seq 1 declared"})),
    )
    .await;
    let id = comment["id"].as_u64().unwrap();
    ok(
        world,
        "reviewer",
        "POST",
        &format!("{at}/comments"),
        Some(json!({"body": "/approve"})),
    )
    .await;
    ok(
        world,
        "dev",
        "GET",
        &format!("{at}/comments?since=2000-01-01T00:00:00Z"),
        None,
    )
    .await;
    ok(
        world,
        "dev",
        "GET",
        &format!("{repo}/issues/comments/{id}"),
        None,
    )
    .await;
    ok(
        world,
        "commander",
        "PATCH",
        &format!("{repo}/issues/comments/{id}"),
        Some(json!({"body": "seq 1 declared (edited)"})),
    )
    .await;
    ok(
        world,
        "dev",
        "GET",
        &format!("{repo}/issues/comments?sort=created&direction=asc"),
        None,
    )
    .await;
    ok(
        world,
        "commander",
        "DELETE",
        &format!("{repo}/issues/comments/{id}"),
        None,
    )
    .await;
    ok(
        world,
        "commander",
        "PATCH",
        &at,
        Some(json!({"state": "closed", "state_reason": "completed"})),
    )
    .await;
    ok(world, "dev", "GET", &at, None).await;
}

/// Identity, repository and the other read endpoints breakglass and its users call.
async fn reads(world: &World) {
    ok(world, "commander", "GET", "/user", None).await;
    ok(world, "commander", "GET", "/users/reviewer", None).await;
    ok(world, "commander", "GET", "/rate_limit", None).await;
    ok(world, "dev", "GET", "/repos/acme/api", None).await;
    ok(
        world,
        "dev",
        "GET",
        "/repos/acme/api/collaborators/reviewer/permission",
        None,
    )
    .await;
    ok(world, "dev", "GET", "/repos/acme/api/branches/main", None).await;
    ok(
        world,
        "commander",
        "GET",
        "/repos/acme/api/branches/main/protection",
        None,
    )
    .await;
    ok(world, "dev", "GET", "/repos/acme/web/rulesets", None).await;
    ok(
        world,
        "commander",
        "GET",
        "/repos/acme/web/rulesets/101",
        None,
    )
    .await;
    ok(
        world,
        "dev",
        "GET",
        "/repos/acme/web/rules/branches/main",
        None,
    )
    .await;
    ok(world, "owner", "GET", "/orgs/acme/rulesets", None).await;
    ok(world, "owner", "GET", "/orgs/acme/rulesets/201", None).await;
    ok(
        world,
        "dev",
        "GET",
        "/repos/acme/api/git/matching-refs/heads/",
        None,
    )
    .await;
    ok(world, "dev", "GET", "/repos/acme/api/pulls?state=all", None).await;
    ok(
        world,
        "dev",
        "GET",
        "/repos/acme/api/commits/main/statuses",
        None,
    )
    .await;
    ok(
        world,
        "dev",
        "GET",
        "/repos/acme/api/commits/main/status",
        None,
    )
    .await;
    ok(
        world,
        "dev",
        "GET",
        "/repos/acme/api/compare/breakglass/INC-1/before...main",
        None,
    )
    .await;
}

/// The rest of what a reviewer and an administrator do: review the retro pull request, read
/// each protection part, replace a protection and a ruleset, move and delete a ref.
async fn reviews_and_administration(world: &World) {
    let pulls = ok(world, "dev", "GET", "/repos/acme/api/pulls", None).await;
    let n = pulls[0]["number"]
        .as_u64()
        .expect("the review opened a pull request");
    let reviews = format!("/repos/acme/api/pulls/{n}/reviews");
    ok(
        world,
        "reviewer",
        "POST",
        &reviews,
        Some(json!({"event": "APPROVE"})),
    )
    .await;
    ok(world, "dev", "GET", &reviews, None).await;
    ok(
        world,
        "dev",
        "GET",
        &format!("/repos/acme/api/pulls/{n}"),
        None,
    )
    .await;
    ok(
        world,
        "dev",
        "GET",
        &format!("/repos/acme/api/issues/{n}"),
        None,
    )
    .await;
    let protection = "/repos/acme/api/branches/main/protection";
    for part in [
        "/required_status_checks",
        "/required_status_checks/contexts",
        "/required_pull_request_reviews",
        "/enforce_admins",
        "/required_signatures",
    ] {
        ok(
            world,
            "commander",
            "GET",
            &format!("{protection}{part}"),
            None,
        )
        .await;
    }
    let put = json!({
        "required_status_checks": {"strict": true, "checks": [{"context": "ci"}]},
        "enforce_admins": true,
        "required_pull_request_reviews": {"required_approving_review_count": 1},
        "restrictions": {"users": ["commander"], "teams": ["sre"]},
    });
    ok(world, "commander", "PUT", protection, Some(put)).await;
    ok(
        world,
        "commander",
        "GET",
        &format!("{protection}/restrictions"),
        None,
    )
    .await;
    ok(
        world,
        "commander",
        "GET",
        &format!("{protection}/restrictions/users"),
        None,
    )
    .await;
    ok(
        world,
        "commander",
        "GET",
        &format!("{protection}/restrictions/teams"),
        None,
    )
    .await;
    ok(
        world,
        "commander",
        "PUT",
        "/repos/acme/web/rulesets/101",
        Some(json!({"enforcement": "active"})),
    )
    .await;
    let main = world.head();
    let before = "/repos/acme/api/git/refs/heads/breakglass/INC-1/before";
    ok(
        world,
        "commander",
        "PATCH",
        before,
        Some(json!({"sha": main, "force": true})),
    )
    .await;
    ok(world, "commander", "DELETE", before, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_of_a_whole_run_carries_githubs_required_members() {
    let doc = fixture();
    let world = World::start().await;
    world.sandbox.record_responses();
    break_glass_and_review(&world).await;
    issues_labels_and_comments(&world).await;
    reads(&world).await;
    reviews_and_administration(&world).await;

    let responses = world.sandbox.recorded_responses();
    let findings = check(&doc, &responses);
    eprintln!(
        "{} answers checked against {} operations; {} required members missing, {} other schema errors",
        findings.checked,
        findings.per_operation.len(),
        findings.missing.len(),
        findings.invalid.len(),
    );
    assert!(
        findings.unmapped.is_empty(),
        "answers of no published operation in the fixture: {:#?}",
        findings.unmapped
    );
    for expected in [
        "repos/set-admin-branch-protection",
        "pulls/create",
        "issues/create-comment",
    ] {
        assert!(
            findings.per_operation.contains_key(expected),
            "the run never called {expected}: {:?}",
            findings.per_operation
        );
    }
    assert!(
        findings.missing.is_empty(),
        "{} required members missing:\n{}",
        findings.missing.len(),
        findings.missing.join("\n")
    );
    assert!(
        findings.invalid.is_empty(),
        "{} schema errors:\n{}",
        findings.invalid.len(),
        findings.invalid.join("\n")
    );
}
