//! The incident issue's calls (forge-api §9.4): find an issue by its marker, read it and
//! its comments, change its body, state and labels, with GitHub's answers read into the
//! typed results of `forge::port`. Text from the forge is sanitised on the way in.

use super::{GitHubForge, field};
use crate::forge::RepoId;
use crate::forge::github::{ForgeError, Marker};
use crate::forge::port::{IssueComment, IssueState, IssueUpdate, IssueView};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

impl GitHubForge {
    pub(super) async fn find_marked_issue(
        &self,
        repo: &RepoId,
        marker: &Marker,
    ) -> Result<Option<IssueView>, ForgeError> {
        match self.client.find_issue_with_marker(repo, marker).await? {
            Some(found) => issue_view(&found).map(Some),
            None => Ok(None),
        }
    }

    pub(super) async fn read_issue(
        &self,
        repo: &RepoId,
        number: u64,
    ) -> Result<IssueView, ForgeError> {
        issue_view(&self.client.get_issue(repo, number).await?)
    }

    pub(super) async fn read_issue_comments(
        &self,
        repo: &RepoId,
        number: u64,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<IssueComment>, ForgeError> {
        let since = since.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true));
        let items = self
            .client
            .list_issue_comments(repo, number, since.as_deref())
            .await?;
        items.iter().map(issue_comment).collect()
    }

    pub(super) async fn change_issue(
        &self,
        repo: &RepoId,
        number: u64,
        update: &IssueUpdate,
    ) -> Result<IssueView, ForgeError> {
        let answer = self
            .client
            .update_issue(repo, number, &patch_body(update))
            .await?;
        issue_view(&answer)
    }

    pub(super) async fn label_issue(
        &self,
        repo: &RepoId,
        number: u64,
        labels: &[String],
    ) -> Result<Vec<String>, ForgeError> {
        let answer = self.client.add_issue_labels(repo, number, labels).await?;
        Ok(label_names(&answer))
    }
}

/// The PATCH body: only the members `update` names.
fn patch_body(update: &IssueUpdate) -> Value {
    let mut body = Map::new();
    if let Some(title) = &update.title {
        body.insert("title".into(), json!(title));
    }
    if let Some(text) = &update.body {
        body.insert("body".into(), json!(text));
    }
    if let Some(state) = update.state {
        body.insert("state".into(), json!(state.name()));
    }
    if let Some(labels) = &update.labels {
        body.insert("labels".into(), json!(labels));
    }
    Value::Object(body)
}

/// Label names from a list of label objects (or of plain names, which GitHub also accepts).
fn label_names(labels: &Value) -> Vec<String> {
    labels
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|l| l.get("name").and_then(Value::as_str).or(l.as_str()))
                .map(crate::text::sanitize_line)
                .collect()
        })
        .unwrap_or_default()
}

fn text(item: &Value, member: &str) -> String {
    item.get(member)
        .and_then(Value::as_str)
        .map(crate::text::sanitize)
        .unwrap_or_default()
}

fn time(item: &Value, pointer: &str) -> Result<DateTime<Utc>, ForgeError> {
    field(item, pointer, |v| {
        v.as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
    })
}

pub(super) fn issue_view(item: &Value) -> Result<IssueView, ForgeError> {
    let state = match field(item, "/state", Value::as_str)? {
        "closed" => IssueState::Closed,
        _ => IssueState::Open,
    };
    Ok(IssueView {
        number: field(item, "/number", Value::as_u64)?,
        html_url: crate::text::sanitize_line(&text(item, "html_url")),
        title: crate::text::sanitize_line(&text(item, "title")),
        body: text(item, "body"),
        state,
        labels: label_names(item.get("labels").unwrap_or(&Value::Null)),
    })
}

fn issue_comment(item: &Value) -> Result<IssueComment, ForgeError> {
    Ok(IssueComment {
        id: field(item, "/id", Value::as_u64)?,
        author: field(item, "/user/login", |v| {
            v.as_str().map(crate::text::sanitize_line)
        })?,
        body: text(item, "body"),
        created_at: time(item, "/created_at")?,
        updated_at: time(item, "/updated_at")?,
        html_url: crate::text::sanitize_line(&text(item, "html_url")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_names_only_what_changes() {
        let update = IssueUpdate {
            state: Some(IssueState::Closed),
            labels: Some(vec!["breakglass".into()]),
            ..IssueUpdate::default()
        };
        assert_eq!(
            patch_body(&update),
            json!({"state": "closed", "labels": ["breakglass"]})
        );
        assert_eq!(patch_body(&IssueUpdate::default()), json!({}));
    }

    #[test]
    fn issues_and_comments_read_githubs_shapes() {
        let issue = json!({
            "number": 7, "html_url": "https://github.com/acme/api/issues/7",
            "title": "[break-glass] INC-1: down", "body": null, "state": "closed",
            "labels": [{"name": "breakglass"}, {"name": "breakglass:open"}]
        });
        let view = issue_view(&issue).unwrap();
        assert_eq!(view.state, IssueState::Closed);
        assert_eq!(view.labels, ["breakglass", "breakglass:open"]);
        assert_eq!(view.body, "");
        let comment = json!({
            "id": 9, "user": {"login": "reviewer"}, "body": "hi",
            "created_at": "2026-12-01T23:00:00Z", "updated_at": "2026-12-01T23:00:05Z",
            "html_url": "https://github.com/acme/api/issues/7#issuecomment-9"
        });
        let read = issue_comment(&comment).unwrap();
        assert_eq!(read.author, "reviewer");
        assert_eq!(read.updated_at.to_rfc3339(), "2026-12-01T23:00:05+00:00");
        assert!(issue_comment(&json!({"id": 9, "body": "x"})).is_err());
    }
}
