//! `breakglass audit reconcile`: reads the forge's record of pushes to one branch and the
//! ledger, and prints every bypass with the incident that accounts for it, if any.
//!
//! Parses, connects, prints; the matching is `reconcile`'s, the reading `reconcile::read`'s.

use super::connect::{ForgeArgs, load_config};
use super::exit;
use crate::clock::{Clock, SystemClock};
use crate::config::ConfigOverrides;
use crate::flow::{ChainState, LedgerView, forge_for};
use crate::forge::RepoId;
use crate::forge::github::{ClientOptions, GitHubClient};
use crate::forge::token::{TokenHost, discover_token};
use crate::paths::Paths;
use crate::reconcile::read::{ReconcileRequest, read_forge};
use crate::reconcile::{Bypass, Reconciliation, reconcile};
use crate::text::sanitize_line;
use anyhow::Context;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct ReconcileArgs {
    /// The repository, OWNER/NAME.
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: RepoId,
    /// The protected branch whose pushes to check.
    #[arg(long, default_value = "main")]
    pub branch: String,
    /// How far back to look (e.g. 24h, 7d, 30d).
    #[arg(long, default_value = "7d", value_parser = parse_since)]
    pub since: chrono::Duration,
    /// Print one JSON object instead of lines.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub forge: ForgeArgs,
    /// Items asked per page (tests use small pages to exercise paging).
    #[arg(long, default_value_t = 100, hide = true, value_parser = clap::value_parser!(u8).range(1..=100))]
    pub per_page: u8,
}

fn parse_since(text: &str) -> Result<chrono::Duration, String> {
    let std = humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration ({e}); write e.g. 24h or 7d"))?;
    chrono::Duration::from_std(std).map_err(|_| format!("`{text}` is too long"))
}

pub async fn run(args: ReconcileArgs) -> anyhow::Result<u8> {
    let paths = Paths::from_env()?;
    let config = load_config(
        &paths,
        ConfigOverrides {
            api_url: args.forge.api_url.clone(),
            ..ConfigOverrides::default()
        },
    )?;
    // No incident names the forge here: the configured one (or --api-url) is read, and
    // only incidents bound to it can account for its pushes.
    let api_url = forge_for(None, &config)?;
    let ledger = LedgerView::read(&paths.audit_log());
    if let ChainState::Unreadable { why } = &ledger.chain {
        anyhow::bail!(
            "the audit log cannot be read ({why}), so no bypass can be matched to an incident — \
             run `breakglass audit verify` and repair the log first"
        );
    }
    for problem in ledger.problems() {
        eprintln!("warning: {problem}; a bypass it recorded shows as unaccounted");
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let client = client_for(&api_url, clock.clone())?;
    let request = ReconcileRequest {
        repo: args.repo.clone(),
        branch: args.branch.clone(),
        since: args.since,
        per_page: args.per_page,
    };
    let record = read_forge(&client, &request, clock.now())
        .await
        .with_context(|| format!("cannot read what {api_url} recorded about {}", args.repo))?;
    let outcome = reconcile(&record, &ledger.incidents);
    if outcome.checked_nothing() {
        for gap in &outcome.unavailable {
            eprintln!("{}", unavailable_line(gap));
        }
        anyhow::bail!(
            "{api_url} offers neither repository activity nor rule suites, so nothing could be \
             checked — reconcile needs GitHub.com or a GitHub Enterprise Server that has them"
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        print_text(&outcome);
    }
    for gap in &outcome.unavailable {
        eprintln!("{}", unavailable_line(gap));
    }
    Ok(if outcome.unaccounted > 0 {
        exit::RESTORE_FAILED
    } else {
        exit::OK
    })
}

/// A client for `api_url` with the token its host's rules find, as every command does.
fn client_for(api_url: &str, clock: Arc<dyn Clock>) -> anyhow::Result<GitHubClient> {
    let host = TokenHost::of_api_url(api_url)
        .with_context(|| format!("the forge API URL `{api_url}` names no host"))?;
    let token = discover_token(&host)?;
    let secret = token.for_forge(api_url)?.clone();
    let options = ClientOptions {
        clock,
        ..ClientOptions::default()
    };
    Ok(GitHubClient::new(api_url, secret, options)?)
}

fn unavailable_line(gap: &crate::reconcile::Unavailable) -> String {
    format!(
        "NOT CHECKED: {} answers 404 on this forge (an older GitHub Enterprise Server?), so {} \
         were not checked; everything else was",
        gap.endpoint, gap.unchecked
    )
}

fn print_text(outcome: &Reconciliation) {
    println!(
        "{} {} since {}: {} bypass(es), {} accounted for, {} unaccounted",
        outcome.repo,
        sanitize_line(&outcome.branch),
        outcome.since.format("%Y-%m-%d %H:%M UTC"),
        outcome.bypasses.len(),
        outcome.accounted,
        outcome.unaccounted
    );
    if outcome.pull_request_required_by.is_empty() {
        println!(
            "  (nothing requires a pull request on this branch now: only rule-suite bypasses count)"
        );
    }
    for bypass in &outcome.bypasses {
        println!("{}", bypass_line(bypass));
    }
}

fn bypass_line(b: &Bypass) -> String {
    let status = match &b.accounted_by {
        Some(id) => format!("accounted for by {}", sanitize_line(id)),
        None => "UNACCOUNTED".to_owned(),
    };
    let how = match (&b.activity_type, b.rule_suite_id) {
        (Some(kind), Some(id)) => format!("{kind}, rule suite {id}"),
        (Some(kind), None) => kind.clone(),
        (None, Some(id)) => format!("rule suite {id}"),
        (None, None) => String::new(),
    };
    sanitize_line(&format!(
        "  {status}: {} by {} ({how}) {} -> {}; bypassed: {}",
        b.at.format("%Y-%m-%d %H:%M:%S UTC"),
        b.actor.as_deref().unwrap_or("(unknown actor)"),
        b.before,
        b.after,
        b.rules.join("; ")
    ))
}
