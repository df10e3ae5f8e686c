//! Failpoints, a test hook: `BREAKGLASS_FAILPOINT=after:activation_intended` makes the
//! process SIGKILL itself at that step boundary, so crash tests can stop the real binary
//! exactly where a power cut or `kill -9` could. Compiled in only with the `failpoints`
//! cargo feature (on for the tests, off by default), so no release build can be killed this
//! way; even then it is inert unless the variable is set.
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
#[cfg(feature = "failpoints")]
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

/// Without the `failpoints` feature nothing is armed, whatever the environment says.
#[cfg(not(feature = "failpoints"))]
pub fn hit(_name: &str) {}

/// True when the comma-separated `spec` names `name` exactly.
#[cfg_attr(not(any(test, feature = "failpoints")), allow(dead_code))]
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

    /// A build that is not for the tests (`cargo build`, `--release`) must not have the hook:
    /// the feature stays out of the defaults and only the test build turns it on.
    #[test]
    fn only_the_test_build_has_failpoints() {
        let manifest: toml::Table =
            toml::from_str(include_str!("../../Cargo.toml")).expect("Cargo.toml parses");
        let features = manifest["features"].as_table().expect("[features]");
        let default = features.get("default").and_then(|d| d.as_array());
        assert!(
            !default.is_some_and(|d| d.iter().any(|f| f.as_str() == Some("failpoints"))),
            "failpoints must not be a default feature"
        );
        let for_tests = &manifest["dev-dependencies"]["breakglass"]["features"];
        assert_eq!(for_tests, &toml::Value::from(vec!["failpoints"]));
        const { assert!(cfg!(feature = "failpoints"), "the tests are built with it") };
    }
}
