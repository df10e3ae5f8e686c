//! Following GitHub's `Link: <…>; rel="next"` headers across pages of a list, without
//! ever leaving the API base the client was built for.

use super::client::GitHubClient;
use super::error::{ForgeError, sanitize_server_text};
use super::request::{Request, Response};
use serde_json::Value;

/// More pages than this is not a list breakglass should be reading in an emergency.
const MAX_PAGES: usize = 50;

/// The `rel="next"` URL of a `Link` header, if any.
pub fn next_page_url(link: &str) -> Option<String> {
    link.split(',').find_map(|entry| {
        let (target, params) = entry.trim().split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| target.to_owned())
    })
}

impl GitHubClient {
    /// GETs `first` and every following page, returning the items of each page in order
    /// (each page must be a JSON array).
    pub async fn get_all_pages(&self, first: Request) -> Result<Vec<Value>, ForgeError> {
        self.get_all_pages_of(first, 100).await
    }

    /// [`get_all_pages`](Self::get_all_pages) asking for `per_page` items a page.
    pub async fn get_all_pages_of(
        &self,
        first: Request,
        per_page: u8,
    ) -> Result<Vec<Value>, ForgeError> {
        let mut items = Vec::new();
        let mut request = first.with_query("per_page", per_page);
        for _ in 0..MAX_PAGES {
            let response = self.execute(&request).await?;
            let page = page_items(&response)?;
            items.extend(page);
            let Some(next) = response.header("link").and_then(next_page_url) else {
                return Ok(items);
            };
            request = self.follow(&request, &next)?;
        }
        Err(ForgeError::InvalidResponse {
            detail: format!("more than {MAX_PAGES} pages at {}", request.path),
        })
    }

    /// The request for a `next` link or a redirect, which must stay under the API base.
    pub(super) fn follow(&self, previous: &Request, next: &str) -> Result<Request, ForgeError> {
        let relative = next
            .strip_prefix(self.api_url())
            .filter(|rest| rest.starts_with('/'))
            .ok_or_else(|| ForgeError::InvalidResponse {
                detail: format!(
                    "a pagination link leads away from the API: {}",
                    sanitize_server_text(next)
                ),
            })?;
        let (path, query) = relative.split_once('?').unwrap_or((relative, ""));
        let mut request = previous.clone();
        request.path = path.to_owned();
        request.query = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Ok(request)
    }
}

fn page_items(response: &Response) -> Result<Vec<Value>, ForgeError> {
    match &response.json {
        Value::Array(items) => Ok(items.clone()),
        _ => Err(ForgeError::InvalidResponse {
            detail: "expected a JSON list".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_next_link_among_others() {
        let link = r#"<https://api.github.com/repositories/1/rules/branches/main?page=2>; rel="next", <https://api.github.com/repositories/1/rules/branches/main?page=5>; rel="last""#;
        assert_eq!(
            next_page_url(link).as_deref(),
            Some("https://api.github.com/repositories/1/rules/branches/main?page=2")
        );
        let last_page = r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=1>; rel="first""#;
        assert_eq!(next_page_url(last_page), None);
        assert_eq!(next_page_url(""), None);
    }

    #[tokio::test]
    async fn next_links_stay_under_the_api_base() {
        let client = GitHubClient::new(
            "https://ghe.example.com/api/v3",
            crate::secret::Secret::new("t"),
            Default::default(),
        )
        .unwrap();
        let first = Request::get("/repos/acme/api/rules/branches/main".into());
        let next = client
            .follow(
                &first,
                "https://ghe.example.com/api/v3/repositories/9/rules/branches/main?per_page=100&page=2",
            )
            .unwrap();
        assert_eq!(
            next.path_and_query(),
            "/repositories/9/rules/branches/main?per_page=100&page=2"
        );
        for away in [
            "https://evil.example.com/api/v3/x?page=2",
            "https://ghe.example.com/api/v3x/y",
        ] {
            assert!(client.follow(&first, away).is_err(), "{away}");
        }
    }
}
