//! Activation: the relax plan is recorded (fsync'd) before the forge is touched, then
//! applied; the result (`activated` with the deadline, or `activation_failed`, after which
//! the snapshot is restored at once) is recorded; then the watchdog is started.

use super::context::Flow;
use super::error::FlowError;
use super::failpoint;
use super::lock::IncidentLock;
use super::preflight::to_value;
use super::restore::RestoreOutcome;
use crate::forge::plan::RelaxPlan;
use crate::incident::{IncidentEvent, Phase, RestoreTrigger};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The glass is open: what changed and until when.
#[derive(Debug, Clone, Serialize)]
pub struct ActivationReport {
    pub incident: String,
    pub plan_words: String,
    pub deadline: DateTime<Utc>,
    /// How many forge requests the relaxation took.
    pub applied_steps: usize,
    /// The watchdog's PID, when one was started.
    pub watchdog_pid: Option<u32>,
}

impl Flow {
    /// Opens the glass for incident `id` (preflighted): intent, mutation, result, watchdog.
    /// If the forge fails part-way, the snapshot is restored before this returns the error.
    pub async fn activate(&self, id: &str) -> Result<ActivationReport, FlowError> {
        let lock = self.lock(id)?;
        let incident = self.recorder.load(id)?;
        if incident.phase != Phase::Preflighted {
            return Err(FlowError::WrongPhase {
                id: incident.id,
                phase: incident.phase,
                action: "be activated",
                hint: if incident.phase == Phase::Declared {
                    "run preflight first"
                } else {
                    "the glass was opened already; push, restore or review it"
                },
            });
        }
        self.check_approval_gate(&incident)?;
        let relax = self.plan_for(id).await?;
        self.open_glass(&lock, id, &relax, incident.ttl, None).await
    }

    /// Records the plan (and why this window opens, when said), applies it, records the
    /// lease of length `lease` (or the failure, after which the snapshot is restored) and
    /// starts the watchdog. The lock is held.
    pub(super) async fn open_glass(
        &self,
        lock: &IncidentLock,
        id: &str,
        relax: &RelaxPlan,
        lease: chrono::Duration,
        reason: Option<String>,
    ) -> Result<ActivationReport, FlowError> {
        self.recorder.record(
            id,
            &IncidentEvent::ActivationIntended {
                plan: to_value(relax),
                reason,
            },
        )?;
        let applied = self.forge.apply(relax).await;
        failpoint::hit("after:forge_apply");
        let applied = match applied {
            Ok(applied) => applied,
            Err(error) => return Err(self.activation_failed(lock, id, error.to_string()).await),
        };
        let deadline = self.clock.now() + lease;
        self.recorder.record(
            id,
            &IncidentEvent::Activated {
                deadline,
                applied: to_value(&applied),
            },
        )?;
        let watchdog_pid = self.start_watchdog(id);
        Ok(ActivationReport {
            incident: id.to_owned(),
            plan_words: relax.describe(),
            deadline,
            applied_steps: applied.steps.len(),
            watchdog_pid,
        })
    }

    /// The plan preflight showed in this process, or a fresh preflight's.
    pub(super) async fn plan_for(&self, id: &str) -> Result<RelaxPlan, FlowError> {
        let cached = self
            .plans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned();
        match cached {
            Some(plan) => Ok(plan),
            None => Ok(self.preflight_locked(id, None, None).await?.plan),
        }
    }

    async fn activation_failed(&self, lock: &IncidentLock, id: &str, error: String) -> FlowError {
        let error = crate::text::sanitize_line(&error);
        if let Err(audit) = self.recorder.record(
            id,
            &IncidentEvent::ActivationFailed {
                error: error.clone(),
            },
        ) {
            return audit;
        }
        let (restore, restored) = match self.restore_locked(lock, RestoreTrigger::Failure).await {
            Ok(outcome) => (describe_restore(&outcome), !outcome.needs_attention()),
            Err(e) => (
                format!("could not run: {e} — run `breakglass restore --incident {id}`"),
                false,
            ),
        };
        FlowError::ActivationFailed {
            error,
            restore,
            restored,
        }
    }
}

fn describe_restore(outcome: &RestoreOutcome) -> String {
    if outcome.verified && outcome.drift.is_empty() {
        "put the protection back and verified it".into()
    } else {
        format!(
            "did not verify ({}) — run `breakglass restore --incident {}`",
            outcome.summary(),
            outcome.incident
        )
    }
}
