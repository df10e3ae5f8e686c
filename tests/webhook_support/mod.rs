//! A local HTTP receiver for Slack-style incoming webhooks (`POST /services/…`), the
//! `[notify] webhooks` line that points a test home's config at it, and what each message
//! received says it is about. Test support only.
#![allow(dead_code)]

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use serde_json::Value;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// What the receiver got, in order.
pub type Received = Arc<Mutex<Vec<Value>>>;

/// A local HTTP receiver for `POST /services/…`; returns its URL base and what it got.
pub async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/services/{*rest}",
            post(
                |State(got): State<Received>, Json(body): Json<Value>| async move {
                    got.lock().unwrap().push(body);
                    "ok"
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, received)
}

/// Adds `[notify] webhooks = [...]` to the config of the home at `home`.
pub fn configure(home: &Path, webhooks: &[String]) {
    let path = home.join("config/config.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    let list: Vec<String> = webhooks.iter().map(|w| format!("\"{w}\"")).collect();
    text.push_str(&format!("\n[notify]\nwebhooks = [{}]\n", list.join(", ")));
    std::fs::write(path, text).unwrap();
}

/// What a message is about: the last part of its context line (`… · review_submitted`).
pub fn what(message: &Value) -> String {
    message["blocks"][1]["elements"][0]["text"]
        .as_str()
        .unwrap()
        .rsplit(" · ")
        .next()
        .unwrap()
        .to_owned()
}

/// What each message received so far is about, in order.
pub fn whats(received: &Received) -> Vec<String> {
    received.lock().unwrap().iter().map(what).collect()
}
