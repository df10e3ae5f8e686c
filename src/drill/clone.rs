//! The drill's working copy: a real clone of the sandbox repository over smart HTTP, with
//! a prepared fix commit on `main`, as an engineer would have it when the incident starts.

use crate::secret::Secret;
use git2::{Cred, FetchOptions, RemoteCallbacks, Repository, Signature, build::RepoBuilder};
use std::path::Path;

/// The file the drill's fix changes.
pub const FIX_FILE: &str = "HOTFIX.md";

/// Clones `url` into `dir` with `token` (never written into `.git/config`) and commits a
/// fix on the checked-out branch. Returns the fix commit's SHA.
pub fn clone_with_fix(url: &str, dir: &Path, token: &Secret) -> Result<String, git2::Error> {
    let mut callbacks = RemoteCallbacks::new();
    let token = token.clone();
    let mut tries = 0;
    callbacks.credentials(move |_url, _user, _allowed| {
        tries += 1;
        if tries > 1 {
            return Err(git2::Error::from_str(
                "the sandbox refused the drill's token",
            ));
        }
        Cred::userpass_plaintext("x-access-token", token.expose())
    });
    let mut fetch = FetchOptions::new();
    fetch.remote_callbacks(callbacks);
    let repo = RepoBuilder::new().fetch_options(fetch).clone(url, dir)?;
    commit_fix(&repo)
}

fn commit_fix(repo: &Repository) -> Result<String, git2::Error> {
    let workdir = repo.workdir().expect("a clone has a working directory");
    std::fs::write(
        workdir.join(FIX_FILE),
        "Roll back the checkout timeout to 5s (drill fix).\n",
    )
    .map_err(|e| git2::Error::from_str(&format!("writing the fix: {e}")))?;
    let mut index = repo.index()?;
    index.add_path(Path::new(FIX_FILE))?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let parent = repo.head()?.peel_to_commit()?;
    let who = Signature::now("Drill Commander", "commander@example.com")?;
    let oid = repo.commit(
        Some("HEAD"),
        &who,
        &who,
        "Fix checkout timeouts\n\nRoll back the timeout change that took checkout down.\n",
        &tree,
        &[&parent],
    )?;
    Ok(oid.to_string())
}

/// A colleague's merged change lands on `branch` of the bare repository at `bare`, the way
/// a merged pull request moves it on the forge. Returns the new head.
pub fn colleague_merges(bare: &Path, branch: &str) -> Result<String, git2::Error> {
    let repo = Repository::open_bare(bare)?;
    let reference = format!("refs/heads/{branch}");
    let parent = repo.find_reference(&reference)?.peel_to_commit()?;
    let blob = repo.blob(b"Checkout retries once on timeout (a colleague's change).\n")?;
    let mut tree = repo.treebuilder(Some(&parent.tree()?))?;
    tree.insert("RETRY.md", blob, 0o100644)?;
    let tree = repo.find_tree(tree.write()?)?;
    let who = Signature::now("A Colleague", "colleague@example.com")?;
    let oid = repo.commit(
        Some(&reference),
        &who,
        &who,
        "Retry checkout once on timeout (merged pull request)\n",
        &tree,
        &[&parent],
    )?;
    Ok(oid.to_string())
}
