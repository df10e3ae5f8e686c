//! Verifying the hash chain over lines in memory: each line's hash and shape, then the
//! links between lines (seq continuity, `prev` = previous hash).
//!
//! Pure: works on a byte buffer, never touches files. Hashing and parsing, the costly part,
//! is split across cores by chunks of whole lines; the links between chunks are checked
//! after, in order, so the first bad line reported is the same as a sequential pass would.

use super::record::{Digest, HASH_MEMBER_LEN, HASH_MEMBER_PREFIX, Record};
use serde::Deserialize;
use serde::de::IgnoredAny;
use sha2::{Digest as _, Sha256};
use std::borrow::Cow;
use std::collections::HashSet;

/// What is wrong with one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("hash mismatch: the line records hash {recorded} but its body hashes to {computed}")]
    HashMismatch { recorded: String, computed: String },
    #[error("broken link: prev is {found} but the previous line's hash is {expected}")]
    BrokenLink { expected: String, found: String },
    #[error("sequence gap: expected seq {expected}, found {found}")]
    SequenceGap { expected: u64, found: u64 },
    #[error("sequence duplicate: expected seq {expected}, found {found} again or earlier")]
    SequenceDuplicate { expected: u64, found: u64 },
    #[error("unparsable line: {reason}")]
    Unparsable { reason: String },
}

/// Why a buffer is not a valid chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("line {line}: {problem}")]
    BadLine { line: u64, problem: Problem },
    #[error("line {line} is unfinished: {bytes} bytes after the last newline")]
    TornTail { line: u64, bytes: u64 },
}

/// Where a chain stands: the last seq and its hash (0 and zeros before the first line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Link {
    pub seq: u64,
    pub hash: Digest,
}

impl Link {
    pub const GENESIS: Link = Link {
        seq: 0,
        hash: [0; 32],
    };
}

/// What a verified log holds, in brief.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Number of events (= the head's seq).
    pub events: u64,
    /// The last line's hash, lowercase hex ([`super::GENESIS_PREV`] when empty).
    pub head: String,
    /// Distinct non-null incident ids.
    pub incidents: usize,
    /// Bytes of complete lines.
    pub bytes: u64,
    /// The hash of line `probe` when one was asked for and the log reaches it.
    pub(crate) probe_hash: Option<Digest>,
}

/// Verifies a whole log held in memory. A torn tail is an error here (readers never repair).
pub fn verify_bytes(buf: &[u8]) -> Result<Summary, ChainError> {
    summarize(buf, None)
}

/// Like [`verify_bytes`], also returning the hash of line `probe` (for checkpoints).
pub(crate) fn summarize(buf: &[u8], probe: Option<u64>) -> Result<Summary, ChainError> {
    let mut summary = StreamingSummary::new(probe);
    let complete = summary.feed(buf)?;
    summary.finish(buf.len() - complete)
}

/// A log verified piece by piece, so that memory stays flat however long the log: fed
/// consecutive buffers, it reaches the same summary (or the same first bad line) as
/// [`summarize`] over the whole. Only the distinct incident ids are kept.
pub(crate) struct StreamingSummary {
    at: Link,
    incidents: HashSet<String>,
    probe: Option<u64>,
    probe_hash: Option<Digest>,
    bytes: u64,
}

impl StreamingSummary {
    pub fn new(probe: Option<u64>) -> Self {
        StreamingSummary {
            at: Link::GENESIS,
            incidents: HashSet::new(),
            probe,
            probe_hash: None,
            bytes: 0,
        }
    }

    /// Verifies the complete lines at the start of `buf` (the next bytes of the log) and
    /// returns their length; the rest is an unfinished line, to feed again with what
    /// follows it.
    pub fn feed(&mut self, buf: &[u8]) -> Result<usize, ChainError> {
        let probe = self.probe;
        let make = || SummarySink {
            incidents: HashSet::new(),
            probe,
            probe_hash: None,
        };
        let outcome = verify_chunks(buf, self.at, make);
        let (end, complete) = outcome.result?;
        for sink in outcome.sinks {
            for incident in sink.incidents {
                if !self.incidents.contains(incident.as_ref()) {
                    self.incidents.insert(incident.into_owned());
                }
            }
            self.probe_hash = self.probe_hash.or(sink.probe_hash);
        }
        self.at = end;
        self.bytes += complete as u64;
        Ok(complete)
    }

    /// The summary, given how many bytes of an unfinished line the log ends with (a torn
    /// tail, which is an error here: readers never repair).
    pub fn finish(self, unfinished: usize) -> Result<Summary, ChainError> {
        if unfinished > 0 {
            return Err(ChainError::TornTail {
                line: self.at.seq + 1,
                bytes: unfinished as u64,
            });
        }
        Ok(Summary {
            events: self.at.seq,
            head: hex::encode(self.at.hash),
            incidents: self.incidents.len(),
            bytes: self.bytes,
            probe_hash: self.probe_hash,
        })
    }
}

/// Records with their original lines (when asked to keep them), the chain's end, and the
/// length of the complete lines.
pub(crate) type VerifiedRecords = (Vec<(Record, Option<String>)>, Link, usize);

/// Verifies complete lines and parses them into records. Returns the records, the chain's
/// end and how many bytes were complete lines; bytes after that are a torn tail for the
/// caller to handle.
pub(crate) fn verify_records(
    buf: &[u8],
    start: Link,
    keep_lines: bool,
) -> Result<VerifiedRecords, ChainError> {
    let make = || RecordSink {
        keep_lines,
        records: Vec::new(),
    };
    let outcome = verify_chunks(buf, start, make);
    let (end, complete) = outcome.result?;
    let records = outcome.sinks.into_iter().flat_map(|s| s.records).collect();
    Ok((records, end, complete))
}

/// Verifies complete lines only (no records kept). Returns the end and the complete length.
pub(crate) fn verify_links(buf: &[u8], start: Link) -> Result<(Link, usize), ChainError> {
    let make = || SummarySink {
        incidents: HashSet::new(),
        probe: None,
        probe_hash: None,
    };
    verify_chunks(buf, start, make).result
}

/// Keeps what a caller wants from each line whose hash checked out.
trait LineSink<'a>: Send {
    /// Parses the line and returns its seq and prev.
    fn accept(&mut self, line: &'a [u8], hash: &Digest) -> Result<(u64, Digest), Problem>;
}

/// Checks a line's shape (`…,"hash":"<64 lowercase hex>"}`) and that the hash matches the
/// body (the line without its hash member, closed with `}`). Returns the hash.
pub(crate) fn check_line_hash(line: &[u8]) -> Result<Digest, Problem> {
    let shape_error = || Problem::Unparsable {
        reason: "the line does not end with a `\"hash\":\"<64 lowercase hex>\"` member".into(),
    };
    if line.len() < HASH_MEMBER_LEN + 2 || line[0] != b'{' {
        return Err(shape_error());
    }
    let member_start = line.len() - HASH_MEMBER_LEN;
    let member = &line[member_start..];
    if !member.starts_with(HASH_MEMBER_PREFIX) || !member.ends_with(b"\"}") {
        return Err(shape_error());
    }
    let hex_part = &member[HASH_MEMBER_PREFIX.len()..HASH_MEMBER_PREFIX.len() + 64];
    let recorded = decode_hex32(hex_part).ok_or_else(shape_error)?;
    let mut hasher = Sha256::new();
    hasher.update(&line[..member_start]);
    hasher.update(b"}");
    let computed: Digest = hasher.finalize().into();
    if computed != recorded {
        return Err(Problem::HashMismatch {
            recorded: hex::encode(recorded),
            computed: hex::encode(computed),
        });
    }
    Ok(computed)
}

/// Decodes 64 lowercase hex digits; anything else (uppercase included) is `None`, because
/// the format allows exactly one spelling of each hash.
pub(crate) fn decode_hex32(text: &[u8]) -> Option<Digest> {
    fn nibble(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            _ => None,
        }
    }
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in text.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

fn unparsable(err: impl std::fmt::Display) -> Problem {
    Problem::Unparsable {
        reason: err.to_string(),
    }
}

/// The fields a summary needs, borrowed from the line where possible.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineFields<'a> {
    seq: u64,
    ts: &'a str,
    #[serde(borrow)]
    incident: Nullable<'a>,
    #[serde(borrow)]
    #[allow(dead_code)] // parsed so that a non-string actor is refused, as in `Record`
    actor: Cow<'a, str>,
    #[serde(borrow)]
    #[allow(dead_code)]
    kind: Cow<'a, str>,
    #[allow(dead_code)]
    data: IgnoredAny,
    prev: &'a str,
    #[allow(dead_code)]
    hash: &'a str,
}

/// A string or `null` that must be present: a newtype, unlike a bare `Option`, is not
/// defaulted to `None` by serde when the member is missing. Borrows when it can.
#[derive(Deserialize)]
struct Nullable<'a>(#[serde(borrow)] Option<Cow<'a, str>>);

struct SummarySink<'a> {
    incidents: HashSet<Cow<'a, str>>,
    probe: Option<u64>,
    probe_hash: Option<Digest>,
}

impl<'a> LineSink<'a> for SummarySink<'a> {
    fn accept(&mut self, line: &'a [u8], hash: &Digest) -> Result<(u64, Digest), Problem> {
        let fields: LineFields<'a> = serde_json::from_slice(line).map_err(unparsable)?;
        chrono::DateTime::parse_from_rfc3339(fields.ts)
            .map_err(|e| unparsable(format!("ts {:?}: {e}", fields.ts)))?;
        let prev = decode_hex32(fields.prev.as_bytes())
            .ok_or_else(|| unparsable("prev is not 64 lowercase hex digits"))?;
        if let Some(incident) = fields.incident.0
            && !self.incidents.contains(&incident)
        {
            self.incidents.insert(incident);
        }
        if self.probe == Some(fields.seq) {
            self.probe_hash = Some(*hash);
        }
        Ok((fields.seq, prev))
    }
}

struct RecordSink {
    keep_lines: bool,
    records: Vec<(Record, Option<String>)>,
}

impl<'a> LineSink<'a> for RecordSink {
    fn accept(&mut self, line: &'a [u8], _hash: &Digest) -> Result<(u64, Digest), Problem> {
        let record: Record = serde_json::from_slice(line).map_err(unparsable)?;
        let prev = decode_hex32(record.prev.as_bytes())
            .ok_or_else(|| unparsable("prev is not 64 lowercase hex digits"))?;
        let seq = record.seq;
        // The line parsed as JSON, so it is UTF-8.
        let raw = self
            .keep_lines
            .then(|| String::from_utf8_lossy(line).into_owned());
        self.records.push((record, raw));
        Ok((seq, prev))
    }
}

/// The result of one chunk of lines, checked on its own.
struct ChunkReport<S> {
    sink: S,
    /// seq and prev of the chunk's first line, to link it to the previous chunk.
    first: Option<(u64, Digest)>,
    last: Option<Link>,
    /// Index within the chunk of the first bad line, and what is wrong with it.
    error: Option<(u64, Problem)>,
}

struct Outcome<S> {
    sinks: Vec<S>,
    /// The chain's end and the length of the complete lines, or the first bad line.
    result: Result<(Link, usize), ChainError>,
}

fn verify_chunks<'a, S: LineSink<'a>>(
    buf: &'a [u8],
    start: Link,
    make_sink: impl Fn() -> S + Sync,
) -> Outcome<S> {
    let complete = buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let chunks = split_chunks(&buf[..complete]);
    let reports: Vec<ChunkReport<S>> = if chunks.len() <= 1 {
        chunks.iter().map(|c| check_chunk(c, make_sink())).collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunks
                .iter()
                .map(|chunk| {
                    let sink = make_sink();
                    scope.spawn(move || check_chunk(chunk, sink))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a verifier thread panicked"))
                .collect()
        })
    };
    let mut sinks = Vec::with_capacity(reports.len());
    let mut at = start;
    let mut result = Ok(());
    for report in reports {
        if result.is_ok() {
            result = link_chunk(&mut at, &report);
        }
        sinks.push(report.sink);
    }
    Outcome {
        sinks,
        result: result.map(|()| (at, complete)),
    }
}

/// Joins a chunk onto the chain so far, or names its first bad line.
fn link_chunk<S>(at: &mut Link, report: &ChunkReport<S>) -> Result<(), ChainError> {
    let line_of = |index: u64| at.seq + index + 1;
    if let Some((0, problem)) = &report.error {
        return Err(ChainError::BadLine {
            line: line_of(0),
            problem: problem.clone(),
        });
    }
    if let Some((seq, prev)) = report.first {
        check_link(at, seq, &prev).map_err(|problem| ChainError::BadLine {
            line: line_of(0),
            problem,
        })?;
    }
    if let Some((index, problem)) = &report.error {
        return Err(ChainError::BadLine {
            line: line_of(*index),
            problem: problem.clone(),
        });
    }
    if let Some(last) = report.last {
        *at = last;
    }
    Ok(())
}

fn check_link(previous: &Link, seq: u64, prev: &Digest) -> Result<(), Problem> {
    let expected = previous.seq + 1;
    if seq > expected {
        return Err(Problem::SequenceGap {
            expected,
            found: seq,
        });
    }
    if seq < expected {
        return Err(Problem::SequenceDuplicate {
            expected,
            found: seq,
        });
    }
    if *prev != previous.hash {
        return Err(Problem::BrokenLink {
            expected: hex::encode(previous.hash),
            found: hex::encode(prev),
        });
    }
    Ok(())
}

fn check_chunk<'a, S: LineSink<'a>>(chunk: &'a [u8], mut sink: S) -> ChunkReport<S> {
    let mut first = None;
    let mut last: Option<Link> = None;
    let mut error = None;
    let body = chunk.strip_suffix(b"\n").unwrap_or(chunk);
    for (index, line) in body.split(|&b| b == b'\n').enumerate() {
        let index = index as u64;
        let checked = check_line_hash(line).and_then(|hash| {
            let (seq, prev) = sink.accept(line, &hash)?;
            if let Some(last) = &last {
                check_link(last, seq, &prev)?;
            }
            Ok((seq, prev, hash))
        });
        match checked {
            Ok((seq, prev, hash)) => {
                first.get_or_insert((seq, prev));
                last = Some(Link { seq, hash });
            }
            Err(problem) => {
                error = Some((index, problem));
                break;
            }
        }
    }
    ChunkReport {
        sink,
        first,
        last,
        error,
    }
}

/// Splits complete lines into about one chunk per core, each ending at a newline. Small
/// buffers stay whole: starting threads costs more than hashing a few lines.
fn split_chunks(buf: &[u8]) -> Vec<&[u8]> {
    const MIN_PARALLEL: usize = 1 << 20;
    if buf.is_empty() {
        return Vec::new();
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores == 1 || buf.len() < MIN_PARALLEL {
        return vec![buf];
    }
    let target = buf.len().div_ceil(cores);
    let mut chunks = Vec::with_capacity(cores);
    let mut begin = 0;
    while begin < buf.len() {
        let guess = (begin + target).min(buf.len() - 1);
        let end = buf[guess..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(buf.len(), |i| guess + i + 1);
        chunks.push(&buf[begin..end]);
        begin = end;
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::record::{NewEntry, encode_line};
    use chrono::{TimeZone, Utc};

    fn log_of(n: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let mut prev = [0u8; 32];
        for seq in 1..=n {
            let entry = NewEntry {
                incident: Some(format!("INC-{}", seq % 3)),
                actor: "alice".into(),
                kind: "note".into(),
                data: serde_json::json!({ "n": seq }),
            };
            let line = encode_line(
                seq,
                Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
                entry,
                &prev,
            );
            prev = line.hash;
            out.extend_from_slice(&line.bytes);
        }
        out
    }

    #[test]
    fn valid_log_summarises() {
        let buf = log_of(10);
        let summary = verify_bytes(&buf).unwrap();
        assert_eq!(summary.events, 10);
        assert_eq!(summary.incidents, 3);
        assert_eq!(summary.bytes, buf.len() as u64);
    }

    #[test]
    fn empty_log_is_valid() {
        assert_eq!(verify_bytes(b"").unwrap().events, 0);
    }

    #[test]
    fn parallel_chunks_report_the_same_first_bad_line_as_a_sequential_pass() {
        // Large enough to be split across threads on a multi-core machine.
        let mut buf = log_of(12_000);
        assert!(buf.len() > 1 << 20);
        let lines: Vec<usize> = buf
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i)
            .collect();
        // Flip a byte inside line 9000's body.
        let at = lines[8998] + 10;
        buf[at] ^= 1;
        match verify_bytes(&buf) {
            Err(ChainError::BadLine { line, .. }) => assert_eq!(line, 9000),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn uppercase_hex_is_refused() {
        assert!(decode_hex32(&[b'A'; 64]).is_none());
        assert_eq!(decode_hex32(&[b'f'; 64]), Some([0xff; 32]));
    }
}
