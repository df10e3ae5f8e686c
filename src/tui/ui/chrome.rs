//! The frame's bottom rows on every screen: the status line and the key hints.

use super::{clock_text, spinner};
use crate::tui::app::App;
use crate::tui::keymap::{self, Action};
use crate::tui::keys::scope;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

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
