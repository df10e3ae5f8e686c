//! Config loading against real files in temporary directories, one test per error.

use super::*;
use crate::paths::Paths;
use tempfile::TempDir;

fn home_with(config: &str) -> (TempDir, Paths) {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    paths.ensure().unwrap();
    std::fs::write(paths.config_file(), config).unwrap();
    (home, paths)
}

fn load_err(config: &str) -> (ConfigError, Paths, TempDir) {
    let (home, paths) = home_with(config);
    let err = Config::load(&paths, &ConfigOverrides::default()).unwrap_err();
    (err, paths, home)
}

#[test]
fn without_a_file_the_defaults_apply() {
    let home = tempfile::tempdir().unwrap();
    let config = Config::load(&Paths::under(home.path()), &ConfigOverrides::default()).unwrap();
    assert_eq!(config.lease_default, Duration::minutes(30));
    assert_eq!(config.lease_cap, Duration::hours(2));
    assert_eq!(config.api_url.as_str(), "https://api.github.com/");
    assert_eq!(
        config.api_url_origin, None,
        "the default is nobody's choice"
    );
    assert_eq!(config.remote, "origin");
    assert!(config.runbook.is_none() && config.file.is_none());
}

#[test]
fn a_full_file_sets_every_value() {
    let (_home, paths) = home_with(
        r#"
api_url = "https://github.example.com/api/v3"
remote = "upstream"
runbook = "team-runbook.toml"

[lease]
default = "15m"
cap = "1h"

[incident]
id_pattern = '^SEV-[0-9]+$'
reason_pattern = 'JIRA-[0-9]+'
reject_chat_links = false
chat_hosts = ["chat.example.com"]
"#,
    );
    let config = Config::load(&paths, &ConfigOverrides::default()).unwrap();
    assert_eq!(config.api_url.as_str(), "https://github.example.com/api/v3");
    assert_eq!(
        config.api_url_origin.as_ref().map(ToString::to_string),
        Some(format!("{} line 2", paths.config_file().display()))
    );
    assert_eq!(config.remote, "upstream");
    assert_eq!(
        config.runbook,
        Some(paths.config_dir.join("team-runbook.toml"))
    );
    assert_eq!(config.lease_default, Duration::minutes(15));
    assert_eq!(config.lease_cap, Duration::hours(1));
    assert!(config.validate_incident_id("SEV-12").is_ok());
    assert!(config.validate_incident_id("INC-12").is_err());
    assert!(config.validate_reason("see JIRA-77").is_ok());
    assert!(!config.reject_chat_links);
    assert_eq!(config.chat_hosts, ["chat.example.com"]);
    assert_eq!(config.file, Some(paths.config_file()));
}

#[test]
fn the_command_line_wins_over_the_file() {
    let (_home, paths) =
        home_with("remote = \"upstream\"\napi_url = \"https://ghe.example/api/v3\"\n");
    let overrides = ConfigOverrides {
        lease: Some(Duration::minutes(5)),
        api_url: Some("http://127.0.0.1:8080".into()),
        remote: Some("fork".into()),
        runbook: Some("/tmp/rb.toml".into()),
    };
    let config = Config::load(&paths, &overrides).unwrap();
    assert_eq!(config.remote, "fork");
    assert_eq!(config.api_url.as_str(), "http://127.0.0.1:8080/");
    assert_eq!(
        config.api_url_origin,
        Some(crate::config::Origin::CommandLine)
    );
    assert_eq!(config.lease_default, Duration::minutes(5));
    assert_eq!(
        config.runbook.as_deref(),
        Some(std::path::Path::new("/tmp/rb.toml"))
    );
}

#[test]
fn an_unknown_key_names_file_line_and_the_likely_key() {
    let (err, paths, _home) = load_err("remote = \"origin\"\n\nleese = \"30m\"\n");
    assert!(
        matches!(&err, ConfigError::UnknownKey { key, suggestion: Some(s), .. } if key == "leese" && s == "lease"),
        "{err:?}"
    );
    assert_eq!(err.line(), Some(3));
    assert_eq!(
        err.to_string(),
        format!(
            "unknown key `leese` in {} line 3: did you mean `lease`?",
            paths.config_file().display()
        )
    );
}

#[test]
fn an_unknown_key_inside_a_section_is_caught_too() {
    let (err, _paths, _home) = load_err("[lease]\ndefualt = \"10m\"\n");
    assert!(
        matches!(&err, ConfigError::UnknownKey { suggestion: Some(s), .. } if s == "default"),
        "{err:?}"
    );
    assert_eq!(err.line(), Some(2));
    let (err, _paths, _home) = load_err("[lease]\nbanana = 1\n");
    assert!(
        err.to_string()
            .contains("remove it, or use one of `default`, `cap`"),
        "{err}"
    );
}

#[test]
fn broken_toml_is_reported_with_its_line() {
    let (err, _paths, _home) = load_err("remote = \"origin\"\napi_url = \n");
    assert!(matches!(err, ConfigError::Syntax { .. }), "{err:?}");
    assert_eq!(err.line(), Some(2));
}

#[test]
fn a_default_lease_above_the_cap_is_refused() {
    let (err, _paths, _home) = load_err("[lease]\ndefault = \"3h\"\ncap = \"2h\"\n");
    assert!(
        matches!(
            &err,
            ConfigError::Invalid {
                key: "lease.default",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.line(), Some(2));
    assert!(
        err.to_string()
            .contains("lower the default or raise the cap"),
        "{err}"
    );
}

#[test]
fn a_default_lease_above_the_cap_from_the_command_line_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let overrides = ConfigOverrides {
        lease: Some(Duration::hours(3)),
        ..Default::default()
    };
    let err = Config::load(&Paths::under(home.path()), &overrides).unwrap_err();
    assert!(
        err.to_string().starts_with("the command line: `lease`"),
        "{err}"
    );
}

#[test]
fn unparsable_durations_patterns_and_urls_name_their_key_and_line() {
    for (text, key, line, needle) in [
        ("[lease]\ncap = \"soon\"\n", "lease.cap", 2, "\"30m\""),
        (
            "[lease]\n\ndefault = \"0s\"\n",
            "lease.default",
            3,
            "less than a second",
        ),
        (
            "[incident]\nid_pattern = '(['\n",
            "incident.id_pattern",
            2,
            "regular expression",
        ),
        (
            "api_url = \"http://ghe.example/api/v3\"\n",
            "api_url",
            1,
            "unencrypted",
        ),
        (
            "api_url = \"not a url\"\n",
            "api_url",
            1,
            "GitHub Enterprise",
        ),
        ("remote = \"my remote\"\n", "remote", 1, "no spaces"),
    ] {
        let (err, _paths, _home) = load_err(text);
        assert!(
            matches!(&err, ConfigError::Invalid { key: k, .. } if *k == key),
            "{text}: {err:?}"
        );
        assert_eq!(err.line(), Some(line), "{text}");
        assert!(err.to_string().contains(needle), "{text}: {err}");
    }
}

#[test]
fn an_unreadable_config_file_is_reported() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    std::fs::create_dir_all(paths.config_file()).unwrap();
    let err = Config::load(&paths, &ConfigOverrides::default()).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
}

#[test]
fn incident_ids_must_match_the_pattern_and_be_safe_in_refs() {
    let config = Config::default();
    assert!(config.validate_incident_id("INC-1234").is_ok());
    for bad in ["", "1abc", "a", "has space", "a/b", "x..y", "evil\u{1b}[2J"] {
        assert!(config.validate_incident_id(bad).is_err(), "{bad:?}");
    }
    let loose = Config {
        incident_id_pattern: Regex::new(".*").unwrap(),
        ..Config::default()
    };
    assert!(matches!(
        loose.validate_incident_id("a/b"),
        Err(InputError::UnsafeIncidentId { .. })
    ));
    let err = config
        .validate_incident_id("evil\u{1b}[2J")
        .unwrap_err()
        .to_string();
    assert!(crate::text::is_clean(&err), "{err:?}");
}

#[test]
fn a_reason_needs_a_ticket_link_not_only_a_chat_link() {
    let config = Config::default();
    assert_eq!(
        config
            .validate_reason("  checkout 500s https://tickets.acme.dev/INC-1  ")
            .unwrap(),
        "checkout 500s https://tickets.acme.dev/INC-1"
    );
    assert_eq!(config.validate_reason("   "), Err(InputError::EmptyReason));
    assert!(matches!(
        config.validate_reason("checkout is down"),
        Err(InputError::ReasonPattern { .. })
    ));
    let err = config
        .validate_reason("see https://acme.slack.com/archives/C1/p2")
        .unwrap_err();
    assert_eq!(
        err,
        InputError::ChatLink {
            host: "acme.slack.com".into()
        }
    );
    assert!(err.to_string().contains("link the incident ticket instead"));
    assert!(
        config
            .validate_reason("https://tickets.acme.dev/INC-1 (thread: https://acme.slack.com/x)")
            .is_ok()
    );
    let stored = config
        .validate_reason("x\u{1b}[31m https://t.acme.dev/1\nmore")
        .unwrap();
    assert!(
        crate::text::is_clean(&stored) && !stored.contains('\n'),
        "{stored:?}"
    );
}

#[test]
fn ttl_defaults_rounds_to_seconds_and_stops_at_the_cap() {
    let config = Config::default();
    assert_eq!(config.clamp_or_reject_ttl(None), Ok(Duration::minutes(30)));
    assert_eq!(
        config.clamp_or_reject_ttl(Some(Duration::hours(2))),
        Ok(Duration::hours(2))
    );
    assert_eq!(
        config.clamp_or_reject_ttl(Some(Duration::milliseconds(90_500))),
        Ok(Duration::seconds(90))
    );
    let err = config
        .clamp_or_reject_ttl(Some(Duration::hours(2) + Duration::seconds(1)))
        .unwrap_err();
    assert_eq!(
        err,
        InputError::TtlOverCap {
            requested: "2h 1s".into(),
            cap: "2h".into()
        }
    );
    for short in [
        Duration::zero(),
        Duration::milliseconds(500),
        Duration::seconds(-5),
    ] {
        assert_eq!(
            config.clamp_or_reject_ttl(Some(short)),
            Err(InputError::TtlTooShort)
        );
    }
}

#[test]
fn durations_parse_the_way_operators_write_them() {
    assert_eq!(parse_duration("1h 30m"), Ok(Duration::minutes(90)));
    assert_eq!(parse_duration(" 45s "), Ok(Duration::seconds(45)));
    assert!(parse_duration("soon").unwrap_err().contains("\"30m\""));
    assert_eq!(format_duration(Duration::minutes(90)), "1h 30m");
}

#[test]
fn the_configured_runbook_is_loaded_relative_to_the_config_dir() {
    let (_home, paths) = home_with("runbook = \"missing.toml\"\n");
    let config = Config::load(&paths, &ConfigOverrides::default()).unwrap();
    let err = config.runbook(&paths).unwrap_err();
    assert_eq!(
        err.origin,
        paths.config_dir.join("missing.toml").display().to_string()
    );
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    let defaults = Config::load(&paths, &ConfigOverrides::default()).unwrap();
    assert_eq!(defaults.runbook(&paths).unwrap().name, "github");
}

#[test]
fn mirror_and_notify_sections_are_read() {
    let (_home, paths) = home_with(
        r#"
[mirror]
repo = "acme/incidents"

[notify]
webhooks = ["https://hooks.slack.com/services/T0/B0/canary-secret", "http://127.0.0.1:9/hook"]
"#,
    );
    let config = Config::load(&paths, &ConfigOverrides::default()).unwrap();
    assert_eq!(
        config.mirror_repo,
        Some(crate::forge::RepoId::new("acme", "incidents"))
    );
    assert_eq!(config.notify_webhooks.len(), 2);
    assert_eq!(
        config.notify_webhooks[0].expose(),
        "https://hooks.slack.com/services/T0/B0/canary-secret"
    );
    assert!(!format!("{config:?}").contains("canary-secret"));
    let defaults = Config::default();
    assert_eq!(defaults.mirror_repo, None);
    assert!(defaults.notify_webhooks.is_empty());
}

#[test]
fn a_bad_mirror_repo_or_webhook_is_refused_without_echoing_the_url() {
    let (err, ..) = load_err("[mirror]\nrepo = \"not a repo\"\n");
    let text = err.to_string();
    assert!(
        text.contains("mirror.repo") && text.contains("OWNER/NAME"),
        "{text}"
    );
    let (err, ..) = load_err("[notify]\nwebhooks = [\"http://hooks.example.com/canary-secret\"]\n");
    let text = err.to_string();
    assert!(
        text.contains("notify.webhooks") && text.contains("https://"),
        "{text}"
    );
    assert!(!text.contains("canary-secret"), "{text}");
}

#[test]
fn approval_is_required_for_fifteen_minutes_unless_the_file_says_otherwise() {
    let home = tempfile::tempdir().unwrap();
    let config = Config::load(&Paths::under(home.path()), &ConfigOverrides::default()).unwrap();
    assert_eq!(
        config.approval,
        ApprovalConfig {
            required: true,
            timeout: Duration::minutes(15)
        }
    );
    let (_home, paths) = home_with("[approval]\nrequired = false\ntimeout = \"5m\"\n");
    let config = Config::load(&paths, &ConfigOverrides::default()).unwrap();
    assert_eq!(
        config.approval,
        ApprovalConfig {
            required: false,
            timeout: Duration::minutes(5)
        }
    );
    let (err, _paths, _home) = load_err("[approval]\n\ntimeout = \"never\"\n");
    assert!(
        matches!(
            &err,
            ConfigError::Invalid {
                key: "approval.timeout",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.line(), Some(3));
    let (err, _paths, _home) = load_err("[approval]\nrequire = true\n");
    assert!(err.to_string().contains("required"), "{err}");
}
