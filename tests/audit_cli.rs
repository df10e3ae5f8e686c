//! `breakglass audit …` run as the real binary, with `BREAKGLASS_HOME` in a temp dir.

use breakglass::audit::{AuditLog, NewEntry};
use breakglass::clock::FakeClock;
use breakglass::paths::Paths;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

fn breakglass(home: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(args)
        .env("BREAKGLASS_HOME", home)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Five events in two incidents plus one log-level event, in the default location.
fn seeded_home() -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let path = Paths::under(home.path()).audit_log();
    let mut log = AuditLog::open(&path, Arc::new(FakeClock::default_start())).unwrap();
    for (incident, kind) in [
        (Some("INC-1"), "declared"),
        (Some("INC-1"), "activated"),
        (Some("INC-2"), "declared"),
        (None, "note"),
        (Some("INC-1"), "restored"),
    ] {
        log.append(NewEntry {
            incident: incident.map(str::to_owned),
            actor: "alice".into(),
            kind: kind.into(),
            data: serde_json::json!({ "reason": "checkout \u{1b}[31mdown" }),
        })
        .unwrap();
    }
    (home, path)
}

fn rewrite_lines(path: &Path, edit: impl FnOnce(&mut Vec<String>)) {
    let mut lines: Vec<String> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    edit(&mut lines);
    std::fs::write(
        path,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
}

#[test]
fn verify_prints_a_one_line_summary_and_exits_0() {
    let (home, path) = seeded_home();
    let out = breakglass(home.path(), &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let head = &breakglass::audit::read_verified(&path).unwrap()[4].hash;
    assert_eq!(
        stdout(&out),
        format!("ok: 5 events, head {}…, 2 incidents\n", &head[..12])
    );
}

#[test]
fn verify_names_the_first_bad_line_and_exits_1() {
    type Edit = fn(&mut Vec<String>);
    let cases: [(&str, Edit, &str); 4] = [
        (
            "flipped byte",
            |l| l[2] = l[2].replace("alice", "alicf"),
            "line 3: hash mismatch",
        ),
        (
            "swapped lines",
            |l| l.swap(1, 3),
            "line 2: sequence gap: expected seq 2, found 4",
        ),
        (
            "duplicated line",
            |l| l.insert(2, l[1].clone()),
            "line 3: sequence duplicate",
        ),
        (
            "unparsable line",
            |l| l.insert(1, "{oops".into()),
            "line 2: unparsable line",
        ),
    ];
    for (name, edit, expected) in cases {
        let (home, path) = seeded_home();
        rewrite_lines(&path, edit);
        let out = breakglass(
            home.path(),
            &["audit", "verify", "--file", path.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = stderr(&out);
        assert!(err.contains(expected), "{name}: {err}");
        assert!(err.contains("is corrupt at"), "{name}: {err}");
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn verify_against_a_checkpoint_detects_truncation() {
    let (home, path) = seeded_home();
    let checkpoint = home.path().join("elsewhere.json");
    let out = breakglass(
        home.path(),
        &["audit", "checkpoint", "--out", checkpoint.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&checkpoint).unwrap()).unwrap();
    assert_eq!(written["format"], "breakglass-audit-checkpoint/1");
    assert_eq!(written["count"], 5);

    let ok = breakglass(
        home.path(),
        &[
            "audit",
            "verify",
            "--checkpoint",
            checkpoint.to_str().unwrap(),
        ],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));

    rewrite_lines(&path, |l| l.truncate(3));
    let out = breakglass(
        home.path(),
        &[
            "audit",
            "verify",
            "--checkpoint",
            checkpoint.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("truncated per checkpoint: it holds 3 events but the checkpoint records 5"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn verify_reports_a_torn_tail_without_repairing_it() {
    let (home, path) = seeded_home();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"seq\":6,");
    std::fs::write(&path, &bytes).unwrap();
    let out = breakglass(home.path(), &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("unfinished line 6 (9 bytes"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "verify never mutates");
}

#[test]
fn verify_of_a_missing_log_fails() {
    let home = tempfile::tempdir().unwrap();
    let out = breakglass(home.path(), &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no audit log at"), "{}", stderr(&out));
}

#[test]
fn show_prints_sanitised_events_and_filters_by_incident() {
    let (home, _) = seeded_home();
    let out = breakglass(home.path(), &["audit", "show", "--incident", "INC-1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0]
            .starts_with("2026-01-01T09:00:00.000000Z  #1     INC-1        alice        declared"),
        "{text}"
    );
    assert!(lines[2].contains("#5 ") && lines[2].contains("restored"));
    assert!(breakglass::text::is_clean(&text));

    let all = breakglass(home.path(), &["audit", "show", "--json"]);
    let json = stdout(&all);
    assert_eq!(json.lines().count(), 5);
    for line in json.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(value["hash"].as_str().unwrap().len(), 64);
    }
}

#[test]
fn export_writes_the_incidents_original_lines_after_a_checkpoint() {
    let (home, path) = seeded_home();
    let out_file = home.path().join("inc-1.jsonl");
    let out = breakglass(
        home.path(),
        &[
            "audit",
            "export",
            "--incident",
            "INC-1",
            "--out",
            out_file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let exported = std::fs::read_to_string(&out_file).unwrap();
    let exported: Vec<&str> = exported.lines().collect();
    let checkpoint: serde_json::Value = serde_json::from_str(exported[0]).unwrap();
    assert_eq!(checkpoint["count"], 5);
    let original = std::fs::read_to_string(&path).unwrap();
    let original: Vec<&str> = original.lines().collect();
    assert_eq!(exported[1..], [original[0], original[1], original[4]]);
    assert_eq!(
        checkpoint["head"].as_str().unwrap(),
        &original[4][original[4].len() - 66..original[4].len() - 2]
    );

    let missing = breakglass(home.path(), &["audit", "export", "--incident", "INC-404"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("no events for incident INC-404"));
}
