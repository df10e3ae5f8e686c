//! The incident as the fold leaves it, and the questions the flow, the watchdog and the
//! TUI ask of it (is the glass open? must it be restored now?). Built only by the fold.

use super::event::{DriftChoice, RestoreTrigger};
use super::lease::Lease;
use super::phase::Phase;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Everything known about one incident, derived from its events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub id: String,
    /// `owner/name`.
    pub repo: String,
    pub branch: String,
    pub reason: String,
    pub runbook: String,
    /// The lease length asked for at declaration.
    #[serde(with = "super::secs")]
    pub ttl: Duration,
    /// The longest the lease may run, extensions included.
    #[serde(with = "super::secs")]
    pub cap: Duration,
    pub drill: bool,
    /// The forge API URL the incident is bound to; `None` for an incident declared before
    /// breakglass recorded it (unknown: never guessed).
    pub api_url: Option<String>,
    /// The clone's remote URL at declaration (credentials redacted), if there was one.
    pub remote_url: Option<String>,
    /// The drill scenario this rehearsal ran, when it ran one.
    pub drill_scenario: Option<String>,
    pub declared_at: DateTime<Utc>,
    pub declared_by: String,
    pub phase: Phase,
    pub preflight: Option<Preflight>,
    /// The two-person rule: the approval request and its answer, or the self-approval.
    pub approval: super::approval::ApprovalState,
    /// The latest window's relax plan and what became of it.
    pub activation: Option<Activation>,
    /// Every window the glass was opened in, oldest first: one, or more when a follow-up
    /// fix reopened it on the same snapshot after a verified restore.
    pub windows: Vec<ExposureWindow>,
    /// The latest window's lease; its cap is what the incident's cap leaves after the
    /// earlier windows.
    pub lease: Option<Lease>,
    pub extensions: Vec<LeaseExtension>,
    pub pushes: Vec<Push>,
    pub push_rejections: Vec<PushRejection>,
    pub restore: RestoreHistory,
    /// Every protection change someone else made during the window.
    pub drift: Vec<Value>,
    /// Each decision about drift (`drift_decided`), in order.
    pub drift_decisions: Vec<DriftDecision>,
    pub review: Review,
    /// Manual steps ticked, by runbook step id (the first tick counts).
    pub steps_done: BTreeMap<String, StepTick>,
    /// When each kind of event last happened, for timers.
    pub last_at: BTreeMap<&'static str, DateTime<Utc>>,
    /// When each kind of event first happened, for per-step timers.
    pub first_at: BTreeMap<&'static str, DateTime<Utc>>,
    pub closed: Option<Closing>,
    /// The time of the last event.
    pub updated_at: DateTime<Utc>,
}

/// What preflight found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preflight {
    pub at: DateTime<Utc>,
    pub login: String,
    pub permission: String,
    pub pre_sha: String,
    pub snapshot: Value,
    pub commits: Vec<String>,
}

/// The relax plan and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activation {
    /// When the intent was recorded: the first moment the forge may have changed.
    pub intended_at: DateTime<Utc>,
    pub plan: Value,
    pub applied: Option<Value>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeaseExtension {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub deadline: DateTime<Utc>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Push {
    pub at: DateTime<Utc>,
    pub old_sha: String,
    pub new_sha: String,
    pub commits: Vec<String>,
    pub remote_lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PushRejection {
    pub at: DateTime<Utc>,
    pub status: String,
    pub remote_lines: Vec<String>,
}

/// Every restore attempt and its outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RestoreHistory {
    /// Each `restore_intended`, in order.
    pub attempts: Vec<RestoreAttempt>,
    pub last_error: Option<String>,
    pub restored_at: Option<DateTime<Utc>>,
    /// The read-back matched the snapshot.
    pub verified: bool,
    /// The `breakglass guard` login that closed the latest window, when a guard did.
    pub by_guard: Option<String>,
    /// Set from the first `restore_failed` until `restored`: the glass is still open and
    /// the restorers keep retrying.
    pub failing: Option<RestoreFailing>,
}

/// A restore that keeps failing, as its recorded `restore_failed` events say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreFailing {
    /// The first failure of this run of failures.
    pub since: DateTime<Utc>,
    /// Attempts made so far, as the last recorded failure counted them.
    pub attempts: u32,
    pub last_error: String,
    /// When the last failure was recorded (failures are recorded at most once a minute).
    pub last_recorded_at: DateTime<Utc>,
    /// The pause the restorers take before their next attempt.
    #[serde(with = "super::secs")]
    pub retry_every: Duration,
}

/// What was decided about drift, when and by whom.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftDecision {
    pub at: DateTime<Utc>,
    pub by: String,
    pub choice: DriftChoice,
    /// `keep_theirs`: the normalised state the restore must read back.
    pub kept: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreAttempt {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub trigger: RestoreTrigger,
}

/// The retroactive review.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Review {
    pub pull_request: Option<ReviewPullRequest>,
    pub form: Option<Value>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The approval that closed the incident (`review_signed_off`).
    pub signed_off: Option<SignOff>,
}

/// Who signed the review off, and when breakglass recorded it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignOff {
    pub at: DateTime<Utc>,
    pub reviewer: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewPullRequest {
    pub opened_at: DateTime<Utc>,
    pub number: u64,
    pub url: String,
    pub before_ref: String,
    pub after_ref: String,
    /// The pushed commits as the review recorded them (empty in older logs).
    pub commits: Vec<super::event::ReviewedCommit>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepTick {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Closing {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub note: Option<String>,
}

/// The span during which the forge may have held relaxed protections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExposureWindow {
    /// When the activation intent was recorded (mutations may start right after it).
    pub opened_at: DateTime<Utc>,
    /// When the restore was recorded; `None` while the glass may still be open.
    pub closed_at: Option<DateTime<Utc>>,
    /// Why this window was opened, when the operator said (a follow-up fix's reason).
    pub reason: Option<String>,
}

impl ExposureWindow {
    /// The window's length: up to `closed_at`, or up to `now` while still open.
    pub fn length(&self, now: DateTime<Utc>) -> Duration {
        (self.closed_at.unwrap_or(now) - self.opened_at).max(Duration::zero())
    }
}

impl RestoreFailing {
    /// The red line every view shows: "RESTORE FAILING since 19:50 UTC — retrying every
    /// 30 s — last error: …".
    pub fn summary(&self) -> String {
        format!(
            "RESTORE FAILING since {} UTC — retrying every {} s — last error: {}",
            self.since.format("%H:%M"),
            self.retry_every.num_seconds(),
            crate::text::sanitize_line(&self.last_error),
        )
    }
}

impl Incident {
    /// The failing restore while the glass may still be open (`None` once it is closed).
    pub fn restore_failing(&self) -> Option<&RestoreFailing> {
        self.restore
            .failing
            .as_ref()
            .filter(|_| self.glass_possibly_open())
    }

    /// True when the forge may hold relaxed protections for this incident.
    pub fn glass_possibly_open(&self) -> bool {
        self.phase.glass_possibly_open()
    }

    /// The state kept instead of the snapshot: set when the latest drift decision was
    /// `keep_theirs`, so the restore's read-back was compared with it.
    pub fn kept_state(&self) -> Option<&Value> {
        self.drift_decisions
            .last()
            .filter(|d| d.choice == DriftChoice::KeepTheirs)
            .and_then(|d| d.kept.as_ref())
    }

    /// True when protections must be restored now: the glass may be open and either the
    /// lease has run out or nothing is known to be holding it open on purpose (an
    /// activation or restore with no recorded result, a failure).
    ///
    /// An unexpired lease in `active`, `pushing` or `pushed` is left alone: recovery shows
    /// it to the operator instead. An activation or restore in flight in another process
    /// looks the same as a crashed one, so callers hold the per-incident lock first.
    pub fn needs_restore(&self, now: DateTime<Utc>) -> bool {
        match self.phase {
            Phase::Active | Phase::Pushing | Phase::Pushed => {
                self.lease.is_none_or(|lease| lease.expired(now))
            }
            phase => phase.glass_possibly_open(),
        }
    }

    /// The latest exposure window, from its activation intent to its restore; `None` if
    /// the glass was never opened.
    pub fn exposure_window(&self) -> Option<ExposureWindow> {
        self.windows.last().cloned()
    }

    /// How long the glass has been open in all of the incident's windows together, up to
    /// `now` for one still open: what the lease cap limits.
    pub fn open_time(&self, now: DateTime<Utc>) -> Duration {
        self.windows
            .iter()
            .map(|w| w.length(now))
            .fold(Duration::zero(), |total, length| total + length)
    }

    /// True when a follow-up window may open: the last one was restored and verified with
    /// no drift, so the preflight's snapshot is still what the branch should look like.
    pub fn can_reopen(&self) -> bool {
        self.phase == Phase::Restored && self.restore.verified && self.activation.is_some()
    }

    /// Time from the declaration to the close, or to `now` while open.
    pub fn total_elapsed(&self, now: DateTime<Utc>) -> Duration {
        let end = self.closed.as_ref().map_or(now, |c| c.at);
        (end - self.declared_at).max(Duration::zero())
    }

    /// The branch head after the last landed push (or before the window if none landed).
    pub fn head_sha(&self) -> Option<&str> {
        self.pushes
            .last()
            .map(|p| p.new_sha.as_str())
            .or(self.preflight.as_ref().map(|p| p.pre_sha.as_str()))
    }

    /// Restored, but something needs a human: drift, or a read-back that did not verify.
    pub fn needs_attention(&self) -> bool {
        self.phase == Phase::RestoreFailed
            || !self.drift.is_empty()
            || (self.restore.restored_at.is_some() && !self.restore.verified)
    }
}
