//! The sandbox forge: a GitHub-compatible forge on 127.0.0.1 for drills, tests and
//! benchmarks. It speaks the subset of GitHub's REST API that breakglass uses (same paths,
//! JSON shapes and status codes), serves git over smart HTTP from bare repositories and
//! refuses pushes to protected branches with GitHub's texts.
//!
//! It shares no protection code with the GitHub client or the planner: an independent
//! implementation is what makes it a real test of them.

mod auth;
mod control;
mod drift;
mod enforce;
mod faults;
mod git_http;
mod model;
mod persist;
pub mod policy;
mod reply;
mod repo_git;
mod request_log;
mod rest;
mod scope;
mod seed;
mod server;
pub mod smart_http;

pub use faults::{DriftTrigger, Fault, FaultAction, FaultSpecError, RouteFault};
pub use request_log::{RecordedResponse, RequestRecord};

use crate::clock::{Clock, SystemClock};
use crate::forge::RepoId;
use crate::secret::Secret;
use faults::FaultTable;
use model::ForgeState;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// How to start a sandbox.
#[derive(Clone)]
pub struct SandboxOptions {
    /// Where to listen; loopback only. Port 0 picks a free port.
    pub addr: SocketAddr,
    /// Keep state and repositories here (and reload them on the next start); `None` uses a
    /// temporary directory that is removed on shutdown.
    pub dir: Option<PathBuf>,
    /// Faults armed from the start.
    pub faults: Vec<Fault>,
    pub clock: Arc<dyn Clock>,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dir: None,
            faults: Vec::new(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// A seeded person: login, numeric id, role, and their throwaway sandbox token.
#[derive(Debug, Clone)]
pub struct SandboxUser {
    pub login: String,
    pub id: u64,
    /// `owner` (organisation owner), `admin` or `write`.
    pub role: String,
    pub token: Secret,
}

/// Why the sandbox could not start or do what a handle method asked.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "the sandbox serves on loopback only and {addr} is not a loopback address — use --addr 127.0.0.1:PORT"
    )]
    NotLoopback { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source} — pick a free port with --addr 127.0.0.1:PORT")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot use {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the sandbox state in {path} is not readable ({source}); move the directory aside to start from a fresh seed"
    )]
    CorruptState {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot {what} in the sandbox's git repositories: {source}")]
    Git { what: String, source: git2::Error },
    #[error("cannot apply drift: {0}")]
    Drift(String),
}

/// What every request handler shares.
pub(crate) struct Shared {
    pub state: Mutex<ForgeState>,
    pub base_url: String,
    pub repos_root: PathBuf,
    pub state_file: PathBuf,
    pub clock: Arc<dyn Clock>,
    pub log: Mutex<Vec<RequestRecord>>,
    /// REST answers with their bodies, while recording is on (`None` otherwise).
    pub responses: Mutex<Option<Vec<RecordedResponse>>>,
    pub faults: Mutex<FaultTable>,
    pub control_token: Secret,
    pub shutdown: watch::Receiver<bool>,
    pub rate: Mutex<server::RateWindow>,
    pub request_seq: AtomicU64,
}

impl Shared {
    pub fn repo_path(&self, owner: &str, name: &str) -> PathBuf {
        repo_git::repo_path(&self.repos_root, owner, name)
    }

    /// Saves the REST state; a failure is logged, never fatal to the request that caused it.
    /// The lock is held while writing: a save that cloned first and wrote outside it could
    /// rename an older state over a newer one.
    pub fn persist(&self) {
        let state = self.state.lock().expect("sandbox state lock");
        if let Err(err) = persist::save(&self.state_file, &state) {
            tracing::warn!("sandbox state not saved: {err}");
        }
    }
}

/// Starts sandboxes.
pub struct Sandbox;

impl Sandbox {
    /// Seeds (or reloads from `options.dir`) and starts serving; returns once the port is
    /// bound, so the URLs are usable at once.
    pub async fn start(options: SandboxOptions) -> Result<SandboxHandle, SandboxError> {
        if !options.addr.ip().is_loopback() {
            return Err(SandboxError::NotLoopback { addr: options.addr });
        }
        let (dir, temporary) = match &options.dir {
            Some(d) => (d.clone(), false),
            None => (
                std::env::temp_dir().join(auth::random_token("breakglass-sandbox-")),
                true,
            ),
        };
        std::fs::create_dir_all(&dir).map_err(|source| SandboxError::Io {
            path: dir.clone(),
            source,
        })?;
        let repos_root = dir.join("repos");
        let state = match persist::load(&dir)? {
            Some(mut state) => {
                state.upgrade(options.clock.now());
                state
            }
            None => seed::seed(&repos_root, options.clock.as_ref())?,
        };
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: options.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: options.addr,
            source,
        })?;
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let mut table = FaultTable::default();
        for fault in options.faults {
            table.add(fault);
        }
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            base_url: format!("http://{addr}"),
            repos_root,
            state_file: persist::state_file(&dir),
            clock: options.clock,
            log: Mutex::new(Vec::new()),
            responses: Mutex::new(None),
            faults: Mutex::new(table),
            control_token: Secret::new(auth::random_token("bgc_")),
            shutdown: shutdown_rx.clone(),
            rate: Mutex::new(server::RateWindow::default()),
            request_seq: AtomicU64::new(0),
        });
        shared.persist();
        let router = axum::Router::new()
            .fallback(server::handle)
            .with_state(shared.clone());
        let mut stop = shutdown_rx;
        let server = tokio::spawn(async move {
            let serving = axum::serve(listener, router).with_graceful_shutdown(async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            });
            if let Err(err) = serving.await {
                tracing::error!("sandbox server stopped: {err}");
            }
        });
        Ok(SandboxHandle {
            shared,
            addr,
            dir,
            temporary,
            shutdown_tx,
            server: Some(server),
        })
    }
}

/// A running sandbox. Dropping it stops the server; [`SandboxHandle::shutdown`] waits for
/// that and removes a temporary directory.
pub struct SandboxHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    dir: PathBuf,
    temporary: bool,
    shutdown_tx: watch::Sender<bool>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl SandboxHandle {
    /// The REST API root, like `https://api.github.com`: `http://127.0.0.1:PORT`.
    pub fn api_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The root of the git smart HTTP service: `http://127.0.0.1:PORT/git`.
    pub fn git_url(&self) -> String {
        format!("{}/git", self.shared.base_url)
    }

    /// `http://127.0.0.1:PORT/git/OWNER/NAME.git`.
    pub fn clone_url(&self, repo: &RepoId) -> String {
        format!("{}/{}/{}.git", self.git_url(), repo.owner, repo.name)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The directory holding the state file and the bare repositories.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The bare repository behind `repo` (it may not exist for an unknown repo).
    pub fn repo_path(&self, repo: &RepoId) -> PathBuf {
        self.shared.repo_path(&repo.owner, &repo.name)
    }

    /// The seeded people with their tokens.
    pub fn users(&self) -> Vec<SandboxUser> {
        let state = self.shared.state.lock().expect("sandbox state lock");
        state
            .users
            .iter()
            .map(|u| SandboxUser {
                login: u.login.clone(),
                id: u.id,
                role: u.role.clone(),
                token: Secret::new(u.token.clone()),
            })
            .collect()
    }

    pub fn user(&self, login: &str) -> Option<SandboxUser> {
        self.users().into_iter().find(|u| u.login == login)
    }

    /// A seeded user's token; panics on an unknown login (a test's typo).
    pub fn token(&self, login: &str) -> Secret {
        self.user(login)
            .unwrap_or_else(|| panic!("no sandbox user {login}"))
            .token
    }

    pub fn repos(&self) -> Vec<RepoId> {
        let state = self.shared.state.lock().expect("sandbox state lock");
        state
            .repos
            .iter()
            .map(|r| RepoId::new(&r.owner, &r.name))
            .collect()
    }

    /// The token that authorises `/_sandbox/…` (faults, request log, drift).
    pub fn control_token(&self) -> Secret {
        self.shared.control_token.clone()
    }

    /// Every request answered so far, oldest first (`/_sandbox/…` excluded).
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.shared.log.lock().expect("request log lock").clone()
    }

    /// From now on, keeps every REST answer with its JSON body (for schema checks); off by
    /// default, since a long drill would hold every body in memory.
    pub fn record_responses(&self) {
        let mut responses = self.shared.responses.lock().expect("response log lock");
        responses.get_or_insert_with(Vec::new);
    }

    /// The REST answers kept since [`SandboxHandle::record_responses`], oldest first.
    pub fn recorded_responses(&self) -> Vec<RecordedResponse> {
        let responses = self.shared.responses.lock().expect("response log lock");
        responses.clone().unwrap_or_default()
    }

    pub fn clear_request_log(&self) {
        self.shared.log.lock().expect("request log lock").clear();
    }

    pub fn add_fault(&self, fault: Fault) {
        self.shared.faults.lock().expect("fault lock").add(fault);
    }

    pub fn clear_faults(&self) {
        self.shared.faults.lock().expect("fault lock").clear();
    }

    /// The armed faults with their remaining counts.
    pub fn faults(&self) -> Vec<Fault> {
        self.shared.faults.lock().expect("fault lock").list()
    }

    /// The branch's classic protection exactly as `GET …/protection` would show it to an
    /// admin, read straight from state; `None` when the branch is not protected.
    pub fn classic_protection(&self, repo: &RepoId, branch: &str) -> Option<serde_json::Value> {
        let state = self.shared.state.lock().expect("sandbox state lock");
        let record = &state.repos[state.repo_index(&repo.owner, &repo.name)?];
        let protection = record.protections.get(branch)?;
        Some(rest::protection_shape::render(
            &self.shared.base_url,
            &state,
            record,
            branch,
            protection,
        ))
    }

    /// The repository's own rulesets as an admin sees them (`GET …/rulesets/{id}`).
    pub fn rulesets(&self, repo: &RepoId) -> Vec<serde_json::Value> {
        let state = self.shared.state.lock().expect("sandbox state lock");
        let Some(index) = state.repo_index(&repo.owner, &repo.name) else {
            return Vec::new();
        };
        state.repos[index]
            .rulesets
            .iter()
            .map(|r| rest::rulesets::render_full(&self.shared.base_url, r, true, None))
            .collect()
    }

    /// Someone edits the protection mid-window: the required approving review count of
    /// the branch's classic protection (or of its first covering repository ruleset)
    /// becomes 2. Returns what was changed, in words.
    pub fn apply_drift(&self, repo: &RepoId, branch: &str) -> Result<String, SandboxError> {
        let done = {
            let mut state = self.shared.state.lock().expect("sandbox state lock");
            drift::apply(
                &mut state,
                &repo.to_string(),
                branch,
                self.shared.clock.now(),
            )
        };
        self.shared.persist();
        done.map_err(SandboxError::Drift)
    }

    /// What GitHub's web UI can leave and no REST body can write: the branch's review
    /// lists kept with nobody in them ("Restrict who can dismiss pull request reviews"
    /// ticked, nobody chosen). `dismissal` and `bypass` pick the lists. `false` when the
    /// branch has no required reviews.
    pub fn list_nobody_in_reviews(
        &self,
        repo: &RepoId,
        branch: &str,
        dismissal: bool,
        bypass: bool,
    ) -> bool {
        let changed = {
            let mut state = self.shared.state.lock().expect("sandbox state lock");
            let Some(index) = state.repo_index(&repo.owner, &repo.name) else {
                return false;
            };
            let reviews = state.repos[index]
                .protections
                .get_mut(branch)
                .and_then(|p| p.required_pull_request_reviews.as_mut());
            let Some(reviews) = reviews else {
                return false;
            };
            if dismissal {
                reviews.dismissal_restrictions = Some(model::Actors::default());
            }
            if bypass {
                reviews.bypass_pull_request_allowances = Some(model::Actors::default());
            }
            true
        };
        self.shared.persist();
        changed
    }

    /// The commit `refs/heads/BRANCH` points at.
    pub fn branch_head(&self, repo: &RepoId, branch: &str) -> Option<String> {
        repo_git::branch_sha(&self.repo_path(repo), branch)
    }

    /// Stops serving, waits for the server to finish and removes a temporary directory.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), server).await;
        }
        self.remove_temporary_dir();
    }

    fn remove_temporary_dir(&self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(server) = self.server.take() {
            server.abort();
        }
        self.remove_temporary_dir();
    }
}
