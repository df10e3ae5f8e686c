//! Durations as whole seconds in JSON (`"cap": 7200`), readable in `--json` output and
//! the audit log, instead of chrono's `[secs, nanos]` pairs.

use chrono::Duration;
use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_i64(duration.num_seconds())
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let secs = i64::deserialize(deserializer)?;
    Duration::try_seconds(secs)
        .ok_or_else(|| serde::de::Error::custom(format!("{secs} seconds is out of range")))
}

/// The same for `Option<Duration>` (`null` when absent).
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(
        duration: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match duration {
            Some(d) => serializer.serialize_some(&d.num_seconds()),
            None => serializer.serialize_none(),
        }
    }
}
