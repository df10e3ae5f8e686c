//! The lessons-learned form's side effects: drafts saved under the data directory (in
//! order, the latest edit last, however fast the keys come), the saved draft or a fresh
//! form, the submission recorded as a `review_submitted` audit event (through the
//! incident's flow, or here when no flow can reach its forge), and the sign-off checks.

use super::Shared;
use super::failure::Failure;
use super::snapshot::{fold_all, load_incident};
use super::steps::{actor_for, blocking, connection_for};
use crate::audit::{AuditLog, NewEntry, Record, read_verified};
use crate::clock::Clock;
use crate::flow::{IncidentLock, LedgerView, SignOffReport, outstanding_reviews};
use crate::incident::{IncidentEvent, Phase};
use crate::paths::Paths;
use crate::review::facts::runbook_for;
use crate::review::{ReviewFacts, ReviewForm, load_draft, save_draft};
use crate::runbook::Runbook;
use crate::tui::msg::Msg;
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Where review drafts live.
pub fn drafts_dir(paths: &Paths) -> PathBuf {
    paths.data_dir.join("reviews")
}

/// The saved draft of `incident`, or a new, empty form.
pub fn load_or_prefill(paths: &Paths, incident: &str) -> Result<ReviewForm, Failure> {
    match load_draft(&drafts_dir(paths), incident) {
        Ok(Some(form)) => return Ok(form),
        Ok(None) => {}
        Err(e) => {
            return Err(Failure {
                error: e.to_string(),
                advice: "move the draft file aside to start from a fresh form".into(),
            });
        }
    }
    Ok(ReviewForm::new(incident))
}

/// Saves drafts one at a time in the order they were asked for, dropping the ones a
/// newer edit made stale, so the file on disk always ends as the latest edit.
#[derive(Debug, Clone, Default)]
pub struct DraftWriter {
    pending: Arc<Mutex<Pending>>,
}

#[derive(Debug, Default)]
struct Pending {
    latest: Option<ReviewForm>,
    writing: bool,
}

impl DraftWriter {
    /// Queues `form`; returns true when the caller must start a writer (none is running).
    pub fn queue(&self, form: ReviewForm) -> bool {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.latest = Some(form);
        !std::mem::replace(&mut pending.writing, true)
    }

    /// Writes queued drafts until none is left; blocking. Returns the last outcome.
    pub fn drain(&self, dir: &std::path::Path) -> Option<Result<(), Failure>> {
        let mut last = None;
        loop {
            let next = {
                let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
                match pending.latest.take() {
                    Some(form) => form,
                    None => {
                        pending.writing = false;
                        return last;
                    }
                }
            };
            last = Some(save_draft(dir, &next).map(drop).map_err(|e| Failure {
                error: e.to_string(),
                advice:
                    "the form stays open: fix the data directory and type on to save again".into(),
            }));
        }
    }
}

/// Saves the final form as the draft, then checks that its incident may take it.
fn check_submission(paths: &Paths, form: &ReviewForm) -> Result<(), Failure> {
    save_final(paths, form)?;
    may_submit(paths, &form.incident)
}

fn save_final(paths: &Paths, form: &ReviewForm) -> Result<(), Failure> {
    save_draft(&drafts_dir(paths), form).map(drop).map_err(|e| {
        Failure::new(
            e.to_string(),
            "fix the data directory, then Ctrl-S again; nothing was recorded",
        )
    })
}

/// The incident must be restored (the window closed) first: a review of an open glass
/// would be a review of something still happening.
fn may_submit(paths: &Paths, id: &str) -> Result<(), Failure> {
    let Some(incident) = load_incident(&paths.audit_log(), id) else {
        return Err(Failure::new(
            format!("incident {id} is not in the audit log (or cannot be read)"),
            "check it with `breakglass audit verify`; the draft is saved",
        ));
    };
    if !matches!(
        incident.phase,
        Phase::Restored | Phase::Drift | Phase::Reviewed
    ) {
        return Err(Failure::new(
            format!(
                "incident {id} is `{}`: a review is submitted once the protections are restored",
                incident.phase
            ),
            "restore first (R), then Ctrl-S again; the draft is saved",
        ));
    }
    Ok(())
}

/// Saves the final form and records `review_submitted` for its incident, as `actor`,
/// straight into the audit log: for a session that cannot reach the incident's forge
/// (`review --form` needs no token). A flow records it instead when one is connected
/// ([`crate::flow::Flow::submit_review`]), so that its mirror and webhooks hear of it;
/// here the caller tells the webhooks, and the next command with the forge catches the
/// incident issue up. Returns the record appended.
pub fn submit(
    paths: &Paths,
    clock: Arc<dyn Clock>,
    actor: &str,
    form: &ReviewForm,
) -> Result<Record, Failure> {
    save_final(paths, form)?;
    let id = form.incident.as_str();
    let _lock =
        IncidentLock::acquire(&paths.state_dir, id, "breakglass review form").map_err(|e| {
            Failure::new(
                e.to_string(),
                "wait for the other breakglass, then Ctrl-S again",
            )
        })?;
    may_submit(paths, id)?;
    let form_json = serde_json::to_value(form).expect("a review form always serialises");
    let (kind, data) = IncidentEvent::ReviewSubmitted { form: form_json }.to_parts();
    AuditLog::open(paths.audit_log(), clock)
        .and_then(|mut log| {
            log.append(NewEntry {
                incident: Some(id.to_owned()),
                actor: actor.to_owned(),
                kind,
                data,
            })
        })
        .map_err(|e| {
            Failure::new(
                e.to_string(),
                "nothing was recorded; fix the audit log, then Ctrl-S again",
            )
        })
}

/// Records the submitted review through the incident's flow, so that its webhooks hear
/// of it and its mirror brings the incident issue up; a session that cannot reach the
/// incident's forge records it itself and tells the webhooks, and the issue catches up
/// with the next command that reaches the forge. The sign-off is checked next (`update`
/// asks for it on `ReviewSubmitted`).
pub(super) async fn submit_review(
    shared: &Arc<Shared>,
    form: ReviewForm,
) -> Result<Vec<Msg>, Failure> {
    {
        let (paths, form) = (shared.paths.clone(), form.clone());
        blocking(move || check_submission(&paths, &form)).await?;
    }
    match connection_for(shared, &form.incident).await {
        Ok(c) => {
            c.flow.submit_review(&form).await?;
        }
        Err(unreachable) => {
            tracing::info!(
                incident = form.incident.as_str(),
                why = unreachable.error.as_str(),
                "recording the review without the forge"
            );
            let actor = actor_for(shared, &form.incident);
            let (paths, clock, id) = (
                shared.paths.clone(),
                shared.clock.clone(),
                form.incident.clone(),
            );
            let (record, drill) = blocking(move || {
                let record = submit(&paths, clock, &actor, &form)?;
                let drill = load_incident(&paths.audit_log(), &id).is_some_and(|i| i.drill);
                Ok::<_, Failure>((record, drill))
            })
            .await?;
            // A drill's webhooks went with its sandbox; the team hears only real incidents.
            if !drill && let Some(notifier) = shared.real.notifier(&shared.paths, &shared.clock) {
                let id = record.incident.clone().unwrap_or_default();
                notifier.after_append(&id, &record);
            }
        }
    }
    Ok(vec![Msg::ReviewSubmitted])
}

/// Checks incident `incident`'s sign-off through its flow; `Err` is the line that says
/// why it was not checked and how to check it later (the form was recorded either way; a
/// session without the forge, as `review --form` needs no token, is not a failure).
pub(super) async fn check_sign_off(
    shared: &Arc<Shared>,
    incident: &str,
) -> Result<SignOffReport, String> {
    let checked = match connection_for(shared, incident).await {
        Ok(c) => c.flow.check_sign_off(incident).await.map_err(Failure::from),
        Err(failure) => Err(failure),
    };
    checked.map_err(|failure| {
        format!(
            "sign-off not checked ({}) — `breakglass review --incident {incident}` checks it",
            failure.error
        )
    })
}

/// As the home opens: the sign-off of each outstanding review whose pull request is open,
/// checked on the forge, so an approval given while breakglass was closed is recorded and
/// the incident leaves the outstanding list. Says which were signed off and which could
/// not be checked; a review still waiting is already on the home screen.
pub(super) async fn check_outstanding_sign_offs(shared: &Arc<Shared>) -> Result<Vec<Msg>, Failure> {
    let due: Vec<String> = {
        let path = shared.paths.audit_log();
        blocking(move || {
            outstanding_reviews(&LedgerView::read(&path).incidents)
                .into_iter()
                .filter(|review| review.pr_url.is_some())
                .map(|review| review.id)
                .collect()
        })
        .await
    };
    let mut said = Vec::new();
    for incident in due {
        match check_sign_off(shared, &incident).await {
            Ok(report @ SignOffReport::SignedOff { .. }) => {
                said.push(Msg::SignOffChecked(report.summary(&incident)));
            }
            Ok(_) => {}
            Err(line) => said.push(Msg::SignOffChecked(line)),
        }
    }
    Ok(said)
}

/// The read-only facts of `incident` from the audit log, its steps timed against the
/// runbook it was declared with (`configured`, or the embedded default of that name);
/// `None` when the log does not hold it (or cannot be read).
pub fn facts_for(
    paths: &Paths,
    configured: &Runbook,
    incident: &str,
    now: DateTime<Utc>,
) -> Option<ReviewFacts> {
    let incident = load_incident(&paths.audit_log(), incident)?;
    let runbook = runbook_for(&incident.runbook, configured);
    Some(ReviewFacts::of(&incident, &runbook, now))
}

/// The form of `incident` for export: the submitted one from the log, else the draft.
pub fn form_for_export(paths: &Paths, incident: &str) -> Result<ReviewForm, Failure> {
    let submitted = read_verified(&paths.audit_log())
        .ok()
        .and_then(|records| fold_all(&records).into_iter().find(|i| i.id == incident))
        .and_then(|i| i.review.form)
        .and_then(|form| serde_json::from_value::<ReviewForm>(form).ok());
    if let Some(form) = submitted {
        return Ok(form);
    }
    match load_draft(&drafts_dir(paths), incident) {
        Ok(Some(form)) => Ok(form),
        Ok(None) => Err(Failure {
            error: format!("incident {incident} has no review, submitted or draft"),
            advice: format!("fill it in with `breakglass review --form --incident {incident}`"),
        }),
        Err(e) => Err(Failure {
            error: e.to_string(),
            advice: "move the draft aside and fill the form again".into(),
        }),
    }
}
