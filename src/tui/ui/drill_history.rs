//! The drill history screen: the runs of one scenario over time and the step that is
//! habitually late.
//!
//! ```text
//! ┌ Drill history: clean-run (5 runs) ───────────────────────────────────┐
//! │ Chart: total (s) and exposure window (s) per run, oldest → newest    │
//! ├ Each step's median against its target ───────────────────────────────┤
//! │ BarChart: one group per step, median and target bars                 │
//! ├──────────────────────────────────────────────────────────────────────┤
//! │ advice: "step `…` is late in most runs: practise it or change …"     │
//! └──────────────────────────────────────────────────────────────────────┘
//! ```

use super::truncate_to_width;
use crate::incident::Pace;
use crate::tui::theme::Theme;
use crate::tui::view::DrillHistoryView;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Bar, BarChart, BarGroup, Block, Chart, Dataset, GraphType, Paragraph, Wrap,
};
use unicode_width::UnicodeWidthStr;

/// Draws the drill history of `view`.
pub fn render_drill_history(frame: &mut Frame, area: Rect, view: &DrillHistoryView, theme: &Theme) {
    let Some(scenario) = &view.scenario else {
        let empty = Paragraph::new(
            "No scenario drills yet. Run one with `breakglass drill --scenario ID` \
             (`breakglass drill --list` shows them); each run is charted here.",
        )
        .wrap(Wrap { trim: true })
        .block(Block::bordered().title("Drill history"));
        frame.render_widget(empty, area);
        return;
    };
    // Two rows each: an advice line wraps on a narrow terminal.
    let advice_rows = u16::try_from(view.advice.len().max(1) * 2).unwrap_or(2);
    let [runs, steps, advice] = Layout::vertical([
        Constraint::Percentage(50),
        Constraint::Fill(1),
        Constraint::Length(advice_rows),
    ])
    .areas(area);
    render_runs(frame, runs, scenario, view, theme);
    render_steps(frame, steps, view, theme);
    let lines: Vec<Line> = if view.advice.is_empty() {
        vec![Line::styled(
            "Every step's median is within its target.",
            theme.good(),
        )]
    } else {
        view.advice
            .iter()
            .map(|a| Line::styled(a.clone(), theme.warning()))
            .collect()
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), advice);
}

/// Total and exposure window per run as lines over the run number.
fn render_runs(
    frame: &mut Frame,
    area: Rect,
    scenario: &str,
    view: &DrillHistoryView,
    theme: &Theme,
) {
    let totals: Vec<(f64, f64)> = view
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| ((i + 1) as f64, r.total_seconds))
        .collect();
    let exposures: Vec<(f64, f64)> = view
        .runs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some(((i + 1) as f64, r.exposure_seconds?)))
        .collect();
    let top = totals
        .iter()
        .chain(&exposures)
        .map(|p| p.1)
        .fold(1.0_f64, f64::max)
        .ceil();
    let last = view.runs.len().max(2) as f64;
    let datasets = vec![
        Dataset::default()
            .name("total (s)")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.title())
            .data(&totals),
        Dataset::default()
            .name("exposure window (s)")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.danger())
            .data(&exposures),
    ];
    let chart = Chart::new(datasets)
        .block(Block::bordered().title(format!(
            "Drill history: {scenario} ({} run{})",
            view.runs.len(),
            if view.runs.len() == 1 { "" } else { "s" }
        )))
        .x_axis(
            Axis::default()
                .title("run")
                .style(theme.dim())
                .bounds([1.0, last])
                .labels(["1".to_owned(), format!("{}", view.runs.len())]),
        )
        .y_axis(
            Axis::default()
                .title("s")
                .style(theme.dim())
                .bounds([0.0, top])
                .labels(["0".to_owned(), format!("{top:.0}")]),
        );
    frame.render_widget(chart, area);
}

/// The widest bar; narrower when the steps would not fit the width.
const BAR_WIDTH: u16 = 5;
const GROUP_GAP: u16 = 2;

/// One group per step: its median and its target, the median coloured by its pace. Bars
/// narrow to fit every step in `area`, and each step's name is cut to its group's width
/// (a late step's name takes its pace colour and a `!` when " late" does not fit), so no
/// label runs into its neighbour's on a narrow terminal.
fn render_steps(frame: &mut Frame, area: Rect, view: &DrillHistoryView, theme: &Theme) {
    let bar_width = bar_width(area.width.saturating_sub(2), view.trends.len());
    let group_width = usize::from(bar_width * 2);
    let mut chart = BarChart::default()
        .block(Block::bordered().title("Each step's median (m) against its target (t), seconds"))
        .bar_width(bar_width)
        .bar_gap(0)
        .group_gap(GROUP_GAP);
    for trend in &view.trends {
        let pace_style: Style = theme.pace(trend.pace);
        let median = Bar::default()
            .value(trend.median_seconds.round() as u64)
            .text_value(format!("{:.0}", trend.median_seconds))
            .label(Line::from("m"))
            .style(pace_style);
        let target = Bar::default()
            .value(trend.target_seconds.round() as u64)
            .text_value(format!("{:.0}", trend.target_seconds))
            .label(Line::from("t"))
            .style(theme.dim());
        chart = chart.data(
            BarGroup::default()
                .label(step_label(&trend.id, trend.pace, group_width, pace_style))
                .bars(&[median, target]),
        );
    }
    frame.render_widget(chart, area);
}

/// The widest bars (at most [`BAR_WIDTH`]) that fit `steps` groups of two into `width`.
fn bar_width(width: u16, steps: usize) -> u16 {
    let steps = u16::try_from(steps.max(1)).unwrap_or(u16::MAX);
    let gaps = GROUP_GAP.saturating_mul(steps - 1);
    (width.saturating_sub(gaps) / steps.saturating_mul(2)).clamp(1, BAR_WIDTH)
}

/// A step's name under its bars, at most `width` columns.
fn step_label(id: &str, pace: Pace, width: usize, late_style: Style) -> Line<'static> {
    if pace == Pace::OnTime {
        return Line::from(truncate_to_width(id, width));
    }
    let named = format!("{id} late");
    if named.width() <= width {
        return Line::from(vec![
            Span::raw(id.to_owned()),
            Span::styled(" late", late_style),
        ]);
    }
    let cut = truncate_to_width(id, width.saturating_sub(1));
    Line::styled(format!("{cut}!"), late_style)
}
