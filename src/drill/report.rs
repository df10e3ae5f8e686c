//! What a drill measured and whether it passed, in words or as JSON.

use super::Verdict;
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
    pub ok: bool,
    /// Why the step failed, when it did.
    pub error: Option<String>,
}

/// The drill's result: what each step cost and the verdict of [`super::judge`].
#[derive(Debug, Clone, Serialize)]
pub struct DrillReport {
    pub incident: String,
    pub steps: Vec<StepTiming>,
    /// From the activation intent to the verified restore.
    pub exposure_millis: Option<i64>,
    pub faults: Vec<String>,
    /// A glass the drill's own steps left open, restored as the drill ended, in words.
    pub restored_at_end: Option<String>,
    #[serde(flatten)]
    pub verdict: Verdict,
}

impl DrillReport {
    /// The report as the operator reads it.
    pub fn render(&self) -> String {
        let mut out = format!("drill {} against the sandbox forge\n", self.incident);
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
        for problem in &verdict.problems {
            out.push_str(&format!("problem: {problem}\n"));
        }
        out.push_str(if verdict.passed {
            "drill passed\n"
        } else {
            "DRILL FAILED\n"
        });
        out
    }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "NO" }
}
