//! `breakglass audit reconcile` through the real binary against the sandbox forge over
//! loopback: the sandbox records pushes as repository activity and rule suites, and the
//! reconcile command matches them with the ledger's `pushed` events.

mod common;
mod support;

use breakglass::forge::RepoId;
use breakglass::forge::github::Request;
use breakglass::forge::sandbox::{Fault, Sandbox, SandboxOptions};
use serde_json::{Value, json};
use std::process::Output;
use support::{World, audit_records, text_of};

/// acme/api main's protection as the seed sets it, as a PUT body.
fn hardened_body() -> Value {
    json!({
        "required_status_checks": {"strict": true, "checks": [{"context": "ci"}]},
        "enforce_admins": true,
        "required_pull_request_reviews": {"required_approving_review_count": 1},
        "restrictions": null,
    })
}

async fn reconcile(world: &World, args: &[&str]) -> Output {
    let mut all = vec!["audit", "reconcile"];
    all.extend_from_slice(args);
    world.bg(&all).await
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text_of(out)))
}

/// The incident's `pushed` event: (old_sha, new_sha).
fn pushed(world: &World, id: &str) -> (String, String) {
    let record = audit_records(world.home.path())
        .into_iter()
        .find(|r| r["incident"] == id && r["kind"] == "pushed")
        .expect("a pushed event");
    (
        record["data"]["old_sha"].as_str().unwrap().to_owned(),
        record["data"]["new_sha"].as_str().unwrap().to_owned(),
    )
}

/// activate → push → restore through breakglass, the watchdog stopped afterwards.
async fn push_through_breakglass(world: &World, id: &str) {
    let out = world.activate(id, "10m", &[]).await;
    assert!(out.status.success(), "{}", text_of(&out));
    let dir = world.clone_dir();
    let out = world
        .bg(&[
            "push",
            "--incident",
            id,
            "--repo-dir",
            dir.to_str().unwrap(),
        ])
        .await;
    assert!(out.status.success(), "{}", text_of(&out));
    let out = world.bg(&["restore", "--incident", id]).await;
    assert!(out.status.success(), "{}", text_of(&out));
    world.kill_watchdog(id);
}

/// Protection off with the API, a commit pushed with git, protection back: the bypass
/// nobody recorded. Returns (before, after).
async fn push_by_hand(world: &World, file: &str) -> (String, String) {
    let admin = common::sandbox::client_as(&world.sandbox, "commander");
    let protection = "/repos/acme/api/branches/main/protection";
    admin
        .execute(&Request::delete(protection.into()))
        .await
        .unwrap();
    let before = world.head();
    world.commit(file, "pushed around the rules\n").await;
    let out = world.raw_git_push().await;
    assert!(out.status.success(), "{}", text_of(&out));
    admin
        .execute(&Request::put(protection.into(), hardened_body()))
        .await
        .unwrap();
    (before, world.head())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_the_hand_made_bypass_is_reported() {
    let world = World::start().await;
    let protected = world.protection().unwrap();
    push_through_breakglass(&world, "INC-1").await;
    let (glass_before, glass_after) = pushed(&world, "INC-1");

    // Everything accounted for: exit 0.
    let out = reconcile(&world, &["--repo", "acme/api"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 accounted for, 0 unaccounted"), "{text}");
    assert!(text.contains("accounted for by INC-1"), "{text}");

    let (hand_before, hand_after) = push_by_hand(&world, "hand.txt").await;
    assert_eq!(world.protection().unwrap(), protected);

    let out = reconcile(&world, &["--repo", "acme/api", "--branch", "main"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text_of(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let unaccounted: Vec<&str> = text.lines().filter(|l| l.contains("UNACCOUNTED")).collect();
    assert_eq!(unaccounted.len(), 1, "{text}");
    assert!(
        unaccounted[0].contains(&format!("{hand_before} -> {hand_after}"))
            && unaccounted[0].contains("by commander")
            && unaccounted[0].contains("pull request reviews (classic branch protection)"),
        "{text}"
    );

    // The same in JSON, read one item a page so that every page must be followed, through
    // a rate limit the client waits out.
    world
        .sandbox
        .add_fault(Fault::parse("get:/repos/*/activity=429:1sx1").unwrap());
    let out = reconcile(
        &world,
        &[
            "--repo",
            "acme/api",
            "--json",
            "--since",
            "1d",
            "--per-page",
            "1",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text_of(&out));
    let report = json_of(&out);
    assert_eq!(report["repo"], "acme/api");
    assert_eq!(report["branch"], "main");
    assert_eq!(
        (report["accounted"].as_u64(), report["unaccounted"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(report["unavailable"], json!([]));
    let bypasses = report["bypasses"].as_array().unwrap();
    let shas: Vec<(&str, &str, &Value)> = bypasses
        .iter()
        .map(|b| {
            (
                b["before"].as_str().unwrap(),
                b["after"].as_str().unwrap(),
                &b["accounted_by"],
            )
        })
        .collect();
    assert_eq!(
        shas,
        [
            (glass_before.as_str(), glass_after.as_str(), &json!("INC-1")),
            (hand_before.as_str(), hand_after.as_str(), &Value::Null),
        ]
    );
    let hand = &bypasses[1];
    assert_eq!(hand["actor"], "commander");
    assert_eq!(hand["activity_type"], "push");
    assert_eq!(hand["rule_suite_id"], Value::Null);
    assert_eq!(
        hand["rules"],
        json!(["pull request reviews (classic branch protection)"])
    );
    assert!(
        hand["at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .is_ok()
    );
    let requests = world.sandbox.request_log();
    let activity_pages = requests
        .iter()
        .filter(|r| r.path.contains("/activity"))
        .count();
    assert!(
        activity_pages >= 1 + 1 + 1 + 2,
        "the last run was refused once, then read two pages: {activity_pages}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.path.contains("/activity") && r.status == 429),
        "the rate limit was met"
    );
    world.assert_chain_verifies().await;
}

/// Lets repository admins bypass acme/web's "main is reviewed" (the seed's ruleset 101),
/// then pushes a commit to main with git as the commander: (before, after).
async fn bypass_web_ruleset(world: &World) -> (String, String) {
    let web = RepoId::new("acme", "web");
    let admin = common::sandbox::client_as(&world.sandbox, "commander");
    let ruleset = admin
        .execute(&Request::get("/repos/acme/web/rulesets/101".into()))
        .await
        .unwrap()
        .json;
    let body = json!({
        "name": ruleset["name"], "target": ruleset["target"],
        "enforcement": ruleset["enforcement"],
        "bypass_actors": [{"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}],
        "conditions": ruleset["conditions"], "rules": ruleset["rules"],
    });
    admin
        .execute(&Request::put("/repos/acme/web/rulesets/101".into(), body))
        .await
        .unwrap();

    let dir = world.work.path().join("web");
    let (url, d, t) = (
        world.sandbox.clone_url(&web),
        dir.clone(),
        world.token.clone(),
    );
    tokio::task::spawn_blocking(move || breakglass::drill::clone_with_fix(&url, &d, &t))
        .await
        .unwrap()
        .unwrap();
    let before = world.sandbox.branch_head(&web, "main").unwrap();
    let out = git_push(world, &dir).await;
    assert!(out.status.success(), "{}", text_of(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Bypassed rule violations"),
        "{}",
        text_of(&out)
    );
    (before, world.sandbox.branch_head(&web, "main").unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ruleset_bypass_is_a_rule_suite_and_is_reported() {
    let world = World::start().await;
    let admin = common::sandbox::client_as(&world.sandbox, "commander");
    let web = RepoId::new("acme", "web");
    let (before, after) = bypass_web_ruleset(&world).await;

    // The forge's own record, as GitHub shapes it.
    let suites = admin
        .execute(
            &Request::get("/repos/acme/web/rulesets/rule-suites".into())
                .with_query("rule_suite_result", "bypass"),
        )
        .await
        .unwrap()
        .json;
    let suites = suites.as_array().unwrap();
    assert_eq!(suites.len(), 1, "{suites:?}");
    assert_eq!(suites[0]["before_sha"], before.as_str());
    assert_eq!(suites[0]["after_sha"], after.as_str());
    assert_eq!(suites[0]["actor_name"], "commander");
    assert_eq!(suites[0]["ref"], "refs/heads/main");
    assert_eq!(suites[0]["repository_name"], "web");
    let id = suites[0]["id"].as_u64().unwrap();
    let detail = admin
        .execute(&Request::get(format!(
            "/repos/acme/web/rulesets/rule-suites/{id}"
        )))
        .await
        .unwrap()
        .json;
    let failed: Vec<&Value> = detail["rule_evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["result"] == "fail")
        .collect();
    assert!(
        failed.iter().any(|e| e["rule_type"] == "pull_request"
            && e["rule_source"]
                == json!({"type": "ruleset", "id": 101, "name": "main is reviewed"})),
        "{detail}"
    );
    // Rule suites need repository administration: a writer is told nothing exists.
    let dev = common::sandbox::client_as(&world.sandbox, "dev");
    let refused = dev
        .execute(&Request::get("/repos/acme/web/rulesets/rule-suites".into()))
        .await;
    assert!(refused.is_err(), "{refused:?}");

    // A writer is no bypass actor: the ruleset refuses their push, a failed suite.
    let refused = common::sandbox::push_fix(&world.sandbox, &web, "main", "dev").await;
    assert!(!refused.accepted, "{refused:?}");
    let suites_where = |query: Vec<(&'static str, &'static str)>| {
        let admin = &admin;
        async move {
            let mut request = Request::get("/repos/acme/web/rulesets/rule-suites".into());
            for (k, v) in query {
                request = request.with_query(k, v);
            }
            let (response, _) = admin.send(&request).await.unwrap();
            let names = response.json.as_array().map(|items| {
                items
                    .iter()
                    .map(|s| {
                        format!(
                            "{}:{}",
                            s["actor_name"].as_str().unwrap(),
                            s["result"].as_str().unwrap()
                        )
                    })
                    .collect::<Vec<_>>()
            });
            (response.status, names.unwrap_or_default())
        }
    };
    assert_eq!(
        suites_where(vec![]).await,
        (200, vec!["dev:fail".into(), "commander:bypass".into()])
    );
    assert_eq!(
        suites_where(vec![("rule_suite_result", "fail")]).await.1,
        ["dev:fail"]
    );
    assert_eq!(
        suites_where(vec![("actor_name", "commander")]).await.1,
        ["commander:bypass"]
    );
    assert_eq!(
        suites_where(vec![("ref", "main"), ("time_period", "hour")])
            .await
            .1
            .len(),
        2
    );
    assert!(
        suites_where(vec![("ref", "refs/heads/other")])
            .await
            .1
            .is_empty()
    );
    assert_eq!(suites_where(vec![("time_period", "year")]).await.0, 422);
    assert_eq!(
        suites_where(vec![("rule_suite_result", "maybe")]).await.0,
        422
    );

    let out = reconcile(&world, &["--repo", "acme/web", "--json"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text_of(&out));
    let report = json_of(&out);
    let bypasses = report["bypasses"].as_array().unwrap();
    assert_eq!(bypasses.len(), 1, "{report}");
    assert_eq!(bypasses[0]["rule_suite_id"], id);
    assert_eq!(bypasses[0]["before"], before.as_str());
    assert!(
        bypasses[0]["rules"]
            .as_array()
            .unwrap()
            .contains(&json!("pull_request (ruleset \"main is reviewed\")")),
        "{report}"
    );
}

async fn git_push(world: &World, dir: &std::path::Path) -> Output {
    use base64::Engine;
    let header = format!(
        "Authorization: Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("x-access-token:{}", world.token.expose()))
    );
    tokio::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", &format!("http.extraHeader={header}")])
        .args(["push", "origin", "HEAD:main"])
        .output()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forge_without_the_endpoints_is_named_and_the_rest_still_checked() {
    let world = World::start().await;
    let (before, _) = bypass_web_ruleset(&world).await;
    let web = ["--repo", "acme/web", "--json"];

    // Without activity, the rule suite still shows the bypass.
    world
        .sandbox
        .add_fault(Fault::parse("get:/repos/*/activity=404").unwrap());
    let out = reconcile(&world, &web).await;
    assert_eq!(out.status.code(), Some(3), "{}", text_of(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("NOT CHECKED: GET /repos/acme/web/activity")
            && stderr.contains("direct pushes"),
        "{}",
        text_of(&out)
    );
    let report = json_of(&out);
    assert_eq!(
        report["unavailable"][0]["endpoint"],
        "GET /repos/acme/web/activity"
    );
    assert_eq!(report["bypasses"][0]["before"], before.as_str());
    assert_eq!(report["bypasses"][0]["activity_type"], Value::Null);
    assert!(report["bypasses"][0]["rule_suite_id"].is_u64(), "{report}");

    // Without rule suites, the activity still shows the direct push.
    world.sandbox.clear_faults();
    world
        .sandbox
        .add_fault(Fault::parse("get:/repos/*/rulesets/rule-suites=404").unwrap());
    let out = reconcile(&world, &web).await;
    assert_eq!(out.status.code(), Some(3), "{}", text_of(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("NOT CHECKED: GET /repos/acme/web/rulesets/rule-suites"),
        "{}",
        text_of(&out)
    );
    let report = json_of(&out);
    assert_eq!(report["bypasses"][0]["activity_type"], "push");
    assert_eq!(report["bypasses"][0]["rule_suite_id"], Value::Null);

    // Neither: nothing was checked, and the command says so instead of exiting 0.
    world
        .sandbox
        .add_fault(Fault::parse("get:/repos/*/activity=404").unwrap());
    let out = reconcile(&world, &["--repo", "acme/web"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text_of(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nothing could be checked"),
        "{}",
        text_of(&out)
    );
}

/// The activity list pages with `before`/`after` cursors in the `Link` header, filters by
/// ref, and the record survives a restart from `--dir`, older state files included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_pages_by_cursor_and_persists() {
    let dir = tempfile::tempdir().unwrap();
    let options = || SandboxOptions {
        dir: Some(dir.path().to_owned()),
        ..SandboxOptions::default()
    };
    let sandbox = Sandbox::start(options()).await.unwrap();
    let repo = common::sandbox::api();
    let admin = common::sandbox::client_as(&sandbox, "commander");
    admin
        .execute(&Request::delete(
            "/repos/acme/api/branches/main/protection".into(),
        ))
        .await
        .unwrap();
    for n in 0..3 {
        let outcome = common::sandbox::push_fix(&sandbox, &repo, "main", "commander").await;
        assert!(outcome.accepted, "push {n}: {outcome:?}");
    }
    let first = admin
        .send(
            &Request::get("/repos/acme/api/activity".into())
                .with_query("per_page", 2)
                .with_query("ref", "main"),
        )
        .await
        .unwrap()
        .0;
    let page: Vec<u64> = ids(&first.json);
    assert_eq!(page.len(), 2);
    let link = first.header("link").expect("a Link header").to_owned();
    assert!(
        link.contains("after=") && link.contains("rel=\"next\""),
        "{link}"
    );
    assert!(
        breakglass::forge::github::next_page_url(&link)
            .unwrap()
            .starts_with(&sandbox.api_url()),
        "{link}"
    );
    let all = admin
        .get_all_pages_of(
            Request::get("/repos/acme/api/activity".into()).with_query("ref", "main"),
            2,
        )
        .await
        .unwrap();
    let all_ids: Vec<u64> = ids(&Value::Array(all.clone()));
    assert_eq!(all_ids.len(), 3, "{all:?}");
    assert!(
        all_ids.windows(2).all(|w| w[0] > w[1]),
        "newest first: {all_ids:?}"
    );
    assert_eq!(&all_ids[..2], &page[..]);
    assert!(
        all.iter()
            .all(|a| a["activity_type"] == "push" && a["actor"]["login"] == "commander")
    );
    let oldest = &all[2];
    for key in [
        "id",
        "node_id",
        "before",
        "after",
        "ref",
        "timestamp",
        "activity_type",
        "actor",
    ] {
        assert!(oldest.get(key).is_some(), "{key} missing from {oldest}");
    }
    // Filters and direction, as GitHub documents them.
    let listed = |query: Vec<(&'static str, &'static str)>| {
        let admin = &admin;
        async move {
            let mut request = Request::get("/repos/acme/api/activity".into());
            for (k, v) in query {
                request = request.with_query(k, v);
            }
            admin.send(&request).await.unwrap().0
        }
    };
    let ascending = listed(vec![("direction", "asc")]).await;
    assert_eq!(
        ids(&ascending.json),
        all_ids.iter().rev().copied().collect::<Vec<_>>()
    );
    assert_eq!(
        ids(
            &listed(vec![("activity_type", "push"), ("actor", "COMMANDER")])
                .await
                .json
        )
        .len(),
        3
    );
    assert!(ids(&listed(vec![("activity_type", "force_push")]).await.json).is_empty());
    assert!(ids(&listed(vec![("actor", "dev")]).await.json).is_empty());
    assert!(ids(&listed(vec![("ref", "refs/heads/other")]).await.json).is_empty());
    assert_eq!(
        ids(&listed(vec![("time_period", "day")]).await.json).len(),
        3
    );
    for bad in [
        ("time_period", "fortnight"),
        ("direction", "sideways"),
        ("activity_type", "merge"),
        ("after", "nonsense"),
    ] {
        assert_eq!(listed(vec![bad]).await.status, 422, "{bad:?}");
    }
    // The second page links back to the first with a `before` cursor.
    let next = breakglass::forge::github::next_page_url(&link).unwrap();
    let relative = next.strip_prefix(&sandbox.api_url()).unwrap();
    let (path, query) = relative.split_once('?').unwrap();
    let mut request = Request::get(path.into());
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        request = request.with_query(&k, v.into_owned());
    }
    let second = admin.send(&request).await.unwrap().0;
    assert_eq!(ids(&second.json), &all_ids[2..]);
    let back = second.header("link").expect("a prev link").to_owned();
    assert!(
        back.contains("before=") && back.contains("rel=\"prev\"") && !back.contains("rel=\"next\""),
        "{back}"
    );

    sandbox.shutdown().await;

    // An older state file, written before activity was recorded, still loads.
    let state_file = dir.path().join("sandbox-state.json");
    let mut state: Value = serde_json::from_slice(&std::fs::read(&state_file).unwrap()).unwrap();
    let kept = state["repos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "api")
        .unwrap()["activity"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(kept, 3, "the activity was saved");
    let restarted = Sandbox::start(options()).await.unwrap();
    let admin = common::sandbox::client_as(&restarted, "commander");
    let reloaded = admin
        .get_all_pages(Request::get("/repos/acme/api/activity".into()))
        .await
        .unwrap();
    assert_eq!(ids(&Value::Array(reloaded)), all_ids);
    restarted.shutdown().await;
    for repo in state["repos"].as_array_mut().unwrap() {
        let repo = repo.as_object_mut().unwrap();
        repo.remove("activity");
        repo.remove("rule_suites");
    }
    std::fs::write(&state_file, serde_json::to_vec(&state).unwrap()).unwrap();
    let older = Sandbox::start(options()).await.unwrap();
    let admin = common::sandbox::client_as(&older, "commander");
    let none = admin
        .get_all_pages(Request::get("/repos/acme/api/activity".into()))
        .await
        .unwrap();
    assert!(none.is_empty());
    older.shutdown().await;
}

fn ids(items: &Value) -> Vec<u64> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_u64().unwrap())
        .collect()
}

/// Branch edits through the REST API are activity too, as on GitHub.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_ref_edits_are_activity() {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let admin = common::sandbox::client_as(&sandbox, "commander");
    let head = sandbox
        .branch_head(&common::sandbox::api(), "main")
        .unwrap();
    admin
        .execute(&Request::post_create(
            "/repos/acme/api/git/refs".into(),
            json!({"ref": "refs/heads/side", "sha": head}),
        ))
        .await
        .unwrap();
    admin
        .execute(&Request::delete(
            "/repos/acme/api/git/refs/heads/side".into(),
        ))
        .await
        .unwrap();
    let listed = admin
        .get_all_pages(Request::get("/repos/acme/api/activity".into()).with_query("ref", "side"))
        .await
        .unwrap();
    let seen: Vec<(&str, &str, &str)> = listed
        .iter()
        .map(|a| {
            (
                a["activity_type"].as_str().unwrap(),
                a["before"].as_str().unwrap(),
                a["after"].as_str().unwrap(),
            )
        })
        .collect();
    let zero = "0".repeat(40);
    assert_eq!(
        seen,
        [
            ("branch_deletion", head.as_str(), zero.as_str()),
            ("branch_creation", zero.as_str(), head.as_str()),
        ]
    );
    sandbox.shutdown().await;
}
