//! The fold: an incident's events, in log order, become its state. Every transition the
//! flow may record is accepted here and every other one is refused with a typed error,
//! so a log that breaks the rules is noticed instead of half-understood. No I/O.

use super::event::DriftChoice;
use super::event::IncidentEvent;
use super::lease::{Lease, LeaseError};
use super::phase::Phase;
use super::retry::RESTORE_RETRY;
use super::state::{
    Activation, Closing, DriftDecision, ExposureWindow, Incident, LeaseExtension, Preflight, Push,
    PushRejection, RestoreAttempt, RestoreFailing, Review, ReviewPullRequest, SignOff, StepTick,
};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// One event as the audit log recorded it: when, by whom, what.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub ts: DateTime<Utc>,
    pub actor: String,
    pub event: IncidentEvent,
}

/// Why a sequence of events does not describe a possible incident.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FoldError {
    #[error("the incident has no events; nothing to show")]
    Empty,
    #[error(
        "event #{index} (`{kind}`) comes before the incident was declared; an incident's \
         first event must be `declared` — the log was written out of order, check it with \
         `breakglass audit verify`"
    )]
    NotDeclared { index: usize, kind: &'static str },
    #[error(
        "event #{index} (`{kind}`) is not allowed while the incident is `{phase}`; the log \
         does not describe a possible incident — check it with `breakglass audit verify` \
         and report the incident's events"
    )]
    Illegal {
        index: usize,
        kind: &'static str,
        phase: Phase,
    },
    #[error("event #{index} (`{kind}`) in phase `{phase}` is invalid: {problem}")]
    Invalid {
        index: usize,
        kind: &'static str,
        phase: Phase,
        problem: String,
    },
}

/// Folds an incident's events, oldest first, into its state.
pub fn fold(records: &[Recorded]) -> Result<Incident, FoldError> {
    let (first, rest) = records.split_first().ok_or(FoldError::Empty)?;
    let mut incident = declare(first)?;
    for (offset, record) in rest.iter().enumerate() {
        apply(&mut incident, offset + 1, record)?;
    }
    Ok(incident)
}

fn declare(record: &Recorded) -> Result<Incident, FoldError> {
    let IncidentEvent::Declared {
        id,
        repo,
        branch,
        reason,
        ttl,
        cap,
        runbook,
        drill,
        api_url,
        remote_url,
        scenario,
    } = &record.event
    else {
        return Err(FoldError::NotDeclared {
            index: 0,
            kind: record.event.kind(),
        });
    };
    let kind = record.event.kind();
    let mut incident = Incident {
        id: id.clone(),
        repo: repo.clone(),
        branch: branch.clone(),
        reason: reason.clone(),
        runbook: runbook.clone(),
        ttl: seconds(*ttl),
        cap: seconds(*cap),
        drill: *drill,
        api_url: api_url.clone(),
        remote_url: remote_url.clone(),
        drill_scenario: scenario.clone(),
        declared_at: record.ts,
        declared_by: record.actor.clone(),
        phase: Phase::Declared,
        preflight: None,
        approval: Default::default(),
        activation: None,
        windows: Vec::new(),
        lease: None,
        extensions: Vec::new(),
        pushes: Vec::new(),
        push_rejections: Vec::new(),
        restore: Default::default(),
        drift: Vec::new(),
        drift_decisions: Vec::new(),
        review: Review::default(),
        steps_done: BTreeMap::new(),
        last_at: BTreeMap::new(),
        first_at: BTreeMap::new(),
        closed: None,
        updated_at: record.ts,
    };
    incident.first_at.insert(kind, record.ts);
    incident.last_at.insert(kind, record.ts);
    Ok(incident)
}

/// Seconds from the log as a duration; absurd values saturate instead of panicking.
fn seconds(secs: u64) -> Duration {
    i64::try_from(secs)
        .ok()
        .and_then(Duration::try_seconds)
        .unwrap_or(Duration::MAX)
}

/// Applies one more event (number `index` in the incident's sequence) to `incident`.
///
/// On error `incident` is left unchanged.
pub fn apply(incident: &mut Incident, index: usize, record: &Recorded) -> Result<(), FoldError> {
    let phase = incident.phase;
    let kind = record.event.kind();
    let illegal = || FoldError::Illegal { index, kind, phase };
    let invalid = |problem: String| FoldError::Invalid {
        index,
        kind,
        phase,
        problem,
    };
    let ts = record.ts;
    let actor = record.actor.clone();
    use IncidentEvent as E;
    use Phase as P;
    let next = match (&record.event, phase) {
        (E::Declared { .. }, _) => return Err(illegal()),
        (_, P::Closed) => return Err(illegal()),
        (E::StepDone { step, note }, _) => {
            incident.steps_done.entry(step.clone()).or_insert(StepTick {
                at: ts,
                actor,
                note: note.clone(),
            });
            phase
        }
        (
            E::Preflighted {
                login,
                permission,
                pre_sha,
                snapshot,
                commits,
            },
            P::Declared | P::Preflighted,
        ) => {
            incident.preflight = Some(Preflight {
                at: ts,
                login: login.clone(),
                permission: permission.clone(),
                pre_sha: pre_sha.clone(),
                snapshot: snapshot.clone(),
                commits: commits.clone(),
            });
            P::Preflighted
        }
        (
            E::ApprovalRequested { .. }
            | E::Approved { .. }
            | E::ApprovalDenied { .. }
            | E::ApprovalTimedOut {}
            | E::SelfApproved { .. },
            P::Preflighted,
        ) => {
            super::fold_approval::apply(&mut incident.approval, &record.event, ts, &actor)
                .map_err(invalid)?;
            phase
        }
        (E::ActivationIntended { .. }, P::Preflighted) if incident.approval.blocks_activation() => {
            return Err(invalid(super::fold_approval::not_granted(
                &incident.approval,
            )));
        }
        (E::ActivationIntended { plan, reason }, P::Preflighted | P::Restored) => {
            // A follow-up window reopens the glass on the same snapshot, but only after a
            // verified restore with nothing left to look at.
            if phase == P::Restored && !incident.can_reopen() {
                return Err(invalid(
                    "a new window opens only after a verified restore".into(),
                ));
            }
            incident.activation = Some(Activation {
                intended_at: ts,
                plan: plan.clone(),
                applied: None,
                error: None,
            });
            incident.windows.push(ExposureWindow {
                opened_at: ts,
                closed_at: None,
                reason: reason.clone(),
            });
            // The restore this window needs has not happened yet.
            incident.restore.restored_at = None;
            incident.restore.verified = false;
            incident.restore.by_guard = None;
            P::Activating
        }
        (E::Activated { deadline, applied }, P::Activating) => {
            // The cap limits the incident's total open time: earlier windows used theirs.
            let used = incident
                .windows
                .iter()
                .filter(|w| w.closed_at.is_some())
                .map(|w| w.length(ts))
                .fold(Duration::zero(), |total, length| total + length);
            let lease = Lease::new(ts, *deadline, Lease::cap_left(incident.cap, used))
                .map_err(|e| invalid(e.to_string()))?;
            incident.lease = Some(lease);
            if let Some(activation) = incident.activation.as_mut() {
                activation.applied = Some(applied.clone());
            }
            P::Active
        }
        (E::ActivationFailed { error }, P::Activating) => {
            if let Some(activation) = incident.activation.as_mut() {
                activation.error = Some(error.clone());
            }
            P::ActivationFailed
        }
        (E::LeaseExtended { deadline, reason }, P::Active | P::Pushing | P::Pushed) => {
            if reason.trim().is_empty() {
                return Err(invalid("a lease extension needs a reason".into()));
            }
            let lease = incident
                .lease
                .ok_or_else(|| invalid("there is no lease to extend".into()))?;
            let extended = lease
                .extend(*deadline)
                .map_err(|e: LeaseError| invalid(e.to_string()))?;
            incident.lease = Some(extended);
            incident.extensions.push(LeaseExtension {
                at: ts,
                actor,
                deadline: *deadline,
                reason: reason.clone(),
            });
            phase
        }
        (E::PushIntended { .. }, P::Active | P::Pushing | P::Pushed) => P::Pushing,
        (
            E::Pushed {
                old_sha,
                new_sha,
                commits,
                remote_lines,
            },
            P::Pushing,
        ) => {
            incident.pushes.push(Push {
                at: ts,
                old_sha: old_sha.clone(),
                new_sha: new_sha.clone(),
                commits: commits.clone(),
                remote_lines: remote_lines.clone(),
            });
            P::Pushed
        }
        (
            E::PushRejected {
                status,
                remote_lines,
            },
            P::Pushing,
        ) => {
            incident.push_rejections.push(PushRejection {
                at: ts,
                status: status.clone(),
                remote_lines: remote_lines.clone(),
            });
            if incident.pushes.is_empty() {
                P::Active
            } else {
                P::Pushed
            }
        }
        (E::RestoreIntended { trigger }, phase) if phase.glass_possibly_open() => {
            incident.restore.attempts.push(RestoreAttempt {
                at: ts,
                actor,
                trigger: *trigger,
            });
            P::Restoring
        }
        // Outside `restoring`: a restore found drift and the operator held the glass open.
        (E::DriftDetected { diff }, P::Restoring | P::Active | P::Pushing | P::Pushed) => {
            incident.drift.push(diff.clone());
            phase
        }
        (E::DriftDecided { choice, kept }, P::Restoring | P::Active | P::Pushing | P::Pushed) => {
            // Hold is decided instead of restoring; the other choices are how a restore goes.
            let holding = *choice == DriftChoice::Hold;
            if holding == (phase == P::Restoring) {
                return Err(illegal());
            }
            if incident.drift.is_empty() {
                return Err(invalid(
                    "no drift was recorded, so there is nothing to decide".into(),
                ));
            }
            if kept.is_some() != (*choice == DriftChoice::KeepTheirs) {
                return Err(invalid(
                    "the kept state is recorded with `keep_theirs` and only with it".into(),
                ));
            }
            incident.drift_decisions.push(DriftDecision {
                at: ts,
                by: actor,
                choice: *choice,
                kept: kept.clone(),
            });
            phase
        }
        (E::Restored { verified, by_guard }, P::Restoring) => {
            incident.restore.restored_at = Some(ts);
            incident.restore.by_guard = by_guard.clone();
            if let Some(window) = incident.windows.last_mut() {
                window.closed_at = Some(ts);
            }
            incident.restore.verified = *verified;
            incident.restore.last_error = None;
            incident.restore.failing = None;
            if incident.drift.is_empty() {
                P::Restored
            } else {
                P::Drift
            }
        }
        (E::RestoreFailed { error, attempt }, P::Restoring) => {
            incident.restore.last_error = Some(error.clone());
            let since = incident.restore.failing.as_ref().map_or(ts, |f| f.since);
            incident.restore.failing = Some(RestoreFailing {
                since,
                attempts: *attempt,
                last_error: error.clone(),
                last_recorded_at: ts,
                retry_every: Duration::from_std(RESTORE_RETRY.delay_after(*attempt))
                    .unwrap_or(Duration::MAX),
            });
            P::RestoreFailed
        }
        (
            E::ReviewOpened {
                pr_number,
                pr_url,
                before_ref,
                after_ref,
                commits,
            },
            P::Restored | P::Drift | P::Reviewed,
        ) => {
            if incident.review.pull_request.is_some() {
                return Err(invalid(
                    "the retroactive review is already open; record one review per incident".into(),
                ));
            }
            incident.review.pull_request = Some(ReviewPullRequest {
                opened_at: ts,
                number: *pr_number,
                url: pr_url.clone(),
                before_ref: before_ref.clone(),
                after_ref: after_ref.clone(),
                commits: commits.clone(),
            });
            P::Reviewed
        }
        (E::ReviewSubmitted { form }, P::Restored | P::Drift | P::Reviewed) => {
            incident.review.form = Some(form.clone());
            incident.review.submitted_at = Some(ts);
            P::Reviewed
        }
        (E::ReviewSignedOff { reviewer }, P::Reviewed) => {
            if incident.review.pull_request.is_none() || incident.review.submitted_at.is_none() {
                return Err(invalid(
                    "a sign-off needs the retroactive review open and the lessons-learned form \
                     submitted"
                        .into(),
                ));
            }
            incident.review.signed_off = Some(SignOff {
                at: ts,
                reviewer: reviewer.clone(),
            });
            incident.closed = Some(Closing {
                at: ts,
                actor,
                note: Some(format!("review signed off by {reviewer}")),
            });
            P::Closed
        }
        (
            E::Closed { note },
            P::Declared | P::Preflighted | P::Restored | P::Drift | P::Reviewed,
        ) => {
            if !incident.pushes.is_empty() {
                return Err(invalid(
                    "a push landed, so the incident closes when its review is signed off \
                     (`review_signed_off`)"
                        .into(),
                ));
            }
            incident.closed = Some(Closing {
                at: ts,
                actor,
                note: note.clone(),
            });
            P::Closed
        }
        _ => return Err(illegal()),
    };
    incident.phase = next;
    incident.first_at.entry(kind).or_insert(ts);
    incident.last_at.insert(kind, ts);
    incident.updated_at = ts;
    Ok(())
}
