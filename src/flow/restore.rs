//! Restore: always possible, idempotent. Records `restore_intended`, has the forge put the
//! snapshot back and read it back, records drift (three-way) and the default decision
//! about it if someone else changed the protection, then `restored` — or `restore_failed`
//! (the first failure, then at most one a minute), a loud state. The operator's other
//! drift choices live in `drift`; retrying until the glass is closed lives in `watchdog`.

use super::context::Flow;
use super::error::FlowError;
use super::failpoint;
use super::lock::IncidentLock;
use super::preflight::to_value;
use crate::forge::diff::{Difference, ThreeWayDifference};
use crate::forge::plan::RelaxPlan;
use crate::forge::port::RestoreReport;
use crate::forge::snapshot::ProtectionSnapshot;
use crate::incident::{
    DriftChoice, Incident, IncidentEvent, Phase, RESTORE_RETRY, RestoreTrigger, failure_record_due,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// How a restore ended. `verified` with no drift is the only all-clear.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreOutcome {
    pub incident: String,
    /// The glass was already closed: nothing was sent.
    pub already_closed: bool,
    /// The read-back equals the snapshot.
    pub verified: bool,
    pub attempts: u32,
    /// Changes someone else made during the window (snapshot / ours / theirs).
    pub drift: Vec<ThreeWayDifference>,
    /// Where the read-back still differs from the snapshot.
    pub differences: Vec<Difference>,
    /// The last failure, sanitised.
    pub error: Option<String>,
    /// The exposure window in seconds (activation intent → restored), once closed.
    pub exposure_seconds: Option<f64>,
    /// What was decided about the drift (`None` when there was none).
    pub choice: Option<DriftChoice>,
    /// `hold`: nothing was changed; the snapshot is restored at this lease deadline.
    pub held_until: Option<DateTime<Utc>>,
    /// `keep_theirs`: the normalised state kept (theirs with our relaxation undone), which
    /// the read-back was verified against instead of the snapshot.
    pub kept: Option<Value>,
    /// The forge writes the last attempt sent (its reads not counted).
    pub writes: usize,
    /// The `breakglass guard` login that had already closed the glass, as the incident
    /// issue says and this restore's read-back confirmed (nothing was re-applied).
    pub restored_by_guard: Option<String>,
}

impl RestoreOutcome {
    /// Exit code 3 territory: not verified, or drift found.
    pub fn needs_attention(&self) -> bool {
        !self.verified || !self.drift.is_empty()
    }

    /// One line for the operator.
    pub fn summary(&self) -> String {
        if self.already_closed {
            return format!("incident {}: the glass was already closed", self.incident);
        }
        if let Some(guard) = &self.restored_by_guard {
            return format!(
                "incident {}: restored by guard {guard} (the incident issue says so and the \
                 read-back here equals the snapshot); recorded, nothing re-applied",
                self.incident
            );
        }
        if let Some(deadline) = self.held_until {
            return format!(
                "incident {id}: someone changed protection during the window ({n} change(s)); \
                 holding as asked: nothing was changed and the glass stays OPEN until the lease \
                 deadline {deadline}, when the snapshot is restored — run `breakglass restore \
                 --incident {id}` to restore it sooner",
                id = self.incident,
                n = self.drift.len(),
            );
        }
        if self.verified && self.kept.is_some() {
            return format!(
                "incident {}: our relaxation undone and their change(s) kept ({} change(s)), \
                 verified by read-back — review the drift",
                self.incident,
                self.drift.len()
            );
        }
        match (self.verified, self.drift.is_empty()) {
            (true, true) => format!(
                "incident {}: protections restored and verified by read-back",
                self.incident
            ),
            (true, false) => format!(
                "incident {}: protections restored, but someone changed them during the window \
                 ({} change(s)) — review the drift",
                self.incident,
                self.drift.len()
            ),
            (false, _) => format!(
                "incident {}: RESTORE FAILED after {} attempt(s): {} — the glass may still be \
                 open; run `breakglass restore --incident {}` or fix the protection by hand",
                self.incident,
                self.attempts,
                self.error
                    .as_deref()
                    .unwrap_or("the read-back differs from the snapshot"),
                self.incident
            ),
        }
    }
}

impl Flow {
    /// Puts incident `id`'s protections back. Idempotent: a closed glass is reported as such.
    pub async fn restore(
        &self,
        id: &str,
        trigger: RestoreTrigger,
    ) -> Result<RestoreOutcome, FlowError> {
        let lock = self.lock(id)?;
        self.restore_locked(&lock, trigger).await
    }

    /// A one-shot restore: up to `restore_attempts` attempts with the policy's pauses.
    pub(super) async fn restore_locked(
        &self,
        lock: &IncidentLock,
        trigger: RestoreTrigger,
    ) -> Result<RestoreOutcome, FlowError> {
        let mut run = RestoreRun::new(trigger);
        let tries = self.options.restore_attempts.max(1);
        let mut tried = 0;
        loop {
            let outcome = self.restore_attempt(lock, &mut run).await?;
            tried += 1;
            if outcome.verified || outcome.already_closed || tried >= tries {
                return Ok(outcome);
            }
            let pause = RESTORE_RETRY.delay_after(outcome.attempts);
            self.options.sleeper.0.sleep(pause).await;
        }
    }

    /// One restore attempt, the lock held. Records the trigger when this run has not yet
    /// said it is restoring, and a failure only when the policy says the log is due one
    /// (the first, then at most one a minute, with the attempt count).
    pub(super) async fn restore_attempt(
        &self,
        lock: &IncidentLock,
        run: &mut RestoreRun,
    ) -> Result<RestoreOutcome, FlowError> {
        let id = lock.incident();
        let incident = self.recorder.load(id)?;
        if !incident.glass_possibly_open() {
            return Ok(closed_outcome(&incident, true));
        }
        let (snapshot, plan) = recorded_payloads(&incident)?;
        let attempt = 1 + run
            .attempts
            .unwrap_or_else(|| incident.restore.failing.as_ref().map_or(0, |f| f.attempts));
        run.attempts = Some(attempt);
        // After a recorded failure the log already says the glass may be open and must be
        // restored, so a retry's intent is recorded with its result (keeping the log to
        // one pair a minute), not before every attempt.
        let mut restoring = incident.phase == Phase::Restoring && run.intent_recorded;
        if incident.phase != Phase::RestoreFailed {
            self.record_intent_once(id, run, &mut restoring)?;
        }
        let report = self.forge.restore(&snapshot, plan.as_ref()).await;
        failpoint::hit("after:forge_restore");
        if let Some(note) = self.closed_by_guard(&incident, &report).await {
            return self.record_guard_restore(id, run, &mut restoring, &incident, note, attempt);
        }
        if report.drifted() {
            self.record_intent_once(id, run, &mut restoring)?;
            if incident.drift.is_empty() {
                self.recorder.record(
                    id,
                    &IncidentEvent::DriftDetected {
                        diff: to_value(&report.drift),
                    },
                )?;
            }
            // A hold (or keeping theirs) is overruled once the snapshot is being restored.
            let decided = incident.drift_decisions.last().map(|d| d.choice);
            if decided != Some(DriftChoice::RestoreSnapshot) {
                self.recorder.record(
                    id,
                    &IncidentEvent::DriftDecided {
                        choice: DriftChoice::RestoreSnapshot,
                        kept: None,
                    },
                )?;
            }
        }
        if report.verified {
            self.record_intent_once(id, run, &mut restoring)?;
            self.recorder.record(
                id,
                &IncidentEvent::Restored {
                    verified: true,
                    by_guard: None,
                },
            )?;
            let mut outcome = closed_outcome(&self.recorder.load(id)?, false);
            outcome.attempts = attempt;
            outcome.writes = report.steps.len();
            return Ok(outcome);
        }
        let error = failure_text(&report);
        if failure_record_due(incident.restore.failing.as_ref(), self.clock.now()) {
            self.record_intent_once(id, run, &mut restoring)?;
            self.recorder.record(
                id,
                &IncidentEvent::RestoreFailed {
                    error: error.clone(),
                    attempt,
                },
            )?;
        }
        tracing::warn!(incident = id, attempt, %error, "restore attempt failed");
        Ok(RestoreOutcome {
            incident: id.to_owned(),
            already_closed: false,
            verified: false,
            attempts: attempt,
            choice: report.drifted().then_some(DriftChoice::RestoreSnapshot),
            drift: report.drift,
            differences: report.differences,
            error: Some(error),
            exposure_seconds: None,
            held_until: None,
            kept: None,
            writes: report.steps.len(),
            restored_by_guard: None,
        })
    }
}

impl Flow {
    /// Records `restore_intended` with the run's trigger unless the log already says this
    /// run is restoring.
    pub(super) fn record_intent_once(
        &self,
        id: &str,
        run: &mut RestoreRun,
        restoring: &mut bool,
    ) -> Result<(), FlowError> {
        if !*restoring {
            self.recorder.record(
                id,
                &IncidentEvent::RestoreIntended {
                    trigger: run.trigger,
                },
            )?;
            *restoring = true;
            run.intent_recorded = true;
        }
        Ok(())
    }
}

/// One restorer's attempts, carried across the guard's rounds (the lock is released
/// between them so an operator can act): the attempt count continues the recorded one,
/// and the trigger is recorded again only after a result was.
#[derive(Debug)]
pub(super) struct RestoreRun {
    trigger: RestoreTrigger,
    /// Attempts so far in this run of failures; `None` before the first.
    attempts: Option<u32>,
    intent_recorded: bool,
}

impl RestoreRun {
    pub(super) fn new(trigger: RestoreTrigger) -> Self {
        RestoreRun {
            trigger,
            attempts: None,
            intent_recorded: false,
        }
    }
}

pub(super) fn closed_outcome(incident: &Incident, already_closed: bool) -> RestoreOutcome {
    // Drift recorded by earlier attempts stays part of the answer (each entry is a list).
    let drift = incident
        .drift
        .iter()
        .filter_map(|d| serde_json::from_value::<Vec<ThreeWayDifference>>(d.clone()).ok())
        .flatten()
        .collect();
    RestoreOutcome {
        incident: incident.id.clone(),
        already_closed,
        // A glass never opened needs no restore.
        verified: incident.activation.is_none() || incident.restore.verified,
        attempts: 0,
        drift,
        differences: Vec::new(),
        error: None,
        exposure_seconds: incident
            .exposure_window()
            .filter(|w| w.closed_at.is_some())
            .map(|w| w.length(incident.updated_at).num_milliseconds() as f64 / 1000.0),
        choice: incident.drift_decisions.last().map(|d| d.choice),
        held_until: None,
        kept: incident.kept_state().cloned(),
        writes: 0,
        restored_by_guard: incident.restore.by_guard.clone(),
    }
}

/// The snapshot from `preflighted` and the plan from `activation_intended`.
pub(super) fn recorded_payloads(
    incident: &Incident,
) -> Result<(ProtectionSnapshot, Option<RelaxPlan>), FlowError> {
    let unreadable = |what, problem: String| FlowError::Unreadable {
        id: incident.id.clone(),
        what,
        problem,
    };
    let preflight = incident
        .preflight
        .as_ref()
        .ok_or_else(|| unreadable("snapshot", "no preflight was recorded".into()))?;
    let snapshot = ProtectionSnapshot::from_recorded(&preflight.snapshot).map_err(|e| {
        FlowError::SnapshotNotRestorable {
            id: incident.id.clone(),
            problem: e.problem,
        }
    })?;
    let plan = match &incident.activation {
        Some(activation) => Some(
            serde_json::from_value(activation.plan.clone())
                .map_err(|e| unreadable("relax plan", e.to_string()))?,
        ),
        None => None,
    };
    Ok((snapshot, plan))
}

/// One line saying why a restore did not verify: the failed reads and requests, and what
/// still differs from the snapshot.
pub fn failure_text(report: &RestoreReport) -> String {
    let mut parts: Vec<String> = report.errors.clone();
    parts.extend(report.failed_steps().map(|s| match &s.outcome {
        crate::forge::port::RestoreStepOutcome::Failed { error } => {
            format!("{} failed: {error}", s.purpose)
        }
        _ => String::new(),
    }));
    if !report.differences.is_empty() {
        parts.push(format!(
            "the read-back still differs from the snapshot: {}",
            crate::forge::diff::render(&report.differences)
        ));
    }
    if parts.is_empty() {
        parts.push("the read-back did not match the snapshot".into());
    }
    crate::text::sanitize_line(&parts.join("; "))
}

impl Flow {
    /// True when incident `id`'s glass is closed and the forge's protection reads back
    /// equal to the snapshot right now (or to the kept state, when the operator kept
    /// someone else's change).
    pub async fn restored_exactly(&self, id: &str) -> Result<bool, FlowError> {
        let incident = self.recorder.load(id)?;
        if incident.glass_possibly_open() || !incident.restore.verified {
            return Ok(false);
        }
        let (snapshot, _) = recorded_payloads(&incident)?;
        let expected = incident
            .kept_state()
            .cloned()
            .unwrap_or_else(|| snapshot.normalized());
        let now = self
            .forge
            .read_state(&snapshot)
            .await
            .map_err(FlowError::forge("reading the protection back"))?;
        Ok(crate::forge::diff::diff(&expected, &now).is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(verified: bool, drift: usize) -> RestoreOutcome {
        RestoreOutcome {
            incident: "INC-1".into(),
            already_closed: false,
            verified,
            attempts: 3,
            drift: (0..drift)
                .map(|i| ThreeWayDifference {
                    path: format!("/x/{i}"),
                    snapshot: None,
                    ours: None,
                    theirs: None,
                })
                .collect(),
            differences: Vec::new(),
            error: (!verified).then(|| "422 from the forge".into()),
            exposure_seconds: None,
            choice: None,
            held_until: None,
            kept: None,
            writes: 0,
            restored_by_guard: None,
        }
    }

    #[test]
    fn only_a_verified_restore_without_drift_is_all_clear() {
        assert!(!outcome(true, 0).needs_attention());
        let drift = outcome(true, 2);
        assert!(drift.needs_attention());
        assert!(
            drift.summary().contains("2 change(s)"),
            "{}",
            drift.summary()
        );
        let failed = outcome(false, 0);
        assert!(failed.needs_attention());
        let text = failed.summary();
        assert!(
            text.contains("RESTORE FAILED after 3 attempt(s): 422 from the forge"),
            "{text}"
        );
        assert!(
            text.contains("breakglass restore --incident INC-1"),
            "{text}"
        );
    }
}
