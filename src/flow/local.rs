//! The operator's clone as the flow sees it: which branch holds the fix, where the forge's
//! branch is, and the commits a push would add. Blocking git2 work, run off the async
//! threads by the callers.

use super::error::FlowError;
use crate::forge::RepoId;
use crate::git::{Credentials, LocalRepo, OutgoingCommit};
use git2::Oid;
use std::path::{Path, PathBuf};

/// Where the clone stands relative to the forge's branch.
#[derive(Debug, Clone)]
pub(super) struct LocalState {
    /// The checked-out branch, which holds the fix.
    pub local_branch: String,
    /// The forge branch's head as just fetched.
    pub remote_head: Option<Oid>,
    /// What a push would add, oldest first (a fast-forward, or an error).
    pub commits: Vec<OutgoingCommit>,
}

/// Which clone, remote and branch a step works on.
#[derive(Debug, Clone)]
pub(super) struct CloneTarget {
    pub dir: PathBuf,
    pub remote: String,
    pub branch: String,
    pub repo: RepoId,
    pub incident: String,
}

impl CloneTarget {
    /// Opens the clone and checks that the remote points at the incident's repository.
    pub fn open(&self) -> Result<LocalRepo, FlowError> {
        let local = LocalRepo::discover(&self.dir)?;
        let remote = local.forge_remote(&self.remote)?;
        if remote.repo != self.repo {
            return Err(FlowError::WrongRepository {
                id: self.incident.clone(),
                expected: self.repo.to_string(),
                found: remote.repo.to_string(),
            });
        }
        Ok(local)
    }

    /// Fetches the forge's branch and lists what a push from the checked-out branch adds.
    pub fn inspect(&self, credentials: &Credentials) -> Result<LocalState, FlowError> {
        let local = self.open()?;
        let remote_head = local.fetch(&self.remote, &self.branch, credentials)?;
        self.state_against(&local, remote_head)
    }

    /// Lists what a push adds on top of `known_head`, the forge branch's head as preflight
    /// fetched it, without asking the forge again: inside the window every round trip
    /// keeps the glass open longer, and the push itself asserts that head. Fetches only
    /// when the clone lacks that commit (preflight ran without this clone).
    pub fn inspect_known(
        &self,
        known_head: Option<Oid>,
        credentials: &Credentials,
    ) -> Result<LocalState, FlowError> {
        let local = self.open()?;
        match known_head.filter(|head| local.git2().find_commit(*head).is_ok()) {
            Some(head) => self.state_against(&local, Some(head)),
            None => {
                let remote_head = local.fetch(&self.remote, &self.branch, credentials)?;
                self.state_against(&local, remote_head)
            }
        }
    }

    fn state_against(
        &self,
        local: &LocalRepo,
        remote_head: Option<Oid>,
    ) -> Result<LocalState, FlowError> {
        let local_branch = checked_out_branch(local)?;
        let local_head = local.local_head(&local_branch)?;
        let commits = local.outgoing(&self.remote, &self.branch, remote_head, local_head)?;
        Ok(LocalState {
            local_branch,
            remote_head,
            commits,
        })
    }
}

/// The branch HEAD points at.
pub(super) fn checked_out_branch(local: &LocalRepo) -> Result<String, FlowError> {
    let head = local.git2().head().map_err(|_| FlowError::NoLocalBranch)?;
    if !head.is_branch() {
        return Err(FlowError::NoLocalBranch);
    }
    head.shorthand()
        .map(str::to_owned)
        .map_err(|_| FlowError::NoLocalBranch)
}

/// Runs blocking git work on tokio's blocking pool, marked as caught: a panic there is
/// the flow's error, and the TUI's panic hook leaves the terminal alone.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, FlowError> + Send + 'static,
) -> Result<T, FlowError> {
    tokio::task::spawn_blocking(move || crate::caught::catch_blocking(work))
        .await
        .map_err(|e| FlowError::Task(e.to_string()))?
        .map_err(FlowError::Task)?
}

/// A directory given on the command line, or the current one.
pub(super) fn dir_or_cwd(dir: Option<&Path>) -> PathBuf {
    dir.map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blocking_git_work_runs_marked_as_caught_and_a_panic_is_an_error() {
        let marked = blocking(|| Ok(crate::caught::caught_here())).await;
        assert!(matches!(marked, Ok(true)), "{marked:?}");
        let panicked = blocking(|| -> Result<(), FlowError> { panic!("git2 gave up") }).await;
        assert!(
            matches!(&panicked, Err(FlowError::Task(why)) if why == "git2 gave up"),
            "{panicked:?}"
        );
    }
}
