//! One drill set-up for the TUI and the headless drill: the sandbox forge in-process with
//! its seeded repository, a real clone with a prepared fix, a flow recording into a given
//! or temporary home, and the scenario to declare. `finish` closes any glass the drill
//! left open (its forge dies with the process) and judges each drill it declared.

use super::clone::clone_with_fix;
use super::judge::{ForgeEvidence, Verdict, judge, outcome};
use super::report::{DrillScore, StepTiming, faults_met, on_the_incident_issue};
use super::scenario::{FaultTiming, Scenario, SecondPerson};
use super::scorecard::{Scorecard, scorecard};
use super::second_person::SecondPersonTask;
use super::{COMMANDER, DRILL_BRANCH, DRILL_REPO, DrillError};
use crate::clock::Clock;
use crate::config::Config;
use crate::flow::{
    Declaration, Flow, FlowError, FlowOptions, FlowSetup, LedgerView, github_forge_observed,
};
use crate::forge::RepoId;
use crate::forge::github::{RequestObserver, SentRequest};
use crate::forge::sandbox::{Fault, RequestRecord, Sandbox, SandboxHandle, SandboxOptions};
use crate::incident::{Incident, RestoreTrigger};
use crate::paths::Paths;
use crate::runbook::Runbook;
use crate::secret::Secret;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// How a drill is set up.
#[derive(Debug, Clone, Default)]
pub struct RehearsalSetup {
    /// Sandbox fault specs, armed from the start.
    pub faults: Vec<String>,
    /// The lease the scenario asks for; `None`: the configured default.
    pub ttl: Option<chrono::Duration>,
    /// Where the drill records; `None`: a temporary home, removed with the rehearsal.
    pub paths: Option<Paths>,
    /// Where the sandbox keeps its state; `None`: a temporary directory.
    pub sandbox_dir: Option<PathBuf>,
    /// The scenario rehearsed: its situation picks the repository and the commander, its
    /// faults and twists are armed as it says; `None`: the clean run as before scenarios.
    pub scenario: Option<Scenario>,
    /// A shared sandbox (`breakglass sandbox`) to drill against instead of an in-process
    /// one: a team drill, each person on their own machine with their own token.
    pub forge: Option<SharedForge>,
}

/// A sandbox forge served by `breakglass sandbox` elsewhere.
#[derive(Debug, Clone)]
pub struct SharedForge {
    /// Its REST API root, `http://HOST:PORT`.
    pub api_url: String,
    /// The person's own throwaway token on it.
    pub token: Secret,
}

/// How the drill reaches its forge and who it asks to review.
struct ForgeAccess {
    api_url: String,
    clone_url: String,
    token: Secret,
    reviewers: Vec<String>,
}

impl RehearsalSetup {
    /// The repository the drill's branch is in.
    pub fn repo(&self) -> RepoId {
        self.scenario
            .as_ref()
            .map_or(DRILL_REPO, |s| s.protection.repo())
            .parse()
            .expect("a valid repository id")
    }

    /// The seeded login the commander drills as.
    pub fn commander(&self) -> &'static str {
        self.scenario
            .as_ref()
            .map_or(COMMANDER, Scenario::commander_login)
    }
}

/// How one drill declared here ended.
#[derive(Debug, Clone)]
pub struct Finished {
    pub id: String,
    /// The incident as the log says after the drill (`None` if it cannot be read).
    pub incident: Option<Incident>,
    /// What closing a glass the drill left open did, in words.
    pub restored_at_end: Option<String>,
    pub verdict: Verdict,
}

/// A running drill: its forge, its clone, its flow and the drills declared on them.
pub struct Rehearsal {
    flow: Arc<Flow>,
    /// `None` once finished: the forge is gone.
    sandbox: Mutex<Option<SandboxHandle>>,
    /// The forge is a shared sandbox served elsewhere: it outlives the drill, and only
    /// the log's proof and the forge's REST answers are at hand.
    shared: bool,
    api_url: String,
    clone_dir: PathBuf,
    scenario: Declaration,
    /// The scenario rehearsed, if any.
    plan: Option<Scenario>,
    repo: RepoId,
    declared: Mutex<Vec<String>>,
    /// The requests this drill's own client sent, when its forge's log is not at hand (a
    /// shared sandbox serves the whole team; its log is not the drill's).
    sent: Arc<Mutex<Vec<RequestRecord>>>,
    /// The second person of each drill declared here (see [`super::approve_when_asked`]).
    approvers: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// The clone, and the home when it is temporary; removed when the rehearsal is dropped.
    _scratch: tempfile::TempDir,
}

impl std::fmt::Debug for Rehearsal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rehearsal")
            .field("api_url", &self.api_url)
            .field("scenario", &self.scenario.id)
            .finish_non_exhaustive()
    }
}

/// How long a drill's end waits for its incident issue to catch up.
const MIRROR_SETTLE: std::time::Duration = std::time::Duration::from_secs(5);

impl Rehearsal {
    /// Starts the sandbox, clones the seeded repository, commits the fix and opens a flow
    /// as the seeded commander. The scenario's id comes from `clock`.
    pub async fn start(
        setup: &RehearsalSetup,
        clock: Arc<dyn Clock>,
    ) -> Result<Rehearsal, DrillError> {
        let at_start = setup
            .scenario
            .iter()
            .flat_map(|s| &s.faults)
            .filter_map(|f| (f.timing == FaultTiming::Start).then_some(&f.spec));
        let faults = setup
            .faults
            .iter()
            .chain(at_start)
            .map(|spec| Fault::parse(spec))
            .collect::<Result<Vec<_>, _>>()?;
        let scratch = tempfile::tempdir().map_err(DrillError::Scratch)?;
        let paths = setup
            .paths
            .clone()
            .unwrap_or_else(|| Paths::under(&scratch.path().join("home")));
        if let Some(shared) = &setup.forge {
            let arms = |s: &Scenario| !s.faults.is_empty() || !s.twists.is_empty();
            if !setup.faults.is_empty() || setup.scenario.as_ref().is_some_and(arms) {
                return Err(DrillError::SharedForge(
                    "this drill arms faults or twists on its forge, which only an in-process \
                     sandbox allows; arm them where the sandbox runs (breakglass sandbox --fault) \
                     and pick a scenario without them, or drop --forge"
                        .into(),
                ));
            }
            let repo = setup.repo();
            let access = ForgeAccess {
                clone_url: format!(
                    "{}/git/{}/{}.git",
                    shared.api_url.trim_end_matches('/'),
                    repo.owner,
                    repo.name
                ),
                api_url: shared.api_url.trim_end_matches('/').to_owned(),
                token: shared.token.clone(),
                // The sandbox's seeded reviewer; a team drill's reviewer uses that login.
                reviewers: vec!["reviewer".to_owned()],
            };
            let clone_dir = scratch.path().join("clone");
            let sent = Arc::new(Mutex::new(Vec::new()));
            let observer = count_into(sent.clone(), clock.clone());
            let flow = open_flow(&access, paths, &clone_dir, clock.clone(), Some(observer)).await?;
            return Ok(Rehearsal {
                sent,
                scenario: unused_id(&flow, scenario(setup, clock.as_ref())),
                plan: setup.scenario.clone(),
                repo,
                api_url: access.api_url,
                flow: Arc::new(flow),
                sandbox: Mutex::new(None),
                shared: true,
                clone_dir,
                declared: Mutex::new(Vec::new()),
                approvers: Mutex::new(Vec::new()),
                _scratch: scratch,
            });
        }
        let sandbox = Sandbox::start(SandboxOptions {
            faults,
            clock: clock.clone(),
            dir: setup.sandbox_dir.clone(),
            ..SandboxOptions::default()
        })
        .await?;
        let clone_dir = scratch.path().join("clone");
        let repo = setup.repo();
        let who = setup.commander();
        let access = ForgeAccess {
            api_url: sandbox.api_url(),
            clone_url: sandbox.clone_url(&repo),
            token: sandbox.token(who),
            reviewers: sandbox
                .users()
                .into_iter()
                .filter(|u| u.login != who && u.role != "owner")
                .map(|u| u.login)
                .collect(),
        };
        match open_flow(&access, paths, &clone_dir, clock.clone(), None).await {
            Ok(flow) => Ok(Rehearsal {
                sent: Arc::new(Mutex::new(Vec::new())),
                scenario: unused_id(&flow, scenario(setup, clock.as_ref())),
                plan: setup.scenario.clone(),
                repo,
                api_url: sandbox.api_url(),
                flow: Arc::new(flow),
                sandbox: Mutex::new(Some(sandbox)),
                shared: false,
                clone_dir,
                declared: Mutex::new(Vec::new()),
                approvers: Mutex::new(Vec::new()),
                _scratch: scratch,
            }),
            Err(error) => {
                sandbox.shutdown().await;
                Err(error)
            }
        }
    }

    /// The flow acting on the sandbox.
    pub fn flow(&self) -> &Arc<Flow> {
        &self.flow
    }

    /// The declaration the drill proposes (its id from the injected clock).
    pub fn scenario(&self) -> &Declaration {
        &self.scenario
    }

    /// The clone holding the prepared fix.
    pub fn clone_dir(&self) -> &Path {
        &self.clone_dir
    }

    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// True when a person elsewhere approves (a shared sandbox): the drill has no second
    /// person of its own and must tell the commander what their approver runs.
    pub fn approver_is_elsewhere(&self) -> bool {
        self.shared
    }

    /// Where the drill records.
    pub fn paths(&self) -> &Paths {
        self.flow.paths()
    }

    /// Declares `declaration` on the sandbox; only drills declared here can go on here.
    pub async fn declare(&self, declaration: Declaration) -> Result<Incident, FlowError> {
        let id = declaration.id.clone();
        let remote_url = declaration
            .remote_url
            .or_else(|| self.flow.clone_remote_url(Some(&self.clone_dir), None));
        let scenario = self.plan.as_ref().map(|s| s.id.clone());
        let incident = self
            .flow
            .declare_scenario(
                Declaration {
                    remote_url,
                    ..declaration
                },
                scenario,
            )
            .await?;
        self.rehearse_second_person(&id);
        lock(&self.declared).push(id);
        Ok(incident)
    }

    /// The sandbox's reviewer approves drill `id` as the scenario's second person does: a
    /// few seconds after being asked (no scenario, or none said), after the scenario's
    /// delay, or never.
    fn rehearse_second_person(&self, id: &str) {
        let delay = match self.plan.as_ref().and_then(|s| s.second_person.as_ref()) {
            None => std::time::Duration::ZERO,
            Some(SecondPerson::ApprovesAfter(delay)) => *delay,
            Some(SecondPerson::Never) => return,
        };
        let token = lock(&self.sandbox)
            .as_ref()
            .and_then(|s| s.user(super::DRILL_APPROVER))
            .map(|u| u.token);
        let Some(token) = token else {
            return;
        };
        let issue_repo = self
            .flow
            .config()
            .mirror_repo
            .clone()
            .unwrap_or_else(|| self.repo.clone());
        let task = tokio::spawn(super::approve_when_asked(
            SecondPersonTask {
                api_url: self.api_url.clone(),
                token,
                repo: self.repo.clone(),
                issue_repo,
                incident: id.to_owned(),
                delay,
            },
            self.flow.clock().clone(),
        ));
        lock(&self.approvers).push(task);
    }

    /// True when `incident` was declared on this rehearsal's sandbox.
    pub fn holds(&self, incident: &str) -> bool {
        lock(&self.declared).iter().any(|id| id == incident)
    }

    /// The scenario rehearsed, if any.
    pub fn plan(&self) -> Option<&Scenario> {
        self.plan.as_ref()
    }

    /// The scenario's twist at `step`, if any.
    pub fn twist_at(&self, step: &str) -> Option<super::scenario::TwistKind> {
        self.plan
            .iter()
            .flat_map(|s| &s.twists)
            .find(|t| t.at == step)
            .map(|t| t.what)
    }

    /// Arms the scenario's faults tied to `step`, as that step starts.
    pub fn arm_at_step(&self, step: &str) -> Result<(), DrillError> {
        let specs: Vec<String> = self
            .plan
            .iter()
            .flat_map(|s| &s.faults)
            .filter(|f| matches!(&f.timing, FaultTiming::AtStep(at) if at == step))
            .map(|f| f.spec.clone())
            .collect();
        for spec in specs {
            self.arm(&spec)?;
        }
        Ok(())
    }

    /// Arms the scenario's faults that come after a time, each at its time after this
    /// call; returns once the last is armed.
    pub async fn play_timed_faults(&self) {
        let mut timed: Vec<(std::time::Duration, String)> = self
            .plan
            .iter()
            .flat_map(|s| &s.faults)
            .filter_map(|f| match f.timing {
                FaultTiming::After(after) => Some((after, f.spec.clone())),
                _ => None,
            })
            .collect();
        timed.sort();
        let started = std::time::Instant::now();
        for (after, spec) in timed {
            tokio::time::sleep(after.saturating_sub(started.elapsed())).await;
            // Validated when the scenario was read.
            let _ = self.arm(&spec);
        }
    }

    /// The scorecard of drill `incident` against the drill's runbook, compared with the
    /// earlier runs of its scenario in the drill's log: for the headless report and the
    /// TUI's scorecard screen alike.
    pub fn scorecard(&self, incident: &Incident, verdict: Verdict) -> Scorecard {
        let paths = self.paths();
        let runbook = self
            .flow
            .config()
            .runbook(paths)
            .unwrap_or_else(|_| Runbook::default_github());
        let ledger = LedgerView::read(&paths.audit_log());
        scorecard(incident, &runbook, &ledger.incidents, verdict)
    }

    /// The scorecard screen's model for drill `id`, judged now while its forge can still
    /// be asked; `failed` are the steps that failed as the commander walked it (what they
    /// were told). `None` if the drill cannot be read from the log.
    pub async fn score(&self, id: &str, failed: &[StepTiming]) -> Option<DrillScore> {
        let verdict = self.judge(id).await;
        let incident = self.flow.incident(id).ok()?;
        let requests = self.requests();
        let issue_requests = requests
            .iter()
            .filter(|r| on_the_incident_issue(&format!("{} {} {}", r.method, r.path, r.status)))
            .count();
        let outcome = outcome(Some(&incident), &verdict, failed);
        Some(DrillScore {
            title: self.plan.as_ref().map(|s| s.title.clone()),
            expected: self.plan.as_ref().map(|s| outcome.check(&s.expect)),
            outcome,
            requests: requests.len() - issue_requests,
            issue_requests,
            faults_met: faults_met(&requests),
            scorecard: self.scorecard(&incident, verdict),
        })
    }

    /// Arms one fault on the drill's forge now.
    pub fn arm(&self, spec: &str) -> Result<(), DrillError> {
        let fault = Fault::parse(spec)?;
        if let Some(sandbox) = lock(&self.sandbox).as_ref() {
            sandbox.add_fault(fault);
        }
        Ok(())
    }

    /// A colleague's merge lands on the drill's branch on the forge (the twist
    /// `main-moves`). Returns the new head.
    pub fn move_branch(&self) -> Result<String, DrillError> {
        let path = lock(&self.sandbox)
            .as_ref()
            .map(|s| s.repo_path(&self.repo))
            .ok_or_else(|| DrillError::Clone("the drill's forge is gone".into()))?;
        super::clone::colleague_merges(&path, DRILL_BRANCH)
            .map_err(|e| DrillError::Clone(e.message().to_owned()))
    }

    /// Every request the in-process sandbox answered so far (none once finished); on a
    /// shared sandbox, every REST request this drill's client sent (its git traffic is
    /// not seen).
    pub fn requests(&self) -> Vec<RequestRecord> {
        if self.shared {
            return lock(&self.sent).clone();
        }
        lock(&self.sandbox)
            .as_ref()
            .map(SandboxHandle::request_log)
            .unwrap_or_default()
    }

    /// Ends the drill. Each drill declared here whose glass may still be open is restored
    /// now, since its forge goes away with this process; then each is judged while the
    /// forge can still be asked, and the sandbox stops.
    ///
    /// No detached watchdog backs a drill (the flow is opened without one): it would
    /// outlive the in-process sandbox it must reach, and a temporary home it records
    /// into. The glass is covered while the drill runs by the in-process lease guard
    /// (`Flow::guard_lease`) and at its end by this restore.
    pub async fn finish(&self) -> Vec<Finished> {
        for approver in lock(&self.approvers).drain(..) {
            approver.abort();
        }
        let ids = lock(&self.declared).clone();
        let mut finished = Vec::with_capacity(ids.len());
        for id in ids {
            let restored_at_end = self.close_glass(&id).await;
            finished.push(Finished {
                verdict: self.judge(&id).await,
                incident: self.flow.incident(&id).ok(),
                restored_at_end,
                id,
            });
        }
        // The incident issue lives on this sandbox: let it catch up before the forge goes.
        self.flow.settle_mirror(MIRROR_SETTLE).await;
        let sandbox = lock(&self.sandbox).take();
        if let Some(sandbox) = sandbox {
            sandbox.shutdown().await;
        }
        finished
    }

    async fn close_glass(&self, id: &str) -> Option<String> {
        let open = self
            .flow
            .incident(id)
            .is_ok_and(|incident| incident.glass_possibly_open());
        if !open || !self.forge_running() {
            return None;
        }
        Some(
            match self.flow.restore(id, RestoreTrigger::Interrupt).await {
                Ok(outcome) => outcome.summary(),
                Err(error) => format!("restoring {id} failed: {error}"),
            },
        )
    }

    /// Judges drill `id` by the one rule, with the sandbox's word while it runs.
    pub async fn judge(&self, id: &str) -> Verdict {
        let incident = match self.flow.incident(id) {
            Ok(incident) => incident,
            Err(FlowError::UnknownIncident { .. }) => return Verdict::never_declared(id),
            Err(error) => return Verdict::unreadable(&error.to_string()),
        };
        let evidence = self.evidence(&incident).await;
        judge(&incident, &evidence)
    }

    async fn evidence(&self, incident: &Incident) -> ForgeEvidence {
        let fix_on_branch = {
            let sandbox = lock(&self.sandbox);
            let Some(sandbox) = sandbox.as_ref() else {
                return ForgeEvidence::default();
            };
            incident.pushes.last().map(|push| {
                sandbox.branch_head(&self.repo, &incident.branch).as_deref() == Some(&push.new_sha)
            })
        };
        let read_back_equal = if incident.activation.is_some() && incident.restore.verified {
            Some(
                self.flow
                    .restored_exactly(&incident.id)
                    .await
                    .map_err(|e| e.to_string()),
            )
        } else {
            None
        };
        ForgeEvidence {
            fix_on_branch,
            read_back_equal,
        }
    }

    fn forge_running(&self) -> bool {
        self.shared || lock(&self.sandbox).is_some()
    }
}

/// Records each request a drill's client sends, as the sandbox's own log would.
fn count_into(sent: Arc<Mutex<Vec<RequestRecord>>>, clock: Arc<dyn Clock>) -> RequestObserver {
    Arc::new(move |request: &SentRequest| {
        let mut sent = lock(&sent);
        let answered_before = sent.len();
        sent.push(RequestRecord {
            method: request.method.to_owned(),
            path: request.path.clone(),
            status: request.status,
            duration_ms: 0,
            time: clock.now(),
            user: None,
            fault: None,
            answered_before,
        });
    })
}

/// Clones the seeded repository with the fix and opens the flow on the sandbox;
/// `observer` is told of every request the flow's client sends.
async fn open_flow(
    access: &ForgeAccess,
    paths: Paths,
    clone_dir: &Path,
    clock: Arc<dyn Clock>,
    observer: Option<RequestObserver>,
) -> Result<Flow, DrillError> {
    let token = access.token.clone();
    {
        let (url, token, dir) = (
            access.clone_url.clone(),
            token.clone(),
            clone_dir.to_owned(),
        );
        // Marked as caught, so a panic there is answered by the TUI's effect instead of
        // tearing the terminal out of the alternate screen.
        crate::caught::blocking(move || clone_with_fix(&url, &dir, &token))
            .await
            .map_err(|e| DrillError::Clone(e.message().to_owned()))?;
    }
    let api_url = access.api_url.clone();
    let reviewers = access.reviewers.clone();
    let config = Config {
        api_url: url::Url::parse(&api_url).expect("the sandbox's URL parses"),
        ..Config::default()
    };
    let forge = github_forge_observed(&api_url, token.clone(), clock.clone(), observer)
        .map_err(|e| FlowError::forge("connecting to the sandbox")(e))?;
    Ok(Flow::open(FlowSetup {
        paths,
        config,
        clock,
        forge,
        token: Some(token),
        options: FlowOptions {
            command: "breakglass drill".into(),
            // See `Rehearsal::finish`: a watchdog could not reach this process's sandbox.
            spawn_watchdog: false,
            api_url,
            reviewers,
            mirror: true,
            notify: true,
            ..FlowOptions::default()
        },
    })
    .await?)
}

/// The drill's declaration: the seeded repository, a ticket-linked reason, an id from the
/// injected clock.
fn scenario(setup: &RehearsalSetup, clock: &dyn Clock) -> Declaration {
    let mut id = format!("DRILL-{}", clock.now().format("%Y%m%d-%H%M%S"));
    // Runs of different scenarios in the same second stay apart in one log.
    if let Some(scenario) = &setup.scenario {
        id.push('-');
        id.push_str(&scenario.id);
    }
    Declaration {
        reason: format!("Drill: checkout returns 500 — https://tickets.example.com/{id}"),
        id,
        repo: setup.repo(),
        branch: DRILL_BRANCH.into(),
        ttl: setup.ttl,
        drill: true,
        remote_url: None,
    }
}

/// `declaration` with an id the log does not hold yet: a run of the same scenario in the
/// same second gets `-2`, `-3`, … rather than being refused as already declared.
fn unused_id(flow: &Flow, mut declaration: Declaration) -> Declaration {
    let base = declaration.id.clone();
    let mut n = 1;
    while flow.incident(&declaration.id).is_ok() {
        n += 1;
        declaration.id = format!("{base}-{n}");
    }
    declaration
}

/// A poisoned lock still holds usable data: nothing half-done lives in these.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
