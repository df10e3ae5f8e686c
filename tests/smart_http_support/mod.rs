//! A git smart HTTP server for tests: real axum routes on 127.0.0.1:0 wired to
//! `forge::sandbox::smart_http`, with a policy the test sets, optional token auth the way
//! the sandbox forge does it (HTTP Basic, password = token), and helpers that build real
//! repositories with git2 and run the git command line in an isolated environment.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use breakglass::forge::sandbox::smart_http::{self, RefUpdate, Service, Verdict};
use git2::{Oid, Repository, Signature, Time};

pub type Policy = Box<dyn FnMut(&RefUpdate) -> Verdict + Send>;

struct ServerState {
    root: PathBuf,
    token: Option<String>,
    policy: Mutex<Policy>,
    seen: Mutex<Vec<RefUpdate>>,
    unauthorized: Mutex<u32>,
}

/// A running server; dropping it drops the runtime, which stops the server.
pub struct GitServer {
    _runtime: tokio::runtime::Runtime,
    pub base_url: String,
    pub root: tempfile::TempDir,
    state: Arc<ServerState>,
}

pub fn allow_all() -> Policy {
    Box::new(|_| Verdict::Allow {
        remote_lines: Vec::new(),
    })
}

impl GitServer {
    pub fn start(token: Option<&str>) -> GitServer {
        let root = tempfile::tempdir().unwrap();
        let state = Arc::new(ServerState {
            root: root.path().to_owned(),
            token: token.map(str::to_owned),
            policy: Mutex::new(allow_all()),
            seen: Mutex::new(Vec::new()),
            unauthorized: Mutex::new(0),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let app = Router::new()
            .route("/git/{owner}/{repo}/info/refs", get(info_refs))
            .route("/git/{owner}/{repo}/git-upload-pack", post(upload_pack))
            .route("/git/{owner}/{repo}/git-receive-pack", post(receive_pack))
            .layer(DefaultBodyLimit::disable())
            .with_state(state.clone());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        GitServer {
            _runtime: runtime,
            base_url: format!("http://{addr}/git"),
            root,
            state,
        }
    }

    pub fn url(&self, owner: &str, name: &str) -> String {
        format!("{}/{owner}/{name}.git", self.base_url)
    }

    pub fn repo_path(&self, owner: &str, name: &str) -> PathBuf {
        self.root.path().join(owner).join(format!("{name}.git"))
    }

    /// A bare repository on the server whose `main` holds one commit with `README`.
    pub fn seed(&self, owner: &str, name: &str) -> (Repository, Oid) {
        let repo = self.empty_repo(owner, name);
        let head = commit_file(
            &repo,
            Some("refs/heads/main"),
            &[],
            "README",
            "hello\n",
            "Initial commit",
        );
        (repo, head)
    }

    pub fn empty_repo(&self, owner: &str, name: &str) -> Repository {
        let path = self.repo_path(owner, name);
        Repository::init_opts(
            &path,
            git2::RepositoryInitOptions::new()
                .bare(true)
                .initial_head("main"),
        )
        .unwrap()
    }

    pub fn set_policy(&self, policy: Policy) {
        *self.state.policy.lock().unwrap() = policy;
    }

    /// Every ref update the policy was asked about, in order.
    pub fn seen(&self) -> Vec<RefUpdate> {
        self.state.seen.lock().unwrap().clone()
    }

    /// How many requests were answered 401.
    pub fn unauthorized(&self) -> u32 {
        *self.state.unauthorized.lock().unwrap()
    }
}

fn repo_dir(state: &ServerState, owner: &str, repo: &str) -> Option<PathBuf> {
    let safe = |s: &str| !s.is_empty() && !s.contains("..") && !s.contains('/');
    (safe(owner) && safe(repo)).then(|| state.root.join(owner).join(repo))
}

fn authorized(state: &ServerState, headers: &HeaderMap) -> bool {
    let Some(token) = &state.token else {
        return true;
    };
    let ok = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .is_some_and(|pair| pair.split_once(':').is_some_and(|(_, pass)| pass == token));
    if !ok {
        *state.unauthorized.lock().unwrap() += 1;
    }
    ok
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::WWW_AUTHENTICATE,
            "Basic realm=\"breakglass-sandbox\"",
        )],
        "authentication required",
    )
        .into_response()
}

fn git_response(service: Service, advertisement: bool, body: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                smart_http::content_type(service, advertisement),
            ),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

fn server_error(error: impl std::fmt::Display) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response()
}

#[derive(serde::Deserialize)]
struct ServiceQuery {
    service: String,
}

async fn info_refs(
    State(state): State<Arc<ServerState>>,
    UrlPath((owner, repo)): UrlPath<(String, String)>,
    Query(query): Query<ServiceQuery>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&state, &headers) {
        return unauthorized();
    }
    let (Some(dir), Some(service)) = (
        repo_dir(&state, &owner, &repo),
        Service::from_name(&query.service),
    ) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match smart_http::advertise(&dir, service) {
        Ok(body) => git_response(service, true, body),
        Err(e) => server_error(e),
    }
}

async fn upload_pack(
    State(state): State<Arc<ServerState>>,
    UrlPath((owner, repo)): UrlPath<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorized(&state, &headers) {
        return unauthorized();
    }
    let Some(dir) = repo_dir(&state, &owner, &repo) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match smart_http::upload_pack(&dir, body).await {
        Ok(out) => git_response(Service::UploadPack, false, out),
        Err(e) => server_error(e),
    }
}

async fn receive_pack(
    State(state): State<Arc<ServerState>>,
    UrlPath((owner, repo)): UrlPath<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorized(&state, &headers) {
        return unauthorized();
    }
    let Some(dir) = repo_dir(&state, &owner, &repo) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let result = tokio::task::spawn_blocking(move || {
        let mut policy = state.policy.lock().unwrap();
        smart_http::receive_pack(&dir, &body, &mut |update| {
            state.seen.lock().unwrap().push(update.clone());
            policy(update)
        })
    })
    .await
    .unwrap();
    match result {
        Ok(out) => git_response(Service::ReceivePack, false, out),
        Err(smart_http::SmartHttpError::MalformedRequest(e)) => {
            (StatusCode::BAD_REQUEST, e).into_response()
        }
        Err(e) => server_error(e),
    }
}

/// A fixed signature so that tests can compare authors and dates exactly.
pub fn signature(name: &str, seconds: i64) -> Signature<'static> {
    Signature::new(
        name,
        &format!("{}@example.com", name.to_lowercase()),
        &Time::new(seconds, 120),
    )
    .unwrap()
}

/// Commits `path = content` on top of `parents` (the first parent's tree), updating
/// `update_ref` if given.
pub fn commit_file(
    repo: &Repository,
    update_ref: Option<&str>,
    parents: &[Oid],
    path: &str,
    content: &str,
    message: &str,
) -> Oid {
    let parent_commits: Vec<git2::Commit> = parents
        .iter()
        .map(|p| repo.find_commit(*p).unwrap())
        .collect();
    let base_tree = parent_commits.first().map(|c| c.tree().unwrap());
    let blob = repo.blob(content.as_bytes()).unwrap();
    let mut builder = repo.treebuilder(base_tree.as_ref()).unwrap();
    builder.insert(path, blob, 0o100644).unwrap();
    let tree = repo.find_tree(builder.write().unwrap()).unwrap();
    let author = signature(
        "Ada",
        1_700_000_000 + parents.len() as i64 * 60 + content.len() as i64,
    );
    let committer = signature("Grace", 1_700_000_500 + content.len() as i64);
    let parent_refs: Vec<&git2::Commit> = parent_commits.iter().collect();
    repo.commit(
        update_ref,
        &author,
        &committer,
        message,
        &tree,
        &parent_refs,
    )
    .unwrap()
}

/// Runs the git command line in `dir` with no user or system configuration, no prompts and
/// a fixed identity; returns (success, stdout, stderr).
pub fn git_cli(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let home = dir.parent().unwrap_or(dir).join("git-cli-home");
    std::fs::create_dir_all(&home).unwrap();
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", "Cli")
        .env("GIT_AUTHOR_EMAIL", "cli@example.com")
        .env("GIT_COMMITTER_NAME", "Cli")
        .env("GIT_COMMITTER_EMAIL", "cli@example.com")
        .env_remove("GIT_DIR")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A fresh git2 clone of `url` in a new temporary directory.
pub fn clone_git2(url: &str) -> (tempfile::TempDir, Repository) {
    let dir = tempfile::tempdir().unwrap();
    let repo = git2::build::RepoBuilder::new()
        .clone(url, &dir.path().join("work"))
        .unwrap();
    (dir, repo)
}
