//! The checklist follows the model's progress: on real folds of the histories where the
//! model's current step is not simply the first unfinished one (a failed activation, a
//! failed watchdog restore, drift, a watchdog restore, a lease running out), the row marked
//! ▸, the details pane and `Enter` all act on the step `incident::progress` names.

use super::fixtures::*;
use crate::incident::StepStatus;
use crate::runbook::StepKind;
use crate::tui::app::App;
use crate::tui::command::Command;
use crate::tui::msg::Msg;
use crate::tui::render;
use crate::tui::update::update;
use chrono::{DateTime, Utc};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn screen_lines(app: &App, width: u16, height: u16) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| render(app, frame)).unwrap();
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| (0..width).map(|x| buffer[(x, y)].symbol()).collect())
        .collect()
}

/// The one screen line marked ▸ in the runbook list.
fn pointed_line(app: &App, width: u16, height: u16) -> String {
    let marked: Vec<String> = screen_lines(app, width, height)
        .into_iter()
        .filter(|line| line.contains("▸"))
        .collect();
    assert_eq!(marked.len(), 1, "exactly one step is marked: {marked:#?}");
    marked.into_iter().next().unwrap()
}

/// Opens `story` at `now` and checks that the model's current step is `expected` (by
/// kind), that ▸ and the details pane point at it, and returns what `Enter` asks for.
fn enter_on(story: Story, now: DateTime<Utc>, expected: StepKind) -> Vec<Command> {
    let mut app = on_checklist(story.view(), now);
    let view = app.checklist.as_ref().unwrap();
    let (index, step) = view.current_step().expect("a current step");
    assert_eq!(step.kind, expected, "the model's current step");
    assert_eq!(view.progress.current, Some(index));
    let title = step.title.clone();
    let pointed = pointed_line(&app, 120, 40);
    assert!(
        pointed.contains(&format!("{:>2} {title}", index + 1)),
        "▸ is on step {}: {pointed}",
        index + 1
    );
    let details = screen_lines(&app, 120, 40)
        .into_iter()
        .find(|line| line.contains(&format!("{}. {title}", index + 1)));
    assert!(details.is_some(), "the details pane shows the current step");
    update(&mut app, key(KeyCode::Enter))
}

fn restore() -> Vec<Command> {
    vec![Command::Restore {
        incident: "INC-42".into(),
    }]
}

fn open_review() -> Vec<Command> {
    vec![Command::OpenReview {
        incident: "INC-42".into(),
    }]
}

#[test]
fn after_a_failed_activation_enter_restores_instead_of_retrying_activation() {
    let story = activation_failed();
    let progress = &story.view().progress;
    assert_eq!(
        progress.steps[4].status,
        StepStatus::Failed,
        "break the glass"
    );
    assert_eq!(
        enter_on(story, at(9, 10, 30), StepKind::Restore),
        restore(),
        "the glass may be partly open: restore comes first"
    );
}

#[test]
fn after_the_watchdog_failed_to_restore_enter_restores_instead_of_ticking_the_deploy() {
    let story = restore_failed_by_watchdog();
    let progress = &story.view().progress;
    assert_eq!(
        progress.steps[6].status,
        StepStatus::Pending,
        "watch the deploy"
    );
    assert_eq!(progress.steps[7].status, StepStatus::Failed, "restore");
    assert_eq!(enter_on(story, at(9, 40, 20), StepKind::Restore), restore());
}

#[test]
fn after_a_restore_with_drift_enter_opens_the_review() {
    let story = drifted();
    assert_eq!(
        enter_on(story, at(9, 20, 0), StepKind::Review),
        open_review()
    );
}

#[test]
fn after_the_watchdog_restored_the_unwatched_deploy_is_skipped_and_review_is_next() {
    let story = restored_by_watchdog();
    let progress = &story.view().progress;
    assert_eq!(
        progress.steps[6].status,
        StepStatus::Skipped,
        "watch the deploy"
    );
    assert_eq!(progress.steps[7].status, StepStatus::Done, "restore");
    assert_eq!(
        enter_on(story, at(9, 41, 0), StepKind::Review),
        open_review()
    );
}

#[test]
fn when_the_lease_runs_out_between_snapshots_the_next_tick_moves_enter_to_restore() {
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    assert!(pointed_line(&app, 80, 24).contains(" 6 Push the tagged fix"));
    update(&mut app, Msg::Tick(at(9, 40, 11)));
    assert!(
        pointed_line(&app, 80, 24).contains(" 8 Restore protections"),
        "no new snapshot is needed: the model reads the clock"
    );
    assert_eq!(update(&mut app, key(KeyCode::Enter)), restore());
}
