//! The keymap as a Markdown reference for the README, generated from the same tables as
//! the footer hints and the `?` overlay; a test keeps the README's copy in step.

use super::keymap::{Scope, grouped};
use std::fmt::Write as _;

fn title(scope: Scope) -> &'static str {
    match scope {
        Scope::Home => "Home",
        Scope::Declare => "Declare form",
        Scope::Checklist => "Checklist",
        Scope::Timeline => "Audit timeline",
        Scope::TimelineFilter => "Timeline filter (after `/`)",
        Scope::Review => "Review form",
        Scope::Confirm => "Confirmation (window: plan and commits; separate steps: plan, push)",
        Scope::ExtendPrompt => "Extend-lease prompt",
        Scope::QuitDialog => "Quit with the glass open",
        Scope::DrillQuitDialog => "Quit a drill with the glass open",
        Scope::Help => "Help overlay",
        Scope::DrillHistory => "Drill history",
        Scope::DrillPicker => "Drill picker (`d`)",
        Scope::DrillScorecard => "Drill scorecard",
    }
}

/// Every key as a Markdown table: where it works, the key(s), what it does. A binding
/// shared by several screens (the global keys) is one row naming them all.
pub fn markdown() -> String {
    let mut rows: Vec<(Vec<&'static str>, String, &'static str)> = Vec::new();
    for scope in Scope::ALL {
        for (keys, description) in grouped(scope) {
            match rows
                .iter_mut()
                .find(|(_, k, d)| *k == keys && *d == description)
            {
                Some((wheres, _, _)) => wheres.push(title(scope)),
                None => rows.push((vec![title(scope)], keys, description)),
            }
        }
    }
    let mut md = String::from("| Where | Keys | Does |\n| --- | --- | --- |\n");
    for (wheres, keys, description) in rows {
        let keys = keys.replace('|', "\\|");
        let _ = writeln!(md, "| {} | `{keys}` | {description} |", wheres.join(", "));
    }
    md
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_readme_lists_the_keys_as_the_keymap_binds_them() {
        let readme = include_str!("../../README.md");
        let table = super::markdown();
        assert!(
            readme.contains(&table),
            "README.md's key table is stale; replace it with:\n{table}"
        );
    }
}
