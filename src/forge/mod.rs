//! Forge adapters: the shared vocabulary (repositories, identities, permissions), the
//! protection model and relax planner, the GitHub client, and the sandbox forge.
//!
//! Nothing in here knows about incidents, the audit log or the terminal.

pub mod classic;
mod classic_parse;
pub mod diff;
pub mod github;
pub mod github_forge;
pub mod keep_theirs;
pub mod plan;
mod plan_classic;
mod plan_text;
pub mod port;
pub mod request;
pub mod restore;
pub mod ruleset;
pub mod sandbox;
pub mod snapshot;
pub mod token;

pub use github_forge::{GitHubForge, GitHubForgeOptions};
pub use port::Forge;

use serde::{Deserialize, Serialize};
use std::fmt;

/// A repository on a forge, `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RepoId {
    pub owner: String,
    pub name: String,
}

/// Why an `owner/name` string is not a repository id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a repository: write it as OWNER/NAME, for example acme/api")]
pub struct RepoIdError {
    pub input: String,
}

impl RepoId {
    pub fn new(owner: impl Into<String>, name: impl Into<String>) -> Self {
        RepoId {
            owner: owner.into(),
            name: name.into(),
        }
    }
}

impl std::str::FromStr for RepoId {
    type Err = RepoIdError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = || RepoIdError {
            input: crate::text::sanitize_line(input),
        };
        let (owner, name) = input.split_once('/').ok_or_else(err)?;
        let valid = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if valid(owner) && valid(name) {
            Ok(RepoId::new(owner, name))
        } else {
            Err(err())
        }
    }
}

impl fmt::Display for RepoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// A person's role on a repository, named as GitHub names repository permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    None,
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

impl Permission {
    /// Parses GitHub's names (`admin`, `maintain`, `write`, `triage`, `read`, `none`;
    /// `push`/`pull` as the older API spells write/read).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "admin" => Permission::Admin,
            "maintain" => Permission::Maintain,
            "write" | "push" => Permission::Write,
            "triage" => Permission::Triage,
            "read" | "pull" => Permission::Read,
            "none" => Permission::None,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Admin => "admin",
            Permission::Maintain => "maintain",
            Permission::Write => "write",
            Permission::Triage => "triage",
            Permission::Read => "read",
            Permission::None => "none",
        }
    }

    /// May push commits (before any branch protection is considered).
    pub fn can_push(self) -> bool {
        self >= Permission::Write
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of token the operator holds, read from its prefix (never from its value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// `ghp_`: a classic personal access token (scopes in `X-OAuth-Scopes`).
    Classic,
    /// `github_pat_`: a fine-grained personal access token (no scopes header).
    FineGrained,
    /// `gho_`: an OAuth app token.
    OAuth,
    /// `ghu_`: a GitHub App user-to-server token.
    AppUser,
    /// `ghs_`: a GitHub App installation token (expires after an hour).
    AppInstallation,
    /// Anything else, including the sandbox forge's tokens.
    Other,
}

impl TokenKind {
    pub fn of(token: &crate::secret::Secret) -> Self {
        let t = token.expose();
        if t.starts_with("github_pat_") {
            TokenKind::FineGrained
        } else if t.starts_with("ghp_") {
            TokenKind::Classic
        } else if t.starts_with("gho_") {
            TokenKind::OAuth
        } else if t.starts_with("ghu_") {
            TokenKind::AppUser
        } else if t.starts_with("ghs_") {
            TokenKind::AppInstallation
        } else {
            TokenKind::Other
        }
    }
}

/// Who the token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub login: String,
    /// The numeric user id (what ruleset bypass actors name).
    pub id: u64,
    pub token_kind: TokenKind,
    /// Classic tokens' scopes from `X-OAuth-Scopes`; `None` where the forge sends none.
    pub scopes: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn repo_ids_parse_and_print() {
        let id: RepoId = "acme/api".parse().unwrap();
        assert_eq!(id, RepoId::new("acme", "api"));
        assert_eq!(id.to_string(), "acme/api");
        for bad in ["acme", "/api", "acme/", "a/b/c", "acme/a pi"] {
            assert!(bad.parse::<RepoId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn permissions_order_by_power_and_parse_github_names() {
        assert!(Permission::Admin > Permission::Maintain);
        assert!(Permission::Write.can_push());
        assert!(!Permission::Triage.can_push());
        assert_eq!(Permission::parse("push"), Some(Permission::Write));
        assert_eq!(Permission::parse("owner"), None);
    }

    #[test]
    fn token_kind_comes_from_the_prefix() {
        assert_eq!(TokenKind::of(&Secret::new("ghp_x")), TokenKind::Classic);
        assert_eq!(
            TokenKind::of(&Secret::new("github_pat_x")),
            TokenKind::FineGrained
        );
        assert_eq!(
            TokenKind::of(&Secret::new("ghs_x")),
            TokenKind::AppInstallation
        );
        assert_eq!(TokenKind::of(&Secret::new("sandbox_x")), TokenKind::Other);
    }
}
