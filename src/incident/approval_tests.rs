//! The two-person rule in the fold: a request, its answers, and the glass staying shut
//! until a second person (or a loud self-approval) says yes.

use super::fixtures::{at, history_to, sample, t};
use super::*;

/// The preflighted history plus `kinds` (samples), 10 s apart, each by `actor`.
fn fold_with(steps: &[(&str, &str)]) -> Result<Incident, FoldError> {
    let mut records = history_to(Phase::Preflighted);
    for (kind, actor) in steps {
        let index = records.len() as i64;
        let mut record = at(10 * index, sample(kind));
        record.actor = (*actor).to_owned();
        records.push(record);
    }
    fold(&records)
}

fn problem(result: Result<Incident, FoldError>) -> String {
    match result {
        Err(FoldError::Invalid { problem, .. }) => problem,
        other => panic!("expected an invalid event, got {other:?}"),
    }
}

#[test]
fn a_requested_approval_keeps_the_glass_shut_until_it_is_given() {
    let waiting = fold_with(&[("approval_requested", "commander")]).unwrap();
    assert_eq!(waiting.phase, Phase::Preflighted);
    let request = waiting.approval.pending().expect("pending");
    assert_eq!(
        (request.by.as_str(), request.deadline),
        ("commander", t(900))
    );
    assert_eq!(
        waiting.approval.remaining(t(300)),
        Some(chrono::Duration::seconds(600))
    );
    let refused = problem(fold_with(&[
        ("approval_requested", "commander"),
        ("activation_intended", "commander"),
    ]));
    assert!(refused.contains("has not been given"), "{refused}");

    let approved = fold_with(&[
        ("approval_requested", "commander"),
        ("approved", "commander"),
        ("activation_intended", "commander"),
    ])
    .unwrap();
    assert_eq!(approved.phase, Phase::Activating);
    match approved.approval.granted() {
        Some(ApprovalDecision::Approved { approver, how, .. }) => assert_eq!(
            (approver.as_str(), *how),
            ("reviewer", ApprovalHow::Command)
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_requester_cannot_be_the_approver() {
    let mut records = history_to(Phase::Preflighted);
    records.push(at(100, sample("approval_requested")));
    records.push(at(
        110,
        IncidentEvent::Approved {
            approver: "Commander".into(),
            how: ApprovalHow::Comment,
            comment_id: 9,
        },
    ));
    let refused = problem(fold(&records));
    assert!(refused.contains("cannot give it"), "{refused}");
}

#[test]
fn a_denied_or_timed_out_request_blocks_until_a_new_one_is_granted() {
    for end in ["approval_denied", "approval_timed_out"] {
        let ended = fold_with(&[("approval_requested", "commander"), (end, "commander")]);
        let ended = ended.unwrap();
        assert!(ended.approval.pending().is_none(), "{end}");
        assert!(ended.approval.blocks_activation(), "{end}");
        let refused = problem(fold_with(&[
            ("approval_requested", "commander"),
            (end, "commander"),
            ("activation_intended", "commander"),
        ]));
        assert!(refused.contains("request a new one"), "{end}: {refused}");
        // An answer to a request that is over is refused too.
        assert!(
            problem(fold_with(&[
                ("approval_requested", "commander"),
                (end, "commander"),
                ("approved", "commander"),
            ]))
            .contains("no approval request is waiting")
        );
    }
    // A second request after the denial can be approved; the denial stays in the history.
    let mut records = history_to(Phase::Preflighted);
    records.push(at(100, sample("approval_requested")));
    records.push(at(110, sample("approval_denied")));
    let mut again = sample("approval_requested");
    if let IncidentEvent::ApprovalRequested { deadline, .. } = &mut again {
        *deadline = t(2000);
    }
    records.push(at(120, again));
    records.push(at(130, sample("approved")));
    records.push(at(140, sample("activation_intended")));
    let incident = fold(&records).unwrap();
    let kinds: Vec<&str> = incident.approval.history.iter().map(|d| d.kind()).collect();
    assert_eq!(kinds, ["approval_denied", "approved"]);
    assert_eq!(incident.phase, Phase::Activating);
}

#[test]
fn a_self_approval_opens_the_way_loudly_and_needs_a_reason() {
    let incident = fold_with(&[
        ("approval_requested", "commander"),
        ("self_approved", "commander"),
        ("activation_intended", "commander"),
    ])
    .unwrap();
    assert_eq!(incident.phase, Phase::Activating);
    assert!(matches!(
        incident.approval.granted(),
        Some(ApprovalDecision::SelfApproved { by, reason, .. })
            if by == "commander" && reason.contains("3 am")
    ));
    let mut records = history_to(Phase::Preflighted);
    records.push(at(100, IncidentEvent::SelfApproved { reason: " ".into() }));
    assert!(problem(fold(&records)).contains("needs a reason"));
}

#[test]
fn one_request_at_a_time_and_none_after_an_approval() {
    assert!(
        problem(fold_with(&[
            ("approval_requested", "commander"),
            ("approval_requested", "commander"),
        ]))
        .contains("already requested")
    );
    assert!(
        problem(fold_with(&[
            ("self_approved", "commander"),
            ("approval_requested", "commander"),
        ]))
        .contains("already approved")
    );
}

#[test]
fn without_a_request_the_glass_opens_as_before() {
    // `[approval] required = false`, and logs written before the rule existed.
    let incident = fold_with(&[("activation_intended", "commander")]).unwrap();
    assert_eq!(incident.phase, Phase::Activating);
    assert_eq!(incident.approval, ApprovalState::default());
}
