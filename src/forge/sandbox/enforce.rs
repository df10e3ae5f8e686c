//! Gathers what the push policy needs from the forge state: the pusher's standing and
//! every rule protecting the repository's branches, so that git pushes and REST ref edits
//! are judged by the same pure `policy::decide`.
//!
//! A snapshot: owned copies, safe to move into a blocking git task.

use super::model::{ClassicProtection, ForgeState, RepoRecord, Ruleset};
use super::policy::{BranchRules, Pusher};
use super::scope::{covers_branch, is_enforced};
use std::collections::BTreeMap;

pub fn pusher(state: &ForgeState, repo: &RepoRecord, login: &str, id: u64) -> Pusher {
    let teams = state.teams_of(&repo.owner, login);
    Pusher {
        login: login.to_owned(),
        id,
        permission: state.permission(login, repo),
        org_admin: state.is_org_owner(login, &repo.owner),
        team_ids: teams.iter().map(|t| t.id).collect(),
        team_slugs: teams.iter().map(|t| t.slug.clone()).collect(),
    }
}

/// Every rule of one repository, ready to be narrowed to a branch.
#[derive(Debug, Clone)]
pub struct RepoRules {
    protections: BTreeMap<String, ClassicProtection>,
    rulesets: Vec<Ruleset>,
    default_branch: String,
    rules_page: String,
}

impl RepoRules {
    pub fn of(state: &ForgeState, repo: &RepoRecord, base_url: &str) -> Self {
        let mut rulesets: Vec<Ruleset> = repo.rulesets.clone();
        rulesets.extend(state.org_rulesets_for(repo));
        rulesets.retain(is_enforced);
        RepoRules {
            protections: repo.protections.clone(),
            rulesets,
            default_branch: repo.default_branch.clone(),
            rules_page: format!("{base_url}/{}/{}/rules", repo.owner, repo.name),
        }
    }

    /// What protects `refname`; nothing for refs outside `refs/heads/`.
    pub fn for_ref(&self, refname: &str) -> BranchRules {
        let Some(branch) = refname.strip_prefix("refs/heads/") else {
            return BranchRules::default();
        };
        let encoded: String =
            percent_encoding::utf8_percent_encode(refname, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        BranchRules {
            classic: self.protections.get(branch).cloned(),
            rulesets: self
                .rulesets
                .iter()
                .filter(|r| covers_branch(r, branch, &self.default_branch))
                .cloned()
                .collect(),
            rules_url: format!("{}?ref={encoded}", self.rules_page),
        }
    }
}
