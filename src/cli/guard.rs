//! `breakglass guard`: watches the named repositories (and organisations) for open leases
//! and closes expired ones, once (`--once`, for a scheduled job) or every `--interval`
//! until Ctrl-C, one line (or JSON line) per action.
//!
//! Parses, connects with the guard's own token, prints; the guarding is `crate::guard`'s.

use super::connect::{ForgeArgs, load_config};
use super::exit;
use crate::audit::AuditLog;
use crate::clock::{Clock, SystemClock};
use crate::config::ConfigOverrides;
use crate::flow::{connect_forge, forge_for};
use crate::forge::RepoId;
use crate::forge::github::{ClientOptions, GitHubClient};
use crate::guard::{ActionKind, Guard, GuardAction, GuardSetup, Scope};
use crate::paths::Paths;
use anyhow::Context;
use std::collections::HashSet;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct GuardArgs {
    /// A repository holding incident issues (the mirror repository), OWNER/NAME; repeat
    /// for more.
    #[arg(long = "repo", value_name = "OWNER/NAME")]
    pub repos: Vec<RepoId>,
    /// Every repository of this organisation too (listed through the API each pass);
    /// repeat for more.
    #[arg(long = "org", value_name = "ORG")]
    pub orgs: Vec<String>,
    /// One pass, then exit: 0 when nothing needed doing or all was restored, 3 when
    /// something could not be restored.
    #[arg(long)]
    pub once: bool,
    /// Time between passes without --once (e.g. 30s, 2m).
    #[arg(long, default_value = "30s", value_parser = parse_std_duration)]
    pub interval: std::time::Duration,
    /// How long past a lease's deadline to wait before restoring, so the commander's own
    /// watchdog goes first (e.g. 60s, 0s).
    #[arg(long, default_value = "60s", value_parser = parse_grace)]
    pub grace: chrono::Duration,
    /// One JSON object per action, one per line.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub forge: ForgeArgs,
    /// Items asked per page (tests use small pages to exercise paging).
    #[arg(long, default_value_t = 100, hide = true, value_parser = clap::value_parser!(u8).range(1..=100))]
    pub per_page: u8,
}

fn parse_std_duration(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration ({e}); write e.g. 30s or 2m"))
}

fn parse_grace(text: &str) -> Result<chrono::Duration, String> {
    let std = parse_std_duration(text)?;
    chrono::Duration::from_std(std).map_err(|_| format!("`{text}` is too long"))
}

pub async fn run(args: GuardArgs) -> anyhow::Result<u8> {
    if args.repos.is_empty() && args.orgs.is_empty() {
        anyhow::bail!(
            "name what to guard: --repo OWNER/NAME (the repository holding the incident \
             issues, `[mirror] repo` in the commanders' config) and/or --org ORG"
        );
    }
    let paths = Paths::from_env()?;
    paths.ensure()?;
    let config = load_config(
        &paths,
        ConfigOverrides {
            api_url: args.forge.api_url.clone(),
            ..ConfigOverrides::default()
        },
    )?;
    let api_url = forge_for(None, &config)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (forge, token) = connect_forge(&api_url, clock.clone())?;
    let options = ClientOptions {
        clock: clock.clone(),
        ..ClientOptions::default()
    };
    let client = GitHubClient::new(&api_url, token.for_forge(&api_url)?.clone(), options)?;
    let login = forge
        .identity()
        .await
        .with_context(|| format!("cannot ask {api_url} who the guard's token belongs to"))?
        .login;
    let log = AuditLog::open(paths.audit_log(), clock.clone()).with_context(|| {
        format!(
            "cannot open the guard's own audit log {} — run `breakglass audit verify`",
            paths.audit_log().display()
        )
    })?;
    let scope = Scope {
        repos: args.repos.clone(),
        orgs: args.orgs.clone(),
        per_page: args.per_page,
    };
    let mut guard = Guard::new(GuardSetup {
        forge,
        client,
        log,
        clock,
        login: crate::text::sanitize_line(&login),
        scope,
        grace: args.grace,
    });
    let watched: Vec<String> = args
        .repos
        .iter()
        .map(RepoId::to_string)
        .chain(args.orgs.iter().map(|o| format!("{o} (organisation)")))
        .collect();
    eprintln!(
        "breakglass guard as {} on {api_url}, watching {}",
        guard.login(),
        crate::text::sanitize_line(&watched.join(", "))
    );
    loop_passes(&mut guard, &args).await
}

/// Runs passes until `--once` is done or Ctrl-C / SIGTERM arrives between passes (a pass
/// in flight, a restore included, is always finished first).
async fn loop_passes(guard: &mut Guard, args: &GuardArgs) -> anyhow::Result<u8> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut shown_waiting: HashSet<(String, Option<chrono::DateTime<chrono::Utc>>)> =
        HashSet::new();
    loop {
        let actions = guard.pass().await;
        let attention = actions.iter().any(GuardAction::needs_attention);
        for action in &actions {
            // A lease left alone is said once per deadline, not every pass.
            if action.action == ActionKind::LeftAlone
                && !args.once
                && !shown_waiting.insert((action.issue.clone(), action.deadline))
            {
                continue;
            }
            print_action(action, args.json)?;
        }
        if actions.is_empty() && !args.json && args.once {
            eprintln!("no open lease found");
        }
        let code = if attention {
            exit::RESTORE_FAILED
        } else {
            exit::OK
        };
        if args.once {
            return Ok(code);
        }
        tokio::select! {
            _ = tokio::time::sleep(args.interval) => {}
            _ = interrupt.recv() => return Ok(code),
            _ = terminate.recv() => return Ok(code),
        }
    }
}

fn print_action(action: &GuardAction, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(action)?);
    } else {
        println!("{}", action.line());
    }
    Ok(())
}
