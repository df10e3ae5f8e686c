//! Structural differences between normalised protection states (two-way and three-way),
//! renderable as short human text. Pure: knows nothing about GitHub's shapes.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;

/// One leaf that differs between `before` and `after`; `None` means the key is absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    /// Dotted path such as `required_pull_request_reviews.required_approving_review_count`
    /// or `rulesets.12.bypass_actors[1]`; empty for the root.
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// One path where the state someone else left (`theirs`) differs from what we wrote
/// (`ours`), with what the snapshot holds there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreeWayDifference {
    pub path: String,
    pub snapshot: Option<Value>,
    pub ours: Option<Value>,
    pub theirs: Option<Value>,
}

/// Every leaf where `before` and `after` differ, in path order. Objects are compared key
/// by key, arrays element by element; anything else (or a type change) is one leaf.
pub fn diff(before: &Value, after: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(String::new(), Some(before), Some(after), &mut out);
    out
}

/// The paths where `theirs` differs from `ours`, each with the snapshot's value there.
pub fn three_way(snapshot: &Value, ours: &Value, theirs: &Value) -> Vec<ThreeWayDifference> {
    diff(ours, theirs)
        .into_iter()
        .map(|d| ThreeWayDifference {
            snapshot: lookup(snapshot, &d.path).cloned(),
            path: d.path,
            ours: d.before,
            theirs: d.after,
        })
        .collect()
}

fn walk(path: String, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<Difference>) {
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for key in keys {
                walk(join_key(&path, key), b.get(key), a.get(key), out);
            }
        }
        (Some(Value::Array(b)), Some(Value::Array(a))) => {
            for i in 0..b.len().max(a.len()) {
                walk(format!("{path}[{i}]"), b.get(i), a.get(i), out);
            }
        }
        (b, a) if b == a => {}
        (b, a) => out.push(Difference {
            path,
            before: b.cloned(),
            after: a.cloned(),
        }),
    }
}

fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Follows a path produced by [`diff`] (keys containing `.` or `[` are not supported,
/// which normalised states never contain).
fn lookup<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(root);
    }
    let mut current = root;
    for segment in path.split('.') {
        let (key, indices) = match segment.find('[') {
            Some(at) => segment.split_at(at),
            None => (segment, ""),
        };
        if !key.is_empty() {
            current = current.get(key)?;
        }
        for index in indices.split('[').filter(|s| !s.is_empty()) {
            current = current.get(index.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    Some(current)
}

fn show(value: &Option<Value>) -> String {
    match value {
        None => "(absent)".to_owned(),
        Some(v) => crate::text::sanitize_line(&v.to_string()),
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(whole state)"
        } else {
            &self.path
        };
        write!(f, "{path}: {} → {}", show(&self.before), show(&self.after))
    }
}

impl fmt::Display for ThreeWayDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: snapshot {}, we wrote {}, now {}",
            self.path,
            show(&self.snapshot),
            show(&self.ours),
            show(&self.theirs)
        )
    }
}

/// One line per difference, or `no differences`.
pub fn render(differences: &[Difference]) -> String {
    render_lines(differences)
}

/// One line per drifted path, or `no differences`.
pub fn render_three_way(differences: &[ThreeWayDifference]) -> String {
    render_lines(differences)
}

fn render_lines<T: fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "no differences".to_owned();
    }
    items
        .iter()
        .map(|d| format!("  {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_values_have_no_differences() {
        let v = json!({"a": {"b": [1, 2]}, "c": null});
        assert!(diff(&v, &v).is_empty());
        assert_eq!(render(&diff(&v, &v)), "no differences");
    }

    #[test]
    fn nested_changes_are_reported_with_dotted_paths() {
        let before = json!({"required_pull_request_reviews": {"required_approving_review_count": 1}, "enforce_admins": true});
        let after = json!({"required_pull_request_reviews": {"required_approving_review_count": 2}, "enforce_admins": true});
        let d = diff(&before, &after);
        assert_eq!(
            d,
            vec![Difference {
                path: "required_pull_request_reviews.required_approving_review_count".into(),
                before: Some(json!(1)),
                after: Some(json!(2)),
            }]
        );
        assert_eq!(
            render(&d),
            "  required_pull_request_reviews.required_approving_review_count: 1 → 2"
        );
    }

    #[test]
    fn added_removed_keys_and_array_elements_show_absent() {
        let before = json!({"users": ["a"], "gone": true});
        let after = json!({"users": ["a", "b"], "new": 1});
        let lines: Vec<String> = diff(&before, &after)
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            lines,
            vec![
                "gone: true → (absent)",
                "new: (absent) → 1",
                "users[1]: (absent) → \"b\""
            ]
        );
    }

    #[test]
    fn a_section_turned_off_is_one_difference() {
        let before = json!({"required_status_checks": {"strict": true}});
        let after = json!({"required_status_checks": null});
        let d = diff(&before, &after);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path, "required_status_checks");
    }

    #[test]
    fn three_way_names_snapshot_ours_and_theirs() {
        let snapshot = json!({"classic": {"enforce_admins": true, "lock_branch": false}});
        let ours = json!({"classic": {"enforce_admins": false, "lock_branch": false}});
        let theirs = json!({"classic": {"enforce_admins": false, "lock_branch": true}});
        let d = three_way(&snapshot, &ours, &theirs);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].snapshot, Some(json!(false)));
        assert_eq!(
            render_three_way(&d),
            "  classic.lock_branch: snapshot false, we wrote false, now true"
        );
    }

    #[test]
    fn lookup_follows_array_indices() {
        let v = json!({"rulesets": {"12": {"bypass_actors": [{"actor_id": 7}]}}});
        assert_eq!(
            lookup(&v, "rulesets.12.bypass_actors[0].actor_id"),
            Some(&json!(7))
        );
        assert_eq!(lookup(&v, "rulesets.13"), None);
    }

    #[test]
    fn rendered_values_are_sanitised() {
        let d = diff(&json!({"name": "a"}), &json!({"name": "evil\u{1b}[2J"}));
        assert!(crate::text::is_clean(&render(&d)));
    }
}
