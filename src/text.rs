//! Making untrusted text safe to store and to show: no terminal control sequences.
//!
//! Commit messages, branch names, API error bodies and remote lines come from people and
//! servers we do not control. Before such text reaches the audit log or the terminal it
//! passes through [`sanitize`] (multi-line text) or [`sanitize_line`] (one line).

/// True for characters that can move the cursor, change colours, reorder text or start an
/// escape sequence on a terminal: C0 controls (except tab and newline), DEL, C1 controls,
/// bidirectional overrides and isolates, and the Unicode line/paragraph separators.
pub fn is_unsafe_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{2028}' | '\u{2029}' | '\u{061c}')
}

/// Replaces every unsafe character with a visible `\u{..}` escape, keeping newlines and tabs.
///
/// Nothing is dropped silently: an operator reading the result can see that something was
/// there and what it was.
pub fn sanitize(text: &str) -> String {
    if !text.chars().any(is_unsafe_char) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Like [`sanitize`], and also folds newlines and tabs into spaces, for one-line views.
pub fn sanitize_line(text: &str) -> String {
    sanitize(text)
        .chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .collect()
}

/// True when `text` is already free of unsafe characters.
pub fn is_clean(text: &str) -> bool {
    !text.chars().any(is_unsafe_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_class_of_control_character() {
        let hostile = "a\u{1b}[31mred\u{7}\u{7f}\u{9b}2J\u{202e}txt\u{2028}\u{2066}b\rc";
        let clean = sanitize(hostile);
        assert!(is_clean(&clean), "{clean:?}");
        assert_eq!(
            clean,
            "a\\u{1b}[31mred\\u{7}\\u{7f}\\u{9b}2J\\u{202e}txt\\u{2028}\\u{2066}b\\u{d}c"
        );
    }

    #[test]
    fn keeps_newlines_and_tabs_but_line_view_folds_them() {
        assert_eq!(sanitize("a\nb\tc"), "a\nb\tc");
        assert_eq!(sanitize_line("a\nb\tc\u{1b}"), "a b c\\u{1b}");
    }

    #[test]
    fn plain_text_is_unchanged() {
        let s = "Fix: restore checkout — ünïcode ✓";
        assert_eq!(sanitize(s), s);
    }
}
