//! The checklist: the runbook's steps with marks and timers, and below them either the
//! current step's details or the latest output (plan, remote lines, restore report, error).

use super::clock_text;
use crate::incident::StepStatus;
use crate::runbook::StepKind;
use crate::text::sanitize_line;
use crate::tui::app::{App, ChecklistPane, Output};
use crate::tui::theme::Theme;
use crate::tui::view::{ChecklistView, RestoreView, WindowResult};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Wrap};

/// Rows the lower pane keeps while the runbook list has more steps than fit: a border and
/// three lines, enough for the current step's title, detail and what `Enter` does.
const LOWER_PANE_ROWS: u16 = 5;

/// Narrower than this, the runbook list drops the target column to keep the titles legible.
const TARGET_COLUMN_MIN_WIDTH: u16 = 50;

pub fn render_checklist(frame: &mut Frame, area: Rect, app: &App) {
    let Some(view) = &app.checklist else {
        frame.render_widget(Paragraph::new(" No incident open — Esc goes home"), area);
        return;
    };
    let steps_height = runbook_height(view.runbook.steps.len(), area.height);
    let [steps, lower] =
        Layout::vertical([Constraint::Length(steps_height), Constraint::Fill(1)]).areas(area);
    render_steps(frame, steps, app, view);
    // Tall terminals show both panes; small ones show one and Tab switches.
    if lower.height >= 16 {
        let [details, output] =
            Layout::vertical([Constraint::Length(5), Constraint::Fill(1)]).areas(lower);
        render_details(frame, details, app, view, " Current step ");
        render_output(frame, output, app, " Output ");
        return;
    }
    match app.checklist_pane {
        ChecklistPane::Details => {
            render_details(frame, lower, app, view, " Current step (Tab: output) ")
        }
        ChecklistPane::Output => render_output(frame, lower, app, " Output (Tab: details) "),
    }
}

/// The runbook list's height (borders included) in a body `body` rows tall: every step
/// when it fits beside the lower pane, else what is left above that pane, but never less
/// than half the body, so the current step and the next stay in sight on small terminals.
fn runbook_height(steps: usize, body: u16) -> u16 {
    let all = u16::try_from(steps).unwrap_or(u16::MAX).saturating_add(2);
    let beside_lower_pane = body.saturating_sub(LOWER_PANE_ROWS);
    let height = all.min(beside_lower_pane.max(body / 2 + 1)).min(body);
    // A lower pane of fewer than three rows holds only its borders: give them to the list.
    if body - height < 3 && all > height {
        body.min(all)
    } else {
        height
    }
}

/// The first step shown when `visible` of `steps` rows fit: the current step stays in
/// sight with the one after it (what comes next), scrolling no further than the last page.
fn scroll_offset(steps: usize, visible: usize, current: Option<usize>) -> usize {
    if steps <= visible {
        return 0;
    }
    let Some(current) = current else {
        return 0;
    };
    let look_ahead = usize::from(visible >= 2 && current + 1 < steps);
    (current + 1 + look_ahead)
        .saturating_sub(visible)
        .min(steps - visible)
}

fn render_steps(frame: &mut Frame, area: Rect, app: &App, view: &ChecklistView) {
    let t = &app.theme;
    let progress = &view.progress;
    let total = view.runbook.steps.len();
    let visible = usize::from(area.height.saturating_sub(2));
    let offset = scroll_offset(total, visible, progress.current);
    let shown = offset..(offset + visible).min(total);
    let with_target = area.width >= TARGET_COLUMN_MIN_WIDTH;
    let rows = view.runbook.steps[shown.clone()]
        .iter()
        .zip(&progress.steps[shown.clone()])
        .map(|(step, step_progress)| {
            let is_current = progress.current == Some(step_progress.index);
            let mark = match step_progress.status {
                StepStatus::Done => "[✓]",
                StepStatus::Failed => "[✗]",
                StepStatus::Skipped => "[-]",
                StepStatus::Current | StepStatus::Pending => "[ ]",
            };
            let title_style = if is_current {
                t.title()
            } else {
                t.step(step_progress.status)
            };
            let elapsed = step_progress.elapsed.map(clock_text).unwrap_or_default();
            let pace = step_progress.pace.map_or_else(|| t.base(), |p| t.pace(p));
            let pointer = if is_current { "▸" } else { " " };
            let mut cells = vec![
                Cell::from(Line::from(vec![
                    Span::styled(pointer, t.key()),
                    Span::styled(mark, t.step(step_progress.status)),
                ])),
                Cell::from(format!("{:>2}", step_progress.index + 1)),
                Cell::from(Span::styled(sanitize_line(&step.title), title_style)),
                Cell::from(Line::styled(elapsed, pace).right_aligned()),
            ];
            if with_target {
                cells.push(Cell::from(Line::styled(
                    format!("/ {}", clock_text(step.target)),
                    t.dim(),
                )));
            }
            Row::new(cells)
        });
    let mut widths = vec![
        Constraint::Length(4),
        Constraint::Length(2),
        Constraint::Fill(1),
        Constraint::Length(7),
    ];
    if with_target {
        widths.push(Constraint::Length(7));
    }
    let title = if shown.len() < total {
        format!(
            " Runbook: steps {}–{} of {total} ",
            shown.start + 1,
            shown.end
        )
    } else {
        " Runbook ".to_owned()
    };
    let table = Table::new(rows, widths).block(Block::bordered().title(title));
    frame.render_widget(table, area);
}

fn render_details(frame: &mut Frame, area: Rect, app: &App, view: &ChecklistView, title: &str) {
    let t = &app.theme;
    let block = Block::bordered().title(title.to_owned());
    let lines = match view.current_step() {
        Some((index, step)) => {
            let failed = view.progress.steps[index].status == StepStatus::Failed;
            let action = match (step.kind.is_automated(), failed) {
                (true, true) => "Its last attempt failed: Enter performs it again.",
                (true, false) => "Enter performs this step.",
                (false, _) => "Enter ticks this step when it is true.",
            };
            vec![
                Line::styled(
                    format!("{}. {}", index + 1, sanitize_line(&step.title)),
                    t.title(),
                ),
                Line::raw(sanitize_line(&step.detail)),
                Line::styled(action, t.key()),
            ]
        }
        None => vec![Line::styled(
            "Every step is done. r opens the review form.",
            t.good(),
        )],
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn render_output(frame: &mut Frame, area: Rect, app: &App, title: &str) {
    let t = &app.theme;
    let block = Block::bordered().title(title.to_owned());
    let lines = match &app.output {
        None => vec![Line::styled("Nothing yet.", t.dim())],
        Some(Output::Note(text)) => vec![Line::raw(sanitize_line(text))],
        Some(Output::Plan(plan)) => {
            let activate = app.checklist.as_ref().and_then(|c| {
                c.runbook
                    .steps
                    .iter()
                    .position(|s| matches!(s.kind, StepKind::Activate | StepKind::Window))
            });
            let head = match activate {
                Some(index) => format!(
                    "Relax plan (Enter on step {} to review and confirm):",
                    index + 1
                ),
                None => "Relax plan:".to_owned(),
            };
            let mut lines = vec![Line::styled(head, t.title())];
            lines.extend(
                plan.words
                    .iter()
                    .map(|w| Line::raw(format!("• {}", sanitize_line(w)))),
            );
            lines
        }
        Some(Output::Remote(remote)) => {
            let (head, style) = if remote.accepted {
                ("Push accepted. The remote said:", t.good())
            } else {
                ("Push REJECTED. The remote said:", t.danger())
            };
            let mut lines = vec![Line::styled(head, style)];
            lines.extend(
                remote
                    .lines
                    .iter()
                    .map(|l| Line::raw(format!("remote: {}", sanitize_line(l)))),
            );
            lines
        }
        Some(Output::Restore(view)) => restore_lines(view, t),
        Some(Output::Window(result)) => window_result_lines(result, t),
        Some(Output::Failure {
            effect,
            error,
            advice,
        }) => {
            let mut lines = vec![Line::styled(format!("{effect} failed:"), t.danger())];
            lines.extend(error.lines().map(|l| Line::raw(sanitize_line(l))));
            lines.push(Line::styled(format!("What to do: {advice}"), t.title()));
            lines
        }
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// What the window did: its length, the remote's answer, the restore, what comes next.
fn window_result_lines(result: &WindowResult, t: &Theme) -> Vec<Line<'static>> {
    let length = result.length.as_deref().unwrap_or("unknown");
    let mut lines = vec![Line::styled(
        format!(
            "Window {} — the glass was open {length}, now closed.",
            result.number
        ),
        t.title(),
    )];
    let (head, style) = if result.remote.accepted {
        ("Push accepted. The remote said:", t.good())
    } else {
        (
            "Push REJECTED (the glass is already closed). The remote said:",
            t.danger(),
        )
    };
    lines.push(Line::styled(head, style));
    lines.extend(
        result
            .remote
            .lines
            .iter()
            .map(|l| Line::raw(format!("remote: {}", sanitize_line(l)))),
    );
    lines.extend(restore_lines(&result.restore, t));
    lines.extend(
        result
            .next
            .iter()
            .map(|n| Line::styled(format!("Next: {}", sanitize_line(n)), t.title())),
    );
    lines
}

/// The restore report: verified read-back, or the differences, the drift table and advice.
pub fn restore_lines(view: &RestoreView, t: &Theme) -> Vec<Line<'static>> {
    let mut lines = if view.verified {
        vec![Line::styled(
            "✓ Protections restored exactly: read back and equal to the snapshot.",
            t.good(),
        )]
    } else {
        let advice = view
            .advice
            .as_deref()
            .unwrap_or("reconcile on the forge by hand, then R to restore again.");
        vec![
            Line::styled(
                "✗ Restore NOT verified: the read-back differs from the snapshot.",
                t.danger(),
            ),
            Line::styled(format!("What to do: {}", sanitize_line(advice)), t.title()),
        ]
    };
    if view.verified
        && let Some(advice) = view.advice.as_deref().filter(|_| view.drift.is_some())
    {
        lines.push(Line::styled(
            format!("What to do: {}", sanitize_line(advice)),
            t.title(),
        ));
    }
    lines.extend(
        view.differences
            .iter()
            .map(|d| Line::raw(format!("  • {}", sanitize_line(d)))),
    );
    if let Some(drift) = &view.drift {
        lines.push(Line::styled(
            "Drift — changed by someone else while the glass was open:",
            t.warning(),
        ));
        lines.push(Line::styled(
            format!(
                "  {:<24} {:<14} {:<14} {}",
                "setting", "before", "during", "now"
            ),
            t.title(),
        ));
        for row in &drift.rows {
            lines.push(Line::raw(format!(
                "  {:<24} {:<14} {:<14} {}",
                sanitize_line(&row.setting),
                sanitize_line(&row.before),
                sanitize_line(&row.during),
                sanitize_line(&row.now)
            )));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runbook_list_keeps_half_the_body_on_small_terminals() {
        // (body rows, list height) for ten steps: the body of 120×40, 80×24 with and
        // without the banner, 60×15 with and without it, 40×10 with and without it.
        let cases = [
            (37, 12),
            (21, 12),
            (19, 12),
            (12, 7),
            (10, 6),
            (7, 4),
            (5, 5),
        ];
        for (body, height) in cases {
            assert_eq!(runbook_height(10, body), height, "a body of {body} rows");
        }
        assert_eq!(
            runbook_height(3, 12),
            5,
            "a short runbook takes only its rows"
        );
    }

    #[test]
    fn scrolling_keeps_the_current_step_and_the_next_in_sight() {
        // (steps, visible rows, current step, first step shown)
        let cases = [
            (10, 12, Some(9), 0),
            (10, 2, Some(2), 2),
            (10, 5, Some(2), 0),
            (10, 4, Some(5), 3),
            (10, 1, Some(5), 5),
            (10, 3, Some(9), 7),
            (10, 3, None, 0),
        ];
        for (steps, visible, current, first) in cases {
            assert_eq!(
                scroll_offset(steps, visible, current),
                first,
                "{steps} steps, {visible} rows, current {current:?}"
            );
        }
    }

    #[test]
    fn every_current_step_is_on_screen_whatever_the_height() {
        let mut checked = 0;
        for steps in 1..=12 {
            for visible in 1..=14 {
                for current in 0..steps {
                    let first = scroll_offset(steps, visible, Some(current));
                    let shown = first..(first + visible).min(steps);
                    assert!(shown.contains(&current), "{steps}/{visible}/{current}");
                    if visible >= 2 && current + 1 < steps {
                        assert!(
                            shown.contains(&(current + 1)),
                            "{steps}/{visible}/{current}"
                        );
                    }
                    assert!(shown.len() == visible.min(steps), "no empty rows below");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 14 * (1..=12).sum::<usize>());
    }
}
