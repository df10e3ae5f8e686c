//! The TUI's answer to an effect that panicked: an `EffectFailed` the operator reads, so
//! `in_flight` clears and the screen carries on (the catching itself is [`crate::caught`]).

use super::msg::Msg;
use crate::caught::catch;
use std::future::Future;

/// The messages of effect `effect`, or its failure when it panicked.
pub async fn answer(effect: &str, work: impl Future<Output = Vec<Msg>>) -> Vec<Msg> {
    catch(work)
        .await
        .unwrap_or_else(|panic| vec![panicked(effect, &panic)])
}

/// What the operator reads when effect `effect` panicked.
pub fn panicked(effect: &str, panic: &str) -> Msg {
    tracing::error!(effect, panic, "a TUI effect panicked");
    Msg::EffectFailed {
        effect: effect.to_owned(),
        error: format!(
            "it stopped on an internal error ({})",
            crate::text::sanitize_line(panic)
        ),
        advice: "the audit log shows what was done; press Enter to try again, and report this \
                 with the trace log"
            .into(),
    }
}
