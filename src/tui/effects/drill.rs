//! The TUI's handle on a drill: the one drill set-up ([`Rehearsal`]) as the connection the
//! effects act through and the declare form's prefill.

use super::connection::Connection;
use super::failure::Failure;
use crate::clock::Clock;
use crate::drill::{Finished, Rehearsal, RehearsalSetup};
use crate::paths::Paths;
use crate::tui::declare::DeclareDraft;
use std::sync::Arc;

/// A running drill: the rehearsal, its flow and clone, and the scenario as a form.
#[derive(Debug)]
pub struct DrillSession {
    rehearsal: Rehearsal,
    pub connection: Connection,
    /// The declare form's prefill: the drill scenario.
    pub draft: DeclareDraft,
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
        }
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
