//! Chat notifications (`[notify] webhooks`): Slack-style incoming webhooks told of each
//! step of a break-glass. The webhook URLs are secrets: they stay in `Secret`s and never
//! reach the audit log, the trace log or the output. Nothing here blocks or fails the flow.

mod deliver;
mod message;
mod service;

pub use deliver::{ATTEMPTS, DeliveryFailure, Webhooks};
pub use message::{Notification, approval_requested, for_record, lease_ending};
pub use service::{
    LEASE_WARNING, Notifier, RecordedFailure, failures_for, failures_path, settle_all,
};
