//! GitHub's list paging: `per_page` (30 by default, at most 100) and `page` (from 1), with
//! the `Link` header GitHub sends (`prev`, `next`, `first`, `last`) for clients to follow.
//!
//! Works on already rendered items; knows nothing of what they are.

use super::Cx;
use crate::forge::sandbox::reply::Reply;
use serde_json::Value;

const DEFAULT_PER_PAGE: usize = 30;
const MAX_PER_PAGE: usize = 100;

/// The page of `items` the request asks for, as a 200 with its `Link` header.
pub fn page(cx: &Cx, items: Vec<Value>) -> Reply {
    let number = |name: &str| {
        cx.req
            .query(name)
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
    };
    let per_page = number("per_page")
        .unwrap_or(DEFAULT_PER_PAGE)
        .min(MAX_PER_PAGE);
    let current = number("page").unwrap_or(1);
    let last = items.len().div_ceil(per_page).max(1);
    let shown: Vec<Value> = items
        .into_iter()
        .skip((current - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    let reply = Reply::ok(Value::Array(shown));
    let mut links = Vec::new();
    if current > 1 {
        links.push((current.min(last + 1) - 1, "prev"));
    }
    if current < last {
        links.push((current + 1, "next"));
        links.push((last, "last"));
    }
    if current > 1 {
        links.push((1, "first"));
    }
    if links.is_empty() {
        return reply;
    }
    let header = links
        .iter()
        .map(|(n, rel)| format!("<{}>; rel=\"{rel}\"", page_url(cx, per_page, *n)))
        .collect::<Vec<_>>()
        .join(", ");
    reply.with_header("link", &header)
}

/// The request's own URL with `per_page` and `page` set, other parameters kept.
fn page_url(cx: &Cx, per_page: usize, page: usize) -> String {
    let mut url = url::Url::parse(cx.base_url).expect("the sandbox's base URL parses");
    url.path_segments_mut()
        .expect("an http base URL has a path")
        .pop_if_empty()
        .extend(&cx.req.segments);
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in &cx.req.query {
            if k != "page" && k != "per_page" {
                query.append_pair(k, v);
            }
        }
        query
            .append_pair("per_page", &per_page.to_string())
            .append_pair("page", &page.to_string());
    }
    url.into()
}
