//! The audit timeline: the chain's status, only the visible rows of the (filtered) list,
//! and the selected event's JSON in a detail pane.

use crate::text::{sanitize, sanitize_line};
use crate::tui::app::App;
use crate::tui::view::ChainStatus;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

pub fn render_timeline(frame: &mut Frame, area: Rect, app: &App) {
    let [chain, filter, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    render_chain(frame, chain, app);
    render_filter(frame, filter, app);
    if app.timeline.show_detail {
        let wide = body.width >= 120;
        let [list, detail] = if wide {
            Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(body)
        } else {
            Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(body)
        };
        render_list(frame, list, app);
        render_detail(frame, detail, app);
    } else {
        render_list(frame, body, app);
    }
}

fn render_chain(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let line = match &app.timeline.chain {
        ChainStatus::Verified {
            head_seq,
            head_hash,
        } => Line::styled(
            format!(
                " ✓ chain verified — {head_seq} events, head {:.12}",
                sanitize_line(head_hash)
            ),
            t.good(),
        ),
        ChainStatus::Broken { line, reason } => Line::styled(
            format!(
                " ✗ CHAIN BROKEN at line {line}: {} — run `breakglass audit verify`",
                sanitize_line(reason)
            ),
            t.danger(),
        ),
        ChainStatus::NotChecked => Line::styled(" … chain not verified yet", t.warning()),
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn render_filter(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let tl = &app.timeline;
    let mut spans = vec![Span::styled(" filter: ", t.dim())];
    if tl.filter.is_empty() && !tl.editing_filter {
        spans.push(Span::styled("none (/ to filter)", t.dim()));
    } else {
        spans.push(Span::raw(sanitize_line(&tl.filter)));
        if tl.editing_filter {
            spans.push(Span::styled("▏", t.key()));
        }
    }
    spans.push(Span::styled(
        format!("   {} of {} events", tl.len(), tl.rows.len()),
        t.dim(),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Renders rows `offset .. offset + height` only: cost follows the screen, not the log.
fn render_list(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let tl = &app.timeline;
    let block = Block::bordered().title(" Events ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = usize::from(inner.height);
    // The stored offset follows the page size update knows; re-clamp for this frame's size.
    let offset = if tl.selected >= tl.offset + height {
        tl.selected + 1 - height.max(1)
    } else {
        tl.offset.min(tl.selected)
    };
    let width = usize::from(inner.width);
    let lines: Vec<Line> = (offset..(offset + height).min(tl.len()))
        .filter_map(|pos| tl.row(pos).map(|row| (pos, row)))
        .map(|(pos, row)| {
            let mut text = format!(
                "{:>7} {} {:<10.10} {:<18.18} {}",
                row.seq,
                row.ts.format("%m-%d %H:%M:%S"),
                sanitize_line(&row.actor),
                sanitize_line(&row.kind),
                sanitize_line(&row.summary)
            );
            if let Some((cut, _)) = text.char_indices().nth(width) {
                text.truncate(cut);
            }
            let style = if pos == tl.selected {
                t.selected()
            } else {
                t.base()
            };
            Line::styled(text, style)
        })
        .collect();
    if lines.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("No events match.", t.dim())),
            inner,
        );
    } else {
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

fn render_detail(frame: &mut Frame, area: Rect, app: &App) {
    let block = Block::bordered().title(" Event JSON ");
    let text = app
        .timeline
        .selected_row()
        .map_or_else(String::new, |row| sanitize(&row.json));
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
        area,
    );
}
