//! The relax plan in the operator's words: why a plan is refused and what an accepted
//! plan changes. Pure text; all untrusted names are sanitised.

use super::plan::RelaxPlan;
use super::{Permission, RepoId};
use crate::text::sanitize_line;

/// Why no plan can let this identity push, and what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanRefusal {
    #[error(
        "{login} has {permission} access to {repo}; pushing needs write — ask a repository \
         admin to grant {login} write access or to run breakglass themselves"
    )]
    NoPushPermission {
        login: String,
        repo: RepoId,
        permission: Permission,
    },
    #[error(
        "ruleset '{name}' (id {id}) belongs to the organization {org} and only an organization \
         admin can relax it; {login} is not one — ask an owner of {org} to run breakglass"
    )]
    OrgRulesetNeedsOrgAdmin {
        login: String,
        org: String,
        name: String,
        id: u64,
    },
    #[error(
        "ruleset '{name}' (id {id}) belongs to the enterprise {enterprise}; breakglass does not \
         relax enterprise rulesets — ask an enterprise owner to add a bypass"
    )]
    EnterpriseRuleset {
        enterprise: String,
        name: String,
        id: u64,
    },
    #[error(
        "the token cannot update ruleset '{name}' (id {id}) on {repo} — use a token with \
         repository administration permission"
    )]
    CannotAdministerRuleset { repo: RepoId, name: String, id: u64 },
    #[error(
        "{repo} {branch} has settings a REST update cannot keep ({settings}); relaxing it for a \
         writer needs a full update that would lose them — ask a repository admin to push, \
         as an admin's relaxation only turns off enforce_admins"
    )]
    FullPutWouldLoseSettings {
        repo: RepoId,
        branch: String,
        settings: String,
    },
    #[error(
        "cannot snapshot the bypass list of ruleset '{name}' (id {id}): the forge did not return \
         it, so it could not be restored exactly — use a token that can write this ruleset"
    )]
    BypassListUnreadable { name: String, id: u64 },
}

impl RelaxPlan {
    /// What the plan changes, in one paragraph for the operator, e.g. "Turn off 'Do not
    /// allow bypassing the above settings' on acme/api main so that commander (admin) can
    /// push; nothing else changes."
    pub fn describe(&self) -> String {
        let who = format!(
            "{} ({})",
            sanitize_line(&self.pusher.login),
            self.pusher.permission
        );
        let branch = sanitize_line(&self.branch);
        if self.is_empty() {
            return format!(
                "Nothing stops {who} pushing to {} {branch}; nothing changes.{}",
                self.repo,
                self.notes_text()
            );
        }
        let mut changes = self.classic_changes();
        for r in &self.rulesets {
            changes.push(format!(
                "let {} bypass ruleset '{}' (id {}) always",
                sanitize_line(&self.pusher.login),
                r.name,
                r.id
            ));
        }
        let mut text = format!(
            "{} on {} {branch} so that {who} can push; nothing else changes.",
            capitalise(&changes.join("; ")),
            self.repo
        );
        for r in self.rulesets.iter().filter(|r| !r.also_waives.is_empty()) {
            text.push_str(&format!(
                " The bypass of '{}' also waives its {} rules while the glass is open; \
                 breakglass pushes fast-forward only.",
                r.name,
                r.also_waives.join(", ")
            ));
        }
        text.push_str(&self.notes_text());
        text
    }

    fn classic_changes(&self) -> Vec<String> {
        let c = &self.classic;
        let mut out = Vec::new();
        if c.disable_enforce_admins {
            out.push("turn off 'Do not allow bypassing the above settings'".to_owned());
        }
        if c.remove_reviews {
            out.push("remove the required pull request reviews".to_owned());
        }
        if c.remove_status_checks {
            out.push("remove the required status checks".to_owned());
        }
        if c.remove_signatures {
            out.push("stop requiring signed commits".to_owned());
        }
        if let Some(login) = &c.add_push_user {
            out.push(format!(
                "add {} to the users allowed to push",
                sanitize_line(login)
            ));
        }
        if c.unlock_branch {
            out.push(
                "unlock the branch (a full protection update: locking has no separate switch)"
                    .to_owned(),
            );
        }
        if c.allow_merge_commits {
            out.push("allow merge commits (a full protection update: linear history has no separate switch)".to_owned());
        }
        out
    }

    fn notes_text(&self) -> String {
        self.notes
            .iter()
            .map(|n| format!(" Note: {}.", sanitize_line(n)))
            .collect()
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
