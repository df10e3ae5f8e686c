//! The incident issue itself: where it lives (`[mirror] repo`, else the incident's own
//! repository), its title, labels and marker, and finding or opening it exactly once.

use super::status::status_body;
use crate::config::Config;
use crate::forge::github::{ForgeError, Marker};
use crate::forge::port::Forge;
use crate::forge::{RepoId, RepoIdError};
use crate::incident::Incident;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Every incident issue carries this label.
pub const LABEL: &str = "breakglass";
/// While the glass is open (added at activation, removed at a verified restore).
pub const LABEL_OPEN: &str = "breakglass:open";
/// Drills: a rehearsal, not an emergency.
pub const LABEL_DRILL: &str = "breakglass:drill";

/// The issue on the forge that mirrors one incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentIssue {
    pub repo: RepoId,
    pub number: u64,
    pub html_url: String,
}

/// The marker in the issue's body that names its incident, so the issue is found again
/// (and never opened twice) from any machine.
pub fn issue_marker(incident_id: &str) -> Marker {
    Marker::new(incident_id, "incident-issue")
}

/// `[break-glass] INC-42: <first line of the reason>`.
pub fn issue_title(incident_id: &str, reason: &str) -> String {
    let first_line = reason.lines().map(str::trim).find(|l| !l.is_empty());
    let title = format!(
        "[break-glass] {}: {}",
        incident_id,
        first_line.unwrap_or("(no reason given)")
    );
    crate::text::sanitize_line(&title)
}

/// Where the incident's issue lives: `[mirror] repo`, else the incident's own repository.
pub fn mirror_repo(config: &Config, incident: &Incident) -> Result<RepoId, RepoIdError> {
    match &config.mirror_repo {
        Some(repo) => Ok(repo.clone()),
        None => incident.repo.parse(),
    }
}

/// The labels of breakglass's own vocabulary that the issue should carry now.
pub fn labels_for(incident: &Incident) -> Vec<String> {
    let mut labels = vec![LABEL.to_owned()];
    if glass_open_for_the_team(incident) {
        labels.push(LABEL_OPEN.to_owned());
    }
    if incident.drill {
        labels.push(LABEL_DRILL.to_owned());
    }
    labels
}

/// The glass may be open, or it was restored without the read-back proving it: only a
/// verified restore takes `breakglass:open` off.
fn glass_open_for_the_team(incident: &Incident) -> bool {
    incident.glass_possibly_open() || (incident.activation.is_some() && !incident.restore.verified)
}

/// The incident's issue in `repo`, if one was opened (found through its marker).
pub async fn find(
    forge: &dyn Forge,
    repo: &RepoId,
    incident_id: &str,
) -> Result<Option<IncidentIssue>, ForgeError> {
    let found = forge.find_issue(repo, &issue_marker(incident_id)).await?;
    Ok(found.map(|issue| IncidentIssue {
        repo: repo.clone(),
        number: issue.number,
        html_url: issue.html_url,
    }))
}

/// The incident's issue in `repo`, opened (titled, labelled, with the status body as of
/// `now`) if there is none yet. Idempotent: the marker finds an issue opened by an earlier
/// attempt whose answer was lost, or by another machine.
pub async fn open_or_find(
    forge: &dyn Forge,
    repo: &RepoId,
    incident: &Incident,
    now: DateTime<Utc>,
) -> Result<IncidentIssue, ForgeError> {
    if let Some(issue) = find(forge, repo, &incident.id).await? {
        return Ok(issue);
    }
    let created = forge
        .create_issue(
            repo,
            &issue_title(&incident.id, &incident.reason),
            &status_body(incident, now),
            &issue_marker(&incident.id),
            &labels_for(incident),
        )
        .await?;
    Ok(IncidentIssue {
        repo: repo.clone(),
        number: created.number,
        html_url: created.html_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::fixtures::{at, sample};
    use crate::incident::{IncidentEvent, fold};

    #[test]
    fn the_title_names_the_incident_and_the_first_line_of_the_reason() {
        assert_eq!(
            issue_title("INC-42", "checkout is down\nsee https://t.example/1"),
            "[break-glass] INC-42: checkout is down"
        );
        assert_eq!(
            issue_title("INC-42", "\n  \n  db\x1b[31m failover  \n"),
            "[break-glass] INC-42: db\\u{1b}[31m failover"
        );
        assert_eq!(
            issue_title("INC-1", ""),
            "[break-glass] INC-1: (no reason given)"
        );
    }

    #[test]
    fn the_open_label_comes_with_activation_and_goes_only_with_a_verified_restore() {
        let kinds = [
            "declared",
            "preflighted",
            "activation_intended",
            "activated",
            "restore_intended",
        ];
        let mut history = Vec::new();
        for (i, kind) in kinds.iter().enumerate() {
            history.push(at(i as i64, sample(kind)));
            let labels = labels_for(&fold(&history).unwrap());
            let open = labels.iter().any(|l| l == LABEL_OPEN);
            assert_eq!(open, i >= 2, "after {kind}: {labels:?}");
            assert_eq!(labels[0], LABEL);
        }
        let ended = |verified| {
            let mut h = history.clone();
            h.push(at(
                9,
                IncidentEvent::Restored {
                    verified,
                    by_guard: None,
                },
            ));
            labels_for(&fold(&h).unwrap())
        };
        assert_eq!(ended(false), [LABEL, LABEL_OPEN]);
        assert_eq!(ended(true), [LABEL]);
    }
}
