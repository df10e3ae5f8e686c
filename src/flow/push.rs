//! The tagged push: refuse anything but a fast-forward from where the window started (as
//! preflight fetched it: no fetch inside the window), add the incident and audit-head trailers, record `push_intended`, push with
//! negotiation on the expected old SHA, record `pushed` or `push_rejected`.

use super::context::Flow;
use super::error::FlowError;
use super::failpoint;
use super::local::{CloneTarget, LocalState, blocking, dir_or_cwd};
use super::preflight::repo_of;
use crate::git::{PushOutcome, PushRequest, Trailers, count_http_requests};
use crate::incident::{Incident, IncidentEvent, Phase};
use git2::Oid;
use serde::Serialize;
use std::path::Path;

/// What the remote said about the push.
#[derive(Debug, Clone, Serialize)]
pub struct PushReport {
    pub incident: String,
    pub accepted: bool,
    pub old_sha: String,
    pub new_sha: String,
    /// The pushed commits (with trailers), oldest first.
    pub commits: Vec<String>,
    /// The remote's refusal reason, when refused.
    pub status: Option<String>,
    /// The remote's `remote:` lines, sanitised.
    pub remote_lines: Vec<String>,
}

impl Flow {
    /// Pushes the checked-out branch of the clone at `repo_dir` to the incident's branch.
    /// A refusal by the forge is recorded and returned as [`FlowError::PushRefused`].
    pub async fn push(
        &self,
        id: &str,
        repo_dir: Option<&Path>,
        remote: Option<&str>,
    ) -> Result<PushReport, FlowError> {
        let _lock = self.lock(id)?;
        let incident = self.recorder.load(id)?;
        self.check_can_push(&incident)?;
        let expected = incident.head_sha().unwrap_or_default().to_owned();
        let target = CloneTarget {
            dir: dir_or_cwd(repo_dir),
            remote: remote.unwrap_or(&self.config.remote).to_owned(),
            branch: incident.branch.clone(),
            repo: repo_of(&incident)?,
            incident: incident.id.clone(),
        };
        let credentials = self.git_credentials();
        let trailers = Trailers {
            incident: id.to_owned(),
            audit_head: self.recorder.head().hash,
        };
        let prepared = {
            let target = target.clone();
            let credentials = credentials.clone();
            let known_head = Oid::from_str(&expected).ok();
            blocking(move || prepare(&target, known_head, &credentials, &trailers)).await?
        };
        let (state, new_head, commits) = prepared;
        let old = state.remote_head.map(|o| o.to_string()).unwrap_or_default();
        if old != expected {
            return Err(FlowError::RemoteMoved {
                branch: incident.branch.clone(),
                expected: short(&expected),
                found: short(&old),
            });
        }
        self.recorder.record(
            id,
            &IncidentEvent::PushIntended {
                old_sha: old.clone(),
                new_sha: new_head.to_string(),
                commits: commits.clone(),
            },
        )?;
        let (pushed, _) = send(target, new_head, state.remote_head, credentials).await;
        failpoint::hit("after:git_push");
        self.record_push_result(&incident, &old, commits, pushed)
    }

    fn check_can_push(&self, incident: &Incident) -> Result<(), FlowError> {
        if !matches!(incident.phase, Phase::Active | Phase::Pushed) {
            return Err(FlowError::WrongPhase {
                id: incident.id.clone(),
                phase: incident.phase,
                action: "push",
                hint: "pushing needs an open glass: run `breakglass activate` first",
            });
        }
        if let Some(lease) = incident.lease
            && lease.expired(self.clock.now())
        {
            return Err(FlowError::LeaseExpired {
                id: incident.id.clone(),
                deadline: lease.deadline.to_rfc3339(),
            });
        }
        Ok(())
    }

    pub(super) fn record_push_result(
        &self,
        incident: &Incident,
        old: &str,
        commits: Vec<String>,
        pushed: Result<PushOutcome, FlowError>,
    ) -> Result<PushReport, FlowError> {
        let id = incident.id.as_str();
        let outcome = match pushed {
            Ok(outcome) => outcome,
            Err(error) => {
                self.recorder.record(
                    id,
                    &IncidentEvent::PushRejected {
                        status: crate::text::sanitize_line(&error.to_string()),
                        remote_lines: Vec::new(),
                    },
                )?;
                return Err(error);
            }
        };
        let report = PushReport {
            incident: id.to_owned(),
            accepted: outcome.accepted,
            old_sha: old.to_owned(),
            new_sha: outcome.new.to_string(),
            commits,
            status: outcome.status.clone(),
            remote_lines: outcome.remote_lines.clone(),
        };
        if outcome.accepted {
            self.recorder.record(
                id,
                &IncidentEvent::Pushed {
                    old_sha: report.old_sha.clone(),
                    new_sha: report.new_sha.clone(),
                    commits: report.commits.clone(),
                    remote_lines: report.remote_lines.clone(),
                },
            )?;
            return Ok(report);
        }
        let status = outcome.status.unwrap_or_else(|| "refused".into());
        self.recorder.record(
            id,
            &IncidentEvent::PushRejected {
                status: status.clone(),
                remote_lines: outcome.remote_lines,
            },
        )?;
        Err(FlowError::PushRefused {
            branch: incident.branch.clone(),
            status,
        })
    }
}

/// Pushes `new_head` to the target's branch, asserting the forge still has `remote_head`;
/// with the outcome, how many HTTP requests git sent for it (also when it failed).
pub(super) async fn send(
    target: CloneTarget,
    new_head: Oid,
    remote_head: Option<Oid>,
    credentials: crate::git::Credentials,
) -> (Result<PushOutcome, FlowError>, usize) {
    let sent = blocking(move || {
        let local = target.open()?;
        let request = PushRequest {
            remote: &target.remote,
            branch: &target.branch,
            new: new_head,
            expected_old: remote_head,
        };
        let (pushed, requests) = count_http_requests(|| local.push(&request, &credentials));
        Ok((pushed.map_err(FlowError::from), requests))
    })
    .await;
    sent.unwrap_or_else(|error| (Err(error), 0))
}

/// Checks the fast-forward from the head preflight (or the last push) saw, fetching only
/// when the clone lacks it, and adds the trailers; returns the new head and the rewritten
/// commits, oldest first.
pub(super) fn prepare(
    target: &CloneTarget,
    known_head: Option<Oid>,
    credentials: &crate::git::Credentials,
    trailers: &Trailers,
) -> Result<(LocalState, Oid, Vec<String>), FlowError> {
    let state = target.inspect_known(known_head, credentials)?;
    if state.commits.is_empty() {
        return Err(FlowError::NothingToPush {
            branch: target.branch.clone(),
            remote: target.remote.clone(),
        });
    }
    let local = target.open()?;
    let rewrite = local.add_trailers(&state.local_branch, state.remote_head, trailers)?;
    let commits = rewrite.commits.iter().map(|c| c.new.to_string()).collect();
    Ok((state, rewrite.head, commits))
}

pub(super) fn short(sha: &str) -> String {
    if sha.is_empty() {
        "nothing".into()
    } else {
        sha.chars().take(7).collect()
    }
}
