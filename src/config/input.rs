//! Checking what an operator types when declaring an incident (id, reason, lease length)
//! against the configuration, with messages that say what to type instead.

use super::{Config, format_duration};
use chrono::Duration;
use regex::Regex;
use std::sync::LazyLock;

/// An incident id, reason or lease length the configuration does not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error(
        "incident id `{id}` may only hold letters, digits, `-`, `_` and `.` (at most 64), \
         because it names git refs and files; try something like INC-1234"
    )]
    UnsafeIncidentId { id: String },
    #[error(
        "incident id `{id}` does not match the pattern `{pattern}` (config \
         `incident.id_pattern`); try something like INC-1234"
    )]
    IncidentIdPattern { id: String, pattern: String },
    #[error("the reason is empty; say what is broken and link the incident ticket")]
    EmptyReason,
    #[error(
        "the reason does not match `{pattern}` (config `incident.reason_pattern`); link the \
         incident ticket, e.g. \"checkout returns 500 — https://tickets.example.com/INC-1234\""
    )]
    ReasonPattern { pattern: String },
    #[error(
        "the reason links only to a chat ({host}); link the incident ticket instead: chat \
         threads expire and auditors cannot see them"
    )]
    ChatLink { host: String },
    #[error("a lease must last at least one second; ask for a length such as \"30m\"")]
    TtlTooShort,
    #[error(
        "a lease of {requested} is longer than the cap of {cap} (config `lease.cap`); ask \
         for at most {cap} and extend later with a reason if needed"
    )]
    TtlOverCap { requested: String, cap: String },
}

static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"https?://[^\s<>"')\]]+"#).expect("valid"));

impl Config {
    /// Accepts an incident id that matches the configured pattern and is safe in git ref
    /// names and file names whatever the pattern says.
    pub fn validate_incident_id(&self, id: &str) -> Result<(), InputError> {
        let shown = || crate::text::sanitize_line(id);
        let safe = !id.is_empty()
            && id.len() <= 64
            && !id.starts_with('.')
            && !id.contains("..")
            && !id.ends_with(".lock")
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !safe {
            return Err(InputError::UnsafeIncidentId { id: shown() });
        }
        if !self.incident_id_pattern.is_match(id) {
            return Err(InputError::IncidentIdPattern {
                id: shown(),
                pattern: self.incident_id_pattern.as_str().to_owned(),
            });
        }
        Ok(())
    }

    /// The reason as it will be stored (trimmed, one line, control characters escaped),
    /// if it matches the configured pattern and does not link only to chat.
    pub fn validate_reason(&self, reason: &str) -> Result<String, InputError> {
        let reason = crate::text::sanitize_line(reason.trim());
        if reason.is_empty() {
            return Err(InputError::EmptyReason);
        }
        if !self.reason_pattern.is_match(&reason) {
            return Err(InputError::ReasonPattern {
                pattern: self.reason_pattern.as_str().to_owned(),
            });
        }
        if self.reject_chat_links {
            let hosts: Vec<String> = URL
                .find_iter(&reason)
                .filter_map(|m| url::Url::parse(m.as_str()).ok())
                .filter_map(|u| u.host_str().map(str::to_ascii_lowercase))
                .collect();
            if let Some(first) = hosts.first()
                && hosts.iter().all(|h| self.is_chat_host(h))
            {
                return Err(InputError::ChatLink {
                    host: first.clone(),
                });
            }
        }
        Ok(reason)
    }

    fn is_chat_host(&self, host: &str) -> bool {
        self.chat_hosts
            .iter()
            .any(|chat| host == chat || host.ends_with(&format!(".{chat}")))
    }

    /// The lease an incident gets: the default when none is asked for, else the request
    /// rounded down to whole seconds (events store seconds). Longer than the cap is
    /// refused rather than silently shortened, so the operator knows the real deadline.
    pub fn clamp_or_reject_ttl(&self, requested: Option<Duration>) -> Result<Duration, InputError> {
        let Some(requested) = requested else {
            return Ok(self.lease_default);
        };
        let whole = Duration::seconds(requested.num_seconds());
        if whole < Duration::seconds(1) {
            return Err(InputError::TtlTooShort);
        }
        if whole > self.lease_cap {
            return Err(InputError::TtlOverCap {
                requested: format_duration(whole),
                cap: format_duration(self.lease_cap),
            });
        }
        Ok(whole)
    }
}
