//! The incident issue against the sandbox forge over loopback: opened once with its title,
//! labels and status body, found again through its marker (also after a lost answer),
//! and the issue calls the mirror relies on (PATCH, comments with `since`).

mod common;

use breakglass::forge::port::{IssueState, IssueUpdate};
use breakglass::forge::sandbox::Fault;
use breakglass::forge::{Forge, RepoId};
use breakglass::incident::{Incident, IncidentEvent, Recorded, fold};
use breakglass::mirror::{self, LABEL, LABEL_DRILL};
use chrono::{DateTime, Utc};
use common::sandbox::{api, forge_as, start};

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_796_166_000 + secs, 0).unwrap()
}

fn declared(id: &str, drill: bool) -> Incident {
    fold(&[Recorded {
        ts: at(0),
        actor: "commander".into(),
        event: IncidentEvent::Declared {
            id: id.into(),
            repo: "acme/api".into(),
            branch: "main".into(),
            reason: "checkout returns 500\nhttps://tickets.example.com/INC-42".into(),
            ttl: 1800,
            cap: 7200,
            runbook: "default".into(),
            drill,
            api_url: None,
            remote_url: None,
        },
    }])
    .unwrap()
}

fn issue_posts(sandbox: &breakglass::forge::sandbox::SandboxHandle) -> usize {
    sandbox
        .request_log()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/repos/acme/api/issues")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issue_is_opened_once_titled_and_labelled_and_found_by_its_marker() {
    let sandbox = start().await;
    let (forge, _) = forge_as(&sandbox, "commander");
    let incident = declared("INC-42", true);
    let repo: RepoId = api();

    assert_eq!(mirror::find(&forge, &repo, "INC-42").await.unwrap(), None);
    let opened = mirror::open_or_find(&forge, &repo, &incident, at(5))
        .await
        .unwrap();
    let again = mirror::open_or_find(&forge, &repo, &incident, at(6))
        .await
        .unwrap();
    assert_eq!(opened, again, "the marker finds the issue already opened");
    assert_eq!(issue_posts(&sandbox), 1, "one issue, never two");
    assert_eq!(
        mirror::find(&forge, &repo, "INC-42").await.unwrap(),
        Some(opened.clone())
    );
    // Another incident's marker does not match this issue.
    assert_eq!(mirror::find(&forge, &repo, "INC-4").await.unwrap(), None);

    let view = forge.issue(&repo, opened.number).await.unwrap();
    assert_eq!(view.title, "[break-glass] INC-42: checkout returns 500");
    assert_eq!(view.labels, [LABEL, LABEL_DRILL]);
    assert_eq!(view.state, IssueState::Open);
    assert!(view.body.contains("| Phase | declared |"), "{}", view.body);
    assert!(
        view.body
            .contains(&mirror::issue_marker("INC-42").to_string()),
        "{}",
        view.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issue_whose_answer_was_lost_is_found_not_opened_again() {
    let sandbox = start().await;
    let (forge, _) = forge_as(&sandbox, "commander");
    sandbox
        .add_fault(Fault::parse("post:/repos/acme/api/issues=timeout-after-apply:3sx1").unwrap());
    let opened = mirror::open_or_find(&forge, &api(), &declared("INC-7", false), at(1))
        .await
        .unwrap();
    assert_eq!(issue_posts(&sandbox), 1, "the lost POST was not resent");
    let view = forge.issue(&api(), opened.number).await.unwrap();
    assert_eq!(view.labels, [LABEL]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_bodies_and_states_change_by_patch_and_comments_list_in_order() {
    let sandbox = start().await;
    let (forge, _) = forge_as(&sandbox, "commander");
    let repo = api();
    let opened = mirror::open_or_find(&forge, &repo, &declared("INC-9", false), at(1))
        .await
        .unwrap();
    let closed = forge
        .update_issue(
            &repo,
            opened.number,
            &IssueUpdate {
                body: Some("restored".into()),
                state: Some(IssueState::Closed),
                ..IssueUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(closed.state, IssueState::Closed);
    assert_eq!(closed.body, "restored");
    assert_eq!(closed.labels, [LABEL], "a PATCH without labels keeps them");

    let marker = |n: u32| breakglass::forge::github::Marker::new("INC-9", &format!("c{n}"));
    for n in 0..3 {
        forge
            .comment(&repo, opened.number, &format!("comment {n}"), &marker(n))
            .await
            .unwrap();
    }
    let comments = forge
        .issue_comments(&repo, opened.number, None)
        .await
        .unwrap();
    let bodies: Vec<_> = comments
        .iter()
        .map(|c| c.body.lines().next().unwrap().to_owned())
        .collect();
    assert_eq!(bodies, ["comment 0", "comment 1", "comment 2"]);
    assert!(comments.iter().all(|c| c.author == "commander"));
}
