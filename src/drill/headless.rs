//! The headless drill: the rehearsal's scenario walked unattended, declare → preflight →
//! activate → push → restore → review, each step timed and counted in forge requests.

use super::rehearsal::{Rehearsal, RehearsalSetup};
use super::report::{DrillReport, StepTiming};
use super::{DrillError, Verdict};
use crate::clock::Clock;
use crate::flow::{ApprovalChoice, FlowError};
use crate::incident::RestoreTrigger;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

/// Runs the whole flow once against a fresh sandbox and reports what it measured.
pub async fn run_headless(
    setup: &RehearsalSetup,
    clock: Arc<dyn Clock>,
) -> Result<DrillReport, DrillError> {
    let rehearsal = Rehearsal::start(setup, clock).await?;
    let id = rehearsal.scenario().id.clone();
    let mut run = Run {
        rehearsal: &rehearsal,
        steps: Vec::new(),
    };
    run_steps(&mut run).await;
    let steps = run.steps;
    let finished = rehearsal.finish().await.into_iter().find(|f| f.id == id);
    let exposure_millis = finished
        .as_ref()
        .and_then(|f| f.incident.as_ref())
        .and_then(|incident| {
            incident
                .exposure_window()
                .filter(|w| w.closed_at.is_some())
                .map(|w| w.length(incident.updated_at).num_milliseconds())
        });
    Ok(DrillReport {
        incident: id.clone(),
        steps,
        exposure_millis,
        faults: setup.faults.clone(),
        restored_at_end: finished.as_ref().and_then(|f| f.restored_at_end.clone()),
        verdict: finished.map_or_else(|| Verdict::never_declared(&id), |f| f.verdict),
    })
}

struct Run<'a> {
    rehearsal: &'a Rehearsal,
    steps: Vec<StepTiming>,
}

impl Run<'_> {
    /// Times `step`, counts the forge requests it caused, records the outcome.
    async fn step<T>(
        &mut self,
        name: &'static str,
        step: impl Future<Output = Result<T, FlowError>>,
    ) -> Option<T> {
        let before = self.rehearsal.requests().len();
        let started = Instant::now();
        let result = step.await;
        let seen: Vec<String> = self
            .rehearsal
            .requests()
            .into_iter()
            .skip(before)
            .map(|r| format!("{} {} {}", r.method, r.path, r.status))
            .collect();
        self.steps.push(StepTiming {
            step: name,
            millis: started.elapsed().as_millis(),
            requests: seen.len(),
            request_lines: seen,
            ok: result.is_ok(),
            error: result.as_ref().err().map(|e| e.to_string()),
        });
        result.ok()
    }
}

async fn run_steps(run: &mut Run<'_>) {
    let rehearsal = run.rehearsal;
    let (flow, clone_dir) = (rehearsal.flow(), rehearsal.clone_dir());
    let id = rehearsal.scenario().id.as_str();
    let declared = run
        .step("declare", rehearsal.declare(rehearsal.scenario().clone()))
        .await;
    if declared.is_none() {
        return;
    }
    let ready = run
        .step("preflight", flow.preflight(id, Some(clone_dir), None))
        .await
        .is_some()
        && run
            .step(
                "approve",
                flow.await_approval(id, &ApprovalChoice::Ask, &mut |_| {}),
            )
            .await
            .is_some()
        && run.step("activate", flow.activate(id)).await.is_some();
    // The lease's in-process layer, as in the TUI: a step that hangs past the deadline
    // does not keep the glass open.
    let guard = ready.then(|| {
        let (flow, id) = (flow.clone(), id.to_owned());
        tokio::spawn(async move { flow.guard_lease(&id, RestoreTrigger::Deadline).await })
    });
    if ready {
        run.step("push", flow.push(id, Some(clone_dir), None)).await;
    }
    let restored = run
        .step("restore", flow.restore(id, RestoreTrigger::Operator))
        .await;
    if let Some(guard) = guard {
        guard.abort();
    }
    if let (Some(outcome), Some(timing)) = (&restored, run.steps.last_mut())
        && !outcome.verified
    {
        timing.ok = false;
        timing.error = Some(outcome.summary());
    }
    if restored.is_some_and(|o| o.verified) {
        run.step("review", flow.open_review(id)).await;
    }
}
