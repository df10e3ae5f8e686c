//! Which rulesets cover which branches and repositories, and the small glob matcher that
//! ruleset conditions and fault patterns share.
//!
//! Pure functions over stored rulesets; nothing here decides whether a push passes.

use super::model::Ruleset;
use serde_json::Value;

/// Matches `text` against a glob where `**` matches anything and `*` matches anything
/// except `/` when `star_stops_at_slash`, or anything at all otherwise. A pattern that is
/// not a valid glob matches nothing.
pub fn glob_match(pattern: &str, text: &str, star_stops_at_slash: bool) -> bool {
    glob(pattern, star_stops_at_slash).is_ok_and(|glob| glob.compile_matcher().is_match(text))
}

/// The glob for `pattern`, or why it is not one.
pub fn glob(pattern: &str, star_stops_at_slash: bool) -> Result<globset::Glob, globset::Error> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(star_stops_at_slash)
        .backslash_escape(true)
        .build()
}

fn patterns(condition: Option<&Value>, key: &str) -> Vec<String> {
    condition
        .and_then(|c| c.get(key))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn ref_pattern_matches(pattern: &str, full_ref: &str, default_branch: &str) -> bool {
    match pattern {
        "~ALL" => true,
        "~DEFAULT_BRANCH" => full_ref == format!("refs/heads/{default_branch}"),
        p => glob_match(p, full_ref, true),
    }
}

/// True when the ruleset's `ref_name` condition covers the branch.
pub fn covers_branch(ruleset: &Ruleset, branch: &str, default_branch: &str) -> bool {
    if ruleset.target != "branch" {
        return false;
    }
    let full_ref = format!("refs/heads/{branch}");
    let ref_name = ruleset.conditions.get("ref_name");
    let include = patterns(ref_name, "include");
    let exclude = patterns(ref_name, "exclude");
    include
        .iter()
        .any(|p| ref_pattern_matches(p, &full_ref, default_branch))
        && !exclude
            .iter()
            .any(|p| ref_pattern_matches(p, &full_ref, default_branch))
}

/// True when an organisation ruleset's `repository_name` condition covers the repository.
pub fn org_ruleset_covers_repo(ruleset: &Ruleset, repo_name: &str) -> bool {
    let cond = ruleset.conditions.get("repository_name");
    let matches = |p: &String| p == "~ALL" || glob_match(p, repo_name, true);
    patterns(cond, "include").iter().any(matches) && !patterns(cond, "exclude").iter().any(matches)
}

/// Only `active` rulesets are enforced (`evaluate` reports, `disabled` does nothing).
pub fn is_enforced(ruleset: &Ruleset) -> bool {
    ruleset.enforcement == "active"
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use serde_json::json;

    fn ruleset(conditions: Value) -> Ruleset {
        Ruleset {
            id: 1,
            name: "r".into(),
            target: "branch".into(),
            enforcement: "active".into(),
            bypass_actors: vec![],
            conditions,
            rules: vec![],
            source_type: "Repository".into(),
            source: "acme/web".into(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn globs_treat_slashes_as_asked() {
        assert!(glob_match(
            "refs/heads/release/*",
            "refs/heads/release/1",
            true
        ));
        assert!(!glob_match("refs/heads/*", "refs/heads/release/1", true));
        assert!(glob_match("refs/heads/**", "refs/heads/release/1", true));
        assert!(glob_match(
            "/repos/*/branches/*/protection",
            "/repos/acme/api/branches/main/protection",
            false
        ));
        assert!(!glob_match(
            "/repos/*/protection",
            "/repos/acme/api/rulesets",
            false
        ));
        assert!(glob_match("*", "/anything/at/all", false));
    }

    #[test]
    fn ref_name_conditions_cover_default_branch_and_honour_excludes() {
        let r = ruleset(json!({"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}}));
        assert!(covers_branch(&r, "main", "main"));
        assert!(!covers_branch(&r, "dev", "main"));
        let r =
            ruleset(json!({"ref_name": {"include": ["~ALL"], "exclude": ["refs/heads/tmp/*"]}}));
        assert!(covers_branch(&r, "dev", "main"));
        assert!(!covers_branch(&r, "tmp/x", "main"));
    }

    #[test]
    fn org_rulesets_select_repositories_by_name() {
        let r =
            ruleset(json!({"repository_name": {"include": ["~ALL"], "exclude": ["sandbox-*"]}}));
        assert!(org_ruleset_covers_repo(&r, "api"));
        assert!(!org_ruleset_covers_repo(&r, "sandbox-1"));
    }
}
