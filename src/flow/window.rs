//! The window as one confirmed action: everything is prepared and shown first (the relax
//! plan, the commits with their trailers, the lease), then after one confirmation the glass
//! opens, the fix is pushed, and the restore is recorded and run the instant the push is
//! answered, accepted or rejected. No human step, no dialog and no fetch happen while the
//! glass is open. A follow-up fix reopens the glass on the same snapshot after a verified
//! restore; the lease cap bounds the incident's total open time across its windows.
//!
//! CLI, TUI and drills all call [`Flow::prepare_window`] and [`Flow::run_window`].

use super::activate::ActivationReport;
use super::context::Flow;
use super::error::FlowError;
use super::failpoint;
use super::local::{CloneTarget, blocking, dir_or_cwd};
use super::preflight::repo_of;
use super::push::{PushReport, prepare, send, short};
use super::restore::{RestoreOutcome, recorded_payloads};
use crate::forge::diff::Difference;
use crate::forge::github::count_requests;
use crate::forge::plan::RelaxPlan;
use crate::git::{AUDIT_TRAILER, INCIDENT_TRAILER, OutgoingCommit, Trailers};
use crate::incident::{Incident, IncidentEvent, Lease, Phase, RestoreTrigger};
use chrono::Duration;
use git2::Oid;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Everything the one confirmation shows, and exactly what the window will do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowPlan {
    pub incident: String,
    /// 1 for the incident's first window; more for a follow-up on the same snapshot.
    pub number: usize,
    pub repo: String,
    pub branch: String,
    /// The least change that lets this person push.
    pub plan: RelaxPlan,
    /// The plan in the operator's words.
    pub plan_words: String,
    /// The plan as a before → during diff of the protection.
    pub plan_diff: Vec<Difference>,
    /// The forge branch's head the push replaces (asserted by the push).
    pub old_sha: String,
    /// The head pushed: the last commit, with its trailers.
    pub new_sha: String,
    /// The commits as they will be pushed (with their trailers), oldest first.
    pub commits: Vec<OutgoingCommit>,
    /// The trailer lines every pushed commit carries.
    pub trailers: Vec<String>,
    /// The audit head named by the `Break-Glass-Audit` trailer.
    pub audit_head: String,
    /// How long the lease of this window runs at most (the glass closes long before).
    #[serde(with = "crate::incident::secs")]
    pub lease: Duration,
    /// How long the glass was open in the incident's earlier windows.
    #[serde(with = "crate::incident::secs")]
    pub open_before: Duration,
    /// The clone and its remote the push goes from.
    pub repo_dir: PathBuf,
    pub remote: String,
}

impl WindowPlan {
    /// The trailers as the git layer writes them.
    pub fn trailer_values(&self) -> Trailers {
        Trailers {
            incident: self.incident.clone(),
            audit_head: self.audit_head.clone(),
        }
    }

    /// The one confirmation's text, for a terminal prompt: the plan, then the commits.
    pub fn confirmation_lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "incident {}: window {} on {} {} — opens the glass, pushes, restores at once",
            self.incident, self.number, self.repo, self.branch
        )];
        lines.push("relax plan (undone the instant the push is answered):".into());
        lines.extend(
            self.plan_words
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| format!("  {}", crate::text::sanitize_line(l.trim()))),
        );
        lines.push(format!(
            "commits to push onto {} ({} → {}):",
            self.branch,
            short(&self.old_sha),
            short(&self.new_sha)
        ));
        for commit in &self.commits {
            lines.push(format!(
                "  {} {} — {}",
                short(&commit.sha.to_string()),
                crate::text::sanitize_line(&commit.summary),
                crate::text::sanitize_line(&commit.author)
            ));
        }
        lines.push("each with the trailers:".into());
        lines.extend(self.trailers.iter().map(|t| format!("  {t}")));
        lines.push(format!(
            "lease: at most {} s (the cap leaves this after {} s open before)",
            self.lease.num_seconds(),
            self.open_before.num_seconds()
        ));
        lines
    }
}

/// What one window did: opened, pushed (or was refused), closed and verified.
#[derive(Debug, Clone, Serialize)]
pub struct WindowReport {
    pub incident: String,
    pub number: usize,
    pub plan_words: String,
    pub activation: ActivationReport,
    pub push: PushReport,
    pub restore: RestoreOutcome,
    /// This window's length in seconds, from the activation intent to the restore.
    pub exposure_seconds: Option<f64>,
    /// The glass's open time over all of the incident's windows, in seconds.
    pub open_seconds_total: f64,
    pub requests: WindowRequests,
}

/// The window's forge requests, from the activation intent to the verified restore, as
/// this process's clients counted them as they sent them (the watchdog is another process;
/// it asks nothing while the glass is open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WindowRequests {
    /// Protection writes that relaxed it (part of `api`).
    pub relax_writes: usize,
    /// Protection writes that put it back (part of `api`).
    pub restore_writes: usize,
    /// REST API requests the GitHub client sent: the relax writes, the restore's drift
    /// read, its writes and its verifying read, each retry counted again.
    pub api: usize,
    /// HTTP requests git sent for the push: one ref discovery and the pack (more if the
    /// forge asked for credentials; none over ssh).
    pub git: usize,
    /// `api` + `git`: every round trip of the window.
    pub total: usize,
}

impl WindowRequests {
    fn counted(
        activation: &ActivationReport,
        restore: &RestoreOutcome,
        api: usize,
        git: usize,
    ) -> Self {
        WindowRequests {
            relax_writes: activation.applied_steps,
            restore_writes: restore.writes,
            api,
            git,
            total: api + git,
        }
    }
}

impl WindowReport {
    /// The restore did not verify, or found drift: exit code 3 territory.
    pub fn needs_attention(&self) -> bool {
        self.restore.needs_attention()
    }

    /// What the operator does next, in order.
    pub fn next_steps(&self, remote: &str, branch: &str) -> Vec<String> {
        let id = &self.incident;
        if self.needs_attention() {
            return vec![self.restore.summary()];
        }
        if self.push.accepted {
            return vec![
                "watch the deploy and confirm recovery on the dashboards".into(),
                format!("then open the retroactive review: breakglass review --incident {id}"),
            ];
        }
        vec![
            format!(
                "the glass is closed again; bring the fix up to date: git fetch {remote} && \
                 git rebase {remote}/{branch}"
            ),
            format!(
                "then open a follow-up window on the same snapshot: breakglass push --incident {id}"
            ),
        ]
    }
}

/// How long a window waits for the incident issue's sync in flight before it opens.
const MIRROR_SETTLE: std::time::Duration = std::time::Duration::from_secs(2);

impl Flow {
    /// Prepares incident `id`'s next window without touching the forge's protection: the
    /// plan (preflight's, or the first window's for a follow-up), the commits with their
    /// trailers (a follow-up fetches first: the branch may have moved), and the lease
    /// the cap still allows. Nothing is recorded.
    pub async fn prepare_window(
        &self,
        id: &str,
        repo_dir: Option<&Path>,
        remote: Option<&str>,
    ) -> Result<WindowPlan, FlowError> {
        let _lock = self.lock(id)?;
        let incident = self.recorder.load(id)?;
        let follow_up = check_can_open(&incident)?;
        self.check_approval_gate(&incident)?;
        let lease = self.lease_left(&incident)?;
        let (snapshot, recorded_plan) = recorded_payloads(&incident)?;
        let relax = match recorded_plan.filter(|_| follow_up) {
            Some(plan) => plan,
            None => self.plan_for(id).await?,
        };
        let target = CloneTarget {
            dir: dir_or_cwd(repo_dir),
            remote: remote.unwrap_or(&self.config.remote).to_owned(),
            branch: incident.branch.clone(),
            repo: repo_of(&incident)?,
            incident: incident.id.clone(),
        };
        let trailers = Trailers {
            incident: id.to_owned(),
            audit_head: self.recorder.head().hash,
        };
        // The first window pushes onto the head preflight fetched; a follow-up asks the
        // forge again (outside the window), since a rejected push means it moved.
        let expected = incident.head_sha().unwrap_or_default().to_owned();
        let known_head = if follow_up {
            None
        } else {
            Oid::from_str(&expected).ok()
        };
        let (state, new_head, rewritten) = {
            let (target, credentials, trailers) =
                (target.clone(), self.git_credentials(), trailers.clone());
            blocking(move || prepare(&target, known_head, &credentials, &trailers)).await?
        };
        let old = state.remote_head.map(|o| o.to_string()).unwrap_or_default();
        if !follow_up && old != expected {
            return Err(FlowError::RemoteMoved {
                branch: incident.branch.clone(),
                expected: short(&expected),
                found: short(&old),
            });
        }
        let commits = state
            .commits
            .iter()
            .zip(&rewritten)
            .map(|(commit, new)| OutgoingCommit {
                sha: Oid::from_str(new).unwrap_or(commit.sha),
                ..commit.clone()
            })
            .collect();
        Ok(WindowPlan {
            incident: id.to_owned(),
            number: incident.windows.len() + 1,
            repo: incident.repo.clone(),
            branch: incident.branch.clone(),
            plan_words: relax.describe(),
            plan_diff: relax.diff(&snapshot),
            plan: relax,
            old_sha: old,
            new_sha: new_head.to_string(),
            commits,
            trailers: vec![
                format!("{INCIDENT_TRAILER}: {}", trailers.incident),
                format!("{AUDIT_TRAILER}: {}", trailers.audit_head),
            ],
            audit_head: trailers.audit_head,
            lease,
            open_before: incident.open_time(self.clock.now()),
            repo_dir: target.dir,
            remote: target.remote,
        })
    }

    /// Runs a confirmed window: opens the glass, pushes `prepared.new_sha`, and records
    /// the restore intent right after the push's answer, then restores and verifies. A
    /// rejected push is a report (`push.accepted == false`) with the glass already closed.
    pub async fn run_window(&self, prepared: &WindowPlan) -> Result<WindowReport, FlowError> {
        self.run_window_with_reason(prepared, None).await
    }

    /// [`run_window`](Self::run_window), recording why this window opens in its activation
    /// intent (a follow-up fix's reason; the first window's is the declaration's).
    pub async fn run_window_with_reason(
        &self,
        prepared: &WindowPlan,
        reason: Option<&str>,
    ) -> Result<WindowReport, FlowError> {
        let id = prepared.incident.as_str();
        let lock = self.lock(id)?;
        let incident = self.recorder.load(id)?;
        check_can_open(&incident)?;
        if incident.windows.len() + 1 != prepared.number {
            return Err(FlowError::WrongPhase {
                id: incident.id,
                phase: incident.phase,
                action: "open the window prepared for it",
                hint: "another window ran since this one was prepared; prepare it again",
            });
        }
        self.check_approval_gate(&incident)?;
        let lease = self.lease_left(&incident)?.min(prepared.lease);
        // The incident issue catches up the moment the window closes; inside it the forge
        // hears only the window's own requests.
        let _mirror_hold = match &self.mirror {
            Some(mirror) => Some(mirror.hold(id, MIRROR_SETTLE).await),
            None => None,
        };
        let new_head = Oid::from_str(&prepared.new_sha).map_err(|e| FlowError::Unreadable {
            id: id.to_owned(),
            what: "prepared head",
            problem: e.to_string(),
        })?;
        let old_head = Oid::from_str(&prepared.old_sha).ok();
        let commits: Vec<String> = prepared.commits.iter().map(|c| c.sha.to_string()).collect();
        let reason = reason
            .map(|r| crate::text::sanitize_line(r.trim()))
            .filter(|r| !r.is_empty());
        // Everything from the activation intent to the verified restore, counted.
        let (window, api) = count_requests(async {
            let activation = self
                .open_glass(&lock, id, &prepared.plan, lease, reason)
                .await?;
            let (answered, git) = self
                .push_in_window(&incident, prepared, new_head, old_head, commits.clone())
                .await;
            // The push is answered: the restore intent is the very next event.
            let trigger = match &answered {
                Ok(_) => RestoreTrigger::Operator,
                Err(_) => RestoreTrigger::Failure,
            };
            let restore = self.restore_locked(&lock, trigger).await?;
            Ok::<_, FlowError>((activation, answered, git, restore))
        })
        .await;
        let (activation, answered, git, restore) = window?;
        let requests = WindowRequests::counted(&activation, &restore, api, git);
        let push = match answered {
            Ok(report) => report,
            Err(error @ (FlowError::Audit { .. } | FlowError::AuditRead(_))) => return Err(error),
            Err(error) => self.rejected_report(id, prepared, commits, &error)?,
        };
        let closed = self.recorder.load(id)?;
        let now = self.clock.now();
        Ok(WindowReport {
            incident: id.to_owned(),
            number: prepared.number,
            plan_words: prepared.plan_words.clone(),
            exposure_seconds: restore.exposure_seconds,
            open_seconds_total: closed.open_time(now).num_milliseconds() as f64 / 1000.0,
            requests,
            activation,
            push,
            restore,
        })
    }

    /// `push_intended`, the push, and `pushed` or `push_rejected`; nothing else. With the
    /// answer, the HTTP requests git sent.
    async fn push_in_window(
        &self,
        incident: &Incident,
        prepared: &WindowPlan,
        new_head: Oid,
        old_head: Option<Oid>,
        commits: Vec<String>,
    ) -> (Result<PushReport, FlowError>, usize) {
        let id = incident.id.as_str();
        let intended = self.recorder.record(
            id,
            &IncidentEvent::PushIntended {
                old_sha: prepared.old_sha.clone(),
                new_sha: prepared.new_sha.clone(),
                commits: commits.clone(),
            },
        );
        let target = intended.and_then(|_| {
            Ok(CloneTarget {
                dir: prepared.repo_dir.clone(),
                remote: prepared.remote.clone(),
                branch: incident.branch.clone(),
                repo: repo_of(incident)?,
                incident: id.to_owned(),
            })
        });
        let target = match target {
            Ok(target) => target,
            Err(error) => return (Err(error), 0),
        };
        let (pushed, git_requests) = send(target, new_head, old_head, self.git_credentials()).await;
        failpoint::hit("after:git_push");
        let answered = self.record_push_result(incident, &prepared.old_sha, commits, pushed);
        (answered, git_requests)
    }

    /// The refused push as a report, with the remote's lines as the log recorded them.
    fn rejected_report(
        &self,
        id: &str,
        prepared: &WindowPlan,
        commits: Vec<String>,
        error: &FlowError,
    ) -> Result<PushReport, FlowError> {
        let status = match error {
            FlowError::PushRefused { status, .. } => status.clone(),
            other => crate::text::sanitize_line(&other.to_string()),
        };
        let remote_lines = self
            .recorder
            .load(id)?
            .push_rejections
            .last()
            .map(|r| r.remote_lines.clone())
            .unwrap_or_default();
        Ok(PushReport {
            incident: id.to_owned(),
            accepted: false,
            old_sha: prepared.old_sha.clone(),
            new_sha: prepared.new_sha.clone(),
            commits,
            status: Some(status),
            remote_lines,
        })
    }

    /// The lease a new window may have: the asked length, within what the cap leaves
    /// after the incident's earlier windows.
    fn lease_left(&self, incident: &Incident) -> Result<Duration, FlowError> {
        let used = incident.open_time(self.clock.now());
        let left = Lease::cap_left(incident.cap, used);
        if left < Duration::seconds(1) {
            return Err(FlowError::CapReached {
                id: incident.id.clone(),
                open_seconds: used.num_seconds(),
                cap_seconds: incident.cap.num_seconds(),
            });
        }
        Ok(incident.ttl.min(left))
    }
}

/// Whether incident `incident` may open a window now: `Ok(false)` for its first (after
/// preflight), `Ok(true)` for a follow-up (after a verified restore).
fn check_can_open(incident: &Incident) -> Result<bool, FlowError> {
    match incident.phase {
        Phase::Preflighted => Ok(false),
        _ if incident.can_reopen() => Ok(true),
        phase => Err(FlowError::WrongPhase {
            id: incident.id.clone(),
            phase,
            action: "open a window",
            hint: match phase {
                Phase::Declared => "run preflight first",
                p if p.glass_possibly_open() => {
                    "the glass is open already: push or restore it (`breakglass push|restore`)"
                }
                _ => {
                    "a follow-up window needs a verified restore without drift; declare a new \
                     incident"
                }
            },
        }),
    }
}
