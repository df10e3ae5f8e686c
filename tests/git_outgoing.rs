//! `git::LocalRepo` on real repositories with a file-path remote: discovery, the forge
//! remote, fetch, the outgoing commits and the fast-forward-only rule.

mod smart_http_support;

use breakglass::git::{Credentials, GitError, LocalRepo};
use git2::{Oid, Repository};
use smart_http_support::commit_file;

/// A bare "forge" repository with `main` at one commit, and a clone of it.
struct Fixture {
    _dir: tempfile::TempDir,
    server: Repository,
    clone: Repository,
    base: Oid,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let server = Repository::init_bare(dir.path().join("server.git")).unwrap();
    let base = commit_file(
        &server,
        Some("refs/heads/main"),
        &[],
        "README",
        "hello\n",
        "Initial commit",
    );
    server.set_head("refs/heads/main").unwrap();
    let clone = Repository::clone(
        dir.path().join("server.git").to_str().unwrap(),
        dir.path().join("clone"),
    )
    .unwrap();
    Fixture {
        _dir: dir,
        server,
        clone,
        base,
    }
}

fn open(fixture: &Fixture) -> LocalRepo {
    LocalRepo::discover(fixture.clone.workdir().unwrap()).unwrap()
}

#[test]
fn discovery_walks_upwards_and_names_the_fix_when_there_is_no_repository() {
    let f = fixture();
    let nested = f.clone.workdir().unwrap().join("src/deep");
    std::fs::create_dir_all(&nested).unwrap();
    let repo = LocalRepo::discover(&nested).unwrap();
    assert_eq!(
        repo.path().canonicalize().unwrap(),
        f.clone.workdir().unwrap().canonicalize().unwrap()
    );

    let elsewhere = tempfile::tempdir().unwrap();
    let error = LocalRepo::discover(elsewhere.path()).err().unwrap();
    assert!(matches!(error, GitError::NotARepository { .. }));
    assert!(error.to_string().contains("pass --repo-dir DIR"), "{error}");
}

#[test]
fn a_file_remote_or_a_missing_remote_is_refused_with_what_to_do() {
    let f = fixture();
    let repo = open(&f);
    let error = repo.forge_remote("origin").unwrap_err();
    assert!(matches!(error, GitError::NotAForgeUrl { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("which is not a forge URL; pass --remote NAME"),
        "{error}"
    );

    let error = repo.forge_remote("upstream").unwrap_err();
    assert_eq!(
        error.to_string(),
        "the repository has no remote named upstream (remotes: origin); pass --remote NAME for the remote that points at GitHub"
    );

    f.clone
        .remote("github", "git@github.com:acme/api.git")
        .unwrap();
    let remote = repo.forge_remote("github").unwrap();
    assert_eq!(remote.repo.to_string(), "acme/api");
}

#[test]
fn fetch_reports_the_remote_head_and_none_for_a_missing_branch() {
    let f = fixture();
    let repo = open(&f);
    assert_eq!(
        repo.fetch("origin", "main", &Credentials::none()).unwrap(),
        Some(f.base)
    );

    let moved = commit_file(
        &f.server,
        Some("refs/heads/main"),
        &[f.base],
        "b",
        "b\n",
        "Upstream change",
    );
    assert_eq!(
        repo.fetch("origin", "main", &Credentials::none()).unwrap(),
        Some(moved)
    );
    assert_eq!(
        f.clone.refname_to_id("refs/remotes/origin/main").unwrap(),
        moved,
        "the tracking ref follows the fetch"
    );
    assert_eq!(
        repo.fetch("origin", "nope", &Credentials::none()).unwrap(),
        None
    );
}

#[test]
fn outgoing_lists_local_commits_oldest_first_with_sanitised_text() {
    let f = fixture();
    let repo = open(&f);
    let first = commit_file(
        &f.clone,
        Some("refs/heads/main"),
        &[f.base],
        "a",
        "a\n",
        "Fix the cache key",
    );
    let second = commit_file(
        &f.clone,
        Some("refs/heads/main"),
        &[first],
        "b",
        "bb\n",
        "Log it \u{1b}[31mloudly\u{1b}[0m\n\nbody",
    );
    let remote_head = repo.fetch("origin", "main", &Credentials::none()).unwrap();

    let outgoing = repo
        .outgoing(
            "origin",
            "main",
            remote_head,
            repo.local_head("main").unwrap(),
        )
        .unwrap();

    let shas: Vec<Oid> = outgoing.iter().map(|c| c.sha).collect();
    assert_eq!(shas, vec![first, second]);
    assert_eq!(outgoing[0].summary, "Fix the cache key");
    assert_eq!(outgoing[0].author, "Ada <ada@example.com>");
    assert!(!outgoing[0].signed);
    assert_eq!(outgoing[1].summary, "Log it \\u{1b}[31mloudly\\u{1b}[0m");

    let nothing = repo
        .outgoing("origin", "main", remote_head, f.base)
        .unwrap();
    assert!(nothing.is_empty());
    let new_branch = repo.outgoing("origin", "main", None, second).unwrap();
    assert_eq!(
        new_branch.len(),
        3,
        "with no remote branch, everything is outgoing"
    );
}

#[test]
fn a_diverged_branch_is_refused_with_fetch_and_rebase_advice() {
    let f = fixture();
    let repo = open(&f);
    let local = commit_file(
        &f.clone,
        Some("refs/heads/main"),
        &[f.base],
        "a",
        "a\n",
        "Local fix",
    );
    commit_file(
        &f.server,
        Some("refs/heads/main"),
        &[f.base],
        "b",
        "b\n",
        "Someone else's change",
    );
    let remote_head = repo.fetch("origin", "main", &Credentials::none()).unwrap();

    let error = repo
        .outgoing("origin", "main", remote_head, local)
        .unwrap_err();

    assert!(matches!(error, GitError::NotFastForward { .. }), "{error}");
    let text = error.to_string();
    assert!(
        text.contains("is not a fast-forward of origin/main"),
        "{text}"
    );
    assert!(
        text.contains("fetch and rebase onto the remote branch"),
        "{text}"
    );
}

#[test]
fn a_remote_head_this_clone_lacks_asks_for_a_fetch() {
    let f = fixture();
    let repo = open(&f);
    let unseen = commit_file(&f.server, None, &[f.base], "b", "b\n", "Not fetched");

    let error = repo
        .outgoing("origin", "main", Some(unseen), f.base)
        .unwrap_err();

    assert!(
        matches!(error, GitError::RemoteHeadNotFetched { .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("fetch origin and try again"),
        "{error}"
    );
}
