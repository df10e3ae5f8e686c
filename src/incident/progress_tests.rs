use super::*;
use crate::incident::fixtures::{at, sample, t};
use crate::incident::{IncidentEvent, Recorded, fold};
use crate::runbook::Runbook;

fn tick(secs: i64, step: &str) -> Recorded {
    at(
        secs,
        IncidentEvent::StepDone {
            step: step.into(),
            note: None,
        },
    )
}

/// Progress through the runbook with separate activate, push and restore steps.
fn run(events: &[Recorded], now: i64) -> Progress {
    progress(&fold(events).unwrap(), &Runbook::separate_steps(), t(now))
}

/// Progress through the default runbook, whose window is one step.
fn run_default(events: &[Recorded], now: i64) -> Progress {
    progress(&fold(events).unwrap(), &Runbook::default_github(), t(now))
}

fn statuses(p: &Progress) -> Vec<StepStatus> {
    p.steps.iter().map(|s| s.status).collect()
}

use StepStatus::{Current as C, Done as D, Failed as F, Pending as P, Skipped as S};

#[test]
fn pace_turns_amber_strictly_past_the_target_and_red_strictly_past_twice_it() {
    let target = Duration::seconds(60);
    for (elapsed, pace) in [
        (0, Pace::OnTime),
        (60, Pace::OnTime),
        (61, Pace::Amber),
        (120, Pace::Amber),
        (121, Pace::Red),
    ] {
        assert_eq!(
            Pace::of(Duration::seconds(elapsed), target),
            pace,
            "{elapsed}s"
        );
    }
}

#[test]
fn right_after_declaring_the_second_step_is_current_and_its_timer_runs() {
    let events = [at(0, sample("declared"))];
    let p = run(&events, 100);
    assert_eq!(statuses(&p), [D, C, P, P, P, P, P, P, P, P]);
    assert_eq!(p.current, Some(1));
    assert_eq!(p.steps[0].elapsed, Some(Duration::zero()));
    assert_eq!(p.steps[1].elapsed, Some(Duration::seconds(100)));
    assert_eq!(p.steps[1].pace, Some(Pace::OnTime));
    assert_eq!(p.steps[2].elapsed, None);
    assert_eq!(p.total_elapsed, Duration::seconds(100));
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["steps"][1]["elapsed"], 100, "seconds in --json output");
    assert_eq!(json["steps"][1]["status"], "current");
    assert_eq!(json["steps"][2]["elapsed"], serde_json::Value::Null);
    // The second step's target is 5 min: amber past it, red past 10 min.
    assert_eq!(run(&events, 301).steps[1].pace, Some(Pace::Amber));
    assert_eq!(run(&events, 600).steps[1].pace, Some(Pace::Amber));
    assert_eq!(run(&events, 601).steps[1].pace, Some(Pace::Red));
}

#[test]
fn done_steps_take_the_time_since_the_previous_completion() {
    let events = [
        at(0, sample("declared")),
        tick(200, "fix-ready"),
        at(230, sample("preflighted")),
        at(240, sample("approval_requested")),
        at(260, sample("approved")),
    ];
    let p = run(&events, 330);
    assert_eq!(statuses(&p), [D, D, D, D, C, P, P, P, P, P]);
    let elapsed: Vec<Option<i64>> = p
        .steps
        .iter()
        .map(|s| s.elapsed.map(|e| e.num_seconds()))
        .collect();
    assert_eq!(
        elapsed[..5],
        [Some(0), Some(200), Some(30), Some(30), Some(70)]
    );
    // The break-glass step's target is 30 s: 70 s is past twice it.
    assert_eq!(p.steps[4].pace, Some(Pace::Red));
}

#[test]
fn manual_steps_left_behind_are_skipped_and_can_still_be_ticked() {
    let mut events = vec![at(0, sample("declared")), at(30, sample("preflighted"))];
    assert_eq!(statuses(&run(&events, 40)), [D, S, D, C, P, P, P, P, P, P]);
    events.push(tick(50, "fix-ready"));
    let p = run(&events, 60);
    assert_eq!(statuses(&p), [D, D, D, C, P, P, P, P, P, P]);
    // Ticked late, it counts from the completion before it (preflight at 30 s).
    assert_eq!(p.steps[1].elapsed, Some(Duration::seconds(20)));
}

#[test]
fn an_expired_lease_makes_restore_the_current_step() {
    let events = [
        at(0, sample("declared")),
        at(10, sample("preflighted")),
        at(20, sample("activation_intended")),
        at(30, sample("activated")),
    ];
    assert_eq!(
        run(&events, 1799).current,
        Some(5),
        "push while the lease runs"
    );
    let p = run(&events, 1800);
    assert_eq!(p.current, Some(7));
    assert_eq!(statuses(&p), [D, S, D, S, D, P, P, C, P, P]);
    assert_eq!(p.steps[7].elapsed, Some(Duration::seconds(1770)));
}

#[test]
fn a_failed_activation_is_marked_and_restore_comes_next() {
    let events = [
        at(0, sample("declared")),
        at(10, sample("preflighted")),
        at(20, sample("activation_intended")),
        at(25, sample("activation_failed")),
    ];
    let p = run(&events, 40);
    assert_eq!(statuses(&p), [D, S, D, P, F, P, P, C, P, P]);
    assert_eq!(p.steps[4].elapsed, Some(Duration::seconds(15)));
    assert_eq!(p.steps[4].completed_at, Some(t(25)));
    assert_eq!(p.current, Some(7));
}

#[test]
fn a_rejected_push_and_a_failed_restore_are_current_and_failed() {
    let mut events = vec![
        at(0, sample("declared")),
        at(10, sample("preflighted")),
        at(20, sample("activation_intended")),
        at(30, sample("activated")),
        at(40, sample("push_intended")),
        at(45, sample("push_rejected")),
    ];
    let p = run(&events, 100);
    assert_eq!((p.current, p.steps[5].status), (Some(5), F));
    assert_eq!(
        p.steps[5].elapsed,
        Some(Duration::seconds(70)),
        "runs until now"
    );

    events.push(at(50, sample("restore_intended")));
    events.push(at(55, sample("restore_failed")));
    let p = run(&events, 100);
    assert_eq!((p.current, p.steps[7].status), (Some(7), F));
    assert_eq!(
        p.steps[5].status, P,
        "push never landed; not skipped while restore is open"
    );
}

#[test]
fn a_closed_incident_has_no_current_step_and_a_frozen_total() {
    let events = [
        at(0, sample("declared")),
        at(10, sample("preflighted")),
        at(20, sample("closed")),
    ];
    let p = run(&events, 5000);
    assert_eq!(p.current, None);
    assert_eq!(statuses(&p), [D, S, D, S, S, S, S, S, S, S]);
    assert_eq!(p.total_elapsed, Duration::seconds(20));
}

mod one_window {
    use super::*;

    /// declare, fix-ready, preflight, approve, window, watch-deploy, review, announce.
    fn window_events(push: &str) -> Vec<Recorded> {
        vec![
            at(0, sample("declared")),
            tick(60, "fix-ready"),
            at(100, sample("preflighted")),
            at(105, sample("approval_requested")),
            at(110, sample("approved")),
            at(120, sample("activation_intended")),
            at(121, sample("activated")),
            at(122, sample("push_intended")),
            at(123, sample(push)),
            at(123, sample("restore_intended")),
            at(124, sample("restored")),
        ]
    }

    #[test]
    fn a_landed_window_is_done_and_watching_the_deploy_comes_next() {
        let p = run_default(&window_events("pushed"), 200);
        assert_eq!(statuses(&p), [D, D, D, D, D, C, P, P]);
        assert_eq!(p.steps[4].completed_at, Some(t(124)));
        assert_eq!(p.steps[4].elapsed, Some(Duration::seconds(14)));
        assert_eq!(p.current, Some(5));
    }

    #[test]
    fn a_rejected_push_fails_the_window_after_the_glass_closed_and_offers_it_again() {
        let p = run_default(&window_events("push_rejected"), 200);
        assert_eq!(statuses(&p), [D, D, D, D, F, P, P, P]);
        assert_eq!(p.current, Some(4));
        assert_eq!(p.steps[4].completed_at, Some(t(124)));
    }

    #[test]
    fn while_the_glass_is_open_or_failing_to_close_the_window_step_is_current() {
        let mut events = window_events("pushed");
        events.truncate(7);
        let expired = run_default(&events, 1800);
        assert_eq!(expired.current, Some(4), "the window step closes the glass");
        events.push(at(122, sample("push_intended")));
        events.push(at(123, sample("pushed")));
        events.push(at(123, sample("restore_intended")));
        events.push(at(130, sample("restore_failed")));
        let p = run_default(&events, 200);
        assert_eq!((p.current, p.steps[4].status), (Some(4), F));
    }

    #[test]
    fn a_follow_up_window_is_done_again_only_once_it_is_restored() {
        let mut events = window_events("pushed");
        events.push(at(300, sample("activation_intended")));
        events.push(at(301, sample("activated")));
        let open = run_default(&events, 302);
        assert_ne!(open.steps[4].status, D, "the follow-up window is open");
        events.push(at(302, sample("push_intended")));
        events.push(at(303, sample("pushed")));
        events.push(at(303, sample("restore_intended")));
        events.push(at(304, sample("restored")));
        let p = run_default(&events, 400);
        assert_eq!(p.steps[4].status, D);
        assert_eq!(p.steps[4].completed_at, Some(t(304)));
    }
}

#[test]
fn the_approve_step_is_done_when_granted_and_failed_when_denied() {
    let mut events = vec![
        at(0, sample("declared")),
        at(10, sample("preflighted")),
        at(20, sample("approval_requested")),
    ];
    let p = run(&events, 50);
    assert_eq!((p.current, p.steps[3].status), (Some(3), C));
    assert_eq!(p.steps[3].elapsed, Some(Duration::seconds(40)));
    events.push(at(60, sample("approval_denied")));
    let p = run(&events, 70);
    assert_eq!((p.current, p.steps[3].status), (Some(3), F));
    events.push(at(80, sample("self_approved")));
    let p = run(&events, 90);
    assert_eq!(p.steps[3].status, D);
    assert_eq!(p.steps[3].completed_at, Some(t(80)));
    assert_eq!(p.current, Some(4));
}
