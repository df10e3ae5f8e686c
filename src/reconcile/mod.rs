//! Reconciling the forge's own record of pushes with the ledger: which pushes to a branch
//! were bypasses (a direct push where pull requests are required, or a rule-suite bypass)
//! and which of them an incident's `pushed` event accounts for (same before/after SHAs).
//!
//! Pure: it takes what was read from the forge and the ledger and does no I/O; `read`
//! gathers the forge's side.

pub mod read;

use crate::forge::github::{ActivityEntry, RuleSuite};
use crate::incident::Incident;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// An endpoint the forge does not offer, and what that leaves unchecked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unavailable {
    /// `GET /repos/OWNER/NAME/activity`.
    pub endpoint: String,
    pub unchecked: String,
}

/// Everything read from the forge for one branch.
#[derive(Debug, Clone)]
pub struct ForgeRecord {
    /// `owner/name`.
    pub repo: String,
    pub branch: String,
    /// The forge's API URL, to tell which incidents were bound to it.
    pub api_url: String,
    pub since: DateTime<Utc>,
    /// Why a direct push to the branch bypasses review today (empty: nothing requires a
    /// pull request).
    pub pull_request_required_by: Vec<String>,
    /// The branch's activity, or why it could not be read.
    pub activity: Result<Vec<ActivityEntry>, Unavailable>,
    /// The branch's rule suites with result `bypass` (with their evaluations).
    pub rule_suites: Result<Vec<RuleSuite>, Unavailable>,
}

/// One push that went around the branch's rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bypass {
    pub actor: Option<String>,
    pub at: DateTime<Utc>,
    pub before: String,
    pub after: String,
    /// The activity item's type (`push`, `force_push`), when the activity showed it.
    pub activity_type: Option<String>,
    /// The rule suite that recorded it, when one did.
    pub rule_suite_id: Option<u64>,
    /// What it bypassed.
    pub rules: Vec<String>,
    /// The incident whose `pushed` event it is; `None`: unaccounted.
    pub accounted_by: Option<String>,
}

/// The outcome: every bypass in the window, each accounted for or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reconciliation {
    pub repo: String,
    pub branch: String,
    pub since: DateTime<Utc>,
    pub pull_request_required_by: Vec<String>,
    pub unavailable: Vec<Unavailable>,
    pub bypasses: Vec<Bypass>,
    pub accounted: usize,
    pub unaccounted: usize,
}

impl Reconciliation {
    pub fn unaccounted_bypasses(&self) -> impl Iterator<Item = &Bypass> {
        self.bypasses.iter().filter(|b| b.accounted_by.is_none())
    }

    /// Neither the activity nor the rule suites could be read: nothing was checked.
    pub fn checked_nothing(&self) -> bool {
        self.unavailable.len() == 2
    }
}

/// GitHub's activity `time_period` that reaches back at least `since`.
pub fn activity_period(since: Duration) -> &'static str {
    period_covering(
        since,
        &[
            ("day", Duration::days(1)),
            ("week", Duration::days(7)),
            ("month", Duration::days(30)),
            ("quarter", Duration::days(90)),
        ],
        "year",
    )
}

/// GitHub's rule-suite `time_period` that reaches back at least `since` (a month at most:
/// the forge keeps no longer).
pub fn rule_suite_period(since: Duration) -> &'static str {
    period_covering(
        since,
        &[
            ("hour", Duration::hours(1)),
            ("day", Duration::days(1)),
            ("week", Duration::days(7)),
        ],
        "month",
    )
}

fn period_covering(
    since: Duration,
    periods: &[(&'static str, Duration)],
    longest: &'static str,
) -> &'static str {
    periods
        .iter()
        .find(|(_, reach)| since <= *reach)
        .map_or(longest, |(name, _)| name)
}

/// The pushes that bypassed `record.branch`'s rules since `record.since`, each matched
/// against the `pushed` events of `incidents` bound to the same forge (or to no recorded
/// forge).
pub fn reconcile(record: &ForgeRecord, incidents: &[Incident]) -> Reconciliation {
    let refname = format!("refs/heads/{}", record.branch);
    let mut bypasses: Vec<Bypass> = Vec::new();
    if let (Ok(activity), false) = (&record.activity, record.pull_request_required_by.is_empty()) {
        // Oldest first; ids break ties within one second (they grow with time).
        let mut activity: Vec<&ActivityEntry> = activity.iter().collect();
        activity.sort_by_key(|a| (a.timestamp, a.id));
        bypasses.extend(
            activity
                .into_iter()
                .filter(|a| a.refname == refname && a.timestamp >= record.since)
                .filter(|a| matches!(a.activity_type.as_str(), "push" | "force_push"))
                .map(|a| Bypass {
                    actor: a.actor.clone(),
                    at: a.timestamp,
                    before: a.before.clone(),
                    after: a.after.clone(),
                    activity_type: Some(a.activity_type.clone()),
                    rule_suite_id: None,
                    rules: record.pull_request_required_by.clone(),
                    accounted_by: None,
                }),
        );
    }
    if let Ok(suites) = &record.rule_suites {
        for suite in suites
            .iter()
            .filter(|s| s.result == "bypass" && s.refname == refname)
            .filter(|s| s.pushed_at >= record.since)
        {
            merge_suite(&mut bypasses, suite);
        }
    }
    // Stable: pushes of the same second keep the forge's order.
    bypasses.sort_by_key(|b| b.at);
    for bypass in &mut bypasses {
        bypass.accounted_by = incidents
            .iter()
            .filter(|i| bound_to(i, record))
            .find(|i| {
                i.pushes
                    .iter()
                    .any(|p| p.old_sha == bypass.before && p.new_sha == bypass.after)
            })
            .map(|i| i.id.clone());
    }
    let unaccounted = bypasses.iter().filter(|b| b.accounted_by.is_none()).count();
    Reconciliation {
        repo: record.repo.clone(),
        branch: record.branch.clone(),
        since: record.since,
        pull_request_required_by: record.pull_request_required_by.clone(),
        unavailable: [
            record.activity.as_ref().map(drop),
            record.rule_suites.as_ref().map(drop),
        ]
        .into_iter()
        .filter_map(|read| read.err().cloned())
        .collect(),
        accounted: bypasses.len() - unaccounted,
        unaccounted,
        bypasses,
    }
}

/// Whether `incident` is about this branch on this forge: an incident bound to another
/// forge cannot account for a push here.
fn bound_to(incident: &Incident, record: &ForgeRecord) -> bool {
    incident.repo.eq_ignore_ascii_case(&record.repo)
        && incident.branch == record.branch
        && incident
            .api_url
            .as_deref()
            .is_none_or(|url| crate::flow::same_forge(url, &record.api_url))
}

/// Adds a rule-suite bypass, onto the activity item of the same push when there is one.
fn merge_suite(bypasses: &mut Vec<Bypass>, suite: &RuleSuite) {
    let mut rules: Vec<String> = suite
        .rule_evaluations
        .iter()
        .filter(|e| e.result == "fail")
        .map(|e| {
            let source = match (&e.rule_source.name, e.rule_source.kind.as_str()) {
                (Some(name), "ruleset") => format!("ruleset \"{name}\""),
                (_, kind) => kind.replace('_', " "),
            };
            format!("{} ({source})", e.rule_type)
        })
        .collect();
    if rules.is_empty() {
        rules.push(format!("rules of rule suite {}", suite.id));
    }
    let same_push = bypasses
        .iter_mut()
        .find(|b| b.before == suite.before_sha && b.after == suite.after_sha);
    match same_push {
        Some(bypass) => {
            bypass.rule_suite_id = Some(suite.id);
            for rule in rules {
                if !bypass.rules.contains(&rule) {
                    bypass.rules.push(rule);
                }
            }
        }
        None => bypasses.push(Bypass {
            actor: suite.actor_name.clone(),
            at: suite.pushed_at,
            before: suite.before_sha.clone(),
            after: suite.after_sha.clone(),
            activity_type: None,
            rule_suite_id: Some(suite.id),
            rules,
            accounted_by: None,
        }),
    }
}

#[cfg(test)]
mod tests;
