//! Repository and organization rulesets: the raw GET JSON kept verbatim (new rule types
//! appear; none is ever dropped), the typed parts the planner reads, the full writable PUT
//! object (forge-api §2.3), normalisation, and which rules block a fast-forward push.
//! Pure: no HTTP, no I/O.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One ruleset as returned by `GET …/rulesets/{id}`. Serialises as that raw JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub struct Ruleset {
    raw: Value,
}

/// Where a ruleset lives, which decides its API path and who may change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RulesetSource {
    Repository,
    /// The organization's login.
    Organization(String),
    /// The enterprise's slug; breakglass never relaxes these.
    Enterprise(String),
}

/// Why a GET body is not a ruleset we can work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the ruleset returned by the forge is not understood ({detail}); nothing was changed \
     — report this with the response body"
)]
pub struct RulesetParseError {
    pub detail: String,
}

/// The fields GitHub computes; never sent back, never compared.
const READ_ONLY: [&str; 8] = [
    "id",
    "node_id",
    "_links",
    "created_at",
    "updated_at",
    "current_user_can_bypass",
    "source_type",
    "source",
];

/// The fields a PUT may carry, copied verbatim from the snapshot.
const WRITABLE: [&str; 5] = ["name", "target", "enforcement", "conditions", "rules"];

/// What a rule does to a fast-forward push of existing `main` by someone who cannot bypass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleEffect {
    /// Refuses the push outright (pull_request, required_status_checks,
    /// required_signatures, update, required_deployments, code_scanning, workflows,
    /// merge_queue, license_compliance_scanning, and any rule type we do not know yet).
    BlocksPush,
    /// `required_linear_history`: refuses only pushes that contain merge commits.
    BlocksMergeCommits,
    /// Metadata and file rules (commit message / author / committer patterns, file path,
    /// extension, path length and size): refuse only commits that break them. The plan
    /// does not bypass a ruleset for these alone; the operator's commits must comply.
    DependsOnContent,
    /// `non_fast_forward`, `deletion`: bite only force pushes and deletions, which
    /// breakglass never does.
    ForcePushOrDeletionOnly,
    /// Rules that do not apply to updating an existing branch (creation, branch and tag
    /// name patterns, copilot_code_review which acts on pull requests).
    NotApplicable,
}

/// Classifies a rule `type`. Unknown types block: new rule types are added often, and
/// guessing they are harmless would fail the push in the middle of an incident.
pub fn rule_effect(rule_type: &str) -> RuleEffect {
    match rule_type {
        "required_linear_history" => RuleEffect::BlocksMergeCommits,
        "commit_message_pattern"
        | "commit_author_email_pattern"
        | "committer_email_pattern"
        | "file_path_restriction"
        | "max_file_path_length"
        | "file_extension_restriction"
        | "max_file_size" => RuleEffect::DependsOnContent,
        "non_fast_forward" | "deletion" => RuleEffect::ForcePushOrDeletionOnly,
        "creation" | "branch_name_pattern" | "tag_name_pattern" | "copilot_code_review" => {
            RuleEffect::NotApplicable
        }
        _ => RuleEffect::BlocksPush,
    }
}

impl TryFrom<Value> for Ruleset {
    type Error = RulesetParseError;

    fn try_from(raw: Value) -> Result<Self, Self::Error> {
        Ruleset::from_get(raw)
    }
}

impl From<Ruleset> for Value {
    fn from(r: Ruleset) -> Value {
        r.raw
    }
}

fn err(detail: &str) -> RulesetParseError {
    RulesetParseError {
        detail: detail.to_owned(),
    }
}

impl Ruleset {
    /// Keeps a `GET …/rulesets/{id}` body; requires a numeric `id`, a `name` and rules
    /// that each carry a `type`.
    pub fn from_get(raw: Value) -> Result<Self, RulesetParseError> {
        let obj = raw
            .as_object()
            .ok_or_else(|| err("the body is not an object"))?;
        obj.get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| err("it has no numeric id"))?;
        obj.get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| err("it has no name"))?;
        match obj.get("rules") {
            None | Some(Value::Null) => {}
            Some(Value::Array(rules)) => {
                if rules
                    .iter()
                    .any(|r| r.get("type").and_then(Value::as_str).is_none())
                {
                    return Err(err("a rule has no type"));
                }
            }
            Some(_) => return Err(err("rules is not a list")),
        }
        if let Some(actors) = obj.get("bypass_actors")
            && !(actors.is_array() || actors.is_null())
        {
            return Err(err("bypass_actors is not a list"));
        }
        Ok(Ruleset { raw })
    }

    pub fn raw(&self) -> &Value {
        &self.raw
    }

    fn obj(&self) -> &Map<String, Value> {
        self.raw.as_object().expect("checked in from_get")
    }

    fn str_field(&self, key: &str) -> Option<&str> {
        self.obj().get(key).and_then(Value::as_str)
    }

    pub fn id(&self) -> u64 {
        self.obj()["id"].as_u64().expect("checked in from_get")
    }

    pub fn name(&self) -> &str {
        self.str_field("name").expect("checked in from_get")
    }

    /// `Repository`, `Organization` or `Enterprise`; `None` if the forge did not say.
    pub fn source_type(&self) -> Option<&str> {
        self.str_field("source_type")
    }

    /// The repository (`owner/name`) or organization login that owns the ruleset.
    pub fn source(&self) -> Option<&str> {
        self.str_field("source")
    }

    /// `active`, `evaluate` or `disabled` (absent reads as `disabled`, GitHub's default).
    pub fn enforcement(&self) -> &str {
        self.str_field("enforcement").unwrap_or("disabled")
    }

    pub fn is_active(&self) -> bool {
        self.enforcement() == "active"
    }

    pub fn target(&self) -> Option<&str> {
        self.str_field("target")
    }

    pub fn conditions(&self) -> Option<&Value> {
        self.obj().get("conditions")
    }

    /// `None` when the GET left them out: the token cannot write this ruleset, so its
    /// bypass list cannot be snapshotted (or restored) exactly.
    pub fn bypass_actors(&self) -> Option<&Vec<Value>> {
        self.obj().get("bypass_actors").and_then(Value::as_array)
    }

    /// The rules, verbatim.
    pub fn rules(&self) -> &[Value] {
        self.obj()
            .get("rules")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn rule_types(&self) -> impl Iterator<Item = &str> {
        self.rules()
            .iter()
            .filter_map(|r| r.get("type").and_then(Value::as_str))
    }

    /// `always`, `pull_requests_only`, `never` or `exempt`, for the token that read it.
    pub fn current_user_can_bypass(&self) -> Option<&str> {
        self.str_field("current_user_can_bypass")
    }

    /// The full writable object for `PUT …/rulesets/{id}`: name, target, enforcement,
    /// conditions and rules verbatim, and `bypass_actors` exactly (`[]` when empty, never
    /// null or omitted). `None` when the GET carried no bypass list.
    pub fn writable_body(&self) -> Option<Value> {
        Some(self.writable_body_with(self.bypass_actors()?.clone()))
    }

    /// The writable object with a replacement bypass list.
    pub fn writable_body_with(&self, bypass_actors: Vec<Value>) -> Value {
        let mut body = Map::new();
        for key in WRITABLE {
            if let Some(v) = self.obj().get(key) {
                body.insert(key.to_owned(), v.clone());
            }
        }
        body.insert("bypass_actors".to_owned(), Value::Array(bypass_actors));
        Value::Object(body)
    }

    /// The comparable form: read-only fields dropped, bypass actors normalised and sorted.
    pub fn normalized(&self) -> Value {
        normalize_ruleset_value(&self.raw)
    }
}

/// Normalises raw ruleset JSON (GET body or a PUT body we built).
pub fn normalize_ruleset_value(raw: &Value) -> Value {
    let mut obj = raw.as_object().cloned().unwrap_or_default();
    for key in READ_ONLY {
        obj.remove(key);
    }
    if let Some(Value::Array(actors)) = obj.get_mut("bypass_actors") {
        let mut normal: Vec<Value> = actors.iter().map(normalize_actor).collect();
        normal.sort_by_key(|a| a.to_string());
        *actors = normal;
    }
    Value::Object(obj)
}

/// `bypass_mode` absent means `always`; an `OrganizationAdmin` actor's id is meaningless
/// (GitHub returns `null` or `0`), so it is `null`.
fn normalize_actor(actor: &Value) -> Value {
    let mut a = actor.as_object().cloned().unwrap_or_default();
    if !a.contains_key("bypass_mode") {
        a.insert("bypass_mode".into(), Value::from("always"));
    }
    if a.get("actor_type").and_then(Value::as_str) == Some("OrganizationAdmin") {
        a.insert("actor_id".into(), Value::Null);
    }
    let mut sorted: Vec<(String, Value)> = a.into_iter().collect();
    sorted.sort_by(|x, y| x.0.cmp(&y.0));
    Value::Object(sorted.into_iter().collect())
}

/// The temporary bypass the planner adds for the pushing user (never `exempt`, which
/// would skip the audit entry).
pub fn user_bypass_actor(user_id: u64) -> Value {
    serde_json::json!({"actor_type": "User", "actor_id": user_id, "bypass_mode": "always"})
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({
            "id": 12, "name": "protect main", "target": "branch",
            "source_type": "Repository", "source": "acme/api", "enforcement": "active",
            "node_id": "RRS_1", "_links": {"self": {"href": "x"}},
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z",
            "current_user_can_bypass": "never",
            "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
            "bypass_actors": [
                {"actor_type": "Team", "actor_id": 9, "bypass_mode": "pull_request"},
                {"actor_type": "OrganizationAdmin", "actor_id": 0, "bypass_mode": "always"}
            ],
            "rules": [
                {"type": "pull_request", "parameters": {"required_approving_review_count": 1}},
                {"type": "non_fast_forward"},
                {"type": "some_rule_from_2027", "parameters": {"x": 1}}
            ]
        })
    }

    #[test]
    fn typed_parts_are_read_and_unknown_rules_kept() {
        let r = Ruleset::from_get(sample()).unwrap();
        assert_eq!(r.id(), 12);
        assert_eq!(r.name(), "protect main");
        assert!(r.is_active());
        assert_eq!(r.current_user_can_bypass(), Some("never"));
        assert_eq!(
            r.rule_types().collect::<Vec<_>>(),
            vec!["pull_request", "non_fast_forward", "some_rule_from_2027"]
        );
        let back: Value = serde_json::to_value(&r).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn writable_body_copies_everything_writable_and_nothing_read_only() {
        let r = Ruleset::from_get(sample()).unwrap();
        let body = r.writable_body().unwrap();
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            vec![
                "name",
                "target",
                "enforcement",
                "conditions",
                "rules",
                "bypass_actors"
            ]
        );
        assert_eq!(body["rules"], sample()["rules"]);
        assert_eq!(body["bypass_actors"], sample()["bypass_actors"]);
    }

    #[test]
    fn an_empty_bypass_list_is_sent_as_an_empty_array() {
        let mut raw = sample();
        raw["bypass_actors"] = json!([]);
        let body = Ruleset::from_get(raw).unwrap().writable_body().unwrap();
        assert_eq!(body["bypass_actors"], json!([]));
    }

    #[test]
    fn a_missing_bypass_list_gives_no_writable_body() {
        let mut raw = sample();
        raw.as_object_mut().unwrap().remove("bypass_actors");
        let r = Ruleset::from_get(raw).unwrap();
        assert!(r.bypass_actors().is_none());
        assert!(r.writable_body().is_none());
    }

    #[test]
    fn normalisation_drops_read_only_fields_and_sorts_actors() {
        let r = Ruleset::from_get(sample()).unwrap();
        let n = r.normalized();
        for key in READ_ONLY {
            assert!(n.get(key).is_none(), "{key}");
        }
        let mut reordered = sample();
        reordered["bypass_actors"] = json!([
            {"actor_type": "OrganizationAdmin", "actor_id": null, "bypass_mode": "always"},
            {"actor_type": "Team", "actor_id": 9, "bypass_mode": "pull_request"}
        ]);
        reordered["updated_at"] = json!("2026-05-05T00:00:00Z");
        assert_eq!(Ruleset::from_get(reordered).unwrap().normalized(), n);
    }

    #[test]
    fn rule_effects_are_decided_per_type() {
        assert_eq!(rule_effect("pull_request"), RuleEffect::BlocksPush);
        assert_eq!(rule_effect("update"), RuleEffect::BlocksPush);
        assert_eq!(
            rule_effect("required_linear_history"),
            RuleEffect::BlocksMergeCommits
        );
        assert_eq!(
            rule_effect("commit_message_pattern"),
            RuleEffect::DependsOnContent
        );
        assert_eq!(
            rule_effect("non_fast_forward"),
            RuleEffect::ForcePushOrDeletionOnly
        );
        assert_eq!(rule_effect("deletion"), RuleEffect::ForcePushOrDeletionOnly);
        assert_eq!(rule_effect("creation"), RuleEffect::NotApplicable);
        assert_eq!(rule_effect("brand_new_rule"), RuleEffect::BlocksPush);
    }

    #[test]
    fn malformed_rulesets_are_refused() {
        assert!(Ruleset::from_get(json!({"name": "x"})).is_err());
        assert!(Ruleset::from_get(json!({"id": 1, "name": "x", "rules": [{}]})).is_err());
        assert!(Ruleset::from_get(json!({"id": 1, "name": "x", "bypass_actors": "all"})).is_err());
    }
}
