//! One catch-up of one incident's issue: open or find it, read back what it already holds,
//! post what it lacks (the snapshot once, then the events not yet there), and set its
//! body, state and labels to what the log says now. Every step is idempotent, so a sync
//! cut off anywhere is finished by the next one without posting anything twice.

use super::comments::{
    EVENTS_PER_COMMENT, MirroredSnapshot, SNAPSHOT_FORMAT, events_comment, events_marker,
    find_snapshot_comment, mirrored_events, snapshot_comment, snapshot_marker,
};
use super::issue::{IncidentIssue, LABEL_DRILL, LABEL_OPEN, labels_for, open_or_find};
use super::status::status_body;
use crate::audit::Record;
use crate::forge::RepoId;
use crate::forge::github::ForgeError;
use crate::forge::port::{Forge, IssueComment, IssueState, IssueUpdate};
use crate::incident::{Incident, Phase};
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
    pub state: IssueState,
}

/// Closed once the glass is restored and the review submitted (or the incident closed),
/// open otherwise: a new window on the same incident reopens it.
pub fn wanted_state(incident: &Incident) -> IssueState {
    let finished = incident.phase == Phase::Closed
        || (incident.restore.restored_at.is_some() && incident.review.submitted_at.is_some());
    if finished && !incident.glass_possibly_open() {
        IssueState::Closed
    } else {
        IssueState::Open
    }
}

/// Brings the incident's issue in `repo` up to `records` (this incident's, in seq order).
/// `known` is the issue when the caller already found it.
pub async fn sync_incident(
    forge: &dyn Forge,
    repo: &RepoId,
    incident: &Incident,
    records: &[Record],
    known: Option<IncidentIssue>,
    now: DateTime<Utc>,
) -> Result<SyncReport, ForgeError> {
    let issue = match known {
        Some(issue) => issue,
        None => open_or_find(forge, repo, incident, now).await?,
    };
    let comments = forge.issue_comments(repo, issue.number, None).await?;
    let snapshot_posted = post_snapshot(forge, &issue, incident, records, &comments).await?;
    let mut mirrored_up_to = mirrored_events(&comments, &incident.id)
        .last()
        .map_or(0, |e| e.seq);
    let pending: Vec<&Record> = records.iter().filter(|r| r.seq > mirrored_up_to).collect();
    for batch in pending.chunks(EVENTS_PER_COMMENT) {
        let batch: Vec<Record> = batch.iter().map(|r| (*r).clone()).collect();
        let marker = events_marker(&incident.id, batch[0].seq);
        forge
            .comment(repo, issue.number, &events_comment(&batch), &marker)
            .await?;
        mirrored_up_to = batch.last().map_or(mirrored_up_to, |r| r.seq);
    }
    let state = wanted_state(incident);
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
    if let Some(labels) = relabelled(&view.labels, &labels_for(incident)) {
        forge
            .update_issue(
                repo,
                issue.number,
                &IssueUpdate {
                    labels: Some(labels),
                    ..IssueUpdate::default()
                },
            )
            .await?;
    }
    Ok(SyncReport {
        issue,
        mirrored_up_to,
        posted: pending.len(),
        snapshot_posted,
        state,
    })
}

/// The issue's labels with breakglass's own set to `wanted` and everyone else's kept;
/// `None` when nothing changes.
fn relabelled(current: &[String], wanted: &[String]) -> Option<Vec<String>> {
    let ours = [super::issue::LABEL, LABEL_OPEN, LABEL_DRILL];
    let mut labels: Vec<String> = current
        .iter()
        .filter(|l| !ours.contains(&l.as_str()) || wanted.contains(l))
        .cloned()
        .collect();
    for label in wanted {
        if !labels.contains(label) {
            labels.push(label.clone());
        }
    }
    let same = labels.len() == current.len() && labels.iter().all(|l| current.contains(l));
    (!same).then_some(labels)
}

/// Posts the preflight snapshot once; true when this call posted it.
async fn post_snapshot(
    forge: &dyn Forge,
    issue: &IncidentIssue,
    incident: &Incident,
    records: &[Record],
    comments: &[IssueComment],
) -> Result<bool, ForgeError> {
    let Some(preflight) = &incident.preflight else {
        return Ok(false);
    };
    if find_snapshot_comment(comments, &incident.id).is_some() {
        return Ok(false);
    }
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

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn only_breakglass_labels_change() {
        let current = names(&["sev1", "breakglass", "breakglass:open"]);
        assert_eq!(
            relabelled(&current, &names(&["breakglass"])),
            Some(names(&["sev1", "breakglass"]))
        );
        assert_eq!(
            relabelled(&current, &names(&["breakglass", "breakglass:open"])),
            None
        );
        assert_eq!(
            relabelled(
                &names(&["sev1"]),
                &names(&["breakglass", "breakglass:open"])
            ),
            Some(names(&["sev1", "breakglass", "breakglass:open"]))
        );
    }
}
