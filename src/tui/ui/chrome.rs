//! The frame around every screen: header, open-glass banner, status line and key hints.

use super::{clock_text, spinner};
use crate::text::sanitize_line;
use crate::tui::app::{App, Screen};
use crate::tui::keymap::{self, Action};
use crate::tui::keys::scope;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render_header(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let screen = match app.screen {
        Screen::Home => "Home",
        Screen::Declare => "Declare",
        Screen::Checklist => "Checklist",
        Screen::Timeline => "Audit timeline",
        Screen::Review => "Review",
    };
    let mut spans = vec![
        Span::styled(" breakglass ", t.title()),
        Span::styled("│ ", t.dim()),
        Span::raw(screen),
    ];
    if let Some(c) = &app.checklist {
        spans.push(Span::styled(" │ ", t.dim()));
        spans.push(Span::styled(
            crate::text::sanitize_line(&c.incident),
            t.title(),
        ));
        spans.push(Span::raw(format!(
            " {}:{}",
            crate::text::sanitize_line(&c.repo),
            crate::text::sanitize_line(&c.branch)
        )));
        if c.drill {
            spans.push(Span::styled(" DRILL", t.warning()));
        }
        spans.push(Span::styled(" │ ", t.dim()));
        spans.push(Span::raw(format!(
            "total {}",
            clock_text(c.total_elapsed(app.now))
        )));
    }
    let clock = format!("{} UTC ", app.now.format("%H:%M:%S"));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    frame.render_widget(
        Paragraph::new(Line::styled(clock, t.dim()).right_aligned()),
        area,
    );
}

/// The open-glass banner: window open time, deadline and the live TTL countdown.
pub fn render_banner(frame: &mut Frame, area: Rect, app: &App) {
    let (Some(c), true) = (&app.checklist, area.height > 0) else {
        return;
    };
    let Some(w) = &c.window else {
        return;
    };
    let t = &app.theme;
    let remaining = w.remaining(app.now);
    let countdown = if remaining > chrono::Duration::zero() {
        format!("closes in {}", clock_text(remaining))
    } else {
        format!("DEADLINE PASSED {} ago — restoring", clock_text(-remaining))
    };
    let first = format!(
        " ⚠ GLASS OPEN on {}:{} — {countdown} · open for {} ",
        crate::text::sanitize_line(&c.repo),
        crate::text::sanitize_line(&c.branch),
        clock_text(app.now - w.opened_at),
    );
    let keys = if app.screen == Screen::Review {
        "Esc, then x extend · R restore now"
    } else {
        "x extend · R restore now"
    };
    let second = format!(
        " opened {} · deadline {} · cap {} · {keys} ",
        w.opened_at.format("%H:%M:%S"),
        w.deadline.format("%H:%M:%S"),
        w.cap.format("%H:%M"),
    );
    let first = match &w.restore_failing {
        // The banner is red already: the failing line replaces the countdown in it.
        Some(failing) => Line::from(format!(" ✖ {} ", sanitize_line(failing))),
        None => Line::from(first),
    };
    let text = vec![first, Line::from(second)];
    frame.render_widget(Paragraph::new(text).style(t.banner()), area);
}

/// The last message, or a spinner while the flow is working for us.
pub fn render_status(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let line = if let Some(work) = &app.in_flight {
        Line::from(vec![
            Span::styled(format!(" {} ", spinner(work.since, app.now)), t.key()),
            Span::raw(format!(
                "{}… {}",
                work.label,
                clock_text(app.now - work.since)
            )),
        ])
    } else if let Some(status) = &app.status {
        let style = if status.danger { t.danger() } else { t.base() };
        Line::styled(format!(" {}", status.text), style)
    } else {
        Line::default()
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Key hints for the active scope, as many as fit.
pub fn render_footer(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut spans = Vec::new();
    let mut used = 1usize;
    let glass_open = app.glass_open();
    for (keys, description, action) in keymap::hints(scope(app)) {
        let only_when_open =
            matches!(action, Action::ExtendLease | Action::RestoreNow) && app.overlay.is_none();
        if only_when_open && !glass_open {
            continue;
        }
        let width = keys.chars().count() + description.chars().count() + 3;
        if used + width > usize::from(area.width) {
            break;
        }
        used += width;
        spans.push(Span::styled(format!(" {keys}"), t.key()));
        spans.push(Span::styled(format!(" {description} "), t.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
