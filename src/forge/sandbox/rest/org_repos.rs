//! `GET /orgs/{org}/repos` (operationId `repos/list-for-org`): the organisation's
//! repositories the caller can see, as GitHub lists them — `type` (all, public, private,
//! forks, sources, member), `sort` (created, updated, pushed, full_name; created by
//! default) and `direction` (asc for full_name, else desc, by default), paged, each item
//! GitHub's repository with the caller's `permissions`. An unknown organisation is 404.
//!
//! Sandbox repositories are all private, not forks, so `public` and `forks` list none.

use super::Cx;
use super::page::page;
use super::repo_shape::repository;
use crate::forge::Permission;
use crate::forge::sandbox::model::RepoRecord;
use crate::forge::sandbox::reply::Reply;
use serde_json::Value;

pub fn list(cx: &mut Cx, org: &str) -> Result<Reply, Reply> {
    let caller = cx.caller()?.login.clone();
    let org = cx
        .state
        .org(org)
        .ok_or_else(Reply::not_found)?
        .login
        .clone();
    let kind = cx.req.query("type").unwrap_or("all");
    if !matches!(
        kind,
        "all" | "public" | "private" | "forks" | "sources" | "member"
    ) {
        return Err(Reply::validation_failed(
            "Repository",
            "type",
            "type must be one of all, public, private, forks, sources, member",
        ));
    }
    let sort = cx.req.query("sort").unwrap_or("created");
    let ascending = match cx.req.query("direction") {
        Some(direction) => direction == "asc",
        None => sort == "full_name",
    };
    let mut visible: Vec<(&RepoRecord, Permission)> = cx
        .state
        .repos
        .iter()
        .filter(|r| r.owner.eq_ignore_ascii_case(&org))
        .map(|r| (r, cx.state.permission(&caller, r)))
        .filter(|(_, role)| *role >= Permission::Read)
        .filter(|_| !matches!(kind, "public" | "forks"))
        .collect();
    visible.sort_by(|(a, _), (b, _)| {
        let order = match sort {
            "full_name" => a.full_name().cmp(&b.full_name()),
            "pushed" => a.pushed_at.cmp(&b.pushed_at),
            "updated" => a
                .pushed_at
                .max(a.created_at)
                .cmp(&b.pushed_at.max(b.created_at)),
            _ => a.created_at.cmp(&b.created_at),
        }
        .then(a.id.cmp(&b.id));
        if ascending { order } else { order.reverse() }
    });
    let items: Vec<Value> = visible
        .into_iter()
        .map(|(repo, role)| Value::Object(repository(cx, repo, Some(role))))
        .collect();
    Ok(page(cx, items))
}
