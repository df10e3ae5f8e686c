//! The pure incident model: typed events, the fold that turns them into state, the
//! lease and per-step progress. No I/O and no clock reads: callers pass `now`.

mod approval;
mod event;
mod fold;
mod fold_approval;
mod lease;
mod log;
mod phase;
mod progress;
mod retry;
pub(crate) mod secs;
mod state;

#[cfg(test)]
mod approval_tests;
#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

pub use approval::{
    ApprovalDecision, ApprovalRequest, ApprovalState, describe_approval_event, waiting_text,
};
pub use event::{
    ApprovalHow, DriftChoice, EVENT_KINDS, EventDecodeError, IncidentEvent, RestoreTrigger,
    ReviewedCommit,
};
pub use fold::{FoldError, Recorded, apply, fold};
pub use lease::{Lease, LeaseError};
pub use log::{IncidentLogError, LogRecord, fold_each, fold_many, group_by_incident};
pub use phase::Phase;
pub use progress::{Pace, Progress, StepProgress, StepStatus, progress};
pub use retry::{FAILURE_RECORD_INTERVAL, RESTORE_RETRY, RetryPolicy, failure_record_due};
pub use state::{
    Activation, Closing, DriftDecision, ExposureWindow, Incident, LeaseExtension, Preflight, Push,
    PushRejection, RestoreAttempt, RestoreFailing, RestoreHistory, Review, ReviewPullRequest,
    SignOff, StepTick,
};
