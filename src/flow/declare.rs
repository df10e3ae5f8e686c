//! Declaring an incident: the id, reason and lease length checked against the
//! configuration, and the `declared` event, which binds the incident to this flow's forge
//! (and notes the clone's remote). Nothing here touches the forge.

use super::context::Flow;
use super::error::FlowError;
use crate::forge::RepoId;
use crate::incident::{Incident, IncidentEvent};
use chrono::Duration;
use std::path::Path;

/// What the operator declares.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub id: String,
    pub repo: RepoId,
    pub branch: String,
    /// What is broken, with a link to the incident ticket.
    pub reason: String,
    /// The lease asked for; `None`: the configured default.
    pub ttl: Option<Duration>,
    /// A rehearsal against the sandbox.
    pub drill: bool,
    /// The URL of the clone's remote, when the fix is in a clone (see
    /// [`Flow::clone_remote_url`]).
    pub remote_url: Option<String>,
}

impl Flow {
    /// Records the declaration after checking it; refuses an id the log already holds.
    pub async fn declare(&self, declaration: Declaration) -> Result<Incident, FlowError> {
        self.declare_scenario(declaration, None).await
    }

    /// [`Flow::declare`] for a drill that rehearses `scenario` (recorded in the
    /// declaration, so history can group runs of one scenario).
    pub async fn declare_scenario(
        &self,
        declaration: Declaration,
        scenario: Option<String>,
    ) -> Result<Incident, FlowError> {
        let config = &self.config;
        config.validate_incident_id(&declaration.id)?;
        let reason = config.validate_reason(&declaration.reason)?;
        let ttl = config.clamp_or_reject_ttl(declaration.ttl)?;
        let id = declaration.id;
        let _lock = self.lock(&id)?;
        if self.recorder.find(&id)?.is_some() {
            return Err(FlowError::AlreadyDeclared { id });
        }
        let runbook = config
            .runbook(&self.paths)
            .map(|r| r.name)
            .unwrap_or_else(|_| "default".into());
        let seconds = |d: Duration| u64::try_from(d.num_seconds()).unwrap_or(0);
        self.recorder.record(
            &id,
            &IncidentEvent::Declared {
                id: id.clone(),
                repo: declaration.repo.to_string(),
                branch: crate::text::sanitize_line(&declaration.branch),
                reason,
                ttl: seconds(ttl),
                cap: seconds(config.lease_cap),
                runbook,
                drill: declaration.drill,
                api_url: Some(self.options.api_url.clone()),
                remote_url: declaration
                    .remote_url
                    .as_deref()
                    .map(without_credentials)
                    .map(|url| crate::text::sanitize_line(&url)),
                scenario: scenario.map(|s| crate::text::sanitize_line(&s)),
            },
        )?;
        self.recorder.load(&id)
    }
}

impl Flow {
    /// The URL of `remote` (default: the configured one) in the clone at `dir` (default:
    /// the working directory), for the `declared` event; `None` when there is no such clone
    /// or remote.
    pub fn clone_remote_url(&self, dir: Option<&Path>, remote: Option<&str>) -> Option<String> {
        let local = crate::git::LocalRepo::discover(&super::local::dir_or_cwd(dir)).ok()?;
        let remote = local
            .forge_remote(remote.unwrap_or(&self.config.remote))
            .ok()?;
        Some(remote.url)
    }
}

/// A remote URL with any user name and password removed: a token pasted into a remote URL
/// must not reach the audit log.
fn without_credentials(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.has_authority() && !parsed.username().is_empty() => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::without_credentials;

    #[test]
    fn remote_urls_lose_their_credentials() {
        assert_eq!(
            without_credentials("https://x-access-token:ghp_secret@github.com/acme/api.git"),
            "https://github.com/acme/api.git"
        );
        assert_eq!(
            without_credentials("https://ghp_secret@ghe.example.com/acme/api.git"),
            "https://ghe.example.com/acme/api.git"
        );
        // scp-like ssh remotes name the ssh user, not a secret.
        assert_eq!(
            without_credentials("git@github.com:acme/api.git"),
            "git@github.com:acme/api.git"
        );
    }
}
