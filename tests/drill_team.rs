//! A team drill: `breakglass sandbox` serves one forge and prints each role's line; the
//! commander's line, run as printed from another home, drills against that shared sandbox
//! and records the run in the commander's own history.

use serde_json::Value;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};

fn breakglass(home: &std::path::Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_breakglass"));
    cmd.env("BREAKGLASS_HOME", home).kill_on_drop(true);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commanders_printed_line_drills_against_the_shared_sandbox() {
    let forge_home = tempfile::tempdir().unwrap();
    let mut sandbox = breakglass(forge_home.path())
        .arg("sandbox")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(sandbox.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    while let Some(line) =
        tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
            .await
            .expect("the sandbox prints in time")
            .unwrap()
    {
        let done = line.contains("Press Ctrl-C");
        printed.push(line);
        if done {
            break;
        }
    }
    let line_of = |role: &str| {
        printed
            .iter()
            .find(|l| l.trim_start().starts_with(&format!("{role}:")))
            .unwrap_or_else(|| panic!("no {role} line in {printed:#?}"))
            .trim()
            .to_owned()
    };
    let approver = line_of("approver");
    assert!(line_of("reviewer").contains("/repos/acme/api/pulls/N/reviews"));

    // `commander: GH_TOKEN=… breakglass drill --scenario clean-run --forge URL`
    let commander = line_of("commander");
    let words: Vec<&str> = commander.split_whitespace().collect();
    assert_eq!(words[2], "breakglass", "{commander}");
    let token = words[1].strip_prefix("GH_TOKEN=").unwrap();
    let drill_home = tempfile::tempdir().unwrap();
    let drill = breakglass(drill_home.path())
        .args(&words[3..])
        .arg("--json")
        .env("GH_TOKEN", token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // `approver: GH_TOKEN=… breakglass approve --repo acme/api --api-url URL --incident ID`,
    // run from their own home once the commander has asked.
    let incident = approval_asked(drill_home.path()).await;
    let words: Vec<&str> = approver.split_whitespace().collect();
    assert_eq!(words[2], "breakglass", "{approver}");
    let approver_home = tempfile::tempdir().unwrap();
    let args: Vec<&str> = words[3..]
        .iter()
        .take_while(|w| !w.starts_with('('))
        .map(|w| if *w == "ID" { incident.as_str() } else { *w })
        .collect();
    let approved = breakglass(approver_home.path())
        .args(&args)
        .env("GH_TOKEN", words[1].strip_prefix("GH_TOKEN=").unwrap())
        .output()
        .await
        .unwrap();
    assert_eq!(
        approved.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&approved.stderr)
    );

    let out = drill.wait_with_output().await.unwrap();
    let said = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "breakglass approve --incident {incident} --repo acme/api"
        )),
        "while it waited the drill named the approver's command: {said}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["outcome"]["kind"], "passed", "{report:#}");
    let api = commander.split_whitespace().last().unwrap();
    assert!(
        report["review_pr"].as_str().unwrap().starts_with(api),
        "the review was opened on the shared sandbox: {report:#}"
    );

    // The drill counted its own requests to the shared forge, step by step.
    let steps = report["steps"].as_array().unwrap();
    let preflight = steps.iter().find(|s| s["step"] == "preflight").unwrap();
    assert!(
        preflight["requests"].as_u64().unwrap() > 0,
        "the preflight's requests are counted: {report:#}"
    );
    assert!(
        preflight["request_lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().starts_with("GET /repos/acme/api")),
        "{report:#}"
    );
    let window = steps.iter().find(|s| s["step"] == "window").unwrap();
    assert!(window["requests"].as_u64().unwrap() > 0, "{report:#}");

    // The run is in the commander's own history.
    let listed = breakglass(drill_home.path())
        .args(["drill", "history", "--json"])
        .output()
        .await
        .unwrap();
    let history: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(history["runs"][0]["scenario"], "clean-run");
    assert_eq!(history["runs"][0]["passed"], true);

    sandbox.start_kill().unwrap();
    let _ = sandbox.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_with_faults_is_refused_on_a_shared_sandbox() {
    let home = tempfile::tempdir().unwrap();
    let out = breakglass(home.path())
        .args([
            "drill",
            "--scenario",
            "restore-5xx",
            "--forge",
            "http://127.0.0.1:9",
            "--headless",
        ])
        .env("GH_TOKEN", "bgs_unused")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("arms faults or twists"), "{said}");
}

/// The incident the drill in `home` asked an approval for, once it has.
async fn approval_asked(home: &std::path::Path) -> String {
    let log = home.join("data").join("audit.jsonl");
    for _ in 0..600 {
        let asked = std::fs::read_to_string(&log).ok().and_then(|text| {
            text.lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .find(|r| r["kind"] == "approval_requested")
                .and_then(|r| r["incident"].as_str().map(str::to_owned))
        });
        if let Some(incident) = asked {
            return incident;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the commander's drill never asked for an approval");
}
