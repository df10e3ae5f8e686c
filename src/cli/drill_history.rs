//! `breakglass drill history` and `breakglass drill report ID`: past drills read from the
//! audit log (drills only, never real incidents), their per-step times and scorecards.

use super::exit;
use super::steps::print_json;
use crate::config::{Config, ConfigOverrides};
use crate::drill::scorecard::{advice, history as runs_of, scorecard, step_trends};
use crate::drill::{ForgeEvidence, judge};
use crate::flow::LedgerView;
use crate::paths::Paths;
use crate::runbook::Runbook;

/// Options of `breakglass drill history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Only runs of this scenario.
    #[arg(long, value_name = "ID")]
    pub scenario: Option<String>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Options of `breakglass drill report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The drill's incident id (see `breakglass drill history`).
    pub id: String,
    /// Print the scorecard as Markdown, for the team's notes.
    #[arg(long)]
    pub markdown: bool,
    /// Print one JSON document on stdout.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
}

fn ledger_and_runbook() -> anyhow::Result<(LedgerView, Runbook)> {
    let paths = Paths::from_env()?;
    let config = Config::load(&paths, &ConfigOverrides::default())?;
    let runbook = config
        .runbook(&paths)
        .unwrap_or_else(|_| Runbook::default_github());
    Ok((LedgerView::read(&paths.audit_log()), runbook))
}

pub fn history(args: HistoryArgs) -> anyhow::Result<u8> {
    let (ledger, runbook) = ledger_and_runbook()?;
    let runs = runs_of(&ledger.incidents, &runbook, args.scenario.as_deref());
    let trends = step_trends(&runs, &runbook);
    if args.json {
        print_json(&serde_json::json!({"runs": runs, "steps": trends, "advice": advice(&trends)}));
        return Ok(exit::OK);
    }
    if runs.is_empty() {
        println!("no drill runs yet; run one with `breakglass drill --scenario ID` (see --list)");
        return Ok(exit::OK);
    }
    for run in &runs {
        let steps: Vec<String> = run
            .steps
            .iter()
            .map(|s| format!("{} {:.1}s", s.id, s.seconds))
            .collect();
        println!(
            "{}  {:<22} {:<28} total {:>7.1} s  exposure {}  {}  {}",
            run.declared_at.format("%Y-%m-%d %H:%M"),
            run.scenario.as_deref().unwrap_or("-"),
            run.incident,
            run.total_seconds,
            run.exposure_seconds
                .map_or("-".to_owned(), |s| format!("{s:.2} s")),
            if run.passed { "passed" } else { "FAILED" },
            steps.join(", ")
        );
    }
    for line in advice(&trends) {
        println!("{line}");
    }
    Ok(exit::OK)
}

pub fn report(args: ReportArgs) -> anyhow::Result<u8> {
    let (ledger, runbook) = ledger_and_runbook()?;
    let Some(incident) = ledger.incidents.iter().find(|i| i.id == args.id) else {
        anyhow::bail!(
            "no incident {} in the audit log; list drill runs with `breakglass drill history`",
            crate::text::sanitize_line(&args.id)
        );
    };
    if !incident.drill {
        anyhow::bail!(
            "{} is a real incident, not a drill; see `breakglass review` for its review",
            incident.id
        );
    }
    let verdict = judge(incident, &ForgeEvidence::default());
    let card = scorecard(incident, &runbook, &ledger.incidents, verdict);
    if args.json {
        print_json(&card);
    } else {
        print!("{}", card.render(args.markdown));
    }
    Ok(exit::OK)
}
