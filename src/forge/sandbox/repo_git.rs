//! Reads and edits the sandbox's bare repositories with git2 for the REST API: branch
//! heads, refs, commit details and comparisons.
//!
//! No HTTP and no protection rules here; callers decide whether a change is allowed.

use git2::{Oid, Repository};
use std::path::{Path, PathBuf};

pub fn repo_path(root: &Path, owner: &str, name: &str) -> PathBuf {
    root.join(owner).join(format!("{name}.git"))
}

fn open(path: &Path) -> Option<Repository> {
    Repository::open_bare(path).ok()
}

pub fn branch_sha(path: &Path, branch: &str) -> Option<String> {
    ref_target(path, &format!("refs/heads/{branch}"))
}

pub fn ref_target(path: &Path, full_ref: &str) -> Option<String> {
    let repo = open(path)?;
    let reference = repo.find_reference(full_ref).ok()?;
    reference.target().map(|o| o.to_string())
}

/// Resolves a branch name, a full ref or a (possibly abbreviated) commit SHA to a commit.
pub fn resolve_commit(path: &Path, rev: &str) -> Option<Oid> {
    let repo = open(path)?;
    for candidate in [
        format!("refs/heads/{rev}"),
        format!("refs/tags/{rev}"),
        rev.to_owned(),
    ] {
        if let Ok(obj) = repo.revparse_single(&candidate)
            && let Ok(commit) = obj.peel_to_commit()
        {
            return Some(commit.id());
        }
    }
    None
}

/// One commit as the REST API describes it.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub sha: String,
    pub message: String,
    pub author_name: String,
    pub author_email: String,
    /// The author's time, seconds since the epoch.
    pub time: i64,
    pub committer_name: String,
    pub committer_email: String,
    pub committer_time: i64,
    pub tree: String,
    pub parents: Vec<String>,
}

fn info(commit: &git2::Commit) -> CommitInfo {
    let author = commit.author();
    let committer = commit.committer();
    CommitInfo {
        sha: commit.id().to_string(),
        message: crate::text::sanitize(commit.message().unwrap_or("")),
        author_name: crate::text::sanitize_line(author.name().unwrap_or("")),
        author_email: crate::text::sanitize_line(author.email().unwrap_or("")),
        time: author.when().seconds(),
        committer_name: crate::text::sanitize_line(committer.name().unwrap_or("")),
        committer_email: crate::text::sanitize_line(committer.email().unwrap_or("")),
        committer_time: committer.when().seconds(),
        tree: commit.tree_id().to_string(),
        parents: commit.parent_ids().map(|p| p.to_string()).collect(),
    }
}

pub fn commit_info(path: &Path, sha: &str) -> Option<CommitInfo> {
    let repo = open(path)?;
    let commit = repo.find_commit(Oid::from_str(sha).ok()?).ok()?;
    Some(info(&commit))
}

/// Why a ref edit failed, in GitHub's terms.
#[derive(Debug, PartialEq, Eq)]
pub enum RefEditError {
    AlreadyExists,
    Missing,
    NoSuchObject,
    NotFastForward,
    Other(String),
}

fn commit_oid(repo: &Repository, sha: &str) -> Result<Oid, RefEditError> {
    let oid = Oid::from_str(sha).map_err(|_| RefEditError::NoSuchObject)?;
    repo.find_commit(oid)
        .map_err(|_| RefEditError::NoSuchObject)?;
    Ok(oid)
}

fn repo_or_err(path: &Path) -> Result<Repository, RefEditError> {
    open(path).ok_or_else(|| RefEditError::Other("repository unavailable".into()))
}

pub fn create_ref(path: &Path, full_ref: &str, sha: &str) -> Result<(), RefEditError> {
    let repo = repo_or_err(path)?;
    if repo.find_reference(full_ref).is_ok() {
        return Err(RefEditError::AlreadyExists);
    }
    let oid = commit_oid(&repo, sha)?;
    repo.reference(full_ref, oid, false, "sandbox: create ref")
        .map(|_| ())
        .map_err(|e| RefEditError::Other(e.message().to_owned()))
}

/// Moves a ref; returns its previous target.
pub fn update_ref(
    path: &Path,
    full_ref: &str,
    sha: &str,
    force: bool,
) -> Result<Oid, RefEditError> {
    let repo = repo_or_err(path)?;
    let current = repo
        .find_reference(full_ref)
        .ok()
        .and_then(|r| r.target())
        .ok_or(RefEditError::Missing)?;
    let oid = commit_oid(&repo, sha)?;
    if !force && oid != current && !repo.graph_descendant_of(oid, current).unwrap_or(false) {
        return Err(RefEditError::NotFastForward);
    }
    repo.reference_matching(full_ref, oid, true, current, "sandbox: update ref")
        .map(|_| current)
        .map_err(|e| RefEditError::Other(e.message().to_owned()))
}

pub fn delete_ref(path: &Path, full_ref: &str) -> Result<(), RefEditError> {
    let repo = repo_or_err(path)?;
    let mut reference = repo
        .find_reference(full_ref)
        .map_err(|_| RefEditError::Missing)?;
    reference
        .delete()
        .map_err(|e| RefEditError::Other(e.message().to_owned()))
}

/// True when `new` descends from `old` (or equals it).
pub fn is_fast_forward(path: &Path, old: Oid, new: Oid) -> bool {
    open(path).is_some_and(|repo| old == new || repo.graph_descendant_of(new, old).unwrap_or(false))
}

/// True when the commits reachable from `new` but not from `old` include a merge.
pub fn adds_merge_commits(path: &Path, old: Oid, new: Oid) -> bool {
    let Some(repo) = open(path) else { return false };
    let Ok(mut walk) = repo.revwalk() else {
        return false;
    };
    if walk.push(new).is_err() || (!old.is_zero() && walk.hide(old).is_err()) {
        return false;
    }
    walk.filter_map(Result::ok)
        .filter_map(|oid| repo.find_commit(oid).ok())
        .any(|c| c.parent_count() > 1)
}

#[derive(Debug, Clone)]
pub struct FileChange {
    /// The file's blob after the change (before it, for a removed file).
    pub sha: String,
    pub filename: String,
    pub previous_filename: Option<String>,
    pub status: &'static str,
    pub additions: usize,
    pub deletions: usize,
}

#[derive(Debug, Clone)]
pub struct Comparison {
    pub status: &'static str,
    pub ahead_by: usize,
    pub behind_by: usize,
    pub base: CommitInfo,
    pub merge_base: CommitInfo,
    /// Commits in head and not in base, oldest first.
    pub commits: Vec<CommitInfo>,
    pub files: Vec<FileChange>,
}

/// `base...head` as GitHub compares: from the merge base to head.
pub fn compare(path: &Path, base: Oid, head: Oid) -> Option<Comparison> {
    let repo = open(path)?;
    let merge_base = repo.merge_base(base, head).ok()?;
    let (ahead_by, behind_by) = repo.graph_ahead_behind(head, base).ok()?;
    let status = match (ahead_by, behind_by) {
        (0, 0) => "identical",
        (_, 0) => "ahead",
        (0, _) => "behind",
        _ => "diverged",
    };
    let mut walk = repo.revwalk().ok()?;
    walk.push(head).ok()?;
    walk.hide(base).ok()?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)
        .ok()?;
    let commits = walk
        .filter_map(Result::ok)
        .filter_map(|oid| repo.find_commit(oid).ok())
        .map(|c| info(&c))
        .collect();
    let files = changed_files(&repo, merge_base, head)?;
    Some(Comparison {
        status,
        ahead_by,
        behind_by,
        base: info(&repo.find_commit(base).ok()?),
        merge_base: info(&repo.find_commit(merge_base).ok()?),
        commits,
        files,
    })
}

fn changed_files(repo: &Repository, from: Oid, to: Oid) -> Option<Vec<FileChange>> {
    let old_tree = repo.find_commit(from).ok()?.tree().ok()?;
    let new_tree = repo.find_commit(to).ok()?.tree().ok()?;
    let mut diff = repo
        .diff_tree_to_tree(Some(&old_tree), Some(&new_tree), None)
        .ok()?;
    diff.find_similar(None).ok()?;
    let mut files = Vec::new();
    for index in 0..diff.deltas().len() {
        let delta = diff.get_delta(index)?;
        let (additions, deletions) = git2::Patch::from_diff(&diff, index)
            .ok()
            .flatten()
            .and_then(|p| p.line_stats().ok())
            .map(|(_, a, d)| (a, d))
            .unwrap_or((0, 0));
        let name = |f: git2::DiffFile| f.path().map(|p| p.to_string_lossy().into_owned());
        let status = match delta.status() {
            git2::Delta::Added => "added",
            git2::Delta::Deleted => "removed",
            git2::Delta::Renamed => "renamed",
            git2::Delta::Copied => "copied",
            _ => "modified",
        };
        let filename = name(delta.new_file()).or_else(|| name(delta.old_file()))?;
        let previous_filename = (status == "renamed")
            .then(|| name(delta.old_file()))
            .flatten();
        let blob = match delta.status() {
            git2::Delta::Deleted => delta.old_file().id(),
            _ => delta.new_file().id(),
        };
        files.push(FileChange {
            sha: blob.to_string(),
            filename,
            previous_filename,
            status,
            additions,
            deletions,
        });
    }
    Some(files)
}

/// Every ref under `prefix` (e.g. `refs/heads/breakglass/`) with its target.
pub fn refs_with_prefix(path: &Path, prefix: &str) -> Vec<(String, String)> {
    let Some(repo) = open(path) else {
        return Vec::new();
    };
    let Ok(refs) = repo.references() else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = refs
        .filter_map(Result::ok)
        .filter_map(|r| Some((r.name().ok()?.to_owned(), r.target()?.to_string())))
        .filter(|(name, _)| name.starts_with(prefix))
        .collect();
    out.sort();
    out
}
