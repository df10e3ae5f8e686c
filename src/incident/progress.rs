//! Per-step progress of an incident against its runbook: which step is done, current,
//! pending, skipped or failed, how long each took or is taking, and its pace against
//! the target. Computed from event timestamps and a `now` the caller reads from its
//! `Clock`, so the TUI, the CLI and drills show the same numbers.

use super::phase::Phase;
use super::state::Incident;
use crate::runbook::{Runbook, Step, StepKind};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Done,
    /// The step to do next; its timer runs.
    Current,
    /// Not reached yet.
    Pending,
    /// Not done, but a later step is (or the incident is closed).
    Skipped,
    /// Its last attempt failed. When it is also [`Progress::current`], the timer runs.
    Failed,
}

/// How a step's elapsed time compares with its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    /// Within the target.
    OnTime,
    /// Past the target, within twice it.
    Amber,
    /// Past twice the target.
    Red,
}

impl Pace {
    /// The pace of `elapsed` against `target`: amber strictly past it, red strictly past
    /// twice it.
    pub fn of(elapsed: Duration, target: Duration) -> Pace {
        if target.checked_mul(2).is_some_and(|twice| elapsed > twice) {
            Pace::Red
        } else if elapsed > target {
            Pace::Amber
        } else {
            Pace::OnTime
        }
    }
}

/// One runbook step's progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepProgress {
    /// Position in the runbook, from 0.
    pub index: usize,
    pub id: String,
    pub kind: StepKind,
    pub status: StepStatus,
    /// When it was done (or failed).
    pub completed_at: Option<DateTime<Utc>>,
    /// Done steps: from the previous completion to theirs; the current step: until now.
    #[serde(with = "super::secs::option")]
    pub elapsed: Option<Duration>,
    #[serde(with = "super::secs")]
    pub target: Duration,
    pub pace: Option<Pace>,
}

/// The whole checklist's progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub steps: Vec<StepProgress>,
    /// The step to act on (status `Current` or `Failed`); `None` once closed or finished.
    pub current: Option<usize>,
    /// From the declaration to the close, or to `now`.
    #[serde(with = "super::secs")]
    pub total_elapsed: Duration,
}

/// The incident's progress through `runbook` at `now`.
pub fn progress(incident: &Incident, runbook: &Runbook, now: DateTime<Utc>) -> Progress {
    let completions: Vec<Option<DateTime<Utc>>> = runbook
        .steps
        .iter()
        .map(|step| completed_at(incident, step))
        .collect();
    let last_done = completions.iter().rposition(Option::is_some);
    let closed = incident.phase == Phase::Closed;
    let statuses: Vec<StepStatus> = runbook
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            if completions[index].is_some() {
                StepStatus::Done
            } else if failed_at(incident, step).is_some() {
                StepStatus::Failed
            } else if closed || last_done.is_some_and(|done| index < done) {
                StepStatus::Skipped
            } else {
                StepStatus::Pending
            }
        })
        .collect();
    let current = current_step(incident, runbook, &statuses, last_done, now);
    let latest = completions
        .iter()
        .flatten()
        .copied()
        .chain([incident.declared_at])
        .max()
        .unwrap_or(incident.declared_at);

    let steps = runbook
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let mut status = statuses[index];
            let finished_at = completions[index].or_else(|| failed_at(incident, step));
            let elapsed = if current == Some(index) {
                if status == StepStatus::Pending {
                    status = StepStatus::Current;
                }
                Some((now - latest).max(Duration::zero()))
            } else {
                finished_at.map(|at| at - started_before(incident, &completions, at))
            };
            StepProgress {
                index,
                id: step.id.clone(),
                kind: step.kind,
                status,
                completed_at: finished_at,
                elapsed,
                target: step.target,
                pace: elapsed.map(|e| Pace::of(e, step.target)),
            }
        })
        .collect();
    Progress {
        steps,
        current,
        total_elapsed: incident.total_elapsed(now),
    }
}

/// When a step was completed, from the events that complete it.
fn completed_at(incident: &Incident, step: &Step) -> Option<DateTime<Utc>> {
    match step.kind {
        StepKind::Manual => incident.steps_done.get(&step.id).map(|tick| tick.at),
        StepKind::Declare => Some(incident.declared_at),
        StepKind::Preflight => incident.first_at.get("preflighted").copied(),
        StepKind::Approve => incident.approval.granted().map(decided_at),
        StepKind::Activate => incident.first_at.get("activated").copied(),
        StepKind::Push => incident.first_at.get("pushed").copied(),
        StepKind::Restore => incident.restore.restored_at,
        StepKind::Window => window_done_at(incident),
        StepKind::Review => incident.review.pull_request.as_ref().map(|pr| pr.opened_at),
    }
}

/// When a step's last attempt failed, if it failed and has not been done since.
fn failed_at(incident: &Incident, step: &Step) -> Option<DateTime<Utc>> {
    match step.kind {
        StepKind::Activate if incident.activation.as_ref()?.error.is_some() => {
            incident.last_at.get("activation_failed").copied()
        }
        StepKind::Push if incident.pushes.is_empty() && incident.phase == Phase::Active => {
            incident.push_rejections.last().map(|r| r.at)
        }
        StepKind::Approve if incident.approval.granted().is_none() => {
            incident.approval.decision.as_ref().map(decided_at)
        }
        StepKind::Restore if incident.phase == Phase::RestoreFailed => {
            incident.last_at.get("restore_failed").copied()
        }
        StepKind::Window if incident.phase == Phase::RestoreFailed => {
            incident.last_at.get("restore_failed").copied()
        }
        // The glass is closed again but the fix did not land: the window is offered again.
        StepKind::Window if !incident.glass_possibly_open() => incident.restore.restored_at,
        _ => None,
    }
}

/// When the latest window was closed, if the glass opened without failing, the fix
/// landed (its last push attempt was accepted) and the restore finished.
fn window_done_at(incident: &Incident) -> Option<DateTime<Utc>> {
    if incident.glass_possibly_open() {
        return None;
    }
    let activation = incident.activation.as_ref()?;
    let landed = incident.pushes.last()?.at;
    let rejected_since = incident
        .push_rejections
        .last()
        .is_some_and(|r| r.at >= landed);
    if activation.error.is_some() || rejected_since || landed < activation.intended_at {
        return None;
    }
    incident.restore.restored_at
}

/// When an approval decision was recorded.
fn decided_at(decision: &super::approval::ApprovalDecision) -> DateTime<Utc> {
    use super::approval::ApprovalDecision as D;
    match decision {
        D::Approved { at, .. }
        | D::SelfApproved { at, .. }
        | D::Denied { at, .. }
        | D::TimedOut { at } => *at,
    }
}

fn current_step(
    incident: &Incident,
    runbook: &Runbook,
    statuses: &[StepStatus],
    last_done: Option<usize>,
    now: DateTime<Utc>,
) -> Option<usize> {
    if incident.phase == Phase::Closed {
        return None;
    }
    if incident.needs_restore(now) {
        return runbook.closing_step();
    }
    let from = last_done.map_or(0, |done| done + 1);
    (from..statuses.len())
        .find(|&i| matches!(statuses[i], StepStatus::Pending | StepStatus::Failed))
}

/// The latest completion strictly before `at` (any step), or the declaration.
fn started_before(
    incident: &Incident,
    completions: &[Option<DateTime<Utc>>],
    at: DateTime<Utc>,
) -> DateTime<Utc> {
    completions
        .iter()
        .flatten()
        .copied()
        .filter(|&done| done < at)
        .max()
        .unwrap_or(incident.declared_at)
}

#[cfg(test)]
#[path = "progress_tests.rs"]
mod tests;
