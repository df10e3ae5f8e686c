//! Webhook notifications through the real binary: a local HTTP receiver gets a Slack-shaped
//! message (`text` + `blocks`) for each telling step of a break-glass, the webhook URL
//! (a secret) appears in no file breakglass writes and in none of its output, and a
//! webhook that cannot be reached fails nothing but is recorded and shown by `status`.

mod flow_support;
mod webhook_support;

use flow_support::{World, text_of};
use std::path::Path;
use webhook_support::{receiver, what};

/// The secret part of the webhook URL, as Slack's URLs carry one.
const CANARY: &str = "T0CANARY/B0CANARY/canary-webhook-secret";

fn configure(world: &World, webhooks: &[String]) {
    webhook_support::configure(world.home.path(), webhooks);
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_containing(&path, needle));
        } else if path.file_name().is_some_and(|n| n != "config.toml")
            && String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).contains(needle)
        {
            found.push(path.display().to_string());
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_step_reaches_the_webhook_and_its_url_reaches_nothing_else() {
    let world = World::start().await;
    let (base, received) = receiver().await;
    configure(&world, &[format!("{base}/services/{CANARY}")]);
    let mut outputs = Vec::new();

    let activated = world.activate("INC-1", "10m", &[]).await;
    assert!(activated.status.success(), "{}", text_of(&activated));
    outputs.push(activated);
    let dir = world.clone_dir();
    for args in [
        vec![
            "push",
            "--incident",
            "INC-1",
            "--repo-dir",
            dir.to_str().unwrap(),
        ],
        vec!["restore", "--incident", "INC-1"],
        vec!["review", "--incident", "INC-1", "--reviewer", "reviewer"],
        vec!["status", "--json"],
    ] {
        let out = world.bg(&args).await;
        assert!(out.status.success(), "{args:?}: {}", text_of(&out));
        outputs.push(out);
    }
    world.kill_watchdog("INC-1");

    let got = received.lock().unwrap().clone();
    let texts: Vec<String> = got
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    let whats: Vec<String> = got.iter().map(what).collect();
    assert_eq!(
        whats,
        [
            "declared",
            "glass_open",
            "pushed",
            "restored",
            "review_opened"
        ],
        "{texts:#?}"
    );
    for message in &got {
        assert_eq!(message["blocks"][0]["type"], "section");
        assert_eq!(message["blocks"][0]["text"]["text"], message["text"]);
    }
    assert!(
        texts[0].starts_with("[break-glass] INC-1 on acme/api main: declared by commander"),
        "{}",
        texts[0]
    );
    assert!(
        texts[1].contains("GLASS OPEN for commander until ") && texts[1].ends_with(" UTC"),
        "{}",
        texts[1]
    );
    assert!(texts[2].contains("pushed 1 commit(s): "), "{}", texts[2]);
    assert!(texts[2].contains(&world.head()[..12]), "{}", texts[2]);
    assert!(texts[3].contains("verified"), "{}", texts[3]);
    assert!(texts[4].contains("/pull/"), "{}", texts[4]);

    // The URL is a secret: not in the audit log, the trace log or any state file...
    assert_eq!(
        files_containing(world.home.path(), "canary-webhook-secret"),
        Vec::<String>::new()
    );
    assert!(
        std::fs::read_dir(world.home.path().join("state/logs"))
            .unwrap()
            .count()
            > 0,
        "the trace log exists and was searched"
    );
    // ...nor in anything printed.
    for out in &outputs {
        assert!(
            !text_of(out).contains("canary-webhook-secret"),
            "{}",
            text_of(out)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_webhook_fails_nothing_and_is_shown_by_status() {
    let world = World::start().await;
    // A port nobody listens on: bound, then released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    configure(&world, &[format!("http://{closed}/services/{CANARY}")]);

    let activated = world.activate("INC-2", "10m", &[]).await;
    assert!(activated.status.success(), "{}", text_of(&activated));
    let status = world.bg(&["status"]).await;
    world.kill_watchdog("INC-2");
    let said = String::from_utf8_lossy(&status.stdout);
    assert!(
        said.contains("INC-2: notification failed: webhook 1 (127.0.0.1) did not take the"),
        "{}",
        text_of(&status)
    );
    assert!(!text_of(&status).contains("canary-webhook-secret"));
    assert!(!text_of(&activated).contains("canary-webhook-secret"));
    assert_eq!(
        files_containing(world.home.path(), "canary-webhook-secret"),
        Vec::<String>::new()
    );
}
