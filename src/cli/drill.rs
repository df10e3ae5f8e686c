//! `breakglass drill`: a timed rehearsal of the whole flow against an in-process sandbox
//! forge. On a terminal it opens the TUI; `--headless` (or stdout that is not a terminal)
//! runs the whole flow unattended and prints the timings.

use super::exit;
use super::steps::print_json;
use crate::drill::{DrillOptions, run_headless};

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
    if !args.headless && !args.json && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return super::tui::drill(args.faults, args.ttl).await;
    }
    if !args.headless {
        eprintln!("note: stdout is not a terminal; running the headless drill");
    }
    let home = std::env::var_os(crate::paths::HOME_ENV)
        .filter(|h| !h.is_empty())
        .map(std::path::PathBuf::from);
    let report = run_headless(DrillOptions {
        faults: args.faults,
        home,
        ttl: args.ttl,
    })
    .await?;
    if args.json {
        print_json(&report);
    } else {
        print!("{}", report.render());
    }
    Ok(if report.passed {
        exit::OK
    } else if !report.restored_exactly || report.drift_found {
        exit::RESTORE_FAILED
    } else {
        exit::ERROR
    })
}
