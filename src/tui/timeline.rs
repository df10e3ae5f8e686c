//! The audit timeline's state: the rows, the filter, the selection and the scroll offset.
//! Moving and filtering are O(visible) or one pass over the rows; render reads only the
//! visible slice, so 100,000 events stay fast.

use super::view::{ChainStatus, TimelineRow};
use regex::{Regex, RegexBuilder};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct TimelineState {
    pub rows: Arc<Vec<TimelineRow>>,
    pub chain: ChainStatus,
    /// The filter text; empty shows everything.
    pub filter: String,
    /// True while the filter is being typed.
    pub editing_filter: bool,
    /// Indices into `rows` that match the filter; `None` when there is no filter.
    matches: Option<Vec<usize>>,
    /// Position in the visible (filtered) list.
    pub selected: usize,
    /// First visible position.
    pub offset: usize,
    pub show_detail: bool,
}

impl Default for TimelineState {
    fn default() -> Self {
        TimelineState {
            rows: Arc::new(Vec::new()),
            chain: ChainStatus::NotChecked,
            filter: String::new(),
            editing_filter: false,
            matches: None,
            selected: 0,
            offset: 0,
            show_detail: false,
        }
    }
}

impl TimelineState {
    /// Replaces the rows; a viewer at the end keeps following new events.
    pub fn set_rows(&mut self, rows: Arc<Vec<TimelineRow>>, chain: ChainStatus, page: usize) {
        let following = self.is_empty() || self.selected + 1 >= self.len();
        self.rows = rows;
        self.chain = chain;
        self.refilter();
        if following {
            self.select(self.len().saturating_sub(1), page);
        } else {
            self.select(self.selected, page);
        }
    }

    /// How many rows are visible after filtering.
    pub fn len(&self) -> usize {
        self.matches.as_ref().map_or(self.rows.len(), Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The row at a visible position.
    pub fn row(&self, position: usize) -> Option<&TimelineRow> {
        let index = match &self.matches {
            Some(m) => *m.get(position)?,
            None => position,
        };
        self.rows.get(index)
    }

    pub fn selected_row(&self) -> Option<&TimelineRow> {
        self.row(self.selected)
    }

    /// Moves the selection to `position` (clamped) and scrolls so it stays in a page.
    pub fn select(&mut self, position: usize, page: usize) {
        let page = page.max(1);
        self.selected = position.min(self.len().saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
    }

    pub fn move_by(&mut self, delta: isize, page: usize) {
        let target = self.selected.saturating_add_signed(delta);
        self.select(target, page);
    }

    pub fn refilter(&mut self) {
        let text = self.filter.trim();
        self.matches = if text.is_empty() {
            None
        } else {
            let needle = literal_ignoring_case(text);
            Some(
                self.rows
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| matches_filter(r, &needle))
                    .map(|(i, _)| i)
                    .collect(),
            )
        };
        self.selected = self.selected.min(self.len().saturating_sub(1));
        self.offset = self.offset.min(self.selected);
    }
}

fn matches_filter(row: &TimelineRow, needle: &Regex) -> bool {
    [&row.kind, &row.actor, &row.summary]
        .iter()
        .any(|field| needle.is_match(field))
}

/// The filter as a case-insensitive literal: the regex engine's literal prefilters keep a
/// keystroke over 100,000 events cheap, and escaping means no character is special.
fn literal_ignoring_case(text: &str) -> Regex {
    RegexBuilder::new(&regex::escape(text))
        .case_insensitive(true)
        .build()
        .expect("an escaped literal is a valid pattern")
}

#[cfg(test)]
mod tests {
    use super::literal_ignoring_case;

    #[test]
    fn filter_matching_ignores_case_and_treats_text_literally() {
        assert!(literal_ignoring_case("restore_f").is_match("Restore_Failed"));
        assert!(!literal_ignoring_case("failed").is_match("restored"));
        assert!(literal_ignoring_case("überp").is_match("Überprüfung"));
        assert!(!literal_ignoring_case("a.c").is_match("abc"));
    }
}
