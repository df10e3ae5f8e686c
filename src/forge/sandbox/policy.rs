//! The push policy: given a branch's protection (classic and rulesets), the pusher and one
//! ref update, decide as GitHub would, with GitHub's texts (GH006, GH013, "Bypassed rule
//! violations").
//!
//! Pure: no state lookups, no git, no I/O. The caller gathers the inputs.

use super::model::{ClassicProtection, Ruleset};
use super::smart_http::{RefUpdate, UpdateKind, Verdict};
use crate::forge::Permission;

/// Who is pushing, with what the bypass rules need to know about them.
#[derive(Debug, Clone)]
pub struct Pusher {
    pub login: String,
    pub id: u64,
    pub permission: Permission,
    /// Owner of the organisation that owns the repository.
    pub org_admin: bool,
    pub team_ids: Vec<u64>,
    pub team_slugs: Vec<String>,
}

/// Everything protecting one branch: its classic protection and the enforced rulesets
/// (repository and organisation) whose conditions cover it.
#[derive(Debug, Clone, Default)]
pub struct BranchRules {
    pub classic: Option<ClassicProtection>,
    pub rulesets: Vec<Ruleset>,
    /// Where GitHub would send the pusher to "review all repository rules".
    pub rules_url: String,
}

/// What the caller learnt from the pushed objects.
#[derive(Debug, Clone, Copy, Default)]
pub struct PushFacts {
    pub adds_merge_commits: bool,
}

pub const CLASSIC_DECLINED: &str = "protected branch hook declined";
pub const RULESET_DECLINED: &str = "push declined due to repository rule violations";

const PULL_REQUEST: &str = "Changes must be made through a pull request.";
const FORCE_PUSH: &str = "Cannot force-push to this branch";
const DELETION: &str = "Cannot delete this branch";
const SIGNATURES: &str = "Commits must have verified signatures.";
const LINEAR: &str = "This branch must not contain merge commits.";
const LOCKED: &str = "Cannot change this locked branch";
const RESTRICTED: &str = "You're not authorized to push to this branch. Visit https://docs.github.com/articles/about-protected-branches/ for more information.";

/// Decides one ref update.
pub fn decide(
    rules: &BranchRules,
    pusher: &Pusher,
    update: &RefUpdate,
    facts: PushFacts,
) -> Verdict {
    let refname = &update.refname;
    let mut bypassed: Vec<String> = Vec::new();

    if let Some(classic) = &rules.classic {
        let found = classic_violations(classic, pusher, update.kind, facts);
        let admin_bypass = pusher.permission == Permission::Admin && !classic.enforce_admins;
        let mut refused = found.unbypassable;
        if admin_bypass {
            bypassed.extend(found.bypassable);
        } else {
            refused.extend(found.bypassable);
        }
        if !refused.is_empty() {
            let mut lines = vec![format!(
                "error: GH006: Protected branch update failed for {refname}."
            )];
            lines.extend(refused.iter().map(|v| format!("error: {v}")));
            return Verdict::Reject {
                status: CLASSIC_DECLINED.to_owned(),
                remote_lines: lines,
            };
        }
    }

    let mut refused: Vec<String> = Vec::new();
    for ruleset in &rules.rulesets {
        let found = ruleset_violations(ruleset, update.kind, facts);
        if found.is_empty() {
            continue;
        }
        match bypass_mode(ruleset, pusher) {
            Some("always") => push_unique(&mut bypassed, found),
            Some("exempt") => {}
            _ => push_unique(&mut refused, found),
        }
    }
    if !refused.is_empty() {
        let mut lines = vec![
            format!("error: GH013: Repository rule violations found for {refname}."),
            format!("Review all repository rules at {}", rules.rules_url),
        ];
        lines.extend(refused.iter().map(|v| format!("- {v}")));
        return Verdict::Reject {
            status: RULESET_DECLINED.to_owned(),
            remote_lines: lines,
        };
    }

    let mut remote_lines = Vec::new();
    if !bypassed.is_empty() {
        remote_lines.push(format!("Bypassed rule violations for {refname}:"));
        let mut unique = Vec::new();
        push_unique(&mut unique, bypassed);
        remote_lines.extend(unique.iter().map(|v| format!("- {v}")));
    }
    Verdict::Allow { remote_lines }
}

fn push_unique(into: &mut Vec<String>, items: Vec<String>) {
    for item in items {
        if !into.contains(&item) {
            into.push(item);
        }
    }
}

#[derive(Default)]
struct ClassicFindings {
    /// Refused even for an admin when `enforce_admins` is off.
    unbypassable: Vec<String>,
    bypassable: Vec<String>,
}

fn status_check_line(contexts: &[&str]) -> Option<String> {
    match contexts {
        [] => None,
        [one] => Some(format!("Required status check \"{one}\" is expected.")),
        many => Some(format!(
            "{n} of {n} required status checks are expected.",
            n = many.len()
        )),
    }
}

fn approvals_line(count: u8) -> String {
    if count == 1 {
        "At least 1 approving review is required by reviewers with write access.".to_owned()
    } else {
        format!("At least {count} approving reviews are required by reviewers with write access.")
    }
}

fn classic_violations(
    p: &ClassicProtection,
    pusher: &Pusher,
    kind: UpdateKind,
    facts: PushFacts,
) -> ClassicFindings {
    let mut out = ClassicFindings::default();
    if kind == UpdateKind::Delete && !p.allow_deletions {
        // A force push or deletion stays illegal under classic protection even for a
        // bypassing admin: only `allow_force_pushes` / `allow_deletions` permit them.
        out.unbypassable.push(DELETION.to_owned());
    }
    if kind == UpdateKind::Force && !p.allow_force_pushes {
        out.unbypassable.push(FORCE_PUSH.to_owned());
    }
    if p.lock_branch {
        out.bypassable.push(LOCKED.to_owned());
    }
    if let Some(allowed) = &p.restrictions {
        let listed = allowed
            .users
            .iter()
            .any(|u| u.eq_ignore_ascii_case(&pusher.login))
            || allowed.teams.iter().any(|t| pusher.team_slugs.contains(t));
        if !listed {
            out.bypassable.push(RESTRICTED.to_owned());
        }
    }
    if kind == UpdateKind::Delete {
        return out;
    }
    if let Some(reviews) = &p.required_pull_request_reviews {
        let allowed = reviews
            .bypass_pull_request_allowances
            .as_ref()
            .is_some_and(|a| {
                a.users
                    .iter()
                    .any(|u| u.eq_ignore_ascii_case(&pusher.login))
                    || a.teams.iter().any(|t| pusher.team_slugs.contains(t))
            });
        if !allowed {
            out.bypassable.push(PULL_REQUEST.to_owned());
            if reviews.required_approving_review_count > 0 {
                out.bypassable
                    .push(approvals_line(reviews.required_approving_review_count));
            }
        }
    }
    if let Some(checks) = &p.required_status_checks {
        let contexts: Vec<&str> = checks.checks.iter().map(|c| c.context.as_str()).collect();
        out.bypassable.extend(status_check_line(&contexts));
    }
    if p.required_signatures {
        out.bypassable.push(SIGNATURES.to_owned());
    }
    if p.required_linear_history && facts.adds_merge_commits {
        out.bypassable.push(LINEAR.to_owned());
    }
    out
}

pub(crate) fn ruleset_violations(
    ruleset: &Ruleset,
    kind: UpdateKind,
    facts: PushFacts,
) -> Vec<String> {
    let updates = matches!(kind, UpdateKind::FastForward | UpdateKind::Force);
    let mut out = Vec::new();
    for rule in &ruleset.rules {
        let params = rule.get("parameters");
        match rule.get("type").and_then(|t| t.as_str()).unwrap_or("") {
            "deletion" if kind == UpdateKind::Delete => out.push(DELETION.to_owned()),
            "non_fast_forward" if kind == UpdateKind::Force => out.push(FORCE_PUSH.to_owned()),
            "creation" if kind == UpdateKind::Create => {
                out.push("Cannot create ref due to creations being restricted.".to_owned())
            }
            "update" if updates => out.push("Cannot update this protected ref.".to_owned()),
            "pull_request" if updates => out.push(PULL_REQUEST.to_owned()),
            "required_status_checks" if kind != UpdateKind::Delete => {
                let on_create_waived = params
                    .and_then(|p| p.get("do_not_enforce_on_create"))
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                if kind == UpdateKind::Create && on_create_waived {
                    continue;
                }
                let contexts: Vec<&str> = params
                    .and_then(|p| p.get("required_status_checks"))
                    .and_then(|v| v.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|c| c.get("context").and_then(|x| x.as_str()))
                            .collect()
                    })
                    .unwrap_or_default();
                out.extend(status_check_line(&contexts));
            }
            "required_signatures" if kind != UpdateKind::Delete => out.push(SIGNATURES.to_owned()),
            "required_linear_history" if kind != UpdateKind::Delete && facts.adds_merge_commits => {
                out.push(LINEAR.to_owned())
            }
            _ => {}
        }
    }
    out
}

/// The bypass mode of the first bypass actor that names this pusher, if any.
pub(crate) fn bypass_mode<'a>(ruleset: &'a Ruleset, pusher: &Pusher) -> Option<&'a str> {
    ruleset
        .bypass_actors
        .iter()
        .find(|actor| {
            let id = actor.actor_id.unwrap_or(0);
            match actor.actor_type.as_str() {
                "User" => id == pusher.id as i64,
                "OrganizationAdmin" => pusher.org_admin,
                "Team" => pusher.team_ids.iter().any(|t| *t as i64 == id),
                "RepositoryRole" => match id {
                    5 => pusher.permission >= Permission::Admin,
                    2 => pusher.permission >= Permission::Maintain,
                    4 => pusher.permission >= Permission::Write,
                    _ => false,
                },
                _ => false,
            }
        })
        .map(|actor| actor.bypass_mode.as_str())
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
