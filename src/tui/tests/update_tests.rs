//! `update` driven by keys and messages, screen by screen. No terminal, no clock reads.

use super::fixtures::*;
use crate::review::{ReviewForm, Section};
use crate::tui::app::{Confirm, Output, Overlay, Screen};
use crate::tui::command::Command;
use crate::tui::declare::{DeclareDraft, DeclareField};
use crate::tui::msg::Msg;
use crate::tui::update::update;
use crate::tui::view::{ChainStatus, RemoteLines, RestoreView};
use chrono::Duration;
use crossterm::event::KeyCode;
use std::sync::Arc;

#[test]
fn tick_moves_time_and_nothing_else() {
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    let cmds = update(&mut app, Msg::Tick(at(9, 14, 13)));
    assert!(cmds.is_empty());
    assert_eq!(app.now, at(9, 14, 13));
    let w = app.checklist.as_ref().unwrap().window.as_ref().unwrap();
    assert_eq!(w.remaining(app.now), Duration::seconds(25 * 60 + 57));
}

#[test]
fn home_keys_move_declare_drill_open_and_quit() {
    let mut app = app_at(at(9, 14, 12));
    update(&mut app, Msg::HomeChanged(home()));
    update(&mut app, ch('j'));
    update(&mut app, ch('j'));
    assert_eq!(app.home_selected, 1, "selection stops at the last incident");
    update(&mut app, key(KeyCode::Up));
    assert_eq!(app.home_selected, 0);
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        vec![Command::OpenIncident {
            incident: "INC-42".into()
        }]
    );
    assert_eq!(update(&mut app, ch('d')), vec![Command::ListScenarios]);
    assert!(app.in_flight.is_some());
    update(&mut app, ch('n'));
    assert_eq!(app.screen, Screen::Declare);
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.screen, Screen::Home);
    update(&mut app, ch('t'));
    assert_eq!(app.screen, Screen::Timeline);
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(update(&mut app, ch('q')), vec![Command::Quit]);
}

#[test]
fn help_opens_on_question_mark_and_swallows_keys_until_closed() {
    let mut app = app_at(at(9, 0, 0));
    update(&mut app, ch('?'));
    assert_eq!(app.overlay, Some(Overlay::Help));
    assert!(
        update(&mut app, ch('q')).is_empty(),
        "q does not quit under help"
    );
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.overlay, None);
}

#[test]
fn review_key_without_an_incident_explains_instead_of_opening() {
    let mut app = app_at(at(9, 0, 0));
    assert!(update(&mut app, ch('r')).is_empty());
    assert_eq!(app.screen, Screen::Home);
    assert!(app.status.as_ref().unwrap().danger);
}

fn drill_draft() -> DeclareDraft {
    DeclareDraft {
        repository: "acme/api".into(),
        branch: "main".into(),
        incident: "DRILL-1".into(),
        reason: "https://tickets.example/DRILL-1".into(),
        ttl: "30m".into(),
        drill: true,
    }
}

#[test]
fn a_prefilled_drill_declares_with_enter_alone() {
    let mut app = app_at(at(9, 0, 0));
    update(&mut app, Msg::DrillReady(drill_draft()));
    assert_eq!(app.screen, Screen::Declare);
    let mut cmds = Vec::new();
    for _ in 0..5 {
        cmds = update(&mut app, key(KeyCode::Enter));
    }
    let [Command::Declare(request)] = cmds.as_slice() else {
        panic!("expected one Declare, got {cmds:?}");
    };
    assert_eq!(request.ttl, Duration::minutes(30));
    assert_eq!(request.incident, "DRILL-1");
    assert!(request.drill);
    update(&mut app, Msg::IncidentOpened(Story::declared().view()));
    assert_eq!(app.screen, Screen::Checklist);
    assert!(app.declare.is_none() && app.in_flight.is_none());
}

#[test]
fn declare_validates_inline_and_typing_clears_the_error() {
    let mut app = app_at(at(9, 0, 0));
    update(&mut app, ch('n'));
    type_text(&mut app, "acme");
    update(&mut app, key(KeyCode::Enter));
    let form = app.declare.as_ref().unwrap();
    assert_eq!(form.focus, 0, "focus stays on the invalid field");
    assert!(form.errors[0].as_deref().unwrap().contains("owner/name"));
    type_text(&mut app, "/api");
    assert!(app.declare.as_ref().unwrap().errors[0].is_none());
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.declare.as_ref().unwrap().focus, 1);
    update(&mut app, key(KeyCode::Backspace));
    update(&mut app, key(KeyCode::BackTab));
    assert_eq!(app.declare.as_ref().unwrap().values[0], "acme/api");
}

#[test]
fn declare_uses_the_config_validator_for_the_reason() {
    let validator = Arc::new(|field: DeclareField, value: &str| {
        if field == DeclareField::Reason && !value.starts_with("https://tickets.") {
            Err("the reason must be a ticket link (https://tickets.…)".to_owned())
        } else {
            Ok(())
        }
    });
    let mut app = app_at(at(9, 0, 0)).with_validator(validator);
    let mut draft = drill_draft();
    draft.reason = "see slack".into();
    update(&mut app, Msg::DrillReady(draft));
    let cmds: Vec<_> = (0..5)
        .flat_map(|_| update(&mut app, key(KeyCode::Enter)))
        .collect();
    assert!(cmds.is_empty());
    let form = app.declare.as_ref().unwrap();
    assert_eq!(form.focus, 3);
    assert!(form.errors[3].as_deref().unwrap().contains("ticket link"));
}

#[test]
fn enter_ticks_manual_steps_and_runs_preflight() {
    let mut app = on_checklist(Story::declared().view(), at(9, 2, 0));
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        vec![Command::CompleteStep {
            incident: "INC-42".into(),
            step: 1
        }]
    );
    assert!(
        update(&mut app, key(KeyCode::Enter)).is_empty(),
        "busy: no second command"
    );
    update(&mut app, Msg::StepCompleted);
    update(&mut app, Msg::IncidentChanged(ticked().view()));
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        vec![Command::Preflight {
            incident: "INC-42".into()
        }]
    );
}

#[test]
fn activation_needs_the_plan_shown_and_an_explicit_confirmation() {
    let mut app = on_checklist(before_activate(), at(9, 10, 0));
    update(&mut app, Msg::PlanReady(plan()));
    assert!(update(&mut app, key(KeyCode::Enter)).is_empty());
    assert_eq!(
        app.overlay,
        Some(Overlay::Confirm(Confirm::Activate(plan())))
    );
    assert!(
        update(&mut app, key(KeyCode::Esc)).is_empty(),
        "Esc cancels"
    );
    assert_eq!(app.overlay, None);
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        vec![Command::Activate {
            incident: "INC-42".into()
        }]
    );
}

#[test]
fn activate_without_a_plan_runs_preflight_first() {
    let mut app = on_checklist(before_activate(), at(9, 10, 0));
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        vec![Command::Preflight {
            incident: "INC-42".into()
        }]
    );
}

#[test]
fn push_shows_commits_first_and_rejections_are_sanitised() {
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        vec![Command::PreparePush {
            incident: "INC-42".into()
        }]
    );
    update(&mut app, Msg::PushReady(push()));
    assert_eq!(app.overlay, Some(Overlay::Confirm(Confirm::Push(push()))));
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        vec![Command::Push {
            incident: "INC-42".into()
        }]
    );
    update(
        &mut app,
        Msg::PushOutcome(RemoteLines {
            accepted: false,
            lines: vec!["error: GH006 \u{1b}[2J protected branch".into()],
        }),
    );
    let Some(Output::Remote(remote)) = &app.output else {
        panic!("expected remote lines");
    };
    assert_eq!(
        remote.lines,
        vec!["error: GH006 \\u{1b}[2J protected branch"]
    );
    assert!(app.status.as_ref().unwrap().danger);
}

#[test]
fn extend_lease_asks_for_a_reason_and_respects_the_cap() {
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    update(&mut app, ch('x'));
    assert!(
        update(&mut app, key(KeyCode::Enter)).is_empty(),
        "no reason, no extension"
    );
    let Some(Overlay::ExtendPrompt { error: Some(_), .. }) = &app.overlay else {
        panic!("expected a validation message");
    };
    type_text(&mut app, "deploy slow");
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        vec![Command::ExtendLease {
            incident: "INC-42".into(),
            reason: "deploy slow".into(),
            by: Duration::minutes(15),
        }]
    );
    let mut capped = glass_open();
    let w = capped.window.as_mut().unwrap();
    w.cap = w.deadline + Duration::minutes(5);
    update(&mut app, Msg::IncidentChanged(capped.clone()));
    app.in_flight = None;
    update(&mut app, ch('x'));
    type_text(&mut app, "more");
    let cmds = update(&mut app, key(KeyCode::Enter));
    assert!(matches!(&cmds[..], [Command::ExtendLease { by, .. }] if *by == Duration::minutes(5)));
    capped.window.as_mut().unwrap().cap = capped.window.as_ref().unwrap().deadline;
    update(&mut app, Msg::IncidentChanged(capped));
    update(&mut app, ch('x'));
    type_text(&mut app, "again");
    assert!(
        update(&mut app, key(KeyCode::Enter)).is_empty(),
        "at the cap"
    );
}

#[test]
fn restore_now_is_one_key_while_open_and_a_no_op_when_closed() {
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    assert_eq!(
        update(&mut app, ch('R')),
        vec![Command::Restore {
            incident: "INC-42".into()
        }]
    );
    let mut closed = on_checklist(before_activate(), at(9, 10, 0));
    assert!(update(&mut closed, ch('R')).is_empty());
    assert!(update(&mut closed, ch('x')).is_empty());
}

#[test]
fn quitting_with_the_glass_open_asks_and_can_restore_first() {
    let mut app = on_checklist(real_glass_open(), at(9, 14, 12));
    assert!(update(&mut app, ch('q')).is_empty());
    assert_eq!(app.overlay, Some(Overlay::Quit));
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.overlay, None);
    update(&mut app, ch('q'));
    assert_eq!(update(&mut app, ch('w')), vec![Command::Quit]);

    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    update(&mut app, ch('q'));
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        vec![Command::Restore {
            incident: "INC-42".into()
        }]
    );
    assert!(
        update(&mut app, Msg::Restored(drift())).is_empty(),
        "drift: stay and show it"
    );
    update(&mut app, ch('q'));
    update(&mut app, ch('R'));
    let verified = RestoreView {
        verified: true,
        ..RestoreView::default()
    };
    assert_eq!(
        update(&mut app, Msg::Restored(verified)),
        vec![Command::Quit]
    );
}

#[test]
fn effect_failure_is_shown_with_advice_and_clears_the_spinner() {
    let mut app = on_checklist(before_activate(), at(9, 10, 0));
    update(&mut app, key(KeyCode::Enter));
    update(
        &mut app,
        Msg::EffectFailed {
            effect: "Preflight".into(),
            error: "token lacks administration:write on acme/api".into(),
            advice: "use a token with repository administration permission".into(),
        },
    );
    assert!(app.in_flight.is_none());
    assert!(matches!(app.output, Some(Output::Failure { .. })));
}

#[test]
fn timeline_moves_pages_and_jumps_over_100k_events() {
    let mut app = app_at(at(9, 0, 0));
    update(&mut app, Msg::Resize(80, 24));
    update(&mut app, ch('t'));
    update(
        &mut app,
        Msg::AuditChanged {
            rows: events(100_000),
            chain: ChainStatus::NotChecked,
        },
    );
    assert_eq!(
        app.timeline.selected, 99_999,
        "opens following the newest event"
    );
    update(&mut app, ch('g'));
    assert_eq!((app.timeline.selected, app.timeline.offset), (0, 0));
    update(&mut app, ch('j'));
    update(&mut app, key(KeyCode::Down));
    update(&mut app, ch('k'));
    assert_eq!(app.timeline.selected, 1);
    update(&mut app, key(KeyCode::PageDown));
    let page = app.timeline_page();
    assert_eq!(app.timeline.selected, 1 + page);
    assert!(app.timeline.offset + page > app.timeline.selected);
    update(&mut app, key(KeyCode::PageUp));
    update(&mut app, key(KeyCode::PageUp));
    assert_eq!(app.timeline.selected, 0);
    update(&mut app, ch('G'));
    assert_eq!(app.timeline.selected, 99_999);
    update(&mut app, key(KeyCode::Tab));
    assert!(app.timeline.show_detail);
}

#[test]
fn timeline_filter_narrows_and_esc_clears() {
    let mut app = app_at(at(9, 0, 0));
    update(&mut app, ch('t'));
    update(
        &mut app,
        Msg::AuditChanged {
            rows: events(600),
            chain: ChainStatus::NotChecked,
        },
    );
    update(&mut app, ch('/'));
    type_text(&mut app, "restored");
    assert_eq!(app.timeline.len(), 100);
    assert!(app.timeline.selected_row().unwrap().kind == "restored");
    assert!(
        update(&mut app, ch('q')).is_empty(),
        "q types into the filter"
    );
    assert_eq!(app.timeline.len(), 0);
    update(&mut app, key(KeyCode::Backspace));
    update(&mut app, key(KeyCode::Enter));
    assert!(!app.timeline.editing_filter);
    assert_eq!(app.timeline.len(), 100);
    update(&mut app, ch('/'));
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.timeline.len(), 600);
}

#[test]
fn review_form_autosaves_every_change_and_submits() {
    let mut app = on_checklist(glass_open(), at(9, 30, 0));
    update(
        &mut app,
        Msg::AuditChanged {
            rows: events(3),
            chain: ChainStatus::NotChecked,
        },
    );
    assert_eq!(
        update(&mut app, ch('r')),
        vec![Command::LoadReviewDraft {
            incident: "INC-42".into()
        }]
    );
    assert_eq!(app.screen, Screen::Review);
    let saves = type_text(&mut app, "Down");
    assert_eq!(saves.len(), 4, "one save per keystroke");
    let Some(Command::SaveReviewDraft(form)) = saves.last() else {
        panic!("expected a draft save");
    };
    assert_eq!(form.summary, "Down");
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.review.as_ref().unwrap().focus, 1);
    let cmds = update(&mut app, ctrl('s'));
    let [Command::SubmitReview(submitted)] = cmds.as_slice() else {
        panic!("expected a submission, got {cmds:?}");
    };
    assert_eq!(submitted.submitted_at, Some(at(9, 30, 0)));
    // The form is half of the sign-off: submitting it checks the other half on the forge.
    assert_eq!(
        update(&mut app, Msg::ReviewSubmitted),
        vec![Command::CheckSignOff {
            incident: "INC-42".into()
        }]
    );
    assert!(app.review.as_ref().unwrap().submitted);
    update(
        &mut app,
        Msg::ReviewFactsLoaded {
            incident: "INC-42".into(),
            lines: vec!["Commander: commander".into()],
        },
    );
    assert_eq!(app.review.as_ref().unwrap().facts, ["Commander: commander"]);
    // A draft arriving later keeps the facts.
    update(
        &mut app,
        Msg::ReviewDraftLoaded(Some(ReviewForm::new("INC-42"))),
    );
    assert_eq!(app.review.as_ref().unwrap().facts, ["Commander: commander"]);
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.screen, Screen::Checklist);
}

#[test]
fn review_keeps_a_loaded_draft_and_blocks_bad_action_items() {
    let mut app = on_checklist(glass_open(), at(9, 30, 0));
    update(&mut app, ch('r'));
    let mut draft = ReviewForm::new("INC-42");
    draft.lessons = "Rehearse.".into();
    update(&mut app, Msg::ReviewDraftLoaded(Some(draft)));
    assert_eq!(app.review.as_mut().unwrap().to_form().lessons, "Rehearse.");
    while app.review.as_ref().unwrap().focused_section() != Section::ActionItems {
        update(&mut app, key(KeyCode::Tab));
    }
    type_text(&mut app, "Add alert; prevent; ops; next week");
    assert!(update(&mut app, ctrl('s')).is_empty());
    assert!(app.status.as_ref().unwrap().danger);
}

#[test]
fn a_drill_cannot_be_left_to_a_watchdog_it_does_not_have() {
    // The fixtures are drills.
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    update(&mut app, ch('q'));
    assert_eq!(app.overlay, Some(Overlay::Quit));
    assert!(
        update(&mut app, ch('w')).is_empty(),
        "the drill's forge dies with the process: `w` must not quit"
    );
    assert_eq!(app.overlay, Some(Overlay::Quit));
    let hinted: Vec<_> = crate::tui::keymap::hints(crate::tui::keys::scope(&app))
        .into_iter()
        .map(|(key, _, _)| key)
        .collect();
    assert_eq!(hinted, ["R", "Esc"]);
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        vec![Command::Restore {
            incident: "INC-42".into()
        }]
    );
}

#[test]
fn ctrl_c_quits_from_a_text_field_but_asks_while_the_glass_is_open() {
    let mut app = app_at(at(9, 0, 0));
    update(&mut app, ch('n'));
    assert_eq!(update(&mut app, ctrl('c')), vec![Command::Quit]);
    let mut open = on_checklist(glass_open(), at(9, 14, 12));
    update(&mut open, ch('r'));
    assert!(update(&mut open, ctrl('c')).is_empty());
    assert_eq!(open.overlay, Some(Overlay::Quit));
    assert!(
        update(&mut open, ctrl('c')).is_empty(),
        "a second Ctrl-C does not skip the question"
    );
}

#[test]
fn snapshots_of_another_incident_do_not_replace_the_one_on_screen() {
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    let mut other = before_activate();
    other.incident.id = "INC-99".into();
    update(&mut app, Msg::IncidentChanged(other));
    assert_eq!(app.checklist.as_ref().unwrap().incident.id, "INC-42");
    let mut home = app_at(at(9, 0, 0));
    update(&mut home, Msg::IncidentChanged(before_activate()));
    assert!(home.checklist.is_none());
}

#[test]
fn restore_and_extend_are_one_key_away_from_the_timeline_too() {
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    update(&mut app, ch('t'));
    assert_eq!(app.screen, Screen::Timeline);
    assert_eq!(
        update(&mut app, ch('R')),
        vec![Command::Restore {
            incident: "INC-42".into()
        }]
    );
    app.in_flight = None;
    update(&mut app, ch('x'));
    assert!(matches!(app.overlay, Some(Overlay::ExtendPrompt { .. })));
}

#[test]
fn new_incident_form_starts_from_the_defaults() {
    let defaults = DeclareDraft {
        repository: "acme/api".into(),
        branch: "main".into(),
        ttl: "20m".into(),
        ..DeclareDraft::default()
    };
    let mut app = app_at(at(9, 0, 0)).with_declare_defaults(defaults);
    update(&mut app, ch('n'));
    let form = app.declare.as_ref().unwrap();
    assert_eq!(form.values[0], "acme/api");
    assert_eq!(form.values[4], "20m");
}

#[test]
fn from_home_the_quit_dialog_restores_the_open_incident_not_the_selection() {
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    let mut other = home();
    other.incidents.swap(0, 1);
    update(&mut app, Msg::HomeChanged(other));
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.screen, Screen::Home);
    assert_eq!(app.current_incident().as_deref(), Some("INC-43"));
    update(&mut app, ch('q'));
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        vec![Command::Restore {
            incident: "INC-42".into()
        }]
    );
}

mod window_step {
    use super::*;

    #[test]
    fn enter_prepares_the_window_and_one_confirmation_runs_it() {
        let mut app = on_checklist(window_view(&window_ready()), at(9, 4, 40));
        assert_eq!(
            update(&mut app, key(KeyCode::Enter)),
            vec![Command::PrepareWindow {
                incident: "INC-42".into()
            }]
        );
        let confirm = crate::tui::adapt::window_confirm(&window_plan());
        update(&mut app, Msg::WindowReady(Box::new(confirm.clone())));
        assert_eq!(
            app.overlay,
            Some(Overlay::Confirm(Confirm::Window(Box::new(confirm))))
        );
        // Esc cancels: nothing runs.
        assert!(update(&mut app, key(KeyCode::Esc)).is_empty());
        assert_eq!(app.overlay, None);
        update(&mut app, key(KeyCode::Enter));
        let confirm = crate::tui::adapt::window_confirm(&window_plan());
        update(&mut app, Msg::WindowReady(Box::new(confirm)));
        assert_eq!(
            update(&mut app, key(KeyCode::Enter)),
            vec![Command::RunWindow(Box::new(window_plan()))]
        );
        assert!(app.in_flight.is_some());
    }

    #[test]
    fn a_rejected_push_warns_sanitised_and_enter_offers_the_follow_up_window() {
        let mut app = on_checklist(window_view(&window_ran("push_rejected")), at(9, 5, 2));
        update(&mut app, Msg::WindowDone(window_result(false)));
        let status = app.status.as_ref().unwrap();
        assert!(status.danger);
        assert!(
            status.text.contains("glass closed again after 0.412 s"),
            "{}",
            status.text
        );
        let Some(Output::Window(result)) = &app.output else {
            panic!("the window's result is shown: {:?}", app.output);
        };
        assert!(result.remote.lines.iter().all(|l| !l.contains('\u{1b}')));
        // The window step failed, so it is current again: Enter prepares a follow-up.
        let view = app.checklist.as_ref().unwrap();
        assert_eq!(view.progress.current, Some(4));
        assert_eq!(
            update(&mut app, key(KeyCode::Enter)),
            vec![Command::PrepareWindow {
                incident: "INC-42".into()
            }]
        );
    }

    #[test]
    fn a_landed_window_moves_on_to_watching_the_deploy() {
        let mut app = on_checklist(window_view(&window_ran("pushed")), at(9, 5, 2));
        update(&mut app, Msg::WindowDone(window_result(true)));
        assert!(!app.status.as_ref().unwrap().danger);
        assert_eq!(
            update(&mut app, key(KeyCode::Enter)),
            vec![Command::CompleteStep {
                incident: "INC-42".into(),
                step: 5
            }]
        );
    }
}

#[test]
fn enter_on_the_approve_step_asks_then_offers_a_loud_self_approval() {
    let approve_next = ticked().then_a(at(9, 9, 30), "preflighted");
    let mut app = on_checklist(approve_next.view(), at(9, 9, 31));
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        vec![Command::RequestApproval {
            incident: "INC-42".into()
        }]
    );
    update(&mut app, Msg::StepCompleted);
    update(&mut app, Msg::IncidentChanged(asked_for_approval().view()));
    // While the request waits, each third second's tick looks at the issue.
    assert_eq!(
        update(&mut app, Msg::Tick(at(9, 9, 39))),
        vec![Command::CheckApproval {
            incident: "INC-42".into()
        }]
    );
    assert!(update(&mut app, Msg::Tick(at(9, 9, 40))).is_empty());
    update(
        &mut app,
        Msg::ApprovalChecked(vec!["commander asked for this approval".into()]),
    );

    assert!(update(&mut app, key(KeyCode::Enter)).is_empty());
    assert!(matches!(
        app.overlay,
        Some(Overlay::SelfApprovePrompt { .. })
    ));
    assert!(
        update(&mut app, key(KeyCode::Enter)).is_empty(),
        "no reason yet"
    );
    let Some(Overlay::SelfApprovePrompt {
        error: Some(error), ..
    }) = &app.overlay
    else {
        panic!("{:?}", app.overlay)
    };
    assert!(error.contains("reason is required"), "{error}");
    type_text(&mut app, "nobody awake");
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        vec![Command::SelfApprove {
            incident: "INC-42".into(),
            reason: "nobody awake".into()
        }]
    );
    assert_eq!(app.overlay, None);

    // Approved: the ticks stop looking.
    update(&mut app, Msg::IncidentChanged(preflighted().view()));
    assert!(update(&mut app, Msg::Tick(at(9, 9, 51))).is_empty());
}
