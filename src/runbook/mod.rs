//! Runbooks: checklists as data. A runbook is a list of steps, manual or automated, each
//! with a target time. This module holds the types and where a runbook comes from; the
//! TOML reading and its validation live in `load`. No timers here (see `incident::progress`).

mod load;

pub(crate) use load::line_of;
pub use load::{RunbookError, RunbookProblem, StepRef};

use chrono::Duration;
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// The default runbook, embedded in the binary.
pub const DEFAULT_GITHUB_RUNBOOK: &str = include_str!("../../assets/runbooks/github.toml");

/// A runbook with separate `activate`, `push` and `restore` steps, for the rare incident
/// that needs the glass open across several pushes (copy it to `runbook.toml`).
pub const SEPARATE_STEPS_RUNBOOK: &str =
    include_str!("../../assets/runbooks/github-separate-steps.toml");

/// The file in the config directory that replaces the default runbook.
pub const USER_RUNBOOK_FILE: &str = "runbook.toml";

/// What a step is: ticked by a person, or performed by breakglass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Manual,
    Declare,
    Preflight,
    /// A second person approves on the forge (or the commander self-approves, loudly).
    Approve,
    Activate,
    Push,
    Restore,
    /// Activate, push and restore as one confirmed action: no human step inside the
    /// window. A runbook has either this or the separate `activate`/`restore` steps.
    Window,
    Review,
}

impl StepKind {
    /// The automated kinds in the only order they may appear (`window` stands where
    /// `activate`, `push` and `restore` would, and never with them).
    pub const AUTOMATED: [StepKind; 8] = [
        StepKind::Declare,
        StepKind::Preflight,
        StepKind::Approve,
        StepKind::Activate,
        StepKind::Push,
        StepKind::Restore,
        StepKind::Window,
        StepKind::Review,
    ];

    /// The automated kinds every runbook must have (push and review are optional), besides
    /// a window: `window`, or `activate` and `restore` ([`StepKind::SEPARATE_WINDOW`]).
    pub const REQUIRED: [StepKind; 2] = [StepKind::Declare, StepKind::Preflight];

    /// The separate steps a `window` step replaces.
    pub const SEPARATE_WINDOW: [StepKind; 3] =
        [StepKind::Activate, StepKind::Push, StepKind::Restore];

    pub fn parse(name: &str) -> Option<StepKind> {
        Some(match name {
            "manual" => StepKind::Manual,
            "declare" => StepKind::Declare,
            "preflight" => StepKind::Preflight,
            "approve" => StepKind::Approve,
            "activate" => StepKind::Activate,
            "push" => StepKind::Push,
            "restore" => StepKind::Restore,
            "window" => StepKind::Window,
            "review" => StepKind::Review,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            StepKind::Manual => "manual",
            StepKind::Declare => "declare",
            StepKind::Preflight => "preflight",
            StepKind::Approve => "approve",
            StepKind::Activate => "activate",
            StepKind::Push => "push",
            StepKind::Restore => "restore",
            StepKind::Window => "window",
            StepKind::Review => "review",
        }
    }

    /// True for steps breakglass performs itself.
    pub fn is_automated(self) -> bool {
        self != StepKind::Manual
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One checklist step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub detail: String,
    pub kind: StepKind,
    /// How long the step should take; amber past it, red past twice it.
    #[serde(with = "crate::incident::secs")]
    pub target: Duration,
}

/// A validated checklist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Runbook {
    pub name: String,
    pub description: String,
    pub steps: Vec<Step>,
    /// Where it was read from: a file path, or `embedded:github.toml`.
    pub origin: String,
}

impl Runbook {
    /// The embedded default runbook for GitHub.
    pub fn default_github() -> Runbook {
        Runbook::parse(DEFAULT_GITHUB_RUNBOOK, "embedded:github.toml")
            .expect("the embedded runbook is validated by its tests")
    }

    /// The shipped runbook with separate activate, push and restore steps.
    pub fn separate_steps() -> Runbook {
        Runbook::parse(
            SEPARATE_STEPS_RUNBOOK,
            "embedded:github-separate-steps.toml",
        )
        .expect("the embedded runbook is validated by its tests")
    }

    /// Parses and validates runbook TOML; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Runbook, RunbookError> {
        load::parse(text, origin)
    }

    /// Reads and validates a runbook file.
    pub fn load(path: &Path) -> Result<Runbook, RunbookError> {
        let text = std::fs::read_to_string(path).map_err(|source| RunbookError {
            origin: path.display().to_string(),
            line: None,
            problem: RunbookProblem::Read {
                reason: source.to_string(),
            },
        })?;
        Runbook::parse(&text, &path.display().to_string())
    }

    /// The runbook in effect: `configured` (a path from config) if given, else
    /// `runbook.toml` in the config directory if it exists, else the embedded default.
    pub fn resolve(config_dir: &Path, configured: Option<&Path>) -> Result<Runbook, RunbookError> {
        if let Some(path) = configured {
            return Runbook::load(path);
        }
        let user_file: PathBuf = config_dir.join(USER_RUNBOOK_FILE);
        if user_file.exists() {
            return Runbook::load(&user_file);
        }
        Ok(Runbook::default_github())
    }

    /// The step of an automated kind, if the runbook has one.
    pub fn step_of(&self, kind: StepKind) -> Option<&Step> {
        debug_assert!(kind.is_automated(), "manual steps are found by id");
        self.steps.iter().find(|s| s.kind == kind)
    }

    /// True when the glass is opened, pushed through and closed in one `window` step;
    /// false when the runbook has the separate `activate`/`push`/`restore` steps.
    pub fn one_shot_window(&self) -> bool {
        self.steps.iter().any(|s| s.kind == StepKind::Window)
    }

    /// The step that closes the glass: `window`, or the separate `restore`.
    pub fn closing_step(&self) -> Option<usize> {
        self.steps
            .iter()
            .position(|s| matches!(s.kind, StepKind::Window | StepKind::Restore))
    }

    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}
