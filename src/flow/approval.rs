//! The two-person rule: before the glass opens, a second person approves on the incident
//! issue (`breakglass approve` or a `/approve` comment), or the commander self-approves
//! loudly with a reason. [`Flow::await_approval`] is the gate every path to the glass
//! (CLI, TUI, drills, the one-shot push) goes through; [`Flow::activate`] refuses without
//! it when `[approval] required`.
//!
//! Who wrote a comment and what they may do is read through the forge API; the comment's
//! text only says what they ask. Comments are read with `since`, each judged once.

mod judge;
mod remote;

pub use judge::{Answer, SeenComment, Verdict, read_answer};
pub use remote::{ApproveError, ApproveReport, approve_as_second_person};

use super::context::Flow;
use super::error::FlowError;
use crate::forge::RepoId;
use crate::forge::github::Marker;
use crate::incident::{ApprovalDecision, ApprovalRequest, Incident, IncidentEvent, Phase};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// How often the wait looks at the issue for an answer.
pub const APPROVAL_POLL: std::time::Duration = std::time::Duration::from_secs(3);

/// How far before the request `since` reaches, so a forge clock a little behind ours
/// still shows every comment (comments older than the request comment are ignored).
const CLOCK_SKEW: i64 = 120;

/// What the commander chose at the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalChoice {
    /// Ask a second person on the incident issue and wait.
    Ask,
    /// Proceed without a second person, for this reason (recorded and shown everywhere).
    SelfApprove(String),
}

/// An answer that was not accepted, and why (also said on the issue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub login: String,
    pub why: String,
    pub comment_id: u64,
}

/// A request still waiting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalWait {
    pub incident: String,
    pub issue_url: String,
    pub deadline: DateTime<Utc>,
    #[serde(with = "crate::incident::secs")]
    pub remaining: Duration,
    /// Answers refused by this look at the issue (each is reported once).
    pub refusals: Vec<Refusal>,
}

/// Where the gate stands after one look.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "approval", rename_all = "snake_case")]
pub enum ApprovalCheck {
    /// `[approval] required = false`: no second person is asked for.
    NotRequired,
    /// Approved or self-approved: the glass may open.
    Granted {
        decision: ApprovalDecision,
    },
    Waiting(ApprovalWait),
}

/// What this process has already read of an incident's approval comments.
#[derive(Debug, Default)]
pub(super) struct CommentWatch {
    /// The request these comments answer (its time): a new request starts afresh.
    request_at: Option<DateTime<Utc>>,
    seen: HashSet<u64>,
}

/// The comment watches, by incident.
pub(super) type Watches = std::sync::Mutex<HashMap<String, CommentWatch>>;

impl Flow {
    /// True when the glass waits for a second person (`[approval] required`).
    pub fn approval_required(&self) -> bool {
        self.config.approval.required
    }

    /// The gate: returns once incident `id` may open its glass. Asks for an approval
    /// (or records the self-approval) and looks at the issue every [`APPROVAL_POLL`],
    /// telling `on_wait` what it found; ends with the denial or the timeout as an error
    /// that says what to do next.
    pub async fn await_approval(
        &self,
        id: &str,
        choice: &ApprovalChoice,
        on_wait: &mut (dyn FnMut(&ApprovalWait) + Send),
    ) -> Result<ApprovalCheck, FlowError> {
        let granted = self.incident(id)?.approval.granted().is_some();
        if let ApprovalChoice::SelfApprove(reason) = choice {
            self.self_approve(id, reason).await?;
        } else if self.approval_required() && !granted {
            self.request_approval(id).await?;
        }
        loop {
            match self.check_approval(id).await? {
                ApprovalCheck::Waiting(wait) => {
                    on_wait(&wait);
                    self.options.sleeper.0.sleep(APPROVAL_POLL).await;
                }
                done => return Ok(done),
            }
        }
    }

    /// Asks for a second person's approval of incident `id` (preflighted): finds or opens
    /// the incident issue, posts the marked request comment, tells the webhooks, and
    /// records `approval_requested`. A request already waiting is returned as it is.
    pub async fn request_approval(&self, id: &str) -> Result<ApprovalRequest, FlowError> {
        let incident = self.incident(id)?;
        expect_preflighted(&incident, "ask for an approval")?;
        if let Some(pending) = incident.approval.pending() {
            return Ok(pending.clone());
        }
        // The mirror opens the incident issue in the background at declaration: let it
        // finish first, so the request goes to that one issue rather than racing it to a
        // second one.
        self.settle_mirror(std::time::Duration::from_secs(5)).await;
        let issue = self.incident_issue(&incident).await?;
        let now = self.clock.now();
        let deadline = now + self.config.approval.timeout;
        let number = incident.approval.history.len() + 1;
        let body = request_body(&incident, self.actor(), deadline);
        let marker = Marker::new(id, &format!("approval-request-{number}"));
        let comment = self
            .forge
            .comment(&issue.repo, issue.number, &body, &marker)
            .await
            .map_err(FlowError::forge(
                "posting the approval request on the incident issue",
            ))?;
        {
            let _lock = self.lock(id)?;
            let incident = self.recorder.load(id)?;
            if let Some(pending) = incident.approval.pending() {
                return Ok(pending.clone());
            }
            self.recorder.record(
                id,
                &IncidentEvent::ApprovalRequested {
                    deadline,
                    issue_repo: issue.repo.to_string(),
                    issue_number: issue.number,
                    issue_url: issue.html_url.clone(),
                    comment_id: Some(comment.id),
                },
            )?;
        }
        self.notify_approval(
            &incident,
            &format!(
                "{id}: {} asks for a second person's approval to break the glass on {} {} — \
             approve on {} before {}",
                self.actor(),
                incident.repo,
                incident.branch,
                issue.html_url,
                deadline.format("%H:%M UTC")
            ),
        );
        let incident = self.incident(id)?;
        Ok(incident
            .approval
            .pending()
            .cloned()
            .expect("the request was just recorded"))
    }

    /// Proceeds without a second person, loudly: `self_approved` with the reason, a
    /// comment on the incident issue, and the webhooks. The issue and webhook are best
    /// effort (the log is the record); the reason is required.
    pub async fn self_approve(&self, id: &str, reason: &str) -> Result<Incident, FlowError> {
        let reason = crate::text::sanitize_line(reason.trim());
        if reason.is_empty() {
            return Err(FlowError::SelfApprovalNeedsReason { id: id.to_owned() });
        }
        let incident = self.incident(id)?;
        expect_preflighted(&incident, "be self-approved")?;
        if incident.approval.granted().is_some() {
            return Ok(incident);
        }
        {
            let _lock = self.lock(id)?;
            self.recorder.load(id)?;
            self.recorder.record(
                id,
                &IncidentEvent::SelfApproved {
                    reason: reason.clone(),
                },
            )?;
        }
        let text = format!(
            "SELF-APPROVED: {} breaks the glass on {} {} for {id} WITHOUT a second person's \
             approval. Reason: {reason}. This is listed in the review for discussion.",
            self.actor(),
            incident.repo,
            incident.branch
        );
        match self.incident_issue(&incident).await {
            Ok(issue) => {
                let marker = Marker::new(id, "self-approved");
                if let Err(error) = self
                    .forge
                    .comment(&issue.repo, issue.number, &format!("⚠️ {text}"), &marker)
                    .await
                {
                    tracing::warn!("the self-approval was not posted on the issue: {error}");
                }
            }
            Err(error) => tracing::warn!("no incident issue for the self-approval: {error}"),
        }
        self.notify_approval(&incident, &text);
        self.incident(id)
    }

    /// One look at incident `id`'s approval: reads the issue's new comments, judges each
    /// answer once (author and permission through the forge), records an approval or a
    /// denial, and records the timeout once the deadline has passed.
    pub async fn check_approval(&self, id: &str) -> Result<ApprovalCheck, FlowError> {
        let incident = self.incident(id)?;
        if let Some(decision) = incident.approval.granted() {
            return Ok(ApprovalCheck::Granted {
                decision: decision.clone(),
            });
        }
        let Some(request) = incident.approval.pending().cloned() else {
            if !self.approval_required() {
                return Ok(ApprovalCheck::NotRequired);
            }
            return Err(ended_error(&incident));
        };
        let comments = self.fresh_answers(&incident, &request).await?;
        let mut refusals = Vec::new();
        for (comment, answer) in comments {
            let permission = self
                .forge
                .permission_of(&incident_repo(&incident)?, &comment.author)
                .await
                .map_err(FlowError::forge(
                    "reading the approver's permission on the repository",
                ))?;
            match judge::judge(&request, &incident.repo, &comment, &answer, permission) {
                Verdict::Approve { approver, how } => {
                    self.record_answer(
                        id,
                        IncidentEvent::Approved {
                            approver: approver.clone(),
                            how,
                            comment_id: comment.id,
                        },
                    )?;
                    self.notify_approval(
                        &incident,
                        &format!(
                            "{id}: APPROVED by {approver}; the glass on {} {} may open",
                            incident.repo, incident.branch
                        ),
                    );
                    return self.finish_check(id);
                }
                Verdict::Deny { by, reason } => {
                    self.record_answer(
                        id,
                        IncidentEvent::ApprovalDenied {
                            by,
                            reason,
                            comment_id: Some(comment.id),
                        },
                    )?;
                    return self.finish_check(id);
                }
                Verdict::Refuse { login, why } => {
                    self.reply_refused(id, &request, comment.id, &why).await;
                    refusals.push(Refusal {
                        login,
                        why,
                        comment_id: comment.id,
                    });
                }
            }
        }
        let now = self.clock.now();
        if now >= request.deadline {
            self.record_answer(id, IncidentEvent::ApprovalTimedOut {})?;
            return self.finish_check(id);
        }
        Ok(ApprovalCheck::Waiting(ApprovalWait {
            incident: id.to_owned(),
            issue_url: request.issue_url.clone(),
            deadline: request.deadline,
            remaining: request.deadline - now,
            refusals,
        }))
    }

    /// The answers among the issue's comments this process has not judged yet, oldest
    /// first; comments older than the request comment do not answer it.
    async fn fresh_answers(
        &self,
        incident: &Incident,
        request: &ApprovalRequest,
    ) -> Result<Vec<(SeenComment, Answer)>, FlowError> {
        let repo: RepoId = request
            .issue_repo
            .parse()
            .map_err(|e| FlowError::Unreadable {
                id: incident.id.clone(),
                what: "approval request's issue repository",
                problem: format!("{e}"),
            })?;
        let since = request.at - Duration::seconds(CLOCK_SKEW);
        let comments = self
            .forge
            .issue_comments(&repo, request.issue_number, Some(since))
            .await
            .map_err(FlowError::forge("reading the incident issue's comments"))?;
        let mut watches = self
            .approval_watches
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let watch = watches.entry(incident.id.clone()).or_default();
        if watch.request_at != Some(request.at) {
            *watch = CommentWatch {
                request_at: Some(request.at),
                seen: HashSet::new(),
            };
        }
        let after = request.comment_id.unwrap_or(0);
        Ok(comments
            .into_iter()
            .filter(|c| c.id > after && watch.seen.insert(c.id))
            .filter_map(|c| {
                let answer = read_answer(&incident.id, &c.body)?;
                Some((
                    SeenComment {
                        id: c.id,
                        author: c.author,
                        body: c.body,
                        at: c.updated_at,
                    },
                    answer,
                ))
            })
            .collect())
    }

    fn record_answer(&self, id: &str, event: IncidentEvent) -> Result<(), FlowError> {
        let _lock = self.lock(id)?;
        let incident = self.recorder.load(id)?;
        // Another process may have answered it meanwhile: its answer stands.
        if incident.approval.pending().is_some() {
            self.recorder.record(id, &event)?;
        }
        Ok(())
    }

    fn finish_check(&self, id: &str) -> Result<ApprovalCheck, FlowError> {
        let incident = self.incident(id)?;
        match incident.approval.granted() {
            Some(decision) => Ok(ApprovalCheck::Granted {
                decision: decision.clone(),
            }),
            None => Err(ended_error(&incident)),
        }
    }

    /// Says on the issue why an answer was not accepted, once per comment (marked).
    async fn reply_refused(&self, id: &str, request: &ApprovalRequest, comment_id: u64, why: &str) {
        let Ok(repo) = request.issue_repo.parse::<RepoId>() else {
            return;
        };
        let marker = Marker::new(id, &format!("approval-refused-{comment_id}"));
        let body = format!("Not accepted (comment {comment_id}): {why}.");
        if let Err(error) = self
            .forge
            .comment(&repo, request.issue_number, &body, &marker)
            .await
        {
            tracing::warn!("the refusal was not posted on the issue: {error}");
        }
    }

    /// The incident's issue, found or opened (`[mirror] repo`, else the incident's own).
    async fn incident_issue(
        &self,
        incident: &Incident,
    ) -> Result<crate::mirror::IncidentIssue, FlowError> {
        let repo = crate::mirror::mirror_repo(&self.config, incident).map_err(|e| {
            FlowError::Unreadable {
                id: incident.id.clone(),
                what: "incident issue repository",
                problem: e.to_string(),
            }
        })?;
        crate::mirror::open_or_find(self.forge.as_ref(), &repo, incident, self.clock.now())
            .await
            .map_err(FlowError::forge(
                "finding or opening the incident issue for the approval",
            ))
    }

    /// Tells the team's webhooks about an approval step. The notify module (issue 9 §2)
    /// delivers it; until it is wired in, the text goes to the trace log only.
    fn notify_approval(&self, incident: &Incident, text: &str) {
        tracing::info!(incident = %incident.id, "approval notification: {text}");
    }

    /// Refuses to open the glass of `incident` without an approval when one is required.
    pub(super) fn check_approval_gate(&self, incident: &Incident) -> Result<(), FlowError> {
        if !self.approval_required() || incident.approval.granted().is_some() {
            return Ok(());
        }
        Err(FlowError::ApprovalNeeded {
            id: incident.id.clone(),
            why: match incident.approval.pending() {
                Some(request) => format!(
                    "the approval requested on {} is still waiting",
                    request.issue_url
                ),
                None if incident.approval.request.is_some() => ended_error(incident).to_string(),
                None => "no second person has approved it".to_owned(),
            },
        })
    }
}

fn incident_repo(incident: &Incident) -> Result<RepoId, FlowError> {
    incident
        .repo
        .parse()
        .map_err(|e: crate::forge::RepoIdError| FlowError::Unreadable {
            id: incident.id.clone(),
            what: "repository",
            problem: e.to_string(),
        })
}

fn expect_preflighted(incident: &Incident, action: &'static str) -> Result<(), FlowError> {
    if incident.phase == Phase::Preflighted {
        return Ok(());
    }
    Err(FlowError::WrongPhase {
        id: incident.id.clone(),
        phase: incident.phase,
        action,
        hint: if incident.phase == Phase::Declared {
            "run preflight first: the approver should see the plan"
        } else {
            "approval comes between preflight and opening the glass"
        },
    })
}

/// The error for a request that ended without approval, with what to do next.
fn ended_error(incident: &Incident) -> FlowError {
    let id = incident.id.clone();
    match &incident.approval.decision {
        Some(ApprovalDecision::Denied { by, reason, .. }) => FlowError::ApprovalDenied {
            id,
            by: by.clone(),
            reason: reason.clone(),
        },
        _ => FlowError::ApprovalTimedOut {
            id,
            issue_url: incident
                .approval
                .request
                .as_ref()
                .map(|r| r.issue_url.clone())
                .unwrap_or_default(),
        },
    }
}

/// The marked request comment: what will change and how to answer.
fn request_body(incident: &Incident, requester: &str, deadline: DateTime<Utc>) -> String {
    let plan = incident
        .preflight
        .as_ref()
        .map(|p| format!("{} commit(s) to push", p.commits.len()))
        .unwrap_or_default();
    format!(
        "**Approval requested** by @{requester} to break the glass on `{}` `{}` \
         ({plan}).\n\nReason: {}\n\nA second person with write access approves with \
         `breakglass approve --incident {} --repo {}` or by commenting `/approve` here; \
         `/deny REASON` ends the request. It times out at {}.\n\n{}",
        incident.repo,
        incident.branch,
        crate::text::sanitize_line(&incident.reason),
        incident.id,
        incident.repo,
        deadline.format("%Y-%m-%d %H:%M:%S UTC"),
        remote::deadline_line(deadline),
    )
}
