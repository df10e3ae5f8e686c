//! Through the real binary: while the forge's issue endpoints answer 503 the break-glass
//! goes on, `status` says "mirror behind by N events", and once the forge is back the
//! next command catches the issue up and the line goes away.

mod flow_support;

use breakglass::forge::sandbox::Fault;
use flow_support::{World, text_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_the_mirror_behind_until_the_next_command_catches_up() {
    let world = World::start().await;
    world
        .sandbox
        .add_fault(Fault::parse("*:/repos/acme/api/issues*=503").unwrap());
    let activated = world.activate("INC-3", "10m", &[]).await;
    assert!(
        activated.status.success(),
        "the mirror never fails the flow: {}",
        text_of(&activated)
    );
    let said = String::from_utf8_lossy(&activated.stderr);
    assert!(
        said.contains("the incident issue on the forge is not caught up yet"),
        "{said}"
    );

    let status = world.bg(&["status"]).await;
    let out = String::from_utf8_lossy(&status.stdout);
    let events = world.events("INC-3").len();
    assert!(
        out.contains(&format!(
            "INC-3: mirror behind by {events} events — last attempt failed: "
        )),
        "{}",
        text_of(&status)
    );

    world.sandbox.clear_faults();
    let mut last = String::new();
    let mut caught_up = false;
    for _ in 0..5 {
        let status = world.bg(&["status", "--json"]).await;
        let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
        last = text_of(&status);
        if json["open"][0]["id"] == "INC-3" && json["open"][0]["mirror"].is_null() {
            caught_up = true;
            break;
        }
    }
    world.kill_watchdog("INC-3");
    assert!(caught_up, "{last}");
    let issues: Vec<_> = world
        .sandbox
        .request_log()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/repos/acme/api/issues" && r.status == 201)
        .collect();
    assert_eq!(issues.len(), 1, "one issue, opened once the forge was back");
}
