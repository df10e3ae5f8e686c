//! The watchdog never gives up: a forge that fails every restore request for a while at
//! the deadline is retried with capped backoff until the protection is back, by the
//! detached watchdog alone, with the failures recorded at most once a minute.

mod flow_support;

use breakglass::clock::{Clock, FakeClock};
use breakglass::config::Config;
use breakglass::flow::{Declaration, Flow, FlowOptions, FlowSetup, FlowSleeper, github_forge};
use breakglass::forge::github::RecordingSleeper;
use breakglass::forge::sandbox::Fault;
use breakglass::incident::{Phase, RestoreTrigger};
use breakglass::paths::Paths;
use flow_support::{REASON, World, audit_records, eventually, text_of};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watchdog_alone_restores_once_a_long_forge_outage_ends() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    let out = world.activate("INC-B", "3s", &[]).await;
    assert!(out.status.success(), "{}", text_of(&out));
    assert!(
        world.watchdog_pid("INC-B").is_some(),
        "a watchdog was started"
    );
    // Sixteen 503s: more than three attempts' worth, which is where the watchdog stopped.
    world.sandbox.add_fault(
        Fault::parse("post:/repos/*/branches/*/protection/enforce_admins=503x16").unwrap(),
    );
    let started = Instant::now();

    let closed = eventually(Duration::from_secs(120), || {
        world.events("INC-B").last().map(String::as_str) == Some("restored")
    })
    .await;
    let events = world.events("INC-B");
    world.kill_watchdog("INC-B");
    assert!(closed, "the watchdog restored: {events:?}");
    assert!(
        world.sandbox.faults().is_empty(),
        "the fault was used up before the restore got through: {:?}",
        world.sandbox.faults()
    );
    assert_eq!(world.protection().unwrap(), snapshot);

    let failures: Vec<u64> = audit_records(world.home.path())
        .into_iter()
        .filter(|r| r["incident"] == "INC-B" && r["kind"] == "restore_failed")
        .map(|r| r["data"]["attempt"].as_u64().unwrap())
        .collect();
    let minutes = started.elapsed().as_secs() / 60;
    assert!(
        !failures.is_empty() && failures.len() as u64 <= 1 + minutes,
        "the first failure, then at most one a minute: {failures:?} in {:?}",
        started.elapsed()
    );
    let triggers: Vec<String> = audit_records(world.home.path())
        .into_iter()
        .filter(|r| r["incident"] == "INC-B" && r["kind"] == "restore_intended")
        .map(|r| r["data"]["trigger"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        triggers.iter().all(|t| t == "watchdog"),
        "only the watchdog acted: {triggers:?}"
    );
    world.assert_chain_verifies().await;
}

/// A watchdog that starts while the forge fails every request keeps trying to connect,
/// and restores at the deadline once the forge answers again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watchdog_started_while_the_forge_fails_restores_once_it_answers() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    let out = world.activate("INC-U", "3s", &[]).await;
    assert!(out.status.success(), "{}", text_of(&out));
    world.kill_watchdog("INC-U");
    // Two connection attempts' worth of failures on the first request a watchdog makes.
    world
        .sandbox
        .add_fault(Fault::parse("get:/user=503x8").unwrap());
    let mut watchdog = std::process::Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(["watchdog", "--incident", "INC-U"])
        .env("BREAKGLASS_HOME", world.home.path())
        .env("GH_TOKEN", world.token.expose())
        .env_remove("GITHUB_TOKEN")
        .env_remove("BREAKGLASS_FAILPOINT")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();

    let closed = eventually(Duration::from_secs(60), || {
        world.events("INC-U").last().map(String::as_str) == Some("restored")
    })
    .await;
    let _ = watchdog.kill();
    let _ = watchdog.wait();
    assert!(closed, "the watchdog restored: {:?}", world.events("INC-U"));
    assert!(
        world.sandbox.faults().is_empty(),
        "the watchdog met every failure: {:?}",
        world.sandbox.faults()
    );
    assert_eq!(world.protection().unwrap(), snapshot);
    world.assert_chain_verifies().await;
}

/// The guard's loop itself, on a fake clock that the flow's sleeper advances: forty
/// refused restores in a row (about eighteen minutes of the policy's pauses) and then one
/// that gets through, with the failures recorded once a minute and no real waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_retries_at_the_policys_pace_and_records_a_failure_once_a_minute() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    let clock = FakeClock::at(chrono::Utc::now());
    let sleeper = Arc::new(RecordingSleeper::advancing(clock.clone()));
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let api_url = world.sandbox.api_url();
    let flow = Flow::open(FlowSetup {
        paths: Paths::under(world.home.path()),
        // The two-person rule has its own tests (flow_approval.rs).
        config: Config {
            approval: breakglass::config::ApprovalConfig {
                required: false,
                ..Default::default()
            },
            ..Config::default()
        },
        clock: shared.clone(),
        forge: github_forge(&api_url, world.token.clone(), shared).unwrap(),
        token: Some(world.token.clone()),
        options: FlowOptions {
            command: "guard test".into(),
            spawn_watchdog: false,
            api_url,
            sleeper: FlowSleeper(sleeper.clone()),
            ..FlowOptions::default()
        },
    })
    .await
    .unwrap();
    flow.declare(Declaration {
        id: "INC-G".into(),
        repo: "acme/api".parse().unwrap(),
        branch: "main".into(),
        reason: REASON.into(),
        ttl: Some(chrono::Duration::minutes(5)),
        drill: false,
        remote_url: None,
    })
    .await
    .unwrap();
    flow.preflight("INC-G", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    flow.activate("INC-G").await.unwrap();
    // A refusal the client does not retry by itself: one per restore attempt.
    world.sandbox.add_fault(
        Fault::parse("post:/repos/*/branches/*/protection/enforce_admins=422x40").unwrap(),
    );
    clock.advance(chrono::Duration::minutes(6));

    let outcome = flow
        .guard_lease("INC-G", RestoreTrigger::Deadline)
        .await
        .unwrap()
        .expect("the guard restored it");
    assert!(outcome.verified, "{}", outcome.summary());
    assert_eq!(outcome.attempts, 41, "forty refusals, then the restore");
    assert_eq!(world.protection().unwrap(), snapshot);

    let waits: Vec<u64> = sleeper.waits().iter().map(Duration::as_secs).collect();
    assert_eq!(waits.len(), 40, "one pause after each failed attempt");
    assert_eq!(waits[..7], [1, 2, 4, 8, 16, 30, 30], "capped at 30 s");

    let records = audit_records(world.home.path());
    let failures: Vec<(chrono::DateTime<chrono::Utc>, u64)> = records
        .iter()
        .filter(|r| r["incident"] == "INC-G" && r["kind"] == "restore_failed")
        .map(|r| {
            (
                r["ts"].as_str().unwrap().parse().unwrap(),
                r["data"]["attempt"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(failures[0].1, 1, "the first failure is recorded");
    for pair in failures.windows(2) {
        assert!(
            pair[1].0 - pair[0].0 >= chrono::Duration::seconds(60),
            "at most one a minute: {failures:?}"
        );
        assert!(
            pair[1].1 > pair[0].1,
            "the attempt count grows: {failures:?}"
        );
    }
    let slept: u64 = waits.iter().sum();
    assert!(
        (failures.len() as u64) <= 1 + slept / 60,
        "{} failures recorded over {slept} s",
        failures.len()
    );
    assert!(
        failures.len() >= 10,
        "still recorded while failing: {failures:?}"
    );
    assert_eq!(
        flow.incident("INC-G").unwrap().phase,
        Phase::Restored,
        "the failing state ends with the restore"
    );
    assert!(flow.incident("INC-G").unwrap().restore.failing.is_none());
    world.assert_chain_verifies().await;
}
