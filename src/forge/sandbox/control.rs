//! The control API under `/_sandbox/`: the request log, fault injection and drift, for
//! drills and tests. Authorised by the control token printed at start, never by a user's.
//!
//! Not part of GitHub's API; these requests are neither logged nor subject to faults.

use super::Shared;
use super::faults::Fault;
use super::reply::{Reply, parse_json};
use axum::http::{HeaderMap, Method, StatusCode};
use serde_json::{Value, json};

pub fn handle(
    shared: &Shared,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Reply {
    if super::auth::rest_token(headers).as_deref() != Some(shared.control_token.expose()) {
        return Reply::unauthorized(
            "The sandbox control API needs the control token printed at start",
        );
    }
    match (method.as_str(), path.trim_end_matches('/')) {
        ("GET", "/_sandbox/requests") => {
            let log = shared.log.lock().expect("request log lock").clone();
            Reply::ok(serde_json::to_value(log).unwrap_or(Value::Null))
        }
        ("DELETE", "/_sandbox/requests") => {
            shared.log.lock().expect("request log lock").clear();
            Reply::no_content()
        }
        ("GET", "/_sandbox/faults") => Reply::ok(fault_list(shared)),
        ("POST", "/_sandbox/faults") => add_faults(shared, body),
        ("DELETE", "/_sandbox/faults") => {
            shared.faults.lock().expect("fault lock").clear();
            Reply::no_content()
        }
        ("POST", "/_sandbox/drift") => drift(shared, body),
        _ => Reply::not_found(),
    }
}

fn fault_list(shared: &Shared) -> Value {
    let faults = shared.faults.lock().expect("fault lock").list();
    json!(faults.iter().map(ToString::to_string).collect::<Vec<_>>())
}

/// Body: `{"spec": "…"}` or `{"specs": ["…", …]}`; all or nothing.
fn add_faults(shared: &Shared, body: &[u8]) -> Reply {
    let value = match parse_json(body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let specs: Vec<String> = match (value.get("spec"), value.get("specs")) {
        (Some(Value::String(s)), None) => vec![s.clone()],
        (None, Some(Value::Array(a))) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => {
            return Reply::unprocessable(
                "Send {\"spec\": \"METHOD:PATH=ACTION[xN]\"} or {\"specs\": [...]}",
            );
        }
    };
    let parsed: Result<Vec<Fault>, _> = specs.iter().map(|s| Fault::parse(s)).collect();
    match parsed {
        Ok(faults) => {
            let mut table = shared.faults.lock().expect("fault lock");
            for fault in faults {
                table.add(fault);
            }
            drop(table);
            Reply::json(StatusCode::CREATED, fault_list(shared))
        }
        Err(err) => Reply::unprocessable(&err.to_string()),
    }
}

/// Body: `{"repo": "acme/api", "branch": "main"}`.
fn drift(shared: &Shared, body: &[u8]) -> Reply {
    let value = match parse_json(body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let (Some(repo), Some(branch)) = (value["repo"].as_str(), value["branch"].as_str()) else {
        return Reply::unprocessable("Send {\"repo\": \"OWNER/NAME\", \"branch\": \"BRANCH\"}");
    };
    let result = {
        let mut state = shared.state.lock().expect("sandbox state lock");
        super::drift::apply(&mut state, repo, branch, shared.clock.now())
    };
    match result {
        Ok(what) => {
            shared.persist();
            Reply::ok(json!({"applied": what}))
        }
        Err(why) => Reply::unprocessable(&why),
    }
}
