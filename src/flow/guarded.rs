//! A glass closed by `breakglass guard` from another machine: when a restore here finds the
//! protection already equal to the snapshot, the incident issue is asked who closed it. A
//! guard's verified note on this window is recorded as `restored` by that guard (with the
//! drift it overwrote), so the log says who closed the glass and nothing is re-applied.
//! The issue is read only in that case; the forge's read-back, not the note, is the proof.

use super::context::Flow;
use super::error::FlowError;
use super::restore::{RestoreOutcome, RestoreRun, closed_outcome};
use crate::forge::port::RestoreReport;
use crate::forge::restore::RestoreDecision;
use crate::incident::{DriftChoice, Incident, IncidentEvent};
use crate::mirror::GuardNote;

impl Flow {
    /// The guard's note on the incident's current window, when this restore found nothing
    /// to do and verified it, and the issue holds one. A forge that cannot be read makes it
    /// `None`: the restore is then recorded as this process's own, as before.
    pub(super) async fn closed_by_guard(
        &self,
        incident: &Incident,
        report: &RestoreReport,
    ) -> Option<GuardNote> {
        if !report.verified || report.decision != Some(RestoreDecision::AlreadyRestored) {
            return None;
        }
        let bound_here = incident
            .api_url
            .as_deref()
            .is_some_and(|bound| super::binding::same_forge(bound, &self.options.api_url));
        if !bound_here {
            return None;
        }
        match self.guard_note_on_issue(incident).await {
            Ok(note) => note,
            Err(error) => {
                tracing::warn!(incident = %incident.id, %error, "cannot read the incident issue for a guard's restore");
                None
            }
        }
    }

    async fn guard_note_on_issue(
        &self,
        incident: &Incident,
    ) -> Result<Option<GuardNote>, crate::forge::github::ForgeError> {
        let Ok(repo) = crate::mirror::mirror_repo(&self.config, incident) else {
            return Ok(None);
        };
        let known = crate::mirror::read_progress(&self.paths.state_dir, &incident.id)
            .issue
            .filter(|issue| issue.repo == repo);
        let issue = match known {
            Some(issue) => issue,
            None => match crate::mirror::find(self.forge.as_ref(), &repo, &incident.id).await? {
                Some(issue) => issue,
                None => return Ok(None),
            },
        };
        let comments = self.forge.issue_comments(&repo, issue.number, None).await?;
        Ok(crate::mirror::restored_by_guard(
            &comments,
            &incident.id,
            incident.windows.len(),
        ))
    }

    /// Records the guard's restore: the intent (unless this run already said it), the
    /// drift the guard overwrote, then `restored` by the guard.
    pub(super) fn record_guard_restore(
        &self,
        id: &str,
        run: &mut RestoreRun,
        restoring: &mut bool,
        incident: &Incident,
        note: GuardNote,
        attempt: u32,
    ) -> Result<RestoreOutcome, FlowError> {
        self.record_intent_once(id, run, restoring)?;
        let drifted = note.drift.as_array().is_some_and(|d| !d.is_empty());
        if drifted && incident.drift.is_empty() {
            self.recorder.record(
                id,
                &IncidentEvent::DriftDetected {
                    diff: note.drift.clone(),
                },
            )?;
            self.recorder.record(
                id,
                &IncidentEvent::DriftDecided {
                    choice: DriftChoice::RestoreSnapshot,
                    kept: None,
                },
            )?;
        }
        let guard = crate::text::sanitize_line(&note.guard);
        self.recorder.record(
            id,
            &IncidentEvent::Restored {
                verified: true,
                by_guard: Some(guard.clone()),
            },
        )?;
        tracing::info!(incident = id, %guard, "the glass was closed by a guard; recorded");
        let mut outcome = closed_outcome(&self.recorder.load(id)?, false);
        outcome.attempts = attempt;
        Ok(outcome)
    }
}
