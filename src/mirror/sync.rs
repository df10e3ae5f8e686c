//! One catch-up of one incident's issue: open or find it, read back what it holds (only
//! the comments newer than the last sync's, when it is known), post what it lacks (the
//! snapshot once, then the events not yet there, and the submitted review as the incident
//! finishes), and set its body, state and labels to what the log says now. Every step is
//! idempotent, so a sync cut off anywhere is finished by the next one without posting
//! anything twice.

use super::comments::{
    CommentsSeen, EVENTS_PER_COMMENT, MirroredSnapshot, SNAPSHOT_FORMAT, events_comment,
    events_marker, review_comment, review_marker, snapshot_comment, snapshot_marker,
};
use super::issue::{IncidentIssue, LABEL_DRILL, LABEL_OPEN, labels_for, open_or_find};
use super::status::status_body;
use crate::audit::Record;
use crate::forge::RepoId;
use crate::forge::github::ForgeError;
use crate::forge::port::{Forge, IssueState, IssueUpdate};
use crate::incident::{Incident, Phase};
use crate::review::{ReviewFacts, ReviewForm, facts::runbook_for};
use crate::runbook::Runbook;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub issue: IncidentIssue,
    /// The highest seq the issue holds after this sync.
    pub mirrored_up_to: u64,
    /// Events posted by this sync.
    pub posted: usize,
    pub snapshot_posted: bool,
    /// This sync posted the submitted review.
    pub review_posted: bool,
    pub state: IssueState,
    /// What the issue's comments hold now, for the next sync's `since`.
    pub seen: CommentsSeen,
}

/// The issue an earlier sync found and what it saw of its comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownIssue {
    pub issue: IncidentIssue,
    pub seen: CommentsSeen,
}

/// Closed once the incident is finished, open otherwise, so a new window on the same
/// incident reopens it. Finished means signed off when commits were pushed (their
/// retroactive review must be approved by a third person), else the glass restored and
/// the review submitted (or the incident closed).
pub fn wanted_state(incident: &Incident) -> IssueState {
    let finished = if incident.pushes.is_empty() {
        incident.phase == Phase::Closed
            || (incident.restore.restored_at.is_some() && incident.review.submitted_at.is_some())
    } else {
        incident.review.signed_off.is_some()
    };
    if finished && !incident.glass_possibly_open() {
        IssueState::Closed
    } else {
        IssueState::Open
    }
}

/// Brings the incident's issue in `repo` up to `records` (this incident's, in seq order).
/// `known` is the issue when an earlier sync found it, with what it saw; `runbook` times
/// the review's steps.
pub async fn sync_incident(
    forge: &dyn Forge,
    repo: &RepoId,
    incident: &Incident,
    records: &[Record],
    known: Option<KnownIssue>,
    runbook: &Runbook,
    now: DateTime<Utc>,
) -> Result<SyncReport, ForgeError> {
    let (issue, mut seen) = match known {
        Some(known) => (known.issue, known.seen),
        None => (
            open_or_find(forge, repo, incident, now).await?,
            CommentsSeen::default(),
        ),
    };
    let review_seq = records
        .iter()
        .rev()
        .find(|r| r.kind == "review_submitted")
        .map(|r| r.seq);
    let comments = forge
        .issue_comments(repo, issue.number, seen.since())
        .await?;
    seen.learn(&comments, &incident.id, review_seq);
    let snapshot_posted = !seen.snapshot && post_snapshot(forge, &issue, incident, records).await?;
    seen.snapshot |= snapshot_posted;
    let pending: Vec<&Record> = records
        .iter()
        .filter(|r| r.seq > seen.events_up_to)
        .collect();
    for batch in pending.chunks(EVENTS_PER_COMMENT) {
        let batch: Vec<Record> = batch.iter().map(|r| (*r).clone()).collect();
        let marker = events_marker(&incident.id, batch[0].seq);
        forge
            .comment(repo, issue.number, &events_comment(&batch), &marker)
            .await?;
        seen.events_up_to = batch.last().map_or(seen.events_up_to, |r| r.seq);
    }
    let state = wanted_state(incident);
    // The review is the last word on the issue: posted as it closes, after every event.
    let review_posted = match review_seq {
        Some(seq) if state == IssueState::Closed && seen.review != Some(seq) => {
            post_review(forge, &issue, incident, seq, runbook, now).await?
        }
        _ => false,
    };
    if review_posted {
        seen.review = review_seq;
    }
    let view = forge
        .update_issue(
            repo,
            issue.number,
            &IssueUpdate {
                body: Some(super::issue::issue_marker(&incident.id).embed(
                    &super::lease::with_lease_line(status_body(incident, now), incident),
                )),
                state: Some(state),
                ..IssueUpdate::default()
            },
        )
        .await?;
    relabel(forge, &issue, &view.labels, &labels_for(incident)).await?;
    Ok(SyncReport {
        issue,
        mirrored_up_to: seen.events_up_to,
        posted: pending.len(),
        snapshot_posted,
        review_posted,
        state,
        seen,
    })
}

/// Sets breakglass's own labels to `wanted` one label at a time (GitHub's add-labels and
/// remove-a-label), so that labels someone else adds meanwhile are never overwritten, as
/// replacing the whole list would.
async fn relabel(
    forge: &dyn Forge,
    issue: &IncidentIssue,
    current: &[String],
    wanted: &[String],
) -> Result<(), ForgeError> {
    let (add, remove) = label_changes(current, wanted);
    if !add.is_empty() {
        forge.add_labels(&issue.repo, issue.number, &add).await?;
    }
    for label in remove {
        forge
            .remove_label(&issue.repo, issue.number, &label)
            .await?;
    }
    Ok(())
}

/// The labels to add (wanted, missing) and to remove (breakglass's own, no longer
/// wanted); everyone else's are left alone. Label names match whatever their case, as on
/// GitHub.
fn label_changes(current: &[String], wanted: &[String]) -> (Vec<String>, Vec<String>) {
    let has = |list: &[String], label: &str| list.iter().any(|l| l.eq_ignore_ascii_case(label));
    let ours = [super::issue::LABEL, LABEL_OPEN, LABEL_DRILL];
    let add = wanted
        .iter()
        .filter(|l| !has(current, l))
        .cloned()
        .collect();
    let remove = current
        .iter()
        .filter(|l| ours.iter().any(|o| o.eq_ignore_ascii_case(l)) && !has(wanted, l))
        .cloned()
        .collect();
    (add, remove)
}

/// Posts the review submitted by the `review_submitted` event `seq`, with the incident's
/// facts; false when the log's form cannot be read as one (nothing to post).
async fn post_review(
    forge: &dyn Forge,
    issue: &IncidentIssue,
    incident: &Incident,
    seq: u64,
    runbook: &Runbook,
    now: DateTime<Utc>,
) -> Result<bool, ForgeError> {
    let Some(form) = incident
        .review
        .form
        .clone()
        .and_then(|form| serde_json::from_value::<ReviewForm>(form).ok())
    else {
        return Ok(false);
    };
    let facts = ReviewFacts::of(incident, &runbook_for(&incident.runbook, runbook), now);
    forge
        .comment(
            &issue.repo,
            issue.number,
            &review_comment(&form, &facts),
            &review_marker(&incident.id, seq),
        )
        .await?;
    Ok(true)
}

/// Posts the preflight snapshot once; true when this call posted it.
async fn post_snapshot(
    forge: &dyn Forge,
    issue: &IncidentIssue,
    incident: &Incident,
    records: &[Record],
) -> Result<bool, ForgeError> {
    let Some(preflight) = &incident.preflight else {
        return Ok(false);
    };
    let Some(record) = records.iter().find(|r| r.kind == "preflighted") else {
        return Ok(false);
    };
    let snapshot = MirroredSnapshot {
        format: SNAPSHOT_FORMAT.to_owned(),
        incident: incident.id.clone(),
        repo: incident.repo.clone(),
        branch: incident.branch.clone(),
        pre_sha: preflight.pre_sha.clone(),
        seq: record.seq,
        head: record.hash.clone(),
        taken_at: preflight.at.to_rfc3339_opts(SecondsFormat::Micros, true),
        snapshot: preflight.snapshot.clone(),
    };
    forge
        .comment(
            &issue.repo,
            issue.number,
            &snapshot_comment(&snapshot),
            &snapshot_marker(&incident.id),
        )
        .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::fixtures::history_to;
    use crate::incident::fold;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn only_breakglass_labels_change_and_one_at_a_time() {
        let current = names(&["sev1", "breakglass", "breakglass:open"]);
        assert_eq!(
            label_changes(&current, &names(&["breakglass"])),
            (vec![], names(&["breakglass:open"]))
        );
        assert_eq!(
            label_changes(&current, &names(&["breakglass", "breakglass:open"])),
            (vec![], vec![])
        );
        assert_eq!(
            label_changes(
                &names(&["sev1", "BreakGlass"]),
                &names(&["breakglass", "breakglass:drill"])
            ),
            (names(&["breakglass:drill"]), vec![]),
            "a label is the same whatever its case"
        );
    }

    #[test]
    fn an_incident_that_pushed_closes_its_issue_only_at_sign_off() {
        let signed = history_to(Phase::Closed);
        let submitted = fold(&signed[..signed.len() - 1]).unwrap();
        assert_eq!(submitted.phase, Phase::Reviewed);
        assert!(!submitted.pushes.is_empty() && submitted.review.submitted_at.is_some());
        assert_eq!(
            wanted_state(&submitted),
            IssueState::Open,
            "not signed off yet"
        );
        assert_eq!(wanted_state(&fold(&signed).unwrap()), IssueState::Closed);

        // Nothing pushed, nothing to sign off: restored and reviewed is finished.
        let mut quiet = submitted.clone();
        quiet.pushes.clear();
        assert_eq!(wanted_state(&quiet), IssueState::Closed);
        // A glass open again on the same incident keeps (or makes) the issue open.
        quiet.phase = Phase::Active;
        assert!(quiet.glass_possibly_open());
        assert_eq!(wanted_state(&quiet), IssueState::Open);
    }
}
