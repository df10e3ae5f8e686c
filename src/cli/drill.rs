//! `breakglass drill`: a timed rehearsal of the whole flow against an in-process sandbox
//! forge. On a terminal it opens the TUI; `--headless` (or stdout that is not a terminal)
//! runs the whole flow unattended and prints the timings. Both set the drill up with
//! [`crate::drill::Rehearsal`] and exit by its verdict.

use super::exit;
use super::steps::print_json;
use crate::clock::SystemClock;
use crate::drill::scenario::{self, Scenario};
use crate::drill::{DRILL_SANDBOX_DIR_ENV, RehearsalSetup, SharedForge, Verdict, run_headless};
use crate::forge::token::{TokenHost, discover_token};
use crate::paths::Paths;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DrillArgs {
    #[command(subcommand)]
    pub action: Option<DrillAction>,
    /// List the scenarios (built-in and the team's `drills/*.toml` in the config
    /// directory) and exit.
    #[arg(long)]
    pub list: bool,
    /// Rehearse scenario ID (see `--list`); runs are recorded in the audit log as drills.
    #[arg(long, value_name = "ID")]
    pub scenario: Option<String>,
    /// Drill against a shared sandbox (`breakglass sandbox` prints this line per role)
    /// instead of an in-process one, with your own token from GH_TOKEN; headless.
    #[arg(long, value_name = "URL")]
    pub forge: Option<url::Url>,
    /// Run without the TUI and print each step's duration and forge requests.
    #[arg(long)]
    pub headless: bool,
    /// Inject a sandbox fault (repeatable), e.g. put:/repos/*/branches/*/protection=500x1
    /// or drift:acme/api:main.
    #[arg(long = "fault", value_name = "SPEC")]
    pub faults: Vec<String>,
    /// The lease the drill asks for (default: config `lease.default`).
    #[arg(long, value_parser = crate::config::parse_duration)]
    pub ttl: Option<chrono::Duration>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// What to do with past drills.
#[derive(Debug, clap::Subcommand)]
pub enum DrillAction {
    /// List past drill runs with their per-step times.
    History(super::drill_history::HistoryArgs),
    /// The scorecard of drill run ID (an incident id from `drill history`).
    Report(super::drill_history::ReportArgs),
}

pub async fn run(args: DrillArgs) -> anyhow::Result<u8> {
    match args.action {
        Some(DrillAction::History(history)) => return super::drill_history::history(history),
        Some(DrillAction::Report(report)) => return super::drill_history::report(report),
        None => {}
    }
    let (scenarios, errors) = scenario::load_all(&Paths::from_env()?.config_dir.join("drills"));
    for error in &errors {
        eprintln!("warning: scenario not loaded: {error}");
    }
    if args.list {
        print!("{}", list(&scenarios, args.json));
        return Ok(exit::OK);
    }
    let scenario = match &args.scenario {
        None => None,
        Some(id) => Some(pick(&scenarios, id, &errors)?),
    };
    let forge = args.forge.as_ref().map(shared_forge).transpose()?;
    // Every drill is the team's history: it goes to the operator's own log (flagged as a
    // drill, kept out of real incidents), so the picker and `drill history` see it.
    let paths = Some(Paths::from_env()?);
    let setup = RehearsalSetup {
        ttl: args.ttl.or(scenario.as_ref().and_then(|s| s.ttl)),
        faults: args.faults,
        paths,
        sandbox_dir: sandbox_dir_from_env(),
        scenario,
        forge,
    };
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    // The TUI plays a scenario's faults and twists as the headless drill does, all but
    // the terminal dying (close the terminal yourself for that one); shared forges are
    // drilled headless.
    let terminal_dies = setup.scenario.as_ref().is_some_and(|s| {
        s.twists
            .iter()
            .any(|t| t.what == crate::drill::scenario::TwistKind::TerminalDies)
    });
    let headless_only = setup.forge.is_some() || terminal_dies;
    if !headless_only && !args.headless && !args.json && terminal {
        return super::tui::drill(setup).await;
    }
    if !args.headless && !args.json && terminal {
        eprintln!(
            "note: shared forges and the terminal-dies scenario are drilled headless; running \
             the headless drill"
        );
    } else if !args.headless {
        eprintln!("note: stdout is not a terminal; running the headless drill");
    }
    let report = run_headless(&setup, Arc::new(SystemClock)).await?;
    if args.json {
        print_json(&report);
    } else {
        print!("{}", report.render());
    }
    Ok(match &report.expected {
        // A scenario that ended as it expects passed, even when it expects a refusal.
        Some(check) if check.met => exit::OK,
        Some(_) if report.verdict.protection_at_risk() => exit::RESTORE_FAILED,
        Some(_) => exit::ERROR,
        None => exit_code(&report.verdict),
    })
}

/// The shared sandbox at `url`, with the token found for its host (never another's).
fn shared_forge(url: &url::Url) -> anyhow::Result<SharedForge> {
    let api_url = url.as_str().trim_end_matches('/').to_owned();
    let host = TokenHost::of_api_url(&api_url).ok_or_else(|| {
        anyhow::anyhow!(
            "--forge {api_url} names no host; pass the URL `breakglass sandbox` printed"
        )
    })?;
    let token = discover_token(&host)?;
    Ok(SharedForge {
        api_url,
        token: token.secret().clone(),
    })
}

/// The scenario `id`, or an error that says which ones exist.
fn pick(
    scenarios: &[Scenario],
    id: &str,
    errors: &[scenario::ScenarioError],
) -> anyhow::Result<Scenario> {
    let Some(found) = scenarios.iter().find(|s| s.id == id) else {
        let known: Vec<&str> = scenarios.iter().map(|s| s.id.as_str()).collect();
        let mut message = format!(
            "no drill scenario `{}`; pick one of: {} (breakglass drill --list)",
            crate::text::sanitize_line(id),
            known.join(", ")
        );
        if !errors.is_empty() {
            message.push_str(&format!(
                "; {} scenario file(s) did not load, see the warnings above",
                errors.len()
            ));
        }
        anyhow::bail!(message);
    };
    Ok(found.clone())
}

/// `--list`: one line per scenario (or JSON).
fn list(scenarios: &[Scenario], json: bool) -> String {
    if json {
        let rows: Vec<serde_json::Value> = scenarios
            .iter()
            .map(|s| {
                serde_json::json!({
                    "id": s.id, "title": s.title, "story": s.story,
                    "expect": s.expect.outcome, "origin": s.origin,
                })
            })
            .collect();
        return format!("{}\n", serde_json::Value::Array(rows));
    }
    let mut out = String::new();
    for s in scenarios {
        out.push_str(&format!(
            "{:<24} {}\n",
            s.id,
            crate::text::sanitize_line(&s.title)
        ));
    }
    out
}

/// The exit code a drill ends with: 0 passed, 3 protection at risk (act now), else 1.
pub fn exit_code(verdict: &Verdict) -> u8 {
    if verdict.passed {
        exit::OK
    } else if verdict.protection_at_risk() {
        exit::RESTORE_FAILED
    } else {
        exit::ERROR
    }
}

/// `BREAKGLASS_DRILL_SANDBOX_DIR` when set: the drill's sandbox keeps its state there.
pub fn sandbox_dir_from_env() -> Option<PathBuf> {
    std::env::var_os(DRILL_SANDBOX_DIR_ENV)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}
