//! The HTTP front: one handler for every request that authenticates the caller, checks
//! the API version, performs injected faults, routes to the REST API, the git service or
//! the control API, and adds GitHub's common headers and a request-log record.
//!
//! What each endpoint does lives in `rest`, `git_http` and `control`.

use super::Shared;
use super::faults::{FaultAction, RouteFault};
use super::reply::{Reply, ReplyBody};
use super::request_log::{RecordedResponse, RequestRecord, redact_query};
use super::rest::{Caller, RestRequest};
use super::{auth, control, git_http, rest};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const RATE_LIMIT: u64 = 5000;
const SUPPORTED_API_VERSIONS: [&str; 2] = ["2022-11-28", "2026-03-10"];
const MAX_BODY: usize = 512 * 1024 * 1024;

/// The primary rate-limit window: an hour from the first request, per login.
#[derive(Debug, Default)]
pub struct RateWindow {
    started: Option<DateTime<Utc>>,
    used: HashMap<String, u64>,
}

impl RateWindow {
    /// Counts one request and returns (remaining, used, reset epoch seconds).
    fn count(&mut self, who: &str, now: DateTime<Utc>) -> (u64, u64, i64) {
        let started = *self.started.get_or_insert(now);
        let started = if now - started >= chrono::Duration::hours(1) {
            self.used.clear();
            self.started = Some(now);
            now
        } else {
            started
        };
        let used = self.used.entry(who.to_owned()).or_insert(0);
        *used += 1;
        let reset = (started + chrono::Duration::hours(1)).timestamp();
        (RATE_LIMIT.saturating_sub(*used), *used, reset)
    }
}

/// Waits `how_long` unless the sandbox shuts down first (so faults never block shutdown).
async fn pause(shared: &Shared, how_long: Duration) {
    let mut stop = shared.shutdown.clone();
    tokio::select! {
        _ = tokio::time::sleep(how_long) => {}
        _ = stop.wait_for(|stopped| *stopped) => {}
    }
}

fn segments(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    if parts.last().is_some_and(String::is_empty) {
        parts.pop();
    }
    parts
}

fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(k), decode(v))
        })
        .collect()
}

/// Who is calling: `Ok(None)` without credentials, an error reply for bad ones.
fn identify(shared: &Shared, headers: &HeaderMap, git: bool) -> Result<Option<Caller>, Reply> {
    let token = if git {
        auth::basic_password(headers)
    } else {
        auth::rest_token(headers)
    };
    let Some(token) = token else {
        return Ok(None);
    };
    let state = shared.state.lock().expect("sandbox state lock");
    match state.user_by_token(&token) {
        Some(u) => Ok(Some(Caller {
            login: u.login.clone(),
            id: u.id,
        })),
        None if git => Err(git_challenge()),
        None => Err(Reply::unauthorized("Bad credentials")),
    }
}

pub fn git_challenge() -> Reply {
    Reply::unauthorized("Authentication required").with_header("www-authenticate", auth::GIT_REALM)
}

/// The reply for a fault that answers instead of the sandbox.
fn fault_reply(fault: &RouteFault, caller: Option<&Caller>, now: DateTime<Utc>) -> Option<Reply> {
    let secs = |d: &Duration| d.as_secs().max(1).to_string();
    match &fault.action {
        FaultAction::Status(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = if status.is_server_error() { "Server Error" } else { status.canonical_reason().unwrap_or("Error") };
            Some(Reply::error(status, message))
        }
        FaultAction::TooManyRequests { retry_after } => Some(
            Reply::error(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").with_header("retry-after", &secs(retry_after)),
        ),
        FaultAction::SecondaryRateLimit { retry_after } => Some(
            Reply::error(
                StatusCode::FORBIDDEN,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
            )
            .with_header("retry-after", &secs(retry_after)),
        ),
        FaultAction::PrimaryRateLimit { reset_in } => {
            let reset = now.timestamp() + reset_in.as_secs().max(1) as i64;
            let who = caller.map(|c| c.id).unwrap_or(0);
            Some(
                Reply::error(StatusCode::FORBIDDEN, &format!("API rate limit exceeded for user ID {who}."))
                    .with_header("x-ratelimit-limit", &RATE_LIMIT.to_string())
                    .with_header("x-ratelimit-remaining", "0")
                    .with_header("x-ratelimit-used", &RATE_LIMIT.to_string())
                    .with_header("x-ratelimit-reset", &reset.to_string())
                    .with_header("x-ratelimit-resource", "core"),
            )
        }
        FaultAction::Latency(_) | FaultAction::TimeoutAfterApply { .. } | FaultAction::Panic => None,
    }
}

/// The protection a successful change touched, for drift triggers: (repo, branch).
fn protection_target(method: &Method, segs: &[String]) -> Option<(String, Option<String>)> {
    if method == Method::GET {
        return None;
    }
    match segs {
        [repos, o, r, branches, rest @ ..] if repos == "repos" && branches == "branches" => {
            let at = rest
                .iter()
                .position(|s| s == "protection")
                .filter(|at| *at > 0)?;
            Some((format!("{o}/{r}"), Some(rest[..at].join("/"))))
        }
        [repos, o, r, rulesets, ..] if repos == "repos" && rulesets == "rulesets" => {
            Some((format!("{o}/{r}"), None))
        }
        _ => None,
    }
}

fn add_common_headers(reply: &mut Reply, shared: &Shared, who: &str, git: bool) {
    let seq = shared.request_seq.fetch_add(1, Ordering::Relaxed);
    let id = format!(
        "{:04X}:{:04X}:{:06X}",
        (seq * 7919) % 0xFFFF,
        std::process::id() % 0xFFFF,
        seq
    );
    push_header(reply, "x-github-request-id", &id);
    if git {
        return;
    }
    push_header(
        reply,
        "x-github-api-version-selected",
        SUPPORTED_API_VERSIONS[0],
    );
    push_header(reply, "x-github-media-type", "github.v3; format=json");
    if reply
        .headers
        .iter()
        .any(|(n, _)| n == "x-ratelimit-remaining")
    {
        return;
    }
    let now = shared.clock.now();
    let (remaining, used, reset) = shared.rate.lock().expect("rate lock").count(who, now);
    push_header(reply, "x-ratelimit-limit", &RATE_LIMIT.to_string());
    push_header(reply, "x-ratelimit-remaining", &remaining.to_string());
    push_header(reply, "x-ratelimit-used", &used.to_string());
    push_header(reply, "x-ratelimit-reset", &reset.to_string());
    push_header(reply, "x-ratelimit-resource", "core");
}

fn push_header(reply: &mut Reply, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        reply
            .headers
            .push((axum::http::HeaderName::from_static(name), v));
    }
}

/// The single entry point for every request. A handler that panics is answered 500 (and
/// its thread marked so that a TUI running a drill keeps its screen); the server goes on.
pub async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    match crate::caught::catch(answer(shared, request)).await {
        Ok(response) => response,
        Err(panic) => {
            tracing::error!(panic, "a sandbox request handler panicked");
            Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!(
                    "The sandbox failed on this request ({}); try again",
                    crate::text::sanitize_line(&panic)
                ),
            )
            .into_response()
        }
    }
}

async fn answer(shared: Arc<Shared>, request: Request) -> Response {
    let started = Instant::now();
    let answered_before = shared.log.lock().expect("request log lock").len();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let headers = request.headers().clone();
    let body = match axum::body::to_bytes(request.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return Reply::error(StatusCode::BAD_REQUEST, "Request body unreadable")
                .into_response();
        }
    };
    if path.starts_with("/_sandbox/") || path == "/_sandbox" {
        return control::handle(&shared, &method, &path, &headers, &body).into_response();
    }
    let git = path.starts_with("/git/");
    let caller = identify(&shared, &headers, git);
    let login = caller
        .as_ref()
        .ok()
        .and_then(|c| c.as_ref().map(|c| c.login.clone()));
    let fault = shared
        .faults
        .lock()
        .expect("fault lock")
        .take_route(method.as_str(), &path);
    let (mut reply, hang) = serve(
        &shared,
        &method,
        &path,
        query.as_deref(),
        &headers,
        body,
        caller,
        git,
        fault.as_ref(),
    )
    .await;
    add_common_headers(
        &mut reply,
        &shared,
        login.as_deref().unwrap_or("anonymous"),
        git,
    );
    shared
        .log
        .lock()
        .expect("request log lock")
        .push(RequestRecord {
            method: method.to_string(),
            path: redact_query(&path, query.as_deref()),
            status: reply.status.as_u16(),
            duration_ms: started.elapsed().as_millis() as u64,
            time: shared.clock.now(),
            user: login,
            fault: fault.map(|(_, spec)| spec),
            answered_before,
        });
    if !git && let Some(responses) = shared.responses.lock().expect("response log lock").as_mut() {
        responses.push(RecordedResponse {
            method: method.to_string(),
            path: path.clone(),
            status: reply.status.as_u16(),
            body: match &reply.body {
                ReplyBody::Json(v) => Some(v.clone()),
                _ => None,
            },
        });
    }
    if let Some(hang) = hang {
        // The change is applied; now the answer never comes: hang, then break the body
        // so the client sees a dropped connection rather than a response.
        pause(&shared, hang).await;
        let broken = futures::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::other(
                "sandbox fault: connection dropped after apply",
            ))
        });
        let mut response = Response::new(Body::from_stream(broken));
        *response.status_mut() = reply.status;
        return response;
    }
    reply.into_response()
}

#[allow(clippy::too_many_arguments)]
async fn serve(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
    caller: Result<Option<Caller>, Reply>,
    git: bool,
    fault: Option<&(RouteFault, String)>,
) -> (Reply, Option<Duration>) {
    let caller = match caller {
        Ok(c) => c,
        Err(reply) => return (reply, None),
    };
    if !git && let Some(version) = headers.get("x-github-api-version") {
        let version = version.to_str().unwrap_or("");
        if !SUPPORTED_API_VERSIONS.contains(&version) {
            let message = format!(
                "Unsupported 'X-GitHub-Api-Version' header value: {}. Supported versions: {}",
                crate::text::sanitize_line(version),
                SUPPORTED_API_VERSIONS.join(", ")
            );
            return (Reply::error(StatusCode::BAD_REQUEST, &message), None);
        }
    }
    let mut hang = None;
    if let Some((fault, _)) = fault {
        match &fault.action {
            FaultAction::Latency(d) => pause(shared, *d).await,
            FaultAction::TimeoutAfterApply { hang: h } => hang = Some(*h),
            FaultAction::Panic => panic!("sandbox fault: the request handler panics"),
            _ => {}
        }
        if let Some(reply) = fault_reply(fault, caller.as_ref(), shared.clock.now()) {
            return (reply, None);
        }
    }
    let segs = segments(path);
    let reply = if git {
        git_http::serve(shared, method, &segs, query, body, caller.as_ref()).await
    } else {
        let request = RestRequest {
            method: method.clone(),
            segments: segs.clone(),
            query: parse_query(query),
            body,
            caller,
        };
        let reply = rest::dispatch(shared, &request);
        if reply.is_success() && method != Method::GET {
            after_change(shared, method, &segs);
        }
        reply
    };
    (reply, hang)
}

/// Persists a successful change and fires any drift it arms.
fn after_change(shared: &Shared, method: &Method, segs: &[String]) {
    if let Some((repo, branch)) = protection_target(method, segs) {
        let fired = shared
            .faults
            .lock()
            .expect("fault lock")
            .note_protection_change(&repo, branch.as_deref());
        let mut state = shared.state.lock().expect("sandbox state lock");
        for drift in fired {
            if let Err(err) =
                super::drift::apply(&mut state, &drift.repo, &drift.branch, shared.clock.now())
            {
                tracing::warn!("sandbox drift not applied: {err}");
            }
        }
    }
    shared.persist();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_decoded_one_by_one() {
        assert_eq!(
            segments("/repos/acme/api/branches/release%2F1.0/protection"),
            vec![
                "repos",
                "acme",
                "api",
                "branches",
                "release/1.0",
                "protection"
            ]
        );
        assert_eq!(segments("/user/"), vec!["user"]);
    }

    #[test]
    fn rate_window_counts_per_login_and_resets_after_an_hour() {
        let mut window = RateWindow::default();
        let t0 = Utc::now();
        assert_eq!(window.count("dev", t0).0, 4999);
        assert_eq!(window.count("dev", t0).0, 4998);
        assert_eq!(window.count("commander", t0).0, 4999);
        let (remaining, used, _) = window.count("dev", t0 + chrono::Duration::minutes(61));
        assert_eq!((remaining, used), (4999, 1));
    }
}
