//! The [`Flow`] value: paths, configuration, the audit log, the forge, the clock and the
//! actor, plus the small steps that need nothing else (listing incidents, ticking a manual
//! step, extending the lease). The effectful steps live in their own modules.

use super::error::FlowError;
use super::ledger::LedgerView;
use super::lock::IncidentLock;
use super::recorder::Recorder;
use crate::audit::AuditLog;
use crate::clock::Clock;
use crate::config::Config;
use crate::forge::github::{Sleeper, TokioSleeper};
use crate::forge::plan::RelaxPlan;
use crate::forge::port::Forge;
use crate::incident::{Incident, IncidentEvent};
use crate::paths::Paths;
use crate::secret::Secret;
use chrono::Duration;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// How a flow behaves beyond the configuration.
#[derive(Debug, Clone)]
pub struct FlowOptions {
    /// What the per-incident lock says holds it, e.g. `breakglass push`.
    pub command: String,
    /// Start the detached watchdog at activation (the binary's `watchdog` subcommand).
    pub spawn_watchdog: bool,
    /// The program to start as the watchdog; `None`: this executable.
    pub watchdog_program: Option<PathBuf>,
    /// `BREAKGLASS_HOME` for the watchdog; `None`: it inherits this process's environment.
    pub home: Option<PathBuf>,
    /// The forge API URL this flow talks to: recorded in `declared` (binding the incident
    /// to it) and given to the watchdog.
    pub api_url: String,
    /// How recovery reaches an incident bound to another forge; `None`: it reports such an
    /// incident instead of restoring it.
    pub other_forges: Option<super::binding::ForgeConnector>,
    /// Logins asked to review the retroactive review's pull request.
    pub reviewers: Vec<String>,
    /// Restore attempts a one-shot command makes (the guards never stop trying); the
    /// pauses between them follow [`crate::incident::RESTORE_RETRY`].
    pub restore_attempts: u32,
    /// The login events are recorded as, when the caller already knows it (the watchdog
    /// is told its parent's, so it asks the forge nothing while the glass is open);
    /// `None`: ask the forge who the token belongs to.
    pub actor: Option<String>,
    /// How the flow waits between restore attempts (tests advance a fake clock instead).
    pub sleeper: FlowSleeper,
    /// Keep each incident's issue on the forge current (`crate::mirror`) after every
    /// append, in the background. The binary's commands, the TUI and drills turn it on.
    pub mirror: bool,
    /// Post `[notify] webhooks` notifications after telling appends, in the background.
    pub notify: bool,
}

/// The flow's way to wait: real time unless a test injects another.
#[derive(Clone)]
pub struct FlowSleeper(pub Arc<dyn Sleeper>);

impl Default for FlowSleeper {
    fn default() -> Self {
        FlowSleeper(Arc::new(TokioSleeper))
    }
}

impl std::fmt::Debug for FlowSleeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FlowSleeper")
    }
}

impl Default for FlowOptions {
    fn default() -> Self {
        FlowOptions {
            command: "breakglass".into(),
            spawn_watchdog: true,
            watchdog_program: None,
            home: None,
            api_url: crate::config::DEFAULT_API_URL.into(),
            other_forges: None,
            reviewers: Vec::new(),
            restore_attempts: 3,
            actor: None,
            sleeper: FlowSleeper::default(),
            mirror: false,
            notify: false,
        }
    }
}

/// Everything a flow is built from.
pub struct FlowSetup {
    pub paths: Paths,
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    pub forge: Arc<dyn Forge>,
    /// The operator's token, for git pushes and the watchdog; never stored or shown.
    pub token: Option<Secret>,
    pub options: FlowOptions,
}

/// The orchestrator. Cheap to share behind an `Arc`; every method takes `&self`.
pub struct Flow {
    pub(super) paths: Paths,
    pub(super) config: Config,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) forge: Arc<dyn Forge>,
    pub(super) token: Option<Secret>,
    pub(super) recorder: Recorder,
    pub(super) options: FlowOptions,
    /// Plans made by preflight in this process, so activate applies exactly what the
    /// operator was shown (another process re-runs preflight instead).
    pub(super) plans: Mutex<HashMap<String, RelaxPlan>>,
    /// The incident issues' mirror, when the options ask for it.
    pub(super) mirror: Option<Arc<crate::mirror::Mirror>>,
    /// The webhooks' notifier, when the options ask for it and webhooks are configured.
    pub(super) notifier: Option<Arc<crate::notify::Notifier>>,
    /// The approval comments this process has judged, so each is judged once.
    pub(super) approval_watches: super::approval::Watches,
}

impl std::fmt::Debug for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flow")
            .field("actor", &self.recorder.actor())
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

impl Flow {
    /// Opens the audit log (creating it if needed, verifying the chain) and, unless the
    /// options name it, asks the forge who the token belongs to: that login is the actor
    /// of every event.
    pub async fn open(setup: FlowSetup) -> Result<Flow, FlowError> {
        setup.paths.ensure()?;
        let log = AuditLog::open(setup.paths.audit_log(), setup.clock.clone())
            .map_err(FlowError::audit("opening the log"))?;
        let actor = match &setup.options.actor {
            Some(actor) => actor.clone(),
            None => {
                let identity = setup.forge.identity().await.map_err(FlowError::forge(
                    "asking the forge who the token belongs to",
                ))?;
                identity.login
            }
        };
        let mut recorder = Recorder::new(log, crate::text::sanitize_line(&actor));
        let mirror = setup.options.mirror.then(|| {
            crate::mirror::Mirror::new(
                setup.forge.clone(),
                setup.options.api_url.clone(),
                setup.config.clone(),
                &setup.paths,
                setup.clock.clone(),
                setup.options.sleeper.0.clone(),
            )
        });
        let notifier = if setup.options.notify {
            crate::notify::Notifier::new(
                setup.config.notify_webhooks.clone(),
                setup.paths.audit_log(),
                setup.paths.state_dir.clone(),
                setup.clock.clone(),
                setup.options.sleeper.0.clone(),
            )
        } else {
            None
        };
        if mirror.is_some() || notifier.is_some() {
            let (nudged, told) = (mirror.clone(), notifier.clone());
            recorder.set_after_append(Box::new(move |id, record| {
                if let Some(mirror) = &nudged {
                    mirror.nudge(id);
                }
                if let Some(notifier) = &told {
                    notifier.after_append(id, record);
                }
            }));
        }
        if let Some(notifier) = &notifier {
            notifier.watch_open_leases();
        }
        let flow = Flow {
            paths: setup.paths,
            config: setup.config,
            clock: setup.clock,
            forge: setup.forge,
            token: setup.token,
            recorder,
            options: setup.options,
            plans: Mutex::new(HashMap::new()),
            mirror,
            notifier,
            approval_watches: Default::default(),
        };
        flow.catch_up_mirror();
        Ok(flow)
    }

    /// Nudges the mirror for every incident whose issue is behind the log, as this
    /// machine last learnt (a fresh machine knows nothing yet: every incident).
    pub fn catch_up_mirror(&self) {
        let Some(mirror) = &self.mirror else {
            return;
        };
        let Ok(records) = crate::audit::read_verified(&self.paths.audit_log()) else {
            return;
        };
        let bound_here = |i: &Incident| {
            i.api_url
                .as_deref()
                .is_some_and(|bound| super::binding::same_forge(bound, &self.options.api_url))
        };
        for incident in self.ledger().incidents.into_iter().filter(bound_here) {
            let (_, behind) =
                crate::mirror::behind_by(&self.paths.state_dir, &records, &incident.id);
            if behind > 0 {
                mirror.nudge(&incident.id);
            }
        }
    }

    /// Gives background mirror syncs up to `limit` to finish (a command calls this before
    /// exiting); true when nothing is left running. Never fails: what is left is caught up
    /// by the next command.
    pub async fn settle_mirror(&self, limit: std::time::Duration) -> bool {
        match &self.mirror {
            Some(mirror) => mirror.settle(limit).await,
            None => true,
        }
    }

    /// The notifier, when webhooks are configured (the approval flow sends its request
    /// through it).
    pub fn notifier(&self) -> Option<&Arc<crate::notify::Notifier>> {
        self.notifier.as_ref()
    }

    /// The mirror, when this flow keeps one.
    pub fn mirror(&self) -> Option<&Arc<crate::mirror::Mirror>> {
        self.mirror.as_ref()
    }

    /// Who `open_review` asks to review (the actor is never asked to review themselves).
    pub fn set_reviewers(&mut self, reviewers: Vec<String>) {
        self.options.reviewers = reviewers;
    }

    /// The forge login every event is recorded as.
    pub fn actor(&self) -> &str {
        self.recorder.actor()
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn forge(&self) -> &Arc<dyn Forge> {
        &self.forge
    }

    /// The ledger: every incident, the unreadable ones and the chain's state.
    pub fn ledger(&self) -> LedgerView {
        self.recorder.ledger()
    }

    /// One incident as its events say now.
    pub fn incident(&self, id: &str) -> Result<Incident, FlowError> {
        self.recorder.load(id)
    }

    /// The incident a command means: `id` when given, else the only one not closed whose
    /// glass may be open or that is still in progress.
    pub fn resolve_incident(&self, id: Option<&str>) -> Result<String, FlowError> {
        if let Some(id) = id {
            return Ok(id.to_owned());
        }
        let ledger = self.ledger();
        let open = ledger.candidates(is_in_progress)?;
        match open.as_slice() {
            // An unreadable incident may be the one meant: name it rather than say "none".
            [] => match ledger.unreadable.first() {
                Some(unreadable) => Err(FlowError::IncidentUnreadable {
                    id: unreadable.id.clone(),
                    why: unreadable.why.clone(),
                }),
                None => Err(FlowError::NoOpenIncident),
            },
            [one] => Ok(one.clone()),
            many => Err(FlowError::SeveralOpen {
                ids: many.join(", "),
            }),
        }
    }

    /// Records that a manual runbook step was done.
    pub async fn tick_step(
        &self,
        id: &str,
        step: &str,
        note: Option<String>,
    ) -> Result<Incident, FlowError> {
        let _lock = self.lock(id)?;
        self.recorder.load(id)?;
        self.recorder.record(
            id,
            &IncidentEvent::StepDone {
                step: crate::text::sanitize_line(step),
                note: note.map(|n| crate::text::sanitize_line(&n)),
            },
        )?;
        self.recorder.load(id)
    }

    /// Moves the lease's deadline `by` later, within the cap, for a stated reason.
    pub async fn extend_lease(
        &self,
        id: &str,
        by: Duration,
        reason: &str,
    ) -> Result<Incident, FlowError> {
        let _lock = self.lock(id)?;
        let incident = self.recorder.load(id)?;
        let Some(lease) = incident.lease.filter(|_| incident.glass_possibly_open()) else {
            return Err(FlowError::WrongPhase {
                id: incident.id,
                phase: incident.phase,
                action: "extend its lease",
                hint: "only an open glass has a lease",
            });
        };
        let reason = crate::text::sanitize_line(reason.trim());
        if reason.is_empty() {
            return Err(FlowError::ExtensionNeedsReason { id: incident.id });
        }
        let extended = lease.extend(lease.deadline + by)?;
        self.recorder.record(
            id,
            &IncidentEvent::LeaseExtended {
                deadline: extended.deadline,
                reason,
            },
        )?;
        self.recorder.load(id)
    }

    /// Takes incident `id`'s lock for this process's command, refusing an incident bound
    /// to another forge than this flow's (every step that acts on an incident takes it).
    pub(super) fn lock(&self, id: &str) -> Result<IncidentLock, FlowError> {
        let lock = IncidentLock::acquire(&self.paths.state_dir, id, &self.options.command)?;
        if let Some(incident) = self.recorder.find(id)? {
            self.check_bound(&incident)?;
        }
        Ok(lock)
    }
}

/// Declared and not yet finished: the glass may be open, or the flow has not restored yet.
pub fn is_in_progress(incident: &Incident) -> bool {
    use crate::incident::Phase;
    incident.glass_possibly_open() || matches!(incident.phase, Phase::Declared | Phase::Preflighted)
}

/// The GitHub forge for `api_url` with `token`; mutations are spaced as GitHub asks,
/// except on loopback (a sandbox forge has no secondary rate limits).
pub fn github_forge(
    api_url: &str,
    token: Secret,
    clock: Arc<dyn Clock>,
) -> Result<Arc<dyn Forge>, crate::forge::github::ForgeError> {
    github_forge_observed(api_url, token, clock, None)
}

/// [`github_forge`], telling `observer` of every request it sends (a drill against a
/// shared sandbox counts its own requests this way).
pub fn github_forge_observed(
    api_url: &str,
    token: Secret,
    clock: Arc<dyn Clock>,
    observer: Option<crate::forge::github::RequestObserver>,
) -> Result<Arc<dyn Forge>, crate::forge::github::ForgeError> {
    use crate::forge::github::ClientOptions;
    use crate::forge::github_forge::{GitHubForge, GitHubForgeOptions};
    let loopback = url::Url::parse(api_url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| matches!(h, "127.0.0.1" | "localhost" | "[::1]"))
        })
        .unwrap_or(false);
    let mut options = if loopback {
        GitHubForgeOptions::unspaced()
    } else {
        GitHubForgeOptions::default()
    };
    options.clock = clock.clone();
    let client_options = ClientOptions {
        clock,
        observer,
        ..ClientOptions::default()
    };
    Ok(Arc::new(GitHubForge::connect(
        api_url,
        token,
        client_options,
        options,
    )?))
}
