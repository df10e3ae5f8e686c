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

/// One group per step: its median and its target, the median coloured by its pace.
fn render_steps(frame: &mut Frame, area: Rect, view: &DrillHistoryView, theme: &Theme) {
    let mut chart = BarChart::default()
        .block(Block::bordered().title("Each step's median (m) against its target (t), seconds"))
        .bar_width(5)
        .bar_gap(0)
        .group_gap(2);
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
        let mut label = vec![Span::raw(trend.id.clone())];
        if trend.pace != Pace::OnTime {
            label.push(Span::styled(" late", pace_style));
        }
        chart = chart.data(
            BarGroup::default()
                .label(Line::from(label))
                .bars(&[median, target]),
        );
    }
    frame.render_widget(chart, area);
}
