//! `breakglass drill --headless` runs the whole flow against a fresh in-process sandbox
//! and reports step timings, request counts and the exposure window; faults pass through
//! and a drift fault is a loud exit 3.

mod flow_support;

use breakglass::clock::FakeClock;
use breakglass::drill::{RehearsalSetup, run_headless};
use breakglass::flow::{ChainState, LedgerView};
use breakglass::incident::Incident;
use breakglass::paths::Paths;
use flow_support::text_of;
use serde_json::Value;
use std::sync::Arc;

async fn drill(args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    drill_in(home.path(), args).await
}

async fn drill_in(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(args)
        .env("BREAKGLASS_HOME", home)
        .output()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_drill_passes_and_reports_the_window_and_the_requests() {
    let out = drill(&["drill", "--headless"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "preflight",
        "window",
        "review",
        "request(s)",
        "exposure window (activated → restored):",
        "drill passed",
    ] {
        assert!(said.contains(expected), "missing `{expected}` in:\n{said}");
    }

    let out = drill(&["drill", "--headless", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["passed"], true);
    assert!(report["exposure_millis"].as_i64().unwrap() > 0);
    let steps: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["declare", "preflight", "approve", "window", "review"]
    );
    // Relax, ref discovery, pack, drift read, restore, verifying read.
    let window = &report["steps"][3];
    assert_eq!(window["requests"].as_u64(), Some(6), "{window}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_drill_without_a_terminal_runs_the_headless_one() {
    let out = drill(&["drill"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("running the headless drill"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_during_the_window_is_restored_and_reported_with_exit_3() {
    let out = drill(&[
        "drill",
        "--headless",
        "--fault",
        "drift:acme/api:main",
        "--json",
    ])
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text_of(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["drift_found"], true);
    assert_eq!(
        report["restored_exactly"], true,
        "the snapshot is put back anyway"
    );
    assert_eq!(report["passed"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_fault_spec_is_a_clear_error() {
    let out = drill(&["drill", "--headless", "--fault", "nonsense"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text_of(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fault spec `nonsense` is not valid"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_drill_starts_no_watchdog_that_would_outlive_its_sandbox() {
    let home = tempfile::tempdir().unwrap();
    let out = drill_in(home.path(), &["drill", "--headless", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = report["incident"].as_str().unwrap();
    // The watchdog's PID file is written when one is started (`flow::watchdog::pid_file`).
    let pid_file = breakglass::flow::watchdog::pid_file(&home.path().join("state"), id);
    assert!(
        pid_file.parent().unwrap().parent().unwrap().is_dir(),
        "the drill recorded here"
    );
    assert!(
        !pid_file.exists() && !pid_file.parent().unwrap().exists(),
        "a watchdog was started for {id}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_that_keeps_failing_is_retried_as_the_drill_ends_and_exits_3() {
    let out = drill(&[
        "drill",
        "--headless",
        "--fault",
        "post:/repos/*/branches/*/protection/enforce_admins=500",
        "--json",
    ])
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text_of(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["passed"], false);
    assert_eq!(report["restored_exactly"], false);
    let at_end = report["restored_at_end"].as_str().unwrap();
    assert!(at_end.contains("RESTORE FAILED"), "{at_end}");
    assert!(
        report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "the glass is still open"),
        "{report}"
    );
}

/// Every incident in the log at `paths`, read the one way the product reads it.
fn incidents(paths: &Paths) -> Vec<Incident> {
    let ledger = LedgerView::read(&paths.audit_log());
    assert!(
        matches!(ledger.chain, ChainState::Verified { .. }),
        "the chain verifies: {:?}",
        ledger.chain
    );
    assert!(ledger.unreadable.is_empty(), "{:?}", ledger.unreadable);
    ledger.incidents
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_headless_drill_is_named_by_the_injected_clock_and_judged_like_the_home_screen() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    let clock = FakeClock::default_start();
    let setup = RehearsalSetup {
        paths: Some(paths.clone()),
        ..RehearsalSetup::default()
    };
    let report = run_headless(&setup, Arc::new(clock)).await.unwrap();
    assert_eq!(report.incident, "DRILL-20260101-090000");
    assert!(report.verdict.passed, "{:?}", report.verdict.problems);

    // The home screen judges the same drill from the log alone, by the same rule.
    let home_view = breakglass::tui::adapt::home_view(&incidents(&paths));
    assert_eq!(home_view.drills.len(), 1);
    assert!(home_view.drills[0].scenario.contains(&report.incident));
    assert!(home_view.drills[0].passed);
}
