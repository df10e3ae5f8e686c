//! Drift resolved by keeping the other person's change: the state to expect once only our
//! relaxation is undone, the requests that undo it without overwriting their change, and
//! the refusal when both touched the same setting. Pure: nothing here sends a request.

use super::diff::{Difference, ThreeWayDifference, diff, three_way};
use super::plan::{RelaxPlan, StepRestore, StepScope, expected_after};
use super::restore::{RestoreStep, classic_restore};
use super::ruleset::{Ruleset, normalize_ruleset_value, user_bypass_actor};
use super::snapshot::{ProtectionSnapshot, ruleset_key};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// How to undo only our relaxation, and what the read-back must then show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeepTheirs {
    /// The normalised state to verify against: theirs with our plan's changes reverted.
    pub expected: Value,
    /// What someone else changed (snapshot / ours / theirs), as found.
    pub drift: Vec<ThreeWayDifference>,
    /// Classic requests that undo our relaxation, in order.
    pub classic_steps: Vec<RestoreStep>,
    /// Rulesets we added our bypass actor to that still exist: each gets its current
    /// writable object back with only our actor removed (see [`without_our_bypass`]).
    pub rulesets: Vec<RulesetToRevert>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesetToRevert {
    pub source: super::ruleset::RulesetSource,
    pub id: u64,
    /// The user id of the bypass actor our plan added.
    pub pusher_id: u64,
}

/// Why their change cannot be kept automatically.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeepTheirsRefusal {
    #[error(
        "cannot keep their change: our relaxation and their change both touched {settings} — \
         restore the snapshot (`--on-drift restore`) or fix the protection by hand"
    )]
    SameSetting { settings: String },
    #[error(
        "cannot keep their change to {settings}: undoing our relaxation of classic \
         protection needs a full PUT, which would overwrite it — restore the snapshot \
         (`--on-drift restore`) or fix the protection by hand"
    )]
    NeedsFullPut { settings: String },
    #[error(
        "cannot keep their change: nobody changed protection during the window, so there is \
         nothing to keep — restore normally"
    )]
    NoDrift,
}

/// Plans undoing only `plan` on the state read now (`theirs`, normalised), keeping every
/// change someone else made. Refused when a classic setting we changed was changed by
/// them too (an array counts as one setting), or when our classic change can only be
/// undone by a full PUT while they changed classic protection.
pub fn keep_theirs(
    snapshot: &ProtectionSnapshot,
    plan: &RelaxPlan,
    theirs: &Value,
) -> Result<KeepTheirs, KeepTheirsRefusal> {
    let before = snapshot.normalized();
    let ours = expected_after(snapshot, plan);
    let their_changes = diff(&ours, theirs);
    if their_changes.is_empty() {
        return Err(KeepTheirsRefusal::NoDrift);
    }
    let our_classic = settings(&diff(&before, &ours), "classic");
    let their_classic = settings(&their_changes, "classic");
    let shared: Vec<&String> = our_classic
        .iter()
        .filter(|ours| their_classic.iter().any(|t| overlaps(ours, t)))
        .collect();
    if !shared.is_empty() {
        return Err(KeepTheirsRefusal::SameSetting {
            settings: join(shared),
        });
    }
    let mut expected = theirs.clone();
    for setting in &our_classic {
        set(&mut expected, setting, lookup(&before, setting).cloned());
    }
    let classic_steps = classic_undo(snapshot, plan, &their_classic)?;
    let mut rulesets = Vec::new();
    for bypass in &plan.rulesets {
        let key = ruleset_key(&bypass.source, bypass.id);
        let Some(actors) = expected
            .pointer_mut(&format!("/rulesets/{key}/bypass_actors"))
            .and_then(Value::as_array_mut)
        else {
            // They deleted the ruleset (or hid its bypass list): nothing of ours is left.
            continue;
        };
        let ours = normalized_actor(plan.pusher.id);
        actors.retain(|a| *a != ours);
        rulesets.push(RulesetToRevert {
            source: bypass.source.clone(),
            id: bypass.id,
            pusher_id: plan.pusher.id,
        });
    }
    Ok(KeepTheirs {
        drift: three_way(&before, &ours, theirs),
        expected,
        classic_steps,
        rulesets,
    })
}

/// The writable object of `current` (the ruleset as read now) with the bypass actor our
/// plan added removed and everything else, their edits included, kept.
pub fn without_our_bypass(current: &Ruleset, pusher_id: u64) -> Option<Value> {
    let ours = normalized_actor(pusher_id);
    let actors: Vec<Value> = current
        .bypass_actors()?
        .iter()
        .filter(|a| normalized_actor_of(a) != ours)
        .cloned()
        .collect();
    Some(current.writable_body_with(actors))
}

/// Our classic relaxation's inverse. Exact inverses (e.g. POST `enforce_admins`) touch
/// only our settings; a relaxation only a full PUT undoes is safe only when they left
/// classic protection alone.
fn classic_undo(
    snapshot: &ProtectionSnapshot,
    plan: &RelaxPlan,
    their_classic: &[String],
) -> Result<Vec<RestoreStep>, KeepTheirsRefusal> {
    let classic: Vec<_> = plan
        .steps
        .iter()
        .filter(|s| s.scope == StepScope::Classic)
        .collect();
    if classic
        .iter()
        .any(|s| s.restore == StepRestore::FullClassicPut)
    {
        if !their_classic.is_empty() {
            return Err(KeepTheirsRefusal::NeedsFullPut {
                settings: join(their_classic.iter()),
            });
        }
        return Ok(classic_restore(snapshot));
    }
    Ok(classic
        .iter()
        .rev()
        .filter_map(|step| match &step.restore {
            StepRestore::Call(call) => Some(RestoreStep {
                call: call.clone(),
                purpose: format!("undo: {}", step.purpose),
                ignore_not_found: false,
            }),
            StepRestore::FullClassicPut => None,
        })
        .collect())
}

/// The settings (paths without array indices, so a list is one setting) under `root`
/// that `changes` touch, deduplicated in order.
fn settings(changes: &[Difference], root: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for change in changes {
        let setting = strip_indices(&change.path);
        let under = setting == root || setting.starts_with(&format!("{root}."));
        if under && !out.contains(&setting) {
            out.push(setting);
        }
    }
    out
}

fn strip_indices(path: &str) -> String {
    match path.find('[') {
        Some(at) => path[..at].to_owned(),
        None => path.to_owned(),
    }
}

/// One setting contains the other (or they are the same).
fn overlaps(a: &str, b: &str) -> bool {
    let within =
        |inner: &str, outer: &str| inner == outer || inner.starts_with(&format!("{outer}."));
    within(a, b) || within(b, a)
}

fn pointer(path: &str) -> String {
    path.split('.').map(|key| format!("/{key}")).collect()
}

fn lookup<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    root.pointer(&pointer(path))
}

/// Sets (or, with `None`, removes) the key at a dotted path; a missing parent object is
/// created.
fn set(root: &mut Value, path: &str, value: Option<Value>) {
    let (parent, key) = match path.rsplit_once('.') {
        Some((parent, key)) => (pointer(parent), key),
        None => (String::new(), path),
    };
    let mut node = root;
    for segment in parent.split('/').skip(1) {
        if !node.get(segment).is_some_and(Value::is_object)
            && let Some(map) = node.as_object_mut()
        {
            map.insert(segment.to_owned(), json!({}));
        }
        let Some(next) = node.get_mut(segment) else {
            return;
        };
        node = next;
    }
    let Some(map) = node.as_object_mut() else {
        return;
    };
    match value {
        Some(value) => {
            map.insert(key.to_owned(), value);
        }
        None => {
            map.remove(key);
        }
    }
}

fn join<'a>(settings: impl IntoIterator<Item = &'a String>) -> String {
    settings
        .into_iter()
        .map(|s| crate::text::sanitize_line(s))
        .collect::<Vec<_>>()
        .join(", ")
}

fn normalized_actor(pusher_id: u64) -> Value {
    normalized_actor_of(&user_bypass_actor(pusher_id))
}

fn normalized_actor_of(actor: &Value) -> Value {
    normalize_ruleset_value(&json!({ "bypass_actors": [actor] }))["bypass_actors"][0].clone()
}

#[cfg(test)]
#[path = "keep_theirs_tests.rs"]
mod tests;
