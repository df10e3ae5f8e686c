//! What can go wrong with the operator's repository, each error saying what to do next.

use std::path::PathBuf;

/// A git failure, phrased for the operator.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error(
        "no git repository at or above {dir}: run breakglass inside your clone or pass --repo-dir DIR"
    )]
    NotARepository { dir: PathBuf, source: git2::Error },

    #[error(
        "the repository has no remote named {remote} (remotes: {available}); pass --remote NAME for the remote that points at GitHub"
    )]
    RemoteNotFound { remote: String, available: String },

    #[error(
        "remote {remote} points at {url}, which is not a forge URL; pass --remote NAME for the remote that points at GitHub"
    )]
    NotAForgeUrl { remote: String, url: String },

    #[error("there is no local branch {branch}: check out the branch holding the fix, or name it")]
    LocalBranchNotFound { branch: String },

    #[error(
        "{remote}/{branch} is at {remote_head}, which this clone does not have: fetch {remote} and try again"
    )]
    RemoteHeadNotFetched {
        remote: String,
        branch: String,
        remote_head: String,
    },

    #[error(
        "local {branch} ({local}) is not a fast-forward of {remote}/{branch} ({remote_head}): fetch and rebase onto the remote branch (git pull --rebase {remote} {branch}), check the result, then push again"
    )]
    NotFastForward {
        remote: String,
        branch: String,
        local: String,
        remote_head: String,
    },

    #[error(
        "commit {short} is signed; adding trailers would drop its signature — re-sign after, or push with --no-trailers"
    )]
    SignedCommit { short: String },

    #[error(
        "commit {short} is a merge; breakglass adds trailers to a straight line of commits only — rebase the fix onto the remote branch, or push with --no-trailers"
    )]
    MergeCommit { short: String },

    #[error(
        "{branch} moved while the trailers were added (expected {expected}, found {found}): check what changed and run the push again"
    )]
    LocalBranchMoved {
        branch: String,
        expected: String,
        found: String,
    },

    #[error(
        "{url} needs credentials and none were given: set GH_TOKEN (or GITHUB_TOKEN) to a token that may push to the repository"
    )]
    NoCredentials { url: String },

    #[error(
        "{url} asks for credentials, but the token was found for {host} and is never sent to \
         another host: use a remote on {host} (--remote), or a clone of the incident's repository there"
    )]
    TokenForOtherHost { url: String, host: String },

    #[error(
        "{url} refused the credentials: use a token that may push to the repository (contents: write), or check that it has not expired"
    )]
    CredentialsRejected { url: String },

    #[error(
        "{remote}/{branch} is at {found}, not {expected} as when the window opened: someone else pushed; fetch, look at what landed, and decide before pushing again"
    )]
    RemoteMoved {
        remote: String,
        branch: String,
        expected: String,
        found: String,
    },

    #[error("cannot reach {url}: {message} — check the network and the remote's URL")]
    Transport { url: String, message: String },

    #[error("{action} failed: {source}")]
    Git {
        action: &'static str,
        source: git2::Error,
    },
}

impl GitError {
    pub(crate) fn git(action: &'static str) -> impl FnOnce(git2::Error) -> GitError {
        move |source| GitError::Git { action, source }
    }
}
