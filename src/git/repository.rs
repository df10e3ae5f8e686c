//! The operator's clone: opening it, finding the forge remote, fetching the branch, and
//! reading local branches. The callers decide what to do with what it finds.

use std::cell::Cell;
use std::path::Path;
use std::rc::Rc;

use git2::{FetchOptions, Oid, RemoteCallbacks, Repository};

use super::credentials::{self, CredentialFailure};
use super::{Credentials, ForgeRemote, GitError, parse_remote_url};

/// The operator's repository.
pub struct LocalRepo {
    repo: Repository,
}

impl LocalRepo {
    /// Opens the repository containing `dir`, looking upwards as git does.
    pub fn discover(dir: &Path) -> Result<LocalRepo, GitError> {
        let repo = Repository::discover(dir).map_err(|source| GitError::NotARepository {
            dir: dir.to_owned(),
            source,
        })?;
        Ok(LocalRepo { repo })
    }

    /// The underlying git2 repository, for what this type does not cover.
    pub fn git2(&self) -> &Repository {
        &self.repo
    }

    /// The working directory, or the git directory of a bare repository.
    pub fn path(&self) -> &Path {
        self.repo.workdir().unwrap_or_else(|| self.repo.path())
    }

    /// The remote called `name`, parsed as a forge URL.
    pub fn forge_remote(&self, name: &str) -> Result<ForgeRemote, GitError> {
        let url = self.remote_url(name)?;
        parse_remote_url(name, &url)
    }

    pub(crate) fn remote_url(&self, name: &str) -> Result<String, GitError> {
        match self.repo.find_remote(name) {
            Ok(remote) => Ok(String::from_utf8_lossy(remote.url_bytes()).into_owned()),
            Err(_) => {
                let names = self
                    .repo
                    .remotes()
                    .map_err(GitError::git("listing remotes"))?;
                let available: Vec<String> = names
                    .iter()
                    .flatten()
                    .flatten()
                    .map(crate::text::sanitize_line)
                    .collect();
                Err(GitError::RemoteNotFound {
                    remote: crate::text::sanitize_line(name),
                    available: if available.is_empty() {
                        "none".to_owned()
                    } else {
                        available.join(", ")
                    },
                })
            }
        }
    }

    /// The commit a local branch points at.
    pub fn local_head(&self, branch: &str) -> Result<Oid, GitError> {
        self.repo
            .refname_to_id(&format!("refs/heads/{branch}"))
            .map_err(|_| GitError::LocalBranchNotFound {
                branch: crate::text::sanitize_line(branch),
            })
    }

    /// Fetches `branch` from `remote` into `refs/remotes/REMOTE/BRANCH` and returns the
    /// remote's head, or `None` when the remote has no such branch.
    pub fn fetch(
        &self,
        remote: &str,
        branch: &str,
        credentials: &Credentials,
    ) -> Result<Option<Oid>, GitError> {
        let url = self.remote_url(remote)?;
        let mut git_remote = self
            .repo
            .find_remote(remote)
            .map_err(GitError::git("opening the remote"))?;
        let failure = Rc::new(Cell::new(None));
        let mut callbacks = RemoteCallbacks::new();
        credentials::install(&mut callbacks, credentials, failure.clone());
        let mut options = FetchOptions::new();
        options.remote_callbacks(callbacks);
        credentials::send_credentials_first!(options, credentials.first_request_header(&url));
        let refname = format!("refs/heads/{branch}");
        let refspec = format!("+{refname}:refs/remotes/{remote}/{branch}");
        git_remote
            .fetch(&[refspec.as_str()], Some(&mut options), None)
            .map_err(|e| transport_error(&url, failure.get(), credentials, e))?;
        // The advertisement stays readable after the fetch disconnects, and it is the
        // remote's truth even when the branch is gone and a stale tracking ref remains.
        let heads = git_remote
            .list()
            .map_err(GitError::git("reading the remote's refs"))?;
        Ok(heads
            .iter()
            .find(|head| head.name() == refname)
            .map(|head| head.oid()))
    }
}

/// Turns a fetch or push failure into an error that names the cause.
pub(crate) fn transport_error(
    url: &str,
    failure: Option<CredentialFailure>,
    credentials: &Credentials,
    error: git2::Error,
) -> GitError {
    let url = crate::text::sanitize_line(&super::remote_url::redacted(url));
    match failure {
        Some(CredentialFailure::OtherHost) => GitError::TokenForOtherHost {
            url,
            host: credentials
                .host()
                .map(ToString::to_string)
                .unwrap_or_default(),
        },
        Some(CredentialFailure::Missing) => GitError::NoCredentials { url },
        Some(CredentialFailure::Rejected) => GitError::CredentialsRejected { url },
        None if error.code() == git2::ErrorCode::Auth => GitError::CredentialsRejected { url },
        None => GitError::Transport {
            url,
            message: crate::text::sanitize_line(error.message()),
        },
    }
}
