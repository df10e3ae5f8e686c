//! Drift during the window, decided by the operator through `breakglass restore
//! --on-drift`: the default puts the snapshot back, keep-theirs undoes only our
//! relaxation and keeps the colleague's change (verified by read-back), hold changes
//! nothing until the lease deadline restores the snapshot, and a colleague's change to
//! the very setting we relaxed makes keep-theirs refuse. Against the sandbox forge, whose
//! drift sets the required approving review count to 2.

mod support;

use breakglass::forge::github::{ClientOptions, GitHubClient, Request};
use breakglass::forge::request::{ApiCall, HttpMethod};
use serde_json::Value;
use std::time::Duration;
use support::{World, audit_records, text_of};

/// What the seeded `main` requires before anyone touches it, and what the drift sets.
const SNAPSHOT_COUNT: u64 = 1;
const DRIFTED_COUNT: u64 = 2;

fn review_count(world: &World) -> u64 {
    world.protection().unwrap()["required_pull_request_reviews"]["required_approving_review_count"]
        .as_u64()
        .unwrap()
}

fn enforce_admins(world: &World) -> bool {
    world.protection().unwrap()["enforce_admins"]["enabled"]
        .as_bool()
        .unwrap()
}

/// The incident's audit records of `kind`, their `data`.
fn data_of(world: &World, id: &str, kind: &str) -> Vec<Value> {
    audit_records(world.home.path())
        .into_iter()
        .filter(|r| r["incident"] == id && r["kind"] == kind)
        .map(|r| r["data"].clone())
        .collect()
}

/// Opens the glass for `id` (commander, an admin: enforce_admins goes off), stops the
/// watchdog so only the test decides when to restore, then drifts the review count.
async fn open_and_drift(world: &World, id: &str, ttl: &str) {
    let out = world.activate(id, ttl, &[]).await;
    assert!(out.status.success(), "{}", text_of(&out));
    world.kill_watchdog(id);
    assert!(!enforce_admins(world), "our relaxation is in place");
    world.sandbox.apply_drift(&world.repo, "main").unwrap();
    assert_eq!(review_count(world), DRIFTED_COUNT);
}

async fn restore(world: &World, id: &str, on_drift: &str) -> (std::process::Output, Value) {
    let out = world
        .bg(&[
            "restore",
            "--incident",
            id,
            "--on-drift",
            on_drift,
            "--json",
        ])
        .await;
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out, json)
}

fn assert_drift_reported(json: &Value) {
    let drift = json["drift"].as_array().expect("the three-way diff");
    assert_eq!(drift.len(), 1, "{json}");
    assert_eq!(
        drift[0]["path"],
        "classic.required_pull_request_reviews.required_approving_review_count"
    );
    assert_eq!(
        (
            &drift[0]["snapshot"],
            &drift[0]["ours"],
            &drift[0]["theirs"]
        ),
        (
            &Value::from(SNAPSHOT_COUNT),
            &Value::from(SNAPSHOT_COUNT),
            &Value::from(DRIFTED_COUNT)
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_restores_the_snapshot_and_records_the_drift_and_the_decision() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    open_and_drift(&world, "INC-D1", "10m").await;

    let (out, json) = restore(&world, "INC-D1", "restore").await;

    assert_eq!(
        out.status.code(),
        Some(3),
        "drift needs attention: {}",
        text_of(&out)
    );
    assert_drift_reported(&json);
    assert_eq!(json["choice"], "restore_snapshot", "{json}");
    assert_eq!(json["verified"], true, "{json}");
    assert_eq!(world.protection().unwrap(), snapshot);
    assert_eq!(review_count(&world), SNAPSHOT_COUNT);
    assert_eq!(data_of(&world, "INC-D1", "drift_detected").len(), 1);
    assert_eq!(
        data_of(&world, "INC-D1", "drift_decided"),
        [serde_json::json!({"choice": "restore_snapshot"})]
    );
    world.assert_chain_verifies().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_theirs_puts_enforce_admins_back_and_keeps_their_review_count() {
    let world = World::start().await;
    open_and_drift(&world, "INC-D2", "10m").await;

    let (out, json) = restore(&world, "INC-D2", "keep-theirs").await;

    assert_eq!(out.status.code(), Some(3), "{}", text_of(&out));
    assert_drift_reported(&json);
    assert_eq!(json["choice"], "keep_theirs", "{json}");
    assert_eq!(json["verified"], true, "{json}");
    assert!(enforce_admins(&world), "our relaxation is undone");
    assert_eq!(review_count(&world), DRIFTED_COUNT, "their change is kept");
    let kept = &json["kept"];
    assert_eq!(kept["classic"]["enforce_admins"], true, "{kept}");
    assert_eq!(
        kept["classic"]["required_pull_request_reviews"]["required_approving_review_count"],
        DRIFTED_COUNT
    );
    let decided = data_of(&world, "INC-D2", "drift_decided");
    assert_eq!(decided.len(), 1);
    assert_eq!(decided[0]["choice"], "keep_theirs");
    assert_eq!(&decided[0]["kept"], kept, "the kept state is on the record");
    assert_eq!(
        data_of(&world, "INC-D2", "restored"),
        [serde_json::json!({"verified": true})]
    );
    // Only our relaxation's inverse was sent: no full PUT over their change.
    let puts = world
        .sandbox
        .request_log()
        .iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/protection"))
        .count();
    assert_eq!(puts, 0);
    assert!(world.sandbox.request_log().iter().any(|r| {
        r.method == "POST" && r.path.ends_with("/protection/enforce_admins") && r.status == 200
    }));

    // The incident is closed with the kept state; a second restore changes nothing.
    let (again, json) = restore(&world, "INC-D2", "restore").await;
    assert_eq!(json["already_closed"], true, "{}", text_of(&again));
    assert_eq!(review_count(&world), DRIFTED_COUNT);
    world.assert_chain_verifies().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_changes_nothing_until_the_deadline_restores_the_snapshot() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    open_and_drift(&world, "INC-D3", "15s").await;
    let relaxed = world.protection().unwrap();

    let (out, json) = restore(&world, "INC-D3", "hold").await;

    assert_eq!(out.status.code(), Some(3), "{}", text_of(&out));
    assert_drift_reported(&json);
    assert_eq!(json["choice"], "hold", "{json}");
    assert_eq!(json["verified"], false);
    assert!(json["held_until"].is_string(), "{json}");
    assert_eq!(world.protection().unwrap(), relaxed, "nothing was changed");
    assert!(
        !world
            .events("INC-D3")
            .contains(&"restore_intended".to_owned())
    );
    assert_eq!(
        data_of(&world, "INC-D3", "drift_decided"),
        [serde_json::json!({"choice": "hold"})]
    );
    let words = world
        .bg(&["restore", "--incident", "INC-D3", "--on-drift", "hold"])
        .await;
    let text = String::from_utf8_lossy(&words.stdout);
    assert!(
        text.contains("stays OPEN until the lease deadline"),
        "{text}"
    );

    // Before the deadline `status` leaves the held glass alone; after it, restores it.
    let early = world.bg(&["status", "--json"]).await;
    let early: Value = serde_json::from_slice(&early.stdout).unwrap();
    assert_eq!(early["open"][0]["id"], "INC-D3", "{early}");
    let mut restored = false;
    for _ in 0..160 {
        world.bg(&["status"]).await;
        if world.events("INC-D3").last().map(String::as_str) == Some("restored") {
            restored = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(restored, "{:?}", world.events("INC-D3"));
    assert_eq!(world.protection().unwrap(), snapshot);
    let triggers: Vec<_> = data_of(&world, "INC-D3", "restore_intended")
        .into_iter()
        .map(|d| d["trigger"].clone())
        .collect();
    assert_eq!(triggers, ["recovery"]);
    let choices: Vec<_> = data_of(&world, "INC-D3", "drift_decided")
        .into_iter()
        .map(|d| d["choice"].clone())
        .collect();
    assert_eq!(choices, ["hold", "hold", "restore_snapshot"]);
    world.assert_chain_verifies().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_theirs_is_refused_when_they_changed_the_setting_we_relaxed() {
    let world = World::start().await;
    open_and_drift(&world, "INC-D4", "10m").await;
    // The colleague also turns enforce_admins back on: the setting we relaxed.
    let colleague = GitHubClient::new(
        &world.sandbox.api_url(),
        world.sandbox.token("commander"),
        ClientOptions::default(),
    )
    .unwrap();
    let call = ApiCall::new(
        HttpMethod::Post,
        "/repos/acme/api/branches/main/protection/enforce_admins".into(),
        "repos/set-admin-branch-protection",
    );
    colleague
        .execute(&Request::for_call(&call, &world.repo))
        .await
        .unwrap();
    let theirs = world.protection().unwrap();
    let events_before = world.events("INC-D4");

    let (out, _) = restore(&world, "INC-D4", "keep-theirs").await;

    assert_eq!(out.status.code(), Some(3), "{}", text_of(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("classic.enforce_admins")
            && stderr.contains("restore the snapshot")
            && stderr.contains("by hand"),
        "{stderr}"
    );
    assert_eq!(world.protection().unwrap(), theirs, "nothing was changed");
    assert_eq!(
        world.events("INC-D4"),
        events_before,
        "nothing was recorded"
    );

    // The default still works afterwards.
    let (out, json) = restore(&world, "INC-D4", "restore").await;
    assert_eq!(out.status.code(), Some(3), "{}", text_of(&out));
    assert_eq!(json["verified"], true, "{json}");
    assert_eq!(review_count(&world), SNAPSHOT_COUNT);
}
