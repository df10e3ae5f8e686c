//! The TUI's handle on a drill: the one drill set-up ([`Rehearsal`]) as the connection the
//! effects act through and the declare form's prefill; the drills started in one TUI
//! (`d`'s picker), the scenario step each command starts, and the scorecard at the end.

use super::connection::Connection;
use super::failure::Failure;
use super::{Shared, lock};
use crate::clock::Clock;
use crate::drill::scenario::TwistKind;
use crate::drill::{DrillScore, Finished, Rehearsal, RehearsalSetup, StepTiming};
use crate::paths::Paths;
use crate::tui::adapt::scenario_choices;
use crate::tui::command::Command;
use crate::tui::declare::DeclareDraft;
use crate::tui::view::DrillPicker;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// A running drill: the rehearsal, its flow and clone, and the scenario as a form.
#[derive(Debug)]
pub struct DrillSession {
    rehearsal: Rehearsal,
    pub connection: Connection,
    /// The declare form's prefill: the drill scenario.
    pub draft: DeclareDraft,
    /// The steps that failed as the commander walked the drill, with what they were told:
    /// how the scorecard knows which step said no.
    failed: Mutex<Vec<StepTiming>>,
    /// The steps whose faults (and twists) were played already: each plays once.
    armed: Mutex<HashSet<String>>,
}

impl DrillSession {
    /// Starts a rehearsal recording into `paths` (the TUI's own log), as `setup` says.
    pub async fn start(
        paths: &Paths,
        setup: &RehearsalSetup,
        clock: Arc<dyn Clock>,
    ) -> Result<DrillSession, Failure> {
        let setup = RehearsalSetup {
            paths: Some(paths.clone()),
            ..setup.clone()
        };
        let rehearsal = Rehearsal::start(&setup, clock)
            .await
            .map_err(|e| Failure::from_message(&e.to_string(), "start the drill again"))?;
        Ok(DrillSession::new(rehearsal))
    }

    /// The TUI's handle on a rehearsal already started.
    pub fn new(rehearsal: Rehearsal) -> DrillSession {
        let scenario = rehearsal.scenario();
        let ttl = scenario
            .ttl
            .unwrap_or(rehearsal.flow().config().lease_default);
        let draft = DeclareDraft {
            repository: scenario.repo.to_string(),
            branch: scenario.branch.clone(),
            incident: scenario.id.clone(),
            reason: scenario.reason.clone(),
            ttl: crate::config::format_duration(ttl),
            drill: true,
        };
        DrillSession {
            connection: Connection {
                flow: rehearsal.flow().clone(),
                repo_dir: rehearsal.clone_dir().to_owned(),
            },
            draft,
            rehearsal,
            failed: Mutex::new(Vec::new()),
            armed: Mutex::new(HashSet::new()),
        }
    }

    /// Plays the scenario's faults armed after a time, from now, in the background.
    pub fn play_timed_faults(self: &Arc<Self>) {
        let session = self.clone();
        tokio::spawn(async move { session.rehearsal.play_timed_faults().await });
    }

    /// A scenario's faults at `step`, armed as that step first starts, as the headless
    /// drill arms them: the default runbook's window arms those of activate, push and
    /// restore too. At `push` a colleague's merge may land first (the twist `main-moves`).
    /// Without a scenario nothing happens.
    pub fn step_starts(&self, step: &str) -> Result<(), Failure> {
        let steps: &[&str] = if step == "window" {
            &["window", "activate", "push", "restore"]
        } else {
            &[step]
        };
        for step in steps {
            if lock(&self.armed).insert((*step).to_owned()) {
                self.rehearsal.arm_at_step(step).map_err(drill_failure)?;
            }
        }
        if step == "push" {
            self.push_starts()?;
        }
        Ok(())
    }

    /// The push is about to go out: a scenario's colleague merges to the branch first
    /// (once), between the commander's confirmation and the push.
    pub fn push_starts(&self) -> Result<(), Failure> {
        if self.rehearsal.twist_at("push") == Some(TwistKind::MainMoves)
            && lock(&self.armed).insert("main-moves".to_owned())
        {
            self.rehearsal.move_branch().map_err(drill_failure)?;
        }
        Ok(())
    }

    /// Remembers that `step` failed, saying `error`, for the scorecard.
    pub fn step_failed(&self, step: &'static str, error: &str) {
        lock(&self.failed).push(StepTiming {
            step,
            millis: 0,
            requests: 0,
            request_lines: Vec::new(),
            issue_requests: 0,
            ok: false,
            error: Some(error.to_owned()),
        });
    }

    /// The scorecard of drill `incident` now: see [`Rehearsal::score`].
    pub async fn score(&self, incident: &str) -> Option<DrillScore> {
        let failed = lock(&self.failed).clone();
        self.rehearsal.score(incident, &failed).await
    }

    pub fn rehearsal(&self) -> &Rehearsal {
        &self.rehearsal
    }

    /// True when `incident` was declared against this drill's sandbox.
    pub fn holds(&self, incident: &str) -> bool {
        self.rehearsal.holds(incident)
    }

    /// Ends the drill: see [`Rehearsal::finish`].
    pub async fn finish(&self) -> Vec<Finished> {
        self.rehearsal.finish().await
    }
}

/// The drill session `command` acts on and the scenario step it starts (its faults and
/// twists are played as it starts); `None` outside drills and for commands that start
/// no step.
pub(super) fn drill_step_of(
    shared: &Shared,
    command: &Command,
) -> Option<(Arc<DrillSession>, &'static str)> {
    let (incident, step) = match command {
        Command::Declare(request) if request.drill => {
            return current_drill(shared).map(|s| (s, "declare"));
        }
        Command::Preflight { incident } => (incident, "preflight"),
        Command::RequestApproval { incident } | Command::SelfApprove { incident, .. } => {
            (incident, "approve")
        }
        Command::Activate { incident } => (incident, "activate"),
        Command::Push { incident } => (incident, "push"),
        Command::Restore { incident } => (incident, "restore"),
        Command::PrepareWindow { incident } => (incident, "window"),
        Command::RunWindow(prepared) => (&prepared.incident, "window"),
        Command::OpenReview { incident } => (incident, "review"),
        _ => return None,
    };
    drill_holding(shared, incident).map(|s| (s, step))
}

/// Starts a drill of `scenario` (a built-in or the team's): a new sandbox and rehearsal
/// recording into the TUI's log, its timed faults playing from now. It becomes the drill
/// a drill declaration goes to.
pub(super) async fn start_drill(
    shared: &Arc<Shared>,
    scenario: &str,
) -> Result<Arc<DrillSession>, Failure> {
    let dir = shared.scenarios_dir.clone();
    let (scenarios, _) =
        crate::caught::blocking(move || crate::drill::scenario::load_all(&dir)).await;
    let Some(found) = scenarios.into_iter().find(|s| s.id == scenario) else {
        return Err(Failure::new(
            format!(
                "no drill scenario `{}`",
                crate::text::sanitize_line(scenario)
            ),
            "press d and pick one from the list",
        ));
    };
    // The TUI walks the one-step window, which no terminal can die inside of; the
    // separate steps this twist needs are played by the headless drill.
    let terminal_dies = found
        .twists
        .iter()
        .any(|t| t.what == TwistKind::TerminalDies);
    if terminal_dies {
        return Err(Failure::new(
            format!(
                "the `{}` scenario is played by the headless drill",
                crate::text::sanitize_line(scenario)
            ),
            format!(
                "run `breakglass drill --scenario {} --headless`, or pick another scenario",
                crate::text::sanitize_line(scenario)
            ),
        ));
    }
    let setup = RehearsalSetup {
        ttl: shared.drill_setup.ttl.or(found.ttl),
        scenario: Some(found),
        ..shared.drill_setup.clone()
    };
    start_session(shared, &setup).await
}

/// Starts a drill set up as `setup` and makes it the current one.
pub(super) async fn start_session(
    shared: &Arc<Shared>,
    setup: &RehearsalSetup,
) -> Result<Arc<DrillSession>, Failure> {
    let session = Arc::new(DrillSession::start(&shared.paths, setup, shared.clock.clone()).await?);
    session.play_timed_faults();
    lock(&shared.drills).push(session.clone());
    Ok(session)
}

/// The drill started last, if any.
pub(super) fn current_drill(shared: &Shared) -> Option<Arc<DrillSession>> {
    lock(&shared.drills).last().cloned()
}

/// The drill session `incident` was declared on, if it was declared in this TUI.
pub(super) fn drill_holding(shared: &Shared, incident: &str) -> Option<Arc<DrillSession>> {
    lock(&shared.drills)
        .iter()
        .find(|s| s.holds(incident))
        .cloned()
}

/// The scenarios `d` offers, each with the team's times for it from the TUI's log.
pub(super) async fn list_scenarios(shared: &Shared) -> DrillPicker {
    let (dir, log, runbook) = (
        shared.scenarios_dir.clone(),
        shared.paths.audit_log(),
        shared.runbook.clone(),
    );
    crate::caught::blocking(move || {
        let (scenarios, errors) = crate::drill::scenario::load_all(&dir);
        let ledger = crate::flow::LedgerView::read(&log);
        DrillPicker {
            choices: scenario_choices(&scenarios, &ledger.incidents, &runbook),
            selected: 0,
            problems: errors.iter().map(ToString::to_string).collect(),
        }
    })
    .await
}

/// The scorecard of drill `incident`, while its session (and forge) is still here.
pub(super) async fn score_drill(shared: &Shared, incident: &str) -> Result<DrillScore, Failure> {
    let Some(session) = drill_holding(shared, incident) else {
        return Err(Failure::new(
            format!("{incident} is a drill whose sandbox forge ended with the process that ran it"),
            format!("`breakglass drill report {incident}` shows its scorecard from the log"),
        ));
    };
    session.score(incident).await.ok_or_else(|| {
        Failure::new(
            format!("the drill {incident} cannot be read from the audit log"),
            "check it with `breakglass audit verify`",
        )
    })
}

fn drill_failure(error: crate::drill::DrillError) -> Failure {
    Failure::from_message(&error.to_string(), "start the drill again")
}
