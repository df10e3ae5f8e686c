//! Where an incident stands, derived from its events. Only names and questions about a
//! phase live here; which event moves it where is the fold's business.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The incident's phase after its last event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Declared; nothing has touched the forge.
    Declared,
    /// Identity, permission and the protection snapshot are recorded.
    Preflighted,
    /// The relax plan is recorded but no result yet: the glass may be open.
    Activating,
    /// Activation failed part-way: the glass may be partly open; restore is required.
    ActivationFailed,
    /// The glass is open and the lease runs.
    Active,
    /// A push was attempted and has no result yet; the glass is open.
    Pushing,
    /// At least one push landed; the glass is still open.
    Pushed,
    /// Restore started and has no result yet: the glass may be open.
    Restoring,
    /// The snapshot is back and nobody changed protection during the window.
    Restored,
    /// A restore attempt failed: the glass is still open. Retry or fix by hand.
    RestoreFailed,
    /// Restored, but someone changed protection during the window: needs a look.
    Drift,
    /// The retroactive review is open or its form submitted.
    Reviewed,
    /// Over.
    Closed,
}

impl Phase {
    /// True in every phase where the forge may hold a relaxed protection.
    pub fn glass_possibly_open(self) -> bool {
        matches!(
            self,
            Phase::Activating
                | Phase::ActivationFailed
                | Phase::Active
                | Phase::Pushing
                | Phase::Pushed
                | Phase::Restoring
                | Phase::RestoreFailed
        )
    }

    /// The snake_case name used in events, errors and `--json` output.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Declared => "declared",
            Phase::Preflighted => "preflighted",
            Phase::Activating => "activating",
            Phase::ActivationFailed => "activation_failed",
            Phase::Active => "active",
            Phase::Pushing => "pushing",
            Phase::Pushed => "pushed",
            Phase::Restoring => "restoring",
            Phase::Restored => "restored",
            Phase::RestoreFailed => "restore_failed",
            Phase::Drift => "drift",
            Phase::Reviewed => "reviewed",
            Phase::Closed => "closed",
        }
    }

    /// Every phase, in flow order.
    pub const ALL: [Phase; 13] = [
        Phase::Declared,
        Phase::Preflighted,
        Phase::Activating,
        Phase::ActivationFailed,
        Phase::Active,
        Phase::Pushing,
        Phase::Pushed,
        Phase::Restoring,
        Phase::Restored,
        Phase::RestoreFailed,
        Phase::Drift,
        Phase::Reviewed,
        Phase::Closed,
    ];
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
