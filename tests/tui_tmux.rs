//! The real binary in a real terminal: `breakglass drill` runs inside tmux (a private
//! server on a socket in a temporary directory), the whole drill is walked with send-keys
//! and the screen is read with capture-pane at every step, waiting by bounded polling.
//! Afterwards the sandbox's persisted state is reloaded to check that the protection
//! reads back equal to the preflight snapshot, and the audit chain is verified.
//!
//! Without tmux the test says it is skipped, except under CI (`CI` set to any value),
//! where a missing tmux is a failure.

use breakglass::audit::{AuditLog, NewEntry, Record, read_verified};
use breakglass::clock::{Clock, SystemClock};
use breakglass::forge::RepoId;
use breakglass::forge::sandbox::{Sandbox, SandboxOptions};
use breakglass::incident::{IncidentEvent, RestoreTrigger};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long one step may take on a slow machine (a debug binary, shared cores).
const STEP_TIMEOUT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(50);

/// A private tmux server with one session, `app`; killed when dropped.
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    /// A tmux server with its socket in `scratch`, running `command` in a `cols`×`rows`
    /// window with each of `env` (`NAME=VALUE`) set; the pane stays after the program
    /// exits, so what it printed can still be read.
    fn start(scratch: &Path, (cols, rows): (u16, u16), env: &[String], command: &str) -> Tmux {
        let tmux = Tmux {
            socket: scratch.join("tmux.sock"),
        };
        let (cols, rows) = (cols.to_string(), rows.to_string());
        let mut args = vec!["new-session", "-d", "-s", "app", "-x", &cols, "-y", &rows];
        for pair in env {
            args.extend(["-e", pair.as_str()]);
        }
        args.extend([
            command,
            ";",
            "set-option",
            "-t",
            "app",
            "remain-on-exit",
            "on",
        ]);
        let out = tmux.run(&args);
        assert!(out.status.success(), "tmux new-session failed: {out:?}");
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "app"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "send-keys failed: {out:?}");
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "app"]).stdout).into_owned()
    }

    /// Polls the screen until `ready` holds, for at most `STEP_TIMEOUT`.
    fn wait(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        self.wait_on(what, Self::screen, ready)
    }

    /// Polls the scrollback and screen until they hold `text`: for what a program prints
    /// after leaving the alternate screen, which may scroll above the visible rows.
    fn wait_in_history(&self, text: &str) -> String {
        self.wait_on(&format!("{text:?}"), Self::history, |s| s.contains(text))
    }

    fn wait_on(
        &self,
        what: &str,
        capture: impl Fn(&Self) -> String,
        ready: impl Fn(&str) -> bool,
    ) -> String {
        let started = Instant::now();
        loop {
            let screen = capture(self);
            if ready(&screen) {
                return screen;
            }
            if started.elapsed() > STEP_TIMEOUT {
                panic!("waited {STEP_TIMEOUT:?} for {what}; the screen shows:\n{screen}");
            }
            std::thread::sleep(POLL);
        }
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait(&format!("{text:?}"), |s| s.contains(text))
    }

    /// The pane's scrollback and screen together: what a program printed after leaving
    /// the alternate screen may have scrolled above the visible rows.
    fn history(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-S", "-", "-t", "app"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What a real-terminal test does, given whether tmux runs and the `CI` variable.
#[derive(Debug, PartialEq)]
enum TmuxVerdict {
    Run,
    Skip,
    /// Under CI (`CI` set to any value, as each CI service spells it differently) a
    /// missing tmux fails the test: a skip there would pass without testing anything.
    Fail,
}

fn tmux_verdict(available: bool, ci: Option<&std::ffi::OsStr>) -> TmuxVerdict {
    match (available, ci) {
        (true, _) => TmuxVerdict::Run,
        (false, Some(_)) => TmuxVerdict::Fail,
        (false, None) => TmuxVerdict::Skip,
    }
}

/// False (after saying so) when the test must be skipped: no tmux outside CI.
fn tmux_or_skip() -> bool {
    match tmux_verdict(tmux_available(), std::env::var_os("CI").as_deref()) {
        TmuxVerdict::Run => true,
        TmuxVerdict::Fail => {
            panic!("tmux is required under CI for the real-terminal tests; install it")
        }
        TmuxVerdict::Skip => {
            eprintln!("skipped: tmux is not installed (the real-terminal tests need it)");
            false
        }
    }
}

#[test]
fn a_missing_tmux_fails_under_any_ci_value_and_skips_only_outside_ci() {
    use std::ffi::OsStr;
    for ci in ["true", "1", "yes", ""] {
        assert_eq!(
            tmux_verdict(false, Some(OsStr::new(ci))),
            TmuxVerdict::Fail,
            "CI={ci:?}"
        );
        assert_eq!(tmux_verdict(true, Some(OsStr::new(ci))), TmuxVerdict::Run);
    }
    assert_eq!(tmux_verdict(false, None), TmuxVerdict::Skip);
    assert_eq!(tmux_verdict(true, None), TmuxVerdict::Run);
}

/// The incident's total time in the header ("total 1:05"), in seconds.
fn total(screen: &str) -> Option<u32> {
    let at = screen.find("total ")? + "total ".len();
    let text: String = screen[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ':')
        .collect();
    text.split(':').try_fold(0u32, |seconds, part| {
        Some(seconds * 60 + part.parse::<u32>().ok()?)
    })
}

/// The line of checklist step `n` ("[✓]  2 Get a second engineer…").
fn step_done(screen: &str, n: usize) -> bool {
    screen.contains(&format!("[✓] {n:>2} "))
}

#[test]
fn a_drill_is_walked_in_a_real_terminal_from_declare_to_the_submitted_review() {
    if !tmux_or_skip() {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("home");
    let sandbox_dir = scratch.path().join("sandbox");
    let program = private_copy_of_the_binary();
    let started = Instant::now();
    let tmux = Tmux::start(
        scratch.path(),
        (120, 40),
        &[
            format!("BREAKGLASS_HOME={}", home.display()),
            format!("BREAKGLASS_DRILL_SANDBOX_DIR={}", sandbox_dir.display()),
        ],
        &format!("{} drill", program.display()),
    );

    // Declare: the form is prefilled from the drill scenario.
    tmux.wait_for("Declare an incident — DRILL");
    eprintln!(
        "time to the first frame of `breakglass drill` (sandbox, clone and fix included): {} ms",
        started.elapsed().as_millis()
    );
    for _ in 0..5 {
        tmux.keys(&["Enter"]);
    }
    let screen = tmux.wait("the checklist", |s| {
        step_done(s, 1) && s.contains("▸[ ]  2")
    });
    assert!(screen.contains("acme/api:main DRILL"), "{screen}");

    // The fix is committed: the manual step is ticked with Enter; the timers run live.
    tmux.keys(&["Enter"]);
    let ticked = tmux.wait("step 2 ticked", |s| step_done(s, 2));
    let first = total(&ticked).expect("the header shows the total time");
    let moved = tmux.wait("the total to move", |s| {
        total(s).is_some_and(|now| now != first)
    });
    assert!(total(&moved).unwrap() > first, "the total time goes up");

    // Preflight, the second person's approval (the sandbox's reviewer), then ONE
    // confirmation with the plan and the commits with their trailers.
    tmux.keys(&["Enter"]);
    tmux.wait_for("Preflight done");
    tmux.keys(&["Enter"]);
    tmux.wait("the reviewer's approval", |s| step_done(s, 4));
    tmux.keys(&["Enter"]);
    let confirm = tmux.wait_for("Open the glass, push and restore?");
    assert!(confirm.contains("classic.enforce_admins"), "{confirm}");
    assert!(confirm.contains("Fix checkout timeouts"), "{confirm}");
    assert!(
        confirm.contains("Break-Glass-Incident: DRILL-"),
        "{confirm}"
    );

    // Confirmed: opened, pushed, restored and verified with no step in between.
    tmux.keys(&["Enter"]);
    let closed = tmux.wait("the window step done and verified", |s| {
        s.contains("Protections restored exactly") && step_done(s, 5)
    });
    assert!(closed.contains("Window 1 — the glass was open"), "{closed}");
    assert!(closed.contains("Push accepted"), "{closed}");
    assert!(!closed.contains("GLASS OPEN"), "{closed}");

    // Watching the deploy comes after the glass is closed.
    tmux.keys(&["Enter"]);
    tmux.wait("step 6 ticked", |s| step_done(s, 6));

    // The retroactive review opens on the sandbox, then the lessons-learned form.
    tmux.keys(&["Enter"]);
    // The form's facts arrive from the log a moment later and push the sections down:
    // wait for a whole frame rather than catch the redraw half-way.
    let review = tmux.wait("the review form", |s| {
        s.contains("Retroactive review opened: http://127.0.0.1:")
            && s.contains("Summary")
            && s.contains("Facts from the audit log")
    });
    assert!(review.contains("Commander: commander"), "{review}");
    tmux.wait_for("Where we got lucky");
    tmux.keys(&["-l", "Rehearsed the checkout outage"]);
    tmux.wait_for("Rehearsed the checkout outage");
    tmux.keys(&["C-s"]);
    tmux.wait_for("Submitted and recorded in the audit log");

    // Leave: the drill prints its outcome and where it is recorded (the operator's own log).
    tmux.keys(&["Escape"]);
    tmux.wait_for("Announce: glass closed");
    tmux.keys(&["q"]);
    let summary = tmux.wait_in_history(&format!(
        "drill recorded in {}",
        home.join("data/audit.jsonl").display()
    ));
    assert!(summary.contains("reviewed"), "{summary}");

    check_the_audit_log(&home);
    check_the_sandbox(&sandbox_dir, &home);
}

/// The approve step in a real terminal: the waiting line counts down with the time left
/// and the issue to approve on, until the drill's second person (the sandbox's reviewer,
/// with their own token) approves and the step is done.
#[test]
fn the_approval_wait_counts_down_in_a_real_terminal_until_the_reviewer_approves() {
    if !tmux_or_skip() {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let program = private_copy_of_the_binary();
    let tmux = Tmux::start(
        scratch.path(),
        (120, 40),
        &[format!(
            "BREAKGLASS_HOME={}",
            scratch.path().join("home").display()
        )],
        &format!("{} drill", program.display()),
    );
    tmux.wait_for("Declare an incident — DRILL");
    for _ in 0..5 {
        tmux.keys(&["Enter"]);
    }
    tmux.wait("the checklist", |s| {
        step_done(s, 1) && s.contains("▸[ ]  2")
    });
    tmux.keys(&["Enter"]);
    tmux.wait("step 2 ticked", |s| step_done(s, 2));
    tmux.keys(&["Enter"]);
    tmux.wait_for("Preflight done");
    tmux.keys(&["Enter"]);
    let waiting = tmux.wait_for("waiting for approval — 1");
    assert!(
        waiting.contains("waiting for approval — 14:")
            || waiting.contains("waiting for approval — 15:00"),
        "{waiting}"
    );
    assert!(waiting.contains("/acme/api/issues/"), "{waiting}");
    let approved = tmux.wait("the reviewer's approval", |s| step_done(s, 4));
    assert!(!approved.contains("waiting for approval"), "{approved}");
    tmux.keys(&["q"]);
}

/// A copy of the binary cargo built for this test run, taken once per test process: the
/// target directory may be shared, and another build replacing the file mid-test must not
/// change which program the terminal runs.
fn private_copy_of_the_binary() -> PathBuf {
    static COPY: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    let (_keep, copy) = COPY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("breakglass");
        std::fs::copy(env!("CARGO_BIN_EXE_breakglass"), &copy).unwrap();
        (dir, copy)
    });
    let help = run_when_not_busy(Command::new(copy).args(["review", "--help"]));
    assert!(
        String::from_utf8_lossy(&help.stdout).contains("--form"),
        "{} is not this tree's build (another build replaced it); run the test again",
        env!("CARGO_BIN_EXE_breakglass")
    );
    copy.clone()
}

/// Runs `command`, retrying while the freshly written program is "text file busy": a
/// test thread forking at the moment of the copy holds a write handle until its exec.
fn run_when_not_busy(command: &mut Command) -> Output {
    const ETXTBSY: i32 = 26;
    let started = Instant::now();
    loop {
        match command.output() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) && started.elapsed() < STEP_TIMEOUT => {
                std::thread::sleep(POLL);
            }
            other => return other.expect("the program runs"),
        }
    }
}

fn records(home: &Path) -> Vec<Record> {
    read_verified(&home.join("data").join("audit.jsonl")).expect("the chain verifies")
}

fn check_the_audit_log(home: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(["audit", "verify"])
        .env("BREAKGLASS_HOME", home)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "audit verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kinds: Vec<String> = records(home).into_iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            "declared",
            "step_done",
            "preflighted",
            "approval_requested",
            "approved",
            "activation_intended",
            "activated",
            "push_intended",
            "pushed",
            "restore_intended",
            "restored",
            "step_done",
            "review_opened",
            "review_submitted",
        ]
    );
}

/// Reloads the drill's sandbox from its kept state and reads the protection back.
fn check_the_sandbox(sandbox_dir: &Path, home: &Path) {
    let records = records(home);
    let data_of = |kind: &str| {
        records
            .iter()
            .find(|r| r.kind == kind)
            .unwrap_or_else(|| panic!("no {kind} event"))
            .data
            .clone()
    };
    let snapshot = data_of("preflighted")["snapshot"].clone();
    let pushed = data_of("pushed")["new_sha"].as_str().unwrap().to_owned();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let sandbox = Sandbox::start(SandboxOptions {
            dir: Some(sandbox_dir.to_owned()),
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let repo: RepoId = "acme/api".parse().unwrap();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let forge =
            breakglass::flow::github_forge(&sandbox.api_url(), sandbox.token("commander"), clock)
                .unwrap();
        let now = serde_json::to_value(forge.snapshot(&repo, "main").await.unwrap()).unwrap();
        // The protection itself; the time taken, the server's URLs and the head differ.
        for part in ["/classic/state", "/classic/normalized", "/rulesets"] {
            assert_eq!(
                now.pointer(part),
                snapshot.pointer(part),
                "{part} reads back equal to the preflight snapshot"
            );
        }
        assert_eq!(now["classic"]["normalized"]["enforce_admins"], true);
        assert_eq!(
            sandbox.branch_head(&repo, "main").as_deref(),
            Some(pushed.as_str()),
            "the fix landed on main"
        );
        sandbox.shutdown().await;
    });
}

/// Appends incident events to the log at `home` as another breakglass process would.
fn append(home: &Path, id: &str, events: &[IncidentEvent]) {
    let mut log =
        AuditLog::open(home.join("data").join("audit.jsonl"), Arc::new(SystemClock)).unwrap();
    for event in events {
        let (kind, data) = event.to_parts();
        log.append(NewEntry {
            incident: Some(id.into()),
            actor: "oncall".into(),
            kind,
            data,
        })
        .unwrap();
    }
}

#[test]
fn the_home_screen_opens_without_a_token_and_follows_another_process_live() {
    if !tmux_or_skip() {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("home");
    let deadline = SystemClock.now() + chrono::Duration::minutes(20);
    append(
        &home,
        "INC-7",
        &[
            IncidentEvent::Declared {
                id: "INC-7".into(),
                repo: "acme/api".into(),
                branch: "main".into(),
                reason: "checkout 500s https://tickets.acme.dev/7".into(),
                ttl: 1800,
                cap: 7200,
                runbook: "github".into(),
                drill: false,
                api_url: None,
                remote_url: None,
                scenario: None,
            },
            IncidentEvent::Preflighted {
                login: "oncall".into(),
                permission: "admin".into(),
                pre_sha: "aaaa".into(),
                snapshot: json!({}),
                commits: vec![],
            },
            IncidentEvent::ActivationIntended {
                plan: json!({}),
                reason: None,
            },
            IncidentEvent::Activated {
                deadline,
                applied: json!({}),
            },
        ],
    );
    let program = private_copy_of_the_binary();
    // No token anywhere: not in the environment, and no `gh` on the PATH.
    let tmux = Tmux::start(
        scratch.path(),
        (80, 24),
        &[
            format!("BREAKGLASS_HOME={}", home.display()),
            "GH_TOKEN=".to_owned(),
            "GITHUB_TOKEN=".to_owned(),
            "PATH=/nonexistent".to_owned(),
        ],
        &program.display().to_string(),
    );
    let screen = tmux.wait_for("OPEN LEASES");
    assert!(screen.contains("INC-7"), "{screen}");
    assert!(
        screen.contains(&deadline.format("%H:%M:%S").to_string()),
        "the lease shows its deadline: {screen}"
    );
    tmux.wait("the lease countdown", |s| s.contains("closes in"));

    // Another process closes the glass: the home screen follows within the watch period.
    append(
        &home,
        "INC-7",
        &[
            IncidentEvent::RestoreIntended {
                trigger: RestoreTrigger::Watchdog,
            },
            IncidentEvent::Restored {
                verified: true,
                by_guard: None,
            },
        ],
    );
    let after = tmux.wait("the lease to go", |s| !s.contains("OPEN LEASES"));
    assert!(after.contains("restored — review next"), "{after}");
    tmux.keys(&["q"]);
}

/// `d` on the home screen in a real terminal: the picker lists the scenarios with their
/// stories; the one picked (a 502 during the restore) is walked with Enter, its fault
/// played by the sandbox as the headless drill plays it, and the drill ends on its
/// scorecard: each step against its target, the forge requests, the fault met and how it
/// was handled, and the verdict against the scenario's expectation.
#[test]
fn a_scenario_picked_with_d_is_walked_to_its_scorecard_in_a_real_terminal() {
    if !tmux_or_skip() {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("home");
    let program = private_copy_of_the_binary();
    let tmux = Tmux::start(
        scratch.path(),
        (120, 40),
        &[
            format!("BREAKGLASS_HOME={}", home.display()),
            "GH_TOKEN=".to_owned(),
            "GITHUB_TOKEN=".to_owned(),
        ],
        &program.display().to_string(),
    );
    tmux.wait_for("Home");
    tmux.keys(&["d"]);
    let picker = tmux.wait_for("Drill scenarios (10)");
    assert!(picker.contains("clean-run"), "{picker}");
    assert!(picker.contains("not drilled yet"), "{picker}");
    assert!(picker.contains("The story: Clean run"), "{picker}");
    for _ in 0..4 {
        tmux.keys(&["Down"]);
    }
    tmux.wait_for("The story: Forge 5xx during restore");
    tmux.keys(&["Enter"]);

    tmux.wait_for("Declare an incident — DRILL");
    for _ in 0..5 {
        tmux.keys(&["Enter"]);
    }
    tmux.wait("the checklist", |s| {
        step_done(s, 1) && s.contains("▸[ ]  2")
    });
    tmux.keys(&["Enter"]);
    tmux.wait("step 2 ticked", |s| step_done(s, 2));
    tmux.keys(&["Enter"]);
    tmux.wait_for("Preflight done");
    tmux.keys(&["Enter"]);
    tmux.wait("the reviewer's approval", |s| step_done(s, 4));
    tmux.keys(&["Enter"]);
    tmux.wait_for("Open the glass, push and restore?");
    tmux.keys(&["Enter"]);
    tmux.wait("the window step done and verified", |s| {
        s.contains("Protections restored exactly") && step_done(s, 5)
    });
    tmux.keys(&["Enter"]);
    tmux.wait("step 6 ticked", |s| step_done(s, 6));
    tmux.keys(&["Enter"]);
    tmux.wait_for("Retroactive review opened: http://127.0.0.1:");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Announce: glass closed");
    tmux.keys(&["Enter"]);

    // The last step done: the drill ends on its scorecard.
    let card = tmux.wait("the scorecard", |s| {
        s.contains("Drill scorecard: DRILL-") && s.contains("fault met")
    });
    assert!(card.contains("Forge 5xx during restore"), "{card}");
    assert!(
        card.contains("PASSED — it ended `passed`, as the scenario expects"),
        "{card}"
    );
    assert!(
        card.contains("on GET /repos/acme/api/branches/main/protection 502"),
        "the restore's read met the 502: {card}"
    );
    assert!(card.contains("answered 200"), "the restore retried: {card}");
    assert!(card.contains("forge requests "), "{card}");
    assert!(card.contains("preflight"), "{card}");
    assert!(
        card.contains("earlier runs: none, this is the first"),
        "{card}"
    );
    tmux.keys(&["q"]);
    tmux.wait_in_history("drill passed");

    // Recorded as a run of the scenario: the team's history has it.
    let out = Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(["drill", "history", "--scenario", "restore-5xx", "--json"])
        .env("BREAKGLASS_HOME", &home)
        .output()
        .unwrap();
    let history: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        history["runs"].as_array().map(Vec::len),
        Some(1),
        "{history}"
    );
}
