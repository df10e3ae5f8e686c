//! The immutable snapshots the TUI renders: plain data, filled by adapters from the model.
//!
//! Nothing here reads the audit log, the forge or git; the flow sends fresh snapshots as
//! messages. Times are absolute (`DateTime<Utc>`) so every timer is `deadline - now` or
//! `now - started`, computed at render time from the injected clock's reading.

use chrono::{DateTime, Duration, Utc};

/// The home screen: what is open right now and what was rehearsed lately.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HomeView {
    /// Red lines above everything: an unreadable log or incident, a failing restore.
    pub alerts: Vec<String>,
    pub incidents: Vec<IncidentRow>,
    /// Every open lease, from any process (the audit log is the source).
    pub leases: Vec<LeaseRow>,
    pub drills: Vec<DrillRow>,
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

/// What kind of work a runbook step is; decides what `Enter` does on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Declare,
    Manual,
    Preflight,
    Activate,
    Push,
    Restore,
    Review,
}

impl StepKind {
    pub fn is_automated(self) -> bool {
        !matches!(self, StepKind::Manual | StepKind::Declare)
    }
}

/// A step's state as recorded in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    Pending,
    Running,
    Done,
    Failed,
    Skipped,
}

/// How a step's elapsed time compares with its target: the model's one definition, so the
/// checklist colours and the incident's progress never disagree.
pub use crate::incident::Pace;

/// One runbook step on the checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRow {
    pub title: String,
    pub detail: String,
    pub kind: StepKind,
    pub status: StepStatus,
    pub target: Duration,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl StepRow {
    /// Time spent on the step: until it finished, or until `now` while it runs.
    pub fn elapsed(&self, now: DateTime<Utc>) -> Option<Duration> {
        let start = self.started_at?;
        let end = self.finished_at.unwrap_or(now);
        Some((end - start).max(Duration::zero()))
    }

    pub fn pace(&self, now: DateTime<Utc>) -> Pace {
        self.elapsed(now)
            .map_or(Pace::OnTime, |e| Pace::of(e, self.target))
    }
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

/// One incident's checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistView {
    pub incident: String,
    pub repo: String,
    pub branch: String,
    pub drill: bool,
    pub declared_at: DateTime<Utc>,
    /// Set once the incident is closed, so the total stops counting.
    pub closed_at: Option<DateTime<Utc>>,
    pub steps: Vec<StepRow>,
    pub window: Option<WindowBanner>,
}

impl ChecklistView {
    /// The first step neither done nor skipped: the one `Enter` acts on.
    pub fn current(&self) -> Option<usize> {
        self.steps
            .iter()
            .position(|s| !matches!(s.status, StepStatus::Done | StepStatus::Skipped))
    }

    pub fn total_elapsed(&self, now: DateTime<Utc>) -> Duration {
        self.closed_at.unwrap_or(now) - self.declared_at
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
#[derive(Debug, Clone, PartialEq)]
pub enum ChainStatus {
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
