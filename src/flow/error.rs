//! What can stop a break-glass step, each error naming the cause and the operator's next
//! action. Only the vocabulary lives here; the steps decide which one applies.

use crate::audit::AuditError;
use crate::config::{ConfigError, InputError};
use crate::forge::github::ForgeError;
use crate::forge::plan::PlanRefusal;
use crate::git::GitError;
use crate::incident::{IncidentLogError, LeaseError, Phase};
use crate::paths::PathsError;

/// A break-glass step that could not be done, phrased for the operator.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error(transparent)]
    Paths(#[from] PathsError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(
        "the audit log could not record `{kind}`: {source} — nothing further was changed on \
         the forge; fix the audit log and run the command again"
    )]
    Audit {
        kind: &'static str,
        source: AuditError,
    },
    #[error("cannot read the audit log: {0}")]
    AuditRead(AuditError),
    #[error(transparent)]
    IncidentLog(#[from] IncidentLogError),
    #[error(
        "incident {id} is already declared in the audit log; choose another id, or continue it \
         with `breakglass push|restore|review --incident {id}`"
    )]
    AlreadyDeclared { id: String },
    #[error(
        "incident {id} belongs to the forge {bound} where it was declared, not {requested} \
         (named by {named_by}); nothing was sent — name {bound} instead, with --api-url or \
         `api_url` in the config"
    )]
    OtherForge {
        id: String,
        bound: String,
        requested: String,
        named_by: String,
    },
    #[error(
        "incident {id} was declared by an older breakglass that did not record its forge, and \
         no forge was named; nothing was sent — pass --api-url with the API URL of the forge \
         it was declared on"
    )]
    ForgeUnknown { id: String },
    #[error(
        "incident {id} may have its glass open, but it was declared by an older breakglass \
         that did not record its forge, so recovery sent nothing (the same repository on \
         another host must not get its snapshot) — run `breakglass restore --incident {id} \
         --api-url URL` with the API URL of the forge it was declared on"
    )]
    RecoveryForgeUnknown { id: String },
    #[error(
        "the audit log cannot be read: {why}; nothing was sent — run `breakglass audit verify`"
    )]
    LedgerUnreadable { why: String },
    #[error(
        "incident {id} cannot be read from the audit log: {why}; nothing was sent — its glass \
         may be open: run `breakglass audit verify`"
    )]
    IncidentUnreadable { id: String, why: String },
    #[error(transparent)]
    NoToken(#[from] crate::forge::token::NoTokenError),
    #[error(transparent)]
    TokenHost(#[from] crate::forge::token::WrongHostError),
    #[error("there is no incident {id} in the audit log; `breakglass status` lists them")]
    UnknownIncident { id: String },
    #[error("no incident is open; declare one with `breakglass activate`")]
    NoOpenIncident,
    #[error("several incidents are open ({ids}); say which with --incident ID")]
    SeveralOpen { ids: String },
    #[error("incident {id} is `{phase}`, so it cannot {action}: {hint}")]
    WrongPhase {
        id: String,
        phase: Phase,
        action: &'static str,
        hint: &'static str,
    },
    #[error("incident {id} is being handled by PID {pid} ({command}) — wait for it or stop it")]
    Locked {
        id: String,
        pid: String,
        command: String,
    },
    #[error("cannot take the lock {path}: {source} — check the state directory's permissions")]
    LockIo {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{step} failed: {source}")]
    Forge {
        step: &'static str,
        source: ForgeError,
    },
    #[error("preflight refused to open the glass: {0} (nothing was changed on the forge)")]
    Refused(#[from] PlanRefusal),
    #[error(
        "{login} is {permission} on {repo}, and breakglass needs an administrator's token to \
         change branch protection — use a token with repository administration permission"
    )]
    NotAdmin {
        login: String,
        permission: String,
        repo: String,
    },
    #[error(
        "the clone's remote points at {found}, but incident {id} is about {expected}; pass \
         --repo-dir for a clone of {expected} or --remote for its remote"
    )]
    WrongRepository {
        id: String,
        expected: String,
        found: String,
    },
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(
        "there is nothing to push: the local branch {branch} has no commits that {remote}/{branch} \
         lacks — commit the fix first"
    )]
    NothingToPush { branch: String, remote: String },
    #[error("the clone has HEAD detached or unborn; check out the branch that holds the fix")]
    NoLocalBranch,
    #[error(
        "{branch} on the forge is at {found}, not at {expected} where the window started: someone \
         else pushed; look at what landed before pushing again"
    )]
    RemoteMoved {
        branch: String,
        expected: String,
        found: String,
    },
    #[error(
        "the lease of incident {id} expired at {deadline}; protections are being restored — \
         declare a new incident to push again"
    )]
    LeaseExpired { id: String, deadline: String },
    #[error(transparent)]
    Lease(#[from] LeaseError),
    #[error(
        "extending the lease of incident {id} needs a reason (it goes into the audit log); say \
         why the glass must stay open longer"
    )]
    ExtensionNeedsReason { id: String },
    #[error(
        "the snapshot recorded for {id} is not one this version can restore ({problem}); \
         nothing was changed — restore by hand from the `preflighted` event shown by \
         `breakglass audit show --incident {id} --json`"
    )]
    SnapshotNotRestorable { id: String, problem: String },
    #[error(
        "the recorded {what} of incident {id} cannot be read ({problem}); check the log with \
         `breakglass audit verify`"
    )]
    Unreadable {
        id: String,
        what: &'static str,
        problem: String,
    },
    #[error("incident {id}: {reason}; nothing was changed and the glass is still open")]
    KeepTheirsRefused {
        id: String,
        reason: crate::forge::keep_theirs::KeepTheirsRefusal,
    },
    #[error("the push to {branch} was refused by the forge: {status}")]
    PushRefused { branch: String, status: String },
    #[error(
        "incident {id}'s glass has been open {open_seconds} s in all its windows, its whole \
         lease cap of {cap_seconds} s; no new window can open — declare a new incident for \
         another fix"
    )]
    CapReached {
        id: String,
        open_seconds: i64,
        cap_seconds: i64,
    },
    #[error("activation failed: {error}; restore {restore}")]
    ActivationFailed {
        error: String,
        restore: String,
        /// The protection was put back and verified.
        restored: bool,
    },
    #[error("the retroactive review needs a landed push, and incident {id} has none")]
    NothingToReview { id: String },
    #[error(
        "incident {id} may not open its glass yet: {why} — wait for a second person's \
         approval (`breakglass approve --incident {id} --repo OWNER/NAME` or `/approve` on the \
         incident issue), or proceed alone with --self-approve \"REASON\""
    )]
    ApprovalNeeded { id: String, why: String },
    #[error(
        "the approval of incident {id} was denied by {by}: {reason} — nothing was changed on \
         the forge; address it and run `breakglass activate` again to request a new \
         approval, or proceed alone with --self-approve \"REASON\""
    )]
    ApprovalDenied {
        id: String,
        by: String,
        reason: String,
    },
    #[error(
        "nobody approved incident {id} in time ({issue_url}); nothing was changed on the forge \
         — ask a second person with write access to be ready and run `breakglass activate` \
         again to request a new approval, or proceed alone with --self-approve \"REASON\""
    )]
    ApprovalTimedOut { id: String, issue_url: String },
    #[error(
        "self-approving incident {id} needs a reason (it goes into the audit log, on the \
         incident issue and into the review): say why no second person can approve"
    )]
    SelfApprovalNeedsReason { id: String },
    #[error("a background task failed: {0}")]
    Task(String),
}

impl FlowError {
    /// The process exit code for this error: 3 when the glass may still be open
    /// (activation failed and the restore did not verify, or drift the operator must
    /// decide about again), else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            FlowError::ActivationFailed {
                restored: false, ..
            }
            | FlowError::KeepTheirsRefused { .. }
            | FlowError::SnapshotNotRestorable { .. } => 3,
            _ => 1,
        }
    }

    pub(crate) fn audit(kind: &'static str) -> impl FnOnce(AuditError) -> FlowError {
        move |source| FlowError::Audit { kind, source }
    }

    pub(crate) fn forge(step: &'static str) -> impl FnOnce(ForgeError) -> FlowError {
        move |source| FlowError::Forge { step, source }
    }
}
