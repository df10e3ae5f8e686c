//! Drill scenarios end to end: every built-in scenario run headless by the real binary
//! against the in-process sandbox ends the way this table (written independently of the
//! scenario files) says; runs are recorded as drills and read back as history and
//! scorecards; a team's scenario file that does not validate is reported with its line.

use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn breakglass(home: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(args)
        .env("BREAKGLASS_HOME", home)
        .output()
        .unwrap()
}

fn text_of(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run_scenario(home: &Path, id: &str) -> Value {
    let out = breakglass(home, &["drill", "--scenario", id, "--headless", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{id}: {}", text_of(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{id}: {e}\n{}", text_of(&out)))
}

/// Each built-in scenario, how it must end, and what else must hold.
const EXPECTED: &[(&str, &str, Option<&str>)] = &[
    ("clean-run", "passed", None),
    ("writer-classic", "refused", Some("preflight")),
    ("repo-ruleset", "passed", None),
    ("org-ruleset", "refused", Some("preflight")),
    ("restore-5xx", "passed", None),
    ("preflight-rate-limited", "passed", None),
    ("colleague-drift", "drift", None),
    ("main-moved", "push-rejected", Some("push")),
    ("terminal-dies", "watchdog-restored", None),
];

#[test]
fn every_built_in_scenario_ends_as_expected() {
    let listed = breakglass(
        tempfile::tempdir().unwrap().path(),
        &["drill", "--list", "--json"],
    );
    let listed: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    let runnable: Vec<&str> = listed
        .iter()
        .filter(|s| s["needs_approval_support"] == false)
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    let table: Vec<&str> = EXPECTED.iter().map(|(id, ..)| *id).collect();
    assert_eq!(runnable, table, "a runnable scenario without a row here");

    for (id, outcome, step) in EXPECTED {
        let home = tempfile::tempdir().unwrap();
        let report = run_scenario(home.path(), id);
        assert_eq!(report["outcome"]["kind"], *outcome, "{id}: {report:#}");
        assert_eq!(report["outcome"]["step"].as_str(), *step, "{id}");
        assert_eq!(report["expected"]["met"], true, "{id}: {report:#}");
        assert_eq!(report["scenario"], *id);
        // Whatever happened, the protection is as the snapshot found it.
        assert_eq!(report["restored_exactly"], true, "{id}: {report:#}");
    }
}

#[test]
fn the_faults_a_scenario_arms_are_met_and_handled() {
    let home = tempfile::tempdir().unwrap();
    let report = run_scenario(home.path(), "restore-5xx");
    let met = report["faults_met"].as_array().unwrap();
    assert_eq!(met.len(), 1, "{report:#}");
    assert!(
        met[0]["request"]
            .as_str()
            .unwrap()
            .ends_with("/repos/acme/api/branches/main/protection 502"),
        "{met:?}"
    );
    assert!(
        met[0]["handled"].as_str().unwrap().contains("answered 200"),
        "{met:?}"
    );
    // Armed as the window starts, it hits the restore's first read: activation's change
    // went through before it.
    let window = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "window")
        .unwrap();
    let lines: Vec<&str> = window["request_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let relaxed = lines.iter().position(|l| l.ends_with("enforce_admins 204"));
    let failed = lines.iter().position(|l| l.ends_with("protection 502"));
    assert!(
        matches!((relaxed, failed), (Some(r), Some(f)) if r < f),
        "{lines:?}"
    );
}

#[test]
fn a_scenario_needing_approval_is_marked_and_not_faked() {
    let home = tempfile::tempdir().unwrap();
    let listed = breakglass(home.path(), &["drill", "--list"]);
    let listed = String::from_utf8_lossy(&listed.stdout);
    let line = listed
        .lines()
        .find(|l| l.starts_with("approval-never"))
        .unwrap();
    assert!(line.contains("needs approval support"), "{listed}");
    let out = breakglass(
        home.path(),
        &["drill", "--scenario", "approval-never", "--headless"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text_of(&out));
    assert!(text_of(&out).contains("needs approval support"));
    let out = breakglass(home.path(), &["drill", "--scenario", "nope", "--headless"]);
    assert!(
        text_of(&out).contains("pick one of: clean-run,"),
        "{}",
        text_of(&out)
    );
}

/// `… --json | head -1`: the reader goes away; the command ends quietly, no panic.
#[test]
fn json_to_a_reader_that_went_away_ends_quietly() {
    let home = tempfile::tempdir().unwrap();
    run_scenario(home.path(), "writer-classic");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(["drill", "history", "--json"])
        .env("BREAKGLASS_HOME", home.path())
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn drill_runs_become_history_and_scorecards_compare_with_earlier_runs() {
    let home = tempfile::tempdir().unwrap();
    let first = run_scenario(home.path(), "clean-run");
    assert!(first["scorecard"]["earlier"].is_null(), "{first:#}");
    let second = run_scenario(home.path(), "clean-run");
    run_scenario(home.path(), "writer-classic");
    let earlier = &second["scorecard"]["earlier"];
    assert_eq!(earlier["runs"], 1, "{second:#}");
    assert_eq!(earlier["last_seconds"], first["scorecard"]["total_seconds"]);

    let out = breakglass(
        home.path(),
        &["drill", "history", "--scenario", "clean-run", "--json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let history: Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = history["runs"].as_array().unwrap();
    let ids: Vec<&str> = runs
        .iter()
        .map(|r| r["incident"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            first["incident"].as_str().unwrap(),
            second["incident"].as_str().unwrap()
        ]
    );
    let steps: Vec<&str> = runs[0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert!(
        steps.contains(&"preflight") && steps.contains(&"review"),
        "{steps:?}"
    );
    assert!(runs.iter().all(|r| r["passed"] == true));

    let out = breakglass(home.path(), &["drill", "history"]);
    let all = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        all.lines().filter(|l| l.contains("DRILL-")).count(),
        3,
        "{all}"
    );

    let id = second["incident"].as_str().unwrap();
    let out = breakglass(home.path(), &["drill", "report", id, "--markdown"]);
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let markdown = String::from_utf8_lossy(&out.stdout);
    assert!(
        markdown.starts_with(&format!("# Drill {id} — clean-run")),
        "{markdown}"
    );
    assert!(markdown.contains("| preflight |"), "{markdown}");
    assert!(markdown.contains("- earlier runs: 1; best"), "{markdown}");
    assert!(markdown.contains("- passed"), "{markdown}");
}

#[test]
fn a_team_scenario_that_does_not_validate_is_reported_with_file_and_line() {
    let home = tempfile::tempdir().unwrap();
    let drills = home.path().join("config").join("drills");
    std::fs::create_dir_all(&drills).unwrap();
    std::fs::write(
        drills.join("ours.toml"),
        "id = \"ours\"\ntitle = \"Ours\"\nstory = \"s\"\n\n[situation]\ncommander = \"admin\"\nprotection = \"classic\"\n\n[[fault]]\nspec = \"get:/user=500\"\nat = \"lunch\"\n\n[expect]\noutcome = \"passed\"\n",
    )
    .unwrap();
    let out = breakglass(home.path(), &["drill", "--list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("ours.toml line 11: unknown step `lunch`"),
        "{said}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("ours"));
}
