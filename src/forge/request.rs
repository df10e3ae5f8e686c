//! Forge requests as data: method, API-root-relative path, JSON body and GitHub
//! operationId, plus the path builders (branch names percent-encoded). Nothing here sends
//! anything; the client executes these.

use super::RepoId;
use super::ruleset::RulesetSource;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        })
    }
}

/// One REST call, described completely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiCall {
    pub method: HttpMethod,
    /// Relative to the API root, e.g. `/repos/acme/api/branches/release%2F1/protection`.
    pub path: String,
    pub body: Option<Value>,
    /// GitHub's operationId, e.g. `repos/delete-admin-branch-protection`.
    pub operation_id: String,
}

impl ApiCall {
    pub fn new(method: HttpMethod, path: String, operation_id: &str) -> Self {
        ApiCall {
            method,
            path,
            body: None,
            operation_id: operation_id.to_owned(),
        }
    }

    pub fn with_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

impl fmt::Display for ApiCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.method, self.path, self.operation_id)
    }
}

/// Everything but RFC 3986 unreserved characters is encoded, so `/` becomes `%2F`, and
/// `#`, `?`, `%` and spaces cannot change the request's meaning.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path parameter (owner, repository, branch, login, ref…). The
/// client (`forge::github`) re-exports this one function; there is no second encoder.
pub fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, PATH_SEGMENT).to_string()
}

/// `/repos/{owner}/{repo}/branches/{branch}/protection`, followed by `suffix`
/// (e.g. `/enforce_admins`).
pub fn protection_path(repo: &RepoId, branch: &str, suffix: &str) -> String {
    format!(
        "/repos/{}/{}/branches/{}/protection{suffix}",
        encode_segment(&repo.owner),
        encode_segment(&repo.name),
        encode_segment(branch)
    )
}

/// The ruleset's own path and the operationId that updates it.
pub fn ruleset_update(repo: &RepoId, source: &RulesetSource, id: u64) -> (String, &'static str) {
    match source {
        RulesetSource::Organization(org) => (
            format!("/orgs/{}/rulesets/{id}", encode_segment(org)),
            "repos/update-org-ruleset",
        ),
        RulesetSource::Repository | RulesetSource::Enterprise(_) => (
            format!(
                "/repos/{}/{}/rulesets/{id}",
                encode_segment(&repo.owner),
                encode_segment(&repo.name)
            ),
            "repos/update-repo-ruleset",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_are_percent_encoded() {
        let repo = RepoId::new("acme", "api");
        assert_eq!(
            protection_path(&repo, "release/1.0 #x?%", "/enforce_admins"),
            "/repos/acme/api/branches/release%2F1.0%20%23x%3F%25/protection/enforce_admins"
        );
        assert_eq!(
            protection_path(&repo, "main", ""),
            "/repos/acme/api/branches/main/protection"
        );
    }

    #[test]
    fn org_rulesets_use_the_org_path() {
        let repo = RepoId::new("acme", "api");
        let (path, op) = ruleset_update(&repo, &RulesetSource::Organization("acme".into()), 5);
        assert_eq!(
            (path.as_str(), op),
            ("/orgs/acme/rulesets/5", "repos/update-org-ruleset")
        );
        let (path, op) = ruleset_update(&repo, &RulesetSource::Repository, 12);
        assert_eq!(
            (path.as_str(), op),
            ("/repos/acme/api/rulesets/12", "repos/update-repo-ruleset")
        );
    }

    #[test]
    fn calls_serialise_with_uppercase_methods() {
        let call = ApiCall::new(HttpMethod::Delete, "/x".into(), "op/x");
        assert_eq!(
            serde_json::to_value(&call).unwrap(),
            serde_json::json!({"method": "DELETE", "path": "/x", "body": null, "operation_id": "op/x"})
        );
    }
}
