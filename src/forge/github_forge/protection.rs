//! Snapshot, apply, read-back and restore of branch protection (forge-api §8): the
//! effects around the pure planner and restore logic. Every request a plan or a restore
//! sends is an `ApiCall` the pure code built, executed through the client as is.

use super::GitHubForge;
use crate::forge::RepoId;
use crate::forge::github::{ForgeError, Request, Response, error_for};
use crate::forge::plan::{RelaxPlan, expected_after};
use crate::forge::port::{
    AppliedPlan, AppliedStep, ApplyError, RestoreReport, RestoreStepOutcome, RestoreStepResult,
};
use crate::forge::request::ApiCall;
use crate::forge::restore::{
    RestoreDecision, RestoreStep, classify_before_restore, full_restore, verify,
};
use crate::forge::ruleset::RulesetSource;
use crate::forge::snapshot::{ClassicState, ProtectionSnapshot, RulesetSnapshot};
use serde_json::Value;

/// Ruleset reads in flight at once: enough to read a typical branch's rulesets in one
/// round trip, few enough to stay clear of GitHub's secondary rate limits.
const CONCURRENT_RULESET_READS: usize = 4;

fn unreadable(error: impl std::fmt::Display) -> ForgeError {
    ForgeError::InvalidResponse {
        detail: error.to_string(),
    }
}

/// GitHub's 404 for a ruleset: gone, or hidden from this token.
fn is_not_found(error: &ForgeError) -> bool {
    matches!(
        error,
        ForgeError::NotFound { .. }
            | ForgeError::CannotAdminister { .. }
            | ForgeError::CannotAdministerOrg { .. }
    )
}

impl GitHubForge {
    pub(super) async fn take_snapshot(
        &self,
        repo: &RepoId,
        branch: &str,
    ) -> Result<ProtectionSnapshot, ForgeError> {
        let repo_body = self.client.get_repo(repo).await?;
        let owner_is_org = super::preflight::owner_is_org(&repo_body);
        let head = self.read_branch_head(repo, branch).await;
        let protection = self.read_protection(repo, branch).await;
        self.snapshot_of(repo, branch, owner_is_org, &head, protection)
    }

    /// The snapshot from its parts, read separately so that preflight asks each once.
    pub(super) fn snapshot_of(
        &self,
        repo: &RepoId,
        branch: &str,
        owner_is_org: bool,
        head: &Result<String, ForgeError>,
        protection: Result<(ClassicState, Vec<RulesetSnapshot>), ForgeError>,
    ) -> Result<ProtectionSnapshot, ForgeError> {
        let pre_sha = match head {
            Ok(sha) => Some(sha.clone()),
            Err(ForgeError::NotFound { .. }) => None,
            Err(other) => return Err(other.clone()),
        };
        let (classic, rulesets) = protection?;
        Ok(ProtectionSnapshot {
            repo: repo.clone(),
            branch: branch.to_owned(),
            owner_is_org,
            taken_at: self.options.clock.now(),
            classic,
            rulesets,
            pre_sha,
        })
    }

    /// The branch's classic protection and each active ruleset in full, the rulesets read
    /// a few at a time, in the forge's order.
    pub(super) async fn read_protection(
        &self,
        repo: &RepoId,
        branch: &str,
    ) -> Result<(ClassicState, Vec<RulesetSnapshot>), ForgeError> {
        use futures::{StreamExt as _, TryStreamExt as _};
        let (classic, active) = tokio::join!(
            self.read_classic(repo, branch),
            self.active_rulesets(repo, branch)
        );
        let rulesets = futures::stream::iter(active?)
            .map(|(source, id)| async move {
                let raw = self.read_ruleset(repo, &source, id).await?;
                RulesetSnapshot::from_get(raw).map_err(unreadable)
            })
            .buffered(CONCURRENT_RULESET_READS)
            .try_collect()
            .await?;
        Ok((classic?, rulesets))
    }

    async fn read_classic(&self, repo: &RepoId, branch: &str) -> Result<ClassicState, ForgeError> {
        let body = self.client.get_protection(repo, branch).await?;
        ClassicState::from_get(body).map_err(unreadable)
    }

    /// Each ruleset with an active rule on the branch, once, in the forge's order.
    async fn active_rulesets(
        &self,
        repo: &RepoId,
        branch: &str,
    ) -> Result<Vec<(RulesetSource, u64)>, ForgeError> {
        let mut found: Vec<(RulesetSource, u64)> = Vec::new();
        for rule in self.client.get_rules_for_branch(repo, branch).await? {
            let id = rule
                .get("ruleset_id")
                .and_then(Value::as_u64)
                .ok_or_else(|| unreadable("a branch rule names no ruleset_id"))?;
            let named = |key: &str| {
                rule.get(key)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_default()
            };
            let source = match named("ruleset_source_type").as_str() {
                "Organization" => RulesetSource::Organization(named("ruleset_source")),
                "Enterprise" => RulesetSource::Enterprise(named("ruleset_source")),
                _ => RulesetSource::Repository,
            };
            if !found.contains(&(source.clone(), id)) {
                found.push((source, id));
            }
        }
        Ok(found)
    }

    /// A ruleset in full. An organization's is read at the organization when the token
    /// may; otherwise through the repository, which shows it without its bypass list (the
    /// planner then refuses with the reason rather than the snapshot failing).
    pub(super) async fn read_ruleset(
        &self,
        repo: &RepoId,
        source: &RulesetSource,
        id: u64,
    ) -> Result<Value, ForgeError> {
        if let RulesetSource::Organization(org) = source {
            match self.client.get_org_ruleset(org, id).await {
                Ok(raw) => return Ok(raw),
                Err(
                    ForgeError::CannotAdministerOrg { .. }
                    | ForgeError::Forbidden { .. }
                    | ForgeError::MissingPermission { .. },
                ) => {}
                Err(other) => return Err(other),
            }
        }
        self.client.get_repo_ruleset(repo, id).await
    }

    pub(super) async fn read_current_state(
        &self,
        snapshot: &ProtectionSnapshot,
    ) -> Result<Value, ForgeError> {
        let mut now = snapshot.clone();
        now.classic = self.read_classic(&snapshot.repo, &snapshot.branch).await?;
        now.rulesets.clear();
        for entry in &snapshot.rulesets {
            let id = entry.ruleset.id();
            match self.read_ruleset(&snapshot.repo, &entry.source, id).await {
                Ok(raw) => now
                    .rulesets
                    .push(RulesetSnapshot::from_get(raw).map_err(unreadable)?),
                // Deleted during the window: the read-back shows it missing.
                Err(error) if is_not_found(&error) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(now.normalized())
    }

    pub(super) async fn apply_plan(&self, plan: &RelaxPlan) -> Result<AppliedPlan, ApplyError> {
        let mut applied = AppliedPlan::default();
        for (index, step) in plan.steps.iter().enumerate() {
            self.space_mutation(index).await;
            match self.send_call(&step.call, &plan.repo).await {
                Ok(response) => applied.steps.push(AppliedStep {
                    index,
                    call: step.call.clone(),
                    status: response.status,
                }),
                Err(error) => {
                    tracing::warn!(step = index, call = %step.call, "relaxation step failed");
                    return Err(ApplyError {
                        applied,
                        failed_index: index,
                        failed_call: step.call.clone(),
                        error,
                    });
                }
            }
        }
        Ok(applied)
    }

    /// Sends `call`; a final status ≥ 300 becomes the matching `ForgeError`.
    async fn send_call(&self, call: &ApiCall, repo: &RepoId) -> Result<Response, ForgeError> {
        self.client.execute(&Request::for_call(call, repo)).await
    }

    /// The restore decision for the state read now; nothing is changed.
    pub(super) async fn decide_restore(
        &self,
        snapshot: &ProtectionSnapshot,
        plan: Option<&RelaxPlan>,
    ) -> Result<RestoreDecision, ForgeError> {
        let theirs = self.read_current_state(snapshot).await?;
        Ok(decide(snapshot, plan, &theirs).0)
    }

    pub(super) async fn restore_snapshot(
        &self,
        snapshot: &ProtectionSnapshot,
        plan: Option<&RelaxPlan>,
    ) -> RestoreReport {
        let mut report = RestoreReport {
            decision: None,
            drift: Vec::new(),
            steps: Vec::new(),
            verified: false,
            differences: Vec::new(),
            errors: Vec::new(),
        };
        let steps = match self.read_current_state(snapshot).await {
            Ok(theirs) => {
                let (decision, steps) = decide(snapshot, plan, &theirs);
                if let RestoreDecision::Drift { differences } = &decision {
                    report.drift = differences.clone();
                }
                report.decision = Some(decision);
                steps
            }
            Err(error) => {
                // Without a reading, put everything back: every restore request is safe
                // to repeat on an already restored branch.
                report.errors.push(format!(
                    "reading protection before restoring failed: {error}"
                ));
                full_restore(snapshot)
            }
        };
        for (sent, step) in steps.into_iter().enumerate() {
            self.space_mutation(sent).await;
            let outcome = self.run_restore_step(&step, &snapshot.repo).await;
            report.steps.push(RestoreStepResult {
                call: step.call,
                purpose: step.purpose,
                outcome,
            });
        }
        match self.read_current_state(snapshot).await {
            Ok(now) => match verify(snapshot, &now) {
                Ok(()) => report.verified = true,
                Err(differences) => report.differences = differences,
            },
            Err(error) => report.errors.push(format!(
                "reading protection back after restoring failed: {error}"
            )),
        }
        report
    }

    pub(super) async fn run_restore_step(
        &self,
        step: &RestoreStep,
        repo: &RepoId,
    ) -> RestoreStepOutcome {
        let request = Request::for_call(&step.call, repo);
        let failed = |error: ForgeError| RestoreStepOutcome::Failed {
            error: error.to_string(),
        };
        match self.client.send(&request).await {
            Ok((response, _)) if response.status == 404 && step.ignore_not_found => {
                RestoreStepOutcome::AlreadyAsWanted
            }
            Ok((response, attempts)) if response.status >= 300 => failed(error_for(
                &response,
                &request.scope,
                &request.path,
                attempts,
            )),
            Ok((response, _)) => RestoreStepOutcome::Done {
                status: response.status,
            },
            Err(error) => failed(error),
        }
    }
}

/// The decision and its steps for the state read before restoring. Without the plan we
/// cannot tell our change from someone else's, so anything but the snapshot is put back
/// whole. Pass the plan only when it was applied completely: a partly applied plan reads
/// as drift (and is still restored whole).
fn decide(
    snapshot: &ProtectionSnapshot,
    plan: Option<&RelaxPlan>,
    theirs: &Value,
) -> (RestoreDecision, Vec<RestoreStep>) {
    match plan {
        Some(plan) => {
            let ours = expected_after(snapshot, plan);
            let decision = classify_before_restore(snapshot, &ours, theirs);
            let steps = decision.default_steps(snapshot, plan);
            (decision, steps)
        }
        None if *theirs == snapshot.normalized() => (RestoreDecision::AlreadyRestored, Vec::new()),
        None => (RestoreDecision::Restore, full_restore(snapshot)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::Permission;
    use crate::forge::plan::{PlanInput, Pusher, plan};
    use crate::forge::request::HttpMethod;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn snapshot() -> ProtectionSnapshot {
        ProtectionSnapshot {
            repo: RepoId::new("acme", "api"),
            branch: "main".into(),
            owner_is_org: true,
            taken_at: Utc.with_ymd_and_hms(2026, 11, 29, 1, 0, 0).unwrap(),
            classic: ClassicState::from_get(Some(json!({
                "enforce_admins": {"enabled": true},
                "required_signatures": {"enabled": false},
                "required_pull_request_reviews": {"required_approving_review_count": 1}
            })))
            .unwrap(),
            rulesets: Vec::new(),
            pre_sha: None,
        }
    }

    fn admin_plan(snapshot: &ProtectionSnapshot) -> RelaxPlan {
        plan(&PlanInput {
            snapshot,
            pusher: Pusher {
                login: "commander".into(),
                id: 1001,
                permission: Permission::Admin,
                is_org_admin: false,
            },
            administrable_rulesets: Default::default(),
            pushed_has_merges: false,
            settings_lost_by_put: Vec::new(),
        })
        .unwrap()
    }

    #[test]
    fn our_own_change_is_undone_by_the_plans_inverse() {
        let snap = snapshot();
        let plan = admin_plan(&snap);
        let ours = expected_after(&snap, &plan);
        let (decision, steps) = decide(&snap, Some(&plan), &ours);
        assert_eq!(decision, RestoreDecision::Restore);
        let calls: Vec<_> = steps
            .iter()
            .map(|s| (s.call.method, s.call.path.as_str()))
            .collect();
        assert_eq!(
            calls,
            [(
                HttpMethod::Post,
                "/repos/acme/api/branches/main/protection/enforce_admins"
            )]
        );
    }

    #[test]
    fn a_restored_branch_needs_nothing_with_or_without_the_plan() {
        let snap = snapshot();
        let plan = admin_plan(&snap);
        for given in [Some(&plan), None] {
            let (decision, steps) = decide(&snap, given, &snap.normalized());
            assert_eq!(decision, RestoreDecision::AlreadyRestored);
            assert!(steps.is_empty());
        }
    }

    #[test]
    fn someone_elses_change_is_drift_and_the_whole_snapshot_goes_back() {
        let snap = snapshot();
        let plan = admin_plan(&snap);
        let mut theirs = expected_after(&snap, &plan);
        theirs["classic"]["required_pull_request_reviews"]["required_approving_review_count"] =
            json!(2);
        let (decision, steps) = decide(&snap, Some(&plan), &theirs);
        let RestoreDecision::Drift { differences } = decision else {
            panic!("expected drift")
        };
        assert_eq!(differences.len(), 1);
        assert_eq!(differences[0].snapshot, Some(json!(1)));
        assert_eq!(differences[0].theirs, Some(json!(2)));
        assert_eq!(steps[0].call.operation_id, "repos/update-branch-protection");
    }

    #[test]
    fn without_the_plan_anything_but_the_snapshot_is_restored_whole() {
        let snap = snapshot();
        let theirs = json!({"classic": null, "rulesets": {}});
        let (decision, steps) = decide(&snap, None, &theirs);
        assert_eq!(decision, RestoreDecision::Restore);
        assert_eq!(steps, full_restore(&snap));
    }

    #[test]
    fn only_404s_count_as_a_ruleset_gone() {
        assert!(is_not_found(&ForgeError::CannotAdminister {
            repo: "acme/api".into(),
            message: "Not Found".into()
        }));
        assert!(!is_not_found(&ForgeError::Server {
            status: 502,
            message: String::new(),
            attempts: 4
        }));
    }
}
