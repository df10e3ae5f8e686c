//! Tampering with a real log file on disk is detected and named by line; never repaired.

use breakglass::audit::{
    AuditError, AuditLog, ChainError, Checkpoint, NewEntry, Problem, read_verified, verify_bytes,
    verify_file,
};
use breakglass::clock::FakeClock;
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn entry(incident: Option<&str>, kind: &str, n: u64) -> NewEntry {
    NewEntry {
        incident: incident.map(str::to_owned),
        actor: "alice".into(),
        kind: kind.into(),
        data: serde_json::json!({ "n": n, "note": "step done" }),
    }
}

/// A log of `n` events on disk, written through the real append path.
fn write_log(dir: &Path, n: u64) -> PathBuf {
    let path = dir.join("audit.jsonl");
    let clock = FakeClock::default_start();
    let mut log = AuditLog::open(&path, Arc::new(clock.clone())).unwrap();
    for i in 1..=n {
        let incident = if i % 2 == 0 { "INC-2" } else { "INC-1" };
        log.append(entry(Some(incident), "note", i)).unwrap();
        clock.advance(chrono::Duration::milliseconds(1500));
    }
    path
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(
        path,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
}

/// Re-seals a line after editing its body: recomputes the hash the way the format defines.
fn reseal(line: &str) -> String {
    let body = format!("{}}}", &line[..line.len() - 75]);
    let hash = hex::encode(Sha256::digest(body.as_bytes()));
    format!("{},\"hash\":\"{hash}\"}}", &body[..body.len() - 1])
}

/// Both entry points refuse the file and name `line` with a problem `matches`.
fn assert_refused(path: &Path, line: u64, matches: impl Fn(&Problem) -> bool) {
    let before = std::fs::read(path).unwrap();
    for result in [
        read_verified(path).map(|_| ()),
        verify_file(path, None).map(|_| ()),
        AuditLog::open(path, Arc::new(FakeClock::default_start())).map(|_| ()),
    ] {
        match result {
            Err(AuditError::Corrupt {
                line: found,
                problem,
                ..
            }) => {
                assert_eq!(found, line, "{problem}");
                assert!(matches(&problem), "unexpected problem: {problem}");
            }
            other => panic!("expected corruption at line {line}, got {other:?}"),
        }
    }
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "a corrupt log must never be repaired"
    );
}

#[test]
fn intact_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 6);
    let summary = verify_file(&path, None).unwrap();
    assert_eq!((summary.events, summary.incidents), (6, 2));
    assert_eq!(read_verified(&path).unwrap().len(), 6);
}

#[test]
fn flipped_byte_is_a_hash_mismatch_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 6);
    let mut all = lines(&path);
    all[2] = all[2].replace("step done", "step dune");
    write_lines(&path, &all);
    assert_refused(&path, 3, |p| matches!(p, Problem::HashMismatch { .. }));
}

#[test]
fn deleted_line_is_a_sequence_gap() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 6);
    let mut all = lines(&path);
    all.remove(3);
    write_lines(&path, &all);
    assert_refused(&path, 4, |p| {
        matches!(
            p,
            Problem::SequenceGap {
                expected: 4,
                found: 5
            }
        )
    });
}

#[test]
fn swapped_lines_are_refused_at_the_first_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 6);
    let mut all = lines(&path);
    all.swap(1, 2);
    write_lines(&path, &all);
    assert_refused(&path, 2, |p| {
        matches!(
            p,
            Problem::SequenceGap {
                expected: 2,
                found: 3
            }
        )
    });
}

#[test]
fn duplicated_line_is_a_sequence_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 6);
    let mut all = lines(&path);
    let copy = all[2].clone();
    all.insert(3, copy);
    write_lines(&path, &all);
    assert_refused(&path, 4, |p| {
        matches!(
            p,
            Problem::SequenceDuplicate {
                expected: 4,
                found: 3
            }
        )
    });
}

#[test]
fn forged_line_with_recomputed_hash_breaks_the_next_link() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 6);
    let mut all = lines(&path);
    all[2] = reseal(&all[2].replace("alice", "mallory"));
    write_lines(&path, &all);
    // Line 3 is self-consistent now; line 4 still points at the original line 3.
    assert_refused(&path, 4, |p| matches!(p, Problem::BrokenLink { .. }));
}

#[test]
fn forged_line_with_wrong_prev_is_a_broken_link_at_itself() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 6);
    let mut all = lines(&path);
    let prev_start = all[4].find("\"prev\":\"").unwrap() + 8;
    let mut forged = all[4].clone();
    forged.replace_range(prev_start..prev_start + 64, &"ab".repeat(32));
    all[4] = reseal(&forged);
    write_lines(&path, &all);
    assert_refused(&path, 5, |p| matches!(p, Problem::BrokenLink { .. }));
}

#[test]
fn zeroed_block_mid_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 8);
    let mut bytes = std::fs::read(&path).unwrap();
    let line3_start = lines(&path)[..2].iter().map(|l| l.len() + 1).sum::<usize>();
    // A block of zeros across the end of line 3 and the start of line 4 (as a lost
    // disk sector would leave), newline included.
    let len3 = lines(&path)[2].len();
    bytes[line3_start + len3 - 40..line3_start + len3 + 60].fill(0);
    std::fs::write(&path, &bytes).unwrap();
    // Lines 3 and 4 merge; whichever check trips first, line 3 is refused.
    assert_refused(&path, 3, |p| {
        matches!(p, Problem::Unparsable { .. } | Problem::HashMismatch { .. })
    });
}

#[test]
fn unparsable_complete_line_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 4);
    let mut all = lines(&path);
    all.insert(2, "not json".into());
    write_lines(&path, &all);
    assert_refused(&path, 3, |p| matches!(p, Problem::Unparsable { .. }));
}

#[test]
fn a_line_missing_a_member_is_unparsable_even_with_a_valid_hash() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 4);
    let mut all = lines(&path);
    all[1] = reseal(&all[1].replace("\"incident\":\"INC-2\",", ""));
    write_lines(&path, &all);
    assert_refused(
        &path,
        2,
        |p| matches!(p, Problem::Unparsable { reason } if reason.contains("incident")),
    );
}

#[test]
fn truncated_whole_lines_are_detected_via_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 8);
    let summary = verify_file(&path, None).unwrap();
    let checkpoint = Checkpoint::of(&summary, chrono::Utc::now());
    // Still fine after more events are appended.
    let mut log = AuditLog::open(&path, Arc::new(FakeClock::default_start())).unwrap();
    log.append(entry(None, "note", 9)).unwrap();
    verify_file(&path, Some(&checkpoint)).unwrap();

    let mut all = lines(&path);
    all.truncate(6);
    write_lines(&path, &all);
    verify_file(&path, None).expect("a cut log is a valid chain on its own");
    match verify_file(&path, Some(&checkpoint)) {
        Err(AuditError::Truncated {
            events: 6,
            checkpoint_count: 8,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn rewritten_history_differs_from_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 5);
    let checkpoint = Checkpoint::of(&verify_file(&path, None).unwrap(), chrono::Utc::now());
    // A whole new, valid chain of the same length written over the old one.
    std::fs::remove_file(&path).unwrap();
    let clock = FakeClock::default_start();
    let mut log = AuditLog::open(&path, Arc::new(clock)).unwrap();
    for i in 1..=5 {
        log.append(entry(Some("INC-9"), "note", i)).unwrap();
    }
    match verify_file(&path, Some(&checkpoint)) {
        Err(AuditError::CheckpointMismatch { line: 5, .. }) => {}
        other => panic!("{other:?}"),
    }
}

fn small_valid_log() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 5);
    std::fs::read(path).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn any_single_byte_change_is_detected(index in any::<prop::sample::Index>(), flip in 1u8..=255) {
        thread_local!(static LOG: Vec<u8> = small_valid_log());
        let mut bytes = LOG.with(|l| l.clone());
        let at = index.index(bytes.len());
        bytes[at] ^= flip;
        let result = verify_bytes(&bytes);
        prop_assert!(result.is_err(), "byte {} ^ {:#x} went unnoticed", at, flip);
        if at + 1 == bytes.len() {
            // The final newline: the last line now looks unfinished, which is reported too.
            let is_torn = matches!(result, Err(ChainError::TornTail { line: 5, .. }));
            prop_assert!(is_torn);
        }
    }
}
