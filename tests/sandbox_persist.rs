//! The sandbox keeps its state in `dir` across a restart, refuses non-loopback addresses,
//! and removes its temporary directory on shutdown.

mod sandbox_support;

use breakglass::forge::RepoId;
use breakglass::forge::sandbox::{Sandbox, SandboxError, SandboxOptions};
use sandbox_support::as_user;
use serde_json::json;

#[tokio::test]
async fn state_survives_a_restart_with_a_dir() {
    let dir = tempfile::tempdir().unwrap();
    let options = || SandboxOptions {
        dir: Some(dir.path().to_owned()),
        ..SandboxOptions::default()
    };
    let api = RepoId::new("acme", "api");
    let first = Sandbox::start(options()).await.unwrap();
    let token = first.token("commander");
    let resp = as_user(
        &first,
        "commander",
        "DELETE",
        "/repos/acme/api/branches/main/protection/enforce_admins",
        None,
    )
    .await;
    assert_eq!(resp.status, 204);
    let issue = as_user(
        &first,
        "dev",
        "POST",
        "/repos/acme/api/issues",
        Some(json!({"title": "drill"})),
    )
    .await;
    assert_eq!(issue.status, 201);
    let head = first.branch_head(&api, "main").unwrap();
    first.shutdown().await;

    let second = Sandbox::start(options()).await.unwrap();
    assert_eq!(
        second.token("commander"),
        token,
        "tokens survive, so a team keeps its credentials"
    );
    let p = second.classic_protection(&api, "main").unwrap();
    assert_eq!(p["enforce_admins"]["enabled"], false);
    assert_eq!(second.branch_head(&api, "main").unwrap(), head);
    let issues = as_user(&second, "dev", "GET", "/repos/acme/api/issues", None)
        .await
        .json();
    assert_eq!(issues[0]["title"], "drill");
    second.shutdown().await;
    assert!(
        dir.path().join("sandbox-state.json").exists(),
        "a kept dir is not removed"
    );
}

#[tokio::test]
async fn a_temporary_dir_is_removed_on_shutdown_and_tokens_differ_per_start() {
    let a = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let b = Sandbox::start(SandboxOptions::default()).await.unwrap();
    assert_ne!(a.token("dev"), b.token("dev"));
    let dir = a.dir().to_owned();
    assert!(dir.join("repos/acme/api.git").exists());
    a.shutdown().await;
    b.shutdown().await;
    assert!(!dir.exists());
}

#[tokio::test]
async fn only_loopback_addresses_are_served() {
    let err = Sandbox::start(SandboxOptions {
        addr: "0.0.0.0:0".parse().unwrap(),
        ..SandboxOptions::default()
    })
    .await
    .err()
    .expect("refused");
    assert!(matches!(err, SandboxError::NotLoopback { .. }));
    assert!(err.to_string().contains("loopback only"));
}
