//! Closing one expired lease: check the guard may restore and the snapshot is the
//! commander's, tell drift from our relaxation, record the intent, restore the snapshot
//! whole through `Forge::restore` (the flow's restore code), prove it by reading back, then
//! record the result in the guard's log and on the issue (a marked note, `breakglass:open`
//! removed). Every failure becomes an action that says what to do next.

use super::judge::{ExpiredLease, LeaseReading, expired_lease, read_lease};
use super::{ActionKind, Guard, GuardAction, OpenIssue};
use crate::audit::NewEntry;
use crate::forge::Permission;
use crate::forge::diff::ThreeWayDifference;
use crate::forge::restore::RestoreDecision;
use crate::incident::{FAILURE_RECORD_INTERVAL, RestoreTrigger};
use crate::mirror::{GUARD_NOTE_FORMAT, GuardFinding, GuardNote, MirroredLease};
use serde_json::{Value, json};

impl Guard {
    /// What to do about one open incident issue, done.
    pub(super) async fn consider(&mut self, issue: &OpenIssue) -> GuardAction {
        let now = self.clock.now();
        let mut action = GuardAction {
            action: ActionKind::Unreadable,
            at: now,
            issue: issue.html_url.clone(),
            incident: None,
            repo: None,
            branch: None,
            deadline: None,
            verified: false,
            drift: Vec::new(),
            writes: 0,
            message: String::new(),
        };
        let lease = match read_lease(issue, now, self.grace) {
            Err(why) => return ended(action, ActionKind::Unreadable, why),
            Ok(LeaseReading::NotDue { lease, due_at }) => {
                describe(&mut action, &lease);
                let message = format!(
                    "lease open until {}; left alone until {} (deadline + grace)",
                    lease.deadline.format("%H:%M:%S UTC"),
                    due_at.format("%H:%M:%S UTC")
                );
                return ended(action, ActionKind::LeftAlone, message);
            }
            Ok(LeaseReading::Due(lease)) => lease,
        };
        describe(&mut action, &lease);
        let comments = match self
            .forge
            .issue_comments(&issue.repo, issue.number, None)
            .await
        {
            Ok(comments) => comments,
            Err(e) => {
                let why = format!("cannot read the issue's comments (where the snapshot is): {e}");
                return ended(action, ActionKind::Failed, why);
            }
        };
        let expired = match expired_lease(issue, &comments, lease) {
            Ok(expired) => expired,
            Err(why) => return ended(action, ActionKind::Unreadable, why),
        };
        if let Err((kind, why)) = self.may_restore(issue, &expired).await {
            return ended(action, kind, why);
        }
        self.close(issue, expired, action).await
    }

    /// The guard administers the protected repository, and the issue's author (who posted
    /// the snapshot) does too: nobody gets protection changed by posting a snapshot.
    async fn may_restore(
        &self,
        issue: &OpenIssue,
        expired: &ExpiredLease,
    ) -> Result<(), (ActionKind, String)> {
        let repo = &expired.protected;
        let needs = "restoring branch protection needs admin on it (a fine-grained token \
                     with Administration: write, or a classic token with `repo`)";
        let access = self.forge.repo_access(repo).await.map_err(|e| {
            (
                ActionKind::Failed,
                format!(
                    "CANNOT RESTORE: the guard's token ({}) cannot read {repo}: {e} — {needs}; \
                     the glass may still be open",
                    self.login
                ),
            )
        })?;
        if access.permission < Permission::Admin {
            return Err((
                ActionKind::Failed,
                format!(
                    "CANNOT RESTORE: the guard's token ({}) has only {} access to {repo}; \
                     {needs} — run the guard with an admin token; the glass may still be open",
                    self.login,
                    access.permission.as_str()
                ),
            ));
        }
        let author = self
            .forge
            .permission_of(repo, &issue.author)
            .await
            .map_err(|e| {
                (
                    ActionKind::Failed,
                    format!("cannot check {}'s access to {repo}: {e}", issue.author),
                )
            })?;
        if author < Permission::Admin {
            return Err((
                ActionKind::Unreadable,
                format!(
                    "the issue's author {} has {} access to {repo}, not admin, so the snapshot \
                     they posted is not trusted — check the protection by hand",
                    issue.author,
                    author.as_str()
                ),
            ));
        }
        Ok(())
    }

    async fn close(
        &mut self,
        issue: &OpenIssue,
        expired: ExpiredLease,
        mut action: GuardAction,
    ) -> GuardAction {
        let ExpiredLease {
            lease,
            snapshot,
            plan,
            ..
        } = expired;
        // Reads only: the plan tells our relaxation from someone else's change. The
        // restore below never sends a request taken from the issue's plan.
        let drift = match self.forge.restore_decision(&snapshot, plan.as_ref()).await {
            Ok(RestoreDecision::AlreadyRestored) => {
                return self
                    .finish(
                        issue,
                        &lease,
                        action,
                        GuardFinding::AlreadyClosed,
                        Vec::new(),
                        0,
                    )
                    .await;
            }
            Ok(RestoreDecision::Drift { differences }) => differences,
            Ok(RestoreDecision::Restore) => Vec::new(),
            Err(error) => {
                tracing::warn!(%error, "reading protection before restoring failed; restoring whole");
                Vec::new()
            }
        };
        if let Err(error) = self.record(&lease, issue, "restore_intended", json!({})) {
            let why = format!(
                "cannot write the guard's own audit log ({error}); nothing was changed — fix \
                 the log (`breakglass audit verify`) and run the guard again"
            );
            return ended(action, ActionKind::Failed, why);
        }
        let report = self.forge.restore(&snapshot, None).await;
        action.writes = report.steps.len();
        if report.verified {
            let finding = if report.decision == Some(RestoreDecision::AlreadyRestored) {
                GuardFinding::AlreadyClosed
            } else {
                GuardFinding::Restored
            };
            let writes = report.steps.len();
            return self
                .finish(issue, &lease, action, finding, drift, writes)
                .await;
        }
        let error = crate::flow::restore_failure_text(&report);
        let key = (lease.incident.clone(), lease.window);
        let now = self.clock.now();
        let due = self
            .failures_recorded
            .get(&key)
            .is_none_or(|last| now - *last >= FAILURE_RECORD_INTERVAL);
        if due {
            match self.record(&lease, issue, "restore_failed", json!({"error": error})) {
                Ok(()) => {
                    self.failures_recorded.insert(key, now);
                }
                Err(e) => tracing::warn!(error = %e, "cannot record the failed restore"),
            }
        }
        action.drift = drift;
        ended(
            action,
            ActionKind::Failed,
            format!(
                "RESTORE FAILED: {error} — the glass may still be open; fix the cause and run \
                 the guard again, or restore the protection by hand"
            ),
        )
    }

    /// Records a verified close in the guard's log, then on the issue: the note and the
    /// label. The issue failing to take it does not undo the close; it is said.
    async fn finish(
        &mut self,
        issue: &OpenIssue,
        lease: &MirroredLease,
        mut action: GuardAction,
        finding: GuardFinding,
        drift: Vec<ThreeWayDifference>,
        writes: usize,
    ) -> GuardAction {
        let already_closed = finding == GuardFinding::AlreadyClosed;
        let drift_json = serde_json::to_value(&drift).unwrap_or(Value::Array(Vec::new()));
        let recorded = self.record(
            lease,
            issue,
            "restored",
            json!({"verified": true, "already_closed": already_closed, "drift": drift_json.clone(),
                   "writes": writes}),
        );
        let note = GuardNote {
            format: GUARD_NOTE_FORMAT.to_owned(),
            incident: lease.incident.clone(),
            repo: lease.repo.clone(),
            branch: lease.branch.clone(),
            window: lease.window,
            guard: self.login.clone(),
            finding,
            verified: true,
            deadline: lease.deadline,
            at: self.clock.now(),
            drift: drift_json,
            writes,
        };
        let marker = crate::mirror::guard_marker(&lease.incident, lease.window, &self.login);
        let body = crate::mirror::guard_comment(&note);
        let mut problems: Vec<String> = Vec::new();
        if let Err(e) = &recorded {
            problems.push(format!(
                "the guard's own audit log could not record it: {e}"
            ));
        }
        if let Err(e) = self
            .forge
            .comment(&issue.repo, issue.number, &body, &marker)
            .await
        {
            problems.push(format!("the note on the issue could not be posted: {e}"));
        }
        let label = crate::mirror::LABEL_OPEN;
        if let Err(e) = self
            .forge
            .remove_label(&issue.repo, issue.number, label)
            .await
        {
            problems.push(format!(
                "`{label}` could not be removed from the issue: {e}"
            ));
        }
        action.verified = true;
        action.writes = writes;
        let mut message = match (finding, drift.is_empty()) {
            (GuardFinding::AlreadyClosed, _) => {
                "found the glass already closed (protection equals the snapshot); nothing sent"
                    .to_owned()
            }
            (GuardFinding::Restored, true) => {
                "restored the snapshot, verified by read-back".to_owned()
            }
            (GuardFinding::Restored, false) => format!(
                "restored the snapshot, verified by read-back; DRIFT: someone else changed {} \
                 setting(s) during the window, overwritten — review it",
                drift.len()
            ),
        };
        if !problems.is_empty() {
            message.push_str(&format!("; but {}", problems.join("; ")));
        }
        action.drift = drift;
        let kind = if already_closed {
            ActionKind::AlreadyClosed
        } else {
            ActionKind::Restored
        };
        ended(action, kind, message)
    }

    /// Appends a log-level record (no incident: the incident lives in the commander's log)
    /// naming the lease, the issue and the trigger, as the guard's login.
    fn record(
        &mut self,
        lease: &MirroredLease,
        issue: &OpenIssue,
        kind: &str,
        extra: Value,
    ) -> Result<(), crate::audit::AuditError> {
        let mut data = json!({
            "incident": lease.incident,
            "trigger": RestoreTrigger::Guard,
            "repo": lease.repo,
            "branch": lease.branch,
            "window": lease.window,
            "deadline": lease.deadline,
            "issue": issue.html_url,
        });
        if let (Some(data), Value::Object(extra)) = (data.as_object_mut(), extra) {
            data.extend(extra);
        }
        self.log.append(NewEntry {
            incident: None,
            actor: self.login.clone(),
            kind: kind.to_owned(),
            data,
        })?;
        Ok(())
    }
}

fn describe(action: &mut GuardAction, lease: &MirroredLease) {
    action.incident = Some(lease.incident.clone());
    action.repo = Some(lease.repo.clone());
    action.branch = Some(lease.branch.clone());
    action.deadline = Some(lease.deadline);
}

fn ended(mut action: GuardAction, kind: ActionKind, message: String) -> GuardAction {
    action.action = kind;
    action.message = message;
    action
}
