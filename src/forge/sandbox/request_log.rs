//! The request log: one record per request the sandbox answered, for tests and drills
//! to see what a client really sent (and what the sandbox answered).
//!
//! Records never hold credentials: query parameters that look like secrets are masked.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One answered request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    pub method: String,
    /// The path with any secret-looking query values replaced by `***`.
    pub path: String,
    pub status: u16,
    pub duration_ms: u64,
    pub time: DateTime<Utc>,
    /// The authenticated login, if any.
    pub user: Option<String>,
    /// The injected fault that shaped this answer, if any (its spec).
    pub fault: Option<String>,
    /// How many requests had been answered (logged) when this one arrived. A request can
    /// only have waited for those: two requests that each arrived before the other was
    /// answered were in flight together, which shows a client's concurrency without a
    /// clock.
    pub answered_before: usize,
}

/// One answered REST request with its JSON body, kept only while a test asks for them
/// (see `SandboxHandle::record_responses`): what a schema check of the sandbox's answers
/// reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedResponse {
    pub method: String,
    /// The path without its query.
    pub path: String,
    pub status: u16,
    /// `None` for an empty or non-JSON body.
    pub body: Option<serde_json::Value>,
}

/// Masks query values whose names suggest a credential.
pub fn redact_query(path: &str, query: Option<&str>) -> String {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return path.to_owned();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| {
            let (name, _) = pair.split_once('=').unwrap_or((pair, ""));
            let lower = name.to_ascii_lowercase();
            if ["token", "secret", "password", "key", "sig", "code"]
                .iter()
                .any(|s| lower.contains(s))
            {
                format!("{name}=***")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_queries_are_masked_and_the_rest_kept() {
        assert_eq!(
            redact_query("/x", Some("access_token=abc&service=git-upload-pack")),
            "/x?access_token=***&service=git-upload-pack"
        );
        assert_eq!(redact_query("/x", None), "/x");
    }
}
