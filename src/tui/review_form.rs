//! The review form being edited: one text area per field, converted to and from
//! [`ReviewForm`]. Action items are edited as lines `what; owner; YYYY-MM-DD`.

use crate::review::{ActionItem, ReviewForm};
use chrono::{DateTime, NaiveDate, Utc};
use ratatui_textarea::TextArea;

/// The fields in the order Tab visits them.
pub const FIELDS: [&str; 8] = [
    "Summary",
    "Impact",
    "Timeline",
    "Root cause",
    "What went well",
    "What went poorly",
    "Action items (what; owner; YYYY-MM-DD)",
    "Lessons learned",
];

pub const ACTION_ITEMS: usize = 6;

#[derive(Debug)]
pub struct ReviewEditor {
    pub incident: String,
    pub areas: Vec<TextArea<'static>>,
    pub focus: usize,
    pub saved_at: Option<DateTime<Utc>>,
    pub submitted: bool,
    /// Action-item lines that could not be read, with the reason.
    pub item_errors: Vec<String>,
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

impl ReviewEditor {
    pub fn from_form(form: &ReviewForm) -> Self {
        let items = form
            .action_items
            .iter()
            .map(|i| {
                let due = i.due.map(|d| d.to_string()).unwrap_or_default();
                format!("{}; {}; {}", i.what, i.owner, due)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let texts = [
            form.summary.as_str(),
            &form.impact,
            &form.timeline,
            &form.root_cause,
            &form.went_well,
            &form.went_poorly,
            &items,
            &form.lessons,
        ];
        ReviewEditor {
            incident: form.incident.clone(),
            areas: texts.iter().map(|t| area(t)).collect(),
            focus: 0,
            saved_at: None,
            submitted: form.submitted_at.is_some(),
            item_errors: Vec::new(),
        }
    }

    fn text(&self, index: usize) -> String {
        self.areas[index].lines().join("\n").trim_end().to_owned()
    }

    /// The form as it stands; unreadable action-item lines are kept with no date and
    /// listed in `item_errors`.
    pub fn to_form(&mut self) -> ReviewForm {
        let (items, errors) = parse_action_items(&self.text(ACTION_ITEMS));
        self.item_errors = errors;
        ReviewForm {
            incident: self.incident.clone(),
            summary: self.text(0),
            impact: self.text(1),
            timeline: self.text(2),
            root_cause: self.text(3),
            went_well: self.text(4),
            went_poorly: self.text(5),
            action_items: items,
            lessons: self.text(7),
            submitted_at: None,
        }
    }
}

/// Reads `what; owner; YYYY-MM-DD` lines.
pub fn parse_action_items(text: &str) -> (Vec<ActionItem>, Vec<String>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.split(';').map(str::trim);
        let what = parts.next().unwrap_or_default().to_owned();
        let owner = parts.next().unwrap_or_default().to_owned();
        let due_text = parts.next().unwrap_or_default();
        let due = if due_text.is_empty() {
            None
        } else {
            match NaiveDate::parse_from_str(due_text, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(format!(
                        "line {}: due date {due_text:?} is not YYYY-MM-DD",
                        n + 1
                    ));
                    None
                }
            }
        };
        if owner.is_empty() {
            errors.push(format!("line {}: name an owner after the first ';'", n + 1));
        }
        items.push(ActionItem { what, owner, due });
    }
    (items, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_items_parse_and_report_bad_lines() {
        let (items, errors) =
            parse_action_items("Add check; dev; 2026-01-15\n\nPager rota; ; soon");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].due, NaiveDate::from_ymd_opt(2026, 1, 15));
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn editor_round_trips_a_form() {
        let mut form = ReviewForm::new("INC-7");
        form.summary = "one\ntwo".into();
        form.action_items = vec![ActionItem {
            what: "Add check".into(),
            owner: "dev".into(),
            due: NaiveDate::from_ymd_opt(2026, 2, 1),
        }];
        let mut editor = ReviewEditor::from_form(&form);
        assert_eq!(editor.to_form(), form);
    }
}
