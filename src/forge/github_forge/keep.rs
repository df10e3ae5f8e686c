//! Drift resolved by keeping someone else's change: sends the requests the pure
//! `keep_theirs` planned, rebuilds each bypassed ruleset from its current state minus our
//! actor, and verifies the read-back against the kept state. Decides nothing itself.

use super::GitHubForge;
use crate::forge::diff::diff;
use crate::forge::keep_theirs::{KeepTheirs, RulesetToRevert, without_our_bypass};
use crate::forge::port::{RestoreReport, RestoreStepResult};
use crate::forge::request::{ApiCall, HttpMethod, ruleset_update};
use crate::forge::restore::{RestoreDecision, RestoreStep};
use crate::forge::ruleset::Ruleset;
use crate::forge::snapshot::ProtectionSnapshot;

impl GitHubForge {
    pub(super) async fn keep_their_change(
        &self,
        snapshot: &ProtectionSnapshot,
        keep: &KeepTheirs,
    ) -> RestoreReport {
        let mut report = RestoreReport {
            decision: Some(RestoreDecision::Drift {
                differences: keep.drift.clone(),
            }),
            drift: keep.drift.clone(),
            steps: Vec::new(),
            verified: false,
            differences: Vec::new(),
            errors: Vec::new(),
        };
        let mut sent = 0;
        for step in &keep.classic_steps {
            self.space_mutation(sent).await;
            sent += 1;
            let outcome = self.run_restore_step(step, &snapshot.repo).await;
            report.steps.push(RestoreStepResult {
                call: step.call.clone(),
                purpose: step.purpose.clone(),
                outcome,
            });
        }
        for ruleset in &keep.rulesets {
            // Built from the ruleset as it is now, so their edits go back unchanged.
            let step = match self.ruleset_without_our_actor(snapshot, ruleset).await {
                Ok(Some(step)) => step,
                Ok(None) => continue,
                Err(error) => {
                    report.errors.push(error);
                    continue;
                }
            };
            self.space_mutation(sent).await;
            sent += 1;
            let outcome = self.run_restore_step(&step, &snapshot.repo).await;
            report.steps.push(RestoreStepResult {
                call: step.call,
                purpose: step.purpose,
                outcome,
            });
        }
        match self.read_current_state(snapshot).await {
            Ok(now) => {
                report.differences = diff(&keep.expected, &now);
                report.verified = report.differences.is_empty();
            }
            Err(error) => report.errors.push(format!(
                "reading protection back after restoring failed: {error}"
            )),
        }
        report
    }

    /// The PUT that removes our bypass actor from the ruleset as read now; `None` when the
    /// ruleset is gone or its bypass list is hidden (nothing of ours can be left there).
    async fn ruleset_without_our_actor(
        &self,
        snapshot: &ProtectionSnapshot,
        target: &RulesetToRevert,
    ) -> Result<Option<RestoreStep>, String> {
        let unreadable = |error: String| {
            format!(
                "reading ruleset {} before removing our bypass failed: {error}",
                target.id
            )
        };
        let raw = self
            .read_ruleset(&snapshot.repo, &target.source, target.id)
            .await
            .map_err(|e| unreadable(e.to_string()))?;
        let current = Ruleset::from_get(raw).map_err(|e| unreadable(e.to_string()))?;
        let Some(body) = without_our_bypass(&current, target.pusher_id) else {
            return Ok(None);
        };
        let (path, op) = ruleset_update(&snapshot.repo, &target.source, target.id);
        Ok(Some(RestoreStep {
            call: ApiCall::new(HttpMethod::Put, path, op).with_body(body),
            purpose: format!(
                "remove our bypass from ruleset '{}', keeping its other changes",
                crate::text::sanitize_line(current.name())
            ),
            ignore_not_found: false,
        }))
    }
}
