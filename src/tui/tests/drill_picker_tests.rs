//! The drill picker (`d`) and the scorecard at a drill's end: keys through `update`, the
//! scorecard asked for once when the drill's last step is done, and both screens in
//! snapshots.

use super::fixtures::*;
use crate::drill::scenario::built_in;
use crate::drill::scorecard::{comparison, scorecard};
use crate::drill::{DrillScore, ForgeEvidence, StepTiming, faults_met, judge, outcome};
use crate::forge::sandbox::RequestRecord;
use crate::runbook::Runbook;
use crate::tui::adapt::{checklist_view, scenario_choices};
use crate::tui::app::{App, Screen};
use crate::tui::command::Command;
use crate::tui::msg::Msg;
use crate::tui::render;
use crate::tui::update::update;
use crate::tui::view::DrillPicker;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn snap(name: &str, app: &mut App) {
    for (w, h) in [(80, 24), (120, 40)] {
        update(app, Msg::Resize(w, h));
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|frame| render(app, frame)).unwrap();
        insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("{name}@{w}x{h}"), terminal.backend());
        });
    }
}

/// The built-in scenarios as the picker lists them; clean-run drilled three times.
fn picker() -> DrillPicker {
    let mut choices = scenario_choices(&built_in(), &[], &Runbook::default_github());
    choices[0].runs = 3;
    choices[0].best_seconds = Some(62.4);
    choices[0].last_seconds = Some(71.0);
    DrillPicker {
        choices,
        selected: 0,
        problems: Vec::new(),
    }
}

#[test]
fn d_lists_the_scenarios_and_enter_starts_the_one_selected() {
    let mut app = app_at(at(10, 0, 0));
    assert_eq!(update(&mut app, ch('d')), vec![Command::ListScenarios]);
    update(&mut app, Msg::ScenariosListed(picker()));
    assert_eq!(app.screen, Screen::DrillPicker);
    assert!(app.in_flight.is_none());
    update(&mut app, ch('j'));
    update(&mut app, key(KeyCode::Down));
    update(&mut app, ch('k'));
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        vec![Command::StartDrill {
            scenario: "writer-classic".into()
        }]
    );
    // The last row stays the last.
    for _ in 0..20 {
        update(&mut app, ch('j'));
    }
    assert_eq!(
        app.drill_picker.selected,
        app.drill_picker.choices.len() - 1
    );
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.screen, Screen::Home);
}

#[test]
fn the_picker_shows_each_scenario_its_times_and_the_story_of_the_selected() {
    let mut app = app_at(at(10, 0, 0));
    update(&mut app, Msg::ScenariosListed(picker()));
    snap("drill_picker", &mut app);
}

/// The default runbook walked to its end as a drill: the window at 09:05, the deploy
/// watched at 09:06, the review opened at 09:07 and the announcement at 09:08.
fn walked() -> Story {
    window_ran("pushed")
        .ticked(at(9, 6, 0), "watch-deploy")
        .then_a(at(9, 7, 0), "review_opened")
        .ticked(at(9, 8, 0), "announce")
}

fn score_of(story: &Story, scenario: &str, failed: &[StepTiming]) -> DrillScore {
    let incident = story.incident();
    let verdict = judge(&incident, &ForgeEvidence::default());
    let mut card = scorecard(
        &incident,
        &window_runbook(),
        std::slice::from_ref(&incident),
        verdict.clone(),
    );
    card.earlier = comparison(&[95.0, 120.0, 80.0]);
    let scenario = built_in().into_iter().find(|s| s.id == scenario).unwrap();
    let outcome = outcome(Some(&incident), &verdict, failed);
    let record = |status: u16, fault: Option<&str>| RequestRecord {
        method: "GET".into(),
        path: "/repos/acme/api/branches/main/protection".into(),
        status,
        duration_ms: 3,
        time: at(9, 5, 1),
        user: Some("commander".into()),
        fault: fault.map(str::to_owned),
        answered_before: 0,
    };
    DrillScore {
        title: Some(scenario.title.clone()),
        expected: Some(outcome.check(&scenario.expect)),
        outcome,
        requests: 41,
        issue_requests: 12,
        faults_met: faults_met(&[
            record(502, Some("get:/repos/*/branches/*/protection=502x1")),
            record(200, None),
        ]),
        scorecard: card,
    }
}

#[test]
fn a_drill_whose_last_step_is_done_asks_for_its_scorecard_once() {
    let story = walked();
    let view = checklist_view(&story.incident(), &window_runbook(), at(9, 8, 0));
    let before = window_view(&window_ran("pushed"));
    let mut app = on_checklist(before, at(9, 8, 0));
    assert_eq!(
        update(&mut app, Msg::IncidentChanged(view.clone())),
        vec![Command::ScoreDrill {
            incident: "INC-42".into()
        }]
    );
    assert!(
        update(&mut app, Msg::IncidentChanged(view)).is_empty(),
        "asked once"
    );
    update(
        &mut app,
        Msg::DrillScored(Box::new(score_of(&story, "restore-5xx", &[]))),
    );
    assert_eq!(app.screen, Screen::DrillScorecard);
    snap("drill_scorecard", &mut app);
    update(&mut app, ch('h'));
    assert_eq!(app.screen, Screen::DrillHistory);
    update(&mut app, key(KeyCode::Esc));
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.screen, Screen::Checklist);
}

#[test]
fn a_real_incident_has_no_scorecard_and_e_ends_only_a_drill() {
    // The same story, but a real incident: nothing to score.
    let mut real = walked().incident();
    real.drill = false;
    let mut app = on_checklist(window_view(&window_ran("pushed")), at(9, 8, 0));
    app.checklist.as_mut().unwrap().incident.drill = false;
    let view = checklist_view(&real, &window_runbook(), at(9, 8, 0));
    assert!(update(&mut app, Msg::IncidentChanged(view)).is_empty());
    assert!(update(&mut app, ch('e')).is_empty());

    // A drill refused at preflight never reaches its last step: `e` ends it.
    let mut app = on_checklist(
        window_view(&Story::declared().ticked(at(9, 4, 0), "fix-ready")),
        at(9, 5, 0),
    );
    assert_eq!(
        update(&mut app, ch('e')),
        vec![Command::ScoreDrill {
            incident: "INC-42".into()
        }]
    );
}

#[test]
fn a_drill_that_did_not_end_as_its_scenario_expects_says_why() {
    // The window ran but the review was never opened: the scenario expected a pass.
    let story = window_ran("pushed").ticked(at(9, 6, 0), "watch-deploy");
    let failed = [StepTiming {
        step: "review",
        millis: 0,
        requests: 0,
        request_lines: Vec::new(),
        issue_requests: 0,
        ok: false,
        error: Some("the forge answered 502 — try the step again".into()),
    }];
    let mut app = on_checklist(window_view(&story), at(9, 8, 0));
    update(
        &mut app,
        Msg::DrillScored(Box::new(score_of(&story, "clean-run", &failed))),
    );
    let score = app.drill_score.as_ref().unwrap();
    assert!(!score.passed());
    assert!(
        score
            .reasons()
            .iter()
            .any(|r| r == "no retroactive review was opened"),
        "{:?}",
        score.reasons()
    );
    snap("drill_scorecard_failed", &mut app);
}

/// The picker's terminal-dies scenario needs the separate steps the headless drill plays:
/// the TUI says so and starts no sandbox.
#[tokio::test]
async fn the_terminal_dies_scenario_is_sent_to_the_headless_drill() {
    use crate::clock::FakeClock;
    use crate::tui::effects::{FlowEffects, RealForge};
    use crate::tui::event_loop::Effects;
    let home = tempfile::tempdir().unwrap();
    let mut effects = FlowEffects::new(
        crate::paths::Paths::under(home.path()),
        Runbook::default_github(),
        std::sync::Arc::new(FakeClock::at(at(9, 0, 0))),
        RealForge::Disabled,
    );
    let (results, mut answers) = tokio::sync::mpsc::unbounded_channel();
    effects.perform(
        Command::StartDrill {
            scenario: "terminal-dies".into(),
        },
        results,
    );
    let answer = tokio::time::timeout(std::time::Duration::from_secs(30), answers.recv())
        .await
        .unwrap()
        .unwrap();
    let Msg::EffectFailed { error, advice, .. } = answer else {
        panic!("{answer:?}");
    };
    assert!(error.contains("played by the headless drill"), "{error}");
    assert!(
        advice.contains("breakglass drill --scenario terminal-dies --headless"),
        "{advice}"
    );
    assert!(
        effects.drill_sessions().is_empty(),
        "no sandbox was started"
    );
}
