//! What one REST call is (`Request`) and what came back (`Response`), plus the path
//! builder that percent-encodes every parameter. No I/O here.

use crate::forge::RepoId;
use crate::forge::request::{ApiCall, HttpMethod};
use http::HeaderMap;
use percent_encoding::percent_decode_str;
use serde_json::Value;

/// One percent-encoder for the whole crate: the planner's request builders use it too.
pub use crate::forge::request::encode_segment;

/// Builds `/a/b/c` from raw segments, encoding each one.
pub fn path(segments: &[&str]) -> String {
    let mut out = String::new();
    for segment in segments {
        out.push('/');
        out.push_str(&encode_segment(segment));
    }
    out
}

/// `/repos/{owner}/{repo}` followed by further raw segments, all encoded.
pub fn repo_path(repo: &RepoId, rest: &[&str]) -> String {
    let mut segments = vec!["repos", repo.owner.as_str(), repo.name.as_str()];
    segments.extend_from_slice(rest);
    path(&segments)
}

/// POSTs that set a flag or add to a set: sending one twice leaves the same state.
const IDEMPOTENT_POSTS: [&str; 6] = [
    "repos/set-admin-branch-protection",
    "repos/create-commit-signature-protection",
    "repos/add-user-access-restrictions",
    "repos/add-team-access-restrictions",
    "repos/add-app-access-restrictions",
    "repos/add-status-check-contexts",
];

/// The HTTP methods the GitHub REST API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Put,
    Patch,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// Whether sending the same request twice has the same effect as sending it once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotence {
    /// Safe to resend after a lost answer or a 5xx (GET, PUT, DELETE, PATCH of the same
    /// body, and POSTs that set a flag such as `enforce_admins`).
    Idempotent,
    /// Creates something (issue, comment, pull request, ref): never resent blindly; the
    /// caller looks for its idempotency marker first.
    Creates,
}

/// Whose admin rights a request needs, so a 404 can be explained as missing rights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// An ordinary endpoint: a 404 means "not found".
    Plain,
    /// A repository administration endpoint (classic protection, rulesets): GitHub answers
    /// 404 to tokens without admin rights.
    RepoAdmin(RepoId),
    /// An organisation administration endpoint (organisation rulesets).
    OrgAdmin(String),
}

/// One REST call: method, encoded path (relative to the API base, starting with `/`),
/// query and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub idempotence: Idempotence,
    pub scope: Scope,
}

impl Request {
    fn new(method: Method, path: String, idempotence: Idempotence) -> Self {
        Request {
            method,
            path,
            query: Vec::new(),
            body: None,
            idempotence,
            scope: Scope::Plain,
        }
    }

    pub fn get(path: String) -> Self {
        Self::new(Method::Get, path, Idempotence::Idempotent)
    }

    pub fn put(path: String, body: Value) -> Self {
        Self::new(Method::Put, path, Idempotence::Idempotent).with_body(body)
    }

    pub fn patch(path: String, body: Value) -> Self {
        Self::new(Method::Patch, path, Idempotence::Idempotent).with_body(body)
    }

    pub fn delete(path: String) -> Self {
        Self::new(Method::Delete, path, Idempotence::Idempotent)
    }

    /// A POST that creates something: never retried without a marker check.
    pub fn post_create(path: String, body: Value) -> Self {
        Self::new(Method::Post, path, Idempotence::Creates).with_body(body)
    }

    /// A POST whose repetition is harmless (it sets a flag or adds to a set).
    pub fn post_idempotent(path: String, body: Option<Value>) -> Self {
        let request = Self::new(Method::Post, path, Idempotence::Idempotent);
        match body {
            Some(body) => request.with_body(body),
            None => request,
        }
    }

    /// The request that executes a planned call (`forge::request::ApiCall`) on `repo`.
    /// GET, PUT, PATCH and DELETE are resent after a lost answer; a POST is resent only
    /// when it sets a flag or adds to a set (GitHub's protection sub-resources), never
    /// when it creates something. Protection and ruleset paths name whose admin rights
    /// they need, so a 404 reads as missing rights.
    pub fn for_call(call: &ApiCall, repo: &RepoId) -> Self {
        let method = match call.method {
            HttpMethod::Get => Method::Get,
            HttpMethod::Put => Method::Put,
            HttpMethod::Patch => Method::Patch,
            HttpMethod::Post => Method::Post,
            HttpMethod::Delete => Method::Delete,
        };
        let idempotence =
            if method == Method::Post && !IDEMPOTENT_POSTS.contains(&call.operation_id.as_str()) {
                Idempotence::Creates
            } else {
                Idempotence::Idempotent
            };
        // Parameters are percent-encoded, so splitting on `/` yields whole segments.
        let segments: Vec<&str> = call.path.trim_start_matches('/').split('/').collect();
        let scope = match segments.as_slice() {
            ["orgs", org, "rulesets", ..] => {
                Scope::OrgAdmin(percent_decode_str(org).decode_utf8_lossy().into_owned())
            }
            ["repos", _, _, "branches", _, "protection", ..] | ["repos", _, _, "rulesets", ..] => {
                Scope::RepoAdmin(repo.clone())
            }
            _ => Scope::Plain,
        };
        let mut request = Self::new(method, call.path.clone(), idempotence).with_scope(scope);
        request.body = call.body.clone();
        request
    }

    pub fn with_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn with_query(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_owned(), value.to_string()));
        self
    }

    pub fn with_scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    /// Path and query as sent, with query values encoded.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", encode_segment(k), encode_segment(v)))
            .collect();
        format!("{}?{}", self.path, query.join("&"))
    }
}

/// A forge answer: status, headers and the body parsed as JSON (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub json: Value,
}

impl Response {
    /// A header as text, if present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// GitHub's `message` field, if the body has one.
    pub fn message(&self) -> Option<&str> {
        self.json.get("message").and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_are_single_encoded_segments() {
        let cases = [
            ("main", "main"),
            ("release/1.0", "release%2F1.0"),
            ("fix#12", "fix%2312"),
            ("what?x=1", "what%3Fx%3D1"),
            ("50%", "50%25"),
            ("a b", "a%20b"),
            ("ünï", "%C3%BCn%C3%AF"),
            ("a-b.c_d~e", "a-b.c_d~e"),
            ("../admin", "..%2Fadmin"),
        ];
        for (raw, encoded) in cases {
            assert_eq!(encode_segment(raw), encoded, "{raw}");
        }
    }

    #[test]
    fn repo_paths_encode_every_segment() {
        let repo = RepoId::new("acme", "api");
        assert_eq!(
            repo_path(&repo, &["branches", "hot/fix#1", "protection"]),
            "/repos/acme/api/branches/hot%2Ffix%231/protection"
        );
    }

    #[test]
    fn query_values_are_encoded() {
        let request = Request::get("/x".into())
            .with_query("per_page", 100)
            .with_query("q", "a&b=c");
        assert_eq!(request.path_and_query(), "/x?per_page=100&q=a%26b%3Dc");
    }

    #[test]
    fn planned_calls_keep_method_path_body_and_get_the_right_retry_rule() {
        let repo = RepoId::new("acme", "api");
        let call = |method, path: &str, op: &str| ApiCall::new(method, path.to_owned(), op);
        let set_admin = Request::for_call(
            &call(
                HttpMethod::Post,
                "/repos/acme/api/branches/main/protection/enforce_admins",
                "repos/set-admin-branch-protection",
            ),
            &repo,
        );
        assert_eq!(set_admin.method, Method::Post);
        assert_eq!(set_admin.idempotence, Idempotence::Idempotent);
        assert_eq!(set_admin.scope, Scope::RepoAdmin(repo.clone()));
        assert_eq!(set_admin.body, None);

        let named_like_admin = Request::for_call(
            &call(
                HttpMethod::Get,
                "/repos/acme/protection-rulesets/issues",
                "issues/list-for-repo",
            ),
            &repo,
        );
        assert_eq!(named_like_admin.scope, Scope::Plain);

        let issue = Request::for_call(
            &call(HttpMethod::Post, "/repos/acme/api/issues", "issues/create")
                .with_body(serde_json::json!({"title": "t"})),
            &repo,
        );
        assert_eq!(issue.idempotence, Idempotence::Creates);
        assert_eq!(issue.scope, Scope::Plain);
        assert_eq!(issue.body, Some(serde_json::json!({"title": "t"})));

        let org = Request::for_call(
            &call(
                HttpMethod::Put,
                "/orgs/acme%2Dx/rulesets/5",
                "repos/update-org-ruleset",
            )
            .with_body(serde_json::json!({"bypass_actors": []})),
            &repo,
        );
        assert_eq!(org.method, Method::Put);
        assert_eq!(org.idempotence, Idempotence::Idempotent);
        assert_eq!(org.scope, Scope::OrgAdmin("acme-x".into()));
        assert_eq!(org.path, "/orgs/acme%2Dx/rulesets/5");
    }

    #[test]
    fn only_creating_posts_are_not_idempotent() {
        assert_eq!(
            Request::post_create("/i".into(), Value::Null).idempotence,
            Idempotence::Creates
        );
        assert_eq!(
            Request::post_idempotent("/p".into(), None).idempotence,
            Idempotence::Idempotent
        );
        assert_eq!(
            Request::get("/g".into()).idempotence,
            Idempotence::Idempotent
        );
    }
}
