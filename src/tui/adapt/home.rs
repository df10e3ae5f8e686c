//! Every incident in the audit log as the home screen: open leases (whichever process
//! opened them), incidents still in progress, and the latest finished drills.

use super::checklist::window_banner;
use crate::incident::{Incident, Phase};
use crate::tui::view::{ChainStatus, DrillHistoryView, DrillRow, HomeView, IncidentRow, LeaseRow};
use chrono::{DateTime, Utc};

/// How many finished drills the home screen lists.
pub const RECENT_DRILLS: usize = 5;

/// The home screen for `incidents` (every incident the log holds, in any order).
pub fn home_view(incidents: &[Incident]) -> HomeView {
    let mut open: Vec<&Incident> = incidents
        .iter()
        .filter(|i| i.phase != Phase::Closed && !(i.drill && finished(i)))
        .collect();
    // The glass that is open matters most, then the newest declaration.
    open.sort_by_key(|i| (!i.glass_possibly_open(), std::cmp::Reverse(i.declared_at)));
    let mut leases: Vec<LeaseRow> = incidents
        .iter()
        .filter_map(|i| {
            window_banner(i).map(|w| LeaseRow {
                incident: i.id.clone(),
                repo: i.repo.clone(),
                branch: i.branch.clone(),
                deadline: w.deadline,
            })
        })
        .collect();
    leases.sort_by_key(|l| l.deadline);
    let mut drills: Vec<DrillRow> = incidents
        .iter()
        .filter(|i| i.drill && finished(i))
        .map(drill_row)
        .collect();
    drills.sort_by_key(|d| std::cmp::Reverse(d.finished_at));
    drills.truncate(RECENT_DRILLS);
    HomeView {
        alerts: Vec::new(),
        chain: ChainStatus::NotChecked,
        incidents: open
            .into_iter()
            .map(|i| IncidentRow {
                id: i.id.clone(),
                repo: i.repo.clone(),
                branch: i.branch.clone(),
                phase: phase_text(i),
                declared_at: i.declared_at,
            })
            .collect(),
        leases,
        reviews: crate::flow::outstanding_reviews(incidents),
        drills,
        history: drill_history(incidents),
    }
}

/// The history of the scenario drilled last, against the default runbook's targets (the
/// runbook drills walk).
pub fn drill_history(incidents: &[Incident]) -> DrillHistoryView {
    use crate::drill::scorecard::{advice, history, step_trends};
    let runbook = crate::runbook::Runbook::default_github();
    let scenario = incidents
        .iter()
        .filter(|i| i.drill && i.drill_scenario.is_some())
        .max_by_key(|i| i.declared_at)
        .and_then(|i| i.drill_scenario.clone());
    let Some(scenario) = scenario else {
        return DrillHistoryView::default();
    };
    let runs = history(incidents, &runbook, Some(&scenario));
    let trends = step_trends(&runs, &runbook);
    DrillHistoryView {
        advice: advice(&trends),
        scenario: Some(scenario),
        runs,
        trends,
    }
}

/// A drill is over once its glass was closed again (or it was closed without one).
fn finished(incident: &Incident) -> bool {
    !incident.glass_possibly_open()
        && (incident.restore.restored_at.is_some() || incident.phase == Phase::Closed)
}

/// A finished drill: its total time, its exposure window and whether it passed by the
/// one drill rule ([`crate::drill::judge`]).
pub fn drill_row(incident: &Incident) -> DrillRow {
    let finished_at: DateTime<Utc> = incident.updated_at;
    DrillRow {
        finished_at,
        scenario: format!("{} {} ({})", incident.repo, incident.branch, incident.id),
        total: incident.total_elapsed(finished_at),
        exposure: incident
            .exposure_window()
            .map_or_else(chrono::Duration::zero, |w| w.length(finished_at)),
        // Its forge ended with the drill's process: the log's proof is all there is.
        passed: crate::drill::judge(incident, &crate::drill::ForgeEvidence::default()).passed,
    }
}

/// The phase in the commander's words, naming the guard that closed the glass if one did.
fn phase_text(incident: &Incident) -> String {
    match &incident.restore.by_guard {
        Some(guard) if !incident.glass_possibly_open() => {
            format!("{} (closed by guard {guard})", phase_words(incident.phase))
        }
        _ => phase_words(incident.phase).to_owned(),
    }
}

/// The phase in the commander's words.
pub fn phase_words(phase: Phase) -> &'static str {
    match phase {
        Phase::Declared => "declared",
        Phase::Preflighted => "preflight done",
        Phase::Activating => "opening the glass",
        Phase::ActivationFailed => "activation FAILED — restore",
        Phase::Active => "GLASS OPEN",
        Phase::Pushing => "GLASS OPEN — pushing",
        Phase::Pushed => "GLASS OPEN — pushed",
        Phase::Restoring => "restoring",
        Phase::RestoreFailed => "RESTORE FAILED",
        Phase::Restored => "restored — review next",
        Phase::Drift => "restored with DRIFT",
        Phase::Reviewed => "reviewed",
        Phase::Closed => "closed",
    }
}
