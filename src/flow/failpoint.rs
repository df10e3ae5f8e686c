//! Failpoints, a test hook: `BREAKGLASS_FAILPOINT=after:activation_intended` makes the
//! process SIGKILL itself at that step boundary, so crash tests can stop the real binary
//! exactly where a power cut or `kill -9` could. Inert unless the variable is set.
//!
//! Names: `after:<event kind>` (right after the event is acknowledged by the audit log),
//! and `after:forge_apply`, `after:git_push`, `after:forge_restore` (between a forge or git
//! mutation and the event recording its result). Several may be given, comma-separated.

/// The environment variable that arms failpoints.
pub const FAILPOINT_ENV: &str = "BREAKGLASS_FAILPOINT";

/// Every boundary a failpoint can name, in flow order (for tests and documentation).
pub const BOUNDARIES: &[&str] = &[
    "after:declared",
    "after:preflighted",
    "after:activation_intended",
    "after:forge_apply",
    "after:activated",
    "after:push_intended",
    "after:git_push",
    "after:pushed",
    "after:restore_intended",
    "after:forge_restore",
    "after:drift_detected",
    "after:restored",
    "after:review_opened",
];

/// Kills the process with SIGKILL if `name` is armed. Nothing runs after it: no
/// destructor, no flush, exactly like a crash.
pub fn hit(name: &str) {
    let Some(armed) = std::env::var_os(FAILPOINT_ENV) else {
        return;
    };
    if is_armed(&armed.to_string_lossy(), name) {
        tracing::warn!(failpoint = name, "failpoint armed: killing the process");
        // SAFETY: kill(2) on our own PID with a valid signal number has no memory effects.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

/// True when the comma-separated `spec` names `name` exactly.
fn is_armed(spec: &str, name: &str) -> bool {
    spec.split(',').any(|point| point.trim() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exactly_named_boundaries_are_armed() {
        assert!(is_armed("after:activated", "after:activated"));
        assert!(is_armed("after:pushed, after:activated", "after:activated"));
        assert!(!is_armed("after:activation_intended", "after:activated"));
        assert!(!is_armed("", "after:activated"));
        // Every documented boundary is one a test can name.
        assert!(BOUNDARIES.iter().all(|b| b.starts_with("after:")));
    }
}
