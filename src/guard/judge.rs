//! What a guard makes of one open incident issue, from what the forge showed: its lease
//! line, whether the lease is past its deadline plus the grace, and the snapshot to put
//! back, trusted only when the issue's own author posted it. Pure: no requests, time given.

use super::find::OpenIssue;
use crate::forge::RepoId;
use crate::forge::plan::RelaxPlan;
use crate::forge::port::IssueComment;
use crate::forge::snapshot::ProtectionSnapshot;
use crate::mirror::{MirroredLease, MirroredSnapshot};
use chrono::{DateTime, Duration, Utc};

/// What one issue's body says about its lease.
#[derive(Debug, Clone, PartialEq)]
pub enum LeaseReading {
    /// The lease runs until `due_at` (its deadline plus the grace): left alone till then.
    NotDue {
        lease: MirroredLease,
        due_at: DateTime<Utc>,
    },
    /// Past its deadline plus the grace: the glass must be closed now.
    Due(MirroredLease),
}

/// Everything needed to close one expired lease, read from its issue.
#[derive(Debug, Clone)]
pub struct ExpiredLease {
    pub lease: MirroredLease,
    pub snapshot: ProtectionSnapshot,
    /// The plan the commander applied, when it reads: it tells our relaxation from
    /// someone else's change (drift). Only compared with, never sent.
    pub plan: Option<RelaxPlan>,
    pub protected: RepoId,
}

/// Reads the lease line of `issue` and judges it at `now` with `grace`.
pub fn read_lease(
    issue: &OpenIssue,
    now: DateTime<Utc>,
    grace: Duration,
) -> Result<LeaseReading, String> {
    let lease = match crate::mirror::parse_lease(&issue.body) {
        Ok(Some(lease)) => lease,
        Ok(None) => {
            return Err(
                "it is labelled `breakglass:open` but its body has no lease line (written by a \
                 breakglass without guard support, or edited by hand): ask the commander to \
                 upgrade and run `breakglass status`, or restore the protection by hand"
                    .to_owned(),
            );
        }
        Err(error) => return Err(format!("its lease line cannot be read: {error}")),
    };
    if !crate::mirror::issue_marker(&lease.incident).is_in(&issue.body) {
        return Err(format!(
            "its lease names incident {} but the issue is not that incident's issue",
            crate::text::sanitize_line(&lease.incident)
        ));
    }
    let due_at = lease.deadline + grace;
    Ok(if now >= due_at {
        LeaseReading::Due(lease)
    } else {
        LeaseReading::NotDue { lease, due_at }
    })
}

/// The snapshot to restore for `lease`, from the marked comment the issue's author posted
/// (a snapshot comment by anyone else is not trusted), checked against the lease.
pub fn expired_lease(
    issue: &OpenIssue,
    comments: &[IssueComment],
    lease: MirroredLease,
) -> Result<ExpiredLease, String> {
    let marker = crate::mirror::snapshot_marker(&lease.incident);
    let comment = comments
        .iter()
        .find(|c| marker.is_in(&c.body) && c.author == issue.author)
        .ok_or_else(|| {
            format!(
                "no protection snapshot posted by the issue's author {} (the commander's \
                 breakglass posts it at preflight): nothing trustworthy to restore from — \
                 restore the protection by hand",
                issue.author
            )
        })?;
    let mirrored = crate::mirror::parse_snapshot_comment(&comment.body)
        .map_err(|e| format!("its snapshot comment cannot be read: {e}"))?;
    check_matches(&mirrored, &lease)?;
    let snapshot = ProtectionSnapshot::from_recorded(&mirrored.snapshot)
        .map_err(|e| format!("its snapshot cannot be restored: {}", e.problem))?;
    let protected: RepoId = lease
        .repo
        .parse()
        .map_err(|e| format!("its lease names no repository: {e}"))?;
    if snapshot.repo != protected || snapshot.branch != lease.branch {
        return Err(format!(
            "its snapshot is of {} `{}`, not of the lease's {} `{}`",
            snapshot.repo, snapshot.branch, protected, lease.branch
        ));
    }
    let plan = serde_json::from_value(lease.plan.clone()).ok();
    Ok(ExpiredLease {
        lease,
        snapshot,
        plan,
        protected,
    })
}

fn check_matches(snapshot: &MirroredSnapshot, lease: &MirroredLease) -> Result<(), String> {
    if snapshot.incident != lease.incident
        || snapshot.repo != lease.repo
        || snapshot.branch != lease.branch
    {
        return Err(format!(
            "its snapshot comment is for {} on {} `{}`, the lease for {} on {} `{}`",
            snapshot.incident,
            snapshot.repo,
            snapshot.branch,
            lease.incident,
            lease.repo,
            lease.branch
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::fixtures::{history_to, t};
    use crate::incident::{Phase, fold};
    use crate::mirror::{SNAPSHOT_FORMAT, issue_marker, lease_line, mirrored_lease};
    use serde_json::json;

    fn lease() -> MirroredLease {
        mirrored_lease(&fold(&history_to(Phase::Active)).unwrap()).unwrap()
    }

    fn issue(body: String) -> OpenIssue {
        OpenIssue {
            repo: "acme/api".parse().unwrap(),
            number: 1,
            html_url: "https://github.com/acme/api/issues/1".into(),
            author: "commander".into(),
            body,
        }
    }

    fn body_with(lease: &MirroredLease) -> String {
        issue_marker(&lease.incident).embed(&format!("| Phase | active |\n\n{}", lease_line(lease)))
    }

    fn snapshot_comment(author: &str, repo: &str) -> IssueComment {
        let recorded = json!({
            "repo": {"owner": "acme", "name": "api"}, "branch": "main", "owner_is_org": true,
            "taken_at": "2026-01-01T09:00:00Z", "classic": {"state": "not_protected"},
            "rulesets": [], "pre_sha": null
        });
        let mirrored = MirroredSnapshot {
            format: SNAPSHOT_FORMAT.into(),
            incident: "INC-42".into(),
            repo: repo.into(),
            branch: "main".into(),
            pre_sha: "a".repeat(40),
            seq: 2,
            head: "b".repeat(64),
            taken_at: "2026-01-01T09:00:00Z".into(),
            snapshot: recorded,
        };
        let body = crate::mirror::snapshot_marker("INC-42")
            .embed(&crate::mirror::snapshot_comment(&mirrored));
        IssueComment {
            id: 3,
            author: author.into(),
            body,
            created_at: t(0),
            updated_at: t(0),
            html_url: String::new(),
        }
    }

    #[test]
    fn a_lease_is_due_only_past_its_deadline_plus_the_grace() {
        let lease = lease();
        let open = issue(body_with(&lease));
        let grace = Duration::seconds(60);
        let before = read_lease(&open, lease.deadline + Duration::seconds(59), grace).unwrap();
        assert_eq!(
            before,
            LeaseReading::NotDue {
                lease: lease.clone(),
                due_at: lease.deadline + grace
            }
        );
        let due = read_lease(&open, lease.deadline + grace, grace).unwrap();
        assert_eq!(due, LeaseReading::Due(lease));
    }

    #[test]
    fn an_issue_without_a_lease_line_or_for_another_incident_is_refused_with_why() {
        let grace = Duration::seconds(60);
        let err = read_lease(&issue("| Phase | active |".into()), t(0), grace).unwrap_err();
        assert!(err.contains("no lease line"), "{err}");
        let lease = lease();
        let foreign = issue(issue_marker("INC-7").embed(&lease_line(&lease)));
        let err = read_lease(&foreign, t(0), grace).unwrap_err();
        assert!(err.contains("not that incident's issue"), "{err}");
    }

    #[test]
    fn only_the_issue_authors_snapshot_for_the_same_repository_is_trusted() {
        let lease = lease();
        let open = issue(body_with(&lease));
        let good = expired_lease(
            &open,
            &[snapshot_comment("commander", "acme/api")],
            lease.clone(),
        )
        .unwrap();
        assert_eq!(good.protected.to_string(), "acme/api");
        assert_eq!(good.snapshot.branch, "main");

        let err = expired_lease(
            &open,
            &[snapshot_comment("mallory", "acme/api")],
            lease.clone(),
        )
        .unwrap_err();
        assert!(
            err.contains("no protection snapshot posted by the issue's author"),
            "{err}"
        );
        let err =
            expired_lease(&open, &[snapshot_comment("commander", "acme/web")], lease).unwrap_err();
        assert!(err.contains("the lease for INC-42 on acme/api"), "{err}");
    }
}
