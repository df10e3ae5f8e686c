//! The TUI's handle on a drill: the one drill set-up ([`Rehearsal`]) as the connection the
//! effects act through and the declare form's prefill.

use super::connection::Connection;
use super::failure::Failure;
use crate::clock::Clock;
use crate::drill::scenario::TwistKind;
use crate::drill::{DrillScore, Finished, Rehearsal, RehearsalSetup, StepTiming};
use crate::paths::Paths;
use crate::tui::declare::DeclareDraft;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

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

/// A poisoned lock still holds usable data: a list of failures.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn drill_failure(error: crate::drill::DrillError) -> Failure {
    Failure::from_message(&error.to_string(), "start the drill again")
}
