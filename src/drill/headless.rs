//! The headless drill: the rehearsal's scenario walked unattended, declare → preflight →
//! window (activate, push, restore as one confirmed action) → review, each step timed and
//! counted in forge requests.

use super::judge::outcome;
use super::rehearsal::{Rehearsal, RehearsalSetup};
use super::report::{DrillReport, StepTiming, faults_met, on_the_incident_issue};
use super::scenario::{CommanderDecision, TwistKind};
use super::{DrillError, Verdict};
use crate::clock::Clock;
use crate::flow::{ApprovalChoice, ApprovalWait, FlowError};
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
        armed: Ok(()),
    };
    tokio::select! {
        () = run_steps(&mut run) => {}
        () = arm_timed_faults(&rehearsal) => {}
    }
    run.armed?;
    let steps = run.steps;
    let requests = rehearsal.requests();
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
    let verdict = finished
        .as_ref()
        .map_or_else(|| Verdict::never_declared(&id), |f| f.verdict.clone());
    let incident = finished.as_ref().and_then(|f| f.incident.as_ref());
    let outcome = outcome(incident, &verdict, &steps);
    let expected = setup.scenario.as_ref().map(|s| outcome.check(&s.expect));
    let scorecard = incident.map(|incident| rehearsal.scorecard(incident, verdict.clone()));
    Ok(DrillReport {
        incident: id.clone(),
        scenario: setup.scenario.as_ref().map(|s| s.id.clone()),
        steps,
        exposure_millis,
        faults: setup
            .faults
            .iter()
            .cloned()
            .chain(
                setup
                    .scenario
                    .iter()
                    .flat_map(|s| s.faults.iter().map(|f| f.spec.clone())),
            )
            .collect(),
        faults_met: faults_met(&requests),
        restored_at_end: finished.as_ref().and_then(|f| f.restored_at_end.clone()),
        approval: incident
            .map(crate::review::facts::approval_lines)
            .unwrap_or_default(),
        outcome,
        expected,
        scorecard,
        verdict,
    })
}

/// Arms the scenario's faults that come after a time, each at its time; then waits for
/// ever (the steps end the drill).
async fn arm_timed_faults(rehearsal: &Rehearsal) {
    rehearsal.play_timed_faults().await;
    std::future::pending::<()>().await;
}

struct Run<'a> {
    rehearsal: &'a Rehearsal,
    steps: Vec<StepTiming>,
    /// Arming a step's faults failed: the drill cannot be run as its scenario says.
    armed: Result<(), DrillError>,
}

impl Run<'_> {
    /// Times `step`, counts the forge requests it caused, records the outcome.
    async fn step<T, E: std::fmt::Display>(
        &mut self,
        name: &'static str,
        step: impl Future<Output = Result<T, E>>,
    ) -> Option<T> {
        if let Err(error) = self.rehearsal.arm_at_step(name) {
            self.armed = Err(error);
        }
        let before = self.rehearsal.requests().len();
        let started = Instant::now();
        let result = step.await;
        let (issue, seen): (Vec<String>, Vec<String>) = self
            .rehearsal
            .requests()
            .into_iter()
            .skip(before)
            .map(|r| format!("{} {} {}", r.method, r.path, r.status))
            .partition(|line| on_the_incident_issue(line));
        self.steps.push(StepTiming {
            step: name,
            millis: started.elapsed().as_millis(),
            requests: seen.len(),
            request_lines: seen,
            issue_requests: issue.len(),
            ok: result.is_ok(),
            error: result.as_ref().err().map(|e| e.to_string()),
        });
        result.ok()
    }

    /// Records a twist the scenario plays as a zero-request step.
    fn twist(&mut self, what: &'static str, done: Result<String, DrillError>) {
        self.steps.push(StepTiming {
            step: "twist",
            millis: 0,
            requests: 0,
            request_lines: vec![what.to_owned()],
            issue_requests: 0,
            ok: done.is_ok(),
            error: done.err().map(|e| e.to_string()),
        });
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
    if run
        .step("preflight", flow.preflight(id, Some(clone_dir), None))
        .await
        .is_none()
    {
        return;
    }
    // The second person: the sandbox's reviewer approves as the scenario says (or the
    // rule is off); when the approval does not come, the commander decides as it says.
    if run.step("approve", approve(rehearsal)).await.is_none() {
        return;
    }
    if rehearsal.twist_at("restore") == Some(TwistKind::TerminalDies) {
        terminal_dies(run).await;
        return;
    }
    // The default runbook's window: one confirmed action, no step of the drill inside it.
    // A scenario's faults for activate, push or restore are armed as the window starts
    // (their specs pick the request they hit), and a colleague's merge lands between the
    // confirmation and the push.
    for inner in ["activate", "push", "restore"] {
        if let Err(error) = rehearsal.arm_at_step(inner) {
            run.armed = Err(error);
        }
    }
    let mut moved = None;
    let window = async {
        let prepared = flow.prepare_window(id, Some(clone_dir), None).await?;
        if rehearsal.twist_at("push") == Some(TwistKind::MainMoves) {
            moved = Some(rehearsal.move_branch());
        }
        flow.run_window(&prepared).await
    };
    let done = run.step("window", window).await;
    if let Some(moved) = moved {
        let window = run.steps.pop();
        run.twist("a colleague's merge moved the branch", moved);
        run.steps.extend(window);
    }
    if let (Some(report), Some(timing)) = (&done, run.steps.last_mut())
        && (report.needs_attention() || !report.push.accepted)
    {
        timing.ok = false;
        timing.error = Some(if report.push.accepted {
            report.restore.summary()
        } else {
            let clone = rehearsal.flow().config().remote.clone();
            let branch = &rehearsal.scenario().branch;
            std::iter::once(format!(
                "push refused: {}",
                report.push.status.as_deref().unwrap_or("refused")
            ))
            .chain(report.next_steps(&clone, branch))
            .collect::<Vec<_>>()
            .join("; ")
        });
    }
    if done.is_some_and(|report| report.push.accepted && report.restore.verified) {
        run.step("review", flow.open_review(id)).await;
    }
}

/// Why the approve step did not let the glass open.
#[derive(Debug, thiserror::Error)]
enum ApproveStepError {
    #[error(transparent)]
    Flow(#[from] FlowError),
    #[error(
        "no approval came within {waited}; the commander aborted: the glass was not opened and \
         nothing on the forge changed — find a second person (`breakglass approve`) or \
         self-approve with a reason, then run the drill again"
    )]
    Aborted { waited: String },
}

/// The approve step: the commander asks and waits for the second person; when the
/// scenario says what they do if no approval comes, they wait that long and then
/// self-approve loudly or abort.
async fn approve(rehearsal: &Rehearsal) -> Result<(), ApproveStepError> {
    let (flow, id) = (rehearsal.flow(), rehearsal.scenario().id.as_str());
    let mut quiet = |_: &ApprovalWait| {};
    let Some(no_approval) = rehearsal.plan().and_then(|s| s.no_approval.clone()) else {
        // On a shared sandbox a teammate approves: the commander is told what they run.
        let mut told = false;
        let mut tell = |wait: &ApprovalWait| {
            if rehearsal.approver_is_elsewhere() && !told {
                told = true;
                eprintln!(
                    "{}: your approver approves on {} with their own token: breakglass \
                     approve --incident {id} --repo {} --api-url {}",
                    crate::incident::waiting_text(wait.remaining),
                    wait.issue_url,
                    rehearsal.scenario().repo,
                    rehearsal.api_url(),
                );
            }
        };
        flow.await_approval(id, &ApprovalChoice::Ask, &mut tell)
            .await?;
        return Ok(());
    };
    // Asked first, so the wait runs from the request on the issue, and the request is
    // never cut off half-posted by the commander's decision.
    if flow.approval_required() {
        flow.request_approval(id).await?;
    }
    tokio::select! {
        granted = flow.await_approval(id, &ApprovalChoice::Ask, &mut quiet) => {
            granted?;
            return Ok(());
        }
        () = tokio::time::sleep(no_approval.waits) => {}
    }
    match no_approval.then {
        CommanderDecision::SelfApprove { reason } => {
            let mut quiet = |_: &ApprovalWait| {};
            flow.await_approval(id, &ApprovalChoice::SelfApprove(reason), &mut quiet)
                .await?;
            Ok(())
        }
        CommanderDecision::Abort => Err(ApproveStepError::Aborted {
            waited: humantime::format_duration(no_approval.waits).to_string(),
        }),
    }
}

/// The terminal dies with the glass open: the commander used the separate steps (the rare
/// case that keeps the glass open across pushes), broke the glass and pushed, and then
/// nobody is left to restore. The watchdog closes the glass at the deadline; the commander
/// comes back and reads what happened.
async fn terminal_dies(run: &mut Run<'_>) {
    let rehearsal = run.rehearsal;
    let (flow, clone_dir) = (rehearsal.flow(), rehearsal.clone_dir());
    let id = rehearsal.scenario().id.as_str();
    if run.step("activate", flow.activate(id)).await.is_some() {
        run.step("push", flow.push(id, Some(clone_dir), None)).await;
    }
    run.step("watchdog", flow.guard_lease(id, RestoreTrigger::Watchdog))
        .await;
    run.step("restart", flow.recover()).await;
}
