//! Headless drills: a fresh in-process sandbox forge with its seeded repository, a real
//! clone with a prepared fix, and the whole break-glass flow run with the seeded
//! commander's token, timed per step and counted in forge requests. Same flow code as a
//! real emergency; only the forge's URL differs. Never touches a real forge.

mod clone;
mod report;

pub use clone::{FIX_FILE, clone_with_fix};
pub use report::{DrillReport, StepTiming};

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::flow::{Declaration, Flow, FlowError, FlowOptions, FlowSetup, github_forge};
use crate::forge::RepoId;
use crate::forge::sandbox::{
    Fault, FaultSpecError, Sandbox, SandboxError, SandboxHandle, SandboxOptions,
};
use crate::incident::RestoreTrigger;
use crate::paths::Paths;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// The seeded repository and the person who drills.
pub const DRILL_REPO: &str = "acme/api";
pub const COMMANDER: &str = "commander";

/// How to run a drill.
#[derive(Debug, Clone, Default)]
pub struct DrillOptions {
    /// Fault specs, in the sandbox's syntax.
    pub faults: Vec<String>,
    /// `BREAKGLASS_HOME` to record in; `None`: a temporary one.
    pub home: Option<PathBuf>,
    /// The lease the drill asks for.
    pub ttl: Option<chrono::Duration>,
}

/// Why a drill could not run at all (a failing step is a failed drill, not an error).
#[derive(Debug, thiserror::Error)]
pub enum DrillError {
    #[error(transparent)]
    Fault(#[from] FaultSpecError),
    #[error("the sandbox forge could not start: {0}")]
    Sandbox(#[from] SandboxError),
    #[error("preparing the drill's clone failed: {0} — check the temporary directory")]
    Clone(String),
    #[error("cannot create the drill's temporary home: {0}")]
    Home(std::io::Error),
    #[error(transparent)]
    Flow(#[from] FlowError),
}

/// Runs the whole flow once against a fresh sandbox and reports what it measured.
pub async fn run_headless(options: DrillOptions) -> Result<DrillReport, DrillError> {
    let faults = options
        .faults
        .iter()
        .map(|spec| Fault::parse(spec))
        .collect::<Result<Vec<_>, _>>()?;
    let scratch = tempfile::tempdir().map_err(DrillError::Home)?;
    let home = options
        .home
        .clone()
        .unwrap_or_else(|| scratch.path().join("home"));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let sandbox = Sandbox::start(SandboxOptions {
        faults,
        clock: clock.clone(),
        ..SandboxOptions::default()
    })
    .await?;
    let result = drill_on(
        &sandbox,
        &options,
        home,
        scratch.path().join("clone"),
        clock,
    )
    .await;
    sandbox.shutdown().await;
    result
}

async fn drill_on(
    sandbox: &SandboxHandle,
    options: &DrillOptions,
    home: PathBuf,
    clone_dir: PathBuf,
    clock: Arc<dyn Clock>,
) -> Result<DrillReport, DrillError> {
    let repo: RepoId = DRILL_REPO.parse().expect("a valid repository id");
    let token = sandbox.token(COMMANDER);
    let url = sandbox.clone_url(&repo);
    {
        let (token, dir) = (token.clone(), clone_dir.clone());
        tokio::task::spawn_blocking(move || clone_with_fix(&url, &dir, &token))
            .await
            .map_err(|e| DrillError::Clone(e.to_string()))?
            .map_err(|e| DrillError::Clone(e.message().to_owned()))?;
    }
    let api_url = sandbox.api_url();
    let reviewers = sandbox
        .users()
        .into_iter()
        .filter(|u| u.login != COMMANDER && u.role != "owner")
        .map(|u| u.login)
        .collect();
    let config = Config {
        api_url: url::Url::parse(&api_url).expect("the sandbox's URL parses"),
        ..Config::default()
    };
    let flow = Flow::open(FlowSetup {
        paths: Paths::under(&home),
        config,
        clock: clock.clone(),
        forge: github_forge(&api_url, token.clone(), clock)
            .map_err(|e| FlowError::forge("connecting to the sandbox")(e))?,
        token: Some(token),
        options: FlowOptions {
            command: "breakglass drill".into(),
            home: Some(home),
            api_url,
            reviewers,
            ..FlowOptions::default()
        },
    })
    .await?;
    let id = format!("DRILL-{}", chrono::Utc::now().format("%Y%m%d-%H%M%S"));
    let mut run = Run {
        sandbox,
        report: DrillReport {
            incident: id.clone(),
            faults: options.faults.clone(),
            ..DrillReport::default()
        },
    };
    run_steps(&flow, &mut run, &id, &clone_dir, options).await;
    judge(&flow, &mut run, &id, &repo).await;
    Ok(run.report)
}

struct Run<'a> {
    sandbox: &'a SandboxHandle,
    report: DrillReport,
}

impl Run<'_> {
    /// Times `step`, counts the forge requests it caused, records the outcome.
    async fn step<T>(
        &mut self,
        name: &'static str,
        step: impl Future<Output = Result<T, FlowError>>,
    ) -> Option<T> {
        let before = self.sandbox.request_log().len();
        let started = Instant::now();
        let result = step.await;
        let seen: Vec<String> = self
            .sandbox
            .request_log()
            .into_iter()
            .skip(before)
            .map(|r| format!("{} {} {}", r.method, r.path, r.status))
            .collect();
        let timing = StepTiming {
            step: name,
            millis: started.elapsed().as_millis(),
            requests: seen.len(),
            request_lines: seen,
            ok: result.is_ok(),
            error: result.as_ref().err().map(|e| e.to_string()),
        };
        self.report.steps.push(timing);
        result.ok()
    }
}

async fn run_steps(
    flow: &Flow,
    run: &mut Run<'_>,
    id: &str,
    clone_dir: &std::path::Path,
    options: &DrillOptions,
) {
    let declared = run
        .step(
            "declare",
            flow.declare(Declaration {
                id: id.to_owned(),
                repo: DRILL_REPO.parse().expect("valid"),
                branch: "main".into(),
                reason: "Drill: checkout returns 500 — https://tickets.example.com/DRILL".into(),
                ttl: options.ttl,
                drill: true,
                remote_url: flow.clone_remote_url(Some(clone_dir), None),
            }),
        )
        .await;
    if declared.is_none() {
        return;
    }
    let ready = run
        .step("preflight", flow.preflight(id, Some(clone_dir), None))
        .await
        .is_some()
        && run.step("activate", flow.activate(id)).await.is_some();
    if ready {
        run.step("push", flow.push(id, Some(clone_dir), None)).await;
    }
    let restored = run
        .step("restore", flow.restore(id, RestoreTrigger::Operator))
        .await;
    if let (Some(outcome), Some(timing)) = (&restored, run.report.steps.last_mut())
        && !outcome.verified
    {
        timing.ok = false;
        timing.error = Some(outcome.summary());
    }
    if restored.is_some_and(|o| o.verified) {
        run.step("review", flow.open_review(id)).await;
    }
}

/// Checks what the drill must prove, straight from the forge and the log.
async fn judge(flow: &Flow, run: &mut Run<'_>, id: &str, repo: &RepoId) {
    let report = &mut run.report;
    let Ok(incident) = flow.incident(id) else {
        report
            .problems
            .push("the incident is not in the audit log".into());
        return;
    };
    report.exposure_millis = incident
        .exposure_window()
        .filter(|w| w.closed_at.is_some())
        .map(|w| w.length(incident.updated_at).num_milliseconds());
    let pushed = incident.pushes.last().map(|p| p.new_sha.clone());
    report.push_landed = pushed.is_some() && run.sandbox.branch_head(repo, "main") == pushed;
    if !report.push_landed {
        report.problems.push("the fix did not land on main".into());
    }
    report.restored_exactly = match flow.restored_exactly(id).await {
        Ok(exact) => exact,
        Err(e) => {
            report
                .problems
                .push(format!("reading the protection back failed: {e}"));
            false
        }
    };
    if !report.restored_exactly {
        report
            .problems
            .push("the protection does not read back equal to the snapshot".into());
    }
    report.review_pr = incident
        .review
        .pull_request
        .as_ref()
        .map(|pr| pr.url.clone());
    if report.review_pr.is_none() {
        report
            .problems
            .push("no retroactive review was opened".into());
    }
    report.drift_found = !incident.drift.is_empty();
    if report.drift_found {
        report
            .problems
            .push("someone changed the protection during the window (drift): review it".into());
    }
    report.passed = report.push_landed
        && report.restored_exactly
        && report.review_pr.is_some()
        && !report.drift_found;
}
