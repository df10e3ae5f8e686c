//! Crash recovery, the lease's third layer: every breakglass command first reads the log,
//! restores each incident whose glass may be open and must not stay so (lease expired, or
//! an activation or restore without a result), and reports unexpired leases.

use super::context::Flow;
use super::error::FlowError;
use super::restore::RestoreOutcome;
use crate::incident::{Phase, RestoreTrigger};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// An incident whose glass is open on purpose, for now.
#[derive(Debug, Clone, Serialize)]
pub struct OpenLease {
    pub incident: String,
    pub repo: String,
    pub branch: String,
    pub phase: Phase,
    pub deadline: Option<DateTime<Utc>>,
    /// Whole seconds left on the lease.
    pub remaining_seconds: i64,
}

/// What recovery found and did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecoveryReport {
    /// Restores recovery ran (expired leases, interrupted activations and restores).
    pub restored: Vec<RestoreOutcome>,
    /// Open leases left alone.
    pub open: Vec<OpenLease>,
    /// Incidents another process is acting on right now (the lock holder's message).
    pub busy: Vec<String>,
    /// Incidents the log does not let us read, and restores that could not run.
    pub errors: Vec<String>,
}

impl RecoveryReport {
    /// A restore failed or found drift, or an incident could not be read: exit code 3.
    pub fn needs_attention(&self) -> bool {
        self.restored.iter().any(RestoreOutcome::needs_attention) || !self.errors.is_empty()
    }
}

impl Flow {
    /// Restores every incident that needs it now and lists the open leases.
    pub async fn recover(&self) -> Result<RecoveryReport, FlowError> {
        let mut report = RecoveryReport::default();
        let now = self.clock.now();
        let ledger = self.ledger();
        // An unreadable log or incident is reported as such: it may hide an open glass.
        report.errors.extend(ledger.problems());
        for incident in ledger.incidents {
            if incident.needs_restore(now) {
                // An incident bound to another forge is restored through that forge.
                let elsewhere = match self.flow_for(&incident).await {
                    Ok(elsewhere) => elsewhere,
                    Err(e) => {
                        report.errors.push(naming(&incident.id, &e));
                        continue;
                    }
                };
                let flow = elsewhere.as_ref().unwrap_or(self);
                let lock = match flow.lock(&incident.id) {
                    Ok(lock) => lock,
                    Err(busy @ FlowError::Locked { .. }) => {
                        report.busy.push(busy.to_string());
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                match flow.restore_locked(&lock, RestoreTrigger::Recovery).await {
                    Ok(outcome) => report.restored.push(outcome),
                    Err(e) => report.errors.push(format!("incident {}: {e}", incident.id)),
                }
            } else if incident.glass_possibly_open() {
                report.open.push(OpenLease {
                    remaining_seconds: incident.lease.map_or(0, |l| l.remaining(now).num_seconds()),
                    deadline: incident.lease.map(|l| l.deadline),
                    incident: incident.id,
                    repo: incident.repo,
                    branch: incident.branch,
                    phase: incident.phase,
                });
            }
        }
        Ok(report)
    }
}

/// `error` as one line that names incident `id` once.
fn naming(id: &str, error: &FlowError) -> String {
    let text = error.to_string();
    if text.contains(&format!("incident {id} ")) {
        text
    } else {
        format!("incident {id}: {text}")
    }
}
