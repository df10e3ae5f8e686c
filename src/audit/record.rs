//! One audit record: the entry a caller hands in, the stored record, and its exact line bytes.
//!
//! Pure: builds and describes lines, never reads or writes files.

use crate::text::sanitize;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// The `prev` of the first line: 64 zeros.
pub const GENESIS_PREV: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What every line ends with before the hash hex: `,"hash":"`.
pub(crate) const HASH_MEMBER_PREFIX: &[u8] = b",\"hash\":\"";
/// The bytes a line carries after its body's content: `,"hash":"<64 hex>"}`.
pub(crate) const HASH_MEMBER_LEN: usize = HASH_MEMBER_PREFIX.len() + 64 + 2;

/// A SHA-256 digest.
pub(crate) type Digest = [u8; 32];

/// An event to append. `incident: None` marks log-level events (such as `recovered`).
/// Every string in it is sanitised before it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub incident: Option<String>,
    pub actor: String,
    pub kind: String,
    pub data: Value,
}

/// A verified record read back from the log.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub seq: u64,
    pub ts: DateTime<Utc>,
    #[serde(deserialize_with = "required_nullable")]
    pub incident: Option<String>,
    pub actor: String,
    pub kind: String,
    pub data: Value,
    pub prev: String,
    pub hash: String,
}

/// Reads an `Option` that must be present (as a value or `null`): serde would otherwise
/// accept a line with the member missing, and the format says every member is there.
pub(crate) fn required_nullable<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer)
}

/// The chain's head: the last line's seq and hash (seq 0 and [`GENESIS_PREV`] when empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

impl Record {
    /// The timestamp as the log stores it (UTC, microseconds, `Z`).
    pub fn ts_text(&self) -> String {
        format_ts(&self.ts)
    }
}

impl NewEntry {
    /// The same entry with every string (including object keys) sanitised.
    pub(crate) fn sanitized(&self) -> NewEntry {
        NewEntry {
            incident: self.incident.as_deref().map(sanitize),
            actor: sanitize(&self.actor),
            kind: sanitize(&self.kind),
            data: sanitize_value(&self.data),
        }
    }
}

fn sanitize_value(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(sanitize(s)),
        Value::Array(items) => Value::Array(items.iter().map(sanitize_value).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (sanitize(k), sanitize_value(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The timestamp as stored: UTC, RFC 3339, microseconds, `Z`.
pub(crate) fn format_ts(ts: &DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A line ready to write (ending in `\n`) and the record it stores.
pub(crate) struct EncodedLine {
    pub bytes: Vec<u8>,
    pub record: Record,
    pub hash: Digest,
}

/// Builds the canonical line for an already sanitised entry.
///
/// The body is the compact JSON object with keys in the order seq, ts, incident, actor,
/// kind, data, prev; the hash is SHA-256 of exactly those bytes; the line is the body with
/// `,"hash":"<hex>"` inserted before its final `}`.
pub(crate) fn encode_line(
    seq: u64,
    ts: DateTime<Utc>,
    entry: NewEntry,
    prev: &Digest,
) -> EncodedLine {
    #[derive(Serialize)]
    struct Body<'a> {
        seq: u64,
        ts: &'a str,
        incident: Option<&'a str>,
        actor: &'a str,
        kind: &'a str,
        data: &'a Value,
        prev: &'a str,
    }
    let ts_text = format_ts(&ts);
    let prev_hex = hex::encode(prev);
    let body = Body {
        seq,
        ts: &ts_text,
        incident: entry.incident.as_deref(),
        actor: &entry.actor,
        kind: &entry.kind,
        data: &entry.data,
        prev: &prev_hex,
    };
    // A `Value` with string keys always serializes; there is no error to report.
    let mut bytes = serde_json::to_vec(&body).expect("JSON values always serialize");
    let hash: Digest = Sha256::digest(&bytes).into();
    let hash_hex = hex::encode(hash);
    bytes.pop(); // the body's closing brace; the hash member goes before it
    bytes.reserve(HASH_MEMBER_LEN + 1);
    bytes.extend_from_slice(HASH_MEMBER_PREFIX);
    bytes.extend_from_slice(hash_hex.as_bytes());
    bytes.extend_from_slice(b"\"}\n");
    let record = Record {
        seq,
        ts,
        incident: entry.incident,
        actor: entry.actor,
        kind: entry.kind,
        data: entry.data,
        prev: prev_hex,
        hash: hash_hex,
    };
    EncodedLine {
        bytes,
        record,
        hash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn line_is_body_plus_hash_member_and_hash_covers_body() {
        let ts = DateTime::parse_from_rfc3339("2026-01-01T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let entry = NewEntry {
            incident: Some("INC-1".into()),
            actor: "alice".into(),
            kind: "declared".into(),
            data: json!({"reason": "down"}),
        };
        let line = encode_line(1, ts, entry, &[0; 32]);
        let text = String::from_utf8(line.bytes.clone()).unwrap();
        let body = format!(
            "{{\"seq\":1,\"ts\":\"2026-01-01T09:00:00.000000Z\",\"incident\":\"INC-1\",\
             \"actor\":\"alice\",\"kind\":\"declared\",\"data\":{{\"reason\":\"down\"}},\
             \"prev\":\"{GENESIS_PREV}\"}}"
        );
        let hash = hex::encode(Sha256::digest(body.as_bytes()));
        assert_eq!(
            text,
            format!("{},\"hash\":\"{hash}\"}}\n", &body[..body.len() - 1])
        );
        assert_eq!(line.record.hash, hash);
    }

    /// The worked example in the README's "The audit log" section, byte for byte.
    #[test]
    fn readme_worked_example_matches() {
        let ts = |s| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let first = encode_line(
            1,
            ts("2026-01-01T09:00:00Z"),
            NewEntry {
                incident: Some("INC-7".into()),
                actor: "alice".into(),
                kind: "declared".into(),
                data: json!({"reason": "checkout down"}),
            },
            &[0; 32],
        );
        assert_eq!(
            first.record.hash,
            "4e0e104e06b52c183333bb21ff70d481afddcb2912ff5c0568b751400139bba8"
        );
        let second = encode_line(
            2,
            ts("2026-01-01T09:00:01.5Z"),
            NewEntry {
                incident: None,
                actor: "breakglass".into(),
                kind: "note".into(),
                data: json!({"n": 2}),
            },
            &first.hash,
        );
        assert_eq!(
            String::from_utf8(second.bytes).unwrap(),
            "{\"seq\":2,\"ts\":\"2026-01-01T09:00:01.500000Z\",\"incident\":null,\
             \"actor\":\"breakglass\",\"kind\":\"note\",\"data\":{\"n\":2},\
             \"prev\":\"4e0e104e06b52c183333bb21ff70d481afddcb2912ff5c0568b751400139bba8\",\
             \"hash\":\"6aa8d7bae7b450d2bb874b233e22fa4939e63fb76251a5cb4a525579f2275229\"}\n"
        );
    }

    #[test]
    fn sanitizes_strings_and_keys_everywhere() {
        let entry = NewEntry {
            incident: Some("I\u{1b}[2J".into()),
            actor: "a\u{202e}".into(),
            kind: "k\u{7f}".into(),
            data: json!({"k\u{9b}": ["v\u{2028}", {"x": "\u{2066}"}]}),
        };
        let clean = entry.sanitized();
        let text = serde_json::to_string(&clean.data).unwrap() + &clean.actor + &clean.kind;
        assert!(crate::text::is_clean(&text), "{text}");
        assert!(crate::text::is_clean(clean.incident.as_deref().unwrap()));
    }
}
