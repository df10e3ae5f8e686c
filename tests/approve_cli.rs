//! The two-person rule through the real binary against the sandbox: `activate` waits and
//! prints the issue and the time left until `breakglass approve`, run by the reviewer
//! with their own token, approves; the approver's command refuses the requester and a
//! reader; `activate --self-approve` proceeds loudly (stderr, log, issue).

mod support;

use breakglass::forge::sandbox::{Sandbox, SandboxOptions};
use std::process::Stdio;
use std::time::Duration;
use support::{REASON, World, text_of};

/// The world's home, with the two-person rule on (the shared support turns it off).
fn require_approval(world: &World) {
    std::fs::write(
        world.home.path().join("config/config.toml"),
        format!(
            "api_url = \"{}\"\n\n[approval]\nrequired = true\ntimeout = \"2m\"\n",
            world.sandbox.api_url()
        ),
    )
    .unwrap();
}

/// `breakglass approve` for INC-1 as `login`, with their own token and home.
async fn approve_as(world: &World, login: &str, home: &std::path::Path) -> std::process::Output {
    std::fs::create_dir_all(home.join("config")).unwrap();
    std::fs::write(
        home.join("config/config.toml"),
        format!("api_url = \"{}\"\n", world.sandbox.api_url()),
    )
    .unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(["approve", "--incident", "INC-1", "--repo", "acme/api"])
        .env("BREAKGLASS_HOME", home)
        .env("GH_TOKEN", world.sandbox.token(login).expose())
        .env_remove("GITHUB_TOKEN")
        .output()
        .await
        .unwrap()
}

fn activate_command(world: &World, extra: &[&str]) -> tokio::process::Command {
    let dir = world.clone_dir();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_breakglass"));
    command
        .args([
            "activate",
            "--repo",
            "acme/api",
            "--incident",
            "INC-1",
            "--reason",
            REASON,
            "--ttl",
            "10m",
            "--repo-dir",
            dir.to_str().unwrap(),
        ])
        .args(extra)
        .env("BREAKGLASS_HOME", world.home.path())
        .env("GH_TOKEN", world.token.expose())
        .env_remove("GITHUB_TOKEN")
        .env_remove("BREAKGLASS_FAILPOINT");
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activate_waits_until_the_reviewer_approves_with_their_own_token() {
    let world = World::start().await;
    require_approval(&world);
    let before = world.protection();
    let activate = activate_command(&world, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // The approver has no incident of their own; the command finds the request on the
    // issue. Until the commander asks, there is nothing to approve.
    let approver_home = tempfile::tempdir().unwrap();
    let mut approved = None;
    for _ in 0..60 {
        let out = approve_as(&world, "reviewer", approver_home.path()).await;
        if out.status.success() {
            approved = Some(out);
            break;
        }
        let said = text_of(&out);
        assert!(
            said.contains("no incident issue") || said.contains("nobody has asked"),
            "{said}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let approved = approved.expect("the request appeared on the issue");
    let said = String::from_utf8_lossy(&approved.stdout);
    assert!(said.contains("approved as reviewer on http://"), "{said}");

    // The commander cannot approve their own request with the command either.
    let own = approve_as(&world, "commander", tempfile::tempdir().unwrap().path()).await;
    assert_eq!(own.status.code(), Some(1), "{}", text_of(&own));
    assert!(
        text_of(&own).contains("cannot give it"),
        "{}",
        text_of(&own)
    );

    let out = tokio::time::timeout(Duration::from_secs(60), activate.wait_with_output())
        .await
        .expect("activate returns once approved")
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("waiting for approval — ") && stderr.contains("/issues/"),
        "{stderr}"
    );
    assert!(stderr.contains("approved by reviewer"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("the glass is open"));
    assert_ne!(
        world.protection(),
        before,
        "the glass opened after the approval"
    );

    let log =
        std::fs::read_to_string(breakglass::paths::Paths::under(world.home.path()).audit_log())
            .unwrap();
    let approved_line = log.lines().find(|l| l.contains("\"approved\"")).unwrap();
    assert!(
        approved_line.contains("\"approver\":\"reviewer\"")
            && approved_line.contains("\"how\":\"command\""),
        "{approved_line}"
    );
    let restore = world.bg(&["restore", "--incident", "INC-1"]).await;
    assert_eq!(restore.status.code(), Some(0), "{}", text_of(&restore));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_is_refused_by_the_approve_command_before_anything_is_posted() {
    // A sandbox whose saved state makes `dev` a reader of acme/api.
    let dir = tempfile::tempdir().unwrap();
    let options = || SandboxOptions {
        dir: Some(dir.path().to_owned()),
        ..SandboxOptions::default()
    };
    Sandbox::start(options()).await.unwrap().shutdown().await;
    let state_file = dir.path().join("sandbox-state.json");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state_file).unwrap()).unwrap();
    for repo in state["repos"].as_array_mut().unwrap() {
        if repo["name"] == "api" {
            repo["collaborators"]["dev"] = serde_json::json!("read");
        }
    }
    std::fs::write(&state_file, serde_json::to_vec(&state).unwrap()).unwrap();
    let sandbox = Sandbox::start(options()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("config")).unwrap();
    std::fs::write(
        home.path().join("config/config.toml"),
        format!("api_url = \"{}\"\n", sandbox.api_url()),
    )
    .unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(["approve", "--incident", "INC-1", "--repo", "acme/api"])
        .env("BREAKGLASS_HOME", home.path())
        .env("GH_TOKEN", sandbox.token("dev").expose())
        .env_remove("GITHUB_TOKEN")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text_of(&out));
    let said = text_of(&out);
    assert!(
        said.contains("you (dev) have read access to acme/api")
            && said.contains("needs write access"),
        "{said}"
    );
    let posted = sandbox
        .request_log()
        .into_iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posted, 0, "nothing was posted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_approval_is_said_on_stderr_recorded_and_posted_on_the_issue() {
    let world = World::start().await;
    require_approval(&world);
    let out = activate_command(
        &world,
        &["--self-approve", "reviewer unreachable, checkout down"],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("SELF-APPROVED without a second person: reviewer unreachable"),
        "{stderr}"
    );
    let show = world
        .bg(&["audit", "show", "--incident", "INC-1", "--json"])
        .await;
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(
        shown.contains("self_approved") && shown.contains("reviewer unreachable, checkout down"),
        "{}",
        text_of(&show)
    );
    let forge = breakglass::flow::github_forge(
        &world.sandbox.api_url(),
        world.sandbox.token("dev"),
        std::sync::Arc::new(breakglass::clock::SystemClock),
    )
    .unwrap();
    let issue = breakglass::mirror::find(forge.as_ref(), &world.repo, "INC-1")
        .await
        .unwrap()
        .expect("the incident issue");
    let comments = forge
        .issue_comments(&world.repo, issue.number, None)
        .await
        .unwrap();
    assert!(
        comments
            .iter()
            .any(|c| c.body.contains("SELF-APPROVED") && c.body.contains("checkout down")),
        "{comments:?}"
    );
    let restore = world.bg(&["restore", "--incident", "INC-1"]).await;
    assert_eq!(restore.status.code(), Some(0), "{}", text_of(&restore));
}
