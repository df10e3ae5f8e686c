//! Turns a final non-success answer into the `ForgeError` that tells the operator what to
//! do. Pure: it reads status, headers and body, and sanitises every server string.

use super::error::{ForgeError, sanitize_server_text};
use super::request::{Response, Scope};
use crate::forge::token::TokenHost;
use serde_json::Value;

/// The error for a final answer with status ≥ 400 to a request with `scope` on `path`.
/// `host` is the forge's, whose rules say where a valid token comes from.
pub fn error_for(
    response: &Response,
    scope: &Scope,
    path: &str,
    attempts: u32,
    host: &TokenHost,
) -> ForgeError {
    let message = sanitize_server_text(response.message().unwrap_or(""));
    match response.status {
        401 => ForgeError::Unauthorized {
            message,
            host: host.clone(),
        },
        403 => match response.header("x-accepted-github-permissions") {
            Some(permission) if !permission.trim().is_empty() => ForgeError::MissingPermission {
                permission: sanitize_server_text(&permissions_wording(permission)),
                message,
            },
            _ => ForgeError::Forbidden { message },
        },
        404 => match scope {
            Scope::RepoAdmin(repo) => ForgeError::CannotAdminister {
                repo: repo.to_string(),
                message,
            },
            Scope::OrgAdmin(org) => ForgeError::CannotAdministerOrg {
                org: sanitize_server_text(org),
                message,
            },
            Scope::Plain => ForgeError::NotFound {
                path: sanitize_server_text(path),
                message,
            },
        },
        422 => ForgeError::Validation {
            message,
            errors: validation_errors(&response.json),
        },
        status @ 500..=599 => ForgeError::Server {
            status,
            message,
            attempts,
        },
        status => ForgeError::Http { status, message },
    }
}

/// `administration=write; contents=read` becomes `administration:write (or contents:read)`.
fn permissions_wording(header: &str) -> String {
    header
        .split(';')
        .map(|set| set.trim().replace('=', ":").replace(',', " and "))
        .filter(|set| !set.is_empty())
        .collect::<Vec<_>>()
        .join(" (or ")
        + &")".repeat(
            header
                .split(';')
                .filter(|s| !s.trim().is_empty())
                .count()
                .saturating_sub(1),
        )
}

/// GitHub's `errors` array: strings, or objects with `message` / `code` / `field`.
fn validation_errors(body: &Value) -> Vec<String> {
    let Some(errors) = body.get("errors").and_then(Value::as_array) else {
        return Vec::new();
    };
    errors
        .iter()
        .map(|error| match error {
            Value::String(text) => sanitize_server_text(text),
            Value::Object(fields) => {
                let text = |key: &str| fields.get(key).and_then(Value::as_str).unwrap_or("");
                let parts: Vec<&str> = [
                    text("resource"),
                    text("field"),
                    text("code"),
                    text("message"),
                ]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect();
                sanitize_server_text(&parts.join(" "))
            }
            other => sanitize_server_text(&other.to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::RepoId;
    use http::{HeaderMap, HeaderValue};
    use serde_json::json;

    fn answer(status: u16, headers: &[(&'static str, &'static str)], json: Value) -> Response {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_static(value));
        }
        Response {
            status,
            headers: map,
            json,
        }
    }

    const PATH: &str = "/repos/acme/api/branches/main/protection";

    fn host(api_url: &str) -> TokenHost {
        TokenHost::of_api_url(api_url).unwrap()
    }

    /// The mapping for a forge on github.com (the host shapes only a 401's advice).
    fn error_for(response: &Response, scope: &Scope, path: &str, attempts: u32) -> ForgeError {
        super::error_for(
            response,
            scope,
            path,
            attempts,
            &host("https://api.github.com"),
        )
    }

    fn admin() -> Scope {
        Scope::RepoAdmin(RepoId::new("acme", "api"))
    }

    #[test]
    fn each_status_maps_to_guidance() {
        let unauthorized = error_for(
            &answer(401, &[], json!({"message": "Bad credentials"})),
            &Scope::Plain,
            PATH,
            1,
        );
        assert_eq!(
            unauthorized,
            ForgeError::Unauthorized {
                message: "Bad credentials".into(),
                host: host("https://api.github.com"),
            }
        );

        let permission = error_for(
            &answer(
                403,
                &[("x-accepted-github-permissions", "administration=write")],
                json!({"message": "Resource not accessible by personal access token"}),
            ),
            &admin(),
            PATH,
            1,
        );
        assert_eq!(
            permission,
            ForgeError::MissingPermission {
                permission: "administration:write".into(),
                message: "Resource not accessible by personal access token".into()
            }
        );
        assert!(permission.to_string().contains("administration:write"));

        let plain = error_for(
            &answer(403, &[], json!({"message": "Upgrade to GitHub Pro"})),
            &admin(),
            PATH,
            1,
        );
        assert!(matches!(plain, ForgeError::Forbidden { .. }));

        let hidden = error_for(
            &answer(404, &[], json!({"message": "Not Found"})),
            &admin(),
            PATH,
            1,
        );
        assert!(
            matches!(hidden, ForgeError::CannotAdminister { ref repo, .. } if repo == "acme/api")
        );

        let org = error_for(
            &answer(404, &[], json!({"message": "Not Found"})),
            &Scope::OrgAdmin("acme".into()),
            "/orgs/acme/rulesets/7",
            1,
        );
        assert!(org.to_string().contains("organisation acme"));

        let plain_404 = error_for(
            &answer(404, &[], json!({"message": "Branch not found"})),
            &Scope::Plain,
            "/repos/acme/api/branches/nope",
            1,
        );
        assert!(matches!(plain_404, ForgeError::NotFound { .. }));

        let server = error_for(&answer(502, &[], Value::Null), &Scope::Plain, PATH, 4);
        assert_eq!(
            server,
            ForgeError::Server {
                status: 502,
                message: String::new(),
                attempts: 4
            }
        );

        let gone = error_for(
            &answer(410, &[], json!({"message": "Issues are disabled"})),
            &Scope::Plain,
            PATH,
            1,
        );
        assert_eq!(
            gone,
            ForgeError::Http {
                status: 410,
                message: "Issues are disabled".into()
            }
        );
    }

    #[test]
    fn validation_errors_keep_githubs_message_and_errors() {
        let one_of = answer(
            422,
            &[],
            json!({
                "message": "Invalid request.\n\nMore than one subschema in \"oneOf\" matched.",
                "documentation_url": "https://docs.github.com/rest/branches/branch-protection#update-branch-protection"
            }),
        );
        let error = error_for(&one_of, &admin(), PATH, 1);
        let ForgeError::Validation { message, errors } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(
            message,
            "Invalid request.  More than one subschema in \"oneOf\" matched."
        );
        assert!(errors.is_empty());

        let with_errors = answer(
            422,
            &[],
            json!({
                "message": "Validation Failed",
                "errors": [
                    {"resource": "Reference", "code": "custom", "field": "ref", "message": "Reference already exists"},
                    "No commits between main and main",
                    {"code": "invalid\u{1b}[31m"}
                ]
            }),
        );
        let ForgeError::Validation { errors, .. } = error_for(&with_errors, &Scope::Plain, "/x", 1)
        else {
            panic!()
        };
        assert_eq!(
            errors,
            [
                "Reference ref custom Reference already exists",
                "No commits between main and main",
                "invalid\\u{1b}[31m"
            ]
        );
    }

    #[test]
    fn hostile_messages_are_sanitised() {
        let error = error_for(
            &answer(401, &[], json!({"message": "x\u{1b}]0;pwned\u{7}"})),
            &Scope::Plain,
            PATH,
            1,
        );
        assert!(crate::text::is_clean(&error.to_string()));
    }

    #[test]
    fn alternative_permission_sets_are_worded() {
        assert_eq!(permissions_wording("contents=read"), "contents:read");
        assert_eq!(
            permissions_wording(
                "administration=write,metadata=read; organization_administration=write"
            ),
            "administration:write and metadata:read (or organization_administration:write)"
        );
    }

    #[test]
    fn a_rejected_token_names_the_variables_its_host_reads() {
        let rejected = |api_url: &str| {
            super::error_for(
                &answer(401, &[], json!({"message": "Bad credentials"})),
                &Scope::Plain,
                PATH,
                1,
                &host(api_url),
            )
            .to_string()
        };
        assert_eq!(
            rejected("https://api.github.com"),
            "the forge at github.com rejected the token (401: Bad credentials): it is invalid \
             or expired — set GH_TOKEN or GITHUB_TOKEN to a token for github.com, or log in \
             with `gh auth login --hostname github.com` so that `gh auth token --hostname \
             github.com` prints one"
        );
        assert_eq!(
            rejected("https://ghe.example.com/api/v3"),
            "the forge at ghe.example.com rejected the token (401: Bad credentials): it is \
             invalid or expired — set GH_ENTERPRISE_TOKEN or GITHUB_ENTERPRISE_TOKEN to a token \
             for ghe.example.com, or log in with `gh auth login --hostname ghe.example.com` so \
             that `gh auth token --hostname ghe.example.com` prints one"
        );
        assert_eq!(
            rejected("http://127.0.0.1:8080"),
            "the forge at 127.0.0.1:8080 rejected the token (401: Bad credentials): it is \
             invalid or expired — set GH_ENTERPRISE_TOKEN or GITHUB_ENTERPRISE_TOKEN or GH_TOKEN \
             to a token for 127.0.0.1:8080, or log in with `gh auth login --hostname \
             127.0.0.1:8080` so that `gh auth token --hostname 127.0.0.1:8080` prints one"
        );
    }
}
