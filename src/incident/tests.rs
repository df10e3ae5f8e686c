//! The fold's transition table, checked exhaustively, and the events' round trips.

use super::fixtures::{at, history_to, sample, t};
use super::*;
use chrono::Duration;
use serde_json::json;

/// Where each event may arrive and the phase it leaves, written out independently of
/// the fold so that a change to either shows up here. Absent pairs are illegal.
fn legal(kind: &str, phase: Phase) -> Option<Phase> {
    use Phase as P;
    let glass_open = [
        P::Activating,
        P::ActivationFailed,
        P::Active,
        P::Pushing,
        P::Pushed,
        P::Restoring,
        P::RestoreFailed,
    ];
    let after_restore = [P::Restored, P::Drift, P::Reviewed];
    match kind {
        "step_done" if phase != P::Closed => Some(phase),
        "preflighted" if matches!(phase, P::Declared | P::Preflighted) => Some(P::Preflighted),
        // The approval kinds belong to a preflighted incident and leave its phase alone;
        // the answers need a request first (none in the history: invalid, tested below).
        "approval_requested" | "self_approved" if phase == P::Preflighted => Some(phase),
        // After a verified restore a follow-up window reopens the glass on the same snapshot.
        "activation_intended" if matches!(phase, P::Preflighted | P::Restored) => {
            Some(P::Activating)
        }
        "activated" if phase == P::Activating => Some(P::Active),
        "activation_failed" if phase == P::Activating => Some(P::ActivationFailed),
        "lease_extended" if matches!(phase, P::Active | P::Pushing | P::Pushed) => Some(phase),
        "push_intended" if matches!(phase, P::Active | P::Pushing | P::Pushed) => Some(P::Pushing),
        "pushed" if phase == P::Pushing => Some(P::Pushed),
        // The history to `pushing` has no landed push, so a rejection goes back to active.
        "push_rejected" if phase == P::Pushing => Some(P::Active),
        "restore_intended" if glass_open.contains(&phase) => Some(P::Restoring),
        // Outside `restoring` it is the drift a held restore found: the phase stays.
        "drift_detected" if matches!(phase, P::Restoring | P::Active | P::Pushing | P::Pushed) => {
            Some(phase)
        }
        // The sample decides `restore_snapshot`, which belongs to a restore (`restoring`,
        // where the history has no drift to decide about: invalid, tested below) and is
        // illegal elsewhere.
        "restored" if phase == P::Restoring => Some(P::Restored),
        "restore_failed" if phase == P::Restoring => Some(P::RestoreFailed),
        // In `reviewed` the history already opened the review: a second one is invalid.
        "review_opened" if matches!(phase, P::Restored | P::Drift) => Some(P::Reviewed),
        "review_submitted" if after_restore.contains(&phase) => Some(P::Reviewed),
        // Only a review that was opened and whose form was submitted can be signed off:
        // the history to `reviewed` has no form (invalid, tested below).
        // A landed push closes only by sign-off; the histories past the window all pushed
        // (invalid in `restored`, `drift` and `reviewed`).
        "closed" if matches!(phase, P::Declared | P::Preflighted) => Some(P::Closed),
        _ => None,
    }
}

#[test]
fn every_history_reaches_its_phase() {
    for phase in Phase::ALL {
        assert_eq!(fold(&history_to(phase)).unwrap().phase, phase);
    }
}

#[test]
fn every_event_in_every_phase_is_accepted_or_refused_as_the_table_says() {
    let mut legal_count = 0;
    for phase in Phase::ALL {
        for &kind in EVENT_KINDS {
            let mut events = history_to(phase);
            let index = events.len();
            events.push(at(10 * index as i64, sample(kind)));
            let result = fold(&events);
            match (legal(kind, phase), result) {
                (Some(next), Ok(incident)) => {
                    legal_count += 1;
                    assert_eq!(incident.phase, next, "{kind} in {phase}");
                }
                (
                    None,
                    Err(FoldError::Illegal {
                        index: i,
                        kind: k,
                        phase: p,
                    }),
                ) => {
                    assert_eq!((i, k, p), (index, kind, phase));
                }
                (
                    None,
                    Err(FoldError::Invalid {
                        index: i,
                        kind: k,
                        phase: p,
                        ..
                    }),
                ) if (kind == "review_opened" && phase == Phase::Reviewed)
                    || (kind == "drift_decided" && phase == Phase::Restoring)
                    || (kind == "review_signed_off" && phase == Phase::Reviewed)
                    || (kind == "closed" && after_the_window(phase))
                    || (matches!(kind, "approved" | "approval_denied" | "approval_timed_out")
                        && phase == Phase::Preflighted) =>
                {
                    assert_eq!((i, k, p), (index, kind, phase));
                }
                (expected, got) => panic!("{kind} in {phase}: expected {expected:?}, got {got:?}"),
            }
        }
    }
    assert_eq!(legal_count, 48, "the table lists 48 legal transitions");
}

fn after_the_window(phase: Phase) -> bool {
    matches!(phase, Phase::Restored | Phase::Drift | Phase::Reviewed)
}

#[test]
fn a_sign_off_after_the_submitted_form_closes_the_incident_with_the_reviewer() {
    let mut events = history_to(Phase::Reviewed);
    events.push(at(200, sample("review_submitted")));
    events.push(at(210, sample("review_signed_off")));
    let incident = fold(&events).unwrap();
    assert_eq!(incident.phase, Phase::Closed);
    let signed = incident.review.signed_off.as_ref().unwrap();
    assert_eq!((signed.at, signed.reviewer.as_str()), (t(210), "dana"));
    assert_eq!(incident.closed.as_ref().unwrap().at, t(210));
    // Nothing happens to a closed incident, a second sign-off included.
    events.push(at(220, sample("review_signed_off")));
    assert!(matches!(fold(&events), Err(FoldError::Illegal { .. })));
}

#[test]
fn a_sign_off_without_the_form_or_a_close_after_a_push_is_invalid() {
    let mut events = history_to(Phase::Reviewed);
    events.push(at(200, sample("review_signed_off")));
    let message = fold(&events).unwrap_err().to_string();
    assert!(
        message.contains("lessons-learned form submitted"),
        "{message}"
    );
    let mut events = history_to(Phase::Restored);
    events.push(at(200, sample("closed")));
    let message = fold(&events).unwrap_err().to_string();
    assert!(
        message.contains("closes when its review is signed off"),
        "{message}"
    );
}

#[test]
fn the_first_event_must_be_a_declaration() {
    assert_eq!(fold(&[]), Err(FoldError::Empty));
    let err = fold(&[at(0, sample("preflighted"))]).unwrap_err();
    assert_eq!(
        err,
        FoldError::NotDeclared {
            index: 0,
            kind: "preflighted"
        }
    );
    assert!(err.to_string().contains("must be `declared`"));
}

#[test]
fn illegal_errors_name_index_kind_and_phase() {
    let mut events = history_to(Phase::Declared);
    events.push(at(10, sample("pushed")));
    let message = fold(&events).unwrap_err().to_string();
    assert!(
        message.starts_with("event #1 (`pushed`) is not allowed while the incident is `declared`"),
        "{message}"
    );
}

#[test]
fn lease_extensions_must_move_forward_within_the_cap_and_give_a_reason() {
    let extend = |deadline, reason: &str| {
        let mut events = history_to(Phase::Pushed);
        events.push(at(
            100,
            IncidentEvent::LeaseExtended {
                deadline,
                reason: reason.into(),
            },
        ));
        fold(&events)
    };
    // Activated at t(30) with a 2 h cap: the limit is t(7230).
    let ok = extend(t(7230), "slow deploy").unwrap();
    assert_eq!(ok.lease.unwrap().deadline, t(7230));
    assert_eq!(ok.extensions.len(), 1);
    for (deadline, reason, needle) in [
        (t(7231), "slow deploy", "past the lease cap"),
        (t(1800), "slow deploy", "only be extended forward"),
        (t(1000), "slow deploy", "only be extended forward"),
        (t(3600), "  ", "needs a reason"),
    ] {
        let err = extend(deadline, reason).unwrap_err();
        assert!(
            matches!(&err, FoldError::Invalid { problem, kind: "lease_extended", .. } if problem.contains(needle)),
            "{deadline}: {err:?}"
        );
    }
}

#[test]
fn activation_beyond_the_cap_or_before_itself_is_invalid() {
    for deadline in [t(20), t(7300)] {
        let mut events = history_to(Phase::Activating);
        events.push(at(
            30,
            IncidentEvent::Activated {
                deadline,
                applied: json!({}),
            },
        ));
        assert!(matches!(
            fold(&events),
            Err(FoldError::Invalid {
                kind: "activated",
                ..
            })
        ));
    }
}

#[test]
fn a_full_incident_keeps_what_each_event_said() {
    let mut events = history_to(Phase::Reviewed);
    events.push(at(200, sample("review_submitted")));
    events.push(at(210, sample("step_done")));
    let incident = fold(&events).unwrap();
    assert_eq!(incident.id, "INC-42");
    assert_eq!(incident.repo, "acme/api");
    assert_eq!(incident.ttl, Duration::minutes(30));
    assert_eq!(incident.preflight.as_ref().unwrap().pre_sha, "aaaa");
    assert_eq!(incident.pushes.len(), 1);
    assert_eq!(incident.head_sha(), Some("bbbb"));
    let lease = incident.lease.unwrap();
    assert_eq!((lease.activated_at, lease.deadline), (t(30), t(1800)));
    assert_eq!(incident.restore.attempts.len(), 1);
    assert!(incident.restore.verified);
    assert_eq!(incident.review.pull_request.as_ref().unwrap().number, 7);
    assert!(incident.review.form.is_some());
    assert_eq!(incident.steps_done["second-pair-of-eyes"].at, t(210));
    // The exposure window runs from the activation intent (t(20)) to the restore (t(70)).
    let window = incident.exposure_window().unwrap();
    assert_eq!((window.opened_at, window.closed_at), (t(20), Some(t(70))));
    assert_eq!(window.length(t(9999)), Duration::seconds(50));
    assert!(!incident.needs_attention());
}

#[test]
fn drift_during_the_window_ends_in_drift_and_needs_attention() {
    let incident = fold(&history_to(Phase::Drift)).unwrap();
    assert_eq!(incident.drift.len(), 1);
    assert!(incident.needs_attention());
    assert!(!incident.glass_possibly_open());
}

#[test]
fn a_rejected_push_after_a_landed_one_stays_pushed() {
    let mut events = history_to(Phase::Pushed);
    events.push(at(100, sample("push_intended")));
    events.push(at(110, sample("push_rejected")));
    let incident = fold(&events).unwrap();
    assert_eq!(incident.phase, Phase::Pushed);
    assert_eq!(incident.push_rejections.len(), 1);
}

#[test]
fn a_failed_apply_leaves_the_incident_unchanged() {
    let mut incident = fold(&history_to(Phase::Active)).unwrap();
    let before = incident.clone();
    let bad = at(
        100,
        IncidentEvent::LeaseExtended {
            deadline: t(99_999),
            reason: "more".into(),
        },
    );
    assert!(apply(&mut incident, 4, &bad).is_err());
    assert_eq!(incident, before);
}

#[test]
fn needs_restore_follows_the_glass_and_the_deadline() {
    use Phase as P;
    for phase in Phase::ALL {
        let incident = fold(&history_to(phase)).unwrap();
        let (before_deadline, at_deadline) = match phase {
            P::Active | P::Pushing | P::Pushed => (false, true),
            P::Activating | P::ActivationFailed | P::Restoring | P::RestoreFailed => (true, true),
            _ => (false, false),
        };
        assert_eq!(incident.needs_restore(t(1799)), before_deadline, "{phase}");
        assert_eq!(incident.needs_restore(t(1800)), at_deadline, "{phase}");
        assert_eq!(incident.glass_possibly_open(), phase.glass_possibly_open());
    }
}

#[test]
fn every_event_round_trips_through_kind_and_data() {
    for &kind in EVENT_KINDS {
        let event = sample(kind);
        let (written_kind, data) = event.to_parts();
        assert_eq!(written_kind, kind);
        assert!(data.is_object(), "{kind}: data is an object");
        let back = IncidentEvent::from_parts(&written_kind, &data).unwrap();
        assert_eq!(back, event, "{kind}");
    }
}

#[test]
fn events_serialise_adjacently_tagged_with_readable_fields() {
    let value = serde_json::to_value(sample("activated")).unwrap();
    assert_eq!(value["kind"], "activated");
    assert_eq!(value["data"]["deadline"], "2026-01-01T09:30:00Z");
    let (_, data) = sample("restore_intended").to_parts();
    assert_eq!(data, json!({"trigger": "operator"}));
    let (_, data) = IncidentEvent::Closed { note: None }.to_parts();
    assert_eq!(data, json!({}));
}

#[test]
fn unknown_kinds_and_malformed_data_are_refused() {
    let err = IncidentEvent::from_parts("teleported", &json!({})).unwrap_err();
    assert!(matches!(err, EventDecodeError::UnknownKind { ref kind } if kind == "teleported"));
    let err = IncidentEvent::from_parts("restored", &json!({"verified": "yes"})).unwrap_err();
    assert!(matches!(err, EventDecodeError::BadData { ref kind, .. } if kind == "restored"));
    assert!(err.to_string().contains("breakglass audit verify"));
}

mod walks {
    use super::*;
    use proptest::prelude::*;

    /// A random walk through legal transitions: at each step one of the events the fold
    /// accepts, picked by `choice` among them.
    fn walk(choices: &[usize]) -> Vec<Incident> {
        let mut incident = fold(&[at(0, sample("declared"))]).unwrap();
        let mut states = vec![incident.clone()];
        for (step, &choice) in choices.iter().enumerate() {
            let record = |kind| at(10 * (step as i64 + 1), sample(kind));
            let accepted: Vec<Incident> = EVENT_KINDS
                .iter()
                .filter_map(|&kind| {
                    let mut next = incident.clone();
                    apply(&mut next, step + 1, &record(kind)).ok()?;
                    Some(next)
                })
                .collect();
            if accepted.is_empty() {
                break;
            }
            incident = accepted[choice % accepted.len()].clone();
            states.push(incident.clone());
        }
        states
    }

    proptest! {
        #[test]
        fn no_legal_history_closes_the_glass_without_a_restore(
            choices in proptest::collection::vec(0..64usize, 1..40)
        ) {
            for incident in walk(&choices) {
                if incident.activation.is_some() && !incident.glass_possibly_open() {
                    prop_assert!(incident.restore.restored_at.is_some(), "{:?}", incident.phase);
                }
                if incident.phase == Phase::Closed {
                    prop_assert!(incident.activation.is_none() || incident.restore.restored_at.is_some());
                }
                prop_assert_eq!(incident.lease.is_some(), incident.first_at.contains_key("activated"));
            }
        }
    }
}

#[test]
fn absurd_numbers_in_a_log_are_refused_or_saturated_never_a_panic() {
    let mut events = history_to(Phase::Activating);
    if let IncidentEvent::Declared { cap, ttl, .. } = &mut events[0].event {
        *cap = u64::MAX;
        *ttl = u64::MAX;
    }
    events.push(at(
        30,
        IncidentEvent::Activated {
            deadline: chrono::DateTime::<chrono::Utc>::MAX_UTC,
            applied: json!({}),
        },
    ));
    let incident = fold(&events).unwrap();
    assert!(incident.lease.unwrap().window_open(t(1_000_000_000)));
    assert_eq!(
        Pace::of(Duration::MAX, Duration::MAX),
        Pace::OnTime,
        "twice the largest target does not overflow"
    );
}

mod drift_decisions {
    use super::*;

    fn decided(choice: DriftChoice, kept: Option<serde_json::Value>) -> IncidentEvent {
        IncidentEvent::DriftDecided { choice, kept }
    }

    /// `history` plus `events`, 10 s apart, folded.
    fn fold_with(phase: Phase, events: Vec<IncidentEvent>) -> Result<Incident, FoldError> {
        let mut records = history_to(phase);
        for event in events {
            let index = records.len() as i64;
            records.push(at(10 * index, event));
        }
        fold(&records)
    }

    #[test]
    fn a_hold_keeps_the_lease_running_until_its_deadline() {
        for phase in [Phase::Active, Phase::Pushing, Phase::Pushed] {
            let incident = fold_with(
                phase,
                vec![sample("drift_detected"), decided(DriftChoice::Hold, None)],
            )
            .unwrap();
            assert_eq!(incident.phase, phase);
            assert_eq!(incident.drift.len(), 1);
            let decision = incident.drift_decisions.last().unwrap();
            assert_eq!(
                (decision.choice, decision.by.as_str()),
                (DriftChoice::Hold, "commander")
            );
            assert!(
                !incident.needs_restore(t(1799)),
                "{phase}: held until the deadline"
            );
            assert!(
                incident.needs_restore(t(1800)),
                "{phase}: restored at the deadline"
            );
            assert_eq!(incident.kept_state(), None);
        }
    }

    #[test]
    fn a_held_incident_restored_later_ends_in_drift_with_both_decisions() {
        let incident = fold_with(
            Phase::Pushed,
            vec![
                sample("drift_detected"),
                decided(DriftChoice::Hold, None),
                IncidentEvent::RestoreIntended {
                    trigger: RestoreTrigger::Deadline,
                },
                decided(DriftChoice::RestoreSnapshot, None),
                sample("restored"),
            ],
        )
        .unwrap();
        assert_eq!(incident.phase, Phase::Drift);
        let choices: Vec<_> = incident.drift_decisions.iter().map(|d| d.choice).collect();
        assert_eq!(choices, [DriftChoice::Hold, DriftChoice::RestoreSnapshot]);
    }

    #[test]
    fn keep_theirs_records_the_kept_state_and_restores_to_drift() {
        let kept = json!({"classic": {"enforce_admins": true, "count": 2}});
        let incident = fold_with(
            Phase::Pushed,
            vec![
                sample("restore_intended"),
                sample("drift_detected"),
                decided(DriftChoice::KeepTheirs, Some(kept.clone())),
                sample("restored"),
            ],
        )
        .unwrap();
        assert_eq!(incident.phase, Phase::Drift);
        assert_eq!(incident.kept_state(), Some(&kept));
        assert!(incident.restore.verified);
    }

    #[test]
    fn hold_is_illegal_during_a_restore_and_the_others_outside_one() {
        let drift = || sample("drift_detected");
        let cases = [
            (
                Phase::Restoring,
                vec![drift(), decided(DriftChoice::Hold, None)],
            ),
            (
                Phase::Active,
                vec![drift(), decided(DriftChoice::RestoreSnapshot, None)],
            ),
            (
                Phase::Pushed,
                vec![drift(), decided(DriftChoice::KeepTheirs, Some(json!({})))],
            ),
            // After a restore ended the glass is not held open on a lease.
            (Phase::RestoreFailed, vec![decided(DriftChoice::Hold, None)]),
            (
                Phase::Drift,
                vec![decided(DriftChoice::RestoreSnapshot, None)],
            ),
        ];
        for (phase, events) in cases {
            let err = fold_with(phase, events).unwrap_err();
            assert!(
                matches!(
                    err,
                    FoldError::Illegal {
                        kind: "drift_decided",
                        ..
                    }
                ),
                "{phase}: {err:?}"
            );
        }
    }

    #[test]
    fn a_decision_needs_drift_and_the_kept_state_only_with_keep_theirs() {
        let invalid = |phase, events| match fold_with(phase, events) {
            Err(FoldError::Invalid { problem, .. }) => problem,
            other => panic!("expected invalid, got {other:?}"),
        };
        assert!(
            invalid(Phase::Active, vec![decided(DriftChoice::Hold, None)])
                .contains("no drift was recorded")
        );
        let restoring = || vec![sample("restore_intended"), sample("drift_detected")];
        let mut without_state = restoring();
        without_state.push(decided(DriftChoice::KeepTheirs, None));
        assert!(invalid(Phase::Pushed, without_state).contains("kept state"));
        let mut stray_state = restoring();
        stray_state.push(decided(DriftChoice::RestoreSnapshot, Some(json!({}))));
        assert!(invalid(Phase::Pushed, stray_state).contains("kept state"));
    }

    #[test]
    fn the_decision_round_trips_with_its_choice_in_snake_case() {
        let event = decided(DriftChoice::KeepTheirs, Some(json!({"classic": null})));
        let (kind, data) = event.to_parts();
        assert_eq!(kind, "drift_decided");
        assert_eq!(
            data,
            json!({"choice": "keep_theirs", "kept": {"classic": null}})
        );
        assert_eq!(IncidentEvent::from_parts(&kind, &data).unwrap(), event);
        let (_, data) = decided(DriftChoice::Hold, None).to_parts();
        assert_eq!(data, json!({"choice": "hold"}));
    }
}

#[test]
fn a_failing_restore_is_a_fact_from_its_first_failure_until_restored() {
    let mut events = history_to(Phase::RestoreFailed);
    let first = events.last().unwrap().ts;
    let failing = fold(&events).unwrap().restore.failing.unwrap();
    assert_eq!((failing.since, failing.attempts), (first, 1));
    assert_eq!(failing.retry_every, Duration::seconds(1));

    events.push(at(500, sample("restore_intended")));
    events.push(at(
        560,
        IncidentEvent::RestoreFailed {
            error: "503 from the forge".into(),
            attempt: 9,
        },
    ));
    let failing = fold(&events).unwrap().restore.failing.unwrap();
    assert_eq!(failing.since, first, "the run of failures started earlier");
    assert_eq!(failing.attempts, 9);
    assert_eq!(failing.last_error, "503 from the forge");
    assert_eq!(failing.last_recorded_at, t(560));
    assert_eq!(failing.retry_every, Duration::seconds(30), "capped");

    events.push(at(600, sample("restore_intended")));
    assert!(fold(&events).unwrap().restore.failing.is_some());
    events.push(at(610, sample("restored")));
    assert_eq!(fold(&events).unwrap().restore.failing, None);
}

#[test]
fn the_failing_line_names_since_when_the_pace_and_the_last_error() {
    let mut events = history_to(Phase::RestoreFailed);
    events.push(at(500, sample("restore_intended")));
    events.push(at(
        560,
        IncidentEvent::RestoreFailed {
            error: "503 from the forge".into(),
            attempt: 7,
        },
    ));
    let incident = fold(&events).unwrap();
    // The first failure in the history is at t(70), 09:01:10 UTC.
    assert_eq!(
        incident.restore_failing().unwrap().summary(),
        "RESTORE FAILING since 09:01 UTC — retrying every 30 s — last error: 503 from the forge"
    );
    events.push(at(600, sample("restore_intended")));
    events.push(at(610, sample("restored")));
    assert_eq!(fold(&events).unwrap().restore_failing(), None);
}

mod follow_up_windows {
    use super::*;

    /// A whole window from `from` seconds on: intent, activation with `deadline`, a push,
    /// the restore intent the same second the push is answered, a verified restore.
    fn window(from: i64, deadline: i64) -> Vec<Recorded> {
        vec![
            at(from, sample("activation_intended")),
            at(
                from + 1,
                IncidentEvent::Activated {
                    deadline: t(deadline),
                    applied: json!({}),
                },
            ),
            at(from + 2, sample("push_intended")),
            at(from + 3, sample("pushed")),
            at(from + 3, sample("restore_intended")),
            at(from + 4, sample("restored")),
        ]
    }

    fn declared_and_preflighted() -> Vec<Recorded> {
        vec![at(0, sample("declared")), at(10, sample("preflighted"))]
    }

    #[test]
    fn a_verified_restore_lets_a_new_window_open_on_the_same_snapshot() {
        let mut events = declared_and_preflighted();
        events.extend(window(20, 1800));
        events.extend(window(100, 1900));
        let incident = fold(&events).unwrap();
        assert_eq!(incident.phase, Phase::Restored);
        assert_eq!(incident.windows.len(), 2);
        assert_eq!(incident.pushes.len(), 2);
        // One snapshot: the follow-up did not preflight again.
        assert_eq!(incident.preflight.as_ref().unwrap().at, t(10));
        let latest = incident.exposure_window().unwrap();
        assert_eq!((latest.opened_at, latest.closed_at), (t(100), Some(t(104))));
        assert_eq!(incident.open_time(t(9999)), Duration::seconds(8));
        assert!(incident.restore.verified);
    }

    #[test]
    fn a_follow_up_window_keeps_the_reason_it_was_opened_for() {
        let mut events = declared_and_preflighted();
        events.extend(window(20, 1800));
        let mut follow_up = window(100, 1900);
        follow_up[0] = at(
            100,
            IncidentEvent::ActivationIntended {
                plan: json!({}),
                reason: Some("the second half of the fix".into()),
            },
        );
        events.extend(follow_up);
        let incident = fold(&events).unwrap();
        let reasons: Vec<Option<&str>> = incident
            .windows
            .iter()
            .map(|w| w.reason.as_deref())
            .collect();
        assert_eq!(reasons, [None, Some("the second half of the fix")]);
    }

    #[test]
    fn while_the_follow_up_is_open_the_incident_is_open_and_unrestored() {
        let mut events = declared_and_preflighted();
        events.extend(window(20, 1800));
        events.extend(window(100, 1900).into_iter().take(2));
        let incident = fold(&events).unwrap();
        assert_eq!(incident.phase, Phase::Active);
        assert!(incident.glass_possibly_open());
        assert_eq!(incident.restore.restored_at, None);
        assert!(!incident.restore.verified);
        assert_eq!(incident.exposure_window().unwrap().closed_at, None);
        // 4 s in the first window plus 50 s so far in this one.
        assert_eq!(incident.open_time(t(150)), Duration::seconds(54));
    }

    #[test]
    fn the_cap_limits_the_total_open_time_across_windows() {
        // The first window stays open 3600 s of the 7200 s cap.
        let mut events = declared_and_preflighted();
        events.push(at(20, sample("activation_intended")));
        events.push(at(
            21,
            IncidentEvent::Activated {
                deadline: t(3620),
                applied: json!({}),
            },
        ));
        events.push(at(3619, sample("restore_intended")));
        events.push(at(3620, sample("restored")));
        // 3600 s are left: a follow-up activated at t(5001) may run to t(8601), not later.
        let follow_up = |deadline: i64| {
            let mut events = events.clone();
            events.push(at(5000, sample("activation_intended")));
            events.push(at(
                5001,
                IncidentEvent::Activated {
                    deadline: t(deadline),
                    applied: json!({}),
                },
            ));
            fold(&events)
        };
        let lease = follow_up(8601).unwrap().lease.unwrap();
        assert_eq!(lease.limit(), t(8601));
        let err = follow_up(8602).unwrap_err();
        assert!(
            matches!(&err, FoldError::Invalid { kind: "activated", problem, .. } if problem.contains("past the lease cap")),
            "{err:?}"
        );
        // An extension in the follow-up is held to the same total.
        let mut extended = events.clone();
        extended.push(at(5000, sample("activation_intended")));
        extended.push(at(
            5001,
            IncidentEvent::Activated {
                deadline: t(6000),
                applied: json!({}),
            },
        ));
        extended.push(at(
            5100,
            IncidentEvent::LeaseExtended {
                deadline: t(8700),
                reason: "slow deploy".into(),
            },
        ));
        assert!(matches!(
            fold(&extended),
            Err(FoldError::Invalid {
                kind: "lease_extended",
                ..
            })
        ));
    }

    #[test]
    fn no_new_window_after_drift_or_an_unverified_restore() {
        let mut drift = history_to(Phase::Drift);
        drift.push(at(500, sample("activation_intended")));
        assert!(matches!(
            fold(&drift),
            Err(FoldError::Illegal {
                kind: "activation_intended",
                phase: Phase::Drift,
                ..
            })
        ));
        let mut unverified = history_to(Phase::Restoring);
        unverified.push(at(
            400,
            IncidentEvent::Restored {
                verified: false,
                by_guard: None,
            },
        ));
        unverified.push(at(500, sample("activation_intended")));
        let err = fold(&unverified).unwrap_err();
        assert!(
            matches!(&err, FoldError::Invalid { problem, .. } if problem.contains("verified restore")),
            "{err:?}"
        );
    }
}

#[test]
fn a_guards_restore_names_the_guard_until_a_new_window_opens() {
    let mut events = history_to(Phase::Restoring);
    events.push(at(
        400,
        IncidentEvent::Restored {
            verified: true,
            by_guard: Some("guard-bot".into()),
        },
    ));
    let incident = fold(&events).unwrap();
    assert_eq!(incident.phase, Phase::Restored);
    assert_eq!(incident.restore.by_guard.as_deref(), Some("guard-bot"));
    assert!(incident.restore.verified);
    events.push(at(500, sample("activation_intended")));
    assert_eq!(fold(&events).unwrap().restore.by_guard, None);
}

#[test]
fn a_restored_event_without_a_guard_reads_as_before_and_a_guards_round_trips() {
    let old = IncidentEvent::from_parts("restored", &json!({"verified": true})).unwrap();
    assert_eq!(
        old,
        IncidentEvent::Restored {
            verified: true,
            by_guard: None
        }
    );
    assert_eq!(old.to_parts().1, json!({"verified": true}));
    let guarded = IncidentEvent::Restored {
        verified: true,
        by_guard: Some("guard-bot".into()),
    };
    let (kind, data) = guarded.to_parts();
    assert_eq!(data, json!({"verified": true, "by_guard": "guard-bot"}));
    assert_eq!(IncidentEvent::from_parts(&kind, &data).unwrap(), guarded);
    let trigger: RestoreTrigger = serde_json::from_value(json!("guard")).unwrap();
    assert_eq!(trigger, RestoreTrigger::Guard);
}
