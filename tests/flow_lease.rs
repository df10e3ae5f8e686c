//! The lease closes the glass by itself: the detached watchdog restores at the deadline
//! after the activating process has exited, and with the watchdog killed too, the next
//! `breakglass status` restores it. Short real TTLs, polled with a bounded timeout.

mod support;

use std::time::Duration;
use support::{World, audit_records, eventually, text_of};

/// The triggers of the incident's `restore_intended` events.
fn restore_triggers(world: &World, id: &str) -> Vec<String> {
    audit_records(world.home.path())
        .into_iter()
        .filter(|r| r["incident"] == id && r["kind"] == "restore_intended")
        .map(|r| r["data"]["trigger"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watchdog_restores_at_the_deadline_after_the_activating_process_exited() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    let out = world.activate("INC-W", "3s", &[]).await;
    assert!(out.status.success(), "{}", text_of(&out));
    assert!(
        world.watchdog_pid("INC-W").is_some(),
        "a watchdog was started"
    );
    assert_ne!(world.protection().unwrap(), snapshot, "the glass is open");

    let closed = eventually(Duration::from_secs(30), || {
        world.events("INC-W").last().map(String::as_str) == Some("restored")
    })
    .await;
    assert!(closed, "the watchdog restored: {:?}", world.events("INC-W"));
    assert_eq!(restore_triggers(&world, "INC-W"), ["watchdog"]);
    assert_eq!(world.protection().unwrap(), snapshot);
    world.assert_chain_verifies().await;
    world.kill_watchdog("INC-W");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_watchdog_killed_the_next_status_restores_an_expired_lease() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    let out = world.activate("INC-S", "3s", &[]).await;
    assert!(out.status.success(), "{}", text_of(&out));
    world.kill_watchdog("INC-S");

    // Before the deadline `status` shows the open lease and leaves it alone.
    let early = world.bg(&["status", "--json"]).await;
    let early: serde_json::Value = serde_json::from_slice(&early.stdout).unwrap();
    assert_eq!(early["open"][0]["id"], "INC-S", "{early}");
    assert!(
        !world
            .events("INC-S")
            .contains(&"restore_intended".to_owned())
    );

    let mut last = None;
    for _ in 0..60 {
        let status = world.bg(&["status"]).await;
        if world.events("INC-S").last().map(String::as_str) == Some("restored") {
            last = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let status = last.expect("a status after the deadline restored the lease");
    assert_eq!(status.status.code(), Some(0), "{}", text_of(&status));
    assert!(
        String::from_utf8_lossy(&status.stderr)
            .contains("recovery: incident INC-S: protections restored")
    );
    assert_eq!(restore_triggers(&world, "INC-S"), ["recovery"]);
    assert_eq!(world.protection().unwrap(), snapshot);
    world.assert_chain_verifies().await;
}
