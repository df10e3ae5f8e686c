//! Pushing one commit to one branch of the forge remote with the operator's credentials:
//! the remote's old head is asserted before anything is sent (a lease), and the remote's
//! per-ref verdict and `remote:` lines come back as a [`PushOutcome`]. A refusal by the
//! remote is an outcome to record, not an error.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use git2::{Oid, PushOptions, RemoteCallbacks};

use super::credentials::{self, Credentials};
use super::repository::transport_error;
use super::{GitError, LocalRepo, short};

/// What to push where.
#[derive(Debug, Clone)]
pub struct PushRequest<'a> {
    /// The remote's name in the clone (`origin`).
    pub remote: &'a str,
    /// The branch on the remote (`main`).
    pub branch: &'a str,
    /// The commit that becomes the branch's head.
    pub new: Oid,
    /// The branch's head on the remote as we last saw it; `None`: it must not exist yet.
    pub expected_old: Option<Oid>,
}

/// What the remote said about the push.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PushOutcome {
    pub accepted: bool,
    /// The remote's reason for refusing the ref (`protected branch hook declined`).
    pub status: Option<String>,
    /// The remote's `remote:` lines, sanitised, in order.
    pub remote_lines: Vec<String>,
    /// The remote head the push replaced (zero when the branch was created).
    #[serde(serialize_with = "super::oid_hex::serialize")]
    pub old: Oid,
    #[serde(serialize_with = "super::oid_hex::serialize")]
    pub new: Oid,
}

/// What the callbacks saw during the push.
#[derive(Default)]
struct Observed {
    statuses: Vec<(String, Option<String>)>,
    progress: Vec<u8>,
    /// The remote head found in negotiation when it was not the expected one.
    moved_to: Option<Oid>,
}

impl LocalRepo {
    /// Pushes `request.new` to `refs/heads/BRANCH` on the remote, only if the remote's head
    /// is still `request.expected_old`.
    pub fn push(
        &self,
        request: &PushRequest<'_>,
        credentials: &Credentials,
    ) -> Result<PushOutcome, GitError> {
        let url = self.remote_url(request.remote)?;
        let refname = format!("refs/heads/{}", request.branch);
        let expected_old = request.expected_old.unwrap_or(Oid::ZERO_SHA1);
        let observed = Rc::new(RefCell::new(Observed::default()));
        let failure = Rc::new(Cell::new(None));
        let mut callbacks = RemoteCallbacks::new();
        credentials::install(&mut callbacks, credentials, failure.clone());
        watch(&mut callbacks, &observed, &refname, expected_old);
        let mut options = PushOptions::new();
        options.remote_callbacks(callbacks);
        credentials::send_credentials_first!(options, credentials.first_request_header(&url));
        let mut remote = self
            .git2()
            .find_remote(request.remote)
            .map_err(GitError::git("opening the remote"))?;
        let refspec = format!("{}:{refname}", request.new);
        let result = remote.push(&[refspec.as_str()], Some(&mut options));
        drop(options);
        let observed = observed.take();
        if let Some(found) = observed.moved_to {
            return Err(GitError::RemoteMoved {
                remote: crate::text::sanitize_line(request.remote),
                branch: crate::text::sanitize_line(request.branch),
                expected: short(expected_old),
                found: short(found),
            });
        }
        if let Err(error) = result {
            return Err(match error.code() {
                git2::ErrorCode::NotFastForward => GitError::NotFastForward {
                    remote: crate::text::sanitize_line(request.remote),
                    branch: crate::text::sanitize_line(request.branch),
                    local: short(request.new),
                    remote_head: short(expected_old),
                },
                _ => transport_error(&url, failure.get(), credentials, error),
            });
        }
        Ok(outcome(observed, &refname, expected_old, request.new))
    }
}

fn watch<'a>(
    callbacks: &mut RemoteCallbacks<'a>,
    observed: &Rc<RefCell<Observed>>,
    refname: &str,
    expected_old: Oid,
) {
    let seen = observed.clone();
    let target = refname.to_owned();
    callbacks.push_negotiation(move |updates| {
        for update in updates {
            if update.dst_refname() == Ok(target.as_str()) && update.src() != expected_old {
                seen.borrow_mut().moved_to = Some(update.src());
                return Err(git2::Error::from_str("the remote branch moved"));
            }
        }
        Ok(())
    });
    let seen = observed.clone();
    callbacks.push_update_reference(move |name, status| {
        seen.borrow_mut()
            .statuses
            .push((name.to_owned(), status.map(str::to_owned)));
        Ok(())
    });
    let seen = observed.clone();
    callbacks.sideband_progress(move |data| {
        seen.borrow_mut().progress.extend_from_slice(data);
        true
    });
}

fn outcome(observed: Observed, refname: &str, old: Oid, new: Oid) -> PushOutcome {
    let report = observed.statuses.iter().find(|(name, _)| name == refname);
    let status = match report {
        Some((_, status)) => status.as_deref().map(crate::text::sanitize_line),
        None => Some(format!("the remote did not report on {refname}")),
    };
    PushOutcome {
        accepted: status.is_none(),
        status,
        remote_lines: remote_lines(&observed.progress),
        old,
        new,
    }
}

/// Splits the progress band into lines as a terminal would show them: `\r` rewrites the
/// line, so only the last non-empty segment of each `\n` line remains.
fn remote_lines(progress: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(progress)
        .split('\n')
        .filter_map(|line| line.split('\r').rfind(|s| !s.trim().is_empty()))
        .map(|line| crate::text::sanitize_line(line.trim_end()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_splits_on_newlines_and_keeps_what_carriage_returns_leave() {
        let progress = b"Resolving deltas:  50%\rResolving deltas: 100%\nerror: GH006: Protected branch update failed.\n\n\x1b[31mred\x1b[0m\n";
        assert_eq!(
            remote_lines(progress),
            vec![
                "Resolving deltas: 100%",
                "error: GH006: Protected branch update failed.",
                "\\u{1b}[31mred\\u{1b}[0m",
            ]
        );
    }
}
