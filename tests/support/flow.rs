//! The library flow the TUI and the drills drive, opened as the commander on a sandbox and
//! a home, and the incident the tests declare: one constructor, with what a test changes
//! said by name (its clock, its config, the real watchdog, a sleeper, other forges).

use super::world::{REASON, World};
use breakglass::clock::{Clock, SystemClock};
use breakglass::config::{ApprovalConfig, Config};
use breakglass::flow::{
    Declaration, Flow, FlowOptions, FlowSetup, FlowSleeper, ForgeConnector, github_forge,
};
use breakglass::forge::github::Sleeper;
use breakglass::forge::sandbox::SandboxHandle;
use breakglass::paths::Paths;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Incident `id` on acme/api `main`, for the usual reason, asking a 20-minute lease.
pub fn declaration(id: &str) -> Declaration {
    Declaration {
        id: id.into(),
        repo: "acme/api".parse().unwrap(),
        branch: "main".into(),
        reason: REASON.into(),
        ttl: Some(chrono::Duration::minutes(20)),
        drill: false,
        remote_url: None,
    }
}

/// The default configuration with the two-person rule off, for tests about something else
/// (flow_approval.rs and approve_cli.rs test the rule).
pub fn config_without_approval() -> Config {
    Config {
        approval: ApprovalConfig {
            required: false,
            ..ApprovalConfig::default()
        },
        ..Config::default()
    }
}

/// How a test's flow is opened. By default: the system clock, the default config with the
/// two-person rule off (flow_approval.rs and approve_cli.rs test it), no watchdog.
pub struct FlowBuilder {
    sandbox_api: String,
    token: breakglass::secret::Secret,
    home: PathBuf,
    clock: Arc<dyn Clock>,
    config: Config,
    options: FlowOptions,
}

impl FlowBuilder {
    /// The commander's flow on `sandbox`, keeping its log and state under `home`; `command`
    /// is what its incident locks say holds them.
    pub fn on(sandbox: &SandboxHandle, home: &Path, command: &str) -> FlowBuilder {
        let api_url = sandbox.api_url();
        FlowBuilder {
            sandbox_api: api_url.clone(),
            token: sandbox.token("commander"),
            home: home.to_owned(),
            clock: Arc::new(SystemClock),
            config: config_without_approval(),
            options: FlowOptions {
                command: command.into(),
                spawn_watchdog: false,
                api_url,
                ..FlowOptions::default()
            },
        }
    }

    /// Reads time from `clock` (the forge client too).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses `config` as it is (the two-person rule as it says).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Starts the real detached watchdog (this build's binary, with this home) at activation.
    pub fn watchdog(mut self) -> Self {
        self.options.spawn_watchdog = true;
        self.options.watchdog_program = Some(env!("CARGO_BIN_EXE_breakglass").into());
        self.options.home = Some(self.home.clone());
        self
    }

    /// Waits between restore attempts through `sleeper`.
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.options.sleeper = FlowSleeper(sleeper);
        self
    }

    /// Reaches incidents bound to other forges through `connector`.
    pub fn other_forges(mut self, connector: ForgeConnector) -> Self {
        self.options.other_forges = Some(connector);
        self
    }

    pub async fn open(self) -> Flow {
        Flow::open(FlowSetup {
            paths: Paths::under(&self.home),
            config: self.config,
            clock: self.clock.clone(),
            forge: github_forge(&self.sandbox_api, self.token.clone(), self.clock).unwrap(),
            token: Some(self.token),
            options: self.options,
        })
        .await
        .unwrap()
    }
}

impl World {
    /// The commander's flow on this world's sandbox and home (see [`FlowBuilder`]).
    pub fn flow(&self, command: &str) -> FlowBuilder {
        FlowBuilder::on(&self.sandbox, self.home.path(), command)
    }

    /// Declares `declaration` on `flow` and preflights it with this world's clone.
    pub async fn preflighted(&self, flow: &Flow, declaration: Declaration) {
        let id = declaration.id.clone();
        flow.declare(declaration).await.unwrap();
        flow.preflight(&id, Some(&self.clone_dir()), None)
            .await
            .unwrap();
    }
}
