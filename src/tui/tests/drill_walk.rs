//! A whole drill walked with `Enter` alone, confirmations included, answering each command
//! the way the flow will. This pins the command sequence the lead wires in round 2.

use super::fixtures::*;
use crate::tui::app::Screen;
use crate::tui::command::Command;
use crate::tui::declare::DeclareDraft;
use crate::tui::msg::Msg;
use crate::tui::update::update;
use crate::tui::view::{RemoteLines, RestoreView};
use chrono::Duration;
use crossterm::event::KeyCode;

#[test]
fn a_drill_is_walked_from_declare_to_restored_with_enter_alone() {
    let mut app = app_at(at(9, 0, 0));
    assert_eq!(update(&mut app, ch('d')), vec![Command::StartDrill]);
    update(
        &mut app,
        Msg::DrillReady(DeclareDraft {
            repository: "acme/api".into(),
            branch: "main".into(),
            incident: "INC-42".into(),
            reason: "https://tickets.example/INC-42".into(),
            ttl: "30m".into(),
            drill: true,
        }),
    );
    let enter = || key(KeyCode::Enter);
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.extend(update(&mut app, enter()));
    }
    assert!(matches!(seen.as_slice(), [Command::Declare(_)]));
    let mut story = Story::declared();
    update(&mut app, Msg::IncidentOpened(story.view()));

    let incident = || "INC-42".to_owned();
    // Steps 2 and 3 are manual: Enter ticks them.
    for (step, id) in [(1, "second-pair-of-eyes"), (2, "fix-ready")] {
        assert_eq!(
            update(&mut app, enter()),
            vec![Command::CompleteStep {
                incident: incident(),
                step
            }]
        );
        story = story.ticked(at(9, 1, 0), id);
        update(&mut app, Msg::StepCompleted);
        update(&mut app, Msg::IncidentChanged(story.view()));
    }
    assert_eq!(
        update(&mut app, enter()),
        vec![Command::Preflight {
            incident: incident()
        }]
    );
    story = story.then_a(at(9, 2, 0), "preflighted");
    update(&mut app, Msg::IncidentChanged(story.view()));
    update(&mut app, Msg::PlanReady(plan()));
    assert!(
        update(&mut app, enter()).is_empty(),
        "first Enter shows the plan"
    );
    assert_eq!(
        update(&mut app, enter()),
        vec![Command::Activate {
            incident: incident()
        }]
    );
    story = story
        .then_a(at(9, 5, 0), "activation_intended")
        .then_a(at(9, 5, 0), "activated");
    update(&mut app, Msg::Activated);
    update(&mut app, Msg::IncidentChanged(story.view()));
    assert!(app.glass_open());
    assert_eq!(
        update(&mut app, enter()),
        vec![Command::PreparePush {
            incident: incident()
        }]
    );
    update(&mut app, Msg::PushReady(push()));
    assert_eq!(
        update(&mut app, enter()),
        vec![Command::Push {
            incident: incident()
        }]
    );
    update(
        &mut app,
        Msg::PushOutcome(RemoteLines {
            accepted: true,
            lines: vec![],
        }),
    );
    story = story
        .then_a(at(9, 6, 0), "push_intended")
        .then_a(at(9, 6, 0), "pushed");
    update(&mut app, Msg::IncidentChanged(story.view()));
    assert_eq!(
        update(&mut app, enter()),
        vec![Command::CompleteStep {
            incident: incident(),
            step: 6
        }]
    );
    story = story.ticked(at(9, 10, 0), "watch-deploy");
    update(&mut app, Msg::StepCompleted);
    update(&mut app, Msg::IncidentChanged(story.view()));
    assert_eq!(
        update(&mut app, enter()),
        vec![Command::Restore {
            incident: incident()
        }]
    );
    update(
        &mut app,
        Msg::Restored(RestoreView {
            verified: true,
            ..RestoreView::default()
        }),
    );
    story = story
        .then_a(at(9, 12, 0), "restore_intended")
        .then_a(at(9, 12, 0), "restored");
    update(&mut app, Msg::Tick(at(9, 12, 0) + Duration::seconds(1)));
    update(&mut app, Msg::IncidentChanged(story.view()));
    assert!(!app.glass_open());
    assert_eq!(
        update(&mut app, enter()),
        vec![Command::OpenReview {
            incident: incident()
        }]
    );
    let cmds = update(
        &mut app,
        Msg::ReviewOpened("http://127.0.0.1:1/acme/api/pull/1".into()),
    );
    assert_eq!(
        cmds,
        vec![Command::LoadReviewDraft {
            incident: incident()
        }]
    );
    assert_eq!(app.screen, Screen::Review);
}
