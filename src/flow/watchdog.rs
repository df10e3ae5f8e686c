//! The lease's first two layers: a loop that waits for the deadline (re-reading the log
//! for extensions and for a restore done elsewhere) and then restores until a restore is
//! verified, however long the forge fails, run in-process by
//! long-lived callers and by the detached watchdog process started at activation
//! (`breakglass watchdog --incident ID`, its own session, stdio on /dev/null).

use super::context::Flow;
use super::error::FlowError;
use super::failpoint::FAILPOINT_ENV;
use super::restore::{RestoreOutcome, RestoreRun};
use crate::forge::token::TokenHost;
use crate::incident::{RESTORE_RETRY, RestoreTrigger};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// How often the loop re-reads the log while waiting: a restore done by someone else or an
/// extension is noticed within this.
const POLL: Duration = Duration::from_secs(1);

/// What one look at a guarded incident found or did.
enum Round {
    /// The glass is closed (by someone else).
    Closed,
    /// This guard restored it, verified.
    Restored(Box<RestoreOutcome>),
    /// This guard's attempt failed; the glass is still open.
    Failed { attempts: u32 },
    /// The lease runs for this long yet.
    Waiting(Duration),
}

/// Errors that pass: the log busy or briefly unwritable, the forge unreachable. The
/// watchdog keeps trying through these, from its start on.
pub fn retryable(error: &FlowError) -> bool {
    matches!(
        error,
        FlowError::Audit { .. } | FlowError::AuditRead(_) | FlowError::Forge { .. }
    )
}

/// The file holding incident `id`'s watchdog PID (for operators and tests).
pub fn pid_file(state_dir: &std::path::Path, id: &str) -> PathBuf {
    state_dir.join("watchdogs").join(format!("{id}.pid"))
}

impl Flow {
    /// Waits until incident `id`'s glass is closed by someone else (returns `None`) or
    /// must be restored, then restores it with `trigger` and keeps retrying, with the
    /// policy's capped pauses, until a restore is verified (returns its outcome). It never
    /// gives up on a failing forge or a busy log: only an error no retry can cure (the
    /// incident cannot be read) ends it early.
    pub async fn guard_lease(
        &self,
        id: &str,
        trigger: RestoreTrigger,
    ) -> Result<Option<RestoreOutcome>, FlowError> {
        let mut run = RestoreRun::new(trigger);
        let mut stalls = 0;
        loop {
            let wait = match self.guard_round(id, &mut run).await {
                Ok(Round::Closed) => return Ok(None),
                Ok(Round::Restored(outcome)) => return Ok(Some(*outcome)),
                Ok(Round::Failed { attempts }) => {
                    stalls = 0;
                    self.options
                        .sleeper
                        .0
                        .sleep(RESTORE_RETRY.delay_after(attempts))
                        .await;
                    continue;
                }
                Ok(Round::Waiting(left)) => left.clamp(Duration::from_millis(50), POLL),
                // Someone is acting on it; look again shortly.
                Err(FlowError::Locked { .. }) => POLL,
                Err(error) if retryable(&error) => {
                    stalls += 1;
                    tracing::warn!(incident = id, %error, "the guard cannot act yet; retrying");
                    RESTORE_RETRY.delay_after(stalls)
                }
                Err(error) => return Err(error),
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// One look at the incident, and one restore attempt if it needs one.
    async fn guard_round(&self, id: &str, run: &mut RestoreRun) -> Result<Round, FlowError> {
        let incident = self.incident(id)?;
        if !incident.glass_possibly_open() {
            return Ok(Round::Closed);
        }
        let now = self.clock.now();
        if !incident.needs_restore(now) {
            let left = incident
                .lease
                .map(|l| l.remaining(now).to_std().unwrap_or_default())
                .unwrap_or(POLL);
            return Ok(Round::Waiting(left));
        }
        let lock = self.lock(id)?;
        let outcome = self.restore_attempt(&lock, run).await?;
        Ok(if outcome.already_closed {
            Round::Closed
        } else if outcome.verified {
            Round::Restored(Box::new(outcome))
        } else {
            Round::Failed {
                attempts: outcome.attempts,
            }
        })
    }

    /// Starts the detached watchdog for incident `id`; `None` (and a log line) when it
    /// could not be started — recovery by the next command still covers the lease.
    pub(super) fn start_watchdog(&self, id: &str) -> Option<u32> {
        if !self.options.spawn_watchdog {
            return None;
        }
        let program = match &self.options.watchdog_program {
            Some(program) => program.clone(),
            None => std::env::current_exe().ok()?,
        };
        let mut command = Command::new(program);
        command
            .args([
                "watchdog",
                "--incident",
                id,
                "--api-url",
                &self.options.api_url,
                "--actor",
                self.recorder.actor(),
            ])
            .env_remove(FAILPOINT_ENV)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for name in crate::forge::token::TOKEN_ENV_NAMES {
            command.env_remove(name);
        }
        if let (Some(token), Some(host)) =
            (&self.token, TokenHost::of_api_url(&self.options.api_url))
        {
            // The environment, not argv: other users can read a process's arguments. Only
            // the variable the incident's host reads first, so no other host's token is
            // there to be found.
            command.env(host.env_names()[0], token.expose());
        }
        if let Some(home) = &self.options.home {
            command.env(crate::paths::HOME_ENV, home);
        }
        detach(&mut command);
        match command.spawn() {
            Ok(child) => {
                let pid = child.id();
                let file = pid_file(&self.paths.state_dir, id);
                let _ = file
                    .parent()
                    .map(std::fs::create_dir_all)
                    .transpose()
                    .and_then(|_| std::fs::write(&file, format!("{pid}\n")));
                tracing::info!(incident = id, pid, "watchdog started");
                Some(pid)
            }
            Err(error) => {
                tracing::warn!(incident = id, %error, "the watchdog could not be started");
                None
            }
        }
    }
}

/// Its own session: no terminal, and Ctrl-C or a closed terminal do not reach it.
fn detach(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
