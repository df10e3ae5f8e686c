//! The append-only, hash-chained audit log: every break-glass step is one JSON line.
//!
//! The format is documented in the README ("The audit log") precisely enough for a third
//! party to write a verifier. This module only records and verifies; it never decides
//! what an event means (that is `incident`'s fold) and never sees a token: callers hand in
//! `serde_json::Value`s built from typed events, and `Secret` has no `Serialize`.

mod bulk;
mod chain;
mod checkpoint;
mod error;
mod lock;
mod log;
mod read;
mod record;
mod recover;

pub use bulk::BulkWriter;
pub use chain::{ChainError, Problem, Summary, verify_bytes};
pub use checkpoint::{CHECKPOINT_FORMAT, Checkpoint};
pub use error::AuditError;
pub use log::{AuditLog, DEFAULT_LOCK_WAIT, LogCursor};
pub use read::{VerifiedLine, read_verified, read_verified_lines, verify_file};
pub use record::{GENESIS_PREV, Head, NewEntry, Record};
