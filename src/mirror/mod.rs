//! The incident issue on the forge (the mirror): it follows the audit log and keeps one
//! issue per incident current (title, live status body, labels, state, one comment per
//! batch of events with the chain head after each, the preflight snapshot once, and the
//! submitted review as the last comment when the incident finishes and the issue closes).
//!
//! The local log is the source of truth: what is mirrored is read back from the issue's
//! comments, never remembered beside the log, so nothing is lost and nothing posted twice.
//! Nothing here ever blocks or fails the flow; failures are retried and reported.

mod comments;
mod guard_note;
mod issue;
mod lease;
mod progress;
mod service;
mod status;
mod sync;
mod verify;

pub use comments::{
    CommentsSeen, MirroredEvent, MirroredSnapshot, SNAPSHOT_FORMAT, SnapshotParseError,
    events_marker, find_snapshot_comment, mirrored_events, parse_snapshot_comment, review_marker,
    snapshot_comment, snapshot_marker,
};
pub use guard_note::{
    GUARD_NOTE_FORMAT, GuardFinding, GuardNote, guard_comment, guard_marker, guard_notes,
    restored_by_guard,
};
pub use issue::{
    IncidentIssue, LABEL, LABEL_DRILL, LABEL_OPEN, find, issue_marker, issue_title, labels_for,
    mirror_repo, open_or_find,
};
pub use lease::{
    LEASE_FORMAT, LeaseParseError, MirroredLease, lease_line, mirrored_lease, parse_lease,
    with_lease_line,
};
pub use progress::{MirrorProgress, progress_path, read_progress};
pub use service::{
    Mirror, MirrorError, MirrorHold, behind_by, incident_records, lag_summary, settle_all,
};
pub use status::status_body;
pub use sync::{KnownIssue, SyncReport, sync_incident, wanted_state};
pub use verify::{Disagreement, ForgeComparison, compare};
