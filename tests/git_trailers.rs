//! Break-glass trailers on real commits: what is kept, idempotence, and the refusal to
//! strip a signature.

mod smart_http_support;

use breakglass::git::{Credentials, GitError, LocalRepo, Trailers};
use git2::{Oid, Repository};
use smart_http_support::commit_file;

struct Fixture {
    _dir: tempfile::TempDir,
    local: LocalRepo,
    base: Oid,
}

/// A clone of a file-path "forge" whose `main` is at `base`.
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
    Repository::clone(
        dir.path().join("server.git").to_str().unwrap(),
        dir.path().join("clone"),
    )
    .unwrap();
    let local = LocalRepo::discover(&dir.path().join("clone")).unwrap();
    Fixture {
        _dir: dir,
        local,
        base,
    }
}

fn trailers() -> Trailers {
    Trailers {
        incident: "INC-2041".to_owned(),
        audit_head: "9f2c4e".to_owned(),
    }
}

fn signed_commit(repo: &Repository, parent: Oid, message: &str) -> Oid {
    let parent = repo.find_commit(parent).unwrap();
    let author = smart_http_support::signature("Ada", 1_700_000_100);
    let buffer = repo
        .commit_create_buffer(
            &author,
            &author,
            message,
            &parent.tree().unwrap(),
            &[&parent],
        )
        .unwrap();
    let signature = "-----BEGIN PGP SIGNATURE-----\n\n iQEzBAABCAAdFiEEfake\n=abcd\n-----END PGP SIGNATURE-----";
    let oid = repo
        .commit_signed(buffer.as_str().unwrap(), signature, None)
        .unwrap();
    repo.reference("refs/heads/main", oid, true, "signed")
        .unwrap();
    oid
}

#[test]
fn trailers_are_appended_and_everything_else_is_kept() {
    let f = fixture();
    let repo = f.local.git2();
    let first = commit_file(
        repo,
        Some("refs/heads/main"),
        &[f.base],
        "a",
        "a\n",
        "Fix the cache key\n\nIt expired too early.\n",
    );
    let second = commit_file(
        repo,
        Some("refs/heads/main"),
        &[first],
        "b",
        "bb\n",
        "Log the miss\n\nSigned-off-by: Ada <ada@example.com>\n",
    );
    let remote_head = f
        .local
        .fetch("origin", "main", &Credentials::none())
        .unwrap();

    let rewrite = f
        .local
        .add_trailers("main", remote_head, &trailers())
        .unwrap();

    assert_eq!(rewrite.commits.len(), 2);
    assert_eq!(
        (rewrite.commits[0].old, rewrite.commits[1].old),
        (first, second)
    );
    assert_eq!(repo.refname_to_id("refs/heads/main").unwrap(), rewrite.head);
    assert_eq!(rewrite.head, rewrite.commits[1].new);
    for (rewritten, expected_message) in rewrite.commits.iter().zip([
        "Fix the cache key\n\nIt expired too early.\n\nBreak-Glass-Incident: INC-2041\nBreak-Glass-Audit: 9f2c4e\n",
        "Log the miss\n\nSigned-off-by: Ada <ada@example.com>\nBreak-Glass-Incident: INC-2041\nBreak-Glass-Audit: 9f2c4e\n",
    ]) {
        let old = repo.find_commit(rewritten.old).unwrap();
        let new = repo.find_commit(rewritten.new).unwrap();
        assert_ne!(old.id(), new.id());
        assert_eq!(new.message().unwrap(), expected_message);
        assert_eq!(new.tree_id(), old.tree_id());
        for (a, b) in [(old.author(), new.author()), (old.committer(), new.committer())] {
            assert_eq!(a.name(), b.name());
            assert_eq!(a.email(), b.email());
            assert_eq!(a.when(), b.when());
            assert_eq!(a.when().offset_minutes(), b.when().offset_minutes());
        }
    }
    let new_first = repo.find_commit(rewrite.commits[0].new).unwrap();
    let new_second = repo.find_commit(rewrite.commits[1].new).unwrap();
    assert_eq!(
        new_first.parent_id(0).unwrap(),
        f.base,
        "the remote's commits are untouched"
    );
    assert_eq!(new_second.parent_id(0).unwrap(), new_first.id());
}

#[test]
fn adding_the_same_trailers_again_rewrites_nothing() {
    let f = fixture();
    let repo = f.local.git2();
    commit_file(repo, Some("refs/heads/main"), &[f.base], "a", "a\n", "Fix");
    let once = f
        .local
        .add_trailers("main", Some(f.base), &trailers())
        .unwrap();

    let twice = f
        .local
        .add_trailers("main", Some(f.base), &trailers())
        .unwrap();

    assert_eq!(twice.head, once.head);
    assert!(twice.commits.iter().all(|c| c.old == c.new), "{twice:?}");
    assert_eq!(repo.refname_to_id("refs/heads/main").unwrap(), once.head);
}

#[test]
fn a_signed_commit_that_needs_trailers_is_refused_and_nothing_moves() {
    let f = fixture();
    let repo = f.local.git2();
    let signed = signed_commit(repo, f.base, "Fix, signed\n");
    commit_file(
        repo,
        Some("refs/heads/main"),
        &[signed],
        "b",
        "b\n",
        "Follow-up",
    );
    let head_before = repo.refname_to_id("refs/heads/main").unwrap();
    let outgoing = f
        .local
        .outgoing("origin", "main", Some(f.base), head_before)
        .unwrap();
    assert!(outgoing[0].signed && !outgoing[1].signed);

    let error = f
        .local
        .add_trailers("main", Some(f.base), &trailers())
        .unwrap_err();

    assert!(matches!(error, GitError::SignedCommit { .. }), "{error}");
    assert_eq!(
        error.to_string(),
        format!(
            "commit {} is signed; adding trailers would drop its signature — re-sign after, or push with --no-trailers",
            &signed.to_string()[..7]
        )
    );
    assert_eq!(repo.refname_to_id("refs/heads/main").unwrap(), head_before);
}

#[test]
fn a_signed_commit_that_already_carries_the_trailers_is_kept() {
    let f = fixture();
    let repo = f.local.git2();
    let signed = signed_commit(
        repo,
        f.base,
        "Fix, signed\n\nBreak-Glass-Incident: INC-2041\nBreak-Glass-Audit: 9f2c4e\n",
    );
    let follow_up = commit_file(
        repo,
        Some("refs/heads/main"),
        &[signed],
        "b",
        "b\n",
        "Follow-up",
    );

    let rewrite = f
        .local
        .add_trailers("main", Some(f.base), &trailers())
        .unwrap();

    assert_eq!(
        rewrite.commits[0].new, signed,
        "the signed commit keeps its id"
    );
    assert_ne!(rewrite.commits[1].new, follow_up);
    assert_eq!(
        repo.find_commit(rewrite.head)
            .unwrap()
            .parent_id(0)
            .unwrap(),
        signed
    );
}

#[test]
fn a_merge_among_the_outgoing_commits_is_refused() {
    let f = fixture();
    let repo = f.local.git2();
    let left = commit_file(repo, None, &[f.base], "l", "l\n", "Left");
    let right = commit_file(repo, None, &[f.base], "r", "rr\n", "Right");
    let merge = commit_file(repo, None, &[left, right], "m", "m\n", "Merge");
    repo.reference("refs/heads/main", merge, true, "merge")
        .unwrap();

    let error = f
        .local
        .add_trailers("main", Some(f.base), &trailers())
        .unwrap_err();

    assert!(matches!(error, GitError::MergeCommit { .. }), "{error}");
}
