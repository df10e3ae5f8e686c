//! Git reference endpoints (forge-api §3.2): the retro-review's before/after branches.
//! Creating a ref is a POST, so a lost answer is settled by reading the ref back.

use super::client::GitHubClient;
use super::error::ForgeError;
use super::request::{Request, repo_path};
use crate::forge::RepoId;
use serde_json::{Value, json};

/// How `create_ref` ended.
#[derive(Debug, Clone, PartialEq)]
pub enum CreateRefOutcome {
    /// GitHub created the ref; its JSON.
    Created(Value),
    /// The ref already pointed at the requested sha (an earlier attempt of ours, or a
    /// retry whose first answer was lost): success, nothing changed.
    AlreadyThere(Value),
}

/// `heads/x/y` as a path under `git/ref[s]`: each part encoded, slashes kept, as GitHub's
/// multi-segment `ref` parameter expects.
fn ref_segments(short_ref: &str) -> Vec<&str> {
    short_ref.trim_start_matches("refs/").split('/').collect()
}

impl GitHubClient {
    /// A reference such as `heads/main`; `None` when it does not exist.
    /// operationId `git/get-ref`.
    pub async fn get_ref(
        &self,
        repo: &RepoId,
        short_ref: &str,
    ) -> Result<Option<Value>, ForgeError> {
        let mut segments = vec!["git", "ref"];
        segments.extend(ref_segments(short_ref));
        match self
            .execute(&Request::get(repo_path(repo, &segments)))
            .await
        {
            Ok(response) => Ok(Some(response.json)),
            Err(ForgeError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// Creates `full_ref` (`refs/heads/…`) at `sha`. A 422 `Reference already exists` with
    /// the same sha, or a lost answer after which the ref is found at that sha, counts as
    /// success. operationId `git/create-ref`.
    pub async fn create_ref(
        &self,
        repo: &RepoId,
        full_ref: &str,
        sha: &str,
    ) -> Result<CreateRefOutcome, ForgeError> {
        let request = Request::post_create(
            repo_path(repo, &["git", "refs"]),
            json!({ "ref": full_ref, "sha": sha }),
        );
        let mut sent = 0;
        loop {
            sent += 1;
            match self.execute(&request).await {
                Ok(response) => return Ok(CreateRefOutcome::Created(response.json)),
                Err(error) => {
                    let exists = matches!(&error, ForgeError::Validation { message, .. }
                        if message.contains("Reference already exists"));
                    let uncertain = error.maybe_applied()
                        || matches!(
                            error,
                            ForgeError::Server { .. } | ForgeError::Network { .. }
                        );
                    if !(exists || uncertain) {
                        return Err(error);
                    }
                    match self.get_ref(repo, full_ref).await? {
                        Some(found) if points_at(&found, sha) => {
                            return Ok(CreateRefOutcome::AlreadyThere(found));
                        }
                        // Someone else's ref of that name: never move it.
                        Some(_) => return Err(error),
                        None if uncertain && sent < 2 => continue,
                        None => return Err(error),
                    }
                }
            }
        }
    }

    /// Deletes a reference such as `heads/breakglass/INC-1/before`; an already missing ref
    /// is success (a retried DELETE finds its own work done). operationId `git/delete-ref`.
    pub async fn delete_ref(&self, repo: &RepoId, short_ref: &str) -> Result<(), ForgeError> {
        let mut segments = vec!["git", "refs"];
        segments.extend(ref_segments(short_ref));
        match self
            .execute(&Request::delete(repo_path(repo, &segments)))
            .await
        {
            Ok(_) => Ok(()),
            Err(ForgeError::Validation { message, .. })
                if message.contains("Reference does not exist") =>
            {
                Ok(())
            }
            Err(other) => Err(other),
        }
    }
}

fn points_at(reference: &Value, sha: &str) -> bool {
    reference.pointer("/object/sha").and_then(Value::as_str) == Some(sha)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_keep_their_slashes_but_encode_each_part() {
        let repo = RepoId::new("acme", "api");
        let mut segments = vec!["git", "ref"];
        segments.extend(ref_segments("refs/heads/breakglass/INC#1/before"));
        assert_eq!(
            repo_path(&repo, &segments),
            "/repos/acme/api/git/ref/heads/breakglass/INC%231/before"
        );
    }

    #[test]
    fn same_sha_means_already_there() {
        let found = json!({"ref": "refs/heads/x", "object": {"sha": "abc", "type": "commit"}});
        assert!(points_at(&found, "abc"));
        assert!(!points_at(&found, "abd"));
    }
}
