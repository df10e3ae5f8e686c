//! Posting a notification to each configured webhook: JSON over HTTPS (or plain HTTP to
//! this machine), each delivery retried with backoff, every failure described without the
//! URL (it is a secret: whoever has it may post to the channel).

use super::message::Notification;
use crate::forge::github::Sleeper;
use crate::secret::Secret;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use std::time::Duration;

/// Attempts per webhook and notification.
pub const ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// One webhook's failure to take a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFailure {
    /// "webhook 1 (hooks.slack.com)": its position in the config and its host, never its URL.
    pub webhook: String,
    pub what: &'static str,
    pub error: String,
}

impl std::fmt::Display for DeliveryFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} did not take the `{}` notification after {ATTEMPTS} attempts: {} — check \
             the webhook in config.toml [notify]",
            self.webhook, self.what, self.error
        )
    }
}

/// The configured webhooks and how to reach them.
#[derive(Clone)]
pub struct Webhooks {
    urls: Vec<Secret>,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    sleeper: Arc<dyn Sleeper>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks")
            .field("count", &self.urls.len())
            .finish_non_exhaustive()
    }
}

impl Webhooks {
    /// `None` when no webhook is configured (or the system's CA roots cannot be loaded:
    /// notifications are then skipped with a warning rather than failing the flow).
    pub fn new(urls: Vec<Secret>, sleeper: Arc<dyn Sleeper>) -> Option<Webhooks> {
        if urls.is_empty() {
            return None;
        }
        let connector = match hyper_rustls::HttpsConnectorBuilder::new().with_native_roots() {
            Ok(builder) => builder.https_or_http().enable_http1().build(),
            Err(error) => {
                tracing::warn!(%error, "cannot load CA certificates; webhooks are off");
                return None;
            }
        };
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Some(Webhooks {
            urls,
            client,
            sleeper,
        })
    }

    /// Posts `notification` to every webhook, retrying each with backoff; the failures.
    pub async fn deliver(&self, notification: &Notification) -> Vec<DeliveryFailure> {
        let body = Bytes::from(notification.slack_payload().to_string());
        let mut failures = Vec::new();
        for (index, url) in self.urls.iter().enumerate() {
            if let Err(error) = self.deliver_one(url, &body).await {
                failures.push(DeliveryFailure {
                    webhook: describe(index, url),
                    what: notification.what,
                    error,
                });
            }
        }
        failures
    }

    async fn deliver_one(&self, url: &Secret, body: &Bytes) -> Result<(), String> {
        let mut backoff = FIRST_BACKOFF;
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            match self.post(url, body.clone()).await {
                Ok(()) => return Ok(()),
                Err(error) => last = error,
            }
            if attempt < ATTEMPTS {
                self.sleeper.sleep(backoff).await;
                backoff *= 2;
            }
        }
        Err(last)
    }

    async fn post(&self, url: &Secret, body: Bytes) -> Result<(), String> {
        let request = http::Request::post(url.expose())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::USER_AGENT, crate::forge::github::user_agent())
            .body(Full::new(body))
            // The error would quote the URL: say only that it is unusable.
            .map_err(|_| "the URL cannot be used for a request".to_owned())?;
        let answer = tokio::time::timeout(ATTEMPT_TIMEOUT, self.client.request(request))
            .await
            .map_err(|_| format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()))?
            .map_err(|error| without_url(&error, url))?;
        let status = answer.status();
        // Read the answer whole so the connection can be reused; its text is not shown
        // (a receiver may echo what it was sent).
        let _ = answer.into_body().collect().await;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("it answered HTTP {}", status.as_u16()))
        }
    }
}

/// "webhook 2 (hooks.slack.com)".
fn describe(index: usize, url: &Secret) -> String {
    let host = url::Url::parse(url.expose())
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    format!("webhook {} ({host})", index + 1)
}

/// A transport error's text with the URL (and its path, which carries the secret) cut out.
fn without_url(error: &(dyn std::error::Error + 'static), url: &Secret) -> String {
    let mut text = crate::error_chain::error_chain(error);
    text = text.replace(url.expose(), "<webhook URL>");
    if let Ok(parsed) = url::Url::parse(url.expose())
        && parsed.path().len() > 1
    {
        text = text.replace(parsed.path(), "/…");
    }
    crate::text::sanitize_line(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_are_named_by_position_and_host_only() {
        let url = Secret::new("https://hooks.slack.com/services/T0/B0/canary");
        assert_eq!(describe(1, &url), "webhook 2 (hooks.slack.com)");
        let error = std::io::Error::other(format!("cannot reach {}", url.expose()));
        let said = without_url(&error, &url);
        assert!(!said.contains("canary"), "{said}");
    }
}
