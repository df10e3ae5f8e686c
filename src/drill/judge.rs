//! The one rule for "did the drill pass?": the fix landed, the protection reads back equal
//! to the snapshot, nobody changed it mid-window, and the retroactive review was opened.
//! Pure: the incident as folded from the log, plus what the drill's forge said when it
//! could still be asked. The headless report, the TUI's recent drills and the summary
//! printed when the TUI closes all ask it.

use super::report::StepTiming;
use super::scenario::{Expectation, OutcomeKind};
use crate::incident::{ApprovalDecision, Incident, RestoreTrigger};
use serde::Serialize;

/// What the drill's forge says now, beyond the log. `None` where it was not asked: once
/// the drill's process has ended its in-process forge is gone, and the log's own proof
/// (the restore's verified read-back, the recorded push) is all there is.
#[derive(Debug, Clone, Default)]
pub struct ForgeEvidence {
    /// The pushed commit is the branch's head on the forge.
    pub fix_on_branch: Option<bool>,
    /// The protection reads back equal to the snapshot (or why it could not be read).
    pub read_back_equal: Option<Result<bool, String>>,
}

/// The judgement, with a reason for every check that did not hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub push_landed: bool,
    pub restored_exactly: bool,
    /// Someone (an injected fault) changed the protection during the window.
    pub drift_found: bool,
    pub review_pr: Option<String>,
    pub passed: bool,
    /// What did not hold, in words.
    pub problems: Vec<String>,
}

impl Verdict {
    /// Protection is not known to be as it was before the drill: act now (exit 3).
    pub fn protection_at_risk(&self) -> bool {
        !self.restored_exactly || self.drift_found
    }

    /// A drill whose declaration never reached the log: nothing was changed, nothing proved.
    pub fn never_declared(id: &str) -> Verdict {
        Verdict {
            restored_exactly: true,
            ..Verdict::unjudged(format!(
                "the incident {} is not in the audit log: the drill stopped before it was declared",
                crate::text::sanitize_line(id)
            ))
        }
    }

    /// A drill whose incident cannot be read from the log: nothing is known, so the
    /// protection is at risk until someone looks.
    pub fn unreadable(error: &str) -> Verdict {
        Verdict::unjudged(format!(
            "the incident cannot be read from the audit log: {error}"
        ))
    }

    fn unjudged(problem: String) -> Verdict {
        Verdict {
            push_landed: false,
            restored_exactly: false,
            drift_found: false,
            review_pr: None,
            passed: false,
            problems: vec![problem],
        }
    }
}

/// Judges the drill `incident` with what its forge said (`ForgeEvidence::default()` when
/// the forge is gone).
pub fn judge(incident: &Incident, forge: &ForgeEvidence) -> Verdict {
    let mut problems = Vec::new();
    let push_landed = !incident.pushes.is_empty() && forge.fix_on_branch.unwrap_or(true);
    if !push_landed {
        problems.push(format!("the fix did not land on {}", incident.branch));
    }
    let restored_exactly = if incident.activation.is_none() {
        // The glass was never opened: the protection is as the snapshot found it.
        true
    } else if incident.glass_possibly_open() {
        problems.push("the glass is still open".into());
        false
    } else if !incident.restore.verified {
        problems.push("the restore was not verified by reading the protection back".into());
        false
    } else {
        match &forge.read_back_equal {
            None | Some(Ok(true)) => true,
            Some(Ok(false)) => {
                problems.push("the protection does not read back equal to the snapshot".into());
                false
            }
            Some(Err(error)) => {
                problems.push(format!("reading the protection back failed: {error}"));
                false
            }
        }
    };
    let drift_found = !incident.drift.is_empty();
    if drift_found {
        problems.push("someone changed the protection during the window (drift): review it".into());
    }
    let review_pr = incident
        .review
        .pull_request
        .as_ref()
        .map(|pr| pr.url.clone());
    if review_pr.is_none() {
        problems.push("no retroactive review was opened".into());
    }
    Verdict {
        push_landed,
        restored_exactly,
        drift_found,
        review_pr,
        passed: problems.is_empty(),
        problems,
    }
}

/// How a drill ended, in a scenario's terms (see [`OutcomeKind`]), with the words the
/// commander was told.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub kind: OutcomeKind,
    /// The step that said no, for `refused` and `push-rejected`.
    pub step: Option<String>,
    /// What the failing step said and the verdict's problems, in words.
    pub said: Vec<String>,
}

/// Whether a drill ended as its scenario expects, and if not, why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectationCheck {
    pub expected: OutcomeKind,
    pub met: bool,
    pub mismatches: Vec<String>,
}

impl Outcome {
    /// Checks this outcome against `expect`.
    pub fn check(&self, expect: &Expectation) -> ExpectationCheck {
        let mut mismatches = Vec::new();
        if self.kind != expect.outcome {
            mismatches.push(format!(
                "expected the drill to end `{}`, it ended `{}`",
                expect.outcome.name(),
                self.kind.name()
            ));
        }
        if expect.step.is_some() && self.step != expect.step {
            mismatches.push(format!(
                "expected step `{}` to say no, it was `{}`",
                expect.step.as_deref().unwrap_or_default(),
                self.step.as_deref().unwrap_or("none")
            ));
        }
        let said = self.said.join("\n").to_lowercase();
        for words in &expect.says {
            if !said.contains(&words.to_lowercase()) {
                mismatches.push(format!("the commander was never told `{words}`"));
            }
        }
        ExpectationCheck {
            expected: expect.outcome,
            met: mismatches.is_empty(),
            mismatches,
        }
    }
}

/// How the drill ended, from the incident as folded, the verdict and the steps it ran.
/// The one rule for scenario outcomes, beside [`judge`].
pub fn outcome(incident: Option<&Incident>, verdict: &Verdict, steps: &[StepTiming]) -> Outcome {
    let failed = steps.iter().find(|s| !s.ok);
    let mut said: Vec<String> = failed.and_then(|s| s.error.clone()).into_iter().collect();
    said.extend(verdict.problems.iter().cloned());
    // A self-approval is the commander's loud decision: it is part of how the drill ended.
    if let Some(ApprovalDecision::SelfApproved { reason, .. }) =
        incident.and_then(|i| i.approval.granted())
    {
        said.push(format!("self-approved without a second person: {reason}"));
    }
    let closed_exactly =
        incident.is_some_and(|i| !i.glass_possibly_open()) && verdict.restored_exactly;
    let (kind, step) = match incident {
        _ if verdict.passed => (OutcomeKind::Passed, None),
        Some(i) if i.activation.is_none() && failed.is_some() => {
            (OutcomeKind::Refused, failed.map(|s| s.step.to_owned()))
        }
        Some(i)
            if closed_exactly
                && i.restore.attempts.last().map(|a| a.trigger)
                    == Some(RestoreTrigger::Watchdog) =>
        {
            (OutcomeKind::WatchdogRestored, None)
        }
        Some(_) if closed_exactly && verdict.drift_found => (OutcomeKind::Drift, None),
        Some(i) if closed_exactly && !i.push_rejections.is_empty() && i.pushes.is_empty() => {
            (OutcomeKind::PushRejected, Some("push".to_owned()))
        }
        _ => (OutcomeKind::Failed, failed.map(|s| s.step.to_owned())),
    };
    Outcome { kind, step, said }
}

#[cfg(test)]
mod tests;
