//! The scorecard at the end of a drill walked in the TUI: the headless scorecard's model
//! ([`crate::drill::DrillScore`]) drawn as one screen.
//!
//! ```text
//! ┌ Drill scorecard: DRILL-… — Clean run ─────────────────────────────────┐
//! │ PASSED — it ended as the scenario expects (or FAILED and the reasons) │
//! │ Step            time    target   pace (coloured)                      │
//! │ total · exposure window · forge requests                              │
//! │ earlier runs: best, median, last                                      │
//! │ faults met and how they were handled                                  │
//! └───────────────────────────────────────────────────────────────────────┘
//! ```

use crate::drill::DrillScore;
use crate::drill::scorecard::pace_word;
use crate::text::sanitize_line;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

/// Draws `score` into `area`; `None` says it is on its way.
pub fn render_drill_scorecard(
    frame: &mut Frame,
    area: Rect,
    score: Option<&DrillScore>,
    theme: &Theme,
) {
    let Some(score) = score else {
        frame.render_widget(
            Paragraph::new("Scoring the drill…").block(Block::bordered().title("Drill scorecard")),
            area,
        );
        return;
    };
    let run = &score.scorecard.run;
    let title = match &score.title {
        Some(title) => format!(
            "Drill scorecard: {} — {}",
            sanitize_line(&run.incident),
            sanitize_line(title)
        ),
        None => format!("Drill scorecard: {}", sanitize_line(&run.incident)),
    };
    let mut lines = verdict_lines(score, theme);
    lines.push(Line::default());
    lines.push(Line::styled(
        format!("{:<16} {:>9} {:>9}  pace", "step", "time", "target"),
        theme.dim(),
    ));
    for step in &run.steps {
        lines.push(Line::from(vec![
            Span::raw(format!(
                "{:<16} {:>7.1} s {:>7.0} s  ",
                sanitize_line(&step.id),
                step.seconds,
                step.target_seconds
            )),
            Span::styled(pace_word(step.pace), theme.pace(step.pace)),
        ]));
    }
    lines.push(Line::default());
    lines.extend(measure_lines(score, theme));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(title)),
        area,
    );
}

/// Passed or failed, and why.
fn verdict_lines(score: &DrillScore, theme: &Theme) -> Vec<Line<'static>> {
    let passed = score.passed();
    let headline = match (&score.expected, passed) {
        (Some(check), true) => format!(
            "PASSED — it ended `{}`, as the scenario expects",
            check.expected.name()
        ),
        (Some(check), false) => format!(
            "FAILED — the scenario expects `{}`, it ended `{}`",
            check.expected.name(),
            score.outcome.kind.name()
        ),
        (None, true) => "PASSED".to_owned(),
        (None, false) => "FAILED".to_owned(),
    };
    let style = if passed { theme.good() } else { theme.danger() };
    let mut lines = vec![Line::styled(headline, style)];
    for reason in score.reasons() {
        lines.push(Line::styled(
            format!("  · {}", sanitize_line(&reason)),
            theme.danger(),
        ));
    }
    lines
}

/// Total, exposure window, forge requests, the comparison and the faults met.
fn measure_lines(score: &DrillScore, theme: &Theme) -> Vec<Line<'static>> {
    let run = &score.scorecard.run;
    let exposure = match run.exposure_seconds {
        Some(s) => format!("{s:.3} s"),
        None => "the glass was not opened (or not closed)".to_owned(),
    };
    let mut lines = vec![
        Line::raw(format!(
            "total {:.1} s · exposure window {exposure}",
            run.total_seconds
        )),
        Line::raw(format!(
            "forge requests {} (and {} to the incident issue beside the steps)",
            score.requests, score.issue_requests
        )),
        Line::raw(match &score.scorecard.earlier {
            Some(c) => format!(
                "earlier runs {}: best {:.1} s, median {:.1} s, last {:.1} s",
                c.runs, c.best_seconds, c.median_seconds, c.last_seconds
            ),
            None => "earlier runs: none, this is the first".to_owned(),
        }),
    ];
    if score.faults_met.is_empty() {
        lines.push(Line::styled("faults met: none", theme.dim()));
    }
    for met in &score.faults_met {
        lines.push(Line::from(vec![
            Span::styled("fault met: ", theme.warning()),
            Span::raw(format!(
                "{} on {} — {}",
                sanitize_line(&met.fault),
                sanitize_line(&met.request),
                sanitize_line(&met.handled)
            )),
        ]));
    }
    lines
}
