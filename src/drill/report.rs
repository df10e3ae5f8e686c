//! What a drill measured and whether it passed, in words or as JSON.

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

/// The drill's result. `passed` only if the push landed, the protection read back equal
/// to the snapshot, and the review pull request exists.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DrillReport {
    pub incident: String,
    pub steps: Vec<StepTiming>,
    /// From the activation intent to the verified restore.
    pub exposure_millis: Option<i64>,
    pub push_landed: bool,
    pub restored_exactly: bool,
    /// Someone (an injected fault) changed the protection during the window.
    pub drift_found: bool,
    pub review_pr: Option<String>,
    pub faults: Vec<String>,
    pub passed: bool,
    /// What did not hold, in words.
    pub problems: Vec<String>,
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
        out.push_str(&format!(
            "push landed: {}; restored exactly: {}; review: {}\n",
            yes(self.push_landed),
            yes(self.restored_exactly),
            self.review_pr.as_deref().unwrap_or("none")
        ));
        for problem in &self.problems {
            out.push_str(&format!("problem: {problem}\n"));
        }
        out.push_str(if self.passed {
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
