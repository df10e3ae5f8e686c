//! Git over smart HTTP against the sandbox: clone with git2 and the git CLI, and pushes
//! refused or allowed with GitHub's texts (GH006, GH013, "Bypassed rule violations").

mod sandbox_support;

use base64::Engine;
use breakglass::forge::RepoId;
use breakglass::forge::sandbox::SandboxHandle;
use sandbox_support::{as_user, raw, start};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn callbacks<'a>(
    token: &'a str,
    lines: Option<&'a mut Vec<String>>,
    status: Option<&'a mut Vec<(String, Option<String>)>>,
) -> git2::RemoteCallbacks<'a> {
    let mut cb = git2::RemoteCallbacks::new();
    let mut attempts = 0;
    cb.credentials(move |_, _, _| {
        attempts += 1;
        if attempts > 1 {
            return Err(git2::Error::from_str("sandbox refused the token"));
        }
        git2::Cred::userpass_plaintext("x-access-token", token)
    });
    if let Some(lines) = lines {
        cb.sideband_progress(move |bytes| {
            let text = String::from_utf8_lossy(bytes);
            lines.extend(
                text.split(['\n', '\r'])
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| l.trim().to_owned()),
            );
            true
        });
    }
    if let Some(status) = status {
        cb.push_update_reference(move |refname, st| {
            status.push((refname.to_owned(), st.map(str::to_owned)));
            Ok(())
        });
    }
    cb
}

fn clone(url: &str, token: &str, into: &Path) -> git2::Repository {
    let mut fetch = git2::FetchOptions::new();
    fetch.remote_callbacks(callbacks(token, None, None));
    git2::build::RepoBuilder::new()
        .fetch_options(fetch)
        .clone(url, into)
        .expect("clone over smart HTTP")
}

/// Commits a new file on top of HEAD (or on `parent` when given) and returns its id.
fn commit(repo: &git2::Repository, file: &str, parent: Option<git2::Oid>) -> git2::Oid {
    let parent = match parent {
        Some(p) => repo.find_commit(p).unwrap(),
        None => repo.head().unwrap().peel_to_commit().unwrap(),
    };
    let mut tree = repo.treebuilder(Some(&parent.tree().unwrap())).unwrap();
    tree.insert(file, repo.blob(file.as_bytes()).unwrap(), 0o100644)
        .unwrap();
    let tree = repo.find_tree(tree.write().unwrap()).unwrap();
    let sig = git2::Signature::now("Tester", "t@acme.test").unwrap();
    let id = repo
        .commit(None, &sig, &sig, &format!("Add {file}"), &tree, &[&parent])
        .unwrap();
    repo.reference("refs/heads/main", id, true, "test").unwrap();
    id
}

struct Pushed {
    status: Option<String>,
    lines: Vec<String>,
}

fn push(repo: &git2::Repository, token: &str, refspec: &str) -> Pushed {
    let mut lines = Vec::new();
    let mut statuses = Vec::new();
    {
        let mut options = git2::PushOptions::new();
        options.remote_callbacks(callbacks(token, Some(&mut lines), Some(&mut statuses)));
        let mut remote = repo.find_remote("origin").unwrap();
        remote
            .push(&[refspec], Some(&mut options))
            .expect("push transport works");
    }
    assert_eq!(statuses.len(), 1, "one ref reported: {statuses:?}");
    Pushed {
        status: statuses.remove(0).1,
        lines,
    }
}

struct Clones {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Clones {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        Clones { _dir: dir, root }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

fn url_and_token(sb: &SandboxHandle, repo: &str, login: &str) -> (String, String) {
    let (owner, name) = repo.split_once('/').unwrap();
    (
        sb.clone_url(&RepoId::new(owner, name)),
        sb.token(login).expose().to_owned(),
    )
}

#[tokio::test]
async fn git_requests_without_credentials_get_a_basic_challenge() {
    let sb = start().await;
    let path = "/git/acme/api.git/info/refs?service=git-upload-pack";
    let resp = raw(
        &sb.api_url(),
        "GET",
        path,
        &[],
        None,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(resp.status, 401);
    assert_eq!(
        resp.header("www-authenticate"),
        Some("Basic realm=\"breakglass-sandbox\"")
    );
    let wrong = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("x:bgs_wrong")
    );
    let resp = raw(
        &sb.api_url(),
        "GET",
        path,
        &[("Authorization", &wrong)],
        None,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(resp.status, 401);
    let right = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("x:{}", sb.token("dev").expose()))
    );
    let resp = raw(
        &sb.api_url(),
        "GET",
        "/git/acme/nope.git/info/refs?service=git-upload-pack",
        &[("Authorization", &right)],
        None,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(resp.status, 404);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clone_with_git2_and_with_the_git_cli() {
    let sb = start().await;
    let clones = Clones::new();
    let (url, token) = url_and_token(&sb, "acme/api", "dev");
    let head = sb.branch_head(&RepoId::new("acme", "api"), "main").unwrap();
    let (into, u, t) = (clones.path("git2"), url.clone(), token.clone());
    let cloned_head = blocking(move || {
        let repo = clone(&u, &t, &into);
        assert!(into.join("README.md").exists());
        repo.head().unwrap().target().unwrap().to_string()
    })
    .await;
    assert_eq!(cloned_head, head);

    let into = clones.path("cli");
    let header = format!(
        "http.extraHeader=Authorization: Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("x:{token}"))
    );
    let out = tokio::process::Command::new("git")
        .args(["-c", &header, "clone", "--quiet", &url])
        .arg(&into)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "git clone: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(into.join("src/service.py").exists());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classic_protection_refuses_everyone_until_enforce_admins_is_off_then_only_the_admin_bypasses()
 {
    let sb = start().await;
    let clones = Clones::new();
    let (url, commander) = url_and_token(&sb, "acme/api", "commander");
    let dev = sb.token("dev").expose().to_owned();
    let (c_dir, d_dir) = (clones.path("commander"), clones.path("dev"));

    let (u, t, dir) = (url.clone(), commander.clone(), c_dir.clone());
    let refused = blocking(move || {
        let repo = clone(&u, &t, &dir);
        commit(&repo, "HOTFIX.md", None);
        push(&repo, &t, "refs/heads/main:refs/heads/main")
    })
    .await;
    assert_eq!(
        refused.status.as_deref(),
        Some("protected branch hook declined")
    );
    assert!(
        refused
            .lines
            .iter()
            .any(|l| l.contains("GH006: Protected branch update failed for refs/heads/main.")),
        "{:?}",
        refused.lines
    );
    assert!(
        refused
            .lines
            .iter()
            .any(|l| l.contains("Changes must be made through a pull request."))
    );
    assert!(
        refused
            .lines
            .iter()
            .any(|l| l.contains("Required status check \"ci\" is expected."))
    );

    let off = as_user(
        &sb,
        "commander",
        "DELETE",
        "/repos/acme/api/branches/main/protection/enforce_admins",
        None,
    )
    .await;
    assert_eq!(off.status, 204);

    let (u, t, dir) = (url.clone(), dev.clone(), d_dir.clone());
    let dev_push = blocking(move || {
        let repo = clone(&u, &t, &dir);
        commit(&repo, "DEV.md", None);
        push(&repo, &t, "refs/heads/main:refs/heads/main")
    })
    .await;
    assert_eq!(
        dev_push.status.as_deref(),
        Some("protected branch hook declined"),
        "a writer is still refused"
    );

    let (t, dir) = (commander.clone(), c_dir.clone());
    let landed = blocking(move || {
        let repo = git2::Repository::open(&dir).unwrap();
        let pushed = push(&repo, &t, "refs/heads/main:refs/heads/main");
        (pushed, repo.head().unwrap().target().unwrap().to_string())
    })
    .await;
    assert_eq!(landed.0.status, None, "{:?}", landed.0.lines);
    assert!(
        landed
            .0
            .lines
            .iter()
            .any(|l| l.contains("Bypassed rule violations for refs/heads/main:")),
        "{:?}",
        landed.0.lines
    );
    assert_eq!(
        sb.branch_head(&RepoId::new("acme", "api"), "main").unwrap(),
        landed.1
    );

    // Force pushes and deletions stay refused even for the bypassing admin.
    let (t, dir) = (commander.clone(), c_dir.clone());
    let (forced, deleted) = blocking(move || {
        let repo = git2::Repository::open(&dir).unwrap();
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let grandparent = head.parent_id(0).unwrap();
        commit(&repo, "REWRITE.md", Some(grandparent));
        (
            push(&repo, &t, "+refs/heads/main:refs/heads/main"),
            push(&repo, &t, ":refs/heads/main"),
        )
    })
    .await;
    assert_eq!(
        forced.status.as_deref(),
        Some("protected branch hook declined")
    );
    assert!(
        forced
            .lines
            .iter()
            .any(|l| l.contains("Cannot force-push to this branch")),
        "{:?}",
        forced.lines
    );
    assert_eq!(
        deleted.status.as_deref(),
        Some("protected branch hook declined")
    );
    assert!(
        deleted
            .lines
            .iter()
            .any(|l| l.contains("Cannot delete this branch")),
        "{:?}",
        deleted.lines
    );
    assert_eq!(
        sb.branch_head(&RepoId::new("acme", "api"), "main").unwrap(),
        landed.1
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rulesets_refuse_with_gh013_and_let_a_bypass_actor_through() {
    let sb = start().await;
    let clones = Clones::new();
    let (url, dev) = url_and_token(&sb, "acme/web", "dev");
    let dir = clones.path("web");

    let (u, t, d) = (url.clone(), dev.clone(), dir.clone());
    let refused = blocking(move || {
        let repo = clone(&u, &t, &d);
        commit(&repo, "HOTFIX.md", None);
        push(&repo, &t, "refs/heads/main:refs/heads/main")
    })
    .await;
    assert_eq!(
        refused.status.as_deref(),
        Some("push declined due to repository rule violations")
    );
    assert!(
        refused
            .lines
            .iter()
            .any(|l| l.contains("GH013: Repository rule violations found for refs/heads/main.")),
        "{:?}",
        refused.lines
    );
    assert!(
        refused
            .lines
            .iter()
            .any(|l| l.contains("- Changes must be made through a pull request."))
    );

    let bypass = json!({"bypass_actors": [{"actor_id": 1002, "actor_type": "User", "bypass_mode": "always"}]});
    assert_eq!(
        as_user(
            &sb,
            "commander",
            "PUT",
            "/repos/acme/web/rulesets/101",
            Some(bypass)
        )
        .await
        .status,
        200
    );

    let (t, d) = (dev.clone(), dir.clone());
    let landed = blocking(move || {
        let repo = git2::Repository::open(&d).unwrap();
        push(&repo, &t, "refs/heads/main:refs/heads/main")
    })
    .await;
    assert_eq!(landed.status, None, "{:?}", landed.lines);
    assert!(
        landed
            .lines
            .iter()
            .any(|l| l.contains("Bypassed rule violations for refs/heads/main:"))
    );

    let (reviewer_url, reviewer) = url_and_token(&sb, "acme/web", "reviewer");
    let other = clones.path("reviewer");
    let still_refused = blocking(move || {
        let repo = clone(&reviewer_url, &reviewer, &other);
        commit(&repo, "REVIEWER.md", None);
        push(&repo, &reviewer, "refs/heads/main:refs/heads/main")
    })
    .await;
    assert_eq!(
        still_refused.status.as_deref(),
        Some("push declined due to repository rule violations")
    );
    sb.shutdown().await;
}
