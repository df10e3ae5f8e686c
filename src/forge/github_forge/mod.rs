//! `GitHubForge`: the one implementation of [`Forge`](super::port::Forge), over
//! `GitHubClient`, for github.com, GitHub Enterprise and the sandbox forge alike (only the
//! API URL and the spacing between mutations differ).
//!
//! Preflight reads and the retro-review calls live here; snapshot, apply and restore in
//! `protection`. It decides nothing about what to relax: the planner does.

mod issues;
mod keep;
mod preflight;
mod protection;
mod review;

use super::github::{
    ClientOptions, CreateRefOutcome, ForgeError, GitHubClient, Marker, Sleeper, TokioSleeper,
};
use super::keep_theirs::KeepTheirs;
use super::plan::RelaxPlan;
use super::port::{
    AppliedPlan, ApplyError, CommitStatus, Comparison, Created, CreatedComment, Forge,
    IssueComment, IssueUpdate, IssueView, PreflightReads, RepoAccess, RestoreReport,
};
use super::restore::RestoreDecision;
use super::snapshot::ProtectionSnapshot;
use super::{Identity, Permission, RepoId, TokenKind};
use crate::clock::{Clock, SystemClock};
use crate::secret::Secret;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How `GitHubForge` paces and stamps its work; the defaults suit github.com.
#[derive(Clone)]
pub struct GitHubForgeOptions {
    /// The pause between two mutating requests of a plan or a restore. GitHub asks for at
    /// least a second (forge-api §4); the sandbox needs none.
    pub mutation_spacing: Duration,
    /// How the pause happens (real sleeps, or recorded in tests).
    pub sleeper: Arc<dyn Sleeper>,
    /// Stamps snapshots (`taken_at`).
    pub clock: Arc<dyn Clock>,
}

impl Default for GitHubForgeOptions {
    fn default() -> Self {
        GitHubForgeOptions {
            mutation_spacing: Duration::from_secs(1),
            sleeper: Arc::new(TokioSleeper),
            clock: Arc::new(SystemClock),
        }
    }
}

impl GitHubForgeOptions {
    /// No pause between mutations: for the sandbox forge, which has no secondary limits.
    pub fn unspaced() -> Self {
        GitHubForgeOptions {
            mutation_spacing: Duration::ZERO,
            ..Self::default()
        }
    }
}

impl fmt::Debug for GitHubForgeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHubForgeOptions")
            .field("mutation_spacing", &self.mutation_spacing)
            .finish_non_exhaustive()
    }
}

/// A forge spoken to through GitHub's REST API.
#[derive(Debug, Clone)]
pub struct GitHubForge {
    client: GitHubClient,
    token_kind: TokenKind,
    options: GitHubForgeOptions,
}

impl GitHubForge {
    /// Over an existing client; `token_kind` is what the token's prefix says
    /// ([`TokenKind::of`]), as the client never hands its token back.
    pub fn new(client: GitHubClient, token_kind: TokenKind, options: GitHubForgeOptions) -> Self {
        GitHubForge {
            client,
            token_kind,
            options,
        }
    }

    /// A client for `api_url` with `token`, wrapped.
    pub fn connect(
        api_url: &str,
        token: Secret,
        client_options: ClientOptions,
        options: GitHubForgeOptions,
    ) -> Result<Self, ForgeError> {
        let token_kind = TokenKind::of(&token);
        let client = GitHubClient::new(api_url, token, client_options)?;
        Ok(Self::new(client, token_kind, options))
    }

    /// The low-level client, for calls the trait does not cover.
    pub fn client(&self) -> &GitHubClient {
        &self.client
    }

    /// Waits the configured spacing before every mutation but the first.
    async fn space_mutation(&self, mutations_sent: usize) {
        if mutations_sent > 0 && !self.options.mutation_spacing.is_zero() {
            self.options
                .sleeper
                .sleep(self.options.mutation_spacing)
                .await;
        }
    }
}

/// A required field of a forge answer, or an error saying which one is missing.
fn field<'a, T>(
    value: &'a serde_json::Value,
    pointer: &str,
    read: impl Fn(&'a serde_json::Value) -> Option<T>,
) -> Result<T, ForgeError> {
    value
        .pointer(pointer)
        .and_then(read)
        .ok_or_else(|| ForgeError::InvalidResponse {
            detail: format!(
                "the answer has no usable `{}`",
                pointer.trim_start_matches('/')
            ),
        })
}

#[async_trait::async_trait]
impl Forge for GitHubForge {
    async fn identity(&self) -> Result<Identity, ForgeError> {
        self.read_identity().await
    }

    async fn repo_access(&self, repo: &RepoId) -> Result<RepoAccess, ForgeError> {
        self.read_repo_access(repo).await
    }

    async fn permission_of(&self, repo: &RepoId, login: &str) -> Result<Permission, ForgeError> {
        self.read_permission_of(repo, login).await
    }

    async fn user_id(&self, login: &str) -> Result<u64, ForgeError> {
        self.read_user_id(login).await
    }

    async fn branch_head(&self, repo: &RepoId, branch: &str) -> Result<String, ForgeError> {
        self.read_branch_head(repo, branch).await
    }

    async fn snapshot(
        &self,
        repo: &RepoId,
        branch: &str,
    ) -> Result<ProtectionSnapshot, ForgeError> {
        self.take_snapshot(repo, branch).await
    }

    async fn preflight_reads(&self, repo: &RepoId, branch: &str) -> PreflightReads {
        self.read_for_preflight(repo, branch).await
    }

    async fn apply(&self, plan: &RelaxPlan) -> Result<AppliedPlan, ApplyError> {
        self.apply_plan(plan).await
    }

    async fn read_state(&self, snapshot: &ProtectionSnapshot) -> Result<Value, ForgeError> {
        self.read_current_state(snapshot).await
    }

    async fn restore(
        &self,
        snapshot: &ProtectionSnapshot,
        plan: Option<&RelaxPlan>,
    ) -> RestoreReport {
        self.restore_snapshot(snapshot, plan).await
    }

    async fn restore_decision(
        &self,
        snapshot: &ProtectionSnapshot,
        plan: Option<&RelaxPlan>,
    ) -> Result<RestoreDecision, ForgeError> {
        self.decide_restore(snapshot, plan).await
    }

    async fn restore_keeping_theirs(
        &self,
        snapshot: &ProtectionSnapshot,
        keep: &KeepTheirs,
    ) -> RestoreReport {
        self.keep_their_change(snapshot, keep).await
    }

    async fn create_ref(
        &self,
        repo: &RepoId,
        full_ref: &str,
        sha: &str,
    ) -> Result<CreateRefOutcome, ForgeError> {
        self.client.create_ref(repo, full_ref, sha).await
    }

    async fn delete_ref(&self, repo: &RepoId, short_ref: &str) -> Result<(), ForgeError> {
        self.client.delete_ref(repo, short_ref).await
    }

    async fn create_pull(
        &self,
        repo: &RepoId,
        title: &str,
        head: &str,
        base: &str,
        body: &str,
        marker: &Marker,
    ) -> Result<Created, ForgeError> {
        self.open_pull(repo, title, head, base, body, marker).await
    }

    async fn request_reviewers(
        &self,
        repo: &RepoId,
        number: u64,
        reviewers: &[String],
        team_reviewers: &[String],
    ) -> Result<(), ForgeError> {
        self.client
            .request_reviewers(repo, number, reviewers, team_reviewers)
            .await
            .map(drop)
    }

    async fn create_issue(
        &self,
        repo: &RepoId,
        title: &str,
        body: &str,
        marker: &Marker,
        labels: &[String],
    ) -> Result<Created, ForgeError> {
        self.open_issue(repo, title, body, marker, labels).await
    }

    async fn comment(
        &self,
        repo: &RepoId,
        number: u64,
        body: &str,
        marker: &Marker,
    ) -> Result<CreatedComment, ForgeError> {
        self.add_comment(repo, number, body, marker).await
    }

    async fn find_issue(
        &self,
        repo: &RepoId,
        marker: &Marker,
    ) -> Result<Option<IssueView>, ForgeError> {
        self.find_marked_issue(repo, marker).await
    }

    async fn issue(&self, repo: &RepoId, number: u64) -> Result<IssueView, ForgeError> {
        self.read_issue(repo, number).await
    }

    async fn issue_comments(
        &self,
        repo: &RepoId,
        number: u64,
        since: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Vec<IssueComment>, ForgeError> {
        self.read_issue_comments(repo, number, since).await
    }

    async fn update_issue(
        &self,
        repo: &RepoId,
        number: u64,
        update: &IssueUpdate,
    ) -> Result<IssueView, ForgeError> {
        self.change_issue(repo, number, update).await
    }

    async fn add_labels(
        &self,
        repo: &RepoId,
        number: u64,
        labels: &[String],
    ) -> Result<Vec<String>, ForgeError> {
        self.label_issue(repo, number, labels).await
    }

    async fn remove_label(
        &self,
        repo: &RepoId,
        number: u64,
        label: &str,
    ) -> Result<(), ForgeError> {
        self.client.remove_issue_label(repo, number, label).await
    }

    async fn set_commit_status(
        &self,
        repo: &RepoId,
        sha: &str,
        status: &CommitStatus,
    ) -> Result<(), ForgeError> {
        self.post_status(repo, sha, status).await
    }

    async fn compare(
        &self,
        repo: &RepoId,
        base: &str,
        head: &str,
    ) -> Result<Comparison, ForgeError> {
        self.read_comparison(repo, base, head).await
    }
}
