//! `GitHubClient`: construction on octocrab (auth, headers, base URL) and `execute`, the
//! one place requests are sent, retried, rate-limited and turned into `ForgeError`s.
//! Endpoint modules build `Request`s; they never talk to octocrab themselves.

use super::api_url::normalise_api_url;
use super::classify::{
    Decision, GiveUp, ResponseClass, RetryBudget, RetryPolicy, classify, decide,
    decide_without_answer,
};
use super::error::{ForgeError, sanitize_server_text};
use super::error_map::error_for;
use super::request::{Method, Request, Response};
use super::sleeper::{Sleeper, TokioSleeper};
use crate::clock::{Clock, SystemClock};
use crate::error_chain::error_chain;
use crate::forge::token::TokenHost;
use crate::secret::Secret;
use http::header::USER_AGENT;
use http::{HeaderValue, Uri};
use octocrab::service::middleware::auth_header::AuthHeaderLayer;
use octocrab::service::middleware::extra_headers::ExtraHeadersLayer;
use octocrab::{AuthState, Octocrab, OctocrabBuilder};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The API version every request names (octocrab 0.54 adds the same header itself;
/// we check it in tests rather than trust it).
pub const API_VERSION: &str = "2022-11-28";

/// `breakglass/<version>`, the only User-Agent we send.
pub fn user_agent() -> String {
    format!("breakglass/{}", env!("CARGO_PKG_VERSION"))
}

/// One request the client sent and the status the forge answered, for a caller that
/// counts its own traffic (a drill against a shared sandbox, whose log is not its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRequest {
    pub method: &'static str,
    /// The path and query, relative to the API base.
    pub path: String,
    pub status: u16,
}

/// Told of every answered attempt (retries included); must not block.
pub type RequestObserver = Arc<dyn Fn(&SentRequest) + Send + Sync>;

/// How the client behaves; the defaults suit github.com.
#[derive(Clone)]
pub struct ClientOptions {
    /// Limit for one attempt, from sending the request to the last byte of the answer.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// How waits happen (real sleeps, or recorded in tests).
    pub sleeper: Arc<dyn Sleeper>,
    /// Reads "now" to turn `x-ratelimit-reset` into a wait.
    pub clock: Arc<dyn Clock>,
    /// Told of every answered request; `None`: nobody counts.
    pub observer: Option<RequestObserver>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            sleeper: Arc::new(TokioSleeper),
            clock: Arc::new(SystemClock),
            observer: None,
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// A GitHub REST client for github.com, GitHub Enterprise (`https://HOST/api/v3`) and the
/// sandbox forge (`http://127.0.0.1:PORT`). Raw JSON in and out.
#[derive(Clone)]
pub struct GitHubClient {
    crab: Octocrab,
    /// The API base without a trailing slash, e.g. `https://ghe.example.com/api/v3`.
    base: String,
    /// The forge's host, as its token rules name it.
    host: TokenHost,
    options: ClientOptions,
}

impl fmt::Debug for GitHubClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token lives inside octocrab's auth layer; nothing here can print it.
        f.debug_struct("GitHubClient")
            .field("api_url", &self.base)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// One attempt's outcome when no usable answer arrived.
enum NoAnswer {
    Timeout,
    /// The connection could not be made: nothing was sent.
    Connect(String),
    /// The connection broke after the request may have been sent.
    Broken(String),
    /// The request cannot be addressed at all; retrying cannot help.
    Unsendable(ForgeError),
}

impl GitHubClient {
    /// A client for the API at `api_url` authenticating with `token`.
    pub fn new(
        api_url: &str,
        token: Secret,
        options: ClientOptions,
    ) -> Result<GitHubClient, ForgeError> {
        let base = normalise_api_url(api_url)?;
        let invalid = |reason: String| ForgeError::InvalidApiUrl {
            url: base.clone(),
            reason,
        };
        let base_uri: Uri = base.parse().map_err(|e| invalid(format!("{e}")))?;
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| invalid(format!("cannot load the system's CA certificates: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        let http =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        let host =
            TokenHost::of_api_url(&base).ok_or_else(|| invalid("the URL names no host".into()))?;
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| ForgeError::Unauthorized {
                message: "the token contains characters no HTTP header may carry".into(),
                host: host.clone(),
            })?;
        authorization.set_sensitive(true);
        let user_agent = HeaderValue::from_str(&user_agent()).expect("ASCII user agent");
        let crab = OctocrabBuilder::new_empty()
            .with_service(http)
            .with_layer(&ExtraHeadersLayer::new(Arc::new(vec![(
                USER_AGENT, user_agent,
            )])))
            // Sends the token only to the API's own host, never to a redirect target.
            .with_layer(&AuthHeaderLayer::new(
                Some(authorization),
                base_uri.clone(),
                base_uri,
            ))
            .with_auth(AuthState::None)
            .build()
            .map_err(|e| invalid(format!("{e}")))?;
        Ok(GitHubClient {
            crab,
            base,
            host,
            options,
        })
    }

    /// The forge's host, as its token rules name it.
    pub fn host(&self) -> &TokenHost {
        &self.host
    }

    /// The API base URL, without a trailing slash.
    pub fn api_url(&self) -> &str {
        &self.base
    }

    /// Sends `request`, retrying and waiting as the policy allows, and returns the final
    /// answer whatever its status. Errors only when no answer could be had or when waiting
    /// for a rate limit is not allowed.
    pub async fn send(&self, request: &Request) -> Result<(Response, u32), ForgeError> {
        let mut budget = RetryBudget::default();
        loop {
            budget.attempts += 1;
            let decision = match self.send_following_redirects(request).await {
                Ok(response) => {
                    let class = classify(
                        response.status,
                        &response.headers,
                        response.message().unwrap_or(""),
                    );
                    let decision = decide(
                        &class,
                        request.idempotence,
                        &budget,
                        &self.options.retry,
                        self.options.clock.now(),
                    );
                    match decision {
                        Decision::Stop(GiveUp::RateLimitedUntil(until)) => {
                            return Err(ForgeError::RateLimited { until });
                        }
                        Decision::Stop(GiveUp::SecondaryExhausted) => {
                            return Err(ForgeError::SecondaryRateLimited {
                                attempts: budget.attempts,
                            });
                        }
                        Decision::Stop(_) => return Ok((response, budget.attempts)),
                        Decision::RetryAfter(wait) => {
                            if matches!(
                                class,
                                ResponseClass::PrimaryRateLimit { .. }
                                    | ResponseClass::SecondaryRateLimit { .. }
                            ) {
                                budget.rate_limit_waits += 1;
                            } else {
                                budget.transient_waited += wait;
                            }
                            wait
                        }
                    }
                }
                Err(NoAnswer::Unsendable(error)) => return Err(error),
                Err(failure) => {
                    let decision = match failure {
                        // Nothing reached the forge: resending cannot duplicate anything.
                        NoAnswer::Connect(_) => decide_without_answer(
                            super::request::Idempotence::Idempotent,
                            &budget,
                            &self.options.retry,
                        ),
                        _ => {
                            decide_without_answer(request.idempotence, &budget, &self.options.retry)
                        }
                    };
                    match decision {
                        Decision::RetryAfter(wait) => {
                            budget.transient_waited += wait;
                            wait
                        }
                        Decision::Stop(_) => {
                            return Err(self.no_answer_error(request, failure, budget.attempts));
                        }
                    }
                }
            };
            tracing::debug!(
                method = request.method.as_str(),
                path = %request.path,
                attempt = budget.attempts,
                wait_ms = decision.as_millis() as u64,
                "retrying GitHub request"
            );
            self.options.sleeper.sleep(decision).await;
        }
    }

    /// Sends `request` (see [`send`](Self::send)) and turns a final status ≥ 400 into the
    /// matching `ForgeError`.
    pub async fn execute(&self, request: &Request) -> Result<Response, ForgeError> {
        let (response, attempts) = self.send(request).await?;
        // A 3xx here is a redirect we would not follow (see `send_following_redirects`).
        if response.status >= 300 {
            return Err(error_for(
                &response,
                &request.scope,
                &request.path,
                attempts,
                &self.host,
            ));
        }
        Ok(response)
    }

    fn no_answer_error(&self, request: &Request, failure: NoAnswer, attempts: u32) -> ForgeError {
        let writes = request.method != Method::Get;
        match failure {
            NoAnswer::Timeout => ForgeError::Timeout {
                timeout: self.options.timeout,
                attempts,
                maybe_applied: writes,
            },
            NoAnswer::Connect(detail) => ForgeError::Network {
                url: self.base.clone(),
                detail,
                maybe_applied: false,
            },
            NoAnswer::Broken(detail) => ForgeError::Network {
                url: self.base.clone(),
                detail,
                maybe_applied: writes,
            },
            NoAnswer::Unsendable(error) => error,
        }
    }

    /// The full URI for a path (and query) relative to the API base. We join it ourselves
    /// so that a base with a path (`/api/v3`) is kept exactly once.
    fn uri_for(&self, path_and_query: &str) -> Result<Uri, ForgeError> {
        format!("{}{}", self.base, path_and_query)
            .parse()
            .map_err(|e| ForgeError::InvalidApiUrl {
                url: self.base.clone(),
                reason: format!(
                    "cannot address {}: {e}",
                    sanitize_server_text(path_and_query)
                ),
            })
    }

    /// Follows up to three 301/302/307/308 redirects that stay under the API base (GitHub
    /// redirects renamed repositories and branches), resending the same method and body.
    /// A redirect elsewhere is returned as the final answer and never followed, so the
    /// token and the body go only to the API the operator configured.
    async fn send_following_redirects(&self, request: &Request) -> Result<Response, NoAnswer> {
        let mut current = request.clone();
        for _ in 0..3 {
            let response = self.send_once(&current).await?;
            if !matches!(response.status, 301 | 302 | 307 | 308) {
                return Ok(response);
            }
            let Some(location) = response.header("location") else {
                return Ok(response);
            };
            let target = if location.starts_with('/') {
                format!("{}{location}", origin_of(&self.base))
            } else {
                location.to_owned()
            };
            match self.follow(&current, &target) {
                Ok(next) => current = next,
                Err(_) => return Ok(response),
            }
        }
        self.send_once(&current).await
    }

    async fn send_once(&self, request: &Request) -> Result<Response, NoAnswer> {
        let uri = self
            .uri_for(&request.path_and_query())
            .map_err(NoAnswer::Unsendable)?;
        let attempt = async {
            let crab = &self.crab;
            let body = request.body.as_ref();
            let answer = match request.method {
                Method::Get => crab._get(uri).await,
                Method::Put => crab._put(uri, body).await,
                Method::Patch => crab._patch(uri, body).await,
                Method::Post => crab._post(uri, body).await,
                Method::Delete => crab._delete(uri, body).await,
            }
            .map_err(describe_transport_error)?;
            let status = answer.status().as_u16();
            let headers = answer.headers().clone();
            let text = crab
                .body_to_string(answer)
                .await
                .map_err(|e| NoAnswer::Broken(sanitize_server_text(&error_chain(&e))))?;
            Ok::<_, NoAnswer>((status, headers, text))
        };
        let answered = tokio::time::timeout(self.options.timeout, attempt)
            .await
            .map_err(|_| NoAnswer::Timeout)
            .and_then(|answered| answered);
        // Every attempt that may have reached the forge is a round trip, answered or not; a
        // connection never made sent nothing.
        if !matches!(answered, Err(NoAnswer::Connect(_))) {
            super::counting::note_request();
        }
        let (status, headers, text) = answered?;
        if let Some(observer) = &self.options.observer {
            observer(&SentRequest {
                method: request.method.as_str(),
                path: request.path_and_query(),
                status,
            });
        }
        let json = if text.trim().is_empty() {
            Value::Null
        } else {
            match serde_json::from_str(&text) {
                Ok(json) => json,
                // Error pages from proxies are HTML or text: keep them as GitHub's `message`.
                Err(_) => serde_json::json!({ "message": text }),
            }
        };
        Ok(Response {
            status,
            headers,
            json,
        })
    }
}

/// `scheme://host[:port]` of a normalised base URL.
fn origin_of(base: &str) -> &str {
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    }
}

fn describe_transport_error(error: octocrab::Error) -> NoAnswer {
    let mut is_connect = false;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(inner) = source {
        if let Some(hyper) = inner.downcast_ref::<hyper_util::client::legacy::Error>() {
            is_connect |= hyper.is_connect();
        }
        source = inner.source();
    }
    let detail = sanitize_server_text(&error_chain(&error));
    if is_connect {
        NoAnswer::Connect(detail)
    } else {
        NoAnswer::Broken(detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn uris_keep_an_enterprise_path_prefix_once() {
        let client = GitHubClient::new(
            "https://ghe.example.com/api/v3/",
            Secret::new("t"),
            ClientOptions::default(),
        )
        .unwrap();
        assert_eq!(
            client.uri_for("/repos/acme/api").unwrap().to_string(),
            "https://ghe.example.com/api/v3/repos/acme/api"
        );
        // A path that happens to start like the prefix is still prefixed (octocrab's own
        // join compares strings and would not).
        let client = GitHubClient::new(
            "https://ghe.example.com/r",
            Secret::new("t"),
            ClientOptions::default(),
        )
        .unwrap();
        assert_eq!(
            client.uri_for("/repos/acme/api").unwrap().to_string(),
            "https://ghe.example.com/r/repos/acme/api"
        );
    }

    #[test]
    fn origins_drop_the_base_path() {
        assert_eq!(
            origin_of("https://ghe.example.com/api/v3"),
            "https://ghe.example.com"
        );
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }

    #[tokio::test]
    async fn debug_never_prints_the_token() {
        let client = GitHubClient::new(
            "http://127.0.0.1:1",
            Secret::new("ghp_canary_do_not_print"),
            ClientOptions::default(),
        )
        .unwrap();
        let printed = format!("{client:?}");
        assert!(!printed.contains("canary"), "{printed}");
        assert!(printed.contains("http://127.0.0.1:1"));
    }
}
