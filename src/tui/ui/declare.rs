//! The declare form: one line per field, the focused one with a cursor, and its
//! validation message right under it.

use crate::text::sanitize_line;
use crate::tui::app::App;
use crate::tui::declare::DeclareField;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn render_declare(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some(form) = &app.declare else {
        return;
    };
    let title = if form.drill {
        " Declare an incident — DRILL (Enter walks the prefilled form) "
    } else {
        " Declare an incident "
    };
    let mut lines = vec![Line::default()];
    for (i, field) in DeclareField::ALL.iter().enumerate() {
        let focused = i == form.focus;
        let marker = if focused { "▸ " } else { "  " };
        let mut spans = vec![
            Span::styled(format!("{marker}{:<13}", field.label()), t.title()),
            Span::styled(
                sanitize_line(&form.values[i]),
                if focused { t.selected() } else { t.base() },
            ),
        ];
        if focused {
            spans.push(Span::styled("▏", t.key()));
        }
        lines.push(Line::from(spans));
        match &form.errors[i] {
            Some(error) => lines.push(Line::styled(format!("  {:<13}✗ {error}", ""), t.danger())),
            None if focused => lines.push(Line::styled(
                format!("  {:<13}{}", "", field.hint()),
                t.dim(),
            )),
            None => lines.push(Line::default()),
        }
    }
    lines.push(Line::styled(
        "  Nothing touches the forge before preflight. Declaring is audited.",
        t.dim(),
    ));
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        area,
    );
}
