//! The header line: where you are, the incident on screen with its total time, and the
//! clock, fitted to the terminal's width so nothing runs into the clock.

use super::{clock_text, truncate_to_width};
use crate::text::sanitize_line;
use crate::tui::app::{App, Screen};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

/// The header: where you are, the incident on screen and its total time, and the clock.
///
/// The clock and the total always show; when the line is short, the incident's
/// `repo:branch` is cut with `…` first, then the screen name, the program name and the
/// clock's `UTC` go, so nothing runs into the clock.
pub fn render_header(frame: &mut Frame, area: Rect, app: &App) {
    let line = header_line(app, usize::from(area.width));
    frame.render_widget(Paragraph::new(line), area);
}

/// A version of the header with some parts left out, tried from the fullest.
#[derive(Clone, Copy)]
struct HeaderParts {
    program: bool,
    screen: bool,
    utc: bool,
}

const HEADER_FALLBACKS: [HeaderParts; 4] = [
    HeaderParts {
        program: true,
        screen: true,
        utc: true,
    },
    HeaderParts {
        program: true,
        screen: false,
        utc: true,
    },
    HeaderParts {
        program: false,
        screen: false,
        utc: true,
    },
    HeaderParts {
        program: false,
        screen: false,
        utc: false,
    },
];

/// The incident's id keeps at least this many columns (cut if need be) before the header
/// leaves other parts out to make room.
const INCIDENT_MIN_WIDTH: usize = 10;

fn header_line(app: &App, width: usize) -> Line<'static> {
    let incident = app.checklist.as_ref().map(|c| IncidentTitle {
        id: sanitize_line(&c.incident.id),
        place: format!(
            "{}:{}",
            sanitize_line(&c.incident.repo),
            sanitize_line(&c.incident.branch)
        ),
        drill: c.incident.drill,
    });
    let total = app
        .checklist
        .as_ref()
        .map(|c| format!("total {}", clock_text(c.progress.total_elapsed)));
    let left = |parts: HeaderParts, incident_room: usize| {
        left_spans(
            app,
            parts,
            incident.as_ref(),
            total.as_deref(),
            incident_room,
        )
    };
    // Everything but the incident, and at least one space before the clock.
    let fixed = |parts: HeaderParts| {
        let left: usize = left(parts, 0).iter().map(Span::width).sum();
        left + 1 + clock(app, parts).width()
    };
    let wanted = incident.as_ref().map_or(0, IncidentTitle::least_width);
    let parts = HEADER_FALLBACKS
        .into_iter()
        .find(|&parts| fixed(parts) + wanted <= width)
        .unwrap_or(HEADER_FALLBACKS[HEADER_FALLBACKS.len() - 1]);
    let mut spans = left(parts, width.saturating_sub(fixed(parts)));
    let used: usize = spans.iter().map(Span::width).sum();
    let clock = clock(app, parts);
    let gap = width.saturating_sub(used + clock.width()).max(1);
    spans.push(Span::raw(" ".repeat(gap)));
    spans.push(Span::styled(clock, app.theme.dim()));
    Line::from(spans)
}

/// The header left of the clock: ` breakglass │ Checklist │ INC-42 acme/api:main DRILL │
/// total 4:02`, with the parts `parts` keeps and the incident in `incident_room` columns.
fn left_spans(
    app: &App,
    parts: HeaderParts,
    incident: Option<&IncidentTitle>,
    total: Option<&str>,
    incident_room: usize,
) -> Vec<Span<'static>> {
    let t = &app.theme;
    let mut groups: Vec<Vec<Span<'static>>> = Vec::new();
    if parts.program {
        groups.push(vec![Span::styled("breakglass", t.title())]);
    }
    if parts.screen {
        groups.push(vec![Span::raw(screen_name(app.screen))]);
    }
    if let Some(incident) = incident {
        groups.push(incident.spans(incident_room, t));
    }
    if let Some(total) = total {
        groups.push(vec![Span::raw(total.to_owned())]);
    }
    let mut spans = vec![Span::raw(" ")];
    for (index, group) in groups.into_iter().enumerate() {
        if index > 0 {
            spans.push(Span::styled(" │ ", t.dim()));
        }
        spans.extend(group);
    }
    spans
}

/// The clock at the header's right edge, with ` UTC` when `parts` keeps it.
fn clock(app: &App, parts: HeaderParts) -> String {
    let utc = if parts.utc { " UTC" } else { "" };
    format!("{}{utc} ", app.now.format("%H:%M:%S"))
}

fn screen_name(screen: Screen) -> &'static str {
    match screen {
        Screen::Home => "Home",
        Screen::Declare => "Declare",
        Screen::Checklist => "Checklist",
        Screen::Timeline => "Audit timeline",
        Screen::Review => "Review",
        Screen::DrillHistory => "Drill history",
        Screen::DrillPicker => "Drill scenarios",
        Screen::DrillScorecard => "Drill scorecard",
    }
}

/// The incident in the header: `INC-42 acme/api:main DRILL`.
struct IncidentTitle {
    id: String,
    place: String,
    drill: bool,
}

const DRILL_MARK: &str = " DRILL";

/// Fewer columns than this for `repo:branch` show too little of it to be worth a place.
const PLACE_MIN_WIDTH: usize = 6;

impl IncidentTitle {
    fn drill_mark_width(&self) -> usize {
        if self.drill { DRILL_MARK.len() } else { 0 }
    }

    /// The columns the title needs before the header leaves other parts out: its id (up
    /// to [`INCIDENT_MIN_WIDTH`]) and the drill mark.
    fn least_width(&self) -> usize {
        self.id.width().min(INCIDENT_MIN_WIDTH) + self.drill_mark_width()
    }

    /// The title in at most `room` columns: `repo:branch` is cut first, then the id; the
    /// drill mark is kept longest, so a rehearsal never looks like a real incident.
    fn spans(&self, room: usize, t: &Theme) -> Vec<Span<'static>> {
        let drill = if self.drill && room > DRILL_MARK.len() {
            DRILL_MARK
        } else {
            ""
        };
        let room = room - drill.len();
        let id = truncate_to_width(&self.id, room);
        let place_room = room.saturating_sub(id.width() + 1);
        let mut spans = vec![Span::styled(id, t.title())];
        if place_room >= PLACE_MIN_WIDTH {
            spans.push(Span::raw(format!(
                " {}",
                truncate_to_width(&self.place, place_room)
            )));
        }
        if !drill.is_empty() {
            spans.push(Span::styled(drill, t.warning()));
        }
        spans
    }
}
