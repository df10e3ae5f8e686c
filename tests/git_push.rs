//! `LocalRepo::push` and `fetch` over real smart HTTP (our sandbox engine behind axum on
//! loopback) with token credentials: acceptance, a rejection reported as an outcome, the
//! stale-old-sha lease, credential failures without an auth loop, and no token on disk.

mod smart_http_support;

use breakglass::forge::sandbox::smart_http::Verdict;
use breakglass::forge::token::TokenHost;
use breakglass::git::{Credentials, GitError, LocalRepo, PushRequest};
use breakglass::secret::Secret;
use git2::{Oid, Repository};
use smart_http_support::{GitServer, commit_file};

const TOKEN: &str = "sandbox_canary_7f3a9c";

/// A clone (made with our own fetch, with the token) whose local `main` has one fix commit
/// on top of the server's `main`.
struct Fixture {
    server: GitServer,
    _dir: tempfile::TempDir,
    local: LocalRepo,
    base: Oid,
    fix: Oid,
}

fn fixture() -> Fixture {
    let server = GitServer::start(Some(TOKEN));
    let (_bare, base) = server.seed("acme", "api");
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path().join("work")).unwrap();
    repo.remote("origin", &server.url("acme", "api")).unwrap();
    let local = LocalRepo::discover(&dir.path().join("work")).unwrap();
    let fetched = local.fetch("origin", "main", &token()).unwrap();
    assert_eq!(fetched, Some(base));
    let fix = commit_file(
        local.git2(),
        Some("refs/heads/main"),
        &[base],
        "fix.txt",
        "fix\n",
        "Fix outage",
    );
    Fixture {
        server,
        _dir: dir,
        local,
        base,
        fix,
    }
}

fn token() -> Credentials {
    Credentials::token(Secret::new(TOKEN))
}

fn request(f: &Fixture, expected_old: Option<Oid>) -> PushRequest<'static> {
    PushRequest {
        remote: "origin",
        branch: "main",
        new: f.fix,
        expected_old,
    }
}

fn server_main(f: &Fixture) -> Oid {
    Repository::open_bare(f.server.repo_path("acme", "api"))
        .unwrap()
        .refname_to_id("refs/heads/main")
        .unwrap()
}

fn files_containing(dir: &std::path::Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            hits.extend(files_containing(&path, needle));
        } else if std::fs::read(&path)
            .unwrap()
            .windows(needle.len())
            .any(|w| w == needle)
        {
            hits.push(path);
        }
    }
    hits
}

#[test]
fn a_push_with_the_token_is_accepted_and_the_token_is_written_nowhere() {
    let f = fixture();
    f.server.set_policy(Box::new(|_| Verdict::Allow {
        remote_lines: vec!["Bypassed rule violations for refs/heads/main:".to_owned()],
    }));

    let outcome = f.local.push(&request(&f, Some(f.base)), &token()).unwrap();

    assert!(outcome.accepted, "{outcome:?}");
    assert_eq!(outcome.status, None);
    assert_eq!(
        outcome.remote_lines,
        vec!["Bypassed rule violations for refs/heads/main:"]
    );
    assert_eq!((outcome.old, outcome.new), (f.base, f.fix));
    assert_eq!(server_main(&f), f.fix);
    let git_dir = f.local.git2().path();
    assert_eq!(
        files_containing(git_dir, TOKEN.as_bytes()),
        Vec::<std::path::PathBuf>::new()
    );
    assert!(!format!("{outcome:?}").contains(TOKEN));
}

#[test]
fn a_rejected_push_is_an_outcome_with_the_remote_status_and_lines() {
    let f = fixture();
    f.server.set_policy(Box::new(|_| Verdict::Reject {
        status: "protected branch hook declined".to_owned(),
        remote_lines: vec![
            "error: GH006: Protected branch update failed for refs/heads/main.".to_owned(),
            "error: Required status check \"ci\" is expected.\u{1b}[2J".to_owned(),
        ],
    }));

    let outcome = f.local.push(&request(&f, Some(f.base)), &token()).unwrap();

    assert!(!outcome.accepted);
    assert_eq!(
        outcome.status.as_deref(),
        Some("protected branch hook declined")
    );
    assert_eq!(
        outcome.remote_lines,
        vec![
            "error: GH006: Protected branch update failed for refs/heads/main.",
            "error: Required status check \"ci\" is expected.\\u{1b}[2J",
        ]
    );
    assert_eq!(server_main(&f), f.base);
}

#[test]
fn a_stale_expected_old_sha_stops_the_push_before_anything_is_sent() {
    let f = fixture();
    let stale = Oid::from_str(&"ab".repeat(20)).unwrap();

    let error = f
        .local
        .push(&request(&f, Some(stale)), &token())
        .unwrap_err();

    assert!(matches!(error, GitError::RemoteMoved { .. }), "{error}");
    assert!(error.to_string().contains("someone else pushed"), "{error}");
    assert_eq!(server_main(&f), f.base);
    assert!(
        f.server.seen().is_empty(),
        "no ref update may reach the server"
    );
}

#[test]
fn expecting_a_new_branch_where_one_exists_is_a_moved_remote() {
    let f = fixture();
    let error = f.local.push(&request(&f, None), &token()).unwrap_err();
    assert!(matches!(error, GitError::RemoteMoved { .. }), "{error}");
}

#[test]
fn a_wrong_token_fails_once_with_guidance_instead_of_looping() {
    let f = fixture();
    let before = f.server.unauthorized();

    let error = f
        .local
        .push(
            &request(&f, Some(f.base)),
            &Credentials::token(Secret::new("wrong")),
        )
        .unwrap_err();

    assert!(
        matches!(error, GitError::CredentialsRejected { .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("refused the credentials"),
        "{error}"
    );
    let refused = f.server.unauthorized() - before;
    // The unauthenticated first request, then one with the token; never a retry loop.
    assert_eq!(refused, 2, "{refused} unauthorized requests");
    assert_eq!(server_main(&f), f.base);
}

#[test]
fn no_token_for_a_server_that_wants_one_says_to_set_gh_token() {
    let f = fixture();
    let error = f
        .local
        .fetch("origin", "main", &Credentials::none())
        .unwrap_err();
    assert!(matches!(error, GitError::NoCredentials { .. }), "{error}");
    assert!(error.to_string().contains("set GH_TOKEN"), "{error}");
}

#[test]
fn an_unreachable_forge_is_a_transport_error() {
    let f = fixture();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    f.local
        .git2()
        .remote_set_url(
            "origin",
            &format!("http://127.0.0.1:{port}/git/acme/api.git"),
        )
        .unwrap();

    let error = f
        .local
        .push(&request(&f, Some(f.base)), &token())
        .unwrap_err();

    assert!(matches!(error, GitError::Transport { .. }), "{error}");
    assert!(error.to_string().contains("check the network"), "{error}");
}

#[test]
fn a_token_found_for_another_host_is_never_offered_to_this_remote() {
    let f = fixture();
    let before = f.server.unauthorized();
    let remote = url::Url::parse(&f.server.url("acme", "api")).unwrap();
    // The same address on another port is another server.
    let elsewhere = TokenHost::of_git_remote(remote.host_str().unwrap(), Some(1));

    let error = f
        .local
        .push(
            &request(&f, Some(f.base)),
            &Credentials::token_for_host(Secret::new(TOKEN), elsewhere),
        )
        .unwrap_err();

    assert!(
        matches!(error, GitError::TokenForOtherHost { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("127.0.0.1:1"), "{error}");
    assert_eq!(
        f.server.unauthorized() - before,
        1,
        "only the unauthenticated request: the token was not sent"
    );
    assert_eq!(server_main(&f), f.base);

    // Bound to the remote's own host, it is offered and the push lands.
    let here = TokenHost::of_git_remote(remote.host_str().unwrap(), remote.port());
    let outcome = f
        .local
        .push(
            &request(&f, Some(f.base)),
            &Credentials::token_for_host(Secret::new(TOKEN), here),
        )
        .unwrap();
    assert!(outcome.accepted, "{outcome:?}");
    assert_eq!(server_main(&f), f.fix);
}
