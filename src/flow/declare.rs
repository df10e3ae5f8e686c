//! Declaring an incident: the id, reason and lease length checked against the
//! configuration, and the `declared` event. Nothing here touches the forge.

use super::context::Flow;
use super::error::FlowError;
use crate::forge::RepoId;
use crate::incident::{Incident, IncidentEvent};
use chrono::Duration;

/// What the operator declares.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub id: String,
    pub repo: RepoId,
    pub branch: String,
    /// What is broken, with a link to the incident ticket.
    pub reason: String,
    /// The lease asked for; `None`: the configured default.
    pub ttl: Option<Duration>,
    /// A rehearsal against the sandbox.
    pub drill: bool,
}

impl Flow {
    /// Records the declaration after checking it; refuses an id the log already holds.
    pub async fn declare(&self, declaration: Declaration) -> Result<Incident, FlowError> {
        let config = &self.config;
        config.validate_incident_id(&declaration.id)?;
        let reason = config.validate_reason(&declaration.reason)?;
        let ttl = config.clamp_or_reject_ttl(declaration.ttl)?;
        let id = declaration.id;
        let _lock = self.lock(&id)?;
        if self.recorder.find(&id)?.is_some() {
            return Err(FlowError::AlreadyDeclared { id });
        }
        let runbook = config
            .runbook(&self.paths)
            .map(|r| r.name)
            .unwrap_or_else(|_| "default".into());
        let seconds = |d: Duration| u64::try_from(d.num_seconds()).unwrap_or(0);
        self.recorder.record(
            &id,
            &IncidentEvent::Declared {
                id: id.clone(),
                repo: declaration.repo.to_string(),
                branch: crate::text::sanitize_line(&declaration.branch),
                reason,
                ttl: seconds(ttl),
                cap: seconds(config.lease_cap),
                runbook,
                drill: declaration.drill,
            },
        )?;
        self.recorder.load(&id)
    }
}
