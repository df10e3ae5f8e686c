//! Modal layers drawn over the screen: the help overlay (generated from the keymap), the
//! confirmations before activate and push, the extend-lease prompt and the quit dialog.

use super::{centered, clock_text};
use crate::text::sanitize_line;
use crate::tui::app::{App, Confirm, Overlay};
use crate::tui::keymap;
use crate::tui::keys::screen_scope;
use crate::tui::view::{PlanView, PushView, WindowConfirm};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub fn render_overlay(frame: &mut Frame, area: Rect, app: &App) {
    let Some(overlay) = &app.overlay else {
        return;
    };
    let (title, lines, width) = match overlay {
        Overlay::Help => (" Help — Esc closes ", help_lines(app), 60),
        Overlay::Confirm(Confirm::Activate(plan)) => {
            (" Break the glass? ", plan_lines(app, plan), 100)
        }
        Overlay::Confirm(Confirm::Push(push)) => {
            (" Push these commits? ", push_lines(app, push), 100)
        }
        Overlay::Confirm(Confirm::Window(window)) => (
            " Open the glass, push and restore? ",
            window_lines(app, window),
            100,
        ),
        Overlay::ExtendPrompt { reason, error } => (
            " Extend the lease ",
            extend_lines(app, reason, error.as_deref()),
            70,
        ),
        Overlay::SelfApprovePrompt { reason, error } => (
            " Self-approve: no second person ",
            self_approve_lines(app, reason, error.as_deref()),
            70,
        ),
        Overlay::Quit => (" Quit with the glass open? ", quit_lines(app), 70),
    };
    let height = lines.len() as u16 + 2;
    let popup = centered(area, width, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .title(title)
        .border_style(app.theme.focused_border());
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        popup,
    );
}

fn help_lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    keymap::grouped(screen_scope(app))
        .into_iter()
        .map(|(keys, description)| {
            Line::from(vec![
                Span::styled(format!(" {keys:<12}"), t.key()),
                Span::raw(description),
            ])
        })
        .collect()
}

fn plan_lines(app: &App, plan: &PlanView) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut lines = vec![Line::styled("In words:", t.title())];
    lines.extend(
        plan.words
            .iter()
            .map(|w| Line::raw(format!(" • {}", sanitize_line(w)))),
    );
    lines.push(Line::styled(
        "As a diff (before → during the window):",
        t.title(),
    ));
    lines.extend(
        plan.diff_lines
            .iter()
            .map(|d| Line::styled(format!(" {}", sanitize_line(d)), t.diff(d))),
    );
    lines.push(Line::from(vec![
        Span::styled(" Enter", t.key()),
        Span::raw(" opens the glass and starts the lease   "),
        Span::styled("Esc", t.key()),
        Span::raw(" cancels"),
    ]));
    lines
}

fn push_lines(app: &App, push: &PushView) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut lines = vec![Line::styled(
        format!("{} commit(s), fast-forward only:", push.commits.len()),
        t.title(),
    )];
    lines.extend(push.commits.iter().map(|c| {
        Line::from(vec![
            Span::styled(format!(" {:.8} ", sanitize_line(&c.sha)), t.key()),
            Span::raw(sanitize_line(&c.summary)),
            Span::styled(format!(" ({})", sanitize_line(&c.author)), t.dim()),
        ])
    }));
    lines.push(Line::styled("Trailers added to each commit:", t.title()));
    lines.extend(
        push.trailers
            .iter()
            .map(|tr| Line::raw(format!(" {}", sanitize_line(tr)))),
    );
    lines.push(Line::from(vec![
        Span::styled(" Enter", t.key()),
        Span::raw(" pushes   "),
        Span::styled("Esc", t.key()),
        Span::raw(" cancels"),
    ]));
    lines
}

/// The window's one confirmation: the plan, then the commits, then what Enter does.
fn window_lines(app: &App, window: &WindowConfirm) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut lines = plan_lines(app, &window.plan);
    lines.pop();
    let mut push = push_lines(app, &window.push);
    push.pop();
    lines.extend(push);
    if window.number > 1 {
        lines.push(Line::styled(
            format!(
                "Follow-up window {}: the same snapshot is restored afterwards.",
                window.number
            ),
            t.title(),
        ));
    }
    lines.push(Line::raw(format!(
        "The glass closes the instant the push is answered (lease at most {}).",
        clock_text(window.lease)
    )));
    lines.push(Line::from(vec![
        Span::styled(" Enter", t.key()),
        Span::raw(" opens the glass, pushes, restores and verifies   "),
        Span::styled("Esc", t.key()),
        Span::raw(" cancels"),
    ]));
    lines
}

fn extend_lines(app: &App, reason: &str, error: Option<&str>) -> Vec<Line<'static>> {
    let t = &app.theme;
    let window = app.checklist.as_ref().and_then(|c| c.window.as_ref());
    let mut lines = vec![Line::raw(match window {
        Some(w) => format!(
            "Adds up to {} to the deadline {} (cap {}).",
            clock_text(app.extend_step),
            w.deadline.format("%H:%M:%S"),
            w.cap.format("%H:%M:%S")
        ),
        None => "The glass is closed.".to_owned(),
    })];
    lines.push(Line::from(vec![
        Span::styled("Reason: ", t.title()),
        Span::raw(sanitize_line(reason)),
        Span::styled("▏", t.key()),
    ]));
    if let Some(error) = error {
        lines.push(Line::styled(error.to_owned(), t.danger()));
    }
    lines.push(Line::styled("Enter extends · Esc cancels", t.dim()));
    lines
}

fn self_approve_lines(app: &App, reason: &str, error: Option<&str>) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut lines = vec![Line::styled(
        "Open the glass without a second person's approval. This is recorded, posted on \
         the incident issue and the webhooks, and listed in the review for discussion.",
        t.danger(),
    )];
    lines.push(Line::from(vec![
        Span::styled("Why no second person: ", t.title()),
        Span::raw(sanitize_line(reason)),
        Span::styled("▏", t.key()),
    ]));
    if let Some(error) = error {
        lines.push(Line::styled(error.to_owned(), t.danger()));
    }
    lines.push(Line::styled(
        "Enter self-approves · Esc keeps waiting for approval",
        t.dim(),
    ));
    lines
}

fn quit_lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let window = app.checklist.as_ref().and_then(|c| c.window.as_ref());
    let deadline = window.map_or("unknown".to_owned(), |w| {
        format!(
            "{} UTC (in {})",
            w.deadline.format("%H:%M:%S"),
            clock_text(w.remaining(app.now))
        )
    });
    let mut lines = vec![
        Line::styled("Protections are relaxed right now.", t.danger()),
        Line::raw(format!("Deadline: {deadline}")),
        Line::from(vec![
            Span::styled(" R/Enter", t.key()),
            Span::raw(" restore now, then quit"),
        ]),
    ];
    if app.drill_on_screen() {
        lines.push(Line::styled(
            " No watchdog: the drill's sandbox forge ends when breakglass quits.",
            t.dim(),
        ));
    } else {
        lines.push(Line::from(vec![
            Span::styled(" w", t.key()),
            Span::raw(" quit and leave it to the watchdog (restores at the deadline)"),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled(" Esc", t.key()),
        Span::raw(" stay"),
    ]));
    lines
}
