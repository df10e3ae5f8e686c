//! `ForgeError`: every way a GitHub request can fail, each saying what the operator should
//! do next. Holds no I/O; API error text is sanitised before it enters a variant.

use crate::forge::token::TokenHost;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// The longest piece of server-provided text we put into a message.
const MAX_SERVER_TEXT: usize = 300;

/// A failed forge request, phrased for the incident commander.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForgeError {
    #[error("the forge API URL `{url}` is not usable: {reason}")]
    InvalidApiUrl { url: String, reason: String },

    #[error(
        "the forge at {host} rejected the token (401: {message}): it is invalid or expired — {}",
        .host.token_advice()
    )]
    Unauthorized {
        message: String,
        /// The forge's host, whose rules say where its token comes from.
        host: TokenHost,
    },

    #[error(
        "the token lacks the permission `{permission}` ({message}) — use a token granted {permission}"
    )]
    MissingPermission { permission: String, message: String },

    #[error(
        "GitHub refused the request (403: {message}) — check that the token's owner may do this on the repository (SSO authorisation, plan, role)"
    )]
    Forbidden { message: String },

    #[error(
        "your token cannot administer {repo} (GitHub answers 404 to tokens without admin rights): use a token of a repository admin with administration:write"
    )]
    CannotAdminister { repo: String, message: String },

    #[error(
        "your token cannot administer the rulesets of organisation {org} (GitHub answers 404 without organisation admin rights): use a token of an organisation owner with organization administration:write"
    )]
    CannotAdministerOrg { org: String, message: String },

    #[error("not found: {path} (404: {message}) — check the owner, repository and branch names")]
    NotFound { path: String, message: String },

    #[error("GitHub rejected the request as invalid (422: {message}{})", format_errors(.errors))]
    Validation {
        message: String,
        errors: Vec<String>,
    },

    #[error(
        "GitHub's rate limit is exhausted until {until} — wait until then or use a token with remaining budget"
    )]
    RateLimited { until: DateTime<Utc> },

    #[error(
        "GitHub's secondary rate limit still applied after {attempts} attempts — slow down and retry in a few minutes"
    )]
    SecondaryRateLimited { attempts: u32 },

    #[error(
        "GitHub failed with {status} after {attempts} attempts ({message}) — check https://www.githubstatus.com and retry"
    )]
    Server {
        status: u16,
        message: String,
        attempts: u32,
    },

    #[error(
        "the forge did not answer within {timeout:?} ({attempts} attempts){} — check the network and retry",
        maybe_applied_note(*.maybe_applied)
    )]
    Timeout {
        timeout: Duration,
        attempts: u32,
        /// A write may have reached the forge before the answer was lost.
        maybe_applied: bool,
    },

    #[error(
        "could not reach the forge ({detail}) — is the forge at {url} reachable?{}",
        maybe_applied_note(*.maybe_applied)
    )]
    Network {
        url: String,
        detail: String,
        maybe_applied: bool,
    },

    #[error("GitHub answered {status}: {message}")]
    Http { status: u16, message: String },

    #[error("the forge sent a response breakglass cannot read ({detail})")]
    InvalidResponse { detail: String },
}

fn format_errors(errors: &[String]) -> String {
    if errors.is_empty() {
        String::new()
    } else {
        format!("; {}", errors.join("; "))
    }
}

fn maybe_applied_note(maybe_applied: bool) -> &'static str {
    if maybe_applied {
        "; the change may have been applied: read the state back before retrying"
    } else {
        ""
    }
}

impl ForgeError {
    /// True when a write may have reached the forge although no answer arrived.
    pub fn maybe_applied(&self) -> bool {
        matches!(
            self,
            ForgeError::Timeout {
                maybe_applied: true,
                ..
            } | ForgeError::Network {
                maybe_applied: true,
                ..
            }
        )
    }
}

/// Makes untrusted server text safe for one line of a message, and short.
pub fn sanitize_server_text(text: &str) -> String {
    let line = crate::text::sanitize_line(text.trim());
    if line.chars().count() <= MAX_SERVER_TEXT {
        line
    } else {
        let mut cut: String = line.chars().take(MAX_SERVER_TEXT).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_loses_escapes_and_length() {
        let hostile = format!("bad\u{1b}[2Jthing\n{}", "x".repeat(1000));
        let clean = sanitize_server_text(&hostile);
        assert!(crate::text::is_clean(&clean));
        assert!(!clean.contains('\n'));
        assert!(clean.chars().count() <= MAX_SERVER_TEXT + 1);
        assert!(clean.starts_with("bad\\u{1b}[2Jthing"));
    }

    #[test]
    fn messages_say_what_to_do_next() {
        let e = ForgeError::CannotAdminister {
            repo: "acme/api".into(),
            message: "Not Found".into(),
        };
        assert!(
            e.to_string()
                .contains("your token cannot administer acme/api")
        );
        assert!(e.to_string().contains("administration:write"));
        let e = ForgeError::Unauthorized {
            message: "Bad credentials".into(),
            host: TokenHost::of_api_url("https://api.github.com").unwrap(),
        };
        assert!(e.to_string().contains("set GH_TOKEN"));
        let e = ForgeError::Validation {
            message: "Invalid request".into(),
            errors: vec!["More than one subschema in \"oneOf\" matched".into()],
        };
        assert!(
            e.to_string()
                .contains("Invalid request; More than one subschema")
        );
        let e = ForgeError::Network {
            url: "http://127.0.0.1:9".into(),
            detail: "connection refused".into(),
            maybe_applied: false,
        };
        assert!(
            e.to_string()
                .contains("is the forge at http://127.0.0.1:9 reachable?")
        );
        assert!(!e.maybe_applied());
    }
}
