//! Failures are loud: an activation the forge refuses is restored at once and recorded; a
//! restore the forge keeps refusing ends in `restore_failed` with exit code 3 (for
//! `restore` and for every later `status`) until a later command gets it through.

mod flow_support;

use breakglass::forge::sandbox::Fault;
use flow_support::{World, text_of};

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
