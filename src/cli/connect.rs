//! Building a [`Flow`] for a headless command: paths, configuration, the forge the command
//! must use (the incident's, read from the ledger before any request), the token for that
//! forge's host, and the recovery pass every command runs first (reported on stderr).

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, ConfigOverrides};
use crate::flow::{
    Flow, FlowError, FlowOptions, FlowSetup, ForgeConnector, RecoveryReport, awaits_review,
    connect_forge, forge_for, incident_named, is_in_progress, read_ledger,
};
use crate::incident::Incident;
use crate::paths::Paths;
use std::sync::Arc;

/// What every flow command may say about where the forge is.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ForgeArgs {
    /// The forge's REST API base (GitHub Enterprise: https://HOST/api/v3; a sandbox:
    /// http://127.0.0.1:PORT). Default: config `api_url`, else https://api.github.com. An
    /// existing incident uses the forge it was declared on; naming another is refused.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
}

/// Loads the configuration with the command line's overrides.
pub fn load_config(paths: &Paths, overrides: ConfigOverrides) -> anyhow::Result<Config> {
    Ok(Config::load(paths, &overrides)?)
}

/// The incident a command acts on, as far as it can be told before connecting: its forge
/// is the one the command must use.
#[derive(Debug, Clone, Copy)]
pub enum ActsOn<'a> {
    /// No incident in particular (`status`): the configured forge.
    NoIncident,
    /// This incident if given, else the only one in progress.
    Incident(Option<&'a str>),
    /// This incident if given, else the only restored one awaiting its review.
    Review(Option<&'a str>),
}

/// A flow for `command` on the forge of the incident it acts on (else the configured
/// forge), with the token found for that forge's host. A different forge named by
/// `--api-url` or the config is refused before any request.
pub async fn connect(
    command: &str,
    forge: &ForgeArgs,
    overrides: ConfigOverrides,
    acts_on: ActsOn<'_>,
) -> anyhow::Result<Flow> {
    connect_as(command, forge, overrides, acts_on, None).await
}

/// The command name the hidden `watchdog` subcommand connects as.
pub const WATCHDOG_COMMAND: &str = "breakglass watchdog";

/// [`connect`], recording events as `actor` when given instead of asking the forge.
pub async fn connect_as(
    command: &str,
    forge: &ForgeArgs,
    overrides: ConfigOverrides,
    acts_on: ActsOn<'_>,
    actor: Option<String>,
) -> anyhow::Result<Flow> {
    let paths = Paths::from_env()?;
    let overrides = ConfigOverrides {
        api_url: forge.api_url.clone().or(overrides.api_url),
        ..overrides
    };
    let config = load_config(&paths, overrides)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let incident = incident_acted_on(&paths, &clock, acts_on)?;
    let api_url = forge_for(incident.as_ref(), &config)?;
    let (forge, token) = connect_forge(&api_url, clock.clone())?;
    let options = FlowOptions {
        command: command.to_owned(),
        api_url,
        actor,
        other_forges: Some(ForgeConnector::discovering(clock.clone())),
        // The watchdog asks the forge nothing while the glass is open (its lease check is
        // the log's): the issue is caught up by the next command or the TUI instead. It
        // still notifies (webhooks are not the forge), e.g. the lease ending.
        mirror: command != WATCHDOG_COMMAND,
        notify: true,
        ..FlowOptions::default()
    };
    Ok(Flow::open(FlowSetup {
        paths,
        config,
        clock,
        forge,
        token: Some(token.secret().clone()),
        options,
    })
    .await?)
}

/// The incident `acts_on` names, read from the ledger; `None` when it names none, or none
/// can be told apart yet (the flow then says why after connecting).
fn incident_acted_on(
    paths: &Paths,
    clock: &Arc<dyn Clock>,
    acts_on: ActsOn<'_>,
) -> Result<Option<Incident>, FlowError> {
    let (id, candidate): (Option<&str>, fn(&Incident) -> bool) = match acts_on {
        ActsOn::NoIncident => return Ok(None),
        ActsOn::Incident(id) => (id, is_in_progress),
        ActsOn::Review(id) => (id, awaits_review),
    };
    incident_named(&read_ledger(paths, clock.clone())?, id, candidate)
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
