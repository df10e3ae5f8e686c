//! A drill session for the TUI: the sandbox forge started in-process with its seeded
//! repository, a real clone with a prepared fix commit, and a flow on them recording into
//! the session's audit log — the same flow code as a real emergency, only the URL differs.

use super::connection::Connection;
use super::failure::Failure;
use crate::clock::Clock;
use crate::config::Config;
use crate::drill::{COMMANDER, DRILL_REPO, clone_with_fix};
use crate::flow::{Flow, FlowOptions, FlowSetup, github_forge};
use crate::forge::RepoId;
use crate::forge::sandbox::{Fault, Sandbox, SandboxHandle, SandboxOptions};
use crate::incident::RestoreTrigger;
use crate::paths::Paths;
use crate::tui::declare::DeclareDraft;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Keeps the drill's sandbox state in this directory (reloadable after the drill, for
/// checking what the forge ended with); unset: a temporary directory removed at the end.
pub const DRILL_SANDBOX_DIR_ENV: &str = "BREAKGLASS_DRILL_SANDBOX_DIR";

/// How a drill is set up.
#[derive(Debug, Clone, Default)]
pub struct DrillSetup {
    /// Sandbox fault specs, armed from the start.
    pub faults: Vec<String>,
    /// The lease the declare form proposes; `None`: the configured default.
    pub ttl: Option<chrono::Duration>,
    /// Where the sandbox keeps its state; `None`: a temporary directory.
    pub sandbox_dir: Option<PathBuf>,
}

/// A running drill: its forge, its clone and its flow.
pub struct DrillSession {
    pub connection: Connection,
    /// The declare form's prefill: the drill scenario.
    pub draft: DeclareDraft,
    pub api_url: String,
    /// The incidents declared against this sandbox; only these can go on here.
    declared: Mutex<Vec<String>>,
    sandbox: Mutex<Option<SandboxHandle>>,
    _scratch: tempfile::TempDir,
}

impl std::fmt::Debug for DrillSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DrillSession")
            .field("api_url", &self.api_url)
            .field("draft", &self.draft)
            .finish_non_exhaustive()
    }
}

impl DrillSession {
    /// Starts the sandbox, clones the seeded repository, commits the fix and opens a flow
    /// recording into `paths` as the seeded commander.
    pub async fn start(
        paths: &Paths,
        setup: &DrillSetup,
        clock: Arc<dyn Clock>,
    ) -> Result<DrillSession, Failure> {
        let faults = setup
            .faults
            .iter()
            .map(|spec| Fault::parse(spec))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Failure::new(e.to_string(), "fix the --fault spec"))?;
        let sandbox = Sandbox::start(SandboxOptions {
            faults,
            clock: clock.clone(),
            dir: setup.sandbox_dir.clone(),
            ..SandboxOptions::default()
        })
        .await
        .map_err(|e| Failure::new(e.to_string(), "check the temporary directory and loopback"))?;
        let scratch = tempfile::tempdir()
            .map_err(|e| Failure::new(e.to_string(), "check the temporary directory"))?;
        let clone_dir = scratch.path().join("clone");
        let repo: RepoId = DRILL_REPO.parse().expect("a valid repository id");
        let token = sandbox.token(COMMANDER);
        {
            let (url, token, dir) = (sandbox.clone_url(&repo), token.clone(), clone_dir.clone());
            tokio::task::spawn_blocking(move || clone_with_fix(&url, &dir, &token))
                .await
                .map_err(|e| Failure::new(e.to_string(), "start the drill again"))?
                .map_err(|e| {
                    Failure::new(
                        format!("cloning the drill repository failed: {}", e.message()),
                        "check the temporary directory",
                    )
                })?;
        }
        let api_url = sandbox.api_url();
        let reviewers = sandbox
            .users()
            .into_iter()
            .filter(|u| u.login != COMMANDER && u.role != "owner")
            .map(|u| u.login)
            .collect();
        let config = Config {
            api_url: url::Url::parse(&api_url).expect("the sandbox's URL parses"),
            ..Config::default()
        };
        let ttl = setup.ttl.unwrap_or(config.lease_default);
        let forge = github_forge(&api_url, token.clone(), clock.clone())
            .map_err(|e| Failure::new(e.to_string(), "start the drill again"))?;
        let flow = Flow::open(FlowSetup {
            paths: paths.clone(),
            config,
            clock: clock.clone(),
            forge,
            token: Some(token),
            options: FlowOptions {
                command: "breakglass drill".into(),
                // The sandbox lives in this process: a watchdog outliving it could not
                // reach it. The in-process deadline guard and the restore at exit cover it.
                spawn_watchdog: false,
                api_url: api_url.clone(),
                reviewers,
                ..FlowOptions::default()
            },
        })
        .await?;
        let incident = format!("DRILL-{}", clock.now().format("%Y%m%d-%H%M%S"));
        Ok(DrillSession {
            connection: Connection {
                flow: Arc::new(flow),
                repo_dir: clone_dir,
            },
            draft: DeclareDraft {
                repository: DRILL_REPO.into(),
                branch: "main".into(),
                reason: format!(
                    "Drill: checkout returns 500 — https://tickets.example.com/{incident}"
                ),
                incident,
                ttl: crate::config::format_duration(ttl),
                drill: true,
            },
            api_url,
            declared: Mutex::new(Vec::new()),
            sandbox: Mutex::new(Some(sandbox)),
            _scratch: scratch,
        })
    }

    /// Notes that `incident` was declared against this sandbox.
    pub fn declared(&self, incident: &str) {
        self.declared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(incident.to_owned());
    }

    /// True when `incident` was declared against this sandbox.
    pub fn holds(&self, incident: &str) -> bool {
        self.declared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|id| id == incident)
    }

    /// Ends the drill: any glass it left open is restored (its forge is about to go
    /// away), then the sandbox stops. Returns what was restored, in words.
    pub async fn finish(&self) -> Vec<String> {
        let flow = &self.connection.flow;
        let mut said = Vec::new();
        for incident in flow.incidents().unwrap_or_default().into_iter().flatten() {
            if self.holds(&incident.id) && incident.glass_possibly_open() {
                match flow.restore(&incident.id, RestoreTrigger::Interrupt).await {
                    Ok(outcome) => said.push(outcome.summary()),
                    Err(e) => said.push(format!("restoring {} failed: {e}", incident.id)),
                }
            }
        }
        let sandbox = self
            .sandbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(sandbox) = sandbox {
            sandbox.shutdown().await;
        }
        said
    }
}
