//! The drill history screen: reached with `h` from home, its charts in snapshots.

use super::fixtures::*;
use crate::drill::scorecard::{DrillRun, ScoredStep, advice, step_trends};
use crate::incident::{Pace, StepStatus};
use crate::runbook::Runbook;
use crate::tui::app::{App, Screen};
use crate::tui::msg::Msg;
use crate::tui::render;
use crate::tui::update::update;
use crate::tui::view::DrillHistoryView;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A run of the default runbook's automated steps; the preflight takes `preflight` s.
fn run(n: i64, preflight: f64, total: f64) -> DrillRun {
    let runbook = Runbook::default_github();
    let steps = runbook
        .steps
        .iter()
        .filter(|s| s.kind.is_automated())
        .map(|s| ScoredStep {
            id: s.id.clone(),
            kind: s.kind.name().into(),
            status: StepStatus::Done,
            seconds: if s.kind.name() == "preflight" {
                preflight
            } else {
                2.0
            },
            target_seconds: s.target.num_seconds() as f64,
            pace: Pace::OnTime,
        })
        .collect();
    DrillRun {
        incident: format!("DRILL-{n}"),
        scenario: Some("clean-run".into()),
        declared_at: at(9, n, 0),
        steps,
        total_seconds: total,
        exposure_seconds: Some(total / 10.0),
        passed: true,
    }
}

fn history() -> DrillHistoryView {
    let runs = vec![
        run(1, 95.0, 240.0),
        run(2, 80.0, 200.0),
        run(3, 70.0, 150.0),
        run(4, 20.0, 120.0),
    ];
    let trends = step_trends(&runs, &Runbook::default_github());
    DrillHistoryView {
        scenario: Some("clean-run".into()),
        advice: advice(&trends),
        runs,
        trends,
    }
}

fn press(app: &mut App, c: char) {
    update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
    );
}

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

#[test]
fn h_on_home_opens_the_drill_history_and_esc_goes_back() {
    let mut app = app_at(at(10, 0, 0));
    press(&mut app, 'h');
    assert_eq!(app.screen, Screen::DrillHistory);
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    assert_eq!(app.screen, Screen::Home);
}

#[test]
fn the_history_charts_runs_and_calls_out_the_late_step() {
    let mut app = app_at(at(10, 0, 0));
    app.home.history = history();
    assert_eq!(
        app.home.history.advice.len(),
        1,
        "{:?}",
        app.home.history.advice
    );
    assert!(app.home.history.advice[0].contains("`preflight` is late"));
    press(&mut app, 'h');
    snap("drill_history", &mut app);
}

#[test]
fn an_empty_history_says_how_to_start_one() {
    let mut app = app_at(at(10, 0, 0));
    press(&mut app, 'h');
    snap("drill_history_empty", &mut app);
}

#[test]
fn each_step_name_stays_under_its_own_bars_on_a_narrow_terminal() {
    let mut app = app_at(at(10, 0, 0));
    app.home.history = history();
    press(&mut app, 'h');
    for (w, h) in [(80, 24), (60, 20)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|frame| render(&app, frame)).unwrap();
        let buffer = terminal.backend().buffer();
        let rows: Vec<String> = (0..h)
            .map(|y| (0..w).map(|x| buffer[(x, y)].symbol()).collect())
            .collect();
        let labels = rows
            .iter()
            .find(|r| r.contains("declar"))
            .unwrap_or_else(|| panic!("no step names at {w}x{h}:\n{}", rows.join("\n")));
        let words: Vec<&str> = labels.trim_matches('│').split_whitespace().collect();
        // Five steps, five separate names: none runs into the next.
        assert_eq!(words.len(), 5, "{w}x{h}: {labels:?}");
        assert!(
            words[1].starts_with("pre") && words[1].ends_with('!'),
            "the late step is marked: {labels:?}"
        );
        assert!(words[2].starts_with("appr"), "{labels:?}");
    }
}
