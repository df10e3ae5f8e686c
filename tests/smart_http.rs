//! The sandbox's git smart HTTP engine over real HTTP, against the git command line and
//! libgit2 clients, with real repositories on both sides.

mod smart_http_support;

use std::cell::RefCell;

use breakglass::forge::sandbox::smart_http::{self, RefUpdate, Service, UpdateKind, Verdict};
use git2::{Oid, PushOptions, RemoteCallbacks, Repository};
use smart_http_support::{GitServer, clone_git2, commit_file, git_cli};

fn protected_branch_policy() -> smart_http_support::Policy {
    Box::new(|update: &RefUpdate| {
        if update.refname == "refs/heads/main" {
            Verdict::Reject {
                status: "protected branch hook declined".to_owned(),
                remote_lines: vec![
                    "error: GH006: Protected branch update failed for refs/heads/main.".to_owned(),
                    "error: Changes must be made through a pull request.".to_owned(),
                ],
            }
        } else {
            Verdict::Allow {
                remote_lines: vec!["Create a pull request for this branch".to_owned()],
            }
        }
    })
}

/// What a git2 push reported: per-ref statuses and the `remote:` text.
#[derive(Default, Debug)]
struct Git2PushReport {
    statuses: Vec<(String, Option<String>)>,
    progress: String,
}

fn git2_push(repo: &Repository, refspec: &str) -> Result<Git2PushReport, git2::Error> {
    let report = RefCell::new(Git2PushReport::default());
    {
        let mut callbacks = RemoteCallbacks::new();
        callbacks.push_update_reference(|name, status| {
            report
                .borrow_mut()
                .statuses
                .push((name.to_owned(), status.map(str::to_owned)));
            Ok(())
        });
        callbacks.sideband_progress(|data| {
            report
                .borrow_mut()
                .progress
                .push_str(&String::from_utf8_lossy(data));
            true
        });
        let mut options = PushOptions::new();
        options.remote_callbacks(callbacks);
        repo.find_remote("origin")?
            .push(&[refspec], Some(&mut options))?;
    }
    Ok(report.into_inner())
}

fn server_head(server: &GitServer, branch: &str) -> Option<Oid> {
    let repo = Repository::open_bare(server.repo_path("acme", "api")).unwrap();
    repo.refname_to_id(&format!("refs/heads/{branch}")).ok()
}

#[test]
fn git2_and_the_git_cli_clone_the_served_repository() {
    let server = GitServer::start(None);
    let (_bare, head) = server.seed("acme", "api");
    let url = server.url("acme", "api");

    let (_dir, cloned) = clone_git2(&url);
    assert_eq!(cloned.head().unwrap().target(), Some(head));
    assert!(
        cloned
            .find_commit(head)
            .unwrap()
            .tree()
            .unwrap()
            .get_name("README")
            .is_some()
    );

    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = git_cli(dir.path(), &["clone", &url, "cli"]);
    assert!(ok, "{stderr}");
    let (_, stdout, _) = git_cli(&dir.path().join("cli"), &["rev-parse", "HEAD"]);
    assert_eq!(stdout.trim(), head.to_string());
}

#[test]
fn git2_push_fast_forward_is_accepted_and_applied() {
    let server = GitServer::start(None);
    let (_bare, head) = server.seed("acme", "api");
    let (_dir, clone) = clone_git2(&server.url("acme", "api"));
    let fix = commit_file(
        &clone,
        Some("refs/heads/main"),
        &[head],
        "fix.txt",
        "fix\n",
        "Fix outage",
    );

    let report = git2_push(&clone, "refs/heads/main:refs/heads/main").unwrap();

    assert_eq!(report.statuses, vec![("refs/heads/main".to_owned(), None)]);
    assert_eq!(server_head(&server, "main"), Some(fix));
    assert_eq!(
        server.seen(),
        vec![RefUpdate {
            refname: "refs/heads/main".to_owned(),
            old: head,
            new: fix,
            kind: UpdateKind::FastForward
        }]
    );
}

#[test]
fn git2_push_rejection_reaches_push_update_reference_and_sideband() {
    let server = GitServer::start(None);
    let (_bare, head) = server.seed("acme", "api");
    server.set_policy(protected_branch_policy());
    let (_dir, clone) = clone_git2(&server.url("acme", "api"));
    commit_file(
        &clone,
        Some("refs/heads/main"),
        &[head],
        "fix.txt",
        "fix\n",
        "Fix outage",
    );

    let report = git2_push(&clone, "refs/heads/main:refs/heads/main").unwrap();

    assert_eq!(
        report.statuses,
        vec![(
            "refs/heads/main".to_owned(),
            Some("protected branch hook declined".to_owned())
        )]
    );
    assert!(
        report
            .progress
            .contains("error: GH006: Protected branch update failed for refs/heads/main.\n"),
        "{:?}",
        report.progress
    );
    assert_eq!(
        server_head(&server, "main"),
        Some(head),
        "a rejected push must not move main"
    );
}

#[test]
fn git_cli_shows_the_remote_rejection_like_github() {
    let server = GitServer::start(None);
    let (_bare, _head) = server.seed("acme", "api");
    server.set_policy(protected_branch_policy());
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = git_cli(dir.path(), &["clone", &server.url("acme", "api"), "cli"]);
    assert!(ok, "{stderr}");
    let work = dir.path().join("cli");
    std::fs::write(work.join("fix.txt"), "fix\n").unwrap();
    assert!(git_cli(&work, &["add", "fix.txt"]).0);
    assert!(git_cli(&work, &["commit", "-m", "Fix outage"]).0);

    let (ok, _, stderr) = git_cli(&work, &["push", "origin", "main"]);

    assert!(!ok, "the push must fail");
    assert!(
        stderr.contains(" ! [remote rejected] main -> main (protected branch hook declined)"),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("remote: error: GH006: Protected branch update failed for refs/heads/main."),
        "{stderr}"
    );
    assert!(
        stderr.contains("remote: error: Changes must be made through a pull request."),
        "{stderr}"
    );
}

#[test]
fn git_cli_thin_push_create_force_and_delete_reach_the_policy_classified() {
    let server = GitServer::start(None);
    let (_bare, head) = server.seed("acme", "api");
    let dir = tempfile::tempdir().unwrap();
    assert!(git_cli(dir.path(), &["clone", &server.url("acme", "api"), "cli"]).0);
    let work = dir.path().join("cli");
    let commit = |file: &str| {
        std::fs::write(work.join(file), numbered_lines(file)).unwrap();
        assert!(git_cli(&work, &["add", file]).0);
        assert!(git_cli(&work, &["commit", "-m", file]).0);
        git_cli(&work, &["rev-parse", "HEAD"]).1.trim().to_owned()
    };
    let oid = |hex: &str| Oid::from_str(hex).unwrap();

    let big = commit("big.txt");
    let (ok, _, stderr) = git_cli(&work, &["push", "origin", "main"]);
    assert!(ok, "{stderr}");
    // One changed line in a file the server has: git sends it as a thin pack (a delta
    // against a base object that only the server holds).
    let mut changed = numbered_lines("big.txt");
    changed.push_str("one more line\n");
    std::fs::write(work.join("big.txt"), changed).unwrap();
    assert!(git_cli(&work, &["commit", "-am", "grow big.txt"]).0);
    let ff = git_cli(&work, &["rev-parse", "HEAD"]).1.trim().to_owned();
    let (ok, _, stderr) = git_cli(&work, &["push", "origin", "main"]);
    assert!(ok, "{stderr}");
    // A new branch.
    let (ok, _, stderr) = git_cli(&work, &["push", "origin", "main:refs/heads/feature"]);
    assert!(ok, "{stderr}");
    // A rewrite of main.
    assert!(git_cli(&work, &["reset", "--hard", &head.to_string()]).0);
    let forced = commit("forced.txt");
    let (ok, _, stderr) = git_cli(&work, &["push", "--force", "origin", "main"]);
    assert!(ok, "{stderr}");
    // A deletion (no pack at all).
    let (ok, _, stderr) = git_cli(&work, &["push", "origin", ":feature"]);
    assert!(ok, "{stderr}");

    let kinds: Vec<(String, Oid, Oid, UpdateKind)> = server
        .seen()
        .into_iter()
        .map(|u| (u.refname, u.old, u.new, u.kind))
        .collect();
    let main = "refs/heads/main".to_owned();
    let feature = "refs/heads/feature".to_owned();
    assert_eq!(
        kinds,
        vec![
            (main.clone(), head, oid(&big), UpdateKind::FastForward),
            (main.clone(), oid(&big), oid(&ff), UpdateKind::FastForward),
            (
                feature.clone(),
                Oid::ZERO_SHA1,
                oid(&ff),
                UpdateKind::Create
            ),
            (main, oid(&ff), oid(&forced), UpdateKind::Force),
            (feature, oid(&ff), Oid::ZERO_SHA1, UpdateKind::Delete),
        ]
    );
    assert_eq!(server_head(&server, "main"), Some(oid(&forced)));
    assert_eq!(server_head(&server, "feature"), None);
}

fn numbered_lines(seed: &str) -> String {
    (0..2000).map(|i| format!("{seed} line {i}\n")).collect()
}

#[test]
fn git_cli_fetch_with_many_local_commits_is_served() {
    let server = GitServer::start(None);
    let (bare, head) = server.seed("acme", "api");
    let dir = tempfile::tempdir().unwrap();
    assert!(git_cli(dir.path(), &["clone", &server.url("acme", "api"), "cli"]).0);
    let work = dir.path().join("cli");
    // Local commits the server lacks make the client negotiate over several rounds.
    for i in 0..40 {
        assert!(
            git_cli(
                &work,
                &["commit", "--allow-empty", "-m", &format!("local {i}")]
            )
            .0
        );
    }
    let upstream = commit_file(
        &bare,
        Some("refs/heads/main"),
        &[head],
        "up.txt",
        "up\n",
        "Upstream",
    );

    let (ok, _, stderr) = git_cli(&work, &["fetch", "origin"]);

    assert!(ok, "{stderr}");
    let (_, fetched, _) = git_cli(&work, &["rev-parse", "origin/main"]);
    assert_eq!(fetched.trim(), upstream.to_string());
}

#[test]
fn a_gzip_encoded_upload_pack_request_is_inflated_and_served() {
    let server = GitServer::start(None);
    let (bare, head) = server.seed("acme", "api");
    let want = format!("want {head} ofs-delta\n");
    let request = format!("{:04x}{want}00000009done\n", want.len() + 4);
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    use std::io::Write as _;
    gzip.write_all(request.as_bytes()).unwrap();
    let compressed = gzip.finish().unwrap();
    assert_eq!(&compressed[..2], &[0x1f, 0x8b]);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let response = runtime
        .block_on(smart_http::upload_pack(bare.path(), compressed.into()))
        .unwrap();

    assert!(
        response.starts_with(b"0008NAK\n"),
        "{:?}",
        String::from_utf8_lossy(&response)
    );
    assert!(response.windows(4).any(|w| w == b"PACK"));
}

#[test]
fn a_truncated_gzip_request_is_refused_as_malformed() {
    let server = GitServer::start(None);
    let (bare, head) = server.seed("acme", "api");
    let want = format!("want {head} ofs-delta\n");
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    use std::io::Write as _;
    gzip.write_all(want.as_bytes()).unwrap();
    let mut compressed = gzip.finish().unwrap();
    compressed.truncate(compressed.len() - 6);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let refused = runtime.block_on(smart_http::upload_pack(bare.path(), compressed.into()));

    match refused {
        Err(smart_http::SmartHttpError::MalformedRequest(why)) => {
            assert!(why.contains("could not be inflated"), "{why}")
        }
        other => panic!("a truncated body must be refused as malformed: {other:?}"),
    }
}

#[test]
fn compare_and_swap_refuses_an_update_whose_old_sha_moved_meanwhile() {
    let server = GitServer::start(None);
    let (bare, head) = server.seed("acme", "api");
    let racer = commit_file(
        &bare,
        None,
        &[head],
        "race.txt",
        "race\n",
        "Concurrent push",
    );
    let repo_path = server.repo_path("acme", "api");
    // While the policy deliberates, someone else moves main: the allowed update is stale.
    server.set_policy(Box::new(move |_update| {
        let repo = Repository::open_bare(&repo_path).unwrap();
        repo.reference("refs/heads/main", racer, true, "racer")
            .unwrap();
        Verdict::Allow {
            remote_lines: Vec::new(),
        }
    }));
    let (_dir, clone) = clone_git2(&server.url("acme", "api"));
    commit_file(
        &clone,
        Some("refs/heads/main"),
        &[head],
        "fix.txt",
        "fix\n",
        "Fix outage",
    );

    let report = git2_push(&clone, "refs/heads/main:refs/heads/main").unwrap();

    assert_eq!(
        report.statuses,
        vec![(
            "refs/heads/main".to_owned(),
            Some("failed to update ref".to_owned())
        )]
    );
    assert!(report.progress.contains("is at"), "{:?}", report.progress);
    assert_eq!(server_head(&server, "main"), Some(racer));
}

#[test]
fn first_push_to_an_empty_repository_creates_the_branch() {
    let server = GitServer::start(None);
    let bare = server.empty_repo("acme", "api");
    let advert = smart_http::advertise(bare.path(), Service::ReceivePack).unwrap();
    let advert = String::from_utf8_lossy(&advert).into_owned();
    assert!(
        advert.starts_with("001f# service=git-receive-pack\n0000"),
        "{advert:?}"
    );
    assert!(
        advert.contains(" capabilities^{}\0report-status side-band-64k"),
        "{advert:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let local = Repository::init(dir.path()).unwrap();
    let first = commit_file(
        &local,
        Some("refs/heads/main"),
        &[],
        "README",
        "hi\n",
        "First",
    );
    local.remote("origin", &server.url("acme", "api")).unwrap();
    let report = git2_push(&local, "refs/heads/main:refs/heads/main").unwrap();

    assert_eq!(report.statuses, vec![("refs/heads/main".to_owned(), None)]);
    assert_eq!(server_head(&server, "main"), Some(first));
    assert_eq!(server.seen()[0].kind, UpdateKind::Create);
}

#[test]
fn a_corrupt_pack_is_reported_as_an_unpack_error_per_ref() {
    let server = GitServer::start(None);
    let (bare, head) = server.seed("acme", "api");
    let new = "1".repeat(40);
    let mut request = Vec::new();
    let line = format!("{head} {new} refs/heads/main\0report-status");
    request.extend_from_slice(format!("{:04x}", line.len() + 4).as_bytes());
    request.extend_from_slice(line.as_bytes());
    request.extend_from_slice(b"0000PACKgarbage");

    let response = smart_http::receive_pack(bare.path(), &request, &mut |_| {
        panic!("no policy for a bad pack")
    })
    .unwrap();

    let response = String::from_utf8_lossy(&response).into_owned();
    assert!(response.contains("unpack "), "{response:?}");
    assert!(!response.contains("unpack ok"), "{response:?}");
    assert!(
        response.contains("ng refs/heads/main unpacker error\n"),
        "{response:?}"
    );
    assert!(response.ends_with("0000"), "{response:?}");
    assert_eq!(bare.refname_to_id("refs/heads/main").unwrap(), head);

    let malformed = smart_http::receive_pack(bare.path(), b"00zzgarbage", &mut |_| panic!());
    assert!(matches!(
        malformed,
        Err(smart_http::SmartHttpError::MalformedRequest(_))
    ));
}

#[test]
fn a_commit_whose_tree_never_arrived_is_refused_as_missing_objects() {
    let server = GitServer::start(None);
    let (bare, head) = server.seed("acme", "api");
    // A commit made elsewhere, packed alone: its new tree and blob are not in the pack.
    let elsewhere = tempfile::tempdir().unwrap();
    let other = Repository::init_bare(elsewhere.path()).unwrap();
    let orphan = commit_file(&other, None, &[], "secret.txt", "never sent\n", "Orphan");
    let mut pack_objects = std::process::Command::new("git")
        .args(["pack-objects", "--stdout"])
        .current_dir(elsewhere.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    writeln!(pack_objects.stdin.take().unwrap(), "{orphan}").unwrap();
    let pack = pack_objects.wait_with_output().unwrap().stdout;
    let line = format!("{head} {orphan} refs/heads/main\0report-status");
    let mut request = format!("{:04x}{line}0000", line.len() + 4).into_bytes();
    request.extend_from_slice(&pack);

    let response = smart_http::receive_pack(bare.path(), &request, &mut |_| {
        panic!("the policy must not be asked about an incomplete history")
    })
    .unwrap();

    let response = String::from_utf8_lossy(&response).into_owned();
    assert!(response.contains("unpack ok\n"), "{response:?}");
    assert!(
        response.contains("ng refs/heads/main missing necessary objects\n"),
        "{response:?}"
    );
    assert_eq!(bare.refname_to_id("refs/heads/main").unwrap(), head);
}

#[test]
fn content_types_name_the_service() {
    assert_eq!(
        smart_http::content_type(Service::UploadPack, true),
        "application/x-git-upload-pack-advertisement"
    );
    assert_eq!(
        smart_http::content_type(Service::ReceivePack, false),
        "application/x-git-receive-pack-result"
    );
}
