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
    ("approval-never", "passed", None),
];

#[test]
fn every_built_in_scenario_ends_as_expected() {
    let listed = breakglass(
        tempfile::tempdir().unwrap().path(),
        &["drill", "--list", "--json"],
    );
    let listed: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    let runnable: Vec<&str> = listed.iter().map(|s| s["id"].as_str().unwrap()).collect();
    let table: Vec<&str> = EXPECTED.iter().map(|(id, ..)| *id).collect();
    assert_eq!(runnable, table, "a scenario without a row here");

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
fn an_unknown_scenario_names_the_ones_there_are() {
    let home = tempfile::tempdir().unwrap();
    let out = breakglass(home.path(), &["drill", "--scenario", "nope", "--headless"]);
    assert_eq!(out.status.code(), Some(1), "{}", text_of(&out));
    assert!(
        text_of(&out).contains("pick one of: clean-run,"),
        "{}",
        text_of(&out)
    );
}

fn kinds_in_log(home: &Path, id: &str) -> Vec<(String, Value)> {
    let log = std::fs::read_to_string(home.join("data").join("audit.jsonl")).unwrap();
    log.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["incident"] == id)
        .map(|r| (r["kind"].as_str().unwrap().to_owned(), r["data"].clone()))
        .collect()
}

/// The approval never comes: the scenario's commander waits, then self-approves loudly —
/// recorded as `self_approved`, posted on the incident issue, listed in the review's facts.
#[test]
fn when_the_approval_never_comes_the_commander_self_approves_on_the_record() {
    let home = tempfile::tempdir().unwrap();
    let sandbox_dir = home.path().join("sandbox");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args([
            "drill",
            "--scenario",
            "approval-never",
            "--headless",
            "--json",
        ])
        .env("BREAKGLASS_HOME", home.path())
        .env("BREAKGLASS_DRILL_SANDBOX_DIR", &sandbox_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = report["incident"].as_str().unwrap().to_owned();
    let kinds: Vec<String> = kinds_in_log(home.path(), &id)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let asked = kinds.iter().position(|k| k == "approval_requested");
    let self_approved = kinds.iter().position(|k| k == "self_approved");
    let activated = kinds.iter().position(|k| k == "activated");
    assert!(
        matches!((asked, self_approved, activated), (Some(a), Some(s), Some(o)) if a < s && s < o),
        "asked, then self-approved, then opened: {kinds:?}"
    );
    assert!(
        !kinds.iter().any(|k| k == "approved"),
        "nobody approved: {kinds:?}"
    );
    let said = report["outcome"]["said"].to_string();
    assert!(said.contains("the second person is asleep"), "{report:#}");
    // In the drill's own report, loudly.
    assert!(
        report["approval"][0]
            .as_str()
            .unwrap()
            .starts_with("SELF-APPROVED by commander"),
        "{report:#}"
    );

    // On the incident issue, where the team watches.
    let comments = issue_comments(&sandbox_dir, &id);
    assert!(
        comments
            .iter()
            .any(|c| c.starts_with("⚠️ SELF-APPROVED: commander breaks the glass")),
        "{comments:#?}"
    );
    // In the review's facts.
    let drafts = breakglass::paths::Paths::under(home.path())
        .data_dir
        .join("reviews");
    breakglass::review::save_draft(&drafts, &breakglass::review::ReviewForm::new(id.clone()))
        .unwrap();
    let file = home.path().join("review.md");
    let out = breakglass(
        home.path(),
        &[
            "review",
            "--export",
            file.to_str().unwrap(),
            "--incident",
            &id,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let md = std::fs::read_to_string(&file).unwrap();
    assert!(
        md.contains("- **Approval:** SELF-APPROVED by commander"),
        "{md}"
    );
}

/// Every comment on drill `id`'s incident issue, read back from the sandbox's kept state.
fn issue_comments(sandbox_dir: &Path, id: &str) -> Vec<String> {
    use breakglass::forge::RepoId;
    use breakglass::forge::sandbox::{Sandbox, SandboxOptions};
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let sandbox = Sandbox::start(SandboxOptions {
            dir: Some(sandbox_dir.to_owned()),
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let clock: std::sync::Arc<dyn breakglass::clock::Clock> =
            std::sync::Arc::new(breakglass::clock::SystemClock);
        let forge =
            breakglass::flow::github_forge(&sandbox.api_url(), sandbox.token("commander"), clock)
                .unwrap();
        let repo: RepoId = "acme/api".parse().unwrap();
        let issue = breakglass::mirror::find(forge.as_ref(), &repo, id)
            .await
            .unwrap()
            .expect("the drill's incident issue");
        let comments = forge
            .issue_comments(&issue.repo, issue.number, None)
            .await
            .unwrap();
        sandbox.shutdown().await;
        comments.into_iter().map(|c| c.body).collect()
    })
}

/// A team's scenarios drive the second person and the commander's decision: a reviewer
/// who takes their time is waited for, and a commander who aborts opens nothing.
#[test]
fn the_scenario_says_when_the_second_person_approves_and_what_the_commander_decides() {
    let home = tempfile::tempdir().unwrap();
    let drills = home.path().join("config").join("drills");
    std::fs::create_dir_all(&drills).unwrap();
    let situation = "[situation]\ncommander = \"admin\"\nprotection = \"classic\"\n";
    std::fs::write(
        drills.join("slow.toml"),
        format!(
            "id = \"slow-reviewer\"\ntitle = \"Slow\"\nstory = \"s\"\n\n{situation}\n\
             [second_person]\napproves = \"after 6s\"\n\n[expect]\noutcome = \"passed\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        drills.join("abort.toml"),
        format!(
            "id = \"nobody-aborts\"\ntitle = \"Abort\"\nstory = \"s\"\n\n{situation}\n\
             [second_person]\napproves = \"never\"\n\n[no_approval]\nwaits = \"2s\"\n\
             then = \"abort\"\n\n[expect]\noutcome = \"refused\"\nstep = \"approve\"\n\
             says = [\"aborted\"]\n"
        ),
    )
    .unwrap();

    let slow = run_scenario(home.path(), "slow-reviewer");
    assert_eq!(slow["expected"]["met"], true, "{slow:#}");
    let id = slow["incident"].as_str().unwrap();
    let log = kinds_in_log(home.path(), id);
    let ts = |kind: &str| {
        let log = std::fs::read_to_string(home.path().join("data").join("audit.jsonl")).unwrap();
        log.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|r| r["incident"] == id && r["kind"] == kind)
            .and_then(|r| r["ts"].as_str().map(str::to_owned))
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .unwrap_or_else(|| panic!("no {kind} in {log:?}"))
    };
    let waited = ts("approved") - ts("approval_requested");
    assert!(
        waited >= chrono::Duration::seconds(6),
        "the reviewer approves 6 s after seeing the request, not at once: {waited}"
    );
    assert_eq!(
        log.iter().find(|(k, _)| k == "approved").unwrap().1["approver"],
        "reviewer"
    );

    let aborted = run_scenario(home.path(), "nobody-aborts");
    assert_eq!(aborted["outcome"]["kind"], "refused", "{aborted:#}");
    assert_eq!(aborted["outcome"]["step"], "approve", "{aborted:#}");
    assert_eq!(aborted["expected"]["met"], true, "{aborted:#}");
    let id = aborted["incident"].as_str().unwrap();
    let kinds: Vec<String> = kinds_in_log(home.path(), id)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(
        kinds.contains(&"approval_requested".to_owned()),
        "{kinds:?}"
    );
    assert!(
        !kinds
            .iter()
            .any(|k| k == "self_approved" || k.starts_with("activat")),
        "an aborting commander opens nothing: {kinds:?}"
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
