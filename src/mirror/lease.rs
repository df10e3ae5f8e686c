//! The lease as a guard on another machine reads it: one hidden line the mirror writes into
//! the incident issue's body while `breakglass:open` is on, `<!-- breakglass:lease {…} -->`,
//! carrying the deadline the glass must be closed by, which window it is, and the relax
//! plan (so a guard tells our relaxation from someone else's change). The human table
//! above it says the same in words; this line is what `breakglass guard` parses. Pure text.

use super::issue::{LABEL_OPEN, labels_for};
use crate::incident::Incident;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `format` member of a mirrored lease.
pub const LEASE_FORMAT: &str = "breakglass.lease.v1";

/// What starts the line; the JSON object follows on the same line.
const LEASE_PREFIX: &str = "<!-- breakglass:lease ";
const LEASE_SUFFIX: &str = " -->";

/// The open glass as the issue states it for a guard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MirroredLease {
    pub format: String,
    pub incident: String,
    /// `owner/name` of the protected repository (not the mirror's).
    pub repo: String,
    pub branch: String,
    /// Which of the incident's windows is open: 1, or more after a follow-up.
    pub window: usize,
    /// When the glass must be closed: the lease's deadline (extensions included); before
    /// the activation was recorded, the intent's time plus the lease asked for.
    pub deadline: DateTime<Utc>,
    /// The relax plan recorded at `activation_intended`, as recorded.
    pub plan: Value,
}

/// Why a body's lease line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeaseParseError {
    #[error("the lease line is not closed by ` -->`")]
    Unterminated,
    #[error("the lease JSON does not parse: {0}")]
    Json(String),
    #[error("the lease's format is `{0}`, not {LEASE_FORMAT}: written by another version")]
    Format(String),
}

/// The lease a guard must watch, while the issue carries `breakglass:open`; `None` when
/// the glass is closed (or was never opened).
pub fn mirrored_lease(incident: &Incident) -> Option<MirroredLease> {
    if !labels_for(incident).iter().any(|l| l == LABEL_OPEN) {
        return None;
    }
    let activation = incident.activation.as_ref()?;
    // The lease is this window's only once activated after this window's intent; a
    // follow-up window still activating has the previous window's lease.
    let deadline = match incident.lease {
        Some(lease) if lease.activated_at >= activation.intended_at => lease.deadline,
        _ => activation.intended_at + incident.ttl,
    };
    Some(MirroredLease {
        format: LEASE_FORMAT.to_owned(),
        incident: incident.id.clone(),
        repo: incident.repo.clone(),
        branch: incident.branch.clone(),
        window: incident.windows.len(),
        deadline,
        plan: activation.plan.clone(),
    })
}

/// The hidden line for `lease`. `>` is written as `\u003e` (JSON allows it only inside
/// strings, where the escape means the same), so no text can end the comment early.
pub fn lease_line(lease: &MirroredLease) -> String {
    let json = serde_json::to_string(lease).expect("a lease serialises");
    format!(
        "{LEASE_PREFIX}{}{LEASE_SUFFIX}",
        json.replace('>', "\\u003e")
    )
}

/// `body` with the incident's lease line appended when its glass is open for the team.
pub fn with_lease_line(body: String, incident: &Incident) -> String {
    match mirrored_lease(incident) {
        Some(lease) => format!("{}\n\n{}", body.trim_end(), lease_line(&lease)),
        None => body,
    }
}

/// The lease line in an issue body: `Ok(None)` when the body has none.
pub fn parse_lease(body: &str) -> Result<Option<MirroredLease>, LeaseParseError> {
    let Some(start) = body.find(LEASE_PREFIX) else {
        return Ok(None);
    };
    let rest = &body[start + LEASE_PREFIX.len()..];
    let end = rest
        .find(LEASE_SUFFIX)
        .ok_or(LeaseParseError::Unterminated)?;
    let lease: MirroredLease = serde_json::from_str(rest[..end].trim())
        .map_err(|e| LeaseParseError::Json(crate::text::sanitize_line(&e.to_string())))?;
    if lease.format != LEASE_FORMAT {
        return Err(LeaseParseError::Format(crate::text::sanitize_line(
            &lease.format,
        )));
    }
    Ok(Some(lease))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::fixtures::{at, history_to, sample, t};
    use crate::incident::{IncidentEvent, Phase, fold};
    use serde_json::json;

    #[test]
    fn the_line_is_written_while_the_glass_is_open_and_reads_back() {
        let incident = fold(&history_to(Phase::Active)).unwrap();
        let lease = mirrored_lease(&incident).expect("an open glass has a lease line");
        assert_eq!(lease.deadline, incident.lease.unwrap().deadline);
        assert_eq!((lease.window, lease.incident.as_str()), (1, "INC-42"));
        let body = with_lease_line("| Phase | active |\n".into(), &incident);
        assert!(body.starts_with("| Phase | active |\n\n<!-- breakglass:lease {"));
        assert_eq!(parse_lease(&body).unwrap(), Some(lease));

        let restored = fold(&history_to(Phase::Restored)).unwrap();
        assert_eq!(mirrored_lease(&restored), None);
        assert_eq!(with_lease_line("b".into(), &restored), "b");
        assert_eq!(parse_lease("b"), Ok(None));
    }

    #[test]
    fn before_activation_is_recorded_the_deadline_is_the_intent_plus_the_ttl() {
        let activating = fold(&history_to(Phase::Activating)).unwrap();
        let intended = activating.activation.as_ref().unwrap().intended_at;
        let lease = mirrored_lease(&activating).unwrap();
        assert_eq!(lease.deadline, intended + activating.ttl);

        // A follow-up window still activating does not inherit the first window's lease.
        let mut events = history_to(Phase::Restored);
        events.push(at(5000, sample("activation_intended")));
        let follow_up = fold(&events).unwrap();
        let lease = mirrored_lease(&follow_up).unwrap();
        assert_eq!(lease.window, 2);
        assert_eq!(lease.deadline, t(5000) + follow_up.ttl);
    }

    #[test]
    fn an_extension_moves_the_deadline() {
        let mut events = history_to(Phase::Active);
        events.push(at(
            100,
            IncidentEvent::LeaseExtended {
                deadline: t(3000),
                reason: "slow deploy".into(),
            },
        ));
        let lease = mirrored_lease(&fold(&events).unwrap()).unwrap();
        assert_eq!(lease.deadline, t(3000));
    }

    #[test]
    fn hostile_text_cannot_close_the_comment_and_still_reads_back() {
        let mut lease = mirrored_lease(&fold(&history_to(Phase::Active)).unwrap()).unwrap();
        lease.plan = json!({"purpose": "ruleset 'a --> b' <x>"});
        let line = lease_line(&lease);
        assert_eq!(line.matches("-->").count(), 1, "{line}");
        assert!(line.ends_with(" -->"));
        assert_eq!(parse_lease(&format!("x\n{line}\ny")).unwrap(), Some(lease));
    }

    #[test]
    fn broken_or_foreign_lines_are_refused_with_the_reason() {
        assert_eq!(
            parse_lease("<!-- breakglass:lease {\"format\":1"),
            Err(LeaseParseError::Unterminated)
        );
        assert!(matches!(
            parse_lease("<!-- breakglass:lease {nope} -->"),
            Err(LeaseParseError::Json(_))
        ));
        let lease = mirrored_lease(&fold(&history_to(Phase::Active)).unwrap()).unwrap();
        let newer = lease_line(&lease).replace(LEASE_FORMAT, "breakglass.lease.v9");
        assert_eq!(
            parse_lease(&newer),
            Err(LeaseParseError::Format("breakglass.lease.v9".into()))
        );
    }
}
