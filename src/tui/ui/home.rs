//! Home: alerts (an unreadable log or incident, a failing restore) first and in red, the
//! audit chain's state in one dim line, open leases (from any process), then open
//! incidents, then the most recent drills.

use super::clock_text;
use crate::text::sanitize_line;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::tui::view::ChainStatus;
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
    let t = &app.theme;
    let review_rows = if home.reviews.is_empty() {
        0
    } else {
        home.reviews.len() as u16 + 2
    };
    let chain_line = chain_line(&home.chain, t);
    let [alerts, chain, leases, reviews, incidents, drills] = Layout::vertical([
        Constraint::Length(home.alerts.len() as u16),
        Constraint::Length(u16::from(chain_line.is_some())),
        Constraint::Length(lease_rows),
        Constraint::Length(review_rows),
        Constraint::Fill(2),
        Constraint::Fill(1),
    ])
    .areas(area);
    let alert_lines: Vec<Line> = home
        .alerts
        .iter()
        .map(|a| Line::styled(format!(" ✖ {}", sanitize_line(a)), t.danger()))
        .collect();
    frame.render_widget(Paragraph::new(alert_lines), alerts);
    if let Some(line) = chain_line {
        frame.render_widget(Paragraph::new(line), chain);
    }
    render_leases(frame, leases, app);
    render_reviews(frame, reviews, app);
    render_incidents(frame, incidents, app);
    render_drills(frame, drills, app);
}

/// The chain's state in one dim line; `None` when the log did not verify, since the red
/// alert above already says so and what to do.
fn chain_line(chain: &ChainStatus, t: &Theme) -> Option<Line<'static>> {
    let text = match chain {
        ChainStatus::Verified {
            head_seq,
            head_hash,
        } => format!(
            " audit chain verified · {} events · head {}…",
            thousands(*head_seq),
            sanitize_line(head_hash).chars().take(6).collect::<String>()
        ),
        ChainStatus::NotChecked => " audit chain not read yet".to_owned(),
        ChainStatus::Broken { .. } | ChainStatus::Unreadable { .. } => return None,
    };
    Some(Line::styled(text, t.dim()))
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
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

/// Reviews awaiting their sign-off, oldest first, with how long each has waited: an
/// incident is closed only once someone other than its commander approved.
fn render_reviews(frame: &mut Frame, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    let t = &app.theme;
    let lines: Vec<Line> = app
        .home
        .reviews
        .iter()
        .map(|r| {
            let next = match &r.pr_url {
                Some(url) => format!("awaiting approval at {}", sanitize_line(url)),
                None => "review not opened yet".to_owned(),
            };
            Line::styled(
                format!(
                    " ◷ {} {}:{} — waiting {} since {} — {next}",
                    sanitize_line(&r.id),
                    sanitize_line(&r.repo),
                    sanitize_line(&r.branch),
                    clock_text(r.waiting(app.now)),
                    r.since.format("%m-%d %H:%M")
                ),
                t.warning(),
            )
        })
        .collect();
    let block = Block::bordered().title(" Reviews awaiting sign-off ");
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

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_by_thousands() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (1234, "1,234"),
            (1234567, "1,234,567"),
        ];
        for (n, text) in cases {
            assert_eq!(super::thousands(n), text);
        }
    }
}
