//! The drill picker (`d`): every scenario with the team's best and last times for it, and
//! the story of the one selected, as the commander will be told it.
//!
//! ```text
//! ┌ Drill scenarios ─────────────────────────────────────────────────────┐
//! │▸ clean-run            Clean run              best 1:02  last 1:10  3 │
//! │  writer-classic       Writer, not admin …    not drilled yet         │
//! ├ The story: Clean run ────────────────────────────────────────────────┤
//! │ Checkout returns 500 since the last deploy. …                        │
//! └──────────────────────────────────────────────────────────────────────┘
//! ```

use super::{clock_text, truncate_to_width};
use crate::text::sanitize_line;
use crate::tui::theme::Theme;
use crate::tui::view::{DrillPicker, ScenarioChoice};
use chrono::Duration;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

/// Draws the picker of `picker` into `area`.
pub fn render_drill_picker(frame: &mut Frame, area: Rect, picker: &DrillPicker, theme: &Theme) {
    if picker.choices.is_empty() {
        let empty = Paragraph::new("No drill scenarios found. Esc goes back.")
            .block(Block::bordered().title("Drill scenarios"));
        frame.render_widget(empty, area);
        return;
    }
    let rows = u16::try_from(picker.choices.len()).unwrap_or(u16::MAX);
    let [list, story] =
        Layout::vertical([Constraint::Max(rows.saturating_add(2)), Constraint::Min(4)]).areas(area);
    render_choices(frame, list, picker, theme);
    let Some(selected) = picker.choices.get(picker.selected) else {
        return;
    };
    // One paragraph, wrapped to the terminal rather than to the file's lines.
    let story_text = selected
        .story
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let text = Line::raw(sanitize_line(&story_text));
    let title = format!(
        "The story: {} — Enter starts it",
        sanitize_line(&selected.title)
    );
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(title)),
        story,
    );
}

/// One line per scenario; the window scrolls to keep the selection in view.
fn render_choices(frame: &mut Frame, area: Rect, picker: &DrillPicker, theme: &Theme) {
    let visible = usize::from(area.height.saturating_sub(2)).max(1);
    let first = picker.selected.saturating_sub(visible - 1);
    let width = usize::from(area.width.saturating_sub(2));
    let lines: Vec<Line> = picker
        .choices
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, choice)| choice_line(choice, i == picker.selected, width, theme))
        .collect();
    let title = format!(
        "Drill scenarios ({}) — the team's best and last times",
        picker.choices.len()
    );
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        area,
    );
}

fn choice_line(
    choice: &ScenarioChoice,
    selected: bool,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let times = match (choice.best_seconds, choice.last_seconds) {
        (Some(best), Some(last)) => format!(
            "best {}  last {}  ({} run{})",
            clock_text(seconds(best)),
            clock_text(seconds(last)),
            choice.runs,
            if choice.runs == 1 { "" } else { "s" }
        ),
        _ => "not drilled yet".to_owned(),
    };
    let mark = if selected { "▸ " } else { "  " };
    let id = format!("{:<24}", sanitize_line(&choice.id));
    let room = width.saturating_sub(2 + 24 + 1 + times.chars().count() + 2);
    let title = format!(
        "{:<room$}",
        truncate_to_width(&sanitize_line(&choice.title), room)
    );
    let style = if selected {
        theme.selected()
    } else {
        theme.base()
    };
    Line::from(vec![
        Span::styled(format!("{mark}{id} {title}  "), style),
        Span::styled(times, if selected { style } else { theme.dim() }),
    ])
}

fn seconds(s: f64) -> Duration {
    Duration::milliseconds((s * 1000.0).round() as i64)
}
