//! What the TUI is built with before it opens: the declare form's validator from the
//! configuration's patterns, and the form's defaults from the current git remote.
//! Reads the working directory's repository once; never touches the forge.

use crate::config::Config;
use crate::git::LocalRepo;
use crate::tui::declare::{DeclareDraft, DeclareField, DeclareValidator};
use std::path::Path;
use std::sync::Arc;

/// Checks the incident id, the reason and the lease against `config`, as the flow will.
pub fn config_validator(config: Config) -> Arc<dyn DeclareValidator> {
    Arc::new(
        move |field: DeclareField, value: &str| -> Result<(), String> {
            match field {
                DeclareField::Incident => config
                    .validate_incident_id(value.trim())
                    .map_err(|e| e.to_string()),
                DeclareField::Reason => config
                    .validate_reason(value)
                    .map(drop)
                    .map_err(|e| e.to_string()),
                DeclareField::Ttl => {
                    let ttl = crate::config::parse_duration(value.trim())?;
                    config
                        .clamp_or_reject_ttl(Some(ttl))
                        .map(drop)
                        .map_err(|e| e.to_string())
                }
                DeclareField::Repository | DeclareField::Branch => Ok(()),
            }
        },
    )
}

/// The declare form's defaults: the repository the clone at `dir` pushes to (through
/// `config.remote`), the branch the remote calls its default (else `main`), the
/// configured lease. Blank where the directory is not a clone of a forge repository.
pub fn declare_defaults(dir: &Path, config: &Config) -> DeclareDraft {
    let mut draft = DeclareDraft {
        branch: "main".into(),
        ttl: crate::config::format_duration(config.lease_default),
        ..DeclareDraft::default()
    };
    let Ok(local) = LocalRepo::discover(dir) else {
        return draft;
    };
    if let Ok(remote) = local.forge_remote(&config.remote) {
        draft.repository = remote.repo.to_string();
    }
    let head = format!("refs/remotes/{}/HEAD", config.remote);
    if let Some(branch) = local
        .git2()
        .find_reference(&head)
        .ok()
        .and_then(|r| r.symbolic_target().ok().flatten().map(str::to_owned))
        .and_then(|t| t.rsplit('/').next().map(str::to_owned))
    {
        draft.branch = crate::text::sanitize_line(&branch);
    }
    draft
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::declare::DeclareField as F;

    #[test]
    fn the_validator_applies_the_configured_patterns() {
        let check = config_validator(Config::default());
        assert!(check.check(F::Incident, "INC-1").is_ok());
        assert!(check.check(F::Incident, "../etc").is_err());
        assert!(
            check.check(F::Reason, "checkout down").is_err(),
            "needs a link"
        );
        let chat = check
            .check(F::Reason, "see https://acme.slack.com/archives/1")
            .unwrap_err();
        assert!(chat.contains("slack"), "{chat}");
        assert!(
            check
                .check(F::Reason, "https://tickets.acme.dev/1 checkout down")
                .is_ok()
        );
        assert!(check.check(F::Ttl, "30m").is_ok());
        assert!(check.check(F::Ttl, "3h").is_err(), "over the 2 h cap");
    }

    #[test]
    fn defaults_come_from_the_clones_remote() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        repo.remote("origin", "https://github.com/acme/api.git")
            .unwrap();
        let draft = declare_defaults(dir.path(), &Config::default());
        assert_eq!(draft.repository, "acme/api");
        assert_eq!(draft.branch, "main");
        assert_eq!(draft.ttl, "30m");
        assert!(!draft.drill);
        let elsewhere = tempfile::tempdir().unwrap();
        assert_eq!(
            declare_defaults(elsewhere.path(), &Config::default()).repository,
            ""
        );
    }
}
