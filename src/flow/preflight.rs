//! Preflight: who am I, may I administer, what protects the branch (the snapshot), where
//! the branch is (the pre-window SHA), what would be pushed, and the least change that lets
//! this person push — or the refusal. Reads only; records `preflighted`.

use super::context::Flow;
use super::error::FlowError;
use super::local::{CloneTarget, blocking, dir_or_cwd};
use crate::forge::diff::Difference;
use crate::forge::plan::{PlanInput, Pusher, RelaxPlan, plan};
use crate::forge::ruleset::RulesetSource;
use crate::forge::snapshot::ProtectionSnapshot;
use crate::forge::{Permission, RepoId};
use crate::git::Credentials;
use crate::incident::{Incident, IncidentEvent, Phase};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// What preflight found and proposes.
#[derive(Debug, Clone, Serialize)]
pub struct PreflightReport {
    pub incident: String,
    pub login: String,
    pub permission: Permission,
    /// The branch head before the window.
    pub pre_sha: String,
    pub snapshot: ProtectionSnapshot,
    /// The local commits a push would add, oldest first (empty without a clone).
    pub commits: Vec<String>,
    /// The least change, when one is possible.
    pub plan: RelaxPlan,
    /// The plan in the operator's words.
    pub plan_words: String,
    /// The plan as a before → after diff of the protection.
    pub plan_diff: Vec<Difference>,
}

impl Flow {
    /// Reads everything the window depends on and records it. A refusal (not an admin, a
    /// protection breakglass cannot relax) is an error that changes nothing on the forge.
    pub async fn preflight(
        &self,
        id: &str,
        repo_dir: Option<&Path>,
        remote: Option<&str>,
    ) -> Result<PreflightReport, FlowError> {
        let _lock = self.lock(id)?;
        self.preflight_locked(id, repo_dir, remote).await
    }

    pub(super) async fn preflight_locked(
        &self,
        id: &str,
        repo_dir: Option<&Path>,
        remote: Option<&str>,
    ) -> Result<PreflightReport, FlowError> {
        let incident = self.recorder.load(id)?;
        if !matches!(incident.phase, Phase::Declared | Phase::Preflighted) {
            return Err(FlowError::WrongPhase {
                id: incident.id,
                phase: incident.phase,
                action: "run preflight",
                hint: "preflight comes before the glass is opened",
            });
        }
        let repo = repo_of(&incident)?;
        // The forge's reads and the clone's fetch are independent: one round trip's wait.
        let (reads, commits) =
            tokio::join!(self.forge.preflight_reads(&repo, &incident.branch), async {
                match repo_dir {
                    Some(dir) => self.local_commits(&incident, &repo, dir, remote).await,
                    None => Ok(Vec::new()),
                }
            });
        let identity = reads
            .identity
            .map_err(FlowError::forge("reading the token's identity"))?;
        let access = reads
            .access
            .map_err(FlowError::forge("reading the repository permission"))?;
        if access.permission != Permission::Admin {
            return Err(FlowError::NotAdmin {
                login: crate::text::sanitize_line(&identity.login),
                permission: access.permission.to_string(),
                repo: repo.to_string(),
            });
        }
        let pre_sha = reads
            .head
            .map_err(FlowError::forge("reading the branch head"))?;
        let snapshot = reads
            .snapshot
            .map_err(FlowError::forge("snapshotting the branch protection"))?;
        let commits = commits?;
        let pusher = Pusher {
            login: identity.login.clone(),
            id: identity.id,
            permission: access.permission,
            is_org_admin: access.is_org_admin.unwrap_or(false),
        };
        let relax = plan(&PlanInput {
            snapshot: &snapshot,
            pusher,
            administrable_rulesets: administrable(&snapshot, access.is_org_admin.unwrap_or(false)),
            pushed_has_merges: false,
            settings_lost_by_put: Vec::new(),
        })?;
        self.recorder.record(
            id,
            &IncidentEvent::Preflighted {
                login: identity.login.clone(),
                permission: access.permission.to_string(),
                pre_sha: pre_sha.clone(),
                snapshot: to_value(&snapshot),
                commits: commits.clone(),
            },
        )?;
        self.plans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_owned(), relax.clone());
        Ok(PreflightReport {
            incident: id.to_owned(),
            login: crate::text::sanitize_line(&identity.login),
            permission: access.permission,
            pre_sha,
            plan_words: relax.describe(),
            plan_diff: relax.diff(&snapshot),
            snapshot,
            commits,
            plan: relax,
        })
    }

    async fn local_commits(
        &self,
        incident: &Incident,
        repo: &RepoId,
        dir: &Path,
        remote: Option<&str>,
    ) -> Result<Vec<String>, FlowError> {
        let target = CloneTarget {
            dir: dir_or_cwd(Some(dir)),
            remote: remote.unwrap_or(&self.config.remote).to_owned(),
            branch: incident.branch.clone(),
            repo: repo.clone(),
            incident: incident.id.clone(),
        };
        let credentials = self.git_credentials();
        let state = blocking(move || target.inspect(&credentials)).await?;
        Ok(state.commits.iter().map(|c| c.sha.to_string()).collect())
    }

    /// The operator's token for git, offered only to remotes on this flow's forge, or none
    /// (ssh agent).
    pub(super) fn git_credentials(&self) -> Credentials {
        let host = crate::forge::token::TokenHost::of_api_url(&self.options.api_url);
        match (self.token.clone(), host) {
            (Some(token), Some(host)) => Credentials::token_for_host(token, host),
            _ => Credentials::none(),
        }
    }
}

/// The rulesets this token may update: the repository's (it is an admin), and the
/// organization's when it administers the organization.
fn administrable(snapshot: &ProtectionSnapshot, org_admin: bool) -> BTreeSet<u64> {
    snapshot
        .rulesets
        .iter()
        .filter(|r| match &r.source {
            RulesetSource::Repository => true,
            RulesetSource::Organization(_) => org_admin,
            RulesetSource::Enterprise(_) => false,
        })
        .map(|r| r.ruleset.id())
        .collect()
}

pub(super) fn repo_of(incident: &Incident) -> Result<RepoId, FlowError> {
    incident
        .repo
        .parse()
        .map_err(|e: crate::forge::RepoIdError| FlowError::Unreadable {
            id: incident.id.clone(),
            what: "repository",
            problem: e.to_string(),
        })
}

pub(super) fn to_value<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("forge payloads always serialise")
}
