//! Intent before effect: when the audit log cannot take an event, activation fails before
//! any mutating request reaches the forge (the sandbox's request log shows none).
//!
//! The tests run as root, and root ignores directory permissions, so "unwritable" is made
//! two other ways: the log's path is a directory (no process can append a line to it), and
//! a file-size limit (`ulimit -f`, SIGXFSZ ignored) that lets `declared` and `preflighted`
//! in but makes writing `activation_intended` fail with EFBIG — the sharpest case, as the
//! log works right up to the intent that must precede the first forge change.

mod support;

use support::{REASON, World, text_of};

fn mutating_requests(world: &World) -> Vec<String> {
    world
        .sandbox
        .request_log()
        .into_iter()
        .filter(|r| r.method != "GET" && !r.path.contains("/git/"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_path_nobody_can_append_to_stops_activation_before_the_forge_is_touched() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    std::fs::create_dir_all(world.home.path().join("data/audit.jsonl")).unwrap();
    world.sandbox.clear_request_log();
    let out = world.activate("INC-U", "10m", &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text_of(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("audit"),
        "{}",
        text_of(&out)
    );
    assert_eq!(mutating_requests(&world), Vec::<String>::new());
    assert_eq!(world.protection().unwrap(), snapshot);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_intent_cannot_be_written_nothing_is_changed_on_the_forge() {
    // Measure where the intent would end in a log like this one.
    let reference = World::start().await;
    let out = reference.activate("INC-U", "10m", &[]).await;
    assert!(out.status.success(), "{}", text_of(&out));
    reference.kill_watchdog("INC-U");
    let lines: Vec<usize> = std::fs::read_to_string(reference.home.path().join("data/audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| l.len() + 1)
        .collect();
    let preflighted_end: usize = lines[..2].iter().sum();
    let intent_end = preflighted_end + lines[2];
    let limit_kib = preflighted_end / 1024 + 1;
    assert!(
        limit_kib * 1024 < intent_end,
        "the intent ({preflighted_end}..{intent_end}) must straddle the limit"
    );

    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    world.sandbox.clear_request_log();
    let script = format!("trap '' XFSZ; ulimit -f {limit_kib}; exec \"$0\" \"$@\"",);
    let out = world
        .bg_wrapped(
            "bash",
            &["-c", &script, env!("CARGO_BIN_EXE_breakglass")],
            &[
                "activate",
                "--repo",
                "acme/api",
                "--incident",
                "INC-U",
                "--reason",
                REASON,
                "--ttl",
                "10m",
            ],
        )
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", text_of(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("activation_intended"), "{said}");
    assert_eq!(mutating_requests(&world), Vec::<String>::new());
    assert_eq!(world.protection().unwrap(), snapshot);
    let kinds: Vec<String> = audit_records_lenient(&world);
    assert_eq!(
        kinds,
        ["declared", "preflighted"],
        "only whole, acknowledged events"
    );
}

/// The complete lines' kinds (a torn tail left by the size limit is not an event).
fn audit_records_lenient(world: &World) -> Vec<String> {
    let text = std::fs::read_to_string(world.home.path().join("data/audit.jsonl")).unwrap();
    text.split_inclusive('\n')
        .filter(|l| l.ends_with('\n'))
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}
