//! The review form: the list of fields on the left, the focused field's editor on the
//! right, and the autosave / submission state underneath.

use crate::review::Section;
use crate::tui::app::App;
use crate::tui::review_form::field_label;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

/// The facts take what they need, up to half the screen (the form is the work).
fn facts_height(lines: usize, height: u16) -> u16 {
    if lines == 0 {
        return 0;
    }
    let wanted = u16::try_from(lines).unwrap_or(u16::MAX).saturating_add(2);
    wanted.min(height / 2).max(3)
}

/// The incident's facts from the audit log: read-only, sanitised where they were built.
fn render_facts(frame: &mut Frame, area: Rect, app: &App) {
    let Some(review) = &app.review else {
        return;
    };
    if area.height == 0 {
        return;
    }
    let shown = usize::from(area.height.saturating_sub(2));
    let lines: Vec<Line> = review
        .facts
        .iter()
        .take(shown)
        .map(|l| Line::styled(l.clone(), app.theme.base()))
        .collect();
    let hidden = review.facts.len().saturating_sub(shown);
    let title = if hidden == 0 {
        " Facts from the audit log (read-only) ".to_owned()
    } else {
        format!(" Facts from the audit log (read-only; {hidden} more lines in --export) ")
    };
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        area,
    );
}

pub fn render_review(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some(review) = &app.review else {
        return;
    };
    let [facts, main, state] = Layout::vertical([
        Constraint::Length(facts_height(review.facts.len(), area.height)),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_facts(frame, facts, app);
    let [fields, editor] =
        Layout::horizontal([Constraint::Length(22), Constraint::Fill(1)]).areas(main);
    let names: Vec<Line> = Section::ALL
        .iter()
        .enumerate()
        .map(|(i, section)| {
            let short = section.title();
            let filled = !review.areas[i].is_empty();
            let mark = if filled { "●" } else { "○" };
            let style = if i == review.focus {
                t.selected()
            } else {
                t.base()
            };
            Line::styled(format!("{mark} {short}"), style)
        })
        .collect();
    frame.render_widget(
        Paragraph::new(names).block(Block::bordered().title(format!(
            " Review {} ",
            crate::text::sanitize_line(&review.incident)
        ))),
        fields,
    );
    let mut area_widget = review.areas[review.focus].clone();
    area_widget.set_block(
        Block::bordered()
            .title(format!(" {} ", field_label(review.focused_section())))
            .border_style(t.focused_border()),
    );
    area_widget.set_cursor_line_style(t.base());
    frame.render_widget(&area_widget, editor);
    let line = if review.submitted {
        Line::styled(" ✓ Submitted and recorded in the audit log", t.good())
    } else if let Some(error) = review.item_errors.first() {
        Line::styled(format!(" ✗ Action items {error}"), t.danger())
    } else if let Some(at) = review.saved_at {
        Line::styled(format!(" Draft saved {}", at.format("%H:%M:%S")), t.dim())
    } else {
        Line::styled(" Every change is saved as a draft", t.dim())
    };
    frame.render_widget(Paragraph::new(line), state);
}
