//! Snapshots of every screen at 80×24 and 120×40 with timers frozen, plus style checks
//! that the text snapshots cannot show (pace colours, the red banner).

use super::fixtures::*;
use crate::tui::app::App;
use crate::tui::msg::Msg;
use crate::tui::render;
use crate::tui::theme::Theme;
use crate::tui::update::update;
use crate::tui::view::{ChainStatus, RemoteLines, RestoreView};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| render(app, frame)).unwrap();
    terminal
}

/// Snapshots `app` at 80×24 and 120×40 as `<name>@80x24` and `<name>@120x40`.
fn snap(name: &str, app: &mut App) {
    snap_sizes(name, app, &[(80, 24), (120, 40)]);
}

/// Snapshots `app` at each of `sizes` as `<name>@<w>x<h>`.
fn snap_sizes(name: &str, app: &mut App, sizes: &[(u16, u16)]) {
    for &(w, h) in sizes {
        update(app, Msg::Resize(w, h));
        let terminal = draw(app, w, h);
        insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("{name}@{w}x{h}"), terminal.backend());
        });
    }
}

fn find(buffer: &Buffer, text: &str) -> (u16, u16) {
    let area = buffer.area;
    for y in 0..area.height {
        let line: String = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
        if let Some(byte) = line.find(text) {
            return (line[..byte].chars().count() as u16, y);
        }
    }
    panic!("{text:?} not on screen");
}

#[test]
fn home_with_an_open_lease_incidents_and_drills() {
    let mut app = app_at(at(9, 14, 12));
    update(&mut app, Msg::HomeChanged(home()));
    snap("home", &mut app);
}

#[test]
fn home_when_nothing_is_open() {
    let mut app = app_at(at(9, 14, 12));
    snap("home_empty", &mut app);
}

#[test]
fn declare_form_prefilled_for_a_drill_with_an_error() {
    let mut app = app_at(at(9, 0, 0));
    update(
        &mut app,
        Msg::DrillReady(crate::tui::declare::DeclareDraft {
            repository: "acme/api".into(),
            branch: "main".into(),
            incident: "DRILL-1".into(),
            reason: "https://tickets.example/DRILL-1".into(),
            ttl: "30 parsecs".into(),
            drill: true,
        }),
    );
    for _ in 0..5 {
        update(&mut app, key(KeyCode::Enter));
    }
    snap("declare", &mut app);
}

#[test]
fn checklist_before_activation_with_the_plan_to_confirm() {
    let mut app = on_checklist(before_activate(), at(9, 10, 0));
    update(&mut app, Msg::PlanReady(plan()));
    snap("checklist_plan_ready", &mut app);
    update(&mut app, key(KeyCode::Enter));
    snap("confirm_activate", &mut app);
}

#[test]
fn checklist_with_the_glass_open_and_overdue_steps() {
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    snap("checklist_glass_open", &mut app);
}

#[test]
fn overdue_steps_are_amber_then_red_and_the_banner_is_red() {
    let app = on_checklist(glass_open(), at(9, 14, 12));
    let terminal = draw(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    let amber = find(buffer, "8:00 / 5:00");
    assert_eq!(buffer[amber].fg, Color::Yellow, "step 3: 8:00 of 5:00");
    let red = find(buffer, "4:02 / 1:00");
    assert_eq!(buffer[red].fg, Color::Red, "push: 4:02 of 1:00");
    let on_time = find(buffer, "0:20 / 3:00");
    assert_eq!(buffer[on_time].fg, Color::Green);
    let banner = find(buffer, "GLASS OPEN");
    assert_eq!(buffer[banner].bg, Color::Red);
    let countdown = find(buffer, "closes in 25:58");
    assert_eq!(countdown.1, banner.1);
}

#[test]
fn the_countdown_follows_the_clock() {
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    update(&mut app, Msg::Tick(at(9, 39, 10)));
    let terminal = draw(&app, 80, 24);
    find(terminal.backend().buffer(), "closes in 1:00");
    update(&mut app, Msg::Tick(at(9, 40, 40)));
    let terminal = draw(&app, 80, 24);
    find(terminal.backend().buffer(), "DEADLINE PASSED 0:30 ago");
}

#[test]
fn monochrome_theme_draws_no_colour() {
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    app.theme = Theme::monochrome();
    let terminal = draw(&app, 80, 24);
    for cell in terminal.backend().buffer().content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset));
    }
}

#[test]
fn push_confirmation_and_a_rejected_push() {
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    update(&mut app, Msg::PushReady(push()));
    snap("confirm_push", &mut app);
    update(&mut app, key(KeyCode::Esc));
    update(
        &mut app,
        Msg::PushOutcome(RemoteLines {
            accepted: false,
            lines: vec![
                "error: GH006: Protected branch update failed for refs/heads/main.".into(),
                "error: \u{1b}[31mAt least 1 approving review is required".into(),
            ],
        }),
    );
    snap("push_rejected", &mut app);
}

#[test]
fn restore_with_drift_and_restore_verified() {
    let mut app = on_checklist(drifted().view(), at(9, 20, 0));
    update(&mut app, Msg::Restored(drift()));
    snap("restore_drift", &mut app);
    let restored = pushed()
        .ticked(at(9, 19, 0), "watch-deploy")
        .then_a(at(9, 19, 30), "restore_intended")
        .then_a(at(9, 19, 32), "restored");
    let mut app = on_checklist(restored.view(), at(9, 20, 0));
    update(
        &mut app,
        Msg::Restored(RestoreView {
            verified: true,
            ..RestoreView::default()
        }),
    );
    snap("restore_verified", &mut app);
}

#[test]
fn checklist_after_a_failed_activation_points_at_restore() {
    let mut app = on_checklist(activation_failed().view(), at(9, 10, 30));
    snap("checklist_activation_failed", &mut app);
}

#[test]
fn checklist_after_the_watchdog_failed_to_restore_points_at_restore() {
    let mut app = on_checklist(restore_failed_by_watchdog().view(), at(9, 40, 20));
    snap("checklist_restore_failed", &mut app);
}

#[test]
fn checklist_after_drift_points_at_the_review() {
    let mut app = on_checklist(drifted().view(), at(9, 20, 0));
    snap("checklist_drift", &mut app);
}

#[test]
fn checklist_restored_by_the_watchdog_points_at_the_review() {
    let mut app = on_checklist(restored_by_watchdog().view(), at(9, 41, 0));
    snap("checklist_restored_by_watchdog", &mut app);
}

/// The screen's rows as text.
fn rows(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect()
        })
        .collect()
}

const SMALL_SIZES: [(u16, u16); 3] = [(80, 24), (60, 15), (40, 10)];

#[test]
fn the_runbook_scrolls_to_keep_the_current_step_in_sight_on_small_terminals() {
    let step_3 = Story::declared().ticked(at(9, 1, 30), "fix-ready");
    let mut app = on_checklist(step_3.view(), at(9, 3, 0));
    snap_sizes("checklist_step_3", &mut app, &SMALL_SIZES);
    let mut open = on_checklist(glass_open(), at(9, 14, 12));
    snap_sizes("checklist_glass_open_small", &mut open, &SMALL_SIZES);
    for (app, current) in [(&app, " 3 "), (&open, " 6 ")] {
        for (w, h) in SMALL_SIZES {
            let screen = rows(&draw(app, w, h));
            let pointed: Vec<&String> = screen.iter().filter(|r| r.contains("▸")).collect();
            assert_eq!(pointed.len(), 1, "{w}×{h}: {screen:#?}");
            assert!(
                pointed[0].contains(current),
                "{w}×{h}: ▸ on step{current}: {screen:#?}"
            );
        }
    }
}

#[test]
fn the_header_cuts_the_incident_before_the_clock_and_keeps_the_total() {
    let story = Story::declared_as("DRILL-20261201-200000");
    let app = on_checklist(story.view(), at(9, 20, 12));
    for (w, h) in [(120, 40), (80, 24), (60, 15), (40, 10)] {
        let header = rows(&draw(&app, w, h)).remove(0);
        let clock = header
            .find("09:20:12")
            .unwrap_or_else(|| panic!("{w} columns: the clock is missing: {header:?}"));
        let before_clock = &header[..clock];
        assert!(
            before_clock.ends_with(' '),
            "{w} columns: nothing runs into the clock: {header:?}"
        );
        assert!(
            before_clock.contains("total 20:12"),
            "{w} columns: the total stays: {header:?}"
        );
        assert!(
            before_clock.contains("DRILL-2"),
            "{w} columns: the incident keeps a part of its id: {header:?}"
        );
    }
    let wide = rows(&draw(&app, 120, 40)).remove(0);
    assert!(
        wide.contains("DRILL-20261201-200000 acme/api:main DRILL │ total 20:12"),
        "nothing is cut when it fits: {wide:?}"
    );
    let narrow = rows(&draw(&app, 80, 24)).remove(0);
    assert!(narrow.contains('…'), "a cut is marked: {narrow:?}");
}

#[test]
fn help_overlay_on_the_checklist() {
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    update(&mut app, ch('?'));
    snap("help_checklist", &mut app);
}

#[test]
fn extend_prompt_and_quit_dialog() {
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    update(&mut app, ch('x'));
    type_text(&mut app, "deploy is slow");
    snap("extend_prompt", &mut app);
    update(&mut app, key(KeyCode::Esc));
    // A real incident: its watchdog outlives the TUI.
    let mut app = on_checklist(real_glass_open(), at(9, 14, 12));
    update(&mut app, ch('q'));
    snap("quit_dialog", &mut app);
}

#[test]
fn quit_dialog_of_a_drill_offers_no_watchdog() {
    // The fixtures are drills.
    let mut app = on_checklist(glass_open(), at(9, 14, 12));
    update(&mut app, ch('q'));
    snap("quit_dialog_drill", &mut app);
    let terminal = draw(&app, 80, 24);
    find(terminal.backend().buffer(), "No watchdog");
}

#[test]
fn spinner_while_work_is_in_flight() {
    let mut app = on_checklist(before_activate(), at(9, 10, 0));
    update(&mut app, Msg::PlanReady(plan()));
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, Msg::Tick(at(9, 10, 3)));
    let terminal = draw(&app, 80, 24);
    find(
        terminal.backend().buffer(),
        "Breaking the glass: applying the plan… 0:03",
    );
}

#[test]
fn timeline_with_filter_and_json_detail() {
    let mut app = app_at(at(9, 14, 12));
    update(&mut app, ch('t'));
    update(
        &mut app,
        Msg::AuditChanged {
            rows: events(100_000),
            chain: ChainStatus::Verified {
                head_seq: 100_000,
                head_hash: "9a1f03c4e2b7d5a8".into(),
            },
        },
    );
    update(&mut app, ch('/'));
    type_text(&mut app, "pushed");
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, ch('g'));
    update(&mut app, ch('j'));
    update(&mut app, key(KeyCode::Tab));
    snap("timeline", &mut app);
}

#[test]
fn timeline_shows_a_broken_chain() {
    let mut app = app_at(at(9, 14, 12));
    update(&mut app, ch('t'));
    update(
        &mut app,
        Msg::AuditChanged {
            rows: events(5),
            chain: ChainStatus::Broken {
                line: 3,
                reason: "hash mismatch".into(),
            },
        },
    );
    let terminal = draw(&app, 80, 24);
    find(
        terminal.backend().buffer(),
        "CHAIN BROKEN at line 3: hash mismatch",
    );
}

#[test]
fn review_form() {
    let mut app = on_checklist(glass_open(), at(9, 30, 0));
    update(
        &mut app,
        Msg::AuditChanged {
            rows: events(4),
            chain: ChainStatus::NotChecked,
        },
    );
    update(&mut app, ch('r'));
    type_text(&mut app, "Checkout returned 500s for 14 minutes.");
    update(&mut app, Msg::ReviewDraftSaved(at(9, 30, 0)));
    update(&mut app, key(KeyCode::Tab));
    update(&mut app, key(KeyCode::Tab));
    snap("review", &mut app);
}

#[test]
fn home_shows_the_chain_in_one_dim_line_unless_the_log_is_unreadable() {
    let mut app = app_at(at(9, 14, 12));
    update(&mut app, Msg::HomeChanged(home()));
    let terminal = draw(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    let line = find(buffer, "audit chain verified · 1,234 events · head 3fa1c2…");
    assert_eq!(line.1, 1, "one line, below the header");
    assert_eq!(buffer[line].fg, Color::DarkGray);

    let mut unreadable = home();
    unreadable.chain = ChainStatus::Unreadable {
        reason: "lock timeout".into(),
    };
    unreadable.alerts = vec!["AUDIT LOG UNREADABLE: lock timeout".into()];
    update(&mut app, Msg::HomeChanged(unreadable));
    let terminal = draw(&app, 80, 24);
    let text: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert_eq!(text.matches("lock timeout").count(), 1, "said once");
    assert!(!text.contains("audit chain"), "{text}");
}

#[test]
fn review_form_action_items() {
    let mut app = on_checklist(glass_open(), at(9, 30, 0));
    update(&mut app, ch('r'));
    while app.review.as_ref().unwrap().focused_section() != crate::review::Section::ActionItems {
        update(&mut app, key(KeyCode::Tab));
    }
    snap("review-action-items", &mut app);
}

#[test]
fn a_failing_restore_is_a_red_line_on_home_and_on_the_checklist_banner() {
    let failing = "RESTORE FAILING since 09:14 UTC — retrying every 30 s — last error: 503";
    let mut app = app_at(at(9, 14, 12));
    let mut home = home();
    home.alerts = vec![format!("INC-42: {failing}")];
    update(&mut app, Msg::HomeChanged(home));
    let terminal = draw(&app, 120, 40);
    let on_home = find(
        terminal.backend().buffer(),
        "INC-42: RESTORE FAILING since 09:14",
    );
    assert_eq!(terminal.backend().buffer()[on_home].fg, Color::Red);

    let mut view = glass_open();
    view.window.as_mut().unwrap().restore_failing = Some(failing.into());
    let app = on_checklist(view, at(9, 14, 12));
    let terminal = draw(&app, 120, 40);
    let on_banner = find(terminal.backend().buffer(), "RESTORE FAILING since 09:14");
    let cell = &terminal.backend().buffer()[on_banner];
    assert_eq!(
        (cell.fg, cell.bg),
        (Color::White, Color::Red),
        "legible on the red banner"
    );
}

#[test]
fn the_window_step_confirms_plan_and_commits_at_once() {
    let mut app = on_checklist(window_view(&window_ready()), at(9, 4, 40));
    let confirm = crate::tui::adapt::window_confirm(&window_plan());
    update(&mut app, Msg::WindowReady(Box::new(confirm)));
    snap("confirm_window", &mut app);
}

#[test]
fn the_window_step_shows_its_length_and_the_verified_restore() {
    let mut app = on_checklist(window_view(&window_ran("pushed")), at(9, 5, 2));
    update(&mut app, Msg::WindowDone(window_result(true)));
    snap("window_done", &mut app);
}

#[test]
fn a_rejected_push_is_shown_after_the_glass_closed_with_the_follow_up_offer() {
    let mut app = on_checklist(window_view(&window_ran("push_rejected")), at(9, 5, 2));
    update(&mut app, Msg::WindowDone(window_result(false)));
    snap("window_rejected", &mut app);
}

/// Real incidents folded from the log's events: INC-2 restored at 09:05, INC-1 at 09:20
/// with its review open, a drill and a signed-off incident (neither is listed).
fn awaiting_sign_off() -> Vec<crate::incident::Incident> {
    use crate::incident::fixtures::{at as event_at, history_to, sample, t};
    use crate::incident::{Phase, fold};
    let folded = |id: &str, phase: Phase, restored: i64, drill: bool| {
        let mut incident = fold(&history_to(phase)).unwrap();
        incident.id = id.into();
        incident.drill = drill;
        incident.restore.restored_at = Some(t(restored));
        incident
    };
    let mut signed = history_to(Phase::Reviewed);
    signed.push(event_at(200, sample("review_submitted")));
    signed.push(event_at(210, sample("review_signed_off")));
    vec![
        folded("INC-1", Phase::Reviewed, 1200, false),
        folded("DRILL-7", Phase::Restored, 60, true),
        folded("INC-2", Phase::Restored, 300, false),
        fold(&signed).unwrap(),
    ]
}

#[test]
fn home_lists_the_reviews_awaiting_sign_off_oldest_first() {
    let mut app = app_at(at(11, 0, 0));
    let home = crate::tui::adapt::home_view(&awaiting_sign_off());
    update(&mut app, Msg::HomeChanged(home));
    snap("home-reviews-awaiting-sign-off", &mut app);
}

#[test]
fn review_form_shows_the_facts_read_only_above_the_sections() {
    let incidents = awaiting_sign_off();
    let facts = crate::review::ReviewFacts::of(
        &incidents[3],
        &crate::runbook::Runbook::default_github(),
        at(9, 30, 0),
    );
    let mut app = on_checklist(glass_open(), at(9, 30, 0));
    update(&mut app, ch('r'));
    let incident = app.review.as_ref().unwrap().incident.clone();
    update(
        &mut app,
        Msg::ReviewFactsLoaded {
            incident,
            lines: facts.lines(),
        },
    );
    snap_sizes("review-facts", &mut app, &[(120, 40)]);
}

#[test]
fn waiting_for_approval_shows_the_time_left_and_where_to_approve() {
    // Asked at 09:09:35 for the default 15 minutes: at 09:12:01, 12:34 are left.
    let story = ticked().then_a(at(9, 9, 30), "preflighted").then(
        at(9, 9, 35),
        crate::incident::IncidentEvent::ApprovalRequested {
            deadline: at(9, 24, 35),
            issue_repo: "acme/api".into(),
            issue_number: 3,
            issue_url: "http://127.0.0.1:8080/acme/api/issues/3".into(),
            comment_id: Some(10_001),
        },
    );
    let mut app = on_checklist(story.view(), at(9, 12, 1));
    let terminal = draw(&app, 120, 40);
    let buffer = terminal.backend().buffer();
    let banner = find(buffer, "waiting for approval — 12:34 left");
    assert_eq!(buffer[banner].fg, Color::Yellow);
    find(buffer, "http://127.0.0.1:8080/acme/api/issues/3");
    snap("checklist_waiting_for_approval", &mut app);
    // The countdown follows the clock.
    update(&mut app, Msg::Tick(at(9, 20, 1)));
    find(
        draw(&app, 80, 24).backend().buffer(),
        "waiting for approval — 4:34 left",
    );
}
