//! One incident and its runbook as the checklist: step marks and timers from
//! [`crate::incident::progress`], and the open-glass banner while protections may be relaxed.

use crate::incident::{self, Incident};
use crate::runbook::Runbook;
use crate::tui::view::{ChecklistView, WindowBanner};
use chrono::{DateTime, Utc};

/// The checklist of `incident` against `runbook` as it stands at `now`.
pub fn checklist_view(incident: &Incident, runbook: &Runbook, now: DateTime<Utc>) -> ChecklistView {
    ChecklistView {
        incident: incident.clone(),
        runbook: runbook.clone(),
        progress: incident::progress(incident, runbook, now),
        window: window_banner(incident),
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
