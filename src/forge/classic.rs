//! Classic branch protection: the typed model parsed from GitHub's GET shape, the exact
//! PUT body it converts to (forge-api §1.4 rules 1–6) and its normalised form for
//! comparison (rule 7). Pure: no HTTP, no I/O.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Classic protection as read by `GET …/branches/{b}/protection`, with every optional
/// GET property resolved to what it means (absent section ⇒ off; a member GitHub always
/// reports must be there, see `classic_parse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassicProtection {
    pub required_status_checks: Option<StatusChecks>,
    pub enforce_admins: bool,
    pub required_pull_request_reviews: Option<Reviews>,
    /// Who may push (org repositories only); `None` = anyone with write.
    pub restrictions: Option<Actors>,
    /// Changed only through its own sub-resource, never in the PUT body.
    pub required_signatures: bool,
    pub required_linear_history: bool,
    pub allow_force_pushes: bool,
    pub allow_deletions: bool,
    pub block_creations: bool,
    pub required_conversation_resolution: bool,
    pub lock_branch: bool,
    pub allow_fork_syncing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChecks {
    pub strict: bool,
    pub checks: Vec<StatusCheck>,
    /// The legacy list; only used when GET returned no `checks`.
    pub contexts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StatusCheck {
    pub context: String,
    /// `None` is GET's `null`: any app may provide the check (PUT spells it `-1`).
    pub app_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviews {
    pub dismissal_restrictions: Option<Actors>,
    pub bypass_pull_request_allowances: Option<Actors>,
    pub dismiss_stale_reviews: bool,
    pub require_code_owner_reviews: bool,
    pub required_approving_review_count: Option<u8>,
    pub require_last_push_approval: bool,
}

/// People, teams and apps by login / slug.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actors {
    pub users: Vec<String>,
    pub teams: Vec<String>,
    pub apps: Vec<String>,
}

/// Why a GET body could not be read as classic protection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the branch protection returned by the forge is not understood ({detail}); \
     nothing was changed — report this with the response body"
)]
pub struct ClassicParseError {
    pub detail: String,
}

/// The exact body of `PUT …/protection` (`repos/update-branch-protection`). `None` in the
/// four required keys serialises as JSON `null`, as the spec requires them present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassicPut {
    pub required_status_checks: Option<StatusChecksPut>,
    pub enforce_admins: Option<bool>,
    pub required_pull_request_reviews: Option<ReviewsPut>,
    pub restrictions: Option<ActorsPut>,
    pub required_linear_history: bool,
    pub allow_force_pushes: bool,
    pub allow_deletions: bool,
    pub block_creations: bool,
    pub required_conversation_resolution: bool,
    pub lock_branch: bool,
    pub allow_fork_syncing: bool,
}

/// Exactly one of `contexts` or `checks` is sent; both together is a 422.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChecksPut {
    pub strict: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub contexts: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub checks: Option<Vec<CheckPut>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckPut {
    pub context: String,
    /// `-1` explicitly allows any app; omitting it would re-pin the check.
    pub app_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewsPut {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub dismissal_restrictions: Option<ActorsPut>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bypass_pull_request_allowances: Option<ActorsPut>,
    pub dismiss_stale_reviews: bool,
    pub require_code_owner_reviews: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub required_approving_review_count: Option<u8>,
    pub require_last_push_approval: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorsPut {
    pub users: Vec<String>,
    pub teams: Vec<String>,
    pub apps: Vec<String>,
}

impl From<&Actors> for ActorsPut {
    fn from(a: &Actors) -> Self {
        ActorsPut {
            users: a.users.clone(),
            teams: a.teams.clone(),
            apps: a.apps.clone(),
        }
    }
}

/// The app id GitHub's PUT uses for "any app" (GET shows it as `null`).
pub const ANY_APP: i64 = -1;

impl ClassicProtection {
    /// Parses a `GET …/protection` 200 body. Every property is optional and unknown
    /// properties are ignored; people must carry `login`, teams and apps `slug`.
    pub fn from_get(body: &Value) -> Result<Self, ClassicParseError> {
        super::classic_parse::parse_get(body)
    }

    /// The PUT body that recreates this protection (§1.4 rules 1–5). On a user-owned
    /// repository `restrictions` is `null` and `dismissal_restrictions` is left out, as
    /// GitHub rejects both there. `required_signatures` is not part of the body: follow
    /// the PUT with [`signatures_follow_up`](Self::signatures_follow_up).
    pub fn to_put(&self, owner_is_org: bool) -> ClassicPut {
        ClassicPut {
            required_status_checks: self
                .required_status_checks
                .as_ref()
                .map(StatusChecks::to_put),
            enforce_admins: Some(self.enforce_admins),
            required_pull_request_reviews: self
                .required_pull_request_reviews
                .as_ref()
                .map(|r| r.to_put(owner_is_org)),
            restrictions: if owner_is_org {
                self.restrictions.as_ref().map(ActorsPut::from)
            } else {
                None
            },
            required_linear_history: self.required_linear_history,
            allow_force_pushes: self.allow_force_pushes,
            allow_deletions: self.allow_deletions,
            block_creations: self.block_creations,
            required_conversation_resolution: self.required_conversation_resolution,
            lock_branch: self.lock_branch,
            allow_fork_syncing: self.allow_fork_syncing,
        }
    }

    /// The settings whose current state no REST write can reproduce (e.g. a dismissal
    /// restriction that names nobody: in a PUT an empty `dismissal_restrictions` means
    /// "off"). A full PUT of this protection would change them, so the planner refuses any
    /// plan that needs one and restore never sends one (see
    /// [`classic_restore`](super::restore)). Empty when a PUT is exact.
    pub fn unwritable_by_rest(&self, owner_is_org: bool) -> Vec<String> {
        self.required_pull_request_reviews
            .as_ref()
            .map(|r| r.unwritable_by_rest(owner_is_org))
            .unwrap_or_default()
    }

    /// The PUT body as JSON, ready to send.
    pub fn to_put_body(&self, owner_is_org: bool) -> Value {
        serde_json::to_value(self.to_put(owner_is_org)).expect("PUT body serialises")
    }

    /// `true` ⇒ POST `…/required_signatures` after the PUT, `false` ⇒ DELETE (rule 6).
    pub fn signatures_follow_up(&self) -> bool {
        self.required_signatures
    }

    /// The comparable form (§1.4 rule 7): no URLs, people as logins, teams and apps as
    /// slugs, arrays sorted, every toggle a plain bool, `app_id` `null` as `-1`, disabled
    /// sections `null`.
    pub fn normalized(&self) -> Value {
        json!({
            "required_status_checks": self.required_status_checks.as_ref().map(StatusChecks::normalized),
            "enforce_admins": self.enforce_admins,
            "required_pull_request_reviews": self.required_pull_request_reviews.as_ref().map(Reviews::normalized),
            "restrictions": self.restrictions.as_ref().map(Actors::normalized),
            "required_signatures": self.required_signatures,
            "required_linear_history": self.required_linear_history,
            "allow_force_pushes": self.allow_force_pushes,
            "allow_deletions": self.allow_deletions,
            "block_creations": self.block_creations,
            "required_conversation_resolution": self.required_conversation_resolution,
            "lock_branch": self.lock_branch,
            "allow_fork_syncing": self.allow_fork_syncing,
        })
    }
}

impl StatusChecks {
    /// §1.4 rule 1: `checks` with `app_id null → -1`; if GET had no checks but legacy
    /// contexts, those; with neither, `contexts: []` (the only empty form GitHub accepts).
    ///
    /// `checks` goes alone although GitHub's request schema marks `contexts` required:
    /// GitHub rejects a body with both (a 422 "More than one subschema in oneOf matched",
    /// google/go-github#2276, ossf/allstar#155) and accepts `checks` alone, which is the
    /// only form that keeps each check's app id. This is the one place our bodies depart
    /// from the published schema (tests/fixtures/github/README.md).
    pub fn to_put(&self) -> StatusChecksPut {
        let (contexts, checks) = if !self.checks.is_empty() {
            let checks = self
                .checks
                .iter()
                .map(|c| CheckPut {
                    context: c.context.clone(),
                    app_id: c.app_id.unwrap_or(ANY_APP),
                })
                .collect();
            (None, Some(checks))
        } else {
            (Some(self.contexts.clone()), None)
        };
        StatusChecksPut {
            strict: self.strict,
            contexts,
            checks,
        }
    }

    /// The checks this policy requires, legacy contexts counting as "any app".
    pub fn effective_checks(&self) -> Vec<StatusCheck> {
        let mut checks = if self.checks.is_empty() {
            self.contexts
                .iter()
                .map(|c| StatusCheck {
                    context: c.clone(),
                    app_id: None,
                })
                .collect()
        } else {
            self.checks.clone()
        };
        checks.sort();
        checks.dedup();
        checks
    }

    fn normalized(&self) -> Value {
        let checks: Vec<Value> = self
            .effective_checks()
            .into_iter()
            .map(|c| json!({"context": c.context, "app_id": c.app_id.unwrap_or(ANY_APP)}))
            .collect();
        let mut sorted = checks;
        sorted.sort_by_key(|c| c.to_string());
        json!({"strict": self.strict, "checks": sorted})
    }
}

impl Reviews {
    fn to_put(&self, owner_is_org: bool) -> ReviewsPut {
        ReviewsPut {
            dismissal_restrictions: if owner_is_org {
                self.dismissal_restrictions.as_ref().map(ActorsPut::from)
            } else {
                None
            },
            bypass_pull_request_allowances: self
                .bypass_pull_request_allowances
                .as_ref()
                .map(ActorsPut::from),
            dismiss_stale_reviews: self.dismiss_stale_reviews,
            require_code_owner_reviews: self.require_code_owner_reviews,
            required_approving_review_count: self.required_approving_review_count,
            require_last_push_approval: self.require_last_push_approval,
        }
    }

    fn normalized(&self) -> Value {
        // Present-but-empty stays distinct from absent: GitHub reports a dismissal
        // restriction that names nobody (only admins may dismiss) with empty lists, and
        // that is a stricter protection than no restriction at all.
        json!({
            "dismissal_restrictions": self.dismissal_restrictions.as_ref().map(Actors::normalized),
            "bypass_pull_request_allowances": self.bypass_pull_request_allowances.as_ref().map(Actors::normalized),
            "dismiss_stale_reviews": self.dismiss_stale_reviews,
            "require_code_owner_reviews": self.require_code_owner_reviews,
            "required_approving_review_count": self.required_approving_review_count,
            "require_last_push_approval": self.require_last_push_approval,
        })
    }

    /// The review settings whose current state no REST body reproduces.
    fn unwritable_by_rest(&self, owner_is_org: bool) -> Vec<String> {
        let mut out = Vec::new();
        match &self.dismissal_restrictions {
            // The PUT must leave it out on a personal repository, so it would be lost.
            Some(_) if !owner_is_org => out.push(
                "required_pull_request_reviews.dismissal_restrictions on a personal repository"
                    .to_owned(),
            ),
            // In a REST body an empty object turns the restriction off.
            Some(actors) if actors.is_empty() => out.push(
                "required_pull_request_reviews.dismissal_restrictions (restricted, nobody listed)"
                    .to_owned(),
            ),
            _ => {}
        }
        if self
            .bypass_pull_request_allowances
            .as_ref()
            .is_some_and(Actors::is_empty)
        {
            // GitHub does not document what an empty allowance writes, and a write that
            // reads back as absent could not be verified against this snapshot.
            out.push(
                "required_pull_request_reviews.bypass_pull_request_allowances (present, nobody listed)"
                    .to_owned(),
            );
        }
        out
    }
}

impl Actors {
    /// Names nobody: no user, team or app.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.teams.is_empty() && self.apps.is_empty()
    }

    fn normalized(&self) -> Value {
        let sorted = |v: &Vec<String>| {
            let mut v = v.clone();
            v.sort();
            v.dedup();
            v
        };
        json!({"users": sorted(&self.users), "teams": sorted(&self.teams), "apps": sorted(&self.apps)})
    }

    /// Whether `login` is named (GitHub logins are case-insensitive).
    pub fn has_user(&self, login: &str) -> bool {
        self.users.iter().any(|u| u.eq_ignore_ascii_case(login))
    }
}

#[cfg(test)]
#[path = "classic_tests.rs"]
mod tests;
