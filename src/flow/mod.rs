//! The break-glass orchestrator: one code path for the headless CLI, the TUI and drills.
//!
//! A [`Flow`] turns the operator's intents (declare, preflight, activate, push, restore,
//! review) into forge and git effects and records every step, intent before effect, as an
//! audit event. An incident's state is the fold of its events and nothing else, so a
//! crash anywhere is recovered by reading the log ([`Flow::recover`]). It owns the lease:
//! the in-process deadline, the detached watchdog and the recovery of expired leases.
//!
//! It never prints: callers render the reports it returns.

mod activate;
mod approval;
mod binding;
mod context;
mod declare;
mod drift;
mod error;
pub mod failpoint;
mod guarded;
mod ledger;
mod local;
mod lock;
mod preflight;
mod push;
mod recorder;
mod recovery;
mod restore;
mod review;
pub mod watchdog;
mod window;

pub use activate::ActivationReport;
pub use approval::{
    APPROVAL_POLL, Answer, ApprovalCheck, ApprovalChoice, ApprovalWait, ApproveError,
    ApproveReport, Refusal, SeenComment, Verdict, approve_as_second_person, read_answer,
};
pub use binding::{
    ForgeConnector, connect_forge, forge_for, incident_named, normalised, read_ledger, same_forge,
};
pub use context::{
    Flow, FlowOptions, FlowSetup, FlowSleeper, github_forge, github_forge_observed, is_in_progress,
};
pub use declare::Declaration;
pub use error::FlowError;
pub use ledger::{ChainState, LedgerView, UnreadableIncident};
pub use lock::{IncidentLock, lock_path};
pub use preflight::PreflightReport;
pub use push::PushReport;
pub use recovery::{OpenLease, RecoveryReport};
pub use restore::{RestoreOutcome, failure_text as restore_failure_text};
pub use review::{
    OutstandingReview, ReviewReport, SignOffReport, awaits_review, outstanding_reviews,
};
pub use window::{WindowPlan, WindowReport, WindowRequests};
