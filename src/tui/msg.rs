//! Everything that can happen to the TUI: keys, the clock's tick, fresh snapshots and the
//! results of effects. The flow produces the effect results; `update` consumes them all.

use super::declare::DeclareDraft;
use super::view::{
    ChainStatus, ChecklistView, HomeView, PlanView, PushView, RemoteLines, RestoreView,
    TimelineRow, WindowConfirm, WindowResult,
};
use crate::review::ReviewForm;
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum Msg {
    /// A key was pressed.
    Key(KeyEvent),
    /// The terminal was resized to (columns, rows).
    Resize(u16, u16),
    /// The once-a-second tick with the clock's current time; all timers move from this.
    Tick(DateTime<Utc>),
    /// A fresh home-screen snapshot (open incidents, leases from any process, drills).
    HomeChanged(HomeView),
    /// A fresh snapshot of the incident on screen (step statuses, the open window).
    IncidentChanged(ChecklistView),
    /// The audit log changed: every row, oldest first, and the chain's status.
    AuditChanged {
        rows: Arc<Vec<TimelineRow>>,
        chain: ChainStatus,
    },
    /// A drill scenario is ready: open the declare form prefilled with it.
    DrillReady(DeclareDraft),
    /// The drill scenarios to pick from, with the team's times for each.
    ScenariosListed(super::view::DrillPicker),
    /// The scorecard of a drill that has ended.
    DrillScored(Box<crate::drill::DrillScore>),
    /// The incident was declared (or reopened); show its checklist.
    IncidentOpened(ChecklistView),
    /// Preflight finished; this is the relax plan activation would apply.
    PlanReady(PlanView),
    /// The glass is open (the snapshot arrives as `IncidentChanged`).
    Activated,
    /// The commits and trailers push would send, for confirmation.
    PushReady(PushView),
    /// The push finished: accepted or rejected, with the remote's lines.
    PushOutcome(RemoteLines),
    /// The window is prepared: the one confirmation (plan and commits) to show.
    WindowReady(Box<WindowConfirm>),
    /// The window ran: the glass is closed again; its length, push and restore.
    WindowDone(WindowResult),
    /// Restore finished: verified, or drift/differences with advice.
    Restored(RestoreView),
    /// A manual step was recorded as done.
    StepCompleted,
    /// The incident issue was looked at for an approval; the answers not accepted, with
    /// why (the log's change, if any, arrives as `IncidentChanged`).
    ApprovalChecked(Vec<String>),
    /// The lease was extended to a new deadline.
    LeaseExtended(DateTime<Utc>),
    /// The retroactive review is open on the forge at this address.
    ReviewOpened(String),
    /// A saved review draft (or `None` when there is none) for the review form.
    ReviewDraftLoaded(Option<ReviewForm>),
    /// The read-only facts of the review form's incident, from the audit log.
    ReviewFactsLoaded {
        incident: String,
        lines: Vec<String>,
    },
    /// The review draft was saved at this time.
    ReviewDraftSaved(DateTime<Utc>),
    /// The review was submitted and recorded in the audit log.
    ReviewSubmitted,
    /// Where an incident's review sign-off stands, in one line.
    SignOffChecked(String),
    /// An effect failed: which one, the error, and what the operator should do next.
    EffectFailed {
        effect: String,
        error: String,
        advice: String,
    },
}
