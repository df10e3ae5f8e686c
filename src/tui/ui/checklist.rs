//! The checklist: the runbook's steps with marks and timers, and below them either the
//! current step's details or the latest output (plan, remote lines, restore report, error).

use super::{clock_text, spinner};
use crate::text::sanitize_line;
use crate::tui::app::{App, ChecklistPane, Output};
use crate::tui::theme::Theme;
use crate::tui::view::{ChecklistView, RestoreView, StepStatus};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Wrap};

pub fn render_checklist(frame: &mut Frame, area: Rect, app: &App) {
    let Some(view) = &app.checklist else {
        frame.render_widget(Paragraph::new(" No incident open — Esc goes home"), area);
        return;
    };
    let steps_height = (view.steps.len() as u16 + 2).min(area.height.saturating_sub(4));
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

fn render_steps(frame: &mut Frame, area: Rect, app: &App, view: &ChecklistView) {
    let t = &app.theme;
    let current = view.current();
    let rows = view.steps.iter().enumerate().map(|(i, step)| {
        let is_current = Some(i) == current;
        let mark = match step.status {
            StepStatus::Done => "[✓]".to_owned(),
            StepStatus::Failed => "[✗]".to_owned(),
            StepStatus::Skipped => "[-]".to_owned(),
            StepStatus::Running => {
                format!("[{}]", spinner(step.started_at.unwrap_or(app.now), app.now))
            }
            StepStatus::Pending if is_current => "[▸]".to_owned(),
            StepStatus::Pending => "[ ]".to_owned(),
        };
        let elapsed = step.elapsed(app.now).map(clock_text).unwrap_or_default();
        let title_style = if is_current {
            t.title()
        } else {
            t.step(step.status)
        };
        Row::new(vec![
            Cell::from(Span::styled(mark, t.step(step.status))),
            Cell::from(format!("{:>2}", i + 1)),
            Cell::from(Span::styled(sanitize_line(&step.title), title_style)),
            Cell::from(Line::styled(elapsed, t.pace(step.pace(app.now))).right_aligned()),
            Cell::from(Line::styled(
                format!("/ {}", clock_text(step.target)),
                t.dim(),
            )),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(3),
            Constraint::Length(2),
            Constraint::Fill(1),
            Constraint::Length(7),
            Constraint::Length(7),
        ],
    )
    .block(Block::bordered().title(" Runbook "));
    frame.render_widget(table, area);
}

fn render_details(frame: &mut Frame, area: Rect, app: &App, view: &ChecklistView, title: &str) {
    let t = &app.theme;
    let block = Block::bordered().title(title.to_owned());
    let lines = match view.current() {
        Some(i) => {
            let step = &view.steps[i];
            let action = if step.kind.is_automated() {
                "Enter performs this step."
            } else {
                "Enter ticks this step when it is true."
            };
            vec![
                Line::styled(
                    format!("{}. {}", i + 1, sanitize_line(&step.title)),
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
            let mut lines = vec![Line::styled(
                "Relax plan (Enter on step 5 to review and confirm):",
                t.title(),
            )];
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

/// The restore report: verified read-back, or the differences, the drift table and advice.
pub fn restore_lines(view: &RestoreView, t: &Theme) -> Vec<Line<'static>> {
    if view.verified {
        return vec![Line::styled(
            "✓ Protections restored exactly: read back and equal to the snapshot.",
            t.good(),
        )];
    }
    let advice = view
        .advice
        .as_deref()
        .unwrap_or("reconcile on the forge by hand, then R to restore again.");
    let mut lines = vec![
        Line::styled(
            "✗ Restore NOT verified: the read-back differs from the snapshot.",
            t.danger(),
        ),
        Line::styled(format!("What to do: {}", sanitize_line(advice)), t.title()),
    ];
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
