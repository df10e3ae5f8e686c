//! Adapters from the model to the TUI's view types: an incident and its runbook to a
//! checklist, every incident to the home screen, audit records to timeline rows, and the
//! flow's reports to the plan, push and restore panes.
//!
//! Pure functions of their inputs (`now` is passed in): no I/O, no clock, no flow calls.
//! Untrusted text (reasons, remote lines, error bodies) is sanitised here or at render.

mod checklist;
mod drill;
mod home;
mod report;
mod timeline;

pub use checklist::{checklist_view, window_banner};
pub use drill::scenario_choices;
pub use home::{RECENT_DRILLS, drill_row, home_view, phase_words};
pub use report::{
    commit_rows, plan_view, push_view, remote_lines, restore_view, trailer_lines, window_confirm,
    window_result,
};
pub use timeline::{chain_status, event_summary, review_timeline, timeline_row, timeline_rows};

#[cfg(test)]
mod tests;
