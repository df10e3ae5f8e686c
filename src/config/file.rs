//! Reading `config.toml` over the defaults: the file's shape (unknown keys refused),
//! each value checked with its line, and the checks the command line shares.

use super::Config;
use super::error::{ConfigError, Origin, closest};
use chrono::Duration;
use regex::Regex;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;
use url::Url;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    api_url: Option<Spanned<String>>,
    remote: Option<Spanned<String>>,
    runbook: Option<Spanned<String>>,
    lease: Option<RawLease>,
    incident: Option<RawIncident>,
    mirror: Option<RawMirror>,
    notify: Option<RawNotify>,
    approval: Option<RawApproval>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMirror {
    repo: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotify {
    webhooks: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApproval {
    required: Option<bool>,
    timeout: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLease {
    default: Option<Spanned<String>>,
    cap: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIncident {
    id_pattern: Option<Spanned<String>>,
    reason_pattern: Option<Spanned<String>>,
    reject_chat_links: Option<bool>,
    chat_hosts: Option<Vec<String>>,
}

struct FileContext<'a> {
    text: &'a str,
    path: &'a Path,
}

impl FileContext<'_> {
    fn origin(&self, offset: Option<usize>) -> Origin {
        Origin::File {
            path: self.path.to_path_buf(),
            line: offset.map(|at| crate::runbook::line_of(self.text, at)),
        }
    }

    fn check<T>(
        &self,
        value: &Spanned<String>,
        key: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        parse(value.get_ref()).map_err(|problem| ConfigError::Invalid {
            origin: self.origin(Some(value.span().start)),
            key,
            problem,
        })
    }
}

/// `config` with the settings of the file at `path` (whose text is `text`) applied.
pub(super) fn apply(
    mut config: Config,
    text: &str,
    path: &Path,
    config_dir: &Path,
) -> Result<Config, ConfigError> {
    let file = FileContext { text, path };
    let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(&file, &e))?;
    config.file = Some(path.to_path_buf());
    if let Some(v) = &raw.api_url {
        config.api_url = file.check(v, "api_url", parse_api_url)?;
        config.api_url_origin = Some(file.origin(Some(v.span().start)));
    }
    if let Some(v) = &raw.remote {
        config.remote = file.check(v, "remote", check_remote)?;
    }
    if let Some(v) = &raw.runbook {
        config.runbook = Some(file.check(v, "runbook", |p| runbook_path(p, config_dir))?);
    }
    if let Some(lease) = &raw.lease {
        apply_lease(&mut config, &file, lease)?;
    }
    if let Some(v) = raw.mirror.as_ref().and_then(|m| m.repo.as_ref()) {
        config.mirror_repo = Some(file.check(v, "mirror.repo", parse_repo)?);
    }
    if let Some(notify) = &raw.notify {
        for v in notify.webhooks.iter().flatten() {
            let url = file.check(v, "notify.webhooks", parse_webhook)?;
            config.notify_webhooks.push(url);
        }
    }
    if let Some(approval) = &raw.approval {
        if let Some(required) = approval.required {
            config.approval.required = required;
        }
        if let Some(v) = &approval.timeout {
            config.approval.timeout = file.check(v, "approval.timeout", positive_duration)?;
        }
    }
    if let Some(incident) = raw.incident {
        if let Some(v) = &incident.id_pattern {
            config.incident_id_pattern = file.check(v, "incident.id_pattern", parse_pattern)?;
        }
        if let Some(v) = &incident.reason_pattern {
            config.reason_pattern = file.check(v, "incident.reason_pattern", parse_pattern)?;
        }
        if let Some(reject) = incident.reject_chat_links {
            config.reject_chat_links = reject;
        }
        if let Some(hosts) = incident.chat_hosts {
            config.chat_hosts = hosts
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect();
        }
    }
    Ok(config)
}

fn apply_lease(
    config: &mut Config,
    file: &FileContext<'_>,
    lease: &RawLease,
) -> Result<(), ConfigError> {
    if let Some(v) = &lease.cap {
        config.lease_cap = file.check(v, "lease.cap", positive_duration)?;
    }
    if let Some(v) = &lease.default {
        config.lease_default = file.check(v, "lease.default", positive_duration)?;
    }
    let at = lease
        .default
        .as_ref()
        .or(lease.cap.as_ref())
        .map(|v| v.span().start);
    check_lease(config.lease_default, config.lease_cap).map_err(|problem| ConfigError::Invalid {
        origin: file.origin(at),
        key: "lease.default",
        problem,
    })
}

fn toml_error(file: &FileContext<'_>, error: &toml::de::Error) -> ConfigError {
    let origin = file.origin(error.span().map(|s| s.start));
    let message = error.message().trim();
    let unknown = Regex::new(r"^unknown field `([^`]*)`(?:, expected (.*))?$").expect("valid");
    let Some(caps) = unknown.captures(message) else {
        return ConfigError::Syntax {
            origin,
            message: message.to_owned(),
        };
    };
    let key = crate::text::sanitize_line(&caps[1]);
    let expected: Vec<String> = caps.get(2).map_or_else(Vec::new, |list| {
        Regex::new(r"`([^`]*)`")
            .expect("valid")
            .captures_iter(list.as_str())
            .map(|c| c[1].to_owned())
            .collect()
    });
    let suggestion = closest(&key, &expected).map(str::to_owned);
    ConfigError::UnknownKey {
        origin,
        key,
        suggestion,
        expected,
    }
}

fn positive_duration(text: &str) -> Result<Duration, String> {
    let duration = super::parse_duration(text)?;
    if duration < Duration::seconds(1) {
        return Err(format!(
            "is `{text}`, which is less than a second; give a length such as \"30m\""
        ));
    }
    Ok(duration)
}

/// The default lease must fit inside the cap.
pub(super) fn check_lease(default: Duration, cap: Duration) -> Result<(), String> {
    if default > cap {
        return Err(format!(
            "({}) is longer than the lease cap `lease.cap` ({}); lower the default or raise the cap",
            super::format_duration(default),
            super::format_duration(cap)
        ));
    }
    Ok(())
}

/// An API base URL: https, or http only to this machine (the sandbox), since the token
/// travels with every request.
pub(super) fn parse_api_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| {
        format!(
            "is not a URL ({e}); write the API base, such as https://api.github.com or \
             https://github.example.com/api/v3 for GitHub Enterprise"
        )
    })?;
    let loopback = matches!(url.host(), Some(url::Host::Domain("localhost")))
        || matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
        || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(format!(
            "uses http:// for {}, so the token would travel unencrypted; use https://",
            url.host_str().unwrap_or("a remote host")
        )),
        scheme => Err(format!("has scheme `{scheme}`; use an https:// URL")),
    }
}

/// A git remote name: not empty, no spaces.
pub(super) fn check_remote(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must name a git remote, such as `origin` (no spaces)".to_owned());
    }
    Ok(name.to_owned())
}

fn parse_repo(text: &str) -> Result<crate::forge::RepoId, String> {
    text.trim()
        .parse()
        .map_err(|e: crate::forge::RepoIdError| e.to_string())
}

/// A webhook URL: https (or http to this machine, for a local receiver). The URL is a
/// secret, so the message names its host at most, never the URL.
fn parse_webhook(text: &str) -> Result<crate::secret::Secret, String> {
    let url = Url::parse(text.trim()).map_err(|_| {
        "is not a URL; paste the whole incoming-webhook URL, such as \
         https://hooks.slack.com/services/…"
            .to_owned()
    })?;
    match (url.scheme(), is_loopback(&url)) {
        ("https", _) | ("http", true) => Ok(crate::secret::Secret::new(url.as_str())),
        _ => Err(format!(
            "must be an https:// URL (the one for {} is not)",
            url.host_str().unwrap_or("this webhook")
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    matches!(url.host(), Some(url::Host::Domain("localhost")))
        || matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
        || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
}

fn parse_pattern(text: &str) -> Result<Regex, String> {
    Regex::new(text).map_err(|e| {
        let first_line = e.to_string().lines().last().unwrap_or_default().to_owned();
        format!("is not a valid regular expression ({first_line}); fix the pattern or remove the key to use the default")
    })
}

/// A runbook path; relative paths are relative to the config directory.
fn runbook_path(text: &str, config_dir: &Path) -> Result<PathBuf, String> {
    if text.trim().is_empty() {
        return Err("is empty; give the path of a runbook TOML file or remove the key".to_owned());
    }
    Ok(config_dir.join(text.trim()))
}
