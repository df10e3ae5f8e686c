//! `breakglass guard`: no laptop holds the glass open. From any machine, with its own
//! token, it finds open leases on the forge (open issues labelled `breakglass:open`),
//! reads each one's deadline and protection snapshot from what the commander's mirror
//! wrote, and once a lease is past its deadline plus the grace (the commander's own
//! watchdog goes first) puts exactly that snapshot back with the same restore code the
//! flow uses, proves it by reading back, and says so on the issue and in its own log.
//!
//! It never writes another person's incident: its own log gets log-level records
//! (`restore_intended`, `restored`, `restore_failed`, trigger `guard`, no incident) that
//! name the incident in their data. The commander's breakglass learns of the restore from
//! the issue (`flow::guarded`).

mod close;
mod find;
mod judge;
mod report;

pub use find::{OpenIssue, Scope, open_issues_labelled, repositories};
pub use judge::{ExpiredLease, LeaseReading, expired_lease, read_lease};
pub use report::{ActionKind, GuardAction};

use crate::audit::AuditLog;
use crate::clock::Clock;
use crate::forge::github::GitHubClient;
use crate::forge::port::Forge;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// Everything a guard is built from.
pub struct GuardSetup {
    /// The forge, for reading comments, restoring and recording on the issue.
    pub forge: Arc<dyn Forge>,
    /// The same forge's client, for the listings the `Forge` port does not offer.
    pub client: GitHubClient,
    /// The guard's own audit log (its home's, never the commander's).
    pub log: AuditLog,
    pub clock: Arc<dyn Clock>,
    /// Who the guard's token belongs to: its records' actor and the name on the issue.
    pub login: String,
    pub scope: Scope,
    /// How long past a lease's deadline the guard waits, so the commander's own watchdog
    /// restores first when it can.
    pub grace: Duration,
}

/// A guard between passes: what it needs, and when it last recorded each failure.
pub struct Guard {
    forge: Arc<dyn Forge>,
    client: GitHubClient,
    log: AuditLog,
    clock: Arc<dyn Clock>,
    login: String,
    scope: Scope,
    grace: Duration,
    /// Per incident window, when its last `restore_failed` was recorded: at most one a
    /// minute, as the flow's restorers do.
    failures_recorded: HashMap<(String, usize), DateTime<Utc>>,
}

impl Guard {
    pub fn new(setup: GuardSetup) -> Guard {
        Guard {
            forge: setup.forge,
            client: setup.client,
            log: setup.log,
            clock: setup.clock,
            login: setup.login,
            scope: setup.scope,
            grace: setup.grace,
            failures_recorded: HashMap::new(),
        }
    }

    /// The login the guard acts as.
    pub fn login(&self) -> &str {
        &self.login
    }

    /// One pass: every open lease in scope looked at once, expired ones closed. A
    /// repository or organisation that cannot be listed is a failed action, not the end
    /// of the pass.
    pub async fn pass(&mut self) -> Vec<GuardAction> {
        let mut actions = Vec::new();
        let repos = match repositories(&self.client, &self.scope).await {
            Ok(repos) => repos,
            Err(error) => {
                actions.push(self.listing_failed(
                    &format!("organisation(s) {}", self.scope.orgs.join(", ")),
                    &error.to_string(),
                ));
                self.scope.repos.clone()
            }
        };
        for repo in repos {
            let label = crate::mirror::LABEL_OPEN;
            let per_page = self.scope.per_page;
            match open_issues_labelled(&self.client, &repo, label, per_page).await {
                Ok(issues) => {
                    for issue in issues {
                        let action = self.consider(&issue).await;
                        actions.push(action);
                    }
                }
                Err(error) => {
                    actions.push(self.listing_failed(&repo.to_string(), &error.to_string()))
                }
            }
        }
        actions
    }

    fn listing_failed(&self, what: &str, error: &str) -> GuardAction {
        GuardAction {
            action: ActionKind::Failed,
            at: self.clock.now(),
            issue: String::new(),
            incident: None,
            repo: Some(what.to_owned()),
            branch: None,
            deadline: None,
            verified: false,
            drift: Vec::new(),
            writes: 0,
            message: format!(
                "cannot list its open leases: {error} — an open glass there goes unguarded; \
                 give the guard's token read access to its issues"
            ),
        }
    }
}
