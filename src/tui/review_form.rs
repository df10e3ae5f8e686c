//! The review form being edited: one text area per [`Section`], converted to and from
//! [`ReviewForm`]. Action items are edited as lines `what; type; owner; YYYY-MM-DD; link`.

use crate::review::{ActionItem, ActionKind, ReviewForm, Section};
use chrono::{DateTime, NaiveDate, Utc};
use ratatui_textarea::TextArea;

/// How one action item is written, shown above its text area.
pub const ACTION_ITEM_SYNTAX: &str = "what; type; owner; YYYY-MM-DD; link";

/// Shown in the empty action-items area: the types first (narrow terminals cut the rest),
/// then an example line.
const ACTION_ITEM_EXAMPLE: &str = "types: mitigate, prevent, process — e.g. Alert on \
     checkout 5xx; prevent; dana; 2026-12-01; https://tickets.example.com/OPS-7";

/// The editor's title for `section`: its name, and for the action items how to write one.
pub fn field_label(section: Section) -> String {
    match section {
        Section::ActionItems => format!("{} ({ACTION_ITEM_SYNTAX})", section.title()),
        other => other.title().to_owned(),
    }
}

#[derive(Debug)]
pub struct ReviewEditor {
    pub incident: String,
    /// One per [`Section::ALL`], in that order.
    pub areas: Vec<TextArea<'static>>,
    pub focus: usize,
    pub saved_at: Option<DateTime<Utc>>,
    pub submitted: bool,
    /// Action-item lines that could not be read, with the reason.
    pub item_errors: Vec<String>,
    /// An earlier form's timeline, not edited here but carried through each save.
    earlier_timeline: String,
    /// The incident's facts from the audit log, shown read-only above the sections.
    pub facts: Vec<String>,
}

/// A text area holding `text`; a draft read from disk is untrusted, so it is sanitised.
fn area(text: &str) -> TextArea<'static> {
    let lines: Vec<String> = if text.is_empty() {
        vec![String::new()]
    } else {
        crate::text::sanitize(text)
            .lines()
            .map(str::to_owned)
            .collect()
    };
    TextArea::new(lines)
}

fn action_item_line(item: &ActionItem) -> String {
    let kind = item.kind.map(ActionKind::as_str).unwrap_or_default();
    let due = item.due.map(|d| d.to_string()).unwrap_or_default();
    format!(
        "{}; {kind}; {}; {due}; {}",
        item.what, item.owner, item.tracking_link
    )
}

impl ReviewEditor {
    pub fn from_form(form: &ReviewForm) -> Self {
        let items = form
            .action_items
            .iter()
            .map(action_item_line)
            .collect::<Vec<_>>()
            .join("\n");
        let areas = Section::ALL.iter().map(|s| match form.text(*s) {
            Some(text) => area(text),
            None => {
                let mut items_area = area(&items);
                items_area.set_placeholder_text(ACTION_ITEM_EXAMPLE);
                items_area
            }
        });
        ReviewEditor {
            incident: form.incident.clone(),
            areas: areas.collect(),
            focus: 0,
            saved_at: None,
            submitted: form.submitted_at.is_some(),
            item_errors: Vec::new(),
            earlier_timeline: form.timeline.clone(),
            facts: Vec::new(),
        }
    }

    /// The section the cursor is in.
    pub fn focused_section(&self) -> Section {
        Section::ALL[self.focus]
    }

    fn text(&self, index: usize) -> String {
        self.areas[index].lines().join("\n").trim_end().to_owned()
    }

    /// The form as it stands; unreadable action-item lines are kept as far as they could
    /// be read and listed in `item_errors`.
    pub fn to_form(&mut self) -> ReviewForm {
        let mut form = ReviewForm::new(self.incident.clone());
        form.timeline = self.earlier_timeline.clone();
        for (index, section) in Section::ALL.into_iter().enumerate() {
            let text = self.text(index);
            match form.text_mut(section) {
                Some(field) => *field = text,
                None => {
                    let (items, errors) = parse_action_items(&text);
                    form.action_items = items;
                    self.item_errors = errors;
                }
            }
        }
        form
    }
}

/// Reads `what; type; owner; YYYY-MM-DD; link` lines. The type and the owner are
/// required; the date and the link may wait, and the link may itself hold `;`.
pub fn parse_action_items(text: &str) -> (Vec<ActionItem>, Vec<String>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line_no = n + 1;
        let mut parts = line.splitn(5, ';').map(str::trim);
        let mut next = || parts.next().unwrap_or_default();
        let (what, kind_text, owner, due_text, link) = (next(), next(), next(), next(), next());
        let kind = ActionKind::parse(kind_text);
        if kind.is_none() {
            errors.push(format!(
                "line {line_no}: type {kind_text:?} is not mitigate, prevent or process"
            ));
        }
        if owner.is_empty() {
            errors.push(format!(
                "line {line_no}: name an owner after the second ';'"
            ));
        }
        let due = if due_text.is_empty() {
            None
        } else {
            let parsed = NaiveDate::parse_from_str(due_text, "%Y-%m-%d").ok();
            if parsed.is_none() {
                errors.push(format!(
                    "line {line_no}: due date {due_text:?} is not YYYY-MM-DD"
                ));
            }
            parsed
        };
        items.push(ActionItem {
            what: what.to_owned(),
            kind,
            owner: owner.to_owned(),
            due,
            tracking_link: link.to_owned(),
        });
    }
    (items, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_items_parse_and_report_bad_lines() {
        let (items, errors) = parse_action_items(
            "Add check; Prevent; dev; 2026-01-15; https://t.example/OPS-1;a=b\n\n\
             Pager rota; soon; ; tomorrow",
        );
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0],
            ActionItem {
                what: "Add check".into(),
                kind: Some(ActionKind::Prevent),
                owner: "dev".into(),
                due: NaiveDate::from_ymd_opt(2026, 1, 15),
                tracking_link: "https://t.example/OPS-1;a=b".into(),
            }
        );
        assert_eq!(
            errors,
            [
                "line 3: type \"soon\" is not mitigate, prevent or process",
                "line 3: name an owner after the second ';'",
                "line 3: due date \"tomorrow\" is not YYYY-MM-DD",
            ]
        );
    }

    #[test]
    fn an_item_without_a_type_is_refused() {
        let (_, errors) = parse_action_items("Add check; ; dev");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("mitigate, prevent or process"));
    }

    #[test]
    fn editor_round_trips_a_form_with_every_section() {
        let mut form = ReviewForm::new("INC-7");
        for section in Section::ALL {
            if let Some(text) = form.text_mut(section) {
                *text = format!("{}\nsecond line", section.title());
            }
        }
        form.action_items = vec![ActionItem {
            what: "Add check".into(),
            kind: Some(ActionKind::Mitigate),
            owner: "dev".into(),
            due: NaiveDate::from_ymd_opt(2026, 2, 1),
            tracking_link: "https://t.example/OPS-2".into(),
        }];
        form.timeline = "09:00 declared".into();
        let mut editor = ReviewEditor::from_form(&form);
        assert_eq!(editor.areas.len(), 11);
        assert_eq!(editor.to_form(), form);
        assert!(editor.item_errors.is_empty(), "{:?}", editor.item_errors);
    }
}
