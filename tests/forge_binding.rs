//! An incident is bound to the forge it was declared on, through the real binary against
//! the sandbox forge over loopback: later commands use it without `--api-url`, and a
//! second local server named in the config or on the command line receives no request at
//! all while the command is refused naming both forges.

mod support;

use std::sync::{Arc, Mutex};
use support::{World, audit_records, text_of};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A local HTTP server that must never be asked anything: it records the first bytes of
/// every connection it accepts and answers 500.
struct Trap {
    url: String,
    received: Arc<Mutex<Vec<String>>>,
}

impl Trap {
    async fn start() -> Trap {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buffer = vec![0u8; 4096];
                let read = socket.read(&mut buffer).await.unwrap_or(0);
                log.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buffer[..read]).into_owned());
                let _ = socket
                    .write_all(b"HTTP/1.1 500 Trap\r\ncontent-length: 0\r\n\r\n")
                    .await;
            }
        });
        Trap { url, received }
    }

    fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}

/// Writes `text` as the config, with the two-person rule off (flow_approval.rs tests it).
fn write_config(world: &World, text: &str) {
    let text = format!("{text}\n[approval]\nrequired = false\n");
    std::fs::write(world.home.path().join("config/config.toml"), text).unwrap();
}

/// `activate` for `id` naming the sandbox on the command line only.
async fn activate_with_api_url(world: &World, id: &str) {
    let dir = world.clone_dir();
    let api_url = world.sandbox.api_url();
    let out = world
        .bg(&[
            "activate",
            "--repo",
            "acme/api",
            "--incident",
            id,
            "--reason",
            support::REASON,
            "--ttl",
            "10m",
            "--repo-dir",
            dir.to_str().unwrap(),
            "--api-url",
            &api_url,
        ])
        .await;
    assert!(out.status.success(), "{}", text_of(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn later_commands_use_the_incidents_forge_without_being_told() {
    let world = World::start().await;
    write_config(&world, "");
    let snapshot = world.protection().unwrap();
    activate_with_api_url(&world, "INC-1").await;

    let declared = audit_records(world.home.path())
        .into_iter()
        .find(|r| r["kind"] == "declared")
        .unwrap();
    assert_eq!(declared["data"]["api_url"], world.sandbox.api_url());
    assert_eq!(
        declared["data"]["remote_url"],
        world.sandbox.clone_url(&world.repo),
        "the clone's remote, as the clone names it"
    );

    // No --api-url and no config: before the binding these went to api.github.com.
    let dir = world.clone_dir();
    let pushed = world
        .bg(&[
            "push",
            "--incident",
            "INC-1",
            "--repo-dir",
            dir.to_str().unwrap(),
        ])
        .await;
    assert!(pushed.status.success(), "{}", text_of(&pushed));
    let restored = world.bg(&["restore", "--incident", "INC-1"]).await;
    assert!(restored.status.success(), "{}", text_of(&restored));
    assert_eq!(world.protection().unwrap(), snapshot);
    world.kill_watchdog("INC-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_forge_in_the_config_or_on_the_command_line_gets_no_request() {
    let world = World::start().await;
    activate_with_api_url(&world, "INC-1").await;
    // Its watchdog talks to the sandbox on its own schedule; the last command restores.
    world.kill_watchdog("INC-1");
    let sandbox_url = world.sandbox.api_url();
    let trap = Trap::start().await;
    let requests_before = world.sandbox.request_log().len();
    let dir = world.clone_dir();
    let push = [
        "push",
        "--incident",
        "INC-1",
        "--repo-dir",
        dir.to_str().unwrap(),
    ];
    let restore = ["restore", "--incident", "INC-1"];

    write_config(&world, &format!("api_url = \"{}\"\n", trap.url));
    let config_file = world.home.path().join("config/config.toml");
    for args in [&push[..], &restore[..]] {
        let out = world.bg(args).await;
        assert_eq!(out.status.code(), Some(1), "{}", text_of(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim_end(),
            format!(
                "error: incident INC-1 belongs to the forge {sandbox_url} where it was \
                 declared, not {} (named by `api_url` in {} line 1); nothing was sent — name \
                 {sandbox_url} instead, with --api-url or `api_url` in the config",
                trap.url,
                config_file.display()
            ),
            "{}",
            text_of(&out)
        );
    }

    write_config(&world, &format!("api_url = \"{sandbox_url}\"\n"));
    for args in [&push[..], &restore[..]] {
        let args = [args, &["--api-url", trap.url.as_str()]].concat();
        let out = world.bg(&args).await;
        assert_eq!(out.status.code(), Some(1), "{}", text_of(&out));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains(&format!("not {} (named by --api-url)", trap.url)),
            "{said}"
        );
        assert!(said.contains(&sandbox_url), "{said}");
    }

    assert_eq!(
        trap.received(),
        Vec::<String>::new(),
        "the other server was asked"
    );
    assert_eq!(
        world.sandbox.request_log().len(),
        requests_before,
        "refused before any request, to either forge"
    );
    let restored = world.bg(&restore).await;
    assert!(restored.status.success(), "{}", text_of(&restored));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drill_binds_its_incident_to_the_sandbox_it_started() {
    let home = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(["drill", "--headless", "--json"])
        .env("BREAKGLASS_HOME", home.path())
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let declared = audit_records(home.path())
        .into_iter()
        .find(|r| r["kind"] == "declared")
        .unwrap();
    let api_url = declared["data"]["api_url"].as_str().unwrap();
    let remote_url = declared["data"]["remote_url"].as_str().unwrap();
    assert!(api_url.starts_with("http://127.0.0.1:"), "{declared}");
    assert_eq!(
        remote_url,
        format!("{api_url}/git/acme/api.git"),
        "the drill clone's remote on the same sandbox"
    );
}

/// Appends `events` for `id` straight to the log, as an older breakglass wrote them.
fn append_old(world: &World, id: &str, events: &[breakglass::incident::IncidentEvent]) {
    let mut log = breakglass::audit::AuditLog::open(
        world.home.path().join("data").join("audit.jsonl"),
        Arc::new(breakglass::clock::SystemClock),
    )
    .unwrap();
    for event in events {
        let (kind, data) = event.to_parts();
        log.append(breakglass::audit::NewEntry {
            incident: Some(id.into()),
            actor: "commander".into(),
            kind,
            data,
        })
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_does_not_guess_the_forge_of_an_incident_from_an_older_log() {
    use breakglass::incident::IncidentEvent as E;
    let world = World::start().await;
    // Declared by a version that recorded no forge, interrupted while activating: the
    // configured sandbox has the same acme/api, which must not get this incident's snapshot.
    append_old(
        &world,
        "INC-OLD",
        &[
            E::Declared {
                id: "INC-OLD".into(),
                repo: "acme/api".into(),
                branch: "main".into(),
                reason: support::REASON.into(),
                ttl: 600,
                cap: 7200,
                runbook: "github".into(),
                drill: false,
                api_url: None,
                remote_url: None,
                scenario: None,
            },
            E::Preflighted {
                login: "commander".into(),
                permission: "admin".into(),
                pre_sha: "aaaa".into(),
                snapshot: serde_json::json!({}),
                commits: vec![],
            },
            // An activation without a result: recovery must restore at once.
            E::ActivationIntended {
                plan: serde_json::json!({}),
                reason: None,
            },
        ],
    );
    let snapshot = world.protection();
    let requests_before = world.sandbox.request_log().len();
    let out = world.bg(&["status", "--json"]).await;
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(
            "recovery error: incident INC-OLD may have its glass open, but it was declared by \
             an older breakglass that did not record its forge, so recovery sent nothing"
        ),
        "{}",
        text_of(&out)
    );
    assert!(
        said.contains("run `breakglass restore --incident INC-OLD --api-url URL`"),
        "{said}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = report["recovery"]["errors"].to_string();
    assert!(
        errors.contains("breakglass restore --incident INC-OLD"),
        "{report}"
    );
    let touched: Vec<_> = world
        .sandbox
        .request_log()
        .into_iter()
        .skip(requests_before)
        .filter(|r| r.path.contains("/protection") || r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(touched, Vec::<String>::new(), "recovery touched the forge");
    assert_eq!(world.protection(), snapshot);
    assert!(
        !world
            .events("INC-OLD")
            .iter()
            .any(|kind| kind == "restore_intended"),
        "{:?}",
        world.events("INC-OLD")
    );
}
