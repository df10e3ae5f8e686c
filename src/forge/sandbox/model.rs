//! The sandbox forge's state: users, organisations, teams, repositories and everything
//! stored per repository (classic protection, rulesets, pulls and their reviews, issues,
//! statuses).
//!
//! Plain data plus lookups and permission rules; no HTTP, no git, no JSON rendering.

use crate::forge::Permission;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A seeded person and the token that authenticates them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserRecord {
    pub login: String,
    pub id: u64,
    /// What the seed made of them (`admin`, `write`, `owner`), shown by `breakglass sandbox`.
    pub role: String,
    /// A throwaway sandbox credential; persisted so a drill survives a restart.
    pub token: String,
    /// When the account was made (the seed's time); state files from before it was kept
    /// get their load time.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeamRecord {
    pub slug: String,
    pub id: u64,
    pub name: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrgRecord {
    pub login: String,
    pub id: u64,
    /// Organisation owners: admin on every repository, and org-ruleset administrators.
    pub owners: Vec<String>,
    pub teams: Vec<TeamRecord>,
    pub rulesets: Vec<Ruleset>,
}

/// Classic branch protection as stored (the PUT meaning, not the GET shape).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassicProtection {
    pub required_status_checks: Option<StatusChecks>,
    pub enforce_admins: bool,
    pub required_pull_request_reviews: Option<Reviews>,
    pub restrictions: Option<Actors>,
    pub required_signatures: bool,
    pub required_linear_history: bool,
    pub allow_force_pushes: bool,
    pub allow_deletions: bool,
    pub block_creations: bool,
    pub required_conversation_resolution: bool,
    pub lock_branch: bool,
    pub allow_fork_syncing: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusChecks {
    pub strict: bool,
    pub checks: Vec<RequiredCheck>,
}

/// A required check; `app_id: None` means "any source" (what GitHub returns as `null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequiredCheck {
    pub context: String,
    pub app_id: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reviews {
    pub dismissal_restrictions: Option<Actors>,
    pub bypass_pull_request_allowances: Option<Actors>,
    pub dismiss_stale_reviews: bool,
    pub require_code_owner_reviews: bool,
    pub required_approving_review_count: u8,
    pub require_last_push_approval: bool,
}

/// Users (logins), teams (slugs) and apps (slugs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Actors {
    pub users: Vec<String>,
    pub teams: Vec<String>,
    pub apps: Vec<String>,
}

/// A repository or organisation ruleset; rules and conditions stay raw JSON as on GitHub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ruleset {
    pub id: u64,
    pub name: String,
    pub target: String,
    pub enforcement: String,
    pub bypass_actors: Vec<BypassActor>,
    pub conditions: serde_json::Value,
    pub rules: Vec<serde_json::Value>,
    /// `Repository` or `Organization`.
    pub source_type: String,
    /// `owner/name` for repository rulesets, the organisation login for org rulesets.
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BypassActor {
    pub actor_id: Option<i64>,
    pub actor_type: String,
    pub bypass_mode: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullRecord {
    pub number: u64,
    pub id: u64,
    pub title: String,
    pub body: Option<String>,
    pub head: String,
    pub base: String,
    pub author: String,
    pub state: String,
    pub draft: bool,
    pub requested_reviewers: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// In the order they were created; state files from before reviews existed have none.
    #[serde(default)]
    pub reviews: Vec<ReviewRecord>,
}

/// A pull request review as GitHub keeps it: `state` is `APPROVED`, `CHANGES_REQUESTED`,
/// `COMMENTED` or `PENDING` (not yet submitted, seen only by its author).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewRecord {
    pub id: u64,
    pub user: String,
    pub body: String,
    pub state: String,
    pub commit_id: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssueRecord {
    pub number: u64,
    pub id: u64,
    pub title: String,
    pub body: Option<String>,
    pub author: String,
    pub state: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `completed`, `not_planned`, `duplicate` or `reopened`; absent from older state files.
    #[serde(default)]
    pub state_reason: Option<String>,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it last.
    #[serde(default)]
    pub closed_by: Option<String>,
}

/// A repository label; issues name theirs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabelRecord {
    pub id: u64,
    pub name: String,
    /// Six hex digits, no `#`.
    pub color: String,
    pub description: Option<String>,
    /// One of the labels every new GitHub repository starts with.
    pub default: bool,
}

impl LabelRecord {
    /// A label made by naming it on an issue: GitHub gives it the grey `ededed`.
    pub fn new(id: u64, name: &str) -> Self {
        LabelRecord {
            id,
            name: name.to_owned(),
            color: "ededed".into(),
            description: None,
            default: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommentRecord {
    pub id: u64,
    pub issue_number: u64,
    pub body: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
    /// Set by an edit; older state files have none.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusRecord {
    pub id: u64,
    pub sha: String,
    pub state: String,
    pub context: String,
    pub description: Option<String>,
    pub target_url: Option<String>,
    pub creator: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepoRecord {
    pub owner: String,
    pub name: String,
    pub id: u64,
    pub default_branch: String,
    pub collaborators: BTreeMap<String, Permission>,
    /// Classic protection per branch name.
    pub protections: BTreeMap<String, ClassicProtection>,
    pub rulesets: Vec<Ruleset>,
    pub pulls: Vec<PullRecord>,
    pub issues: Vec<IssueRecord>,
    pub comments: Vec<CommentRecord>,
    pub statuses: Vec<StatusRecord>,
    /// Issues and pulls share one number sequence, as on GitHub.
    pub next_number: u64,
    /// The repository's labels; older state files have none, and labels named by their
    /// issues are added on load.
    #[serde(default)]
    pub labels: Vec<LabelRecord>,
    /// When it was made and last pushed to (git or a ref edit); older state files get
    /// their load time.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub pushed_at: Option<DateTime<Utc>>,
    /// Every accepted branch push, oldest first (GitHub's repository activity). State files
    /// from before activity was recorded have none.
    #[serde(default)]
    pub activity: Vec<ActivityRecord>,
    /// Every push evaluated against rulesets, oldest first (GitHub's rule suites).
    #[serde(default)]
    pub rule_suites: Vec<RuleSuiteRecord>,
}

/// One accepted change to a branch. `activity_type` is GitHub's: `push`, `force_push`,
/// `branch_creation`, `branch_deletion`, `pr_merge` or `merge_queue_merge`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActivityRecord {
    pub id: u64,
    pub before: String,
    pub after: String,
    /// The full ref, `refs/heads/NAME`.
    pub refname: String,
    pub timestamp: DateTime<Utc>,
    pub activity_type: String,
    pub actor: String,
}

/// One push evaluated against the rulesets covering its ref: `result` is `pass`, `fail` or
/// `bypass` (a ruleset refused it but the pusher may bypass that ruleset).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleSuiteRecord {
    pub id: u64,
    pub actor_id: u64,
    pub actor_name: String,
    pub before_sha: String,
    pub after_sha: String,
    pub refname: String,
    pub pushed_at: DateTime<Utc>,
    pub result: String,
    pub rule_evaluations: Vec<RuleEvaluationRecord>,
}

/// One rule of one ruleset as evaluated for a push: `result` is `pass` or `fail`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleEvaluationRecord {
    pub ruleset_id: u64,
    pub ruleset_name: String,
    pub enforcement: String,
    pub rule_type: String,
    pub result: String,
    pub details: Option<String>,
}

impl RepoRecord {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    pub fn label(&self, name: &str) -> Option<&LabelRecord> {
        self.labels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
    }
}

/// Everything the REST API can read or change. Git data lives in the bare repositories.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ForgeState {
    pub users: Vec<UserRecord>,
    pub orgs: Vec<OrgRecord>,
    pub repos: Vec<RepoRecord>,
    /// The next id for anything that needs one (rulesets, issues, comments, statuses).
    pub next_id: u64,
}

impl ForgeState {
    pub fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Fills what state files written before these members existed lack: creation and
    /// push times (`now`, the load time) and a label record for every label an issue names.
    pub fn upgrade(&mut self, now: DateTime<Utc>) {
        for user in &mut self.users {
            user.created_at.get_or_insert(now);
        }
        for index in 0..self.repos.len() {
            let repo = &mut self.repos[index];
            repo.created_at.get_or_insert(now);
            repo.pushed_at.get_or_insert(now);
            let named: Vec<String> = repo.issues.iter().flat_map(|i| i.labels.clone()).collect();
            for name in named {
                if self.repos[index].label(&name).is_none() {
                    let id = self.fresh_id();
                    self.repos[index].labels.push(LabelRecord::new(id, &name));
                }
            }
        }
    }

    pub fn user(&self, login: &str) -> Option<&UserRecord> {
        self.users
            .iter()
            .find(|u| u.login.eq_ignore_ascii_case(login))
    }

    pub fn user_by_token(&self, token: &str) -> Option<&UserRecord> {
        self.users.iter().find(|u| u.token == token)
    }

    pub fn org(&self, login: &str) -> Option<&OrgRecord> {
        self.orgs
            .iter()
            .find(|o| o.login.eq_ignore_ascii_case(login))
    }

    pub fn org_mut(&mut self, login: &str) -> Option<&mut OrgRecord> {
        self.orgs
            .iter_mut()
            .find(|o| o.login.eq_ignore_ascii_case(login))
    }

    pub fn repo_index(&self, owner: &str, name: &str) -> Option<usize> {
        self.repos
            .iter()
            .position(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
    }

    pub fn is_org_owner(&self, login: &str, org: &str) -> bool {
        self.org(org)
            .is_some_and(|o| o.owners.iter().any(|x| x.eq_ignore_ascii_case(login)))
    }

    /// The caller's role on a repository: org owners are admins everywhere in their org.
    pub fn permission(&self, login: &str, repo: &RepoRecord) -> Permission {
        if self.is_org_owner(login, &repo.owner) {
            return Permission::Admin;
        }
        repo.collaborators
            .iter()
            .find(|(who, _)| who.eq_ignore_ascii_case(login))
            .map(|(_, p)| *p)
            .unwrap_or(Permission::None)
    }

    pub fn team(&self, org: &str, slug: &str) -> Option<&TeamRecord> {
        self.org(org)?.teams.iter().find(|t| t.slug == slug)
    }

    /// The teams of `org` the user belongs to.
    pub fn teams_of(&self, org: &str, login: &str) -> Vec<TeamRecord> {
        self.org(org)
            .map(|o| {
                o.teams
                    .iter()
                    .filter(|t| t.members.iter().any(|m| m.eq_ignore_ascii_case(login)))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Rulesets of the organisation that owns `repo` which target it (active or not).
    pub fn org_rulesets_for(&self, repo: &RepoRecord) -> Vec<Ruleset> {
        self.org(&repo.owner)
            .map(|o| {
                o.rulesets
                    .iter()
                    .filter(|r| super::scope::org_ruleset_covers_repo(r, &repo.name))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}
