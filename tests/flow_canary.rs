//! Token canary: after a whole break-glass (and a whole drill) the token appears in no
//! file under BREAKGLASS_HOME (audit log, locks, trace log), nowhere in the clone's .git,
//! and in no command's stdout or stderr — even with debug tracing on.

mod support;

use std::path::Path;
use support::{World, text_of};

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

fn assert_absent(needle: &str, dirs: &[&Path], outputs: &[String]) {
    let mut checked = 0;
    for dir in dirs {
        for file in files_under(dir) {
            let bytes = std::fs::read(&file).unwrap();
            checked += 1;
            assert!(
                !String::from_utf8_lossy(&bytes).contains(needle),
                "the token leaked into {}",
                file.display()
            );
        }
    }
    assert!(checked > 5, "the canary looked at real files ({checked})");
    for output in outputs {
        assert!(
            !output.contains(needle),
            "the token leaked into output:\n{output}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_never_reaches_a_file_or_the_terminal() {
    let world = World::start().await;
    let token = world.token.expose().to_owned();
    assert!(token.len() > 10, "a recognisable canary");
    let dir = world.clone_dir();
    let dir = dir.to_str().unwrap();
    let mut outputs = Vec::new();
    let activated = world.activate("INC-C", "10m", &[]).await;
    outputs.push(text_of(&activated));
    for args in [
        vec!["push", "--repo-dir", dir],
        vec!["status", "--json"],
        vec!["restore", "--json"],
        vec!["review", "--incident", "INC-C", "--json"],
        vec!["audit", "verify"],
    ] {
        let out = world.bg(&args).await;
        assert!(out.status.success(), "{args:?}: {}", text_of(&out));
        outputs.push(text_of(&out));
    }
    let trace = world.home.path().join("state/logs/breakglass.log");
    assert!(
        std::fs::metadata(&trace)
            .map(|m| m.len() > 0)
            .unwrap_or(false),
        "the trace log was written, so it was checked"
    );
    let git_dir = world.clone_dir().join(".git");
    assert_absent(&token, &[world.home.path(), &git_dir], &outputs);
    world.kill_watchdog("INC-C");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_drill_leaves_no_sandbox_token_behind() {
    let home = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(["drill", "--headless"])
        .env("BREAKGLASS_HOME", home.path())
        .env("RUST_LOG", "debug")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text_of(&out));
    // The drill's seeded tokens are random `bgs_…` strings the test cannot know: look for
    // the shape instead.
    let shape = regex::Regex::new(r"bgs_[A-Za-z0-9]{8,}").unwrap();
    for file in files_under(home.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(
            !shape.is_match(&text),
            "a token leaked into {}",
            file.display()
        );
    }
    assert!(
        !shape.is_match(&text_of(&out)),
        "a token leaked into the drill's output"
    );
}
