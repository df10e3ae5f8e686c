//! The lessons-learned form's side effects: drafts saved under the data directory (in
//! order, the latest edit last, however fast the keys come), the saved draft or a fresh
//! form, and the submission recorded as a `review_submitted` audit event.

use super::failure::Failure;
use super::snapshot::{fold_all, load_incident};
use crate::audit::{AuditLog, NewEntry, read_verified};
use crate::clock::Clock;
use crate::flow::IncidentLock;
use crate::incident::{IncidentEvent, Phase};
use crate::paths::Paths;
use crate::review::facts::runbook_for;
use crate::review::{ReviewFacts, ReviewForm, load_draft, save_draft};
use crate::runbook::Runbook;
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

/// Saves the final form and records `review_submitted` for its incident, as `actor`.
/// The incident must be restored (the window closed) first: a review of an open glass
/// would be a review of something still happening.
pub fn submit(
    paths: &Paths,
    clock: Arc<dyn Clock>,
    actor: &str,
    form: &ReviewForm,
) -> Result<(), Failure> {
    let failure = |error: String, advice: &str| Failure {
        error,
        advice: advice.to_owned(),
    };
    save_draft(&drafts_dir(paths), form).map_err(|e| {
        failure(
            e.to_string(),
            "fix the data directory, then Ctrl-S again; nothing was recorded",
        )
    })?;
    let id = form.incident.as_str();
    let _lock =
        IncidentLock::acquire(&paths.state_dir, id, "breakglass review form").map_err(|e| {
            failure(
                e.to_string(),
                "wait for the other breakglass, then Ctrl-S again",
            )
        })?;
    let Some(incident) = load_incident(&paths.audit_log(), id) else {
        return Err(failure(
            format!("incident {id} is not in the audit log (or cannot be read)"),
            "check it with `breakglass audit verify`; the draft is saved",
        ));
    };
    if !matches!(
        incident.phase,
        Phase::Restored | Phase::Drift | Phase::Reviewed
    ) {
        return Err(failure(
            format!(
                "incident {id} is `{}`: a review is submitted once the protections are restored",
                incident.phase
            ),
            "restore first (R), then Ctrl-S again; the draft is saved",
        ));
    }
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
        .map(drop)
        .map_err(|e| {
            failure(
                e.to_string(),
                "nothing was recorded; fix the audit log, then Ctrl-S again",
            )
        })
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
