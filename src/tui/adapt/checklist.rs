//! One incident and its runbook as the checklist: step marks and timers from
//! [`crate::incident::progress`], and the open-glass banner while protections may be relaxed.

use crate::incident::{self, Incident, StepProgress};
use crate::runbook::{self, Runbook};
use crate::tui::view::{ChecklistView, StepKind, StepRow, StepStatus, WindowBanner};
use chrono::{DateTime, Duration, Utc};

/// The checklist of `incident` against `runbook` as it stands at `now`.
pub fn checklist_view(incident: &Incident, runbook: &Runbook, now: DateTime<Utc>) -> ChecklistView {
    let progress = incident::progress(incident, runbook, now);
    let steps = runbook
        .steps
        .iter()
        .zip(&progress.steps)
        .map(|(step, step_progress)| {
            let running = progress.current == Some(step_progress.index);
            step_row(step, step_progress, running, now)
        })
        .collect();
    ChecklistView {
        incident: incident.id.clone(),
        repo: incident.repo.clone(),
        branch: incident.branch.clone(),
        drill: incident.drill,
        declared_at: incident.declared_at,
        closed_at: incident.closed.as_ref().map(|c| c.at),
        steps,
        window: window_banner(incident),
    }
}

fn step_row(
    step: &runbook::Step,
    progress: &StepProgress,
    running: bool,
    now: DateTime<Utc>,
) -> StepRow {
    let elapsed = progress.elapsed.unwrap_or_else(Duration::zero);
    let (started_at, finished_at) = match progress.completed_at {
        // The step to act on (a failed one included) keeps counting from the previous
        // completion: the view computes `now - started_at` at every tick.
        _ if running => (Some(now - elapsed), None),
        Some(done) => (Some(done - elapsed), Some(done)),
        None => (None, None),
    };
    StepRow {
        title: step.title.clone(),
        detail: step.detail.clone(),
        kind: step_kind(step.kind),
        status: match progress.status {
            incident::StepStatus::Done => StepStatus::Done,
            // The view marks the first unfinished step as current itself.
            incident::StepStatus::Current | incident::StepStatus::Pending => StepStatus::Pending,
            incident::StepStatus::Skipped => StepStatus::Skipped,
            incident::StepStatus::Failed => StepStatus::Failed,
        },
        target: step.target,
        started_at,
        finished_at,
    }
}

fn step_kind(kind: runbook::StepKind) -> StepKind {
    match kind {
        runbook::StepKind::Manual => StepKind::Manual,
        runbook::StepKind::Declare => StepKind::Declare,
        runbook::StepKind::Preflight => StepKind::Preflight,
        runbook::StepKind::Activate => StepKind::Activate,
        runbook::StepKind::Push => StepKind::Push,
        runbook::StepKind::Restore => StepKind::Restore,
        runbook::StepKind::Review => StepKind::Review,
    }
}

/// The open-glass banner, for as long as the forge may hold relaxed protections.
///
/// The window opens at the activation *intent* (the first moment the forge may have
/// changed). Before a lease exists (activation in flight or failed part-way) the deadline
/// shown is the one the declared TTL would give, so the banner never hides an open glass.
pub fn window_banner(incident: &Incident) -> Option<WindowBanner> {
    if !incident.glass_possibly_open() {
        return None;
    }
    let opened_at = incident
        .exposure_window()
        .map_or(incident.updated_at, |w| w.opened_at);
    let restore_failing = incident.restore_failing().map(|f| f.summary());
    Some(match &incident.lease {
        Some(lease) => WindowBanner {
            opened_at,
            deadline: lease.deadline,
            cap: lease.limit(),
            restore_failing,
        },
        None => WindowBanner {
            opened_at,
            deadline: opened_at + incident.ttl,
            cap: opened_at + incident.cap,
            restore_failing,
        },
    })
}
