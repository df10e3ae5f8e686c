//! Secrets (tokens) that cannot be logged, printed or serialized by accident.
//!
//! [`Secret`] implements neither `Serialize` nor `Display`, and its `Debug` prints
//! `Secret(***)`, so a token cannot reach the audit log, a JSON document or a tracing
//! line without an explicit, greppable call to [`Secret::expose`].

use std::fmt;

/// A secret string, such as an API token. Read it only with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself: pass it straight to the transport that needs it, nowhere else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("ghp_canary123");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(&s)), "Some(Secret(***))");
        assert_eq!(s.expose(), "ghp_canary123");
    }
}
