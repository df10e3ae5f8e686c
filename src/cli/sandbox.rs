//! `breakglass sandbox`: serve the sandbox forge for a team drill and print how to reach
//! it (a table for people, or one JSON line for scripts with `--json`).
//!
//! Printing the seeded tokens is deliberate: they are throwaway credentials for a local
//! rehearsal forge, not real secrets.

use crate::forge::sandbox::{Fault, Sandbox, SandboxHandle, SandboxOptions};
use anyhow::Context;
use clap::Args;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Options of `breakglass sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on; loopback only (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// Keep state and repositories in DIR so a drill survives a restart (default: a
    /// temporary directory, removed on exit).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Print one JSON line (api_url, git_url, users, repos, control_token) once ready.
    #[arg(long)]
    pub json: bool,
    /// Inject a fault: METHOD:PATH=ACTION[xN] (e.g. `put:/repos/*/branches/*/protection=500x2`,
    /// `get:*=latency:200ms`, `*:/repos/*=timeout-after-apply x1`, `get:/user=429:2s`,
    /// `get:*=secondary`, `get:*=primary:60s`) or drift:OWNER/NAME:BRANCH[@N]. Repeatable.
    #[arg(long = "fault", value_name = "SPEC")]
    pub faults: Vec<String>,
}

pub fn run(args: SandboxArgs) -> anyhow::Result<u8> {
    let faults = args
        .faults
        .iter()
        .map(|spec| Fault::parse(spec))
        .collect::<Result<Vec<_>, _>>()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let options = SandboxOptions {
            addr: args.addr,
            dir: args.dir.clone(),
            faults,
            ..SandboxOptions::default()
        };
        let handle = Sandbox::start(options).await?;
        // Listen before saying we are ready: a script that reads the ready line and at once
        // sends SIGTERM must find the sandbox stopping cleanly, not killed by the default.
        let stop = StopSignals::listen()?;
        let text = if args.json {
            ready_line(&handle)
        } else {
            ready_table(&handle, args.dir.is_some())
        };
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")?;
        out.flush()?;
        drop(out);
        stop.wait().await;
        handle.shutdown().await;
        Ok(crate::cli::exit::OK)
    })
}

/// The single JSON line scripts wait for.
pub fn ready_line(handle: &SandboxHandle) -> String {
    let users: Vec<serde_json::Value> = handle
        .users()
        .iter()
        .map(|u| serde_json::json!({"login": u.login, "role": u.role, "token": u.token.expose()}))
        .collect();
    let repos: Vec<String> = handle.repos().iter().map(ToString::to_string).collect();
    serde_json::json!({
        "api_url": handle.api_url(),
        "git_url": handle.git_url(),
        "users": users,
        "repos": repos,
        "control_token": handle.control_token().expose(),
    })
    .to_string()
}

fn ready_table(handle: &SandboxHandle, kept: bool) -> String {
    let mut s = String::new();
    s.push_str("breakglass sandbox: a local GitHub-compatible forge for drills (throwaway credentials)\n\n");
    s.push_str(&format!("  API      {}\n", handle.api_url()));
    s.push_str(&format!("  git      {}/OWNER/NAME.git\n", handle.git_url()));
    s.push_str(&format!(
        "  control  {}  (Bearer token for /_sandbox/faults, /_sandbox/requests, /_sandbox/drift)\n",
        handle.control_token().expose()
    ));
    let state = if kept {
        format!("{} (kept across restarts)", handle.dir().display())
    } else {
        "temporary (removed on exit)".to_owned()
    };
    s.push_str(&format!("  state    {state}\n\n"));
    s.push_str(&format!("  {:<10} {:<6} {}\n", "login", "role", "token"));
    for u in handle.users() {
        s.push_str(&format!(
            "  {:<10} {:<6} {}\n",
            u.login,
            u.role,
            u.token.expose()
        ));
    }
    let repos: Vec<String> = handle.repos().iter().map(ToString::to_string).collect();
    s.push_str(&format!("\n  repos    {}\n", repos.join(", ")));
    s.push_str("\nTeam drill: each person runs their line on their own machine.\n");
    for line in role_lines(handle) {
        s.push_str(&format!("  {line}\n"));
    }
    s.push_str("\nPress Ctrl-C to stop.");
    s
}

/// Per role, the one line that person runs with their own throwaway token.
pub fn role_lines(handle: &SandboxHandle) -> Vec<String> {
    let api = handle.api_url();
    let token = |login: &str| {
        handle
            .user(login)
            .map(|u| u.token.expose().to_owned())
            .unwrap_or_default()
    };
    vec![
        format!(
            "commander: GH_TOKEN={} breakglass drill --scenario clean-run --forge {api}",
            token("commander")
        ),
        format!(
            "approver:  GH_TOKEN={} breakglass approve --repo acme/api --api-url {api} --incident ID   (ID: the incident the commander declared, on its issue)",
            token("dev")
        ),
        format!(
            "reviewer:  curl -sS -H 'Authorization: Bearer {}' -d '{{\"event\":\"APPROVE\",\"body\":\"reviewed\"}}' {api}/repos/acme/api/pulls/N/reviews   (N: the review pull request the drill opened)",
            token("reviewer")
        ),
    ]
}

/// Ctrl-C and SIGTERM, listened for from the moment this is made.
struct StopSignals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn listen() -> anyhow::Result<StopSignals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(StopSignals {
            interrupt: signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?,
            terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
        })
    }

    /// Until the first of the two arrives.
    async fn wait(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}
