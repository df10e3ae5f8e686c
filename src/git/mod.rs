//! Git operations on the operator's repository (git2): open it, parse the forge remote,
//! fetch, list the commits a push would send, add break-glass trailers to them, and push
//! with the operator's credentials, reporting the remote's verdict.
//!
//! Nothing here talks to the forge's REST API, the audit log or the terminal; callers
//! record what these functions return.

mod credentials;
mod error;
mod http_requests;
mod outgoing;
mod push;
mod remote_url;
mod repository;
mod trailers;

pub use credentials::Credentials;
pub use error::GitError;
pub use http_requests::count_http_requests;
pub use outgoing::OutgoingCommit;
pub use push::{PushOutcome, PushRequest};
pub use remote_url::{ForgeRemote, Transport, parse_remote_url};
pub use repository::LocalRepo;
pub use trailers::{
    AUDIT_TRAILER, INCIDENT_TRAILER, Rewritten, TrailerRewrite, Trailers, with_trailers,
};

/// Serializes a [`git2::Oid`] as its 40-character hex form.
pub(crate) mod oid_hex {
    pub fn serialize<S: serde::Serializer>(oid: &git2::Oid, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(oid)
    }
}

/// The short form operators see in messages.
pub(crate) fn short(oid: git2::Oid) -> String {
    oid.to_string()[..7].to_owned()
}
