//! The TUI's entry points: `breakglass` (the operator's real configuration; the home
//! screen opens without a token), `breakglass drill` on a terminal (an in-process sandbox
//! forge with a seeded repository and a prepared fix), `breakglass review --form` (the
//! lessons-learned form) and `breakglass review --export FILE` (that form as Markdown).

use super::drill::{exit_code, sandbox_dir_from_env};
use super::exit;
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, ConfigOverrides};
use crate::drill::{Finished, Rehearsal, RehearsalSetup};
use crate::flow::LedgerView;
use crate::paths::Paths;
use crate::runbook::Runbook;
use crate::tui::effects::setup::{config_validator, declare_defaults};
use crate::tui::effects::{DrillSession, FlowEffects, RealForge, facts_for, form_for_export};
use crate::tui::update::open_review;
use crate::tui::{App, Msg, Theme, run, update};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Everything the operator's own TUI is built from.
struct Operator {
    paths: Paths,
    config: Config,
    runbook: Runbook,
    clock: Arc<dyn Clock>,
    cwd: PathBuf,
}

impl Operator {
    fn load() -> anyhow::Result<Operator> {
        let paths = Paths::from_env()?;
        paths.ensure()?;
        let config = Config::load(&paths, &ConfigOverrides::default())?;
        let runbook = config.runbook(&paths)?;
        Ok(Operator {
            paths,
            config,
            runbook,
            clock: Arc::new(SystemClock),
            cwd: std::env::current_dir()?,
        })
    }

    fn app(&self) -> App {
        App::new(self.clock.now(), Theme::from_env())
            .with_validator(config_validator(self.config.clone()))
            .with_declare_defaults(declare_defaults(&self.cwd, &self.config))
    }

    fn effects(&self) -> FlowEffects {
        FlowEffects::new(
            self.paths.clone(),
            self.runbook.clone(),
            self.clock.clone(),
            RealForge::lazy(self.config.clone(), self.cwd.clone()),
        )
        .with_drill_setup(RehearsalSetup {
            sandbox_dir: sandbox_dir_from_env(),
            ..RehearsalSetup::default()
        })
    }
}

/// `breakglass`: home, open incidents and leases, declare, drill, review, audit.
pub async fn home() -> anyhow::Result<u8> {
    let operator = Operator::load()?;
    // An approval given on the forge while breakglass was closed signs its review off now.
    let effects = operator
        .effects()
        .with_initial_commands(vec![crate::tui::Command::CheckOutstandingSignOffs]);
    run(operator.app(), effects.clone(), operator.clock.clone()).await?;
    after_the_tui(&operator.paths, &effects, operator.clock.as_ref()).await
}

/// `breakglass review --form [--incident ID]`: the lessons-learned form, autosaved.
pub async fn review_form(incident: Option<String>) -> anyhow::Result<u8> {
    let operator = Operator::load()?;
    let id = match incident {
        Some(id) => id,
        None => super::review::incident_to_review(&LedgerView::read(&operator.paths.audit_log()))?,
    };
    let mut app = operator.app();
    let load = open_review(&mut app, id);
    let effects = operator.effects().with_initial_commands(load);
    run(app, effects.clone(), operator.clock.clone()).await?;
    after_the_tui(&operator.paths, &effects, operator.clock.as_ref()).await
}

/// `breakglass drill` on a terminal: a rehearsal walked with Enter alone, from the
/// prefilled declaration to the restored protections and the review form.
pub async fn drill(setup: RehearsalSetup) -> anyhow::Result<u8> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let rehearsal = Rehearsal::start(&setup, clock.clone()).await?;
    let paths = rehearsal.paths().clone();
    let session = Arc::new(DrillSession::new(rehearsal));
    session.play_timed_faults();
    let config = session.connection.flow.config().clone();
    let runbook = config
        .runbook(&paths)
        .unwrap_or_else(|_| Runbook::default_github());
    let mut app = App::new(clock.now(), Theme::from_env())
        .with_validator(config_validator(config))
        .with_declare_defaults(session.draft.clone());
    update(&mut app, Msg::DrillReady(session.draft.clone()));
    let effects = FlowEffects::new(paths.clone(), runbook, clock.clone(), RealForge::Disabled)
        .with_drill(session.clone())
        .with_scenarios_dir(Paths::from_env()?.config_dir.join("drills"));
    let ran = run(app, effects.clone(), clock.clone()).await;
    let code = after_the_tui(&paths, &effects, clock.as_ref()).await;
    println!("drill recorded in {}", paths.audit_log().display());
    ran?;
    code
}

/// After the TUI closed: end any drill (restoring a glass it left open, since its forge
/// goes away with this process) and say how it went, and say which real glass stays open
/// and until when.
async fn after_the_tui(
    paths: &Paths,
    effects: &FlowEffects,
    clock: &dyn Clock,
) -> anyhow::Result<u8> {
    let mut code = exit::OK;
    for session in effects.drill_sessions() {
        for finished in session.finish().await {
            print_drill_outcome(&finished);
            // The codes grow with severity: the worst drill decides.
            code = code.max(exit_code(&finished.verdict));
        }
    }
    for line in open_glass_lines(&LedgerView::read(&paths.audit_log()), clock.now()) {
        println!("{line}");
    }
    Ok(code)
}

/// What stays open after the TUI: each real incident whose glass may be open, and first
/// anything the ledger could not read (it may hide an open glass).
fn open_glass_lines(ledger: &LedgerView, now: chrono::DateTime<chrono::Utc>) -> Vec<String> {
    let mut lines = ledger.problems();
    for incident in &ledger.incidents {
        if incident.drill || !incident.glass_possibly_open() {
            continue;
        }
        lines.push(match incident.lease {
            Some(lease) => format!(
                "incident {}: the glass on {} {} stays OPEN until {} ({} left); the watchdog \
                 restores it then — `breakglass restore --incident {}` closes it now",
                incident.id,
                incident.repo,
                incident.branch,
                lease.deadline.format("%H:%M:%S UTC"),
                crate::config::format_duration(lease.remaining(now)),
                incident.id
            ),
            None => format!(
                "incident {}: the glass may be open — run `breakglass restore --incident {}`",
                incident.id, incident.id
            ),
        });
    }
    lines
}

/// One finished drill: what closing it did, its phase, times and the judge's problems.
fn print_drill_outcome(finished: &Finished) {
    if let Some(restored) = &finished.restored_at_end {
        println!("{restored}");
    }
    let Some(incident) = &finished.incident else {
        println!("drill {}: cannot be read from the audit log", finished.id);
        return;
    };
    let row = crate::tui::adapt::drill_row(incident);
    let seconds = |d: chrono::Duration| d.num_milliseconds() as f64 / 1000.0;
    println!(
        "drill {}: {} — total {:.1} s, exposure window {:.1} s — {}",
        incident.id,
        crate::tui::adapt::phase_words(incident.phase),
        seconds(row.total),
        seconds(row.exposure),
        if finished.verdict.passed {
            "drill passed"
        } else {
            "DRILL FAILED"
        }
    );
    for problem in &finished.verdict.problems {
        println!("  problem: {problem}");
    }
}

/// `breakglass review --export FILE [--incident ID]`: the review as Markdown — the
/// submitted form from the audit log, else the saved draft.
pub fn export_review(incident: Option<String>, file: &Path) -> anyhow::Result<u8> {
    let paths = Paths::from_env()?;
    let id = match incident {
        Some(id) => id,
        None => super::review::incident_to_review(&LedgerView::read(&paths.audit_log()))?,
    };
    let form =
        form_for_export(&paths, &id).map_err(|f| anyhow::anyhow!("{} — {}", f.error, f.advice))?;
    // The facts are timed against the runbook the operator's configuration names when it
    // is the incident's; a broken configuration only costs the runbook, not the export.
    let configured = Config::load(&paths, &ConfigOverrides::default())
        .ok()
        .and_then(|config| config.runbook(&paths).ok())
        .unwrap_or_else(Runbook::default_github);
    let facts = facts_for(&paths, &configured, &id, SystemClock.now());
    std::fs::write(file, form.to_markdown_with_facts(facts.as_ref())).map_err(|e| {
        anyhow::anyhow!(
            "cannot write {}: {e} — choose a writable path",
            file.display()
        )
    })?;
    println!("incident {id}: review written to {}", file.display());
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{ChainState, UnreadableIncident};

    fn unreadable_log() -> LedgerView {
        LedgerView {
            incidents: Vec::new(),
            unreadable: Vec::new(),
            chain: ChainState::Unreadable {
                why: "the lock was held for 10 s".into(),
            },
        }
    }

    #[test]
    fn an_unreadable_log_is_said_not_taken_for_an_empty_one() {
        let now = crate::incident::fixtures::t(0);
        let lines = open_glass_lines(&unreadable_log(), now);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].contains("AUDIT LOG UNREADABLE: the lock was held for 10 s"),
            "{lines:?}"
        );
        let refused = super::super::review::incident_to_review(&unreadable_log())
            .unwrap_err()
            .to_string();
        assert_eq!(
            refused,
            "the audit log cannot be read: the lock was held for 10 s — run `breakglass audit \
             verify`, or pass --incident ID"
        );
    }

    #[test]
    fn an_unreadable_incident_is_named_after_the_tui() {
        let ledger = LedgerView {
            incidents: Vec::new(),
            unreadable: vec![UnreadableIncident {
                id: "INC-7".into(),
                why: "line 7: unknown event `exploded`".into(),
            }],
            chain: ChainState::Verified {
                head_seq: 7,
                head_hash: "ab".into(),
            },
        };
        let lines = open_glass_lines(&ledger, crate::incident::fixtures::t(0));
        assert_eq!(
            lines,
            ["INCIDENT INC-7 UNREADABLE: line 7: unknown event `exploded` — its glass may be open"]
        );
    }
}
