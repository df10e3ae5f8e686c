//! What a drill measured and whether it passed, in words or as JSON.

use super::Verdict;
use super::judge::{ExpectationCheck, Outcome};
use super::scorecard::Scorecard;
use crate::forge::sandbox::RequestRecord;
use serde::Serialize;

/// One step's cost.
#[derive(Debug, Clone, Serialize)]
pub struct StepTiming {
    pub step: &'static str,
    pub millis: u128,
    /// Forge requests the sandbox answered during the step (its request log).
    pub requests: usize,
    /// Those requests as `METHOD path status` (JSON output only).
    pub request_lines: Vec<String>,
    /// Requests to the incident issue (its mirror, the approval) made meanwhile: they run
    /// beside the step, so they are counted apart.
    pub issue_requests: usize,
    pub ok: bool,
    /// Why the step failed, when it did.
    pub error: Option<String>,
}

/// The drill's result: what each step cost and the verdict of [`super::judge`].
#[derive(Debug, Clone, Serialize)]
pub struct DrillReport {
    pub incident: String,
    /// The scenario rehearsed, if any.
    pub scenario: Option<String>,
    pub steps: Vec<StepTiming>,
    /// From the activation intent to the verified restore.
    pub exposure_millis: Option<i64>,
    pub faults: Vec<String>,
    /// Each injected fault the forge played, with the request it met and how the drill
    /// went on from there.
    pub faults_met: Vec<FaultMet>,
    /// How the drill ended.
    pub outcome: Outcome,
    /// Whether that is what the scenario expects.
    pub expected: Option<ExpectationCheck>,
    /// Each step against its target, and the comparison with earlier runs of the
    /// scenario, from the audit log (`None` if the drill's incident cannot be read).
    pub scorecard: Option<Scorecard>,
    /// A glass the drill's own steps left open, restored as the drill ended, in words.
    pub restored_at_end: Option<String>,
    /// Who approved the break-glass (or the self-approval, loudly), as the review's facts
    /// say it.
    pub approval: Vec<String>,
    #[serde(flatten)]
    pub verdict: Verdict,
}

impl DrillReport {
    /// The report as the operator reads it.
    pub fn render(&self) -> String {
        let mut out = format!("drill {} against the sandbox forge\n", self.incident);
        if let Some(scenario) = &self.scenario {
            out.push_str(&format!("scenario: {scenario}\n"));
        }
        if !self.faults.is_empty() {
            out.push_str(&format!("faults: {}\n", self.faults.join(", ")));
        }
        for step in &self.steps {
            out.push_str(&format!(
                "  {:<10} {:>6} ms  {:>3} request(s)  {}\n",
                step.step,
                step.millis,
                step.requests,
                match &step.error {
                    None => "ok".to_owned(),
                    Some(e) => format!("FAILED: {e}"),
                }
            ));
        }
        let total: usize = self.steps.iter().map(|s| s.requests).sum();
        out.push_str(&format!("forge requests in total: {total}\n"));
        match self.exposure_millis {
            Some(ms) => out.push_str(&format!(
                "exposure window (activated → restored): {:.3} s\n",
                ms as f64 / 1000.0
            )),
            None => out.push_str("exposure window: the glass was not closed by the drill\n"),
        }
        if let Some(restored) = &self.restored_at_end {
            out.push_str(&format!("as the drill ended: {restored}\n"));
        }
        let verdict = &self.verdict;
        out.push_str(&format!(
            "push landed: {}; restored exactly: {}; review: {}\n",
            yes(verdict.push_landed),
            yes(verdict.restored_exactly),
            verdict.review_pr.as_deref().unwrap_or("none")
        ));
        for line in &self.approval {
            out.push_str(&format!("approval: {line}\n"));
        }
        for problem in &verdict.problems {
            out.push_str(&format!("problem: {problem}\n"));
        }
        for met in &self.faults_met {
            out.push_str(&format!(
                "fault met: {} on {} — {}\n",
                met.fault, met.request, met.handled
            ));
        }
        if let Some(card) = &self.scorecard {
            out.push_str(&card.render(false));
        }
        out.push_str(&format!("outcome: {}\n", self.outcome.kind.name()));
        if let Some(check) = &self.expected {
            if check.met {
                out.push_str("as the scenario expects\n");
            }
            for mismatch in &check.mismatches {
                out.push_str(&format!("NOT AS EXPECTED: {mismatch}\n"));
            }
        }
        out.push_str(match &self.expected {
            Some(check) if check.met => "drill passed: it ended as the scenario expects\n",
            Some(_) => "DRILL FAILED: it did not end as the scenario expects\n",
            None if verdict.passed => "drill passed\n",
            None => "DRILL FAILED\n",
        });
        out
    }
}

/// The scorecard of a drill walked in the TUI, as its screen shows it at the drill's end:
/// the model's [`Scorecard`] (each step against its target, total, exposure window,
/// earlier runs), the forge requests, the faults met and how they were handled, and for a
/// scenario whether it ended as expected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrillScore {
    /// The scenario's title, when one was rehearsed.
    pub title: Option<String>,
    pub scorecard: Scorecard,
    /// Forge requests the drill made (the incident issue's apart, as in the headless
    /// report).
    pub requests: usize,
    pub issue_requests: usize,
    pub faults_met: Vec<FaultMet>,
    pub outcome: Outcome,
    pub expected: Option<ExpectationCheck>,
}

impl DrillScore {
    /// Passed: as the scenario expects, or (without one) by the judge's rule.
    pub fn passed(&self) -> bool {
        self.expected
            .as_ref()
            .map_or(self.scorecard.verdict.passed, |check| check.met)
    }

    /// Why it did not pass, in words (empty when it passed).
    pub fn reasons(&self) -> Vec<String> {
        match &self.expected {
            Some(check) if check.met => Vec::new(),
            Some(check) => check
                .mismatches
                .iter()
                .chain(&self.scorecard.verdict.problems)
                .cloned()
                .collect(),
            None => self.scorecard.verdict.problems.clone(),
        }
    }
}

/// True for a request line (`METHOD path status`) to the repository's issues: the incident
/// issue's mirror and the approval, which run beside the steps rather than as part of them.
pub(crate) fn on_the_incident_issue(line: &str) -> bool {
    let path = line.split(' ').nth(1).unwrap_or_default();
    let path = path.split('?').next().unwrap_or_default();
    path.split('/').nth(4) == Some("issues")
}

/// One injected fault the forge played.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultMet {
    /// The fault's spec.
    pub fault: String,
    /// `METHOD path status` of the request it shaped.
    pub request: String,
    /// How the drill went on: the next answer to the same request.
    pub handled: String,
}

/// The faults the forge played, from its request log, each with what came next on the same
/// route (a retry that succeeded, or nothing).
pub fn faults_met(requests: &[RequestRecord]) -> Vec<FaultMet> {
    requests
        .iter()
        .enumerate()
        .filter_map(|(index, record)| {
            let fault = record.fault.clone()?;
            let next = requests[index + 1..]
                .iter()
                .find(|r| r.method == record.method && r.path == record.path);
            let handled = match next {
                Some(r) if r.fault.is_none() && r.status < 400 => {
                    format!("retried: {} {} answered {}", r.method, r.path, r.status)
                }
                Some(r) => format!("retried: answered {} again", r.status),
                None => "not retried".to_owned(),
            };
            Some(FaultMet {
                fault,
                request: format!("{} {} {}", record.method, record.path, record.status),
                handled,
            })
        })
        .collect()
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "NO" }
}
