//! `breakglass status` without a token: the commander still sees which glass is open and
//! until when, from the local audit log, with a loud word that the forge was not asked.

mod support;

use support::{World, text_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_status_shows_the_open_glass_from_the_local_log() {
    let world = World::start().await;
    let out = world.activate("INC-T", "10m", &[]).await;
    assert!(out.status.success(), "{}", text_of(&out));
    let relaxed = world.protection();

    // No token anywhere: not in the environment, and no `gh` on the PATH to ask.
    let no_token = [("GH_TOKEN", ""), ("PATH", "/nonexistent")];
    let status = world.bg_env(&["status"], &no_token).await;
    let said = text_of(&status);
    assert_eq!(status.status.code(), Some(0), "{said}");
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(
        stdout.contains("INC-T acme/api main active") && stdout.contains("left"),
        "the open glass and its time left: {said}"
    );
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(stderr.contains("no token found for 127.0.0.1"), "{said}");
    assert!(
        stderr.contains("showing the local audit log only"),
        "it says the forge was not asked: {said}"
    );
    assert_eq!(world.protection(), relaxed, "nothing was sent to the forge");

    let json = world.bg_env(&["status", "--json"], &no_token).await;
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["forge_checked"], false, "{json}");
    assert!(
        json["offline"].as_str().unwrap().contains("no token"),
        "{json}"
    );
    assert!(json["recovery"].is_null(), "{json}");
    assert_eq!(json["open"][0]["id"], "INC-T", "{json}");
    assert_eq!(json["open"][0]["glass_possibly_open"], true, "{json}");

    // A log it cannot read is said too: it may hide an open glass.
    let log = world.home.path().join("data/audit.jsonl");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("not a record\n");
    std::fs::write(&log, text).unwrap();
    let unreadable = world.bg_env(&["status"], &no_token).await;
    assert!(
        String::from_utf8_lossy(&unreadable.stderr).contains("AUDIT LOG UNREADABLE"),
        "{}",
        text_of(&unreadable)
    );
    world.kill_watchdog("INC-T");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_token_status_says_it_asked_the_forge() {
    let world = World::start().await;
    let out = world.activate("INC-U", "10m", &[]).await;
    assert!(out.status.success(), "{}", text_of(&out));
    let online = world.bg(&["status", "--json"]).await;
    let online: serde_json::Value = serde_json::from_slice(&online.stdout).unwrap();
    assert_eq!(online["forge_checked"], true, "{online}");
    assert!(online["offline"].is_null(), "{online}");
    world.kill_watchdog("INC-U");
}
