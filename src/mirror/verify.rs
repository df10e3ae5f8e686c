//! `audit verify --against-forge`: the local log's records against the chain heads the
//! incident issue holds. The forge's copy was written as the events happened, so a log
//! edited, truncated or rewritten from scratch afterwards disagrees with it. Pure.

use super::comments::MirroredEvent;
use crate::audit::Record;
use serde::Serialize;

/// How one incident's local records compare with its issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForgeComparison {
    pub incident: String,
    /// Events found on the issue.
    pub mirrored: usize,
    /// Of those, the ones whose seq, kind, time and head agree with the local log.
    pub agreeing: usize,
    /// The local events the issue does not hold yet (not a disagreement: the mirror may be
    /// behind).
    pub not_yet_mirrored: usize,
    /// The first disagreement, in seq order.
    pub disagreement: Option<Disagreement>,
}

/// Where the local log and the forge first part ways.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    pub seq: u64,
    pub what: String,
}

impl ForgeComparison {
    pub fn agrees(&self) -> bool {
        self.disagreement.is_none()
    }
}

/// Compares the incident's local records (only this incident's) with what the issue says.
pub fn compare(incident: &str, local: &[Record], mirrored: &[MirroredEvent]) -> ForgeComparison {
    let mut comparison = ForgeComparison {
        incident: incident.to_owned(),
        mirrored: mirrored.len(),
        agreeing: 0,
        not_yet_mirrored: 0,
        disagreement: None,
    };
    for event in mirrored {
        let found = local.iter().find(|r| r.seq == event.seq);
        let what = match found {
            None => Some(format!(
                "the issue holds seq {} (`{}` at {}, head {}) but the local log has no such \
                 event for {incident}: the log was truncated or rewritten",
                event.seq,
                event.kind,
                event.ts,
                short(&event.head)
            )),
            Some(record) if record.hash != event.head => Some(format!(
                "seq {}: the local log's chain head is {} but the issue recorded {} when it \
                 happened: the log was rewritten at or before seq {}",
                event.seq,
                short(&record.hash),
                short(&event.head),
                event.seq
            )),
            Some(record) if record.kind != event.kind || record.ts_text() != event.ts => {
                Some(format!(
                    "seq {}: the local log says `{}` at {}, the issue says `{}` at {}",
                    event.seq,
                    record.kind,
                    record.ts_text(),
                    event.kind,
                    event.ts
                ))
            }
            Some(_) => None,
        };
        match what {
            Some(what) => {
                comparison.disagreement = Some(Disagreement {
                    seq: event.seq,
                    what,
                });
                break;
            }
            None => comparison.agreeing += 1,
        }
    }
    let last_mirrored = mirrored.last().map_or(0, |e| e.seq);
    comparison.not_yet_mirrored = local.iter().filter(|r| r.seq > last_mirrored).count();
    comparison
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use serde_json::json;

    fn record(seq: u64, hash: &str) -> Record {
        Record {
            seq,
            ts: DateTime::<Utc>::from_timestamp(1_796_166_000 + seq as i64, 0).unwrap(),
            incident: Some("INC-1".into()),
            actor: "commander".into(),
            kind: "declared".into(),
            data: json!({}),
            prev: String::new(),
            hash: hash.repeat(64),
        }
    }

    fn mirrored(r: &Record) -> MirroredEvent {
        MirroredEvent {
            seq: r.seq,
            kind: r.kind.clone(),
            ts: r.ts_text(),
            actor: r.actor.clone(),
            head: r.hash.clone(),
            comment_id: 1,
            author: "commander".into(),
        }
    }

    #[test]
    fn an_agreeing_log_may_be_ahead_of_the_issue() {
        let local = [record(1, "a"), record(2, "b"), record(3, "c")];
        let on_issue: Vec<_> = local[..2].iter().map(mirrored).collect();
        let c = compare("INC-1", &local, &on_issue);
        assert!(c.agrees(), "{c:?}");
        assert_eq!((c.mirrored, c.agreeing, c.not_yet_mirrored), (2, 2, 1));
    }

    #[test]
    fn the_first_rewritten_or_missing_event_is_named() {
        let original = [record(1, "a"), record(2, "b"), record(3, "c")];
        let on_issue: Vec<_> = original.iter().map(mirrored).collect();
        let rewritten = [record(1, "a"), record(2, "e"), record(3, "f")];
        let c = compare("INC-1", &rewritten, &on_issue);
        let d = c.disagreement.unwrap();
        assert_eq!(d.seq, 2);
        assert!(
            d.what.contains("rewritten at or before seq 2"),
            "{}",
            d.what
        );
        assert_eq!(c.agreeing, 1);

        let truncated = compare("INC-1", &original[..1], &on_issue);
        assert_eq!(truncated.disagreement.unwrap().seq, 2);
    }
}
