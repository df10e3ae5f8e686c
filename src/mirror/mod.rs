//! The incident issue on the forge (the mirror): it follows the audit log and keeps one
//! issue per incident current (title, live status body, labels, state, one comment per
//! batch of events with the chain head after each, the preflight snapshot once).
//!
//! The local log is the source of truth: what is mirrored is read back from the issue's
//! comments, never remembered beside the log, so nothing is lost and nothing posted twice.
//! Nothing here ever blocks or fails the flow; failures are retried and reported.

mod issue;
mod status;

pub use issue::{
    IncidentIssue, LABEL, LABEL_DRILL, LABEL_OPEN, find, issue_marker, issue_title, labels_for,
    mirror_repo, open_or_find,
};
pub use status::status_body;
