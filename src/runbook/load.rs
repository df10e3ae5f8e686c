//! Reading a runbook from TOML and validating it, with errors that name the file, the
//! step (number and id), the line, and how to fix it. Pure: takes text, returns data.

use super::{Runbook, Step, StepKind};
use serde::Deserialize;
use std::fmt;
use toml::Spanned;

/// A step named the way an operator finds it in the file: its number (from 1) and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRef {
    pub number: usize,
    pub id: String,
}

impl fmt::Display for StepRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step {} (`{}`)", self.number, self.id)
    }
}

/// A runbook that cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {problem}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct RunbookError {
    /// The file path, or `embedded:…`.
    pub origin: String,
    pub line: Option<usize>,
    pub problem: RunbookProblem,
}

/// What is wrong with a runbook.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunbookProblem {
    #[error("cannot read the runbook ({reason}); check the path and its permissions")]
    Read { reason: String },
    #[error("not a valid runbook: {message}")]
    Syntax { message: String },
    #[error("the runbook has no steps; add `[[step]]` tables, starting from the default runbook")]
    NoSteps,
    #[error("step {number} has an empty id; give every step a short unique id such as `fix-ready`")]
    EmptyId { number: usize },
    #[error(
        "{step} has unknown kind `{kind}`; use one of manual, declare, preflight, window, \
         activate, push, restore, review"
    )]
    UnknownKind { step: StepRef, kind: String },
    #[error("{step} reuses the id of step {first}; give each step its own id")]
    DuplicateId { step: StepRef, first: usize },
    #[error(
        "{step} is a second `{kind}` step (the first is {first}); keep one and make the other `manual`"
    )]
    RepeatedKind {
        step: StepRef,
        kind: StepKind,
        first: StepRef,
    },
    #[error(
        "{step} (`{kind}`) comes after {after} (`{after_kind}`); automated steps must run in \
         the order declare, preflight, window (or activate, push, restore), review — move it up"
    )]
    OutOfOrder {
        step: StepRef,
        kind: StepKind,
        after: StepRef,
        after_kind: StepKind,
    },
    #[error(
        "the runbook has no `{kind}` step; add one (`kind = \"{kind}\"`): every runbook needs \
         declare, preflight, and a window (or activate and restore)"
    )]
    Missing { kind: StepKind },
    #[error(
        "{step} (`{kind}`) cannot share a runbook with {other} (`{other_kind}`): a `window` \
         step opens, pushes and closes the glass in one; keep it, or replace it with \
         separate `activate`, `push` and `restore` steps for a glass that stays open across \
         several pushes"
    )]
    WindowAndSeparate {
        step: StepRef,
        kind: StepKind,
        other: StepRef,
        other_kind: StepKind,
    },
    #[error(
        "{step} has target `{target}`, which is not a duration ({reason}); write it like \
         \"30s\", \"2m\" or \"1h 30m\""
    )]
    BadTarget {
        step: StepRef,
        target: String,
        reason: String,
    },
    #[error("{step} has a zero target; give it the time the step should take, such as \"30s\"")]
    ZeroTarget { step: StepRef },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRunbook {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    step: Vec<Spanned<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: String,
    title: String,
    #[serde(default)]
    detail: String,
    kind: Spanned<String>,
    target: Spanned<String>,
}

struct Validator<'a> {
    text: &'a str,
    origin: &'a str,
}

impl Validator<'_> {
    fn error(&self, offset: Option<usize>, problem: RunbookProblem) -> RunbookError {
        RunbookError {
            origin: self.origin.to_owned(),
            line: offset.map(|at| line_of(self.text, at)),
            problem,
        }
    }
}

/// The 1-based line holding byte `offset` of `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

pub(super) fn parse(text: &str, origin: &str) -> Result<Runbook, RunbookError> {
    let v = Validator { text, origin };
    let raw: RawRunbook = toml::from_str(text).map_err(|e| {
        v.error(
            e.span().map(|s| s.start),
            RunbookProblem::Syntax {
                message: e.message().trim().to_owned(),
            },
        )
    })?;
    if raw.step.is_empty() {
        return Err(v.error(None, RunbookProblem::NoSteps));
    }
    let mut steps: Vec<Step> = Vec::with_capacity(raw.step.len());
    let mut last_automated: Option<(StepRef, StepKind)> = None;
    for (index, spanned) in raw.step.iter().enumerate() {
        let at = spanned.span().start;
        let raw_step = spanned.get_ref();
        let step_ref = StepRef {
            number: index + 1,
            id: raw_step.id.clone(),
        };
        if raw_step.id.trim().is_empty() {
            return Err(v.error(Some(at), RunbookProblem::EmptyId { number: index + 1 }));
        }
        if let Some(first) = steps.iter().position(|s| s.id == raw_step.id) {
            return Err(v.error(
                Some(at),
                RunbookProblem::DuplicateId {
                    step: step_ref,
                    first: first + 1,
                },
            ));
        }
        let kind = StepKind::parse(raw_step.kind.get_ref()).ok_or_else(|| {
            v.error(
                Some(raw_step.kind.span().start),
                RunbookProblem::UnknownKind {
                    step: step_ref.clone(),
                    kind: crate::text::sanitize_line(raw_step.kind.get_ref()),
                },
            )
        })?;
        let target = parse_target(&v, raw_step, &step_ref)?;
        if kind.is_automated() {
            check_order(&v, &steps, &last_automated, &step_ref, kind, raw_step)?;
            last_automated = Some((step_ref, kind));
        }
        steps.push(Step {
            id: raw_step.id.clone(),
            title: raw_step.title.clone(),
            detail: raw_step.detail.clone(),
            kind,
            target,
        });
    }
    for kind in StepKind::REQUIRED {
        if !steps.iter().any(|s| s.kind == kind) {
            return Err(v.error(None, RunbookProblem::Missing { kind }));
        }
    }
    if !steps.iter().any(|s| s.kind == StepKind::Window) {
        for kind in [StepKind::Activate, StepKind::Restore] {
            if !steps.iter().any(|s| s.kind == kind) {
                return Err(v.error(None, RunbookProblem::Missing { kind }));
            }
        }
    }
    Ok(Runbook {
        name: raw.name,
        description: raw.description,
        steps,
        origin: origin.to_owned(),
    })
}

fn parse_target(
    v: &Validator<'_>,
    raw_step: &RawStep,
    step_ref: &StepRef,
) -> Result<chrono::Duration, RunbookError> {
    let at = Some(raw_step.target.span().start);
    let text = raw_step.target.get_ref();
    let parsed = humantime::parse_duration(text.trim()).map_err(|e| {
        v.error(
            at,
            RunbookProblem::BadTarget {
                step: step_ref.clone(),
                target: crate::text::sanitize_line(text),
                reason: e.to_string(),
            },
        )
    })?;
    if parsed.is_zero() {
        return Err(v.error(
            at,
            RunbookProblem::ZeroTarget {
                step: step_ref.clone(),
            },
        ));
    }
    chrono::Duration::from_std(parsed).map_err(|_| {
        v.error(
            at,
            RunbookProblem::BadTarget {
                step: step_ref.clone(),
                target: crate::text::sanitize_line(text),
                reason: "too long".into(),
            },
        )
    })
}

fn check_order(
    v: &Validator<'_>,
    steps: &[Step],
    last_automated: &Option<(StepRef, StepKind)>,
    step_ref: &StepRef,
    kind: StepKind,
    raw_step: &RawStep,
) -> Result<(), RunbookError> {
    let at = Some(raw_step.kind.span().start);
    let separate = |k: StepKind| StepKind::SEPARATE_WINDOW.contains(&k);
    let clash = match kind {
        StepKind::Window => steps.iter().position(|s| separate(s.kind)),
        k if separate(k) => steps.iter().position(|s| s.kind == StepKind::Window),
        _ => None,
    };
    if let Some(other) = clash {
        return Err(v.error(
            at,
            RunbookProblem::WindowAndSeparate {
                step: step_ref.clone(),
                kind,
                other: StepRef {
                    number: other + 1,
                    id: steps[other].id.clone(),
                },
                other_kind: steps[other].kind,
            },
        ));
    }
    if let Some(first) = steps.iter().position(|s| s.kind == kind) {
        return Err(v.error(
            at,
            RunbookProblem::RepeatedKind {
                step: step_ref.clone(),
                kind,
                first: StepRef {
                    number: first + 1,
                    id: steps[first].id.clone(),
                },
            },
        ));
    }
    if let Some((after, after_kind)) = last_automated
        && *after_kind > kind
    {
        return Err(v.error(
            at,
            RunbookProblem::OutOfOrder {
                step: step_ref.clone(),
                kind,
                after: after.clone(),
                after_kind: *after_kind,
            },
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
