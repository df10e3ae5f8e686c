//! `FlowEffects`: the real [`Effects`] — every command runs in a tokio task calling the
//! flow (forge and git work included) and comes back as its `Msg`; after each effect, and
//! whenever the audit log changes on disk (another process: the watchdog, a headless
//! command), the log is re-read and fresh home, checklist and timeline snapshots are sent.
//!
//! The render loop never waits on any of it: `perform` only spawns.

mod connection;
mod drill;
mod failure;
mod outgoing;
mod review;
pub mod setup;
mod snapshot;
mod steps;

pub use connection::{Connection, RealForge};
pub use drill::DrillSession;
pub use failure::Failure;
pub use review::{drafts_dir, facts_for, form_for_export, load_or_prefill, submit};
pub use snapshot::{LogWatch, fold_all};

use super::command::Command;
use super::event_loop::Effects;
use super::msg::Msg;
use super::task_panic;
use crate::clock::Clock;
use crate::drill::RehearsalSetup;
use crate::paths::Paths;
use crate::runbook::Runbook;
use review::DraftWriter;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// How often the audit log's length and modification time are looked at.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// The flow behind the TUI. Cheap to clone: clones share one state.
#[derive(Clone)]
pub struct FlowEffects {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for FlowEffects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowEffects")
            .field("paths", &self.shared.paths)
            .finish_non_exhaustive()
    }
}

struct Shared {
    paths: Paths,
    runbook: Runbook,
    clock: Arc<dyn Clock>,
    real: RealForge,
    /// The drills started in this TUI, oldest first; the last is the one a drill
    /// declaration goes to.
    drills: Mutex<Vec<Arc<DrillSession>>>,
    drill_setup: RehearsalSetup,
    /// Where the team's own drill scenarios are (`drills/` in the config directory).
    scenarios_dir: std::path::PathBuf,
    watch: Mutex<LogWatch>,
    /// The incident on screen: the one `IncidentChanged` is sent for.
    focus: Mutex<Option<String>>,
    /// Incidents whose lease this process guards (restores at the deadline).
    guarded: Mutex<HashSet<String>>,
    drafts: DraftWriter,
    /// Commands to perform as soon as the loop starts (e.g. loading a review form).
    initial: Mutex<Vec<Command>>,
}

impl FlowEffects {
    /// Effects recording into `paths`' audit log, acting through `real` (and through a
    /// drill session once one is started).
    pub fn new(paths: Paths, runbook: Runbook, clock: Arc<dyn Clock>, real: RealForge) -> Self {
        let watch =
            Mutex::new(LogWatch::new(paths.audit_log()).with_mirror_state(paths.state_dir.clone()));
        let scenarios_dir = paths.config_dir.join("drills");
        FlowEffects {
            shared: Arc::new(Shared {
                paths,
                runbook,
                clock,
                real,
                drills: Mutex::new(Vec::new()),
                drill_setup: RehearsalSetup::default(),
                scenarios_dir,
                watch,
                focus: Mutex::new(None),
                guarded: Mutex::new(HashSet::new()),
                drafts: DraftWriter::default(),
                initial: Mutex::new(Vec::new()),
            }),
        }
    }

    /// How `d` (start a drill) sets the sandbox up; it records into these effects' log.
    pub fn with_drill_setup(mut self, setup: RehearsalSetup) -> Self {
        Arc::get_mut(&mut self.shared)
            .expect("configured before it is shared")
            .drill_setup = setup;
        self
    }

    /// A drill session already started (`breakglass drill`).
    pub fn with_drill(self, session: Arc<DrillSession>) -> Self {
        lock(&self.shared.drills).push(session);
        self
    }

    /// Where `d`'s picker finds the team's own scenarios (default: `drills/` in the
    /// config directory of these effects' paths).
    pub fn with_scenarios_dir(mut self, dir: std::path::PathBuf) -> Self {
        Arc::get_mut(&mut self.shared)
            .expect("configured before it is shared")
            .scenarios_dir = dir;
        self
    }

    /// Commands performed as the loop starts.
    pub fn with_initial_commands(self, commands: Vec<Command>) -> Self {
        *lock(&self.shared.initial) = commands;
        self
    }

    /// The drill sessions started, oldest first.
    pub fn drill_sessions(&self) -> Vec<Arc<DrillSession>> {
        lock(&self.shared.drills).clone()
    }
}

impl Effects for FlowEffects {
    fn perform(&mut self, command: Command, results: UnboundedSender<Msg>) {
        if command == Command::Quit {
            return;
        }
        let shared = self.shared.clone();
        tokio::spawn(async move {
            let refresh = steps::changes_the_log(&command);
            let effect = steps::effect_name(&command);
            let msgs = task_panic::answer(effect, steps::perform(&shared, command, &results)).await;
            for msg in msgs {
                let _ = results.send(msg);
            }
            if refresh {
                send_snapshots(&shared, &results).await;
            }
        });
    }

    fn start(&mut self, results: UnboundedSender<Msg>) {
        let shared = self.shared.clone();
        let initial = std::mem::take(&mut *lock(&shared.initial));
        for command in initial {
            self.perform(command, results.clone());
        }
        tokio::spawn(async move {
            send_snapshots(&shared, &results).await;
            let mut every = tokio::time::interval(WATCH_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                every.tick().await;
                if results.is_closed() {
                    break;
                }
                if lock(&shared.watch).changed() {
                    send_snapshots(&shared, &results).await;
                    catch_up_mirrors(&shared);
                }
            }
        });
    }
}

/// The log grew (from any process, or the review form written outside the flow): let the
/// connected flows' mirrors bring the incident issues up to it. Returns at once.
fn catch_up_mirrors(shared: &Arc<Shared>) {
    let flows: Vec<Arc<crate::flow::Flow>> = shared
        .real
        .connected()
        .map(|c| c.flow.clone())
        .into_iter()
        .chain(
            lock(&shared.drills)
                .iter()
                .map(|d| d.connection.flow.clone()),
        )
        .collect();
    if !flows.is_empty() {
        // Reading the log blocks: off the async threads.
        tokio::task::spawn_blocking(move || flows.iter().for_each(|f| f.catch_up_mirror()));
    }
}

/// Re-reads the log (off the async threads) and sends the snapshots.
async fn send_snapshots(shared: &Arc<Shared>, results: &UnboundedSender<Msg>) {
    let reader = shared.clone();
    let msgs = tokio::task::spawn_blocking(move || {
        crate::caught::catch_blocking(|| {
            let focus = lock(&reader.focus).clone();
            let now = reader.clock.now();
            lock(&reader.watch).refresh(&reader.runbook, focus.as_deref(), now)
        })
    })
    .await
    .map_err(|join| join.to_string())
    .and_then(|caught| caught)
    .unwrap_or_else(|panic| {
        tracing::error!(panic, "re-reading the audit log panicked");
        Vec::new()
    });
    for msg in msgs {
        let _ = results.send(msg);
    }
}

/// A poisoned lock still holds usable data (the file is the truth; nothing half-done
/// lives in these).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests;
