//! Drills: one set-up ([`Rehearsal`]) for the TUI and the headless drill — a fresh
//! in-process sandbox forge with its seeded repository, a real clone with a prepared fix,
//! and the whole break-glass flow run with the seeded commander's token — and the one rule
//! that says whether a drill passed ([`judge`]). Same flow code as a real emergency; only
//! the forge's URL differs. Never touches a real forge.

mod clone;
mod headless;
mod judge;
mod rehearsal;
mod report;
pub mod scenario;
pub mod scorecard;
mod second_person;

pub use clone::{FIX_FILE, clone_with_fix};
pub use headless::run_headless;
pub use judge::{ExpectationCheck, ForgeEvidence, Outcome, Verdict, judge, outcome};
pub use rehearsal::{Finished, Rehearsal, RehearsalSetup, SharedForge};
pub use report::{DrillReport, DrillScore, FaultMet, StepTiming, faults_met};
pub use scenario::Scenario;
pub use second_person::{DRILL_APPROVER, SecondPersonTask, approve_when_asked};

use crate::flow::FlowError;
use crate::forge::sandbox::{FaultSpecError, SandboxError};

/// The seeded repository and branch, and the person who drills.
pub const DRILL_REPO: &str = "acme/api";
pub const DRILL_BRANCH: &str = "main";
pub const COMMANDER: &str = "commander";

/// Keeps the drill's sandbox state in this directory (reloadable after the drill, for
/// checking what the forge ended with); unset: a temporary directory removed at the end.
pub const DRILL_SANDBOX_DIR_ENV: &str = "BREAKGLASS_DRILL_SANDBOX_DIR";

/// Why a drill could not run at all (a failing step is a failed drill, not an error).
#[derive(Debug, thiserror::Error)]
pub enum DrillError {
    #[error(transparent)]
    Fault(#[from] FaultSpecError),
    #[error("the sandbox forge could not start: {0}")]
    Sandbox(#[from] SandboxError),
    #[error("preparing the drill's clone failed: {0} — check the temporary directory")]
    Clone(String),
    #[error("cannot create the drill's temporary directory: {0} — check TMPDIR")]
    Scratch(std::io::Error),
    #[error(transparent)]
    Flow(#[from] FlowError),
    #[error("cannot drill against the shared sandbox: {0}")]
    SharedForge(String),
}
