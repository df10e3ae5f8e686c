//! Pure rendering: `render(&App, &mut Frame)` lays out the regions and calls one function
//! per region. Nothing here changes state, reads a clock or does I/O.
//!
//! ```text
//! ┌──────────────────────────────────────────────────────────────────────┐
//! │ header: breakglass │ screen │ incident repo:branch │ total │ clock   │ 1 row
//! │ banner (only while the glass is open): GLASS OPEN … closes in mm:ss  │ 2 rows
//! ├──────────────────────────────────────────────────────────────────────┤
//! │ body: home │ declare │ checklist + details/output │ timeline │ review│ the rest
//! ├──────────────────────────────────────────────────────────────────────┤
//! │ status: last message, or the spinner while work is in flight         │ 1 row
//! │ footer: key hints generated from the keymap                          │ 1 row
//! └──────────────────────────────────────────────────────────────────────┘
//!   overlays drawn last, centred: help │ confirm (plan / push) │ extend │ quit
//! ```

mod banner;
mod checklist;
mod chrome;
mod declare;
mod drill_history;
mod drill_picker;
mod drill_scorecard;
mod header;
mod home;
mod overlay;
mod review;
mod timeline;

pub use banner::{banner_lines, render_banner};
pub use checklist::render_checklist;
pub use chrome::{render_footer, render_status};
pub use declare::render_declare;
pub use drill_history::render_drill_history;
pub use drill_picker::render_drill_picker;
pub use drill_scorecard::render_drill_scorecard;
pub use header::render_header;
pub use home::render_home;
pub use overlay::render_overlay;
pub use review::render_review;
pub use timeline::render_timeline;

use super::app::{App, Screen};
use chrono::Duration;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Draws the whole screen from `app`.
pub fn render(app: &App, frame: &mut Frame) {
    let banner = banner_lines(app, frame.area().width);
    let banner_rows = u16::try_from(banner.len()).unwrap_or(u16::MAX);
    let [header, banner_area, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner_rows),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    render_header(frame, header, app);
    render_banner(frame, banner_area, banner);
    match app.screen {
        Screen::Home => render_home(frame, body, app),
        Screen::Declare => render_declare(frame, body, app),
        Screen::Checklist => render_checklist(frame, body, app),
        Screen::Timeline => render_timeline(frame, body, app),
        Screen::Review => render_review(frame, body, app),
        Screen::DrillHistory => render_drill_history(frame, body, &app.home.history, &app.theme),
        Screen::DrillPicker => render_drill_picker(frame, body, &app.drill_picker, &app.theme),
        Screen::DrillScorecard => {
            render_drill_scorecard(frame, body, app.drill_score.as_deref(), &app.theme);
        }
    }
    render_status(frame, status, app);
    render_footer(frame, footer, app);
    render_overlay(frame, frame.area(), app);
}

/// `m:ss`, or `h:mm:ss` from an hour up; negative durations get a leading `-`.
pub fn clock_text(d: Duration) -> String {
    let sign = if d < Duration::zero() { "-" } else { "" };
    let total = d.num_seconds().abs();
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    if h > 0 {
        format!("{sign}{h}:{m:02}:{s:02}")
    } else {
        format!("{sign}{m}:{s:02}")
    }
}

/// `text` cut to at most `width` terminal columns, ending in `…` when cut.
pub fn truncate_to_width(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut cut = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        cut.push(c);
        used += w;
    }
    if width > 0 {
        cut.push('…');
    }
    cut
}

/// A rectangle of at most `width` × `height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

/// The spinner frame for work started at `since`; moves once a second with the tick.
pub fn spinner(
    since: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> &'static str {
    let step = (now - since).num_seconds().max(0) as usize;
    SPINNER[step % SPINNER.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_text_formats_minutes_hours_and_overdue() {
        assert_eq!(clock_text(Duration::seconds(5)), "0:05");
        assert_eq!(clock_text(Duration::seconds(25 * 60 + 48)), "25:48");
        assert_eq!(clock_text(Duration::seconds(3600 + 61)), "1:01:01");
        assert_eq!(clock_text(Duration::seconds(-72)), "-1:12");
    }

    #[test]
    fn truncate_to_width_counts_columns_and_marks_the_cut() {
        assert_eq!(truncate_to_width("acme/api:main", 13), "acme/api:main");
        assert_eq!(truncate_to_width("acme/api:main", 6), "acme/…");
        assert_eq!(truncate_to_width("acme/api:main", 1), "…");
        assert_eq!(truncate_to_width("acme/api:main", 0), "");
        // Wide characters take two columns each: 4 columns hold one and the mark.
        assert_eq!(truncate_to_width("修复分支", 4), "修…");
    }
}
