//! Deciding, without doing: what an issue comment says to an approval request (approve,
//! deny, nothing) and whether its author may say it. The author and their permission
//! come from the forge API, never from the comment's text. Pure; a table tests it.

use crate::forge::Permission;
use crate::forge::github::Marker;
use crate::incident::{ApprovalHow, ApprovalRequest};
use chrono::{DateTime, Utc};

/// The marker step that `breakglass approve` puts in its approval comment (plus the
/// approver's login), so the commander's side can say how the approval came.
pub const APPROVE_MARKER_STEP: &str = "approve";

/// A comment as the forge reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenComment {
    pub id: u64,
    /// The author's login, as the forge's `user.login` says.
    pub author: String,
    pub body: String,
    /// When the comment last said what it says now (its `updated_at`).
    pub at: DateTime<Utc>,
}

/// What a comment asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Approve(ApprovalHow),
    Deny { reason: String },
}

/// The answer a comment carries on a line of its own, if any: `/approve`, or
/// `/deny REASON`. Lines of the quoted text (`>`) and anything else are not answers.
pub fn read_answer(incident: &str, body: &str) -> Option<Answer> {
    for line in body.lines().map(str::trim) {
        let mut words = line.splitn(2, char::is_whitespace);
        match words.next().map(str::to_ascii_lowercase).as_deref() {
            Some("/approve") => {
                let how = if approve_marker_prefix(incident)
                    .is_some_and(|prefix| body.contains(&prefix))
                {
                    ApprovalHow::Command
                } else {
                    ApprovalHow::Comment
                };
                return Some(Answer::Approve(how));
            }
            Some("/deny") => {
                let reason = words.next().unwrap_or("").trim();
                return Some(Answer::Deny {
                    reason: crate::text::sanitize_line(reason),
                });
            }
            _ => {}
        }
    }
    None
}

/// The start of every `breakglass approve` marker for `incident`.
fn approve_marker_prefix(incident: &str) -> Option<String> {
    let full = Marker::new(incident, APPROVE_MARKER_STEP).to_string();
    full.strip_suffix(" -->").map(str::to_owned)
}

/// The marker of `login`'s approval comment for the request that `request_comment` (or,
/// without one, its time) identifies: one per approver and request.
pub fn approve_marker(incident: &str, request_key: &str, login: &str) -> Marker {
    Marker::new(
        incident,
        &format!("{APPROVE_MARKER_STEP}-{login}-{request_key}"),
    )
}

/// What to do with an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Approve {
        approver: String,
        how: ApprovalHow,
    },
    Deny {
        by: String,
        reason: String,
    },
    /// Not accepted; `why` is said to the operator and on the issue.
    Refuse {
        login: String,
        why: String,
    },
}

/// Judges `answer` in `comment` on `request` for `repo`, given the author's `permission`
/// there (read through the forge). The requester may withdraw with `/deny` but never
/// approve; everyone else needs write access or more; nothing counts after the deadline.
pub fn judge(
    request: &ApprovalRequest,
    repo: &str,
    comment: &SeenComment,
    answer: &Answer,
    permission: Permission,
) -> Verdict {
    let login = crate::text::sanitize_line(&comment.author);
    let refuse = |why: String| Verdict::Refuse {
        login: login.clone(),
        why,
    };
    let (what, a_what) = match answer {
        Answer::Approve(_) => ("approval", "an approval"),
        Answer::Deny { .. } => ("denial", "a denial"),
    };
    if comment.at > request.deadline {
        return refuse(format!(
            "the {what} by {login} came at {}, after the request timed out at {}; the \
             commander must request a new approval",
            comment.at.format("%H:%M:%S UTC"),
            request.deadline.format("%H:%M:%S UTC")
        ));
    }
    let is_requester = login.eq_ignore_ascii_case(&request.by);
    match answer {
        Answer::Approve(_) if is_requester => {
            return refuse(format!(
                "{login} asked for this approval and cannot give it; a second person with \
                 write access to {repo} must approve"
            ));
        }
        Answer::Deny { reason } if reason.is_empty() => {
            return refuse(format!(
                "the denial by {login} gives no reason; write `/deny REASON`"
            ));
        }
        _ => {}
    }
    if !is_requester && !permission.can_push() {
        return refuse(format!(
            "{login} has {permission} access to {repo}; {a_what} needs write access or more"
        ));
    }
    match answer {
        Answer::Approve(how) => Verdict::Approve {
            approver: login,
            how: *how,
        },
        Answer::Deny { reason } => Verdict::Deny {
            by: login,
            reason: reason.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_258_000 + secs, 0).unwrap()
    }

    fn request() -> ApprovalRequest {
        ApprovalRequest {
            at: t(0),
            by: "commander".into(),
            deadline: t(900),
            issue_repo: "acme/api".into(),
            issue_number: 1,
            issue_url: "http://127.0.0.1/acme/api/issues/1".into(),
            comment_id: Some(2),
        }
    }

    fn comment(author: &str, body: &str, secs: i64) -> SeenComment {
        SeenComment {
            id: 7,
            author: author.into(),
            body: body.into(),
            at: t(secs),
        }
    }

    #[test]
    fn answers_stand_on_a_line_of_their_own() {
        let marker = approve_marker("INC-1", "2", "reviewer");
        let by_command = marker.embed("/approve\nApproved with breakglass approve.");
        for (body, expected) in [
            ("/approve", Some(Answer::Approve(ApprovalHow::Comment))),
            (
                "  /APPROVE  \nlgtm",
                Some(Answer::Approve(ApprovalHow::Comment)),
            ),
            (
                by_command.as_str(),
                Some(Answer::Approve(ApprovalHow::Command)),
            ),
            (
                "looks good\n/deny  wrong commit ",
                Some(Answer::Deny {
                    reason: "wrong commit".into(),
                }),
            ),
            (
                "/deny",
                Some(Answer::Deny {
                    reason: String::new(),
                }),
            ),
            ("please `/approve` here", None),
            ("> /approve\nquoted, not mine", None),
            ("/approved", None),
            ("", None),
        ] {
            assert_eq!(read_answer("INC-1", body), expected, "{body:?}");
        }
        // Another incident's marker is a hand-written approval here.
        assert_eq!(
            read_answer("INC-2", &by_command),
            Some(Answer::Approve(ApprovalHow::Comment))
        );
    }

    #[test]
    fn only_a_second_person_with_write_access_in_time_is_accepted() {
        use Permission as P;
        let approve = Answer::Approve(ApprovalHow::Comment);
        let deny = Answer::Deny {
            reason: "wrong fix".into(),
        };
        let cases: &[(&str, &Answer, Permission, i64, &str)] = &[
            ("reviewer", &approve, P::Write, 100, "approve"),
            ("owner", &approve, P::Admin, 900, "approve"),
            ("commander", &approve, P::Admin, 100, "cannot give it"),
            ("COMMANDER", &approve, P::Admin, 100, "cannot give it"),
            ("viewer", &approve, P::Read, 100, "has read access"),
            ("triager", &approve, P::Triage, 100, "needs write access"),
            (
                "reviewer",
                &approve,
                P::Write,
                901,
                "after the request timed out",
            ),
            ("reviewer", &deny, P::Write, 100, "deny"),
            ("commander", &deny, P::Admin, 100, "deny"),
            ("viewer", &deny, P::Read, 100, "a denial needs write"),
            ("reviewer", &deny, P::Write, 1000, "timed out"),
        ];
        for (author, answer, permission, at, expected) in cases {
            let verdict = judge(
                &request(),
                "acme/api",
                &comment(author, "", *at),
                answer,
                *permission,
            );
            let got = match &verdict {
                Verdict::Approve { .. } => "approve".to_owned(),
                Verdict::Deny { .. } => "deny".to_owned(),
                Verdict::Refuse { why, .. } => why.clone(),
            };
            assert!(
                got.contains(expected),
                "{author} {answer:?} {permission}: {got}"
            );
        }
        let empty = Answer::Deny {
            reason: String::new(),
        };
        let verdict = judge(
            &request(),
            "acme/api",
            &comment("reviewer", "", 1),
            &empty,
            P::Write,
        );
        assert!(matches!(verdict, Verdict::Refuse { why, .. } if why.contains("/deny REASON")));
    }
}
