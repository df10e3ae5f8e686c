//! Failures are loud: an activation the forge refuses is restored at once and recorded; a
//! restore the forge keeps refusing ends in `restore_failed` with exit code 3 (for
//! `restore` and for every later `status`) until a later command gets it through; a
//! recorded snapshot this version cannot read stops the restore before any request.

mod support;

use breakglass::forge::sandbox::Fault;
use support::{World, text_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_activation_is_recorded_and_restored_at_once() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    world.sandbox.add_fault(
        Fault::parse("delete:/repos/*/branches/*/protection/enforce_admins=422").unwrap(),
    );
    let out = world.activate("INC-F", "10m", &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text_of(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("activation failed"), "{said}");
    assert!(
        said.contains("put the protection back and verified it"),
        "{said}"
    );
    assert_eq!(
        world.events("INC-F"),
        [
            "declared",
            "preflighted",
            "activation_intended",
            "activation_failed",
            "restore_intended",
            "restored"
        ]
    );
    assert_eq!(world.protection().unwrap(), snapshot);
    world.assert_chain_verifies().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_the_forge_keeps_refusing_is_exit_3_until_it_gets_through() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    let out = world.activate("INC-R", "10m", &[]).await;
    assert!(out.status.success(), "{}", text_of(&out));
    world.kill_watchdog("INC-R");
    world
        .sandbox
        .add_fault(Fault::parse("post:/repos/*/branches/*/protection/enforce_admins=422").unwrap());
    let failed = world.bg(&["restore", "--incident", "INC-R"]).await;
    assert_eq!(failed.status.code(), Some(3), "{}", text_of(&failed));
    assert!(String::from_utf8_lossy(&failed.stdout).contains("RESTORE FAILED"));
    assert_eq!(
        world.events("INC-R").last().map(String::as_str),
        Some("restore_failed")
    );
    assert_ne!(
        world.protection().unwrap(),
        snapshot,
        "the glass is still open"
    );
    let still = world.bg(&["status"]).await;
    assert_eq!(still.status.code(), Some(3), "{}", text_of(&still));

    world.sandbox.clear_faults();
    let status = world.bg(&["status"]).await;
    assert_eq!(status.status.code(), Some(0), "{}", text_of(&status));
    assert_eq!(
        world.events("INC-R").last().map(String::as_str),
        Some("restored")
    );
    assert_eq!(world.protection().unwrap(), snapshot);
    world.assert_chain_verifies().await;
}

/// A restore whose recorded snapshot this version cannot read (an older version wrote the
/// reviews as a sentence) stops before any request with exit 3 and the way to restore by
/// hand, instead of panicking half-way through the restore.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_snapshot_this_version_cannot_read_is_refused_with_what_to_do() {
    let world = World::start().await;
    let out = world.activate("INC-OLD", "10m", &[]).await;
    assert!(out.status.success(), "{}", text_of(&out));
    world.kill_watchdog("INC-OLD");
    let relaxed = world.protection().unwrap();
    rewrite_log_with_an_older_snapshot(world.home.path(), "INC-OLD");

    let out = world.bg(&["restore", "--incident", "INC-OLD"]).await;

    assert_eq!(out.status.code(), Some(3), "act now: {}", text_of(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(
            "the snapshot recorded for INC-OLD is not one this version can restore (its classic \
             protection is not understood: required_pull_request_reviews is not an object"
        ),
        "{said}"
    );
    assert!(
        said.contains("`breakglass audit show --incident INC-OLD --json`"),
        "{said}"
    );
    assert!(!said.contains("panicked"), "{said}");
    assert_eq!(world.protection().unwrap(), relaxed, "nothing was sent");
    world.assert_chain_verifies().await;
}

/// Replaces the audit log at `home` with one holding the same events for `id`, except that
/// the preflight's snapshot records the reviews in a shape no GitHub GET has.
fn rewrite_log_with_an_older_snapshot(home: &std::path::Path, id: &str) {
    use breakglass::audit::{AuditLog, NewEntry};
    use breakglass::clock::SystemClock;
    let records = support::audit_records(home);
    let path = home.join("data/audit.jsonl");
    std::fs::remove_file(&path).unwrap();
    let mut log = AuditLog::open(path, std::sync::Arc::new(SystemClock)).unwrap();
    for record in records.into_iter().filter(|r| r["incident"] == id) {
        let mut data = record["data"].clone();
        if record["kind"] == "preflighted" {
            data["snapshot"]["classic"]["raw"]["required_pull_request_reviews"] =
                serde_json::json!("one approving review");
        }
        log.append(NewEntry {
            incident: Some(id.into()),
            actor: record["actor"].as_str().unwrap().into(),
            kind: record["kind"].as_str().unwrap().into(),
            data,
        })
        .unwrap();
    }
}
