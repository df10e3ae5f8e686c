//! The scorecard of one drill run and the history of a team's runs, computed from the
//! audit log alone (the incident as folded and the runbook's targets): each step's time
//! against its target with its pace, the total, the exposure window, the verdict, and the
//! comparison with earlier runs of the same scenario. Pure: no I/O, no clock.

use super::judge::{ForgeEvidence, Verdict, judge};
use crate::incident::{Incident, Pace, StepStatus, progress};
use crate::runbook::Runbook;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One runbook step as the drill ran it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoredStep {
    pub id: String,
    pub kind: String,
    pub status: StepStatus,
    pub seconds: f64,
    pub target_seconds: f64,
    pub pace: Pace,
}

/// One drill run from the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrillRun {
    pub incident: String,
    pub scenario: Option<String>,
    pub declared_at: DateTime<Utc>,
    pub steps: Vec<ScoredStep>,
    /// From the declaration to the last event.
    pub total_seconds: f64,
    /// From the activation intent to the verified restore; `None` if the glass was never
    /// opened or is not known to be closed.
    pub exposure_seconds: Option<f64>,
    pub passed: bool,
}

/// Best, median and last totals of the earlier runs of the same scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub runs: usize,
    pub best_seconds: f64,
    pub median_seconds: f64,
    pub last_seconds: f64,
}

/// The scorecard shown at the end of a drill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    #[serde(flatten)]
    pub run: DrillRun,
    pub verdict: Verdict,
    /// Earlier runs of the same scenario (`None`: this is the first).
    pub earlier: Option<Comparison>,
}

/// A step's median time against its target across runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepTrend {
    pub id: String,
    pub runs: usize,
    pub median_seconds: f64,
    pub target_seconds: f64,
    pub pace: Pace,
}

fn secs(d: chrono::Duration) -> f64 {
    d.num_milliseconds() as f64 / 1000.0
}

/// The run `incident` made through `runbook`: only the steps it did (or failed).
pub fn drill_run(incident: &Incident, runbook: &Runbook) -> DrillRun {
    let progress = progress(incident, runbook, incident.updated_at);
    let steps = progress
        .steps
        .iter()
        .filter(|s| matches!(s.status, StepStatus::Done | StepStatus::Failed))
        .filter_map(|s| {
            Some(ScoredStep {
                id: s.id.clone(),
                kind: s.kind.name().to_owned(),
                status: s.status,
                seconds: secs(s.elapsed?),
                target_seconds: secs(s.target),
                pace: s.pace?,
            })
        })
        .collect();
    let exposure_seconds = incident
        .exposure_window()
        .filter(|w| w.closed_at.is_some())
        .map(|w| secs(w.length(incident.updated_at)));
    DrillRun {
        incident: incident.id.clone(),
        scenario: incident.drill_scenario.clone(),
        declared_at: incident.declared_at,
        steps,
        total_seconds: secs(incident.updated_at - incident.declared_at),
        exposure_seconds,
        passed: judge(incident, &ForgeEvidence::default()).passed,
    }
}

/// The drill runs in `incidents` (drills only, oldest first), of `scenario` when given.
pub fn history(incidents: &[Incident], runbook: &Runbook, scenario: Option<&str>) -> Vec<DrillRun> {
    let mut runs: Vec<DrillRun> = incidents
        .iter()
        .filter(|i| i.drill)
        .filter(|i| scenario.is_none_or(|s| i.drill_scenario.as_deref() == Some(s)))
        .map(|i| drill_run(i, runbook))
        .collect();
    runs.sort_by_key(|r| r.declared_at);
    runs
}

/// The scorecard of `incident`, compared with the runs of its scenario declared before it.
pub fn scorecard(
    incident: &Incident,
    runbook: &Runbook,
    all: &[Incident],
    verdict: Verdict,
) -> Scorecard {
    let run = drill_run(incident, runbook);
    let earlier: Vec<f64> = history(all, runbook, incident.drill_scenario.as_deref())
        .into_iter()
        .filter(|r| r.declared_at < incident.declared_at && r.incident != incident.id)
        .filter(|r| r.scenario.is_some())
        .map(|r| r.total_seconds)
        .collect();
    Scorecard {
        run,
        verdict,
        earlier: comparison(&earlier),
    }
}

/// Best, median and last of `totals` (in run order); `None` when empty.
pub fn comparison(totals: &[f64]) -> Option<Comparison> {
    let last = *totals.last()?;
    let mut sorted = totals.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(Comparison {
        runs: totals.len(),
        best_seconds: sorted[0],
        median_seconds: median(&sorted),
        last_seconds: last,
    })
}

fn median(sorted: &[f64]) -> f64 {
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

/// Each step's median time across `runs` against its target, in runbook order, so the
/// habitually late step stands out.
pub fn step_trends(runs: &[DrillRun], runbook: &Runbook) -> Vec<StepTrend> {
    runbook
        .steps
        .iter()
        .filter_map(|step| {
            let mut times: Vec<f64> = runs
                .iter()
                .flat_map(|r| &r.steps)
                .filter(|s| s.id == step.id)
                .map(|s| s.seconds)
                .collect();
            if times.is_empty() {
                return None;
            }
            times.sort_by(f64::total_cmp);
            let median_seconds = median(&times);
            let target_seconds = secs(step.target);
            let to_duration = |s: f64| chrono::Duration::milliseconds((s * 1000.0) as i64);
            Some(StepTrend {
                id: step.id.clone(),
                runs: times.len(),
                median_seconds,
                target_seconds,
                pace: Pace::of(to_duration(median_seconds), step.target),
            })
        })
        .collect()
}

/// The advice for steps whose median is late: practise them or change their target.
pub fn advice(trends: &[StepTrend]) -> Vec<String> {
    trends
        .iter()
        .filter(|t| t.pace != Pace::OnTime && t.runs > 1)
        .map(|t| {
            format!(
                "step `{}` is late in most runs (median {:.1} s against {:.0} s): practise it or change its target",
                t.id, t.median_seconds, t.target_seconds
            )
        })
        .collect()
}

impl Scorecard {
    /// The scorecard as the operator reads it, or as Markdown for the team's notes.
    pub fn render(&self, markdown: bool) -> String {
        let run = &self.run;
        let mut out = String::new();
        let scenario = run
            .scenario
            .as_deref()
            .unwrap_or("plain drill, no scenario");
        if markdown {
            out.push_str(&format!("# Drill {} — {scenario}\n\n", run.incident));
            out.push_str("| Step | Time | Target | Pace |\n|---|---:|---:|---|\n");
        } else {
            out.push_str(&format!(
                "scorecard of drill {} ({scenario})\n",
                run.incident
            ));
        }
        for step in &run.steps {
            let pace = pace_word(step.pace);
            if markdown {
                out.push_str(&format!(
                    "| {} | {:.1} s | {:.0} s | {pace} |\n",
                    step.id, step.seconds, step.target_seconds
                ));
            } else {
                out.push_str(&format!(
                    "  {:<14} {:>7.1} s  target {:>5.0} s  {pace}\n",
                    step.id, step.seconds, step.target_seconds
                ));
            }
        }
        let bullet = if markdown { "\n- " } else { "\n" };
        out.push_str(&format!("{bullet}total: {:.1} s", run.total_seconds));
        match run.exposure_seconds {
            Some(s) => out.push_str(&format!("{bullet}exposure window: {s:.3} s")),
            None => out.push_str(&format!(
                "{bullet}exposure window: the glass was not opened or not closed"
            )),
        }
        match &self.earlier {
            Some(c) => out.push_str(&format!(
                "{bullet}earlier runs: {}; best {:.1} s, median {:.1} s, last {:.1} s",
                c.runs, c.best_seconds, c.median_seconds, c.last_seconds
            )),
            None => out.push_str(&format!("{bullet}earlier runs: none, this is the first")),
        }
        for problem in &self.verdict.problems {
            out.push_str(&format!("{bullet}problem: {problem}"));
        }
        out.push_str(&format!(
            "{bullet}{}\n",
            if self.verdict.passed {
                "passed"
            } else {
                "FAILED"
            }
        ));
        out
    }
}

/// A pace in the scorecard's words.
pub fn pace_word(pace: Pace) -> &'static str {
    match pace {
        Pace::OnTime => "on time",
        Pace::Amber => "late (amber)",
        Pace::Red => "very late (red)",
    }
}

#[cfg(test)]
#[path = "scorecard_tests.rs"]
mod tests;
