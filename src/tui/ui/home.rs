//! Home: alerts (an unreadable log or incident, a failing restore) and open leases first
//! and in red (from any process), then open incidents, then the most recent drills.

use super::clock_text;
use crate::text::sanitize_line;
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn render_home(frame: &mut Frame, area: Rect, app: &App) {
    let home = &app.home;
    let lease_rows = if home.leases.is_empty() {
        0
    } else {
        home.leases.len() as u16 + 2
    };
    let [alerts, leases, incidents, drills] = Layout::vertical([
        Constraint::Length(home.alerts.len() as u16),
        Constraint::Length(lease_rows),
        Constraint::Fill(2),
        Constraint::Fill(1),
    ])
    .areas(area);
    let t = &app.theme;
    let alert_lines: Vec<Line> = home
        .alerts
        .iter()
        .map(|a| Line::styled(format!(" ✖ {}", sanitize_line(a)), t.danger()))
        .collect();
    frame.render_widget(Paragraph::new(alert_lines), alerts);
    render_leases(frame, leases, app);
    render_incidents(frame, incidents, app);
    render_drills(frame, drills, app);
}

fn render_leases(frame: &mut Frame, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    let t = &app.theme;
    let lines: Vec<Line> = app
        .home
        .leases
        .iter()
        .map(|lease| {
            let remaining = lease.deadline - app.now;
            let countdown = if remaining > chrono::Duration::zero() {
                format!("closes in {}", clock_text(remaining))
            } else {
                format!("OVERDUE by {} — restore now", clock_text(-remaining))
            };
            Line::styled(
                format!(
                    " ⚠ {} {}:{} — glass OPEN, {countdown} (deadline {})",
                    sanitize_line(&lease.incident),
                    sanitize_line(&lease.repo),
                    sanitize_line(&lease.branch),
                    lease.deadline.format("%H:%M:%S")
                ),
                t.danger(),
            )
        })
        .collect();
    let block = Block::bordered()
        .title(" OPEN LEASES ")
        .border_style(t.danger());
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn render_incidents(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let block = Block::bordered().title(" Open incidents ");
    let lines: Vec<Line> = if app.home.incidents.is_empty() {
        vec![
            Line::styled("No open incidents.", t.dim()),
            Line::from(vec![
                Span::styled("n", t.key()),
                Span::raw(" declares one; "),
                Span::styled("d", t.key()),
                Span::raw(" rehearses a drill against the sandbox forge."),
            ]),
        ]
    } else {
        app.home
            .incidents
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let text = format!(
                    " {:<12} {:<24} {:<12} declared {} ({} ago)",
                    sanitize_line(&row.id),
                    format!(
                        "{}:{}",
                        sanitize_line(&row.repo),
                        sanitize_line(&row.branch)
                    ),
                    sanitize_line(&row.phase),
                    row.declared_at.format("%H:%M"),
                    clock_text(app.now - row.declared_at)
                );
                let style = if i == app.home_selected {
                    t.selected()
                } else {
                    t.base()
                };
                Line::styled(text, style)
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn render_drills(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let block = Block::bordered().title(" Recent drills ");
    let lines: Vec<Line> = if app.home.drills.is_empty() {
        vec![Line::styled(
            "No drills yet — press d to rehearse.",
            t.dim(),
        )]
    } else {
        app.home
            .drills
            .iter()
            .map(|d| {
                let (mark, style) = if d.passed {
                    ("✓", t.good())
                } else {
                    ("✗", t.danger())
                };
                Line::from(vec![
                    Span::styled(format!(" {mark} "), style),
                    Span::raw(format!(
                        "{} {:<20} total {:>7}  window open {:>7}",
                        d.finished_at.format("%Y-%m-%d %H:%M"),
                        sanitize_line(&d.scenario),
                        clock_text(d.total),
                        clock_text(d.exposure)
                    )),
                ])
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
