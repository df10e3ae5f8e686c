//! `breakglass drill --headless` runs the whole flow against a fresh in-process sandbox
//! and reports step timings, request counts and the exposure window; faults pass through
//! and a drift fault is a loud exit 3.

mod flow_support;

use flow_support::text_of;
use serde_json::Value;

async fn drill(args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(args)
        .env("BREAKGLASS_HOME", home.path())
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
        "activate",
        "push",
        "restore",
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
        [
            "declare",
            "preflight",
            "activate",
            "push",
            "restore",
            "review"
        ]
    );
    let activate = &report["steps"][2];
    assert!(activate["requests"].as_u64().unwrap() >= 1, "{activate}");
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
