//! The writing side against real files: appends, torn-tail recovery, the writers' lock,
//! several writers on one file, and sanitising of hostile text.

use breakglass::audit::{AuditError, AuditLog, LogCursor, NewEntry, read_verified, verify_file};
use breakglass::clock::FakeClock;
use breakglass::text::is_unsafe_char;
use sha2::{Digest, Sha256};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn note(incident: &str, n: u64) -> NewEntry {
    NewEntry {
        incident: Some(incident.into()),
        actor: "alice".into(),
        kind: "note".into(),
        data: serde_json::json!({ "n": n }),
    }
}

fn open(path: &Path) -> AuditLog {
    AuditLog::open(path, Arc::new(FakeClock::default_start())).unwrap()
}

fn log_with(dir: &Path, n: u64) -> PathBuf {
    let path = dir.join("data").join("audit.jsonl");
    let mut log = open(&path);
    for i in 1..=n {
        log.append(note("INC-1", i)).unwrap();
    }
    path
}

#[test]
fn append_creates_parents_and_returns_the_durable_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a").join("b").join("audit.jsonl");
    let clock = FakeClock::default_start();
    let mut log = AuditLog::open(&path, Arc::new(clock.clone())).unwrap();
    assert_eq!(log.head().seq, 0);
    assert_eq!(log.head().hash, breakglass::audit::GENESIS_PREV);
    let first = log.append(note("INC-1", 1)).unwrap();
    clock.advance(chrono::Duration::microseconds(1_234_567));
    let second = log.append(note("INC-1", 2)).unwrap();
    assert_eq!((first.seq, second.seq), (1, 2));
    assert_eq!(first.prev, breakglass::audit::GENESIS_PREV);
    assert_eq!(second.prev, first.hash);
    assert_eq!(log.head().hash, second.hash);
    assert_eq!(read_verified(&path).unwrap(), vec![first, second.clone()]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\"ts\":\"2026-01-01T09:00:01.234567Z\""),
        "{text}"
    );
    assert_eq!(log.records().unwrap().last(), Some(&second));
}

#[test]
fn reopening_continues_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_with(dir.path(), 3);
    let mut log = open(&path);
    assert_eq!(log.head().seq, 3);
    log.append(note("INC-1", 4)).unwrap();
    assert_eq!(verify_file(&path, None).unwrap().events, 4);
}

#[test]
fn torn_tail_at_any_offset_is_moved_aside_and_recorded() {
    // A would-be line 4, cut at several points (a crash mid-write).
    let dir = tempfile::tempdir().unwrap();
    let reference = log_with(dir.path(), 4);
    let full = std::fs::read_to_string(&reference).unwrap();
    let line4 = full.lines().nth(3).unwrap().as_bytes().to_vec();
    for cut in [1, 2, 17, line4.len() / 2, line4.len() - 1, line4.len()] {
        let case = tempfile::tempdir().unwrap();
        let path = log_with(case.path(), 3);
        let good = std::fs::read(&path).unwrap();
        let torn = &line4[..cut];
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(torn)
            .unwrap();

        let err = read_verified(&path).unwrap_err();
        assert!(matches!(err, AuditError::TornTail { line: 4, .. }), "{err}");
        assert!(
            err.to_string()
                .contains("it will be recovered on the next write")
        );

        let mut log = open(&path);
        let records = log.records().unwrap();
        assert_eq!(records.len(), 4, "cut at {cut}");
        let recovered = &records[3];
        assert_eq!(
            (recovered.kind.as_str(), recovered.incident.as_ref()),
            ("recovered", None)
        );
        assert_eq!(recovered.actor, "breakglass");
        assert_eq!(recovered.data["torn_bytes"], cut);
        assert_eq!(
            recovered.data["torn_sha256"],
            hex::encode(Sha256::digest(torn))
        );
        let moved_to = PathBuf::from(recovered.data["moved_to"].as_str().unwrap());
        assert_eq!(moved_to.parent(), path.parent());
        assert!(
            moved_to
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("audit.jsonl.torn-2026")
        );
        assert_eq!(
            std::fs::read(&moved_to).unwrap(),
            torn,
            "the aside file holds exactly the torn bytes"
        );
        assert!(
            std::fs::read(&path).unwrap().starts_with(&good),
            "good lines untouched"
        );

        log.append(note("INC-1", 5)).unwrap();
        assert_eq!(verify_file(&path, None).unwrap().events, 5);
    }
}

#[test]
fn torn_tail_written_by_another_process_is_recovered_on_the_next_append() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_with(dir.path(), 2);
    let mut log = open(&path);
    OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"{\"seq\":3,\"ts\"")
        .unwrap();
    let record = log.append(note("INC-1", 9)).unwrap();
    assert_eq!(record.seq, 4, "the recovered event took seq 3");
    let kinds: Vec<String> = read_verified(&path)
        .unwrap()
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(kinds, ["note", "note", "recovered", "note"]);
}

/// Holds the writers' lock from another file handle, as another breakglass would.
fn hold_lock(log: &Path, pid: u32) -> std::fs::File {
    let mut lock_name = log.as_os_str().to_owned();
    lock_name.push(".lock");
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(PathBuf::from(lock_name))
        .unwrap();
    file.lock().unwrap();
    writeln!(file, "{pid}").unwrap();
    file
}

#[test]
fn a_second_writer_is_refused_with_the_holders_pid() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_with(dir.path(), 1);
    let mut log = AuditLog::open_with_lock_wait(
        &path,
        Arc::new(FakeClock::default_start()),
        Duration::from_millis(100),
    )
    .unwrap();
    let before = std::fs::read(&path).unwrap();
    let holder = hold_lock(&path, 4242);

    let err = log.append(note("INC-1", 2)).unwrap_err();
    assert!(
        matches!(
            err,
            AuditError::InUse {
                pid: Some(4242),
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("is in use by PID 4242 — wait for that breakglass to finish or stop it"),
        "{message}"
    );
    let err = AuditLog::open_with_lock_wait(
        &path,
        Arc::new(FakeClock::default_start()),
        Duration::from_millis(50),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        AuditError::InUse {
            pid: Some(4242),
            ..
        }
    ));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "nothing written while locked out"
    );

    drop(holder);
    log.append(note("INC-1", 2)).unwrap();
    assert_eq!(verify_file(&path, None).unwrap().events, 2);
}

#[test]
fn the_lock_file_names_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_with(dir.path(), 1);
    let pid = std::fs::read_to_string(format!("{}.lock", path.display())).unwrap();
    assert_eq!(pid.trim(), std::process::id().to_string());
}

#[test]
fn interleaved_writers_catch_up_and_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_with(dir.path(), 1);
    let mut a = open(&path);
    let mut b = open(&path);
    a.append(note("INC-A", 1)).unwrap();
    b.append(note("INC-B", 1)).unwrap();
    let last = a.append(note("INC-A", 2)).unwrap();
    assert_eq!(last.seq, 4);
    assert_eq!(
        b.records().unwrap().len(),
        4,
        "records() includes the other writer's lines"
    );
    assert_eq!(b.head().hash, last.hash);

    let threads: Vec<_> = (0..2)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut log = AuditLog::open_with_lock_wait(
                    &path,
                    Arc::new(FakeClock::default_start()),
                    Duration::from_secs(30),
                )
                .unwrap();
                for i in 0..25 {
                    log.append(note(&format!("T{t}"), i)).unwrap();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(verify_file(&path, None).unwrap().events, 54);
}

#[test]
fn a_log_shrunk_under_an_open_handle_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_with(dir.path(), 3);
    let mut log = open(&path);
    let len = std::fs::metadata(&path).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 10)
        .unwrap();
    assert!(matches!(
        log.append(note("INC-1", 4)),
        Err(AuditError::Shrunk { .. })
    ));
}

#[test]
fn an_unwritable_log_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the log should be: opening it for append fails for everyone.
    let path = dir.path().join("audit.jsonl");
    std::fs::create_dir(&path).unwrap();
    let err = AuditLog::open(&path, Arc::new(FakeClock::default_start())).unwrap_err();
    assert!(matches!(err, AuditError::Io { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("no forge change without a working audit log")
    );
}

#[test]
fn hostile_strings_are_stored_clean() {
    let hostile =
        "x\u{1b}]0;pwned\u{7}\u{1b}[2J\u{7f}\u{9b}31m\u{202e}gnp.exe\u{2066}\u{2028}\u{2029}\r";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut log = open(&path);
    let record = log
        .append(NewEntry {
            incident: Some(hostile.into()),
            actor: hostile.into(),
            kind: hostile.into(),
            data: serde_json::json!({ hostile: [hostile, { "nested": hostile }] }),
        })
        .unwrap();
    let stored = std::fs::read_to_string(&path).unwrap();
    assert!(
        !stored.chars().any(is_unsafe_char),
        "raw control characters in the file"
    );
    assert!(
        !stored.contains("\\u00"),
        "JSON-escaped control characters in the file: {stored}"
    );
    assert!(!stored.contains("\\r"), "{stored}");
    let read = read_verified(&path).unwrap().remove(0);
    assert_eq!(read, record);
    let all_text = format!(
        "{:?}{}{}{}",
        read.incident, read.actor, read.kind, read.data
    );
    assert!(breakglass::text::is_clean(&all_text));
    assert!(
        read.actor.contains("\\u{1b}]0;pwned"),
        "escaped visibly, not dropped: {}",
        read.actor
    );
}

#[test]
fn a_cursor_reads_each_line_once_including_other_writers_and_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_with(dir.path(), 2);
    let mut reader = open(&path);
    let mut other = open(&path);
    let mut cursor = LogCursor::default();
    let first: Vec<u64> = reader
        .records_since(&mut cursor)
        .unwrap()
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(first, [1, 2]);
    assert!(reader.records_since(&mut cursor).unwrap().is_empty());

    other.append(note("INC-B", 1)).unwrap();
    reader.append(note("INC-A", 1)).unwrap();
    let fresh = reader.records_since(&mut cursor).unwrap();
    assert_eq!(
        fresh
            .iter()
            .map(|r| (r.seq, r.kind.as_str()))
            .collect::<Vec<_>>(),
        [(3, "note"), (4, "note")],
        "the other writer's line, then this handle's own"
    );
    assert_eq!(fresh[0].incident.as_deref(), Some("INC-B"));
    assert_eq!(
        fresh[1].prev, fresh[0].hash,
        "verified from the cursor's link"
    );
    assert_eq!(reader.records().unwrap().len(), 4);
}
