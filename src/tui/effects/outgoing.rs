//! What a push would send, for the confirmation before it goes: the commits the clone
//! has that the forge's branch (as last fetched by preflight) lacks, and the trailers the
//! flow will add. Read-only git work; blocking.

use super::failure::Failure;
use crate::git::{LocalRepo, OutgoingCommit, Trailers};
use std::path::Path;

/// The outgoing commits of the clone at `dir` towards `remote`/`branch`.
pub fn outgoing_commits(
    dir: &Path,
    remote: &str,
    branch: &str,
) -> Result<Vec<OutgoingCommit>, Failure> {
    let git = |e: crate::git::GitError| {
        Failure::from_message(&e.to_string(), "check the clone, then press Enter again")
    };
    let local = LocalRepo::discover(dir).map_err(git)?;
    let head = local.git2().head().map_err(|_| {
        Failure::new(
            "the clone has HEAD detached or unborn",
            "check out the branch that holds the fix",
        )
    })?;
    let local_branch = head.shorthand().map(str::to_owned).map_err(|_| {
        Failure::new(
            "the checked-out branch has no readable name",
            "check it out again",
        )
    })?;
    let tracking = format!("refs/remotes/{remote}/{branch}");
    let remote_head = local.git2().refname_to_id(&tracking).ok();
    let local_head = local.local_head(&local_branch).map_err(git)?;
    local
        .outgoing(remote, branch, remote_head, local_head)
        .map_err(git)
}

/// The trailers every pushed commit will carry.
pub fn trailers(incident: &str, audit_head: String) -> Trailers {
    Trailers {
        incident: incident.to_owned(),
        audit_head,
    }
}
