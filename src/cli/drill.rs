//! `breakglass drill`: a timed rehearsal of the whole flow against an in-process sandbox
//! forge. On a terminal it opens the TUI; `--headless` (or stdout that is not a terminal)
//! runs the whole flow unattended and prints the timings. Both set the drill up with
//! [`crate::drill::Rehearsal`] and exit by its verdict.

use super::exit;
use super::steps::print_json;
use crate::clock::SystemClock;
use crate::drill::{DRILL_SANDBOX_DIR_ENV, RehearsalSetup, Verdict, run_headless};
use crate::paths::{HOME_ENV, Paths};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct DrillArgs {
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

pub async fn run(args: DrillArgs) -> anyhow::Result<u8> {
    let setup = RehearsalSetup {
        faults: args.faults,
        ttl: args.ttl,
        paths: home_from_env().as_deref().map(Paths::under),
        sandbox_dir: sandbox_dir_from_env(),
    };
    if !args.headless && !args.json && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return super::tui::drill(setup).await;
    }
    if !args.headless {
        eprintln!("note: stdout is not a terminal; running the headless drill");
    }
    let report = run_headless(&setup, Arc::new(SystemClock)).await?;
    if args.json {
        print_json(&report);
    } else {
        print!("{}", report.render());
    }
    Ok(exit_code(&report.verdict))
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

/// `BREAKGLASS_HOME` when set: the drill records there instead of a temporary home.
pub fn home_from_env() -> Option<PathBuf> {
    std::env::var_os(HOME_ENV)
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// `BREAKGLASS_DRILL_SANDBOX_DIR` when set: the drill's sandbox keeps its state there.
pub fn sandbox_dir_from_env() -> Option<PathBuf> {
    std::env::var_os(DRILL_SANDBOX_DIR_ENV)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}
