//! The commits a push would send: from the remote branch's head up to the local head,
//! oldest first, and the refusal of anything that is not a fast-forward.

use git2::{Commit, Oid, Repository, Sort};

use super::{GitError, LocalRepo, short};

/// One commit that the push would add to the remote branch. Text fields are sanitised.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutgoingCommit {
    #[serde(serialize_with = "super::oid_hex::serialize")]
    pub sha: Oid,
    pub summary: String,
    /// `Name <email>`.
    pub author: String,
    /// Carries a signature header (`gpgsig`), which rewriting would drop.
    pub signed: bool,
}

impl LocalRepo {
    /// The commits `local_head` has that `remote_head` (the fetched head of
    /// `remote`/`branch`, `None` when the branch does not exist there yet) lacks, oldest
    /// first. Refuses when the push would not be a fast-forward of the remote branch.
    pub fn outgoing(
        &self,
        remote: &str,
        branch: &str,
        remote_head: Option<Oid>,
        local_head: Oid,
    ) -> Result<Vec<OutgoingCommit>, GitError> {
        let repo = self.git2();
        if let Some(remote_head) = remote_head {
            require_fast_forward(repo, remote, branch, remote_head, local_head)?;
        }
        commits_between(repo, remote_head, local_head)?
            .iter()
            .map(|commit| Ok(describe(commit)))
            .collect()
    }
}

fn require_fast_forward(
    repo: &Repository,
    remote: &str,
    branch: &str,
    remote_head: Oid,
    local_head: Oid,
) -> Result<(), GitError> {
    if repo.find_commit(remote_head).is_err() {
        return Err(GitError::RemoteHeadNotFetched {
            remote: crate::text::sanitize_line(remote),
            branch: crate::text::sanitize_line(branch),
            remote_head: short(remote_head),
        });
    }
    let fast_forward = remote_head == local_head
        || repo
            .graph_descendant_of(local_head, remote_head)
            .map_err(GitError::git("comparing the local and remote heads"))?;
    if fast_forward {
        Ok(())
    } else {
        Err(GitError::NotFastForward {
            remote: crate::text::sanitize_line(remote),
            branch: crate::text::sanitize_line(branch),
            local: short(local_head),
            remote_head: short(remote_head),
        })
    }
}

/// Commits reachable from `head` but not from `base`, parents before children.
pub(crate) fn commits_between(
    repo: &Repository,
    base: Option<Oid>,
    head: Oid,
) -> Result<Vec<Commit<'_>>, GitError> {
    let walk_error = GitError::git("walking the outgoing commits");
    let mut walk = repo
        .revwalk()
        .map_err(GitError::git("walking the outgoing commits"))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .and_then(|()| walk.push(head))
        .and_then(|()| base.map_or(Ok(()), |base| walk.hide(base)))
        .map_err(walk_error)?;
    walk.map(|oid| {
        oid.and_then(|oid| repo.find_commit(oid))
            .map_err(GitError::git("reading an outgoing commit"))
    })
    .collect()
}

pub(crate) fn is_signed(commit: &Commit<'_>) -> bool {
    ["gpgsig", "gpgsig-sha256"]
        .iter()
        .any(|field| commit.header_field_bytes(field).is_ok())
}

fn describe(commit: &Commit<'_>) -> OutgoingCommit {
    let author = commit.author();
    OutgoingCommit {
        sha: commit.id(),
        summary: crate::text::sanitize_line(&String::from_utf8_lossy(
            commit.summary_bytes().unwrap_or_default(),
        )),
        author: crate::text::sanitize_line(&format!(
            "{} <{}>",
            String::from_utf8_lossy(author.name_bytes()),
            String::from_utf8_lossy(author.email_bytes())
        )),
        signed: is_signed(commit),
    }
}
