//! The rows between the header and the body while something needs the commander's eye:
//! the open-glass banner with its countdown. Each line is fitted to the width by leaving
//! out its least important parts first.

use super::clock_text;
use crate::text::sanitize_line;
use crate::tui::app::{App, Screen};
use crate::tui::view::{ChecklistView, WindowBanner};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

/// Extra rows above the body: the open-glass banner while protections are relaxed.
///
/// Each line is one row; the layout makes room for as many as there are.
pub fn banner_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let Some(c) = &app.checklist else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if let Some(w) = &c.window {
        lines.extend(glass_open_lines(app, c, w, usize::from(width)));
    }
    if let Some(line) = approval_wait_line(app, c, usize::from(width)) {
        lines.push(line);
    }
    lines
}

/// "waiting for approval — 12:34 left" while a request stands, with where to approve and
/// the loud alternative as the width allows.
fn approval_wait_line(app: &App, c: &ChecklistView, width: usize) -> Option<Line<'static>> {
    let request = c.incident.approval.pending()?;
    let remaining = c.incident.approval.remaining(app.now)?;
    let text = fit_pieces(
        vec![
            Piece::kept(format!("⏳ {}", crate::incident::waiting_text(remaining))),
            Piece::dropped(2, format!("on {}", sanitize_line(&request.issue_url))),
            Piece::dropped(1, "· Enter self-approve".to_owned()),
        ],
        " ",
        width,
    );
    Some(Line::styled(text, app.theme.warning()))
}

/// The open-glass banner: the countdown (or how long ago the deadline passed) and the
/// deadline always; the branch, the time open, the open time, the cap and the keys as
/// `width` allows.
fn glass_open_lines(
    app: &App,
    c: &ChecklistView,
    w: &WindowBanner,
    width: usize,
) -> [Line<'static>; 2] {
    let t = &app.theme;
    let remaining = w.remaining(app.now);
    let countdown = if remaining > chrono::Duration::zero() {
        format!("— closes in {}", clock_text(remaining))
    } else {
        format!(
            "— DEADLINE PASSED {} ago — restoring",
            clock_text(-remaining)
        )
    };
    let first = match &w.restore_failing {
        // The banner is red already: the failing line replaces the countdown in it.
        Some(failing) => fit_pieces(
            vec![Piece::kept(format!("✖ {}", sanitize_line(failing)))],
            " ",
            width,
        ),
        None => {
            let open_for = clock_text(app.now - w.opened_at);
            // With separate activate/push/restore steps the glass stays open while people
            // work, so how long it has been open is never left out.
            let (head, tail) = if c.runbook.one_shot_window() {
                (
                    "⚠ GLASS OPEN".to_owned(),
                    Some(Piece::dropped(1, format!("· open for {open_for}"))),
                )
            } else {
                (format!("⚠ GLASS OPEN {open_for}"), None)
            };
            let mut pieces = vec![
                Piece::kept(head),
                Piece::dropped(
                    2,
                    format!(
                        "on {}:{}",
                        sanitize_line(&c.incident.repo),
                        sanitize_line(&c.incident.branch)
                    ),
                ),
                Piece::kept(countdown),
            ];
            pieces.extend(tail);
            fit_pieces(pieces, " ", width)
        }
    };
    let keys = if app.screen == Screen::Review {
        "Esc, then x extend · R restore now"
    } else {
        "x extend · R restore now"
    };
    let second = fit_pieces(
        vec![
            Piece::dropped(1, format!("opened {}", w.opened_at.format("%H:%M:%S"))),
            Piece::kept(format!("deadline {}", w.deadline.format("%H:%M:%S"))),
            Piece::dropped(3, format!("cap {}", w.cap.format("%H:%M"))),
            // The footer lists the keys too, so they go before the cap.
            Piece::dropped(2, keys.to_owned()),
        ],
        " · ",
        width,
    );
    [
        Line::styled(first, t.banner()),
        Line::styled(second, t.banner()),
    ]
}

/// A part of a banner line; `drop_rank` orders which go first when the line is too long
/// (1 first), `None` for the parts that always stay.
struct Piece {
    text: String,
    drop_rank: Option<u8>,
}

impl Piece {
    fn kept(text: String) -> Piece {
        Piece {
            text,
            drop_rank: None,
        }
    }

    fn dropped(rank: u8, text: String) -> Piece {
        Piece {
            text,
            drop_rank: Some(rank),
        }
    }
}

/// ` piece␣piece… ` joined by `separator` in at most `width` columns, leaving out the
/// droppable pieces in rank order until it fits (the kept ones may still be clipped).
fn fit_pieces(mut pieces: Vec<Piece>, separator: &str, width: usize) -> String {
    let line = |pieces: &[Piece]| {
        let texts: Vec<&str> = pieces.iter().map(|p| p.text.as_str()).collect();
        format!(" {} ", texts.join(separator))
    };
    while line(&pieces).width() > width {
        let next = pieces
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.drop_rank.map(|rank| (rank, i)))
            .min();
        let Some((_, index)) = next else {
            break;
        };
        pieces.remove(index);
    }
    line(&pieces)
}

/// Draws `lines` (from [`banner_lines`]) into `area`, one row each, the line's style
/// filling its whole row.
pub fn render_banner(frame: &mut Frame, area: Rect, lines: Vec<Line<'static>>) {
    for (line, y) in lines.into_iter().zip(area.top()..area.bottom()) {
        let row = Rect {
            y,
            height: 1,
            ..area
        };
        let style = line.style;
        frame.render_widget(Paragraph::new(line).style(style), row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces() -> Vec<Piece> {
        vec![
            Piece::kept("⚠ GLASS OPEN".into()),
            Piece::dropped(2, "on acme/api:main".into()),
            Piece::kept("— closes in 25:58".into()),
            Piece::dropped(1, "· open for 4:02".into()),
        ]
    }

    #[test]
    fn a_banner_line_leaves_out_its_least_important_parts_first() {
        let full = " ⚠ GLASS OPEN on acme/api:main — closes in 25:58 · open for 4:02 ";
        assert_eq!(fit_pieces(pieces(), " ", 80), full);
        assert_eq!(
            fit_pieces(pieces(), " ", full.width() - 1),
            " ⚠ GLASS OPEN on acme/api:main — closes in 25:58 "
        );
        assert_eq!(
            fit_pieces(pieces(), " ", 40),
            " ⚠ GLASS OPEN — closes in 25:58 ",
            "the countdown stays"
        );
        assert_eq!(
            fit_pieces(pieces(), " ", 10),
            " ⚠ GLASS OPEN — closes in 25:58 ",
            "kept parts are never dropped, only clipped by the terminal"
        );
    }
}
