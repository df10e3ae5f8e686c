//! The operator's choice when a restore finds drift (someone else changed protection
//! during the window): restore the snapshot (the default), keep their change and undo only
//! ours, or hold the glass open until the lease deadline. Every choice is recorded as
//! `drift_decided` after `drift_detected`. Deadlines, the watchdog and recovery never come
//! here: they always restore the snapshot.

use super::context::Flow;
use super::error::FlowError;
use super::lock::IncidentLock;
use super::preflight::to_value;
use super::restore::{RestoreOutcome, closed_outcome, failure_text, recorded_payloads};
use crate::forge::diff::ThreeWayDifference;
use crate::forge::keep_theirs::keep_theirs;
use crate::forge::plan::RelaxPlan;
use crate::forge::restore::RestoreDecision;
use crate::forge::snapshot::ProtectionSnapshot;
use crate::incident::{DriftChoice, Incident, IncidentEvent, Phase, RestoreTrigger};

impl Flow {
    /// Restores incident `id`, deciding drift as `choice` says. Only an operator's restore
    /// honours a choice other than `RestoreSnapshot`; without drift every choice restores
    /// normally. `KeepTheirs` and `Hold` need the glass open on a running lease (the plan
    /// fully applied), and `KeepTheirs` is refused, changing nothing, when our change and
    /// theirs touched the same setting.
    pub async fn restore_with(
        &self,
        id: &str,
        trigger: RestoreTrigger,
        choice: DriftChoice,
    ) -> Result<RestoreOutcome, FlowError> {
        let lock = self.lock(id)?;
        if choice == DriftChoice::RestoreSnapshot || trigger != RestoreTrigger::Operator {
            return self.restore_locked(&lock, trigger).await;
        }
        let incident = self.recorder.load(id)?;
        if !incident.glass_possibly_open() {
            return Ok(closed_outcome(&incident, true));
        }
        let (snapshot, plan) = recorded_payloads(&incident)?;
        let decision = self
            .forge
            .restore_decision(&snapshot, plan.as_ref())
            .await
            .map_err(FlowError::forge("reading the protection before restoring"))?;
        let RestoreDecision::Drift { differences } = decision else {
            return self.restore_locked(&lock, trigger).await;
        };
        let plan = match (&incident.phase, plan) {
            (Phase::Active | Phase::Pushing | Phase::Pushed, Some(plan)) => plan,
            _ => {
                return Err(FlowError::WrongPhase {
                    id: id.to_owned(),
                    phase: incident.phase,
                    action: "keep their change or hold the glass open",
                    hint: "our relaxation may be only partly applied or partly undone; restore \
                           the snapshot (`--on-drift restore`)",
                });
            }
        };
        match choice {
            DriftChoice::Hold => self.hold(&incident, differences),
            DriftChoice::KeepTheirs => self.keep_theirs(&lock, &snapshot, &plan, trigger).await,
            DriftChoice::RestoreSnapshot => unreachable!("handled above"),
        }
    }

    /// Records the drift and the hold; nothing is sent to the forge.
    fn hold(
        &self,
        incident: &Incident,
        differences: Vec<ThreeWayDifference>,
    ) -> Result<RestoreOutcome, FlowError> {
        let id = incident.id.as_str();
        let now = self.clock.now();
        let deadline = match incident.lease {
            Some(lease) if !lease.expired(now) => lease.deadline,
            lease => {
                return Err(FlowError::LeaseExpired {
                    id: id.to_owned(),
                    deadline: lease.map_or("(none)".into(), |l| l.deadline.to_rfc3339()),
                });
            }
        };
        self.recorder.record(
            id,
            &IncidentEvent::DriftDetected {
                diff: to_value(&differences),
            },
        )?;
        self.recorder.record(
            id,
            &IncidentEvent::DriftDecided {
                choice: DriftChoice::Hold,
                kept: None,
            },
        )?;
        tracing::warn!(incident = id, %deadline, "drift found; the operator holds the glass open");
        Ok(RestoreOutcome {
            incident: id.to_owned(),
            already_closed: false,
            verified: false,
            attempts: 0,
            drift: differences,
            differences: Vec::new(),
            error: None,
            exposure_seconds: None,
            choice: Some(DriftChoice::Hold),
            held_until: Some(deadline),
            kept: None,
            writes: 0,
            restored_by_guard: None,
        })
    }

    /// Undoes only our relaxation, keeping theirs, and verifies against the kept state.
    async fn keep_theirs(
        &self,
        lock: &IncidentLock,
        snapshot: &ProtectionSnapshot,
        plan: &RelaxPlan,
        trigger: RestoreTrigger,
    ) -> Result<RestoreOutcome, FlowError> {
        let id = lock.incident();
        let theirs = self
            .forge
            .read_state(snapshot)
            .await
            .map_err(FlowError::forge("reading the protection before restoring"))?;
        let keep = keep_theirs(snapshot, plan, &theirs).map_err(|reason| {
            FlowError::KeepTheirsRefused {
                id: id.to_owned(),
                reason,
            }
        })?;
        self.recorder
            .record(id, &IncidentEvent::RestoreIntended { trigger })?;
        self.recorder.record(
            id,
            &IncidentEvent::DriftDetected {
                diff: to_value(&keep.drift),
            },
        )?;
        self.recorder.record(
            id,
            &IncidentEvent::DriftDecided {
                choice: DriftChoice::KeepTheirs,
                kept: Some(keep.expected.clone()),
            },
        )?;
        let report = self.forge.restore_keeping_theirs(snapshot, &keep).await;
        if report.verified {
            self.recorder.record(
                id,
                &IncidentEvent::Restored {
                    verified: true,
                    by_guard: None,
                },
            )?;
            let mut outcome = closed_outcome(&self.recorder.load(id)?, false);
            outcome.attempts = 1;
            return Ok(outcome);
        }
        let error = failure_text(&report).replace("from the snapshot", "from the kept state");
        self.recorder.record(
            id,
            &IncidentEvent::RestoreFailed {
                error: error.clone(),
                attempt: 1,
            },
        )?;
        Ok(RestoreOutcome {
            incident: id.to_owned(),
            already_closed: false,
            verified: false,
            attempts: 1,
            drift: keep.drift,
            differences: report.differences,
            error: Some(error),
            exposure_seconds: None,
            choice: Some(DriftChoice::KeepTheirs),
            held_until: None,
            kept: Some(keep.expected),
            writes: 0,
            restored_by_guard: None,
        })
    }
}
