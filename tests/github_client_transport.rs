//! Transport behaviour of `forge::github::GitHubClient`, checked against a tiny scripted
//! HTTP server started inside each test (axum on 127.0.0.1:0).
//!
//! The server is NOT a GitHub stand-in: it replays fixed, GitHub-shaped answers in order
//! and records what it received. It is used only to check what the client does on the
//! wire: the headers it sends, how paths are encoded and prefixed, that retries happen
//! and are spaced as the headers say (through the recording sleeper, so no test sleeps),
//! and that a creating POST is not duplicated. Protection semantics are tested against
//! the sandbox forge (tests/github_client.rs).

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use breakglass::clock::{Clock, FakeClock};
use breakglass::forge::RepoId;
use breakglass::forge::github::{
    API_VERSION, ClientOptions, CreateRefOutcome, ForgeError, GitHubClient, Marker,
    RecordingSleeper, RetryPolicy,
};
use breakglass::secret::Secret;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "ghp_transport_test_token";

/// One canned answer.
#[derive(Clone)]
struct Canned {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Value,
    delay: Duration,
}

fn answer(status: u16, body: Value) -> Canned {
    Canned {
        status,
        headers: Vec::new(),
        body,
        delay: Duration::ZERO,
    }
}

impl Canned {
    fn header(mut self, name: &'static str, value: impl ToString) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// What the server received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    uri: String,
    headers: HeaderMap,
    body: String,
}

#[derive(Default)]
struct Script {
    answers: Mutex<VecDeque<Canned>>,
    received: Mutex<Vec<Received>>,
}

struct Server {
    url: String,
    script: Arc<Script>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(answers: Vec<Canned>) -> Server {
        Self::start_under("", answers).await
    }

    async fn start_under(prefix: &str, answers: Vec<Canned>) -> Server {
        let script = Arc::new(Script {
            answers: Mutex::new(answers.into()),
            received: Mutex::default(),
        });
        let state = script.clone();
        let app = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    state.received.lock().unwrap().push(Received {
                        method: method.to_string(),
                        uri: uri.to_string(),
                        headers,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let next = state.answers.lock().unwrap().pop_front();
                    let Some(canned) = next else {
                        return (StatusCode::IM_A_TEAPOT, "script exhausted").into_response();
                    };
                    tokio::time::sleep(canned.delay).await;
                    let mut response: Response = (
                        StatusCode::from_u16(canned.status).unwrap(),
                        if canned.body.is_null() {
                            String::new()
                        } else {
                            canned.body.to_string()
                        },
                    )
                        .into_response();
                    for (name, value) in canned.headers {
                        response.headers_mut().insert(name, value.parse().unwrap());
                    }
                    response
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}{prefix}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Server { url, script, task }
    }

    fn received(&self) -> Vec<Received> {
        self.script.received.lock().unwrap().clone()
    }

    fn count(&self, method: &str) -> usize {
        self.received()
            .iter()
            .filter(|r| r.method == method)
            .count()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Harness {
    client: GitHubClient,
    sleeper: Arc<RecordingSleeper>,
    clock: FakeClock,
}

fn client_for(url: &str, timeout: Duration) -> Harness {
    let clock = FakeClock::default_start();
    let sleeper = Arc::new(RecordingSleeper::advancing(clock.clone()));
    let options = ClientOptions {
        timeout,
        retry: RetryPolicy::default(),
        sleeper: sleeper.clone(),
        clock: Arc::new(clock.clone()),
        ..ClientOptions::default()
    };
    let client = GitHubClient::new(url, Secret::new(TOKEN), options).unwrap();
    Harness {
        client,
        sleeper,
        clock,
    }
}

fn repo() -> RepoId {
    RepoId::new("acme", "api")
}

#[tokio::test]
async fn every_request_carries_our_headers_and_an_encoded_path() {
    let server = Server::start(vec![answer(200, json!({"name": "release/1.0#x"}))]).await;
    let h = client_for(&server.url, Duration::from_secs(5));
    let branch = h
        .client
        .get_branch(&repo(), "release/1.0#x y")
        .await
        .unwrap();
    assert_eq!(branch["name"], "release/1.0#x");

    let received = server.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.uri,
        "/repos/acme/api/branches/release%2F1.0%23x%20y"
    );
    let values = |name: &str| -> Vec<String> {
        request
            .headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        values("user-agent"),
        [format!("breakglass/{}", env!("CARGO_PKG_VERSION"))]
    );
    assert_eq!(values("x-github-api-version"), [API_VERSION]);
    assert_eq!(values("authorization"), [format!("Bearer {TOKEN}")]);
}

#[tokio::test]
async fn an_enterprise_base_path_is_kept_once() {
    let server =
        Server::start_under("/api/v3", vec![answer(200, json!({"login": "commander"}))]).await;
    let h = client_for(&format!("{}/", server.url), Duration::from_secs(5));
    let me = h.client.get_authenticated_user().await.unwrap();
    assert_eq!(me.user["login"], "commander");
    assert_eq!(server.received()[0].uri, "/api/v3/user");
}

#[tokio::test]
async fn identity_headers_are_read() {
    let server = Server::start(vec![
        answer(200, json!({"login": "commander", "id": 7}))
            .header("x-oauth-scopes", "repo, admin:org")
            .header(
                "github-authentication-token-expiration",
                "2026-02-01 09:00:00 UTC",
            ),
    ])
    .await;
    let h = client_for(&server.url, Duration::from_secs(5));
    let me = h.client.get_authenticated_user().await.unwrap();
    assert_eq!(
        me.scopes,
        Some(vec!["repo".to_owned(), "admin:org".to_owned()])
    );
    assert_eq!(
        me.token_expiration.as_deref(),
        Some("2026-02-01 09:00:00 UTC")
    );
}

#[tokio::test]
async fn gets_are_retried_on_5xx_with_growing_spacing() {
    let server = Server::start(vec![
        answer(502, json!({"message": "Server Error"})),
        answer(503, Value::Null),
        answer(200, json!({"enabled": true})),
    ])
    .await;
    let h = client_for(&server.url, Duration::from_secs(5));
    let protection = h.client.get_protection(&repo(), "main").await.unwrap();
    assert_eq!(protection, Some(json!({"enabled": true})));
    assert_eq!(server.count("GET"), 3);
    assert_eq!(
        h.sleeper.waits(),
        [Duration::from_millis(500), Duration::from_secs(1)]
    );
}

#[tokio::test]
async fn persistent_5xx_gives_up_after_bounded_attempts() {
    let server = Server::start(vec![answer(500, json!({"message": "boom"})); 10]).await;
    let h = client_for(&server.url, Duration::from_secs(5));
    let error = h
        .client
        .put_protection(&repo(), "main", &json!({"enforce_admins": true}))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ForgeError::Server {
            status: 500,
            message: "boom".into(),
            attempts: 4
        }
    );
    assert_eq!(server.count("PUT"), 4);
    assert_eq!(h.sleeper.waits().len(), 3);
}

#[tokio::test]
async fn primary_rate_limit_waits_until_reset() {
    let clock_start = FakeClock::default_start().now().timestamp();
    let server = Server::start(vec![
        answer(
            403,
            json!({"message": "API rate limit exceeded for user ID 7."}),
        )
        .header("x-ratelimit-remaining", 0)
        .header("x-ratelimit-limit", 5000)
        .header("x-ratelimit-reset", clock_start + 30),
        answer(200, json!([])),
    ])
    .await;
    let h = client_for(&server.url, Duration::from_secs(5));
    let rules = h
        .client
        .get_rules_for_branch(&repo(), "main")
        .await
        .unwrap();
    assert!(rules.is_empty());
    assert_eq!(h.sleeper.waits(), [Duration::from_secs(31)]);
    assert_eq!(h.clock.now().timestamp(), clock_start + 31);
}

#[tokio::test]
async fn a_far_primary_reset_fails_with_the_time() {
    let clock_start = FakeClock::default_start().now().timestamp();
    let server = Server::start(vec![
        answer(429, json!({"message": "API rate limit exceeded"}))
            .header("x-ratelimit-remaining", 0)
            .header("x-ratelimit-reset", clock_start + 3600),
    ])
    .await;
    let h = client_for(&server.url, Duration::from_secs(5));
    let error = h.client.get_repo(&repo()).await.unwrap_err();
    let ForgeError::RateLimited { until } = error else {
        panic!("{error:?}")
    };
    assert_eq!(until.timestamp(), clock_start + 3600);
    assert!(h.sleeper.waits().is_empty());
    assert_eq!(server.count("GET"), 1);
}

#[tokio::test]
async fn secondary_limits_honour_retry_after_then_back_off() {
    let secondary =
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
    let server = Server::start(vec![
        answer(403, json!({"message": secondary})).header("retry-after", 45),
        answer(403, json!({"message": secondary})),
        answer(200, json!({"login": "dev", "id": 9})),
    ])
    .await;
    let h = client_for(&server.url, Duration::from_secs(5));
    let user = h.client.get_user("dev").await.unwrap();
    assert_eq!(user["id"], 9);
    assert_eq!(
        h.sleeper.waits(),
        [Duration::from_secs(45), Duration::from_secs(120)]
    );
}

#[tokio::test]
async fn a_plain_403_is_not_retried_and_names_the_permission() {
    let server = Server::start(vec![
        answer(
            403,
            json!({"message": "Resource not accessible by personal access token"}),
        )
        .header("x-accepted-github-permissions", "administration=write")
        .header("x-ratelimit-remaining", 4999),
    ])
    .await;
    let h = client_for(&server.url, Duration::from_secs(5));
    let error = h
        .client
        .set_enforce_admins(&repo(), "main", false)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ForgeError::MissingPermission { permission, .. } if permission == "administration:write"),
        "{error:?}"
    );
    assert_eq!(server.received().len(), 1);
    assert_eq!(server.received()[0].method, "DELETE");
    assert!(h.sleeper.waits().is_empty());
}

#[tokio::test]
async fn protection_404s_are_told_apart() {
    let server = Server::start(vec![
        answer(404, json!({"message": "Branch not protected"})),
        answer(404, json!({"message": "Not Found"})),
    ])
    .await;
    let h = client_for(&server.url, Duration::from_secs(5));
    assert_eq!(h.client.get_protection(&repo(), "dev").await.unwrap(), None);
    let error = h.client.get_protection(&repo(), "main").await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("your token cannot administer acme/api"),
        "{error}"
    );
}

#[tokio::test]
async fn a_creating_post_with_a_lost_answer_is_found_not_duplicated() {
    let marker = Marker::new("INC-1", "incident-issue");
    let created = json!({"number": 12, "body": marker.embed("Incident INC-1")});
    let server = Server::start(vec![
        // The issue is created but the answer is lost in a 502.
        answer(502, json!({"message": "Bad Gateway"})),
        // The client searches for its marker before anything else.
        answer(
            200,
            json!([{"number": 13, "body": "other"}, created.clone()]),
        ),
    ])
    .await;
    let h = client_for(&server.url, Duration::from_secs(5));
    let issue = h
        .client
        .create_issue(
            &repo(),
            "INC-1: checkout down",
            "Incident INC-1",
            &marker,
            &[],
        )
        .await
        .unwrap();
    assert_eq!(issue["number"], 12);
    assert_eq!(server.count("POST"), 1, "the POST must not be repeated");
    let received = server.received();
    assert!(
        received[0]
            .body
            .contains("<!-- breakglass:INC-1:incident-issue -->")
    );
    assert!(
        received[1]
            .uri
            .starts_with("/repos/acme/api/issues?state=all")
    );
    assert!(h.sleeper.waits().is_empty());
}

#[tokio::test]
async fn a_creating_post_is_resent_once_when_its_marker_is_absent() {
    let marker = Marker::new("INC-1", "retro-review");
    let server = Server::start(vec![
        answer(500, json!({"message": "Server Error"})),
        answer(200, json!([])),
        answer(201, json!({"number": 5})),
    ])
    .await;
    let h = client_for(&server.url, Duration::from_secs(5));
    let pull = h
        .client
        .create_pull(
            &repo(),
            "Retro review",
            "breakglass/INC-1/after",
            "breakglass/INC-1/before",
            "",
            &marker,
        )
        .await
        .unwrap();
    assert_eq!(pull["number"], 5);
    assert_eq!(server.count("POST"), 2);
}

#[tokio::test]
async fn an_existing_ref_at_the_same_sha_counts_as_created() {
    let server = Server::start(vec![
        answer(
            422,
            json!({"message": "Reference already exists", "documentation_url": "https://docs.github.com/rest/git/refs#create-a-reference"}),
        ),
        answer(
            200,
            json!({"ref": "refs/heads/breakglass/INC-1/before", "object": {"sha": "abc123", "type": "commit"}}),
        ),
    ])
    .await;
    let h = client_for(&server.url, Duration::from_secs(5));
    let outcome = h
        .client
        .create_ref(&repo(), "refs/heads/breakglass/INC-1/before", "abc123")
        .await
        .unwrap();
    assert!(matches!(outcome, CreateRefOutcome::AlreadyThere(_)));
    assert_eq!(server.count("POST"), 1);
    assert_eq!(
        server.received()[1].uri,
        "/repos/acme/api/git/ref/heads/breakglass/INC-1/before"
    );
}

#[tokio::test]
async fn slow_answers_time_out_and_idempotent_requests_are_retried() {
    let slow = answer(200, json!({})).delayed(Duration::from_secs(2));
    let server = Server::start(vec![slow.clone(), answer(200, json!({"id": 1}))]).await;
    let h = client_for(&server.url, Duration::from_millis(200));
    let ruleset = h.client.get_repo_ruleset(&repo(), 1).await.unwrap();
    assert_eq!(ruleset["id"], 1);
    assert_eq!(h.sleeper.waits(), [Duration::from_millis(500)]);
}

#[tokio::test]
async fn a_creating_post_that_times_out_is_not_resent_blindly() {
    let marker = Marker::new("INC-2", "comment");
    let server = Server::start(vec![
        answer(201, json!({"id": 1})).delayed(Duration::from_secs(2)),
        answer(200, json!([{"id": 1, "body": marker.embed("Glass open")}])),
    ])
    .await;
    let h = client_for(&server.url, Duration::from_millis(200));
    let comment = h
        .client
        .create_issue_comment(&repo(), 3, "Glass open", &marker)
        .await
        .unwrap();
    assert_eq!(comment["id"], 1);
    assert_eq!(server.count("POST"), 1);
}

#[tokio::test]
async fn pages_are_followed_through_link_headers() {
    let server = Server::start(vec![]).await;
    let next = format!(
        "<{}/repositories/1/rules/branches/main?per_page=100&page=2>; rel=\"next\"",
        server.url
    );
    server.script.answers.lock().unwrap().extend([
        answer(200, json!([{"type": "deletion", "ruleset_id": 1}])).header("link", next),
        answer(200, json!([{"type": "non_fast_forward", "ruleset_id": 2}])),
    ]);
    let h = client_for(&server.url, Duration::from_secs(5));
    let rules = h
        .client
        .get_rules_for_branch(&repo(), "main")
        .await
        .unwrap();
    assert_eq!(rules.len(), 2);
    let received = server.received();
    assert_eq!(
        received[0].uri,
        "/repos/acme/api/rules/branches/main?per_page=100"
    );
    assert_eq!(
        received[1].uri,
        "/repositories/1/rules/branches/main?per_page=100&page=2"
    );
}

#[tokio::test]
async fn an_unreachable_forge_is_named_in_the_error() {
    // Bind and drop a listener to get a port nobody listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let h = client_for(&url, Duration::from_secs(5));
    let error = h.client.rate_limit().await.unwrap_err();
    assert!(
        matches!(
            &error,
            ForgeError::Network {
                maybe_applied: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains(&format!("is the forge at {url} reachable?")),
        "{error}"
    );
    // Connection failures are retried with backoff before giving up.
    assert_eq!(h.sleeper.waits().len(), 3);
}

#[tokio::test]
async fn redirects_are_followed_only_under_the_api_base() {
    let server = Server::start(vec![]).await;
    server.script.answers.lock().unwrap().extend([
        // A renamed repository: GitHub answers 301 with the new location.
        answer(301, json!({"message": "Moved Permanently"}))
            .header("location", format!("{}/repositories/42", server.url)),
        answer(200, json!({"id": 42, "full_name": "acme/api2"})),
        // A redirect that leaves the API is not followed.
        answer(307, json!({"message": "Temporary Redirect"}))
            .header("location", "https://elsewhere.example.com/steal"),
    ]);
    let h = client_for(&server.url, Duration::from_secs(5));
    let moved = h.client.get_repo(&repo()).await.unwrap();
    assert_eq!(moved["id"], 42);
    let error = h
        .client
        .put_protection(&repo(), "main", &json!({}))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ForgeError::Http { status: 307, .. }),
        "{error:?}"
    );
    let received = server.received();
    assert_eq!(received.len(), 3);
    assert_eq!(received[1].uri, "/repositories/42");
    assert!(
        received[1].headers.get("authorization").is_some(),
        "same-host redirects keep the token"
    );
}
