//! The protection snapshot: every protection that applies to one branch (classic and each
//! active ruleset) exactly as read before anything changed, with one comparable
//! normalised form. Serializable, as it travels inside audit events. Pure: no I/O.

use super::RepoId;
use super::classic::{ClassicParseError, ClassicProtection};
use super::ruleset::{Ruleset, RulesetParseError, RulesetSource};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtectionSnapshot {
    pub repo: RepoId,
    pub branch: String,
    /// Organization-owned repositories may have push and dismissal restrictions; user-owned
    /// ones must not be sent them.
    pub owner_is_org: bool,
    pub taken_at: DateTime<Utc>,
    pub classic: ClassicState,
    /// The rulesets active on the branch (from `GET …/rules/branches/{b}`), each re-read
    /// in full.
    pub rulesets: Vec<RulesetSnapshot>,
    /// The branch head when the snapshot was taken.
    pub pre_sha: Option<String>,
}

/// Classic protection as read: GitHub's 404 `Branch not protected` is its own state.
///
/// Deserialising validates `raw` (a snapshot read back from the audit log may have been
/// written by another version), so every `Protected` state holds a protection
/// [`ClassicState::protection`] can parse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "state",
    rename_all = "snake_case",
    try_from = "RecordedClassicState"
)]
pub enum ClassicState {
    NotProtected,
    Protected {
        /// The GET body verbatim.
        raw: Value,
        /// [`ClassicProtection::normalized`] of it, for readers of the audit log.
        normalized: Value,
    },
}

/// [`ClassicState`] as written, before its protection is validated.
#[derive(Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum RecordedClassicState {
    NotProtected,
    Protected { raw: Value, normalized: Value },
}

impl TryFrom<RecordedClassicState> for ClassicState {
    type Error = String;

    fn try_from(recorded: RecordedClassicState) -> Result<Self, Self::Error> {
        match recorded {
            RecordedClassicState::NotProtected => Ok(ClassicState::NotProtected),
            RecordedClassicState::Protected { raw, normalized } => {
                ClassicProtection::from_get(&raw).map_err(|e| {
                    format!("its classic protection is not understood: {}", e.detail)
                })?;
                Ok(ClassicState::Protected { raw, normalized })
            }
        }
    }
}

/// A snapshot recorded in the audit log that this version cannot restore from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem}")]
pub struct RecordedSnapshotError {
    /// What is wrong with it, as serde and the protection parsers say.
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesetSnapshot {
    pub source: RulesetSource,
    pub ruleset: Ruleset,
}

/// Why a snapshot could not be built from what the forge returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Classic(#[from] ClassicParseError),
    #[error(transparent)]
    Ruleset(#[from] RulesetParseError),
}

impl ClassicState {
    /// From the GET result: `None` for the 404 `Branch not protected`.
    pub fn from_get(body: Option<Value>) -> Result<Self, ClassicParseError> {
        Ok(match body {
            None => ClassicState::NotProtected,
            Some(raw) => {
                let normalized = ClassicProtection::from_get(&raw)?.normalized();
                ClassicState::Protected { raw, normalized }
            }
        })
    }

    /// A state we computed rather than read (e.g. the expected state after a plan); its
    /// `raw` is the typed protection's own serialisation, which `protection()` reads back.
    pub fn from_protection(protection: &ClassicProtection) -> Self {
        ClassicState::Protected {
            raw: serde_json::to_value(protection).expect("protection serialises"),
            normalized: protection.normalized(),
        }
    }

    /// The typed protection, `None` when not protected.
    pub fn protection(&self) -> Option<ClassicProtection> {
        match self {
            ClassicState::NotProtected => None,
            ClassicState::Protected { raw, .. } => Some(
                ClassicProtection::from_get(raw).expect("a snapshot holds only parsed protection"),
            ),
        }
    }

    pub fn normalized(&self) -> Value {
        self.protection()
            .map(|p| p.normalized())
            .unwrap_or(Value::Null)
    }
}

impl RulesetSnapshot {
    /// From a `GET …/rulesets/{id}` body; the source comes from its `source_type` and
    /// `source` (a repository ruleset when the forge does not say).
    pub fn from_get(raw: Value) -> Result<Self, RulesetParseError> {
        let ruleset = Ruleset::from_get(raw)?;
        let source = match (ruleset.source_type(), ruleset.source()) {
            (Some("Organization"), Some(org)) => RulesetSource::Organization(org.to_owned()),
            (Some("Enterprise"), Some(ent)) => RulesetSource::Enterprise(ent.to_owned()),
            _ => RulesetSource::Repository,
        };
        Ok(RulesetSnapshot { source, ruleset })
    }

    /// The key of this ruleset in the normalised state: `12` for a repository ruleset,
    /// `org:acme:12` for an organization's, `enterprise:big:12` for an enterprise's.
    pub fn key(&self) -> String {
        ruleset_key(&self.source, self.ruleset.id())
    }
}

pub fn ruleset_key(source: &RulesetSource, id: u64) -> String {
    match source {
        RulesetSource::Repository => id.to_string(),
        RulesetSource::Organization(org) => format!("org:{org}:{id}"),
        RulesetSource::Enterprise(ent) => format!("enterprise:{ent}:{id}"),
    }
}

impl ProtectionSnapshot {
    /// The snapshot as recorded in an audit event, validated like one read from the forge.
    pub fn from_recorded(recorded: &Value) -> Result<Self, RecordedSnapshotError> {
        Self::deserialize(recorded).map_err(|e| RecordedSnapshotError {
            problem: crate::text::sanitize_line(&e.to_string()),
        })
    }

    /// The whole protected state as one value: `{"classic": …|null, "rulesets": {key: …}}`.
    pub fn normalized(&self) -> Value {
        let rulesets: Map<String, Value> = self
            .rulesets
            .iter()
            .map(|r| (r.key(), r.ruleset.normalized()))
            .collect();
        json!({"classic": self.classic.normalized(), "rulesets": rulesets})
    }

    pub fn ruleset(&self, source: &RulesetSource, id: u64) -> Option<&RulesetSnapshot> {
        self.rulesets
            .iter()
            .find(|r| &r.source == source && r.ruleset.id() == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn snapshot() -> ProtectionSnapshot {
        ProtectionSnapshot {
            repo: RepoId::new("acme", "api"),
            branch: "main".into(),
            owner_is_org: true,
            taken_at: Utc.with_ymd_and_hms(2026, 11, 29, 1, 0, 0).unwrap(),
            classic: ClassicState::from_get(Some(json!({
                "url": "x", "enforce_admins": {"url": "x", "enabled": true},
                "required_signatures": {"url": "x", "enabled": false},
                "required_status_checks": {"strict": true, "contexts": ["ci"], "checks": [{"context": "ci", "app_id": null}]}
            })))
            .unwrap(),
            rulesets: vec![
                RulesetSnapshot::from_get(json!({"id": 12, "name": "r", "source_type": "Repository",
                    "source": "acme/api", "enforcement": "active", "bypass_actors": [], "rules": []}))
                .unwrap(),
                RulesetSnapshot::from_get(json!({"id": 5, "name": "org", "source_type": "Organization",
                    "source": "acme", "enforcement": "active", "bypass_actors": [], "rules": []}))
                .unwrap(),
            ],
            pre_sha: Some("a".repeat(40)),
        }
    }

    #[test]
    fn a_snapshot_round_trips_through_json() {
        let s = snapshot();
        let text = serde_json::to_string(&s).unwrap();
        let back: ProtectionSnapshot = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.normalized(), s.normalized());
    }

    #[test]
    fn a_recorded_snapshot_whose_protection_is_not_understood_is_refused() {
        let mut recorded = serde_json::to_value(snapshot()).unwrap();
        // A shape no version of the GET body has: contexts as one string.
        recorded["classic"]["raw"]["required_status_checks"]["contexts"] = json!("ci");
        let err = ProtectionSnapshot::from_recorded(&recorded).unwrap_err();
        assert!(
            err.problem.contains(
                "its classic protection is not understood: required_status_checks.contexts is not a list"
            ),
            "{err}"
        );
        let mut recorded = serde_json::to_value(snapshot()).unwrap();
        recorded["rulesets"][0]["ruleset"]["rules"] = json!("none");
        assert!(ProtectionSnapshot::from_recorded(&recorded).is_err());
        let recorded = serde_json::to_value(snapshot()).unwrap();
        assert_eq!(ProtectionSnapshot::from_recorded(&recorded), Ok(snapshot()));
    }

    #[test]
    fn normalized_holds_classic_and_rulesets_by_key() {
        let n = snapshot().normalized();
        assert_eq!(n["classic"]["enforce_admins"], json!(true));
        assert_eq!(
            n["classic"]["required_status_checks"]["checks"][0]["app_id"],
            json!(-1)
        );
        assert!(n["rulesets"]["12"].is_object());
        assert!(n["rulesets"]["org:acme:5"].is_object());
        assert!(n["rulesets"]["12"].get("id").is_none());
    }

    #[test]
    fn not_protected_is_its_own_state_and_normalises_to_null() {
        let s = ClassicState::from_get(None).unwrap();
        assert_eq!(s, ClassicState::NotProtected);
        assert_eq!(s.normalized(), Value::Null);
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            json!({"state": "not_protected"})
        );
    }

    #[test]
    fn ruleset_sources_come_from_the_get_body() {
        let s = snapshot();
        assert_eq!(s.rulesets[0].source, RulesetSource::Repository);
        assert_eq!(
            s.rulesets[1].source,
            RulesetSource::Organization("acme".into())
        );
        assert!(s.ruleset(&RulesetSource::Repository, 12).is_some());
        assert!(s.ruleset(&RulesetSource::Repository, 5).is_none());
    }
}
