//! Break-glass trailers on the commits about to be pushed: the message edit (git's trailer
//! block convention) and the rewrite of the outgoing commits that carries it, keeping
//! authors, committers, dates and trees. Refuses where a rewrite would drop a signature.

use git2::{Commit, Oid, Repository};

use super::outgoing::{commits_between, is_signed};
use super::{GitError, LocalRepo, short};

pub const INCIDENT_TRAILER: &str = "Break-Glass-Incident";
pub const AUDIT_TRAILER: &str = "Break-Glass-Audit";

/// The trailers every pushed commit carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailers {
    pub incident: String,
    /// The audit log's head hash when the push was prepared.
    pub audit_head: String,
}

impl Trailers {
    fn pairs(&self) -> [(&str, &str); 2] {
        [
            (INCIDENT_TRAILER, &self.incident),
            (AUDIT_TRAILER, &self.audit_head),
        ]
    }
}

/// One outgoing commit before and after the trailers (equal when it already had them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Rewritten {
    #[serde(serialize_with = "super::oid_hex::serialize")]
    pub old: Oid,
    #[serde(serialize_with = "super::oid_hex::serialize")]
    pub new: Oid,
}

/// The result of adding trailers: the branch's new head and every outgoing commit's
/// mapping, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TrailerRewrite {
    #[serde(serialize_with = "super::oid_hex::serialize")]
    pub head: Oid,
    pub commits: Vec<Rewritten>,
}

impl LocalRepo {
    /// Adds `trailers` to the commits of local `branch` above `remote_head`, then moves the
    /// branch to the rewritten head (only if it has not moved meanwhile). Commits that
    /// already carry the trailers, with unchanged parents, are kept as they are.
    pub fn add_trailers(
        &self,
        branch: &str,
        remote_head: Option<Oid>,
        trailers: &Trailers,
    ) -> Result<TrailerRewrite, GitError> {
        let repo = self.git2();
        let local_head = self.local_head(branch)?;
        let commits = commits_between(repo, remote_head, local_head)?;
        let planned = plan(&commits, trailers)?;
        let mut mapping: Vec<Rewritten> = Vec::with_capacity(commits.len());
        for (commit, new_message) in commits.iter().zip(planned) {
            let new = rewrite(repo, commit, new_message.as_deref(), &mapping)?;
            mapping.push(Rewritten {
                old: commit.id(),
                new,
            });
        }
        let head = mapping.last().map_or(local_head, |last| last.new);
        if head != local_head {
            move_branch(repo, branch, local_head, head)?;
        }
        Ok(TrailerRewrite {
            head,
            commits: mapping,
        })
    }
}

/// The new message of each commit (`None`: message already right), checked before anything
/// is written so that a refusal leaves the repository untouched.
fn plan(commits: &[Commit<'_>], trailers: &Trailers) -> Result<Vec<Option<String>>, GitError> {
    let mut ancestor_rewritten = false;
    commits
        .iter()
        .map(|commit| {
            if commit.parent_count() > 1 {
                return Err(GitError::MergeCommit {
                    short: short(commit.id()),
                });
            }
            let message = String::from_utf8_lossy(commit.message_raw_bytes()).into_owned();
            let new_message = with_trailers(&message, trailers);
            let changes = new_message != message || ancestor_rewritten;
            if changes && is_signed(commit) {
                return Err(GitError::SignedCommit {
                    short: short(commit.id()),
                });
            }
            ancestor_rewritten |= changes;
            Ok((new_message != message).then_some(new_message))
        })
        .collect()
}

/// Writes `commit` again with `new_message` (or its own) on its rewritten parent; returns
/// the commit unchanged when neither differs.
fn rewrite(
    repo: &Repository,
    commit: &Commit<'_>,
    new_message: Option<&str>,
    mapping: &[Rewritten],
) -> Result<Oid, GitError> {
    let parent_ids: Vec<Oid> = commit
        .parent_ids()
        .map(|old| mapping.iter().find(|m| m.old == old).map_or(old, |m| m.new))
        .collect();
    if new_message.is_none()
        && parent_ids
            .iter()
            .eq(commit.parent_ids().collect::<Vec<_>>().iter())
    {
        return Ok(commit.id());
    }
    let parents = parent_ids
        .iter()
        .map(|id| repo.find_commit(*id))
        .collect::<Result<Vec<_>, _>>()
        .map_err(GitError::git("reading a parent commit"))?;
    let parent_refs: Vec<&Commit<'_>> = parents.iter().collect();
    let message = match new_message {
        Some(message) => message.to_owned(),
        None => String::from_utf8_lossy(commit.message_raw_bytes()).into_owned(),
    };
    let tree = commit
        .tree()
        .map_err(GitError::git("reading a commit's tree"))?;
    repo.commit(
        None,
        &commit.author(),
        &commit.committer(),
        &message,
        &tree,
        &parent_refs,
    )
    .map_err(GitError::git("writing a commit with trailers"))
}

fn move_branch(repo: &Repository, branch: &str, from: Oid, to: Oid) -> Result<(), GitError> {
    let refname = format!("refs/heads/{branch}");
    repo.reference_matching(
        &refname,
        to,
        true,
        from,
        "breakglass: add break-glass trailers",
    )
    .map(|_| ())
    .map_err(|_| GitError::LocalBranchMoved {
        branch: crate::text::sanitize_line(branch),
        expected: short(from),
        found: repo
            .refname_to_id(&refname)
            .map(short)
            .unwrap_or_else(|_| "nothing".to_owned()),
    })
}

/// `message` with the break-glass trailers in its trailer block: appended to an existing
/// block, or as a new block after a blank line. A trailer already present with the same
/// value is left alone; one with another value is replaced, so a commit carries each once.
pub fn with_trailers(message: &str, trailers: &Trailers) -> String {
    let body = message.trim_end();
    let mut lines: Vec<String> = body.lines().map(str::to_owned).collect();
    let block_start = trailer_block_start(&lines);
    let mut appended = Vec::new();
    for (key, value) in trailers.pairs() {
        let wanted = format!("{key}: {value}");
        let existing = block_start.and_then(|start| {
            (start..lines.len())
                .find(|&i| trailer_key(&lines[i]).is_some_and(|k| k.eq_ignore_ascii_case(key)))
        });
        match existing {
            Some(index) => lines[index] = wanted,
            None => appended.push(wanted),
        }
    }
    if !appended.is_empty() {
        if block_start.is_none() && !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(appended);
    }
    let mut out = lines.join("\n");
    out.push('\n');
    if out == message {
        message.to_owned()
    } else {
        out
    }
}

/// Index of the first line of the message's trailer block: its last paragraph, when that
/// is not the subject and every line is a `Token: value` trailer or a continuation.
fn trailer_block_start(lines: &[String]) -> Option<usize> {
    let start = lines.iter().rposition(|l| l.trim().is_empty())? + 1;
    let block = &lines[start..];
    let first_is_trailer = block.first().is_some_and(|l| trailer_key(l).is_some());
    let all_trailers = block
        .iter()
        .all(|l| trailer_key(l).is_some() || l.starts_with([' ', '\t']));
    (first_is_trailer && all_trailers && start > 1).then_some(start)
}

/// The key of a `Key: value` trailer line.
fn trailer_key(line: &str) -> Option<&str> {
    let (key, _) = line.split_once(':')?;
    let valid = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    valid.then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trailers() -> Trailers {
        Trailers {
            incident: "INC-42".to_owned(),
            audit_head: "abc123".to_owned(),
        }
    }

    const BLOCK: &str = "Break-Glass-Incident: INC-42\nBreak-Glass-Audit: abc123\n";

    #[test]
    fn a_subject_only_message_gets_a_new_block_after_a_blank_line() {
        assert_eq!(
            with_trailers("Fix checkout\n", &trailers()),
            format!("Fix checkout\n\n{BLOCK}")
        );
        assert_eq!(
            with_trailers("Fix checkout", &trailers()),
            format!("Fix checkout\n\n{BLOCK}")
        );
    }

    #[test]
    fn a_body_that_is_not_trailers_gets_a_new_block() {
        assert_eq!(
            with_trailers(
                "Fix checkout\n\nThe cache key: was wrong.\nReally.\n",
                &trailers()
            ),
            format!("Fix checkout\n\nThe cache key: was wrong.\nReally.\n\n{BLOCK}")
        );
    }

    #[test]
    fn an_existing_trailer_block_is_extended() {
        let message = "Fix checkout\n\nBody.\n\nSigned-off-by: Ada <ada@example.com>\nCo-authored-by: Grace <g@example.com>\n";
        assert_eq!(
            with_trailers(message, &trailers()),
            format!("{message}{BLOCK}")
        );
    }

    #[test]
    fn adding_twice_changes_nothing_and_a_stale_value_is_replaced() {
        let once = with_trailers("Fix\n\nBody\n", &trailers());
        assert_eq!(with_trailers(&once, &trailers()), once);
        let newer = Trailers {
            audit_head: "def456".to_owned(),
            ..trailers()
        };
        let twice = with_trailers(&once, &newer);
        assert_eq!(
            twice,
            "Fix\n\nBody\n\nBreak-Glass-Incident: INC-42\nBreak-Glass-Audit: def456\n"
        );
    }

    #[test]
    fn a_subject_that_looks_like_a_trailer_is_still_the_subject() {
        assert_eq!(
            with_trailers("fix: checkout\n", &trailers()),
            format!("fix: checkout\n\n{BLOCK}")
        );
    }
}
