//! `breakglass sandbox` as a real process: the ready line, serving, stopping on SIGTERM,
//! and refusing non-loopback addresses and bad fault specs.

mod sandbox_support;

use sandbox_support::call;
use serde_json::Value;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};

/// The real binary with its own throwaway home (its trace log lands there).
fn breakglass(home: &tempfile::TempDir) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_breakglass"));
    cmd.env("BREAKGLASS_HOME", home.path()).kill_on_drop(true);
    cmd
}

/// Stops the sandbox as Ctrl-C or a supervisor would, so that it cleans up after itself.
async fn terminate(child: &mut tokio::process::Child) -> std::process::ExitStatus {
    let pid = child.id().unwrap().to_string();
    let sent = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(sent.success());
    tokio::time::timeout(std::time::Duration::from_secs(20), child.wait())
        .await
        .expect("stops on SIGTERM")
        .unwrap()
}

#[tokio::test]
async fn json_mode_prints_one_ready_line_then_serves_until_sigterm() {
    let home = tempfile::tempdir().unwrap();
    let mut child = breakglass(&home)
        .args(["sandbox", "--json", "--fault", "get:/rate_limit=503x1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
        .await
        .expect("ready line in time")
        .unwrap()
        .expect("a line");
    let ready: Value = serde_json::from_str(&line).unwrap();
    let api = ready["api_url"].as_str().unwrap();
    assert!(api.starts_with("http://127.0.0.1:"));
    assert_eq!(ready["git_url"], format!("{api}/git").as_str());
    assert_eq!(
        ready["repos"],
        serde_json::json!(["acme/api", "acme/web", "acme/ops", "commander/notes"])
    );
    assert!(ready["control_token"].as_str().unwrap().starts_with("bgc_"));
    let users = ready["users"].as_array().unwrap();
    let dev = users.iter().find(|u| u["login"] == "dev").unwrap();
    assert_eq!(dev["role"], "write");
    assert_eq!(
        users.iter().find(|u| u["login"] == "commander").unwrap()["role"],
        "admin"
    );

    let me = call(api, "GET", "/user", dev["token"].as_str(), None).await;
    assert_eq!((me.status, me.json()["login"].as_str()), (200, Some("dev")));
    let faulted = call(api, "GET", "/rate_limit", dev["token"].as_str(), None).await;
    assert_eq!(faulted.status, 503, "--fault is armed from the start");

    let status = terminate(&mut child).await;
    assert!(status.success(), "{status:?}");
    assert!(
        lines.next_line().await.unwrap().is_none(),
        "exactly one line on stdout"
    );
}

#[tokio::test]
async fn non_loopback_addresses_and_bad_fault_specs_are_refused() {
    let home = tempfile::tempdir().unwrap();
    let out = breakglass(&home)
        .args(["sandbox", "--addr", "0.0.0.0:0", "--json"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback only"));
    assert!(out.stdout.is_empty());

    let out = breakglass(&home)
        .args(["sandbox", "--fault", "get:/user=teapot"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("METHOD:PATH=ACTION"));
}

#[tokio::test]
async fn the_human_table_names_urls_users_and_repos() {
    let home = tempfile::tempdir().unwrap();
    let mut child = breakglass(&home)
        .args(["sandbox"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut text = String::new();
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line()).await
    {
        text.push_str(&line);
        text.push('\n');
        if line.contains("Press Ctrl-C") {
            break;
        }
    }
    assert!(terminate(&mut child).await.success());
    assert!(text.contains("API      http://127.0.0.1:"), "{text}");
    assert!(text.contains("/git/OWNER/NAME.git"));
    for login in ["owner", "commander", "dev", "reviewer"] {
        assert!(text.contains(&format!("  {login} ")), "{login}: {text}");
    }
    assert!(text.contains("acme/api, acme/web, acme/ops, commander/notes"));
    assert!(text.contains("bgs_"));
}
