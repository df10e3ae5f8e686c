//! Preflight reads (forge-api §8 steps 1–4): who the token is, what it may do on the
//! repository and its organization, other people's permissions, and the branch head.

use super::{GitHubForge, field};
use crate::forge::github::{ForgeError, Request, path};
use crate::forge::port::{PreflightReads, RepoAccess};
use crate::forge::{Identity, Permission, RepoId};
use serde_json::Value;

impl GitHubForge {
    /// The identity, the repository (then the organization probe), the branch and its
    /// protection, all in flight at once: three round trips deep at most (the repository,
    /// the organization probe; the rules, then the rulesets they name, then an
    /// organization ruleset's fallback read through the repository).
    pub(super) async fn read_for_preflight(&self, repo: &RepoId, branch: &str) -> PreflightReads {
        let (identity, access, head, protection) = tokio::join!(
            self.read_identity(),
            self.read_repo_access(repo),
            self.read_branch_head(repo, branch),
            self.read_protection(repo, branch),
        );
        let snapshot = match &access {
            Ok(access) => self.snapshot_of(repo, branch, access.owner_is_org, &head, protection),
            Err(error) => Err(error.clone()),
        };
        PreflightReads {
            identity,
            access,
            head,
            snapshot,
        }
    }

    pub(super) async fn read_identity(&self) -> Result<Identity, ForgeError> {
        let me = self.client.get_authenticated_user().await?;
        Ok(Identity {
            login: login_of(&me.user)?,
            id: field(&me.user, "/id", Value::as_u64)?,
            token_kind: self.token_kind,
            scopes: me.scopes,
        })
    }

    pub(super) async fn read_repo_access(&self, repo: &RepoId) -> Result<RepoAccess, ForgeError> {
        let body = self.client.get_repo(repo).await?;
        let owner_is_org = owner_is_org(&body);
        let is_org_admin = if owner_is_org {
            self.probe_org_admin(&repo.owner).await
        } else {
            None
        };
        Ok(RepoAccess {
            permission: permission_from_flags(body.get("permissions")),
            owner_is_org,
            default_branch: field(&body, "/default_branch", |v| {
                v.as_str().map(crate::text::sanitize_line)
            })?,
            is_org_admin,
        })
    }

    /// Organization rulesets need organization administration even to be listed
    /// (forge-api §2.1), so listing one page answers "may this token relax them?".
    async fn probe_org_admin(&self, org: &str) -> Option<bool> {
        let request = Request::get(path(&["orgs", org, "rulesets"]))
            .with_query("per_page", 1)
            .with_scope(crate::forge::github::Scope::OrgAdmin(org.to_owned()));
        match self.client.execute(&request).await {
            Ok(_) => Some(true),
            Err(
                ForgeError::CannotAdministerOrg { .. }
                | ForgeError::Forbidden { .. }
                | ForgeError::MissingPermission { .. },
            ) => Some(false),
            Err(_) => None,
        }
    }

    pub(super) async fn read_permission_of(
        &self,
        repo: &RepoId,
        login: &str,
    ) -> Result<Permission, ForgeError> {
        let body = self.client.get_collaborator_permission(repo, login).await?;
        // `role_name` is exact (maintain, triage); `permission` folds them into write/read.
        ["/role_name", "/permission"]
            .iter()
            .find_map(|p| {
                body.pointer(p)
                    .and_then(Value::as_str)
                    .and_then(Permission::parse)
            })
            .ok_or_else(|| ForgeError::InvalidResponse {
                detail: "the collaborator permission names no known role".into(),
            })
    }

    pub(super) async fn read_user_id(&self, login: &str) -> Result<u64, ForgeError> {
        field(&self.client.get_user(login).await?, "/id", Value::as_u64)
    }

    pub(super) async fn read_branch_head(
        &self,
        repo: &RepoId,
        branch: &str,
    ) -> Result<String, ForgeError> {
        let body = self.client.get_branch(repo, branch).await?;
        field(&body, "/commit/sha", sha)
    }
}

/// Whether `repos/get`'s answer names an organization as the owner.
pub(super) fn owner_is_org(repo: &Value) -> bool {
    repo.pointer("/owner/type").and_then(Value::as_str) == Some("Organization")
}

fn login_of(user: &Value) -> Result<String, ForgeError> {
    field(user, "/login", |v| {
        v.as_str().map(crate::text::sanitize_line)
    })
}

/// A commit SHA as GitHub writes it (hex; 40 for SHA-1, 64 for SHA-256 repositories).
pub(super) fn sha(value: &Value) -> Option<String> {
    value
        .as_str()
        .filter(|s| matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
}

/// `repos/get`'s `permissions` flags, strongest first.
fn permission_from_flags(flags: Option<&Value>) -> Permission {
    let set = |key: &str| {
        flags
            .and_then(|f| f.get(key))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    [
        ("admin", Permission::Admin),
        ("maintain", Permission::Maintain),
        ("push", Permission::Write),
        ("triage", Permission::Triage),
        ("pull", Permission::Read),
    ]
    .into_iter()
    .find(|(key, _)| set(key))
    .map_or(Permission::None, |(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_strongest_permission_flag_wins() {
        let flags = json!({"admin": false, "maintain": true, "push": true, "pull": true});
        assert_eq!(permission_from_flags(Some(&flags)), Permission::Maintain);
        let flags = json!({"admin": true, "push": true, "pull": true});
        assert_eq!(permission_from_flags(Some(&flags)), Permission::Admin);
        assert_eq!(permission_from_flags(None), Permission::None);
        let flags = json!({"pull": true});
        assert_eq!(permission_from_flags(Some(&flags)), Permission::Read);
    }

    #[test]
    fn shas_must_look_like_shas() {
        assert!(sha(&json!("a".repeat(40))).is_some());
        assert!(sha(&json!("b".repeat(64))).is_some());
        assert!(sha(&json!("main")).is_none());
        assert!(sha(&json!("g".repeat(40))).is_none());
        assert!(sha(&json!(12)).is_none());
    }
}
