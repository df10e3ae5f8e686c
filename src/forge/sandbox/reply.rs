//! Replies in GitHub's shape: JSON bodies, `{message, documentation_url}` errors, and the
//! status codes GitHub uses for each failure.
//!
//! No routing and no state here.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

const DOCS: &str = "https://docs.github.com/rest";

/// A finished answer, before the server adds its common headers.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: ReplyBody,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

#[derive(Debug)]
pub enum ReplyBody {
    Empty,
    Json(Value),
    Raw {
        bytes: Vec<u8>,
        content_type: &'static str,
    },
}

impl Reply {
    pub fn json(status: StatusCode, value: Value) -> Self {
        Reply {
            status,
            body: ReplyBody::Json(value),
            headers: Vec::new(),
        }
    }

    pub fn ok(value: Value) -> Self {
        Self::json(StatusCode::OK, value)
    }

    pub fn created(value: Value) -> Self {
        Self::json(StatusCode::CREATED, value)
    }

    pub fn no_content() -> Self {
        Reply {
            status: StatusCode::NO_CONTENT,
            body: ReplyBody::Empty,
            headers: Vec::new(),
        }
    }

    pub fn raw(status: StatusCode, bytes: Vec<u8>, content_type: &'static str) -> Self {
        Reply {
            status,
            body: ReplyBody::Raw {
                bytes,
                content_type,
            },
            headers: Vec::new(),
        }
    }

    /// GitHub's error body.
    pub fn error(status: StatusCode, message: &str) -> Self {
        Self::json(
            status,
            json!({"message": message, "documentation_url": DOCS}),
        )
    }

    pub fn not_found() -> Self {
        Self::error(StatusCode::NOT_FOUND, "Not Found")
    }

    pub fn unprocessable(message: &str) -> Self {
        Self::error(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// `422 Invalid request.` with the schema complaint GitHub appends.
    pub fn invalid(detail: &str) -> Self {
        Self::unprocessable(&format!("Invalid request.\n\n{detail}"))
    }

    /// `422 Validation Failed` with GitHub's `errors` list.
    pub fn validation_failed(resource: &str, field: &str, message: &str) -> Self {
        Self::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "message": "Validation Failed",
                "errors": [{"resource": resource, "field": field, "code": "invalid", "message": message}],
                "documentation_url": DOCS,
            }),
        )
    }

    /// `422 Unprocessable Entity` with GitHub's plain-string `errors` list
    /// (`validation-error-simple`), as pull request reviews answer.
    pub fn unprocessable_because(error: &str) -> Self {
        Self::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "message": "Unprocessable Entity",
                "errors": [error],
                "documentation_url": DOCS,
            }),
        )
    }

    pub fn unauthorized(message: &str) -> Self {
        Self::error(StatusCode::UNAUTHORIZED, message)
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((HeaderName::from_static(name), v));
        }
        self
    }

    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    pub fn into_response(self) -> Response {
        let (bytes, content_type) = match self.body {
            ReplyBody::Empty => (Vec::new(), None),
            ReplyBody::Json(v) => (
                serde_json::to_vec_pretty(&v).unwrap_or_default(),
                Some("application/json; charset=utf-8"),
            ),
            ReplyBody::Raw {
                bytes,
                content_type,
            } => (bytes, Some(content_type)),
        };
        let mut response = Response::new(Body::from(bytes));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        if let Some(ct) = content_type {
            headers.insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static(ct),
            );
        }
        for (name, value) in self.headers {
            headers.append(name, value);
        }
        response
    }
}

/// Parses a JSON request body as GitHub does: `400 Problems parsing JSON` when it is not.
pub fn parse_json(body: &[u8]) -> Result<Value, Reply> {
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body)
        .map_err(|_| Reply::error(StatusCode::BAD_REQUEST, "Problems parsing JSON"))
}
