//! Placeholder for git's smart HTTP protocol, with exactly the agreed signatures; the
//! engineer "git" writes the real module and the lead replaces this whole file at merge.
//!
//! Every entry point answers "unavailable", so the sandbox's git routes compile and fail
//! loudly (HTTP 500) until the real wire protocol lands.

use std::path::Path;

/// The two git services a smart HTTP server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// Fetch and clone.
    UploadPack,
    /// Push.
    ReceivePack,
}

impl Service {
    /// The name git uses in `?service=` and in the POST path.
    pub fn name(self) -> &'static str {
        match self {
            Service::UploadPack => "git-upload-pack",
            Service::ReceivePack => "git-receive-pack",
        }
    }

    /// Parses the `service` query parameter of `GET info/refs`.
    pub fn from_name(name: &str) -> Option<Service> {
        match name {
            "git-upload-pack" => Some(Service::UploadPack),
            "git-receive-pack" => Some(Service::ReceivePack),
            _ => None,
        }
    }
}

/// How a pushed ref moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpdateKind {
    /// The ref did not exist.
    Create,
    /// The new commit descends from the old one.
    FastForward,
    /// The new commit does not descend from the old one: history is rewritten.
    Force,
    /// The ref is removed.
    Delete,
}

/// One ref update a client asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    pub refname: String,
    pub old: git2::Oid,
    pub new: git2::Oid,
    pub kind: UpdateKind,
}

/// The policy's answer for one ref update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Apply the update; `remote_lines` reach the client as `remote: …`.
    Allow { remote_lines: Vec<String> },
    /// Refuse it; `status` is the per-ref reason the client shows in parentheses.
    Reject {
        status: String,
        remote_lines: Vec<String>,
    },
}

/// What went wrong serving a git request.
#[derive(Debug, thiserror::Error)]
pub enum SmartHttpError {
    /// The request is not valid pkt-lines.
    #[error("malformed receive-pack request: {0}")]
    MalformedRequest(String),
    #[error("git over smart HTTP is not built into this sandbox yet (placeholder module)")]
    Unavailable,
}

/// Body of `GET info/refs?service=…`, including the `# service=` pkt-line and flush.
pub fn advertise(_repo: &Path, _service: Service) -> Result<Vec<u8>, SmartHttpError> {
    Err(SmartHttpError::Unavailable)
}

/// POST git-upload-pack (fetch/clone).
pub async fn upload_pack(_repo: &Path, _request: bytes::Bytes) -> Result<Vec<u8>, SmartHttpError> {
    Err(SmartHttpError::Unavailable)
}

/// POST git-receive-pack: stores the pack, asks `policy` about each ref update.
pub fn receive_pack(
    _repo: &Path,
    _request: &[u8],
    _policy: &mut dyn FnMut(&RefUpdate) -> Verdict,
) -> Result<Vec<u8>, SmartHttpError> {
    Err(SmartHttpError::Unavailable)
}

/// The content type of a smart HTTP response.
pub fn content_type(service: Service, advertisement: bool) -> &'static str {
    match (service, advertisement) {
        (Service::UploadPack, true) => "application/x-git-upload-pack-advertisement",
        (Service::UploadPack, false) => "application/x-git-upload-pack-result",
        (Service::ReceivePack, true) => "application/x-git-receive-pack-advertisement",
        (Service::ReceivePack, false) => "application/x-git-receive-pack-result",
    }
}
