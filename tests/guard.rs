//! `breakglass guard` against the sandbox with real HTTP and the real binary: the commander
//! opens a short lease and their processes are gone (the watchdog killed); a guard run from
//! another home with another admin token (`owner`) restores it once past deadline + grace,
//! says so on the issue and in its own log, and the commander's next `status` records and
//! shows "restored by guard owner"; both chains verify. Two guards at once, a guard after
//! the commander's watchdog, a read-only guard and a lease not yet due.

mod flow_support;
mod sandbox_support;

use breakglass::clock::SystemClock;
use breakglass::forge::port::{Forge, IssueComment, IssueView};
use breakglass::mirror::{GuardFinding, MirroredLease};
use flow_support::{World, audit_records, text_of};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;
use std::sync::Arc;

/// The forge as `login` sees it, through breakglass's own GitHub client.
fn forge_as(world: &World, login: &str) -> Arc<dyn Forge> {
    breakglass::flow::github_forge(
        &world.sandbox.api_url(),
        world.sandbox.token(login),
        Arc::new(SystemClock),
    )
    .unwrap()
}

/// The incident's issue on acme/api and its comments, as the sandbox holds them now.
async fn issue_of(world: &World, id: &str) -> (IssueView, Vec<IssueComment>) {
    let forge = forge_as(world, "commander");
    let found = breakglass::mirror::find(forge.as_ref(), &world.repo, id)
        .await
        .unwrap()
        .expect("the incident issue exists");
    let issue = forge.issue(&world.repo, found.number).await.unwrap();
    let comments = forge
        .issue_comments(&world.repo, found.number, None)
        .await
        .unwrap();
    (issue, comments)
}

fn has_open_label(issue: &IssueView) -> bool {
    issue.labels.iter().any(|l| l == "breakglass:open")
}

/// Opens the glass for `id` with a `ttl` lease, kills the commander's watchdog at once
/// (their laptop is gone) and returns the lease the issue states.
async fn open_and_abandon(world: &World, id: &str, ttl: &str) -> MirroredLease {
    let out = world.activate(id, ttl, &[]).await;
    world.kill_watchdog(id);
    assert!(out.status.success(), "{}", text_of(&out));
    // On a loaded machine `activate` may exit before its mirror caught up (it waits 10 s
    // at most); the commander's next command, before the deadline, catches it up.
    for _ in 0..3 {
        let (issue, _) = issue_of(world, id).await;
        if has_open_label(&issue) {
            return breakglass::mirror::parse_lease(&issue.body)
                .unwrap()
                .expect("the issue body carries the lease line");
        }
        let status = world.bg(&["status"]).await;
        assert!(status.status.success(), "{}", text_of(&status));
    }
    panic!("the issue never showed the open glass: {}", text_of(&out));
}

/// Sleeps until `grace` past the lease's deadline.
async fn wait_past(lease: &MirroredLease, grace: chrono::Duration) {
    let due = lease.deadline + grace + chrono::Duration::milliseconds(200);
    if let Ok(left) = (due - chrono::Utc::now()).to_std() {
        tokio::time::sleep(left).await;
    }
}

/// A home for someone else's guard, pointed at the sandbox.
fn guard_home(world: &World) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("config")).unwrap();
    std::fs::write(
        home.path().join("config/config.toml"),
        format!("api_url = \"{}\"\n", world.sandbox.api_url()),
    )
    .unwrap();
    home
}

fn guard_command(
    world: &World,
    home: &Path,
    login: &str,
    args: &[&str],
) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_breakglass"));
    command
        .arg("guard")
        .args(args)
        .env("BREAKGLASS_HOME", home)
        .env("GH_TOKEN", world.sandbox.token(login).expose())
        .env_remove("GITHUB_TOKEN")
        .env_remove("BREAKGLASS_FAILPOINT");
    command
}

async fn run_guard(world: &World, home: &Path, login: &str, args: &[&str]) -> Output {
    guard_command(world, home, login, args)
        .output()
        .await
        .unwrap()
}

/// The JSON lines a `guard --json` run printed.
fn actions(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

async fn verify_chain(home: &Path) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(["audit", "verify"])
        .env("BREAKGLASS_HOME", home)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "audit verify: {}", text_of(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_elsewhere_closes_an_abandoned_lease_and_the_commander_learns_who() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    let lease = open_and_abandon(&world, "INC-G", "8s").await;
    assert_ne!(world.protection().unwrap(), snapshot, "the glass is open");
    let home = guard_home(&world);

    // Before deadline + grace the lease is left alone (found through the organisation,
    // its repositories listed a page of one at a time).
    let early = run_guard(
        &world,
        home.path(),
        "owner",
        &["--org", "acme", "--per-page", "1", "--once", "--json"],
    )
    .await;
    assert_eq!(early.status.code(), Some(0), "{}", text_of(&early));
    let said = actions(&early);
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0]["action"], "left_alone", "{said:?}");
    assert_eq!(said[0]["incident"], "INC-G");
    assert_ne!(world.protection().unwrap(), snapshot, "still open: not due");

    wait_past(&lease, chrono::Duration::seconds(1)).await;
    let out = run_guard(
        &world,
        home.path(),
        "owner",
        &["--repo", "acme/api", "--grace", "1s", "--once", "--json"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let said = actions(&out);
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0]["action"], "restored", "{said:?}");
    assert_eq!(said[0]["verified"], true);
    assert_eq!(
        world.protection().unwrap(),
        snapshot,
        "the snapshot is back"
    );

    // The issue shows it: the guard's note, and `breakglass:open` gone.
    let (issue, comments) = issue_of(&world, "INC-G").await;
    assert!(!has_open_label(&issue), "{:?}", issue.labels);
    let note = breakglass::mirror::restored_by_guard(&comments, "INC-G", 1).expect("a note");
    assert_eq!(
        (note.guard.as_str(), note.finding),
        ("owner", GuardFinding::Restored)
    );

    // The guard's own log: log-level records, trigger guard, as its login.
    let records = audit_records(home.path());
    let kinds: Vec<&str> = records
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["restore_intended", "restored"], "{records:?}");
    for record in &records {
        assert_eq!(record["incident"], Value::Null);
        assert_eq!(record["actor"], "owner");
        assert_eq!(record["data"]["trigger"], "guard");
        assert_eq!(record["data"]["incident"], "INC-G");
    }
    assert_eq!(records[1]["data"]["verified"], true);
    verify_chain(home.path()).await;

    // The commander's next command records the guard's restore without re-applying it.
    world.sandbox.clear_request_log();
    let status = world.bg(&["status"]).await;
    assert_eq!(status.status.code(), Some(0), "{}", text_of(&status));
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(
        stdout.contains("INC-G acme/api main: restored by guard owner"),
        "{}",
        text_of(&status)
    );
    assert!(
        String::from_utf8_lossy(&status.stderr)
            .contains("recovery: incident INC-G: restored by guard owner"),
        "{}",
        text_of(&status)
    );
    let writes: Vec<_> = world
        .sandbox
        .request_log()
        .into_iter()
        .filter(|r| r.path.contains("/protection") && r.method != "GET")
        .collect();
    assert!(writes.is_empty(), "nothing re-applied: {writes:?}");
    let restored: Vec<Value> = audit_records(world.home.path())
        .into_iter()
        .filter(|r| r["incident"] == "INC-G" && r["kind"] == "restored")
        .collect();
    assert_eq!(restored.len(), 1, "{restored:?}");
    assert_eq!(
        restored[0]["data"],
        json!({"verified": true, "by_guard": "owner"})
    );
    world.assert_chain_verifies().await;

    // Idempotent: the next command records nothing more, and the issue stays closed.
    let before = world.events("INC-G");
    let again = world.bg(&["status", "--json"]).await;
    assert_eq!(again.status.code(), Some(0), "{}", text_of(&again));
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["closed_by_guard"][0]["guard"], "owner", "{again}");
    assert_eq!(world.events("INC-G"), before);
    let (issue, _) = issue_of(&world, "INC-G").await;
    assert!(!has_open_label(&issue), "{:?}", issue.labels);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_guards_at_once_do_no_harm() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    let lease = open_and_abandon(&world, "INC-2G", "6s").await;
    wait_past(&lease, chrono::Duration::seconds(1)).await;
    let (home_a, home_b) = (guard_home(&world), guard_home(&world));
    let args = ["--repo", "acme/api", "--grace", "1s", "--once", "--json"];
    let mut first = guard_command(&world, home_a.path(), "owner", &args);
    let mut second = guard_command(&world, home_b.path(), "commander", &args);
    let (first, second) = tokio::join!(first.output(), second.output());
    let (first, second) = (first.unwrap(), second.unwrap());
    let mut found = Vec::new();
    for out in [&first, &second] {
        assert_eq!(out.status.code(), Some(0), "{}", text_of(out));
        for action in actions(out) {
            assert_eq!(action["verified"], true, "{action}");
            found.push(action["action"].as_str().unwrap().to_owned());
        }
    }
    // Each saw the open issue (or one finished before the other listed): none failed.
    assert!(
        found
            .iter()
            .all(|a| a == "restored" || a == "already_closed")
            && !found.is_empty(),
        "{found:?}"
    );
    assert!(found.iter().any(|a| a == "restored"), "{found:?}");
    assert_eq!(world.protection().unwrap(), snapshot);
    let (issue, _) = issue_of(&world, "INC-2G").await;
    assert!(!has_open_label(&issue), "{:?}", issue.labels);
    verify_chain(home_a.path()).await;
    verify_chain(home_b.path()).await;

    let status = world.bg(&["status"]).await;
    assert_eq!(status.status.code(), Some(0), "{}", text_of(&status));
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("restored by guard"),
        "{}",
        text_of(&status)
    );
    world.assert_chain_verifies().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_after_the_commanders_watchdog_finds_the_glass_already_closed() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    let lease = open_and_abandon(&world, "INC-W", "6s").await;
    wait_past(&lease, chrono::Duration::zero()).await;
    // The commander's watchdog wakes first; it restores without touching the issue.
    let watchdog = world.bg(&["watchdog", "--incident", "INC-W"]).await;
    assert_eq!(watchdog.status.code(), Some(0), "{}", text_of(&watchdog));
    assert_eq!(world.protection().unwrap(), snapshot);
    let (issue, _) = issue_of(&world, "INC-W").await;
    assert!(
        has_open_label(&issue),
        "the watchdog leaves the issue alone"
    );

    let home = guard_home(&world);
    let args = ["--repo", "acme/api", "--grace", "0s", "--once", "--json"];
    world.sandbox.clear_request_log();
    let out = run_guard(&world, home.path(), "owner", &args).await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let said = actions(&out);
    assert_eq!(said[0]["action"], "already_closed", "{said:?}");
    assert_eq!(said[0]["writes"], 0);
    let writes = world
        .sandbox
        .request_log()
        .into_iter()
        .filter(|r| r.path.contains("/protection") && r.method != "GET")
        .count();
    assert_eq!(writes, 0, "nothing sent to an already closed glass");
    let (issue, comments) = issue_of(&world, "INC-W").await;
    assert!(!has_open_label(&issue), "{:?}", issue.labels);
    let notes = breakglass::mirror::guard_notes(&comments, "INC-W", 1);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].finding, GuardFinding::AlreadyClosed);
    let records = audit_records(home.path());
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["kind"], "restored");
    assert_eq!(records[0]["data"]["already_closed"], true);

    // The commander's log keeps its own watchdog's restore: no guard is named.
    let status = world.bg(&["status"]).await;
    assert_eq!(status.status.code(), Some(0), "{}", text_of(&status));
    assert!(!String::from_utf8_lossy(&status.stdout).contains("restored by guard"));
    let restored: Vec<Value> = audit_records(world.home.path())
        .into_iter()
        .filter(|r| r["incident"] == "INC-W" && r["kind"] == "restored")
        .collect();
    assert_eq!(restored.len(), 1);
    assert_eq!(restored[0]["data"], json!({"verified": true}));
    world.assert_chain_verifies().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_with_a_read_only_token_says_it_cannot_restore_and_exits_3() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    let demoted = sandbox_support::as_user(
        &world.sandbox,
        "commander",
        "PUT",
        "/repos/acme/api/collaborators/dev",
        Some(json!({"permission": "pull"})),
    )
    .await;
    assert_eq!(demoted.status, 204, "{}", demoted.message());
    let lease = open_and_abandon(&world, "INC-R", "6s").await;
    wait_past(&lease, chrono::Duration::seconds(1)).await;

    let home = guard_home(&world);
    let out = run_guard(
        &world,
        home.path(),
        "dev",
        &["--repo", "acme/api", "--grace", "1s", "--once"],
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text_of(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("FAILED INC-R acme/api main: CANNOT RESTORE: the guard's token (dev) has only read access to acme/api")
            && said.contains("needs admin"),
        "{said}"
    );
    assert_ne!(world.protection().unwrap(), snapshot, "nothing changed");
    let (issue, _) = issue_of(&world, "INC-R").await;
    assert!(has_open_label(&issue), "the glass is still shown open");
    assert!(
        audit_records(home.path()).is_empty(),
        "no intent: nothing was tried"
    );

    let restore = world.bg(&["restore", "--incident", "INC-R"]).await;
    assert_eq!(restore.status.code(), Some(0), "{}", text_of(&restore));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_lists_an_organisations_repositories_as_github_does() {
    let sandbox = sandbox_support::start().await;
    let page = sandbox_support::as_user(
        &sandbox,
        "commander",
        "GET",
        "/orgs/acme/repos?per_page=2&sort=full_name",
        None,
    )
    .await;
    assert_eq!(page.status, 200);
    let names: Vec<String> = page
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["full_name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["acme/api", "acme/ops"]);
    assert!(page.header("link").unwrap().contains("rel=\"next\""));
    // Every item carries what GitHub's published description requires
    // (tests/fixtures/github/response-schemas.json, `repos/list-for-org`).
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/github/response-schemas.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut schema = doc["operations"]["repos/list-for-org"]["schema"].clone();
    schema["$defs"] = doc["$defs"].clone();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&page.json())
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let mut thinner = page.json();
    thinner[0].as_object_mut().unwrap().remove("node_id");
    assert!(
        !validator.is_valid(&thinner),
        "the schema is really checked"
    );
    let first = &page.json()[0];
    assert_eq!(first["permissions"]["admin"], true);
    assert_eq!(first["owner"]["type"], "Organization");
    for member in [
        "id", "node_id", "name", "html_url", "url", "private", "fork",
    ] {
        assert!(first.get(member).is_some(), "{member} missing: {first}");
    }
    let missing =
        sandbox_support::as_user(&sandbox, "commander", "GET", "/orgs/nobody/repos", None).await;
    assert_eq!(missing.status, 404);
    let bad = sandbox_support::as_user(
        &sandbox,
        "commander",
        "GET",
        "/orgs/acme/repos?type=weird",
        None,
    )
    .await;
    assert_eq!(bad.status, 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_restores_over_drift_and_reports_it_and_so_does_the_commander() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    let lease = open_and_abandon(&world, "INC-D", "6s").await;
    // Someone changes protection by hand while the glass is open.
    world.sandbox.apply_drift(&world.repo, "main").unwrap();
    wait_past(&lease, chrono::Duration::seconds(1)).await;

    let home = guard_home(&world);
    let args = ["--repo", "acme/api", "--grace", "1s", "--once", "--json"];
    let out = run_guard(&world, home.path(), "owner", &args).await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let said = actions(&out);
    assert_eq!(said[0]["action"], "restored", "{said:?}");
    let drift = said[0]["drift"].as_array().expect("the drift is reported");
    assert_eq!(drift.len(), 1, "{said:?}");
    assert_eq!(
        drift[0]["path"],
        "classic.required_pull_request_reviews.required_approving_review_count"
    );
    assert!(said[0]["message"].as_str().unwrap().contains("DRIFT"));
    assert_eq!(world.protection().unwrap(), snapshot, "the snapshot wins");
    let (_, comments) = issue_of(&world, "INC-D").await;
    let note = breakglass::mirror::restored_by_guard(&comments, "INC-D", 1).unwrap();
    assert_eq!(note.drift.as_array().map(Vec::len), Some(1));

    // The commander's log takes the guard's drift too: restored with drift needs a look.
    let status = world.bg(&["status"]).await;
    assert_eq!(status.status.code(), Some(3), "{}", text_of(&status));
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(
        stdout.contains("NEEDS ATTENTION: INC-D is drift"),
        "{stdout}"
    );
    assert!(stdout.contains("restored by guard owner"), "{stdout}");
    let kinds = world.events("INC-D");
    assert!(
        kinds.ends_with(&[
            "restore_intended".to_owned(),
            "drift_detected".to_owned(),
            "drift_decided".to_owned(),
            "restored".to_owned()
        ]),
        "{kinds:?}"
    );
    world.assert_chain_verifies().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commanders_watchdog_waking_after_the_guard_records_the_guard_and_sends_nothing() {
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    let lease = open_and_abandon(&world, "INC-S", "6s").await;
    wait_past(&lease, chrono::Duration::seconds(1)).await;
    let home = guard_home(&world);
    let args = ["--repo", "acme/api", "--grace", "1s", "--once"];
    let out = run_guard(&world, home.path(), "owner", &args).await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    assert_eq!(world.protection().unwrap(), snapshot);

    // The laptop wakes: its watchdog finds the deadline long past.
    world.sandbox.clear_request_log();
    let watchdog = world.bg(&["watchdog", "--incident", "INC-S"]).await;
    assert_eq!(watchdog.status.code(), Some(0), "{}", text_of(&watchdog));
    let writes = world
        .sandbox
        .request_log()
        .into_iter()
        .filter(|r| r.path.contains("/protection") && r.method != "GET")
        .count();
    assert_eq!(writes, 0, "the watchdog re-applied nothing");
    let records: Vec<Value> = audit_records(world.home.path())
        .into_iter()
        .filter(|r| r["incident"] == "INC-S" && r["kind"].as_str().unwrap().starts_with("restore"))
        .collect();
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[0]["data"]["trigger"], "watchdog");
    assert_eq!(
        records[1]["data"],
        json!({"verified": true, "by_guard": "owner"})
    );
    world.assert_chain_verifies().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_once_the_guard_runs_a_pass_per_interval_until_ctrl_c() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let world = World::start().await;
    let snapshot = world.protection().unwrap();
    let home = guard_home(&world);
    let args = [
        "--repo",
        "acme/api",
        "--grace",
        "1s",
        "--interval",
        "1s",
        "--json",
    ];
    let mut guard = guard_command(&world, home.path(), "owner", &args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(guard.stdout.take().unwrap()).lines();
    open_and_abandon(&world, "INC-L", "6s").await;

    let mut seen: Vec<Value> = Vec::new();
    let restored = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let action: Value = serde_json::from_str(&line).unwrap();
            seen.push(action.clone());
            if action["action"] == "restored" {
                return true;
            }
        }
        false
    })
    .await
    .expect("a pass restored the lease within 30 s");
    assert!(restored, "{seen:?}");
    assert_eq!(world.protection().unwrap(), snapshot);
    // Passes ran every second while the lease was open, but it was said once.
    let waiting = seen.iter().filter(|a| a["action"] == "left_alone").count();
    assert!(waiting <= 1, "{seen:?}");

    let pid = guard.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), guard.wait())
        .await
        .expect("Ctrl-C ends the guard between passes")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    verify_chain(home.path()).await;
}
