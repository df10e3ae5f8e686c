//! The incident's events: what happened, as it is written to the audit log.
//!
//! One event maps onto one audit record's `kind` + `data`. Forge payloads (snapshots,
//! plans, diffs, review forms) travel as opaque JSON so this module never depends on
//! `forge`. Nothing here decides whether an event is allowed: that is the fold's job.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why a restore was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestoreTrigger {
    /// The operator asked for it (the checklist's restore step, or "restore now").
    Operator,
    /// The running process reached the lease deadline.
    Deadline,
    /// The detached watchdog reached the deadline after the main process was gone.
    Watchdog,
    /// A later command found an open glass in the log and closed it.
    Recovery,
    /// Ctrl-C or SIGTERM while the glass was open.
    Interrupt,
    /// Something failed while the glass was open (activation or push).
    Failure,
    /// `breakglass guard`, run by someone else from anywhere, found the lease past its
    /// deadline plus the grace on the incident issue and restored the mirrored snapshot.
    Guard,
}

/// What the operator chose to do about drift (someone else changed protection during
/// the window).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftChoice {
    /// Put the whole snapshot back (the default; deadlines and recovery always do this).
    RestoreSnapshot,
    /// Undo only our relaxation and keep the other person's change.
    KeepTheirs,
    /// Change nothing now: the glass stays open until the lease deadline, when the
    /// snapshot is restored.
    Hold,
}

impl DriftChoice {
    /// The snake_case name used in events and `--json` output.
    pub fn name(self) -> &'static str {
        match self {
            DriftChoice::RestoreSnapshot => "restore_snapshot",
            DriftChoice::KeepTheirs => "keep_theirs",
            DriftChoice::Hold => "hold",
        }
    }
}

/// How a second person's approval reached breakglass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalHow {
    /// `breakglass approve`, which posts a marked approval comment with its own token.
    Command,
    /// A `/approve` comment written on the incident issue by hand.
    Comment,
}

impl ApprovalHow {
    /// The snake_case name used in events and `--json` output.
    pub fn name(self) -> &'static str {
        match self {
            ApprovalHow::Command => "command",
            ApprovalHow::Comment => "comment",
        }
    }
}

/// Everything that can happen to an incident, in the audit log's vocabulary.
///
/// Durations are whole seconds and times are UTC, so the JSON stays readable to a third
/// party verifying the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum IncidentEvent {
    /// The incident is declared: scope, reason and the lease asked for.
    Declared {
        /// The incident id (also the audit record's `incident`).
        id: String,
        /// `owner/name` on the forge.
        repo: String,
        branch: String,
        reason: String,
        /// The lease length asked for, in seconds.
        ttl: u64,
        /// The longest the lease may ever run (extensions included), in seconds.
        cap: u64,
        /// The runbook's name.
        runbook: String,
        /// A rehearsal against the sandbox rather than a real emergency.
        drill: bool,
        /// The forge's REST API base the incident is bound to: every later step, the
        /// watchdog and recovery talk to this forge only. Absent in logs written before
        /// incidents were bound (unknown: the operator names it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api_url: Option<String>,
        /// The URL of the clone's remote on that forge, credentials redacted; absent when
        /// the declaration had no clone.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remote_url: Option<String>,
        /// The drill scenario rehearsed (drills only); absent in older logs and for
        /// drills run before scenarios existed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scenario: Option<String>,
    },
    /// A manual runbook step was ticked.
    StepDone {
        /// The runbook step id.
        step: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Identity, permission, the protection snapshot and the commits to push were read.
    Preflighted {
        login: String,
        /// The repository permission as the forge names it (`admin`, `maintain`, …).
        permission: String,
        /// The branch head before the window.
        pre_sha: String,
        /// Every protection on the branch, as the forge returned it.
        snapshot: Value,
        /// The local commits that would be pushed, oldest first.
        commits: Vec<String>,
    },
    /// A second person's approval was asked for (on the incident issue and by webhook);
    /// it stands until `deadline`, then the request ends (`approval_timed_out`).
    ApprovalRequested {
        /// When the request ends unanswered.
        deadline: DateTime<Utc>,
        /// The incident issue where the approval is given (`owner/name`, number, URL).
        issue_repo: String,
        issue_number: u64,
        issue_url: String,
        /// The marked request comment on the issue, once posted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment_id: Option<u64>,
    },
    /// A second person approved; their login and write access were checked through the
    /// forge API, not taken from the comment's text.
    Approved {
        approver: String,
        how: ApprovalHow,
        /// The issue comment that carried the approval.
        comment_id: u64,
    },
    /// Someone with write access answered `/deny REASON`: the request is over.
    ApprovalDenied {
        by: String,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment_id: Option<u64>,
    },
    /// Nobody approved before the request's deadline: the request is over.
    ApprovalTimedOut {},
    /// The commander proceeds without a second person, loudly, for a stated reason (the
    /// record's actor is who decided); listed in the review form for discussion.
    SelfApproved { reason: String },
    /// The relax plan, written and fsync'd before any forge mutation.
    ActivationIntended {
        plan: Value,
        /// Why this window opens, when the operator said (a follow-up fix's `--reason`);
        /// absent in logs written before it was recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The relaxation is in place and the lease runs until `deadline`.
    Activated {
        deadline: DateTime<Utc>,
        /// What the forge accepted.
        applied: Value,
    },
    /// Activation failed part-way: the glass may be partly open, so restore is required.
    ActivationFailed { error: String },
    /// The lease was moved forward (within the cap) for a stated reason.
    LeaseExtended {
        deadline: DateTime<Utc>,
        reason: String,
    },
    /// A push is about to be attempted.
    PushIntended {
        old_sha: String,
        new_sha: String,
        commits: Vec<String>,
    },
    /// The remote accepted the push.
    Pushed {
        old_sha: String,
        new_sha: String,
        commits: Vec<String>,
        remote_lines: Vec<String>,
    },
    /// The remote refused the push; its status and `remote:` lines, sanitised.
    PushRejected {
        status: String,
        remote_lines: Vec<String>,
    },
    /// Restoring the snapshot is about to start; when a failure was already recorded, a
    /// retry is recorded this way together with its result.
    RestoreIntended { trigger: RestoreTrigger },
    /// Someone changed protection during the window (found by a restore, or by a restore
    /// the operator then held).
    DriftDetected { diff: Value },
    /// The operator's (or the deadline's) decision about the drift just detected. The
    /// record's actor is who decided.
    DriftDecided {
        choice: DriftChoice,
        /// `keep_theirs` only: the normalised state the restore must read back (theirs
        /// with our relaxation undone).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kept: Option<Value>,
    },
    /// The snapshot is back; `verified` when the read-back matched it.
    Restored {
        verified: bool,
        /// The login of the `breakglass guard` that restored it, from the incident issue,
        /// when a guard closed the glass before this log's own restorers did (nothing was
        /// re-applied; this log's read-back confirmed it). Absent otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by_guard: Option<String>,
    },
    /// A restore attempt failed; the glass is still open.
    RestoreFailed { error: String, attempt: u32 },
    /// The retroactive review of what was pushed is open on the forge.
    ReviewOpened {
        pr_number: u64,
        pr_url: String,
        before_ref: String,
        after_ref: String,
        /// The pushed commits as the forge compared them (sha, title, author), so the
        /// review's facts read from the log alone; absent in older logs.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        commits: Vec<ReviewedCommit>,
    },
    /// The lessons-learned form was submitted.
    ReviewSubmitted { form: Value },
    /// Someone other than the commander and the pushed commits' authors approved the
    /// retroactive review on the forge after the form was submitted: the incident is over.
    ReviewSignedOff {
        /// The approving reviewer's forge login.
        reviewer: String,
    },
    /// The incident is over.
    Closed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

/// A pushed commit as the retroactive review recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewedCommit {
    pub sha: String,
    /// The message's first line.
    pub title: String,
    /// The git author, `Name <email>`, with the forge login when the forge knew one.
    pub author: String,
}

/// Every event kind, as written in the audit log's `kind` field.
pub const EVENT_KINDS: &[&str] = &[
    "declared",
    "step_done",
    "preflighted",
    "approval_requested",
    "approved",
    "approval_denied",
    "approval_timed_out",
    "self_approved",
    "activation_intended",
    "activated",
    "activation_failed",
    "lease_extended",
    "push_intended",
    "pushed",
    "push_rejected",
    "restore_intended",
    "drift_detected",
    "drift_decided",
    "restored",
    "restore_failed",
    "review_opened",
    "review_submitted",
    "review_signed_off",
    "closed",
];

/// Why an audit record could not be read as an incident event.
#[derive(Debug, thiserror::Error)]
pub enum EventDecodeError {
    #[error(
        "unknown incident event kind `{kind}`: this log was probably written by a newer \
         breakglass; upgrade breakglass to read it"
    )]
    UnknownKind { kind: String },
    #[error(
        "the `{kind}` event's data does not match its format ({source}); the log may have \
         been written by another breakglass version — run `breakglass audit verify`"
    )]
    BadData {
        kind: String,
        source: serde_json::Error,
    },
}

impl IncidentEvent {
    /// The `kind` this event is written under.
    pub fn kind(&self) -> &'static str {
        match self {
            IncidentEvent::Declared { .. } => "declared",
            IncidentEvent::StepDone { .. } => "step_done",
            IncidentEvent::Preflighted { .. } => "preflighted",
            IncidentEvent::ApprovalRequested { .. } => "approval_requested",
            IncidentEvent::Approved { .. } => "approved",
            IncidentEvent::ApprovalDenied { .. } => "approval_denied",
            IncidentEvent::ApprovalTimedOut {} => "approval_timed_out",
            IncidentEvent::SelfApproved { .. } => "self_approved",
            IncidentEvent::ActivationIntended { .. } => "activation_intended",
            IncidentEvent::Activated { .. } => "activated",
            IncidentEvent::ActivationFailed { .. } => "activation_failed",
            IncidentEvent::LeaseExtended { .. } => "lease_extended",
            IncidentEvent::PushIntended { .. } => "push_intended",
            IncidentEvent::Pushed { .. } => "pushed",
            IncidentEvent::PushRejected { .. } => "push_rejected",
            IncidentEvent::RestoreIntended { .. } => "restore_intended",
            IncidentEvent::DriftDetected { .. } => "drift_detected",
            IncidentEvent::DriftDecided { .. } => "drift_decided",
            IncidentEvent::Restored { .. } => "restored",
            IncidentEvent::RestoreFailed { .. } => "restore_failed",
            IncidentEvent::ReviewOpened { .. } => "review_opened",
            IncidentEvent::ReviewSubmitted { .. } => "review_submitted",
            IncidentEvent::ReviewSignedOff { .. } => "review_signed_off",
            IncidentEvent::Closed { .. } => "closed",
        }
    }

    /// True for kinds this module knows (so callers can tell log-level kinds apart).
    pub fn is_known_kind(kind: &str) -> bool {
        EVENT_KINDS.contains(&kind)
    }

    /// Splits the event into the audit record's `kind` and `data`.
    pub fn to_parts(&self) -> (String, Value) {
        let tagged = serde_json::to_value(self).expect("incident events always serialise");
        let Value::Object(mut fields) = tagged else {
            unreachable!("adjacently tagged enums serialise to objects")
        };
        let data = fields.remove("data").unwrap_or(Value::Null);
        (self.kind().to_owned(), data)
    }

    /// Reads an event back from an audit record's `kind` and `data`.
    pub fn from_parts(kind: &str, data: &Value) -> Result<IncidentEvent, EventDecodeError> {
        if !Self::is_known_kind(kind) {
            return Err(EventDecodeError::UnknownKind {
                kind: crate::text::sanitize_line(kind),
            });
        }
        let tagged = serde_json::json!({ "kind": kind, "data": data });
        serde_json::from_value(tagged).map_err(|source| EventDecodeError::BadData {
            kind: kind.to_owned(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn declared_data() -> Value {
        json!({
            "id": "INC-7", "repo": "acme/api", "branch": "main",
            "reason": "checkout down https://tickets.acme.dev/7",
            "ttl": 1800, "cap": 7200, "runbook": "github", "drill": false,
        })
    }

    #[test]
    fn a_declaration_from_an_older_log_has_no_forge_and_still_reads() {
        let event = IncidentEvent::from_parts("declared", &declared_data()).unwrap();
        let IncidentEvent::Declared {
            api_url,
            remote_url,
            ..
        } = &event
        else {
            panic!("{event:?}")
        };
        assert_eq!((api_url, remote_url), (&None, &None));
        // Written back, it stays as it was: no `null` members appear.
        assert_eq!(event.to_parts().1, declared_data());
    }

    #[test]
    fn a_declaration_records_its_forge_and_remote() {
        let mut data = declared_data();
        data["api_url"] = json!("http://127.0.0.1:8080");
        data["remote_url"] = json!("http://127.0.0.1:8080/git/acme/api.git");
        let event = IncidentEvent::from_parts("declared", &data).unwrap();
        let IncidentEvent::Declared {
            api_url,
            remote_url,
            ..
        } = &event
        else {
            panic!("{event:?}")
        };
        assert_eq!(api_url.as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(
            remote_url.as_deref(),
            Some("http://127.0.0.1:8080/git/acme/api.git")
        );
        assert_eq!(event.to_parts().1, data);
    }

    #[test]
    fn an_activation_intent_from_an_older_log_has_no_reason_and_still_reads() {
        let older = json!({"plan": {"enforce_admins": false}});
        let event = IncidentEvent::from_parts("activation_intended", &older).unwrap();
        assert!(
            matches!(
                &event,
                IncidentEvent::ActivationIntended { reason: None, .. }
            ),
            "{event:?}"
        );
        assert_eq!(event.to_parts().1, older, "no `null` member appears");
        let mut said = older.clone();
        said["reason"] = json!("the second half of the fix — https://tickets.acme.dev/7");
        let event = IncidentEvent::from_parts("activation_intended", &said).unwrap();
        let IncidentEvent::ActivationIntended { reason, .. } = &event else {
            panic!("{event:?}")
        };
        assert_eq!(
            reason.as_deref(),
            Some("the second half of the fix — https://tickets.acme.dev/7")
        );
        assert_eq!(event.to_parts().1, said);
    }
}
