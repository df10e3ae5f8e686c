//! Configuration: TOML in the config directory, layered command line > file > defaults,
//! validated at load with errors that name the file, the line and the fix. Reads one
//! file; never writes, never touches the network.

mod error;
mod file;
mod input;

pub use error::{ConfigError, Origin};
pub use input::InputError;

use crate::paths::Paths;
use crate::runbook::{Runbook, RunbookError};
use chrono::Duration;
use regex::Regex;
use std::path::PathBuf;
use url::Url;

/// The lease when neither the command line nor the file says otherwise.
pub const DEFAULT_LEASE: &str = "30m";
/// The longest a lease may run, extensions included.
pub const DEFAULT_LEASE_CAP: &str = "2h";
/// How long a second person has to approve before the request ends.
pub const DEFAULT_APPROVAL_TIMEOUT: &str = "15m";
/// Incident ids: a letter, then letters, digits, `-` or `_`; safe in git ref names.
pub const DEFAULT_INCIDENT_ID_PATTERN: &str = "^[A-Za-z][A-Za-z0-9_-]{1,63}$";
/// A reason must link to something: the incident ticket.
pub const DEFAULT_REASON_PATTERN: &str = r"https?://\S+";
pub const DEFAULT_API_URL: &str = "https://api.github.com";
pub const DEFAULT_REMOTE: &str = "origin";
/// Chat services whose links are not accepted as an incident's reason.
pub const DEFAULT_CHAT_HOSTS: &[&str] = &[
    "slack.com",
    "teams.microsoft.com",
    "teams.live.com",
    "discord.com",
    "discord.gg",
    "discordapp.com",
    "chat.google.com",
    "zulipchat.com",
    "t.me",
    "wa.me",
];

/// The configuration in effect.
#[derive(Debug, Clone)]
pub struct Config {
    /// The lease an incident gets when it does not ask for one.
    pub lease_default: Duration,
    /// The longest a lease may run from activation, extensions included.
    pub lease_cap: Duration,
    pub incident_id_pattern: Regex,
    pub reason_pattern: Regex,
    /// Refuse a reason whose only links point at a chat service.
    pub reject_chat_links: bool,
    /// Hosts (and their subdomains) counted as chat services.
    pub chat_hosts: Vec<String>,
    /// The forge's REST API base (GitHub Enterprise: `https://HOST/api/v3`).
    pub api_url: Url,
    /// Where `api_url` was set (the file's line, or the command line); `None`: the default.
    pub api_url_origin: Option<Origin>,
    /// A runbook to use instead of `runbook.toml` in the config dir or the default.
    pub runbook: Option<PathBuf>,
    /// The git remote that points at the forge.
    pub remote: String,
    /// The file that was read, if there was one.
    pub file: Option<PathBuf>,
    /// `[mirror] repo`: where incident issues are opened; `None`: each incident's own
    /// repository.
    pub mirror_repo: Option<crate::forge::RepoId>,
    /// `[notify] webhooks`: Slack-style incoming webhooks told of each step. The URLs are
    /// secrets (they authorise posting), so they never reach a log or the output.
    pub notify_webhooks: Vec<crate::secret::Secret>,
    /// The two-person rule (`[approval]`).
    pub approval: ApprovalConfig,
}

/// `[approval]`: whether the glass waits for a second person, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalConfig {
    /// The glass opens only after a second person's approval (or a loud self-approval).
    pub required: bool,
    /// How long a request stands before it ends unanswered.
    pub timeout: Duration,
}

impl Default for ApprovalConfig {
    fn default() -> Self {
        ApprovalConfig {
            required: true,
            timeout: Duration::minutes(15),
        }
    }
}

/// Settings given on the command line; each wins over the file.
#[derive(Debug, Clone, Default)]
pub struct ConfigOverrides {
    pub lease: Option<Duration>,
    pub api_url: Option<String>,
    pub remote: Option<String>,
    pub runbook: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            lease_default: Duration::minutes(30),
            lease_cap: Duration::hours(2),
            incident_id_pattern: Regex::new(DEFAULT_INCIDENT_ID_PATTERN).expect("valid"),
            reason_pattern: Regex::new(DEFAULT_REASON_PATTERN).expect("valid"),
            reject_chat_links: true,
            chat_hosts: DEFAULT_CHAT_HOSTS.iter().map(|h| (*h).to_owned()).collect(),
            api_url: Url::parse(DEFAULT_API_URL).expect("valid"),
            api_url_origin: None,
            runbook: None,
            remote: DEFAULT_REMOTE.to_owned(),
            file: None,
            mirror_repo: None,
            notify_webhooks: Vec::new(),
            approval: ApprovalConfig::default(),
        }
    }
}

impl Config {
    /// Defaults, then `config.toml` from the config directory if it exists, then
    /// `overrides`; everything validated.
    pub fn load(paths: &Paths, overrides: &ConfigOverrides) -> Result<Config, ConfigError> {
        let path = paths.config_file();
        let mut config = match std::fs::read_to_string(&path) {
            Ok(text) => file::apply(Config::default(), &text, &path, &paths.config_dir)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => {
                return Err(ConfigError::Read {
                    path,
                    reason: e.to_string(),
                });
            }
        };
        config.apply_overrides(overrides)?;
        Ok(config)
    }

    /// The runbook in effect: the configured path, else `runbook.toml` in the config
    /// directory, else the embedded default.
    pub fn runbook(&self, paths: &Paths) -> Result<Runbook, RunbookError> {
        Runbook::resolve(&paths.config_dir, self.runbook.as_deref())
    }

    fn apply_overrides(&mut self, overrides: &ConfigOverrides) -> Result<(), ConfigError> {
        let cli = || error::Origin::CommandLine;
        if let Some(lease) = overrides.lease {
            self.lease_default = lease;
        }
        if let Some(api_url) = &overrides.api_url {
            self.api_url =
                file::parse_api_url(api_url).map_err(|problem| ConfigError::Invalid {
                    origin: cli(),
                    key: "--api-url",
                    problem,
                })?;
            self.api_url_origin = Some(cli());
        }
        if let Some(remote) = &overrides.remote {
            self.remote = file::check_remote(remote).map_err(|problem| ConfigError::Invalid {
                origin: cli(),
                key: "--remote",
                problem,
            })?;
        }
        if let Some(runbook) = &overrides.runbook {
            self.runbook = Some(runbook.clone());
        }
        file::check_lease(self.lease_default, self.lease_cap).map_err(|problem| {
            ConfigError::Invalid {
                origin: cli(),
                key: "lease",
                problem,
            }
        })
    }
}

/// Parses a human duration such as `30m`, `90s` or `1h 30m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let parsed = humantime::parse_duration(text.trim()).map_err(|e| {
        format!(
            "`{}` is not a duration ({e}); write it like \"30m\", \"90s\" or \"1h 30m\"",
            crate::text::sanitize_line(text)
        )
    })?;
    Duration::from_std(parsed).map_err(|_| format!("`{text}` is too long"))
}

/// A duration the way an operator writes it (`1h 30m`, `45s`).
pub fn format_duration(duration: Duration) -> String {
    let std = duration.to_std().unwrap_or_default();
    humantime::format_duration(std::time::Duration::from_secs(std.as_secs())).to_string()
}

#[cfg(test)]
mod tests;
