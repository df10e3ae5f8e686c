//! Idempotency markers: a hidden HTML comment `<!-- breakglass:<incident>:<step> -->`
//! embedded in issue and pull-request bodies, so a creating POST whose answer was lost
//! can be recognised on the forge instead of being sent twice.

use std::fmt;

/// The marker for one creating step of one incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    incident: String,
    step: String,
}

impl Marker {
    /// Characters that could end the HTML comment or split the marker are replaced by `_`.
    pub fn new(incident: &str, step: &str) -> Self {
        Marker {
            incident: clean(incident),
            step: clean(step),
        }
    }

    /// `body` with the marker appended on its own line (once).
    pub fn embed(&self, body: &str) -> String {
        if self.is_in(body) {
            return body.to_owned();
        }
        if body.is_empty() {
            self.to_string()
        } else {
            format!("{}\n\n{self}", body.trim_end())
        }
    }

    /// True when `body` carries exactly this marker.
    pub fn is_in(&self, body: &str) -> bool {
        body.contains(&self.to_string())
    }
}

fn clean(part: &str) -> String {
    part.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl fmt::Display for Marker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<!-- breakglass:{}:{} -->", self.incident, self.step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_markers_are_found_and_not_doubled() {
        let marker = Marker::new("INC-42", "retro-review");
        let body = marker.embed("Review what was pushed.\n");
        assert_eq!(
            body,
            "Review what was pushed.\n\n<!-- breakglass:INC-42:retro-review -->"
        );
        assert!(marker.is_in(&body));
        assert_eq!(marker.embed(&body), body);
        assert_eq!(
            Marker::new("INC-42", "x").embed(""),
            "<!-- breakglass:INC-42:x -->"
        );
    }

    #[test]
    fn other_steps_and_incidents_do_not_match() {
        let body = Marker::new("INC-42", "issue").embed("b");
        assert!(!Marker::new("INC-42", "retro-review").is_in(&body));
        assert!(!Marker::new("INC-4", "issue").is_in(&body));
        assert!(!Marker::new("INC-42", "issu").is_in(&body));
    }

    #[test]
    fn hostile_parts_cannot_close_the_comment() {
        let marker = Marker::new("a --> <script>", "b:c");
        assert_eq!(marker.to_string(), "<!-- breakglass:a_--___script_:b_c -->");
    }
}
