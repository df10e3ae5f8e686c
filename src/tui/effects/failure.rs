//! An effect that failed, as the operator reads it: the error and the next action.

use crate::flow::FlowError;

/// What went wrong and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub error: String,
    pub advice: String,
}

impl Failure {
    pub fn new(error: impl Into<String>, advice: impl Into<String>) -> Failure {
        Failure {
            error: error.into(),
            advice: advice.into(),
        }
    }

    /// Splits a message that carries its own guidance after a dash ("… — use a token
    /// with …") into the error and the advice; otherwise the advice is `fallback`.
    pub fn from_message(message: &str, fallback: &str) -> Failure {
        match message.rsplit_once(" — ") {
            Some((error, advice)) if !advice.trim().is_empty() => Failure::new(error, advice),
            _ => Failure::new(message, fallback),
        }
    }
}

impl From<FlowError> for Failure {
    fn from(error: FlowError) -> Failure {
        Failure::from_message(
            &error.to_string(),
            "read the error above, fix its cause, then press Enter to try the step again",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guidance_after_a_dash_becomes_the_advice() {
        let f = Failure::from_message(
            "token lacks administration:write on acme/api — use a token with repository \
             administration permission",
            "fallback",
        );
        assert_eq!(f.error, "token lacks administration:write on acme/api");
        assert_eq!(
            f.advice,
            "use a token with repository administration permission"
        );
        let plain = Failure::from_message("it broke", "try again");
        assert_eq!(
            (plain.error.as_str(), plain.advice.as_str()),
            ("it broke", "try again")
        );
    }
}
