//! The `Forge` trait: everything the break-glass flow asks of a forge (who am I, may I
//! administer, snapshot, apply, restore and verify, and the retro-review's refs, pull
//! requests, issues and statuses), with the results it gets back as data.
//!
//! Only the vocabulary lives here; `GitHubForge` implements it for github.com, GitHub
//! Enterprise and the sandbox. Nothing here sends a request or decides a plan.

use super::diff::{Difference, ThreeWayDifference};
use super::github::{CreateRefOutcome, ForgeError, Marker};
use super::keep_theirs::KeepTheirs;
use super::plan::RelaxPlan;
use super::request::ApiCall;
use super::restore::RestoreDecision;
use super::snapshot::ProtectionSnapshot;
use super::{Identity, Permission, RepoId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the token may do on a repository (forge-api §8 preflight 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoAccess {
    /// The token owner's permission on the repository.
    pub permission: Permission,
    pub owner_is_org: bool,
    pub default_branch: String,
    /// Whether the token may administer the owning organization's rulesets: `None` for
    /// user-owned repositories, or when the forge would not say.
    pub is_org_admin: Option<bool>,
}

/// Everything preflight reads, each asked once (forge-api §8 steps 1–4 and the snapshot).
/// Each read keeps its own result, so the caller reports the failure that matters first
/// (a token that is not an admin cannot read the protection either).
#[derive(Debug)]
pub struct PreflightReads {
    pub identity: Result<Identity, ForgeError>,
    pub access: Result<RepoAccess, ForgeError>,
    /// The commit the branch points at.
    pub head: Result<String, ForgeError>,
    pub snapshot: Result<ProtectionSnapshot, ForgeError>,
}

/// One plan step that the forge accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedStep {
    /// Its position in `RelaxPlan::steps`.
    pub index: usize,
    pub call: ApiCall,
    /// The forge's final status for it.
    pub status: u16,
}

/// The steps of a plan that were applied, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedPlan {
    pub steps: Vec<AppliedStep>,
}

/// A plan that stopped part-way. The protection may now be partly relaxed: the caller
/// restores the snapshot (restore works from any intermediate state).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "step {} of the relaxation ({}) failed after {} step(s) were applied: {error} — \
     restore the snapshot now",
    .failed_index + 1, .failed_call, .applied.steps.len()
)]
pub struct ApplyError {
    /// What the forge accepted before the failure.
    pub applied: AppliedPlan,
    pub failed_index: usize,
    pub failed_call: ApiCall,
    pub error: ForgeError,
}

impl ApplyError {
    /// True when the failed step may have reached the forge too (its answer was lost).
    pub fn failed_step_maybe_applied(&self) -> bool {
        self.error.maybe_applied()
    }
}

/// How one restore request ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RestoreStepOutcome {
    Done {
        status: u16,
    },
    /// A 404 the step expected (the state was already as wanted).
    AlreadyAsWanted,
    /// The forge refused or never answered; the text says why, sanitised.
    Failed {
        error: String,
    },
}

/// One request sent while restoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreStepResult {
    pub call: ApiCall,
    pub purpose: String,
    pub outcome: RestoreStepOutcome,
}

/// What a restore found, did and proved. Success is `verified` alone: a restore whose
/// read-back differs from the snapshot, or that could not read back at all, is a
/// failure, whatever the individual steps answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreReport {
    /// What the state read before restoring called for (`None` when it could not be read).
    pub decision: Option<RestoreDecision>,
    /// Someone else changed protection during the window: snapshot / ours / theirs.
    pub drift: Vec<ThreeWayDifference>,
    pub steps: Vec<RestoreStepResult>,
    /// The read-back equals the snapshot.
    pub verified: bool,
    /// Where the read-back still differs from the snapshot (snapshot → now).
    pub differences: Vec<Difference>,
    /// Reads that failed (before restoring or when reading back), sanitised.
    pub errors: Vec<String>,
}

impl RestoreReport {
    pub fn drifted(&self) -> bool {
        !self.drift.is_empty()
    }

    /// The steps the forge refused or never answered.
    pub fn failed_steps(&self) -> impl Iterator<Item = &RestoreStepResult> {
        self.steps
            .iter()
            .filter(|s| matches!(s.outcome, RestoreStepOutcome::Failed { .. }))
    }
}

/// An issue or pull request the forge created (or that an earlier, lost attempt had).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub number: u64,
    pub html_url: String,
}

/// A comment on an issue or pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedComment {
    pub id: u64,
    pub html_url: String,
}

/// Whether an issue is open or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueState {
    Open,
    Closed,
}

impl IssueState {
    /// The name GitHub uses (`open`, `closed`).
    pub fn name(self) -> &'static str {
        match self {
            IssueState::Open => "open",
            IssueState::Closed => "closed",
        }
    }
}

/// An issue as the forge holds it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueView {
    pub number: u64,
    pub html_url: String,
    pub title: String,
    /// Empty when the issue has no body.
    pub body: String,
    pub state: IssueState,
    /// Label names, as the forge lists them.
    pub labels: Vec<String>,
}

/// What to change on an issue; `None` leaves a member as it is (forge-api §9.4 PATCH).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueUpdate {
    pub title: Option<String>,
    pub body: Option<String>,
    pub state: Option<IssueState>,
    /// Replaces every label on the issue (to add or remove one, use
    /// [`Forge::add_labels`] and [`Forge::remove_label`], which leave other labels alone).
    pub labels: Option<Vec<String>>,
}

/// A comment on an issue, with its author as the forge's API says (never as its text
/// claims).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueComment {
    pub id: u64,
    /// `user.login`.
    pub author: String,
    /// Empty when the comment has no body.
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub html_url: String,
}

/// A commit status to set (forge-api §3.2 `repos/create-commit-status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitStatus {
    /// `error`, `failure`, `pending` or `success`.
    pub state: String,
    pub context: String,
    pub description: String,
    pub target_url: Option<String>,
}

/// What lies between two commits (forge-api §3.2 `repos/compare-commits-with-basehead`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// `ahead`, `behind`, `diverged` or `identical`; anything but `ahead` after a
    /// break-glass push means history was rewritten.
    pub status: String,
    pub ahead_by: u64,
    pub behind_by: u64,
    /// The commits' SHAs, oldest first (at most 250 without paging).
    pub commits: Vec<String>,
}

/// The flow holds a forge as `Arc<dyn Forge>`; this fails to compile if the trait stops
/// being object safe.
const _OBJECT_SAFE: Option<&dyn Forge> = None;

/// Everything the break-glass flow needs from a forge.
#[async_trait::async_trait]
pub trait Forge: Send + Sync {
    /// Who the token belongs to, its kind and (classic tokens) its scopes.
    async fn identity(&self) -> Result<Identity, ForgeError>;

    /// The token owner's access to `repo`.
    async fn repo_access(&self, repo: &RepoId) -> Result<RepoAccess, ForgeError>;

    /// Another person's permission on `repo` (e.g. the incident commander's).
    async fn permission_of(&self, repo: &RepoId, login: &str) -> Result<Permission, ForgeError>;

    /// A person's numeric id, which ruleset bypass actors name.
    async fn user_id(&self, login: &str) -> Result<u64, ForgeError>;

    /// The commit the branch points at.
    async fn branch_head(&self, repo: &RepoId, branch: &str) -> Result<String, ForgeError>;

    /// All protection that applies to the branch: classic (or none) and every active
    /// ruleset, repository or organization level, each read in full.
    async fn snapshot(&self, repo: &RepoId, branch: &str)
    -> Result<ProtectionSnapshot, ForgeError>;

    /// What preflight needs, with independent reads sent concurrently (bounded) and
    /// nothing asked twice: the snapshot reuses the repository and branch reads.
    async fn preflight_reads(&self, repo: &RepoId, branch: &str) -> PreflightReads;

    /// Sends the plan's steps in order, spaced as configured. On a failure the error says
    /// which steps were applied, so the caller can restore.
    async fn apply(&self, plan: &RelaxPlan) -> Result<AppliedPlan, ApplyError>;

    /// The normalised current state of the snapshot's classic protection and rulesets,
    /// comparable with `snapshot.normalized()`.
    async fn read_state(&self, snapshot: &ProtectionSnapshot) -> Result<Value, ForgeError>;

    /// Where the current state differs from the snapshot (snapshot → now).
    async fn read_back_and_diff(
        &self,
        snapshot: &ProtectionSnapshot,
    ) -> Result<Vec<Difference>, ForgeError> {
        let now = self.read_state(snapshot).await?;
        Ok(super::diff::diff(&snapshot.normalized(), &now))
    }

    /// Puts the snapshot back and proves it by reading back. With the plan that was
    /// applied, a state that is neither the snapshot nor what the plan wrote is reported
    /// as drift; either way the snapshot is what gets restored. Idempotent.
    async fn restore(
        &self,
        snapshot: &ProtectionSnapshot,
        plan: Option<&RelaxPlan>,
    ) -> RestoreReport;

    /// What a restore would find, without changing anything: reads the current state and
    /// classifies it against the snapshot and (when given) what the plan wrote.
    async fn restore_decision(
        &self,
        snapshot: &ProtectionSnapshot,
        plan: Option<&RelaxPlan>,
    ) -> Result<RestoreDecision, ForgeError>;

    /// Drift resolved by keeping someone else's change: sends `keep`'s classic requests,
    /// puts each reverted ruleset back as read now minus our bypass actor, then reads back.
    /// `verified` and `differences` compare with `keep.expected`, not the snapshot.
    async fn restore_keeping_theirs(
        &self,
        snapshot: &ProtectionSnapshot,
        keep: &KeepTheirs,
    ) -> RestoreReport;

    /// Creates `full_ref` (`refs/heads/…`) at `sha`; a ref already there at `sha` is success.
    async fn create_ref(
        &self,
        repo: &RepoId,
        full_ref: &str,
        sha: &str,
    ) -> Result<CreateRefOutcome, ForgeError>;

    /// Deletes a ref such as `heads/breakglass/INC-1/before`; a missing ref is success.
    async fn delete_ref(&self, repo: &RepoId, short_ref: &str) -> Result<(), ForgeError>;

    /// Opens a pull request `head` → `base`, at most once per `marker`.
    async fn create_pull(
        &self,
        repo: &RepoId,
        title: &str,
        head: &str,
        base: &str,
        body: &str,
        marker: &Marker,
    ) -> Result<Created, ForgeError>;

    async fn request_reviewers(
        &self,
        repo: &RepoId,
        number: u64,
        reviewers: &[String],
        team_reviewers: &[String],
    ) -> Result<(), ForgeError>;

    /// Opens an issue with `labels` (GitHub creates labels the repository lacks), at most
    /// once per `marker`.
    async fn create_issue(
        &self,
        repo: &RepoId,
        title: &str,
        body: &str,
        marker: &Marker,
        labels: &[String],
    ) -> Result<Created, ForgeError>;

    /// Comments on an issue or pull request, at most once per `marker`.
    async fn comment(
        &self,
        repo: &RepoId,
        number: u64,
        body: &str,
        marker: &Marker,
    ) -> Result<CreatedComment, ForgeError>;

    /// The issue whose body carries `marker`, if the forge has one (the most recent).
    async fn find_issue(
        &self,
        repo: &RepoId,
        marker: &Marker,
    ) -> Result<Option<IssueView>, ForgeError>;

    /// One issue as it stands.
    async fn issue(&self, repo: &RepoId, number: u64) -> Result<IssueView, ForgeError>;

    /// Every comment on an issue, oldest first (all pages); with `since`, only those
    /// updated at or after it.
    async fn issue_comments(
        &self,
        repo: &RepoId,
        number: u64,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<IssueComment>, ForgeError>;

    /// Changes what `update` names and returns the issue as it is now. Idempotent.
    async fn update_issue(
        &self,
        repo: &RepoId,
        number: u64,
        update: &IssueUpdate,
    ) -> Result<IssueView, ForgeError>;

    /// Adds labels (leaving the others) and returns the issue's labels now. Idempotent.
    async fn add_labels(
        &self,
        repo: &RepoId,
        number: u64,
        labels: &[String],
    ) -> Result<Vec<String>, ForgeError>;

    /// Removes one label; a label the issue does not carry is success.
    async fn remove_label(&self, repo: &RepoId, number: u64, label: &str)
    -> Result<(), ForgeError>;

    async fn set_commit_status(
        &self,
        repo: &RepoId,
        sha: &str,
        status: &CommitStatus,
    ) -> Result<(), ForgeError>;

    async fn compare(
        &self,
        repo: &RepoId,
        base: &str,
        head: &str,
    ) -> Result<Comparison, ForgeError>;
}
