//! The world a flow test runs in: an in-process sandbox forge on loopback, a real clone
//! with a fix commit, a temporary BREAKGLASS_HOME whose config points at the sandbox, and
//! the real `breakglass` binary run against them.

use breakglass::forge::RepoId;
use breakglass::forge::sandbox::{Sandbox, SandboxHandle, SandboxOptions};
use breakglass::secret::Secret;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

pub const REASON: &str = "checkout returns 500 — https://tickets.example.com/INC-1";

pub struct World {
    pub sandbox: SandboxHandle,
    pub home: tempfile::TempDir,
    pub work: tempfile::TempDir,
    pub token: Secret,
    pub repo: RepoId,
}

impl World {
    /// A fresh sandbox, a clone of acme/api with one fix commit, and a home whose config
    /// names the sandbox's API.
    pub async fn start() -> World {
        let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
        let home = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let repo: RepoId = "acme/api".parse().unwrap();
        let token = sandbox.token("commander");
        let config_dir = home.path().join("config");
        std::fs::create_dir_all(&config_dir).unwrap();
        std::fs::write(
            config_dir.join("config.toml"),
            // The two-person rule has its own tests (flow_approval.rs, approve_cli.rs).
            format!(
                "api_url = \"{}\"\n\n[approval]\nrequired = false\n",
                sandbox.api_url()
            ),
        )
        .unwrap();
        let url = sandbox.clone_url(&repo);
        let (dir, t) = (work.path().join("clone"), token.clone());
        tokio::task::spawn_blocking(move || breakglass::drill::clone_with_fix(&url, &dir, &t))
            .await
            .unwrap()
            .unwrap();
        World {
            sandbox,
            home,
            work,
            token,
            repo,
        }
    }

    pub fn clone_dir(&self) -> PathBuf {
        self.work.path().join("clone")
    }

    /// Runs `breakglass ARGS` with the commander's token and this home.
    pub async fn bg(&self, args: &[&str]) -> Output {
        self.bg_env(args, &[]).await
    }

    pub async fn bg_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_breakglass"));
        command
            .args(args)
            .env("BREAKGLASS_HOME", self.home.path())
            .env("GH_TOKEN", self.token.expose())
            .env_remove("GITHUB_TOKEN")
            .env_remove("BREAKGLASS_FAILPOINT")
            .env("RUST_LOG", "debug");
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().await.unwrap()
    }

    /// Runs `PROGRAM PREFIX… ARGS…` (a wrapper that execs the binary) with this world's
    /// environment.
    pub async fn bg_wrapped(&self, program: &str, prefix: &[&str], args: &[&str]) -> Output {
        tokio::process::Command::new(program)
            .args(prefix)
            .args(args)
            .env("BREAKGLASS_HOME", self.home.path())
            .env("GH_TOKEN", self.token.expose())
            .env_remove("GITHUB_TOKEN")
            .env_remove("BREAKGLASS_FAILPOINT")
            .output()
            .await
            .unwrap()
    }

    /// `activate` for INC-1 with the clone, asking for `ttl`.
    pub async fn activate(&self, id: &str, ttl: &str, env: &[(&str, &str)]) -> Output {
        let dir = self.clone_dir();
        self.bg_env(
            &[
                "activate",
                "--repo",
                "acme/api",
                "--incident",
                id,
                "--reason",
                REASON,
                "--ttl",
                ttl,
                "--repo-dir",
                dir.to_str().unwrap(),
            ],
            env,
        )
        .await
    }

    /// Incident `id` through its window with the separate steps (activate, push, restore;
    /// its watchdog killed) and its retroactive review opened: the review PR's number.
    pub async fn pushed_and_under_review(&self, id: &str) -> u64 {
        let activated = self.activate(id, "10m", &[]).await;
        assert!(activated.status.success(), "{}", text_of(&activated));
        let dir = self.clone_dir();
        for args in [
            vec!["push", "--repo-dir", dir.to_str().unwrap()],
            vec!["restore"],
        ] {
            let out = self.bg(&args).await;
            assert!(out.status.success(), "{args:?}: {}", text_of(&out));
        }
        self.kill_watchdog(id);
        let opened = self.bg(&["review", "--incident", id, "--json"]).await;
        assert!(opened.status.success(), "{}", text_of(&opened));
        serde_json::from_slice::<Value>(&opened.stdout).unwrap()["pr_number"]
            .as_u64()
            .unwrap()
    }

    /// The classic protection of acme/api main, straight from the sandbox's state.
    pub fn protection(&self) -> Option<Value> {
        self.sandbox.classic_protection(&self.repo, "main")
    }

    pub fn head(&self) -> String {
        self.sandbox.branch_head(&self.repo, "main").unwrap()
    }

    /// `git push origin HEAD:main` from the clone with the git command line.
    pub async fn raw_git_push(&self) -> Output {
        let header = format!(
            "Authorization: Basic {}",
            base64_encode(&format!("x-access-token:{}", self.token.expose()))
        );
        tokio::process::Command::new("git")
            .arg("-C")
            .arg(self.clone_dir())
            .args(["-c", &format!("http.extraHeader={header}")])
            .args(["push", "origin", "HEAD:main"])
            .output()
            .await
            .unwrap()
    }

    /// Commits another change in the clone.
    pub async fn commit(&self, file: &str, text: &str) {
        std::fs::write(self.clone_dir().join(file), text).unwrap();
        for args in [
            vec!["add", file],
            vec![
                "-c",
                "user.name=Dev",
                "-c",
                "user.email=dev@example.com",
                "commit",
                "-m",
                "Another change",
            ],
        ] {
            let out = tokio::process::Command::new("git")
                .arg("-C")
                .arg(self.clone_dir())
                .args(&args)
                .output()
                .await
                .unwrap();
            assert!(out.status.success(), "{}", text_of(&out));
        }
    }

    /// The audit log's records (kind, incident), in order.
    pub fn events(&self, id: &str) -> Vec<String> {
        audit_records(self.home.path())
            .into_iter()
            .filter(|r| r["incident"] == id)
            .map(|r| r["kind"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Incident `id`'s event kinds from its first activation intent on: its windows.
    pub fn window_events(&self, id: &str) -> Vec<String> {
        let events = self.events(id);
        let opened = events
            .iter()
            .position(|e| e == "activation_intended")
            .expect("an activation intent");
        events[opened..].to_vec()
    }

    pub fn watchdog_pid(&self, id: &str) -> Option<i32> {
        let file = self
            .home
            .path()
            .join("state/watchdogs")
            .join(format!("{id}.pid"));
        std::fs::read_to_string(file).ok()?.trim().parse().ok()
    }

    /// Kills incident `id`'s watchdog if it still runs (tests leave no process behind).
    pub fn kill_watchdog(&self, id: &str) {
        if let Some(pid) = self.watchdog_pid(id) {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .output();
        }
    }

    /// Asserts `breakglass audit verify` accepts the chain.
    pub async fn assert_chain_verifies(&self) {
        let out = self.bg(&["audit", "verify"]).await;
        assert!(out.status.success(), "audit verify: {}", text_of(&out));
    }
}

pub fn audit_records(home: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(home.join("data/audit.jsonl")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub fn text_of(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Polls `check` every 100 ms until it holds or `limit` passes.
pub async fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    check()
}

fn base64_encode(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}
