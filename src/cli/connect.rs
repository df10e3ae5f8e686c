//! Building a [`Flow`] for a headless command: paths, configuration, the token, the forge
//! client, and the recovery pass every command runs first (reported on stderr).

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, ConfigOverrides};
use crate::flow::{Flow, FlowOptions, FlowSetup, RecoveryReport};
use crate::forge::token::discover_token;
use crate::paths::Paths;
use std::sync::Arc;

/// What every flow command may say about where the forge is.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ForgeArgs {
    /// The forge's REST API base (GitHub Enterprise: https://HOST/api/v3; a sandbox:
    /// http://127.0.0.1:PORT). Default: config `api_url`, else https://api.github.com.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
}

/// Loads the configuration with the command line's overrides.
pub fn load_config(paths: &Paths, overrides: ConfigOverrides) -> anyhow::Result<Config> {
    Ok(Config::load(paths, &overrides)?)
}

/// A flow for `command` against the configured forge, with the operator's token.
pub async fn connect(
    command: &str,
    forge: &ForgeArgs,
    overrides: ConfigOverrides,
) -> anyhow::Result<Flow> {
    connect_as(command, forge, overrides, None).await
}

/// [`connect`], recording events as `actor` when given instead of asking the forge.
pub async fn connect_as(
    command: &str,
    forge: &ForgeArgs,
    overrides: ConfigOverrides,
    actor: Option<String>,
) -> anyhow::Result<Flow> {
    let paths = Paths::from_env()?;
    let overrides = ConfigOverrides {
        api_url: forge.api_url.clone().or(overrides.api_url),
        ..overrides
    };
    let config = load_config(&paths, overrides)?;
    let (token, _source) = discover_token()?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let api_url = config.api_url.as_str().trim_end_matches('/').to_owned();
    let forge = crate::flow::github_forge(&api_url, token.clone(), clock.clone())?;
    let options = FlowOptions {
        command: command.to_owned(),
        api_url,
        actor,
        ..FlowOptions::default()
    };
    Ok(Flow::open(FlowSetup {
        paths,
        config,
        clock,
        forge,
        token: Some(token),
        options,
    })
    .await?)
}

/// Runs recovery and tells the operator on stderr what it did and what is open.
pub async fn recover_and_report(flow: &Flow) -> anyhow::Result<RecoveryReport> {
    let report = flow.recover().await?;
    for outcome in &report.restored {
        eprintln!("recovery: {}", outcome.summary());
    }
    for lease in &report.open {
        eprintln!(
            "open lease: incident {} on {} {} ({}), {} left",
            lease.incident,
            lease.repo,
            lease.branch,
            lease.phase,
            crate::config::format_duration(chrono::Duration::seconds(lease.remaining_seconds))
        );
    }
    for busy in &report.busy {
        eprintln!("note: {busy}");
    }
    for error in &report.errors {
        eprintln!("recovery error: {error}");
    }
    Ok(report)
}
