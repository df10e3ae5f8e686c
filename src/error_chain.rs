//! One line for an error and its causes, each said once: a cause whose text the line
//! already holds (a wrapper that quotes its source, as thiserror's `{source}` does) is
//! not repeated. Formats only; sanitising is the caller's job.

use std::error::Error;

/// `error`, then each cause not already said, joined by `: `.
pub fn error_chain(error: &(dyn Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|said| said.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::FlowError;
    use crate::forge::github::ForgeError;

    fn unreachable_forge() -> FlowError {
        FlowError::forge("asking the forge who the token belongs to")(ForgeError::Network {
            url: "http://127.0.0.1:9".into(),
            detail: "client error (Connect): tcp connect error: Connection refused".into(),
            maybe_applied: false,
        })
    }

    #[test]
    fn a_wrapper_that_quotes_its_source_says_it_once() {
        assert_eq!(
            error_chain(&unreachable_forge()),
            "asking the forge who the token belongs to failed: could not reach the forge \
             (client error (Connect): tcp connect error: Connection refused) — is the forge \
             at http://127.0.0.1:9 reachable?"
        );
        // anyhow's own chain (`{:#}`) repeats it: the defect this function removes.
        let anyhow = format!("{:#}", anyhow::Error::from(unreachable_forge()));
        assert_eq!(anyhow.matches("reachable?").count(), 2, "{anyhow}");
        let once = error_chain(anyhow::Error::from(unreachable_forge()).as_ref());
        assert_eq!(once.matches("reachable?").count(), 1, "{once}");
    }

    #[test]
    fn context_and_causes_not_yet_said_are_kept() {
        let error = anyhow::Error::from(std::io::Error::other("disk full"))
            .context("writing the review draft");
        assert_eq!(
            error_chain(error.as_ref()),
            "writing the review draft: disk full"
        );
    }
}
