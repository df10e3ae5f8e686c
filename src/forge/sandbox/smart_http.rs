//! git's smart HTTP protocol for the sandbox forge: ref advertisements, fetch through the
//! real `git upload-pack --stateless-rpc`, and our own receive-pack so that pushes can be
//! refused per ref the way GitHub refuses them (`protected branch hook declined`).
//!
//! This module speaks the wire protocol only. It holds no HTTP routes, no authentication
//! and no protection rules: the sandbox's routes call it and pass the policy in.

mod pktline;
mod receive;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::AsyncWriteExt;

pub use receive::{receive_pack, receive_pack_reporting};

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

/// One ref update a client asked for. For every kind but `Delete` the pushed objects are
/// already in the repository's object database when the policy sees this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    pub refname: String,
    /// Zero for `Create`.
    pub old: git2::Oid,
    /// Zero for `Delete`.
    pub new: git2::Oid,
    pub kind: UpdateKind,
}

/// The policy's answer for one ref update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Apply the update; `remote_lines` reach the client as `remote: …`.
    Allow { remote_lines: Vec<String> },
    /// Refuse it; `status` is the per-ref reason the client shows in parentheses
    /// (`protected branch hook declined`).
    Reject {
        status: String,
        remote_lines: Vec<String>,
    },
}

/// What went wrong serving a git request (as opposed to a push the policy refused, which
/// is a normal response).
#[derive(Debug, thiserror::Error)]
pub enum SmartHttpError {
    #[error("cannot open the sandbox repository {path}: {source}")]
    OpenRepository { path: PathBuf, source: git2::Error },
    #[error("cannot read the references of {path}: {source}")]
    ReadRefs { path: PathBuf, source: git2::Error },
    #[error("cannot run `git upload-pack` ({source}); the sandbox needs the git command on PATH")]
    SpawnGit { source: std::io::Error },
    #[error("`git upload-pack` on {path} failed ({status}): {stderr}")]
    UploadPack {
        path: PathBuf,
        status: String,
        stderr: String,
    },
    /// The request's command section is not valid pkt-lines, so there are no refs to
    /// answer `ng` for; the route should answer 400.
    #[error("malformed receive-pack request: {0}")]
    MalformedRequest(String),
}

/// The capabilities our receive-pack offers: report-status (v1) only, so that every client
/// reads per-ref statuses the same way.
const RECEIVE_PACK_CAPABILITIES: &str =
    "report-status side-band-64k delete-refs ofs-delta agent=breakglass-sandbox";

/// Body of `GET info/refs?service=…`, including the `# service=` pkt-line and flush.
pub fn advertise(repo: &Path, service: Service) -> Result<Vec<u8>, SmartHttpError> {
    let mut out = Vec::new();
    pktline::write_pkt(
        &mut out,
        format!("# service={}\n", service.name()).as_bytes(),
    );
    out.extend_from_slice(pktline::FLUSH);
    match service {
        Service::UploadPack => out.extend(upload_pack_advertisement(repo)?),
        Service::ReceivePack => out.extend(receive_pack_advertisement(repo)?),
    }
    Ok(out)
}

fn upload_pack_advertisement(repo: &Path) -> Result<Vec<u8>, SmartHttpError> {
    let output = git_upload_pack_command(repo, true)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| SmartHttpError::SpawnGit { source })?;
    if !output.status.success() {
        return Err(upload_pack_failed(repo, &output.status, &output.stderr));
    }
    Ok(output.stdout)
}

fn git_upload_pack_command(repo: &Path, advertise_refs: bool) -> std::process::Command {
    let mut command = std::process::Command::new("git");
    // Protocol v0 on both sides: the advertisement is produced without the client's
    // Git-Protocol header, so the POST must not switch versions either.
    command
        .env_remove("GIT_PROTOCOL")
        .args(["upload-pack", "--strict", "--stateless-rpc"]);
    if advertise_refs {
        command.arg("--advertise-refs");
    }
    // `--` so that no repository path can be read as an option.
    command.arg("--").arg(repo);
    command
}

fn upload_pack_failed(
    repo: &Path,
    status: &std::process::ExitStatus,
    stderr: &[u8],
) -> SmartHttpError {
    SmartHttpError::UploadPack {
        path: repo.to_owned(),
        status: status.to_string(),
        stderr: crate::text::sanitize_line(String::from_utf8_lossy(stderr).trim()),
    }
}

fn receive_pack_advertisement(path: &Path) -> Result<Vec<u8>, SmartHttpError> {
    let repo = open_repository(path)?;
    let read_refs = |source| SmartHttpError::ReadRefs {
        path: path.to_owned(),
        source,
    };
    let mut refs: Vec<(String, git2::Oid)> = Vec::new();
    for reference in repo.references().map_err(read_refs)? {
        let reference = reference.map_err(read_refs)?;
        if let (Ok(name), Some(target)) = (reference.name(), reference.target()) {
            refs.push((name.to_owned(), target));
        }
    }
    refs.sort();
    let mut out = Vec::new();
    if refs.is_empty() {
        let line = format!(
            "{} capabilities^{{}}\0{RECEIVE_PACK_CAPABILITIES}\n",
            git2::Oid::ZERO_SHA1
        );
        pktline::write_pkt(&mut out, line.as_bytes());
    }
    for (index, (name, oid)) in refs.iter().enumerate() {
        let line = if index == 0 {
            format!("{oid} {name}\0{RECEIVE_PACK_CAPABILITIES}\n")
        } else {
            format!("{oid} {name}\n")
        };
        pktline::write_pkt(&mut out, line.as_bytes());
    }
    out.extend_from_slice(pktline::FLUSH);
    Ok(out)
}

pub(crate) fn open_repository(path: &Path) -> Result<git2::Repository, SmartHttpError> {
    git2::Repository::open_bare(path).map_err(|source| SmartHttpError::OpenRepository {
        path: path.to_owned(),
        source,
    })
}

/// POST git-upload-pack (fetch/clone): served by the real `git upload-pack --stateless-rpc`.
///
/// The git command line gzips large fetch requests (`Content-Encoding: gzip`); such a body
/// is recognised by its magic bytes (a pkt-line never starts with them) and inflated
/// before git sees it.
pub async fn upload_pack(repo: &Path, request: bytes::Bytes) -> Result<Vec<u8>, SmartHttpError> {
    let request = if request.starts_with(&[0x1f, 0x8b]) {
        gunzip(&request)?.into()
    } else {
        request
    };
    let command = tokio::process::Command::from(git_upload_pack_command(repo, false));
    let output = run_with_stdin(command, request).await?;
    if !output.status.success() {
        return Err(upload_pack_failed(repo, &output.status, &output.stderr));
    }
    Ok(output.stdout)
}

/// Inflates a gzip body in process (flate2), so the sandbox needs no `gzip` program.
fn gunzip(compressed: &[u8]) -> Result<Vec<u8>, SmartHttpError> {
    use std::io::Read;
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(compressed)
        .read_to_end(&mut inflated)
        .map_err(|e| {
            SmartHttpError::MalformedRequest(format!(
                "gzip-encoded request could not be inflated: {e}"
            ))
        })?;
    Ok(inflated)
}

/// Runs `command`, feeding `input` on stdin while stdout is read, so that neither side
/// blocks on a full pipe.
async fn run_with_stdin(
    mut command: tokio::process::Command,
    input: bytes::Bytes,
) -> Result<std::process::Output, SmartHttpError> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| SmartHttpError::SpawnGit { source })?;
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let writer = tokio::spawn(async move {
        // A process that exits early closes its stdin; its exit status tells the story.
        let _ = stdin.write_all(&input).await;
    });
    let output = child
        .wait_with_output()
        .await
        .map_err(|source| SmartHttpError::SpawnGit { source })?;
    let _ = writer.await;
    Ok(output)
}

/// The `Content-Type` of a response: the advertisement of `GET info/refs` or the result of
/// the POST.
pub fn content_type(service: Service, advertisement: bool) -> &'static str {
    match (service, advertisement) {
        (Service::UploadPack, true) => "application/x-git-upload-pack-advertisement",
        (Service::UploadPack, false) => "application/x-git-upload-pack-result",
        (Service::ReceivePack, true) => "application/x-git-receive-pack-advertisement",
        (Service::ReceivePack, false) => "application/x-git-receive-pack-result",
    }
}
