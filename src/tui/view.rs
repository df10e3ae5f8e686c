//! The immutable snapshots the TUI renders: data filled by adapters from the model.
//!
//! Nothing here reads the audit log, the forge or git; the flow sends fresh snapshots as
//! messages. Times are absolute (`DateTime<Utc>`) so a countdown is `deadline - now` at
//! render time, and the checklist keeps the model's own progress, re-read at every tick of
//! the injected clock.

use crate::incident::{self, Incident, Progress};
use crate::runbook::{Runbook, Step};
use chrono::{DateTime, Duration, Utc};

/// The home screen: what is open right now and what was rehearsed lately.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HomeView {
    /// Red lines above everything: an unreadable log or incident, a failing restore.
    pub alerts: Vec<String>,
    /// The chain as the ledger read it (an unreadable log is also one of `alerts`).
    pub chain: ChainStatus,
    pub incidents: Vec<IncidentRow>,
    /// Every open lease, from any process (the audit log is the source).
    pub leases: Vec<LeaseRow>,
    /// Real incidents whose retroactive review awaits its sign-off, oldest first.
    pub reviews: Vec<crate::flow::OutstandingReview>,
    pub drills: Vec<DrillRow>,
    /// The team's drill history (the drill history screen).
    pub history: DrillHistoryView,
}

/// The drill history screen: the runs of one scenario over time and each step's median
/// against its target across them, as `drill::scorecard` computes them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrillHistoryView {
    /// The scenario shown (the one drilled last).
    pub scenario: Option<String>,
    /// Its runs, oldest first.
    pub runs: Vec<crate::drill::scorecard::DrillRun>,
    pub trends: Vec<crate::drill::scorecard::StepTrend>,
    /// "step … is late in most runs: practise it or change its target".
    pub advice: Vec<String>,
}

/// One scenario in the drill picker (`d`), with the team's times for it from the log.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioChoice {
    pub id: String,
    pub title: String,
    /// What the commander is told before the drill starts.
    pub story: String,
    /// Earlier runs of it: how many, the best total and the last.
    pub runs: usize,
    pub best_seconds: Option<f64>,
    pub last_seconds: Option<f64>,
}

/// The drill picker: the scenarios, the one selected, and team scenario files that did
/// not load (with why).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrillPicker {
    pub choices: Vec<ScenarioChoice>,
    pub selected: usize,
    pub problems: Vec<String>,
}

/// One open incident on the home screen.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    pub id: String,
    pub repo: String,
    pub branch: String,
    /// The incident's phase in words ("declared", "glass open", "restored"…).
    pub phase: String,
    pub declared_at: DateTime<Utc>,
}

/// An open lease: protections are relaxed until `deadline`.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaseRow {
    pub incident: String,
    pub repo: String,
    pub branch: String,
    pub deadline: DateTime<Utc>,
}

/// One finished drill.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillRow {
    pub finished_at: DateTime<Utc>,
    pub scenario: String,
    pub total: Duration,
    /// Activated → restored.
    pub exposure: Duration,
    pub passed: bool,
}

/// The open-glass window: shown as a banner for as long as protections are relaxed.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowBanner {
    pub opened_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// The latest deadline the configuration allows; extensions stop there.
    pub cap: DateTime<Utc>,
    /// The model's failing-restore line ("RESTORE FAILING since …"), while it fails.
    pub restore_failing: Option<String>,
}

impl WindowBanner {
    pub fn remaining(&self, now: DateTime<Utc>) -> Duration {
        self.deadline - now
    }
}

/// One incident's checklist: the incident as its events fold, the runbook it follows, and
/// the model's progress through that runbook at the last clock reading.
///
/// The marks, timers, paces and the current step are [`incident::progress`]'s, never
/// recomputed here, so `Enter` acts on the step the model says is next (Restore, once a
/// restore is needed) and the row marked ▸ is that step.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistView {
    pub incident: Incident,
    pub runbook: Runbook,
    pub progress: Progress,
    pub window: Option<WindowBanner>,
}

impl ChecklistView {
    /// Re-reads the model's progress at `now`, so timers run and the current step moves
    /// (to Restore when a lease runs out) between snapshots of the log.
    pub fn advance(&mut self, now: DateTime<Utc>) {
        self.progress = incident::progress(&self.incident, &self.runbook, now);
    }

    /// The step `Enter` acts on, with its position: the model's current step.
    pub fn current_step(&self) -> Option<(usize, &Step)> {
        let index = self.progress.current?;
        self.runbook.steps.get(index).map(|step| (index, step))
    }
}

/// The relax plan shown before activation: in words and as a diff.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanView {
    /// One sentence per change ("Allow commander to push to main for 30 min").
    pub words: Vec<String>,
    /// Unified-diff lines of the protection before → during the window (`+`/`-` prefixed).
    pub diff_lines: Vec<String>,
}

/// One commit about to be pushed.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitRow {
    pub sha: String,
    pub summary: String,
    pub author: String,
}

/// What push will send: the commits and the trailers added to them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PushView {
    pub commits: Vec<CommitRow>,
    pub trailers: Vec<String>,
}

/// The remote's `remote:` lines and per-ref status after a push.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteLines {
    pub accepted: bool,
    pub lines: Vec<String>,
}

/// One setting in a drift report: what it was, what we applied, what is there now.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreeWayRow {
    pub setting: String,
    pub before: String,
    pub during: String,
    pub now: String,
}

/// A drift report: someone else changed protections while the glass was open.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThreeWay {
    pub rows: Vec<ThreeWayRow>,
}

/// The outcome of restore: verified by read-back, or what differs and what to do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RestoreView {
    pub verified: bool,
    /// Read-back differences from the snapshot, one per line.
    pub differences: Vec<String>,
    pub drift: Option<ThreeWay>,
    /// The next action for the operator when not verified.
    pub advice: Option<String>,
}

/// One audit event on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    pub seq: u64,
    pub ts: DateTime<Utc>,
    /// The incident the event belongs to; `None` for log-level events (`recovered`).
    pub incident: Option<String>,
    pub actor: String,
    pub kind: String,
    pub summary: String,
    /// The event's JSON, pretty-printed, for the detail pane.
    pub json: String,
}

/// Whether the audit chain verified when it was last read.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum ChainStatus {
    #[default]
    NotChecked,
    Verified {
        head_seq: u64,
        head_hash: String,
    },
    Broken {
        line: u64,
        reason: String,
    },
    /// The log could not be read at all (permissions, a lock held too long); not a
    /// statement about the chain.
    Unreadable {
        reason: String,
    },
}

/// The window's one confirmation: what will be relaxed and what will be pushed, with the
/// prepared window it runs when confirmed.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowConfirm {
    /// 1 for the first window; more for a follow-up on the same snapshot.
    pub number: usize,
    pub plan: PlanView,
    pub push: PushView,
    /// The longest the lease may run (the glass closes as soon as the push is answered).
    pub lease: chrono::Duration,
    pub prepared: crate::flow::WindowPlan,
}

/// What a window did, shown once the glass is closed again.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowResult {
    pub number: usize,
    /// The window's length, e.g. "0.412 s".
    pub length: Option<String>,
    pub remote: RemoteLines,
    pub restore: RestoreView,
    /// What to do next, in order.
    pub next: Vec<String>,
}
