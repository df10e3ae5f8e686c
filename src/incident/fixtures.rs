//! Test fixtures: one sample of every event and the shortest history reaching each phase.

use super::*;
use chrono::{DateTime, Utc};
use serde_json::json;

/// 2026-01-01T09:00:00Z plus `secs`.
pub fn t(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_258_000 + secs, 0).unwrap()
}

pub fn at(secs: i64, event: IncidentEvent) -> Recorded {
    Recorded {
        ts: t(secs),
        actor: "commander".into(),
        event,
    }
}

/// One event of every kind, in `EVENT_KINDS` order. Deadlines fit the histories below:
/// activation at t(40) with deadline t(1800), cap 2 h; the extension goes to t(3600).
pub fn sample(kind: &str) -> IncidentEvent {
    use IncidentEvent as E;
    match kind {
        "declared" => E::Declared {
            id: "INC-42".into(),
            repo: "acme/api".into(),
            branch: "main".into(),
            reason: "checkout 500s https://tickets.acme.dev/INC-42".into(),
            ttl: 1800,
            cap: 7200,
            runbook: "github".into(),
            drill: false,
            api_url: Some("https://api.github.com".into()),
            remote_url: Some("https://github.com/acme/api.git".into()),
            scenario: None,
        },
        "step_done" => E::StepDone {
            step: "second-pair-of-eyes".into(),
            note: Some("Dana".into()),
        },
        "preflighted" => E::Preflighted {
            login: "commander".into(),
            permission: "admin".into(),
            pre_sha: "aaaa".into(),
            snapshot: json!({"classic": {"enforce_admins": true}}),
            commits: vec!["bbbb".into()],
        },
        "approval_requested" => E::ApprovalRequested {
            deadline: t(900),
            issue_repo: "acme/api".into(),
            issue_number: 1,
            issue_url: "https://github.com/acme/api/issues/1".into(),
            comment_id: Some(5),
        },
        "approved" => E::Approved {
            approver: "reviewer".into(),
            how: ApprovalHow::Command,
            comment_id: 6,
        },
        "approval_denied" => E::ApprovalDenied {
            by: "reviewer".into(),
            reason: "the fix reverts the wrong commit".into(),
            comment_id: Some(7),
        },
        "approval_timed_out" => E::ApprovalTimedOut {},
        "self_approved" => E::SelfApproved {
            reason: "reviewer unreachable at 3 am".into(),
        },
        "activation_intended" => E::ActivationIntended {
            plan: json!({"enforce_admins": false}),
            reason: None,
        },
        "activated" => E::Activated {
            deadline: t(1800),
            applied: json!({"enforce_admins": false}),
        },
        "activation_failed" => E::ActivationFailed {
            error: "502 from the forge".into(),
        },
        "lease_extended" => E::LeaseExtended {
            deadline: t(3600),
            reason: "deploy is slow".into(),
        },
        "push_intended" => E::PushIntended {
            old_sha: "aaaa".into(),
            new_sha: "bbbb".into(),
            commits: vec!["bbbb".into()],
        },
        "pushed" => E::Pushed {
            old_sha: "aaaa".into(),
            new_sha: "bbbb".into(),
            commits: vec!["bbbb".into()],
            remote_lines: vec!["remote: ok".into()],
        },
        "push_rejected" => E::PushRejected {
            status: "protected branch hook declined".into(),
            remote_lines: vec!["remote: error: GH006".into()],
        },
        "restore_intended" => E::RestoreIntended {
            trigger: RestoreTrigger::Operator,
        },
        "drift_detected" => E::DriftDetected {
            diff: json!({"required_status_checks": {"added": ["lint"]}}),
        },
        "drift_decided" => E::DriftDecided {
            choice: DriftChoice::RestoreSnapshot,
            kept: None,
        },
        "restored" => E::Restored {
            verified: true,
            by_guard: None,
        },
        "restore_failed" => E::RestoreFailed {
            error: "403".into(),
            attempt: 1,
        },
        "review_opened" => E::ReviewOpened {
            pr_number: 7,
            pr_url: "http://127.0.0.1/acme/api/pull/7".into(),
            before_ref: "breakglass/INC-42/before".into(),
            after_ref: "breakglass/INC-42/after".into(),
            commits: vec![ReviewedCommit {
                sha: "bbbb".into(),
                title: "Fix checkout timeouts".into(),
                author: "Dana <dana@acme.dev> (dana)".into(),
            }],
        },
        "review_submitted" => E::ReviewSubmitted {
            form: json!({"summary": "checkout down 12 min"}),
        },
        "review_signed_off" => E::ReviewSignedOff {
            reviewer: "dana".into(),
        },
        "closed" => E::Closed {
            note: Some("all good".into()),
        },
        other => panic!("no sample for {other}"),
    }
}

/// The kinds, in order, of the shortest history that leaves an incident in `phase`.
pub fn path_to(phase: Phase) -> Vec<&'static str> {
    use Phase as P;
    let mut kinds = vec!["declared"];
    let tail: &[&str] = match phase {
        P::Declared => &[],
        P::Preflighted => &["preflighted"],
        P::Activating => &["preflighted", "activation_intended"],
        P::ActivationFailed => &["preflighted", "activation_intended", "activation_failed"],
        P::Active => &["preflighted", "activation_intended", "activated"],
        P::Pushing => &[
            "preflighted",
            "activation_intended",
            "activated",
            "push_intended",
        ],
        P::Pushed => &[
            "preflighted",
            "activation_intended",
            "activated",
            "push_intended",
            "pushed",
        ],
        P::Restoring => &[
            "preflighted",
            "activation_intended",
            "activated",
            "push_intended",
            "pushed",
            "restore_intended",
        ],
        P::Restored => &[
            "preflighted",
            "activation_intended",
            "activated",
            "push_intended",
            "pushed",
            "restore_intended",
            "restored",
        ],
        P::RestoreFailed => &[
            "preflighted",
            "activation_intended",
            "activated",
            "push_intended",
            "pushed",
            "restore_intended",
            "restore_failed",
        ],
        P::Drift => &[
            "preflighted",
            "activation_intended",
            "activated",
            "push_intended",
            "pushed",
            "restore_intended",
            "drift_detected",
            "restored",
        ],
        P::Reviewed => &[
            "preflighted",
            "activation_intended",
            "activated",
            "push_intended",
            "pushed",
            "restore_intended",
            "restored",
            "review_opened",
        ],
        P::Closed => &[
            "preflighted",
            "activation_intended",
            "activated",
            "push_intended",
            "pushed",
            "restore_intended",
            "restored",
            "review_opened",
            "review_submitted",
            "review_signed_off",
        ],
    };
    kinds.extend_from_slice(tail);
    kinds
}

/// The history of [`path_to`], one event every 10 s from t(0).
pub fn history_to(phase: Phase) -> Vec<Recorded> {
    path_to(phase)
        .into_iter()
        .enumerate()
        .map(|(i, kind)| at(10 * i as i64, sample(kind)))
        .collect()
}
