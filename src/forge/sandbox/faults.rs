//! Fault injection: what can go wrong on purpose (latency, 5xx, 429, secondary and primary
//! rate limits, "apply then time out", drift), the spec syntax that names it, and the
//! table of armed faults with their remaining counts.
//!
//! Pure bookkeeping: the server decides when to consult the table and performs the fault.
//!
//! Spec syntax (also accepted by `breakglass sandbox --fault` and `POST /_sandbox/faults`):
//!
//! ```text
//! METHOD:PATH=ACTION[xN]       METHOD get|put|post|patch|delete|*  PATH a glob (* matches anything)
//!   ACTION  500 (any status)  latency:200ms  429[:2s]  secondary[:60s]  primary[:60s]
//!           timeout-after-apply[:30s]  panic (the handler panics: answered 500)
//!   xN      apply to the next N matching requests (default: until cleared)
//! drift:OWNER/NAME:BRANCH[@N]  after the Nth successful change to that branch's protection
//!                              (or the repository's rulesets), someone sets the required
//!                              approving review count to 2 (N defaults to 1)
//! ```

use super::scope::{glob, glob_match};
use std::fmt;
use std::time::Duration;

/// What happens to a matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer after this delay (the request is then served normally).
    Latency(Duration),
    /// Answer with this status and a GitHub error body, without performing the request.
    Status(u16),
    /// 429 with `retry-after`.
    TooManyRequests { retry_after: Duration },
    /// 403 "You have exceeded a secondary rate limit" with `retry-after`.
    SecondaryRateLimit { retry_after: Duration },
    /// 403 with `x-ratelimit-remaining: 0` and a reset this far ahead.
    PrimaryRateLimit { reset_in: Duration },
    /// Perform the request, then hang this long and drop the connection.
    TimeoutAfterApply { hang: Duration },
    /// The request handler panics: the sandbox must answer 500 and keep serving.
    Panic,
}

/// A fault on requests whose method and path match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteFault {
    /// Upper-case method, `None` for any.
    pub method: Option<String>,
    /// Glob over the request path (without query); `*` matches anything, slashes included.
    pub path: String,
    pub action: FaultAction,
}

/// Someone edits the protection of `repo`'s `branch` after `after` successful changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftTrigger {
    pub repo: String,
    pub branch: String,
    pub after: u32,
}

/// One injectable fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    Route {
        fault: RouteFault,
        times: Option<u32>,
    },
    Drift(DriftTrigger),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "fault spec `{spec}` is not valid: {reason}; write METHOD:PATH=ACTION[xN] (e.g. put:/repos/*/branches/*/protection=500x2) or drift:OWNER/NAME:BRANCH[@N]"
)]
pub struct FaultSpecError {
    pub spec: String,
    pub reason: String,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("`{text}` is not a duration ({e})"))
}

fn optional_duration(arg: Option<&str>, default_secs: u64) -> Result<Duration, String> {
    arg.map_or(Ok(Duration::from_secs(default_secs)), parse_duration)
}

fn parse_action(text: &str) -> Result<FaultAction, String> {
    let (name, arg) = match text.split_once(':') {
        Some((n, a)) => (n, Some(a)),
        None => (text, None),
    };
    Ok(match name {
        "latency" => FaultAction::Latency(parse_duration(arg.ok_or("latency needs a duration")?)?),
        "429" => FaultAction::TooManyRequests {
            retry_after: optional_duration(arg, 1)?,
        },
        "secondary" => FaultAction::SecondaryRateLimit {
            retry_after: optional_duration(arg, 60)?,
        },
        "primary" => FaultAction::PrimaryRateLimit {
            reset_in: optional_duration(arg, 60)?,
        },
        "timeout-after-apply" => FaultAction::TimeoutAfterApply {
            hang: optional_duration(arg, 30)?,
        },
        "panic" => FaultAction::Panic,
        code => match code.parse::<u16>() {
            Ok(c) if (400..600).contains(&c) => FaultAction::Status(c),
            _ => return Err(format!("unknown action `{text}`")),
        },
    })
}

fn split_times(action: &str) -> (&str, Option<u32>) {
    let trimmed = action.trim();
    if let Some(pos) = trimmed.rfind('x') {
        let (head, tail) = trimmed.split_at(pos);
        if let Ok(n) = tail[1..].parse::<u32>() {
            return (head.trim_end(), Some(n));
        }
    }
    (trimmed, None)
}

impl Fault {
    pub fn parse(spec: &str) -> Result<Fault, FaultSpecError> {
        let err = |reason: String| FaultSpecError {
            spec: crate::text::sanitize_line(spec),
            reason,
        };
        let spec = spec.trim();
        if let Some(rest) = spec.strip_prefix("drift:") {
            let (target, after) = match rest.rsplit_once('@') {
                Some((t, n)) => (
                    t,
                    n.parse::<u32>()
                        .map_err(|_| err(format!("`{n}` is not a count")))?,
                ),
                None => (rest, 1),
            };
            let (repo, branch) = target
                .rsplit_once(':')
                .ok_or_else(|| err("drift needs OWNER/NAME:BRANCH".into()))?;
            if repo.split('/').count() != 2 || branch.is_empty() {
                return Err(err("drift needs OWNER/NAME:BRANCH".into()));
            }
            return Ok(Fault::Drift(DriftTrigger {
                repo: repo.to_owned(),
                branch: branch.to_owned(),
                after: after.max(1),
            }));
        }
        let (method, rest) = spec
            .split_once(':')
            .ok_or_else(|| err("missing `METHOD:`".into()))?;
        let method = match method.to_ascii_lowercase().as_str() {
            "*" => None,
            m @ ("get" | "put" | "post" | "patch" | "delete") => Some(m.to_ascii_uppercase()),
            other => return Err(err(format!("unknown method `{other}`"))),
        };
        let (path, action) = rest
            .rsplit_once('=')
            .ok_or_else(|| err("missing `=ACTION`".into()))?;
        let (action, times) = split_times(action);
        let action = parse_action(action).map_err(err)?;
        if path.is_empty() {
            return Err(err("empty path".into()));
        }
        glob(path, false).map_err(|e| err(format!("the path is not a glob ({})", e.kind())))?;
        Ok(Fault::Route {
            fault: RouteFault {
                method,
                path: path.to_owned(),
                action,
            },
            times,
        })
    }
}

fn fmt_duration(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

impl fmt::Display for FaultAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultAction::Latency(d) => write!(f, "latency:{}", fmt_duration(*d)),
            FaultAction::Status(c) => write!(f, "{c}"),
            FaultAction::TooManyRequests { retry_after } => {
                write!(f, "429:{}", fmt_duration(*retry_after))
            }
            FaultAction::SecondaryRateLimit { retry_after } => {
                write!(f, "secondary:{}", fmt_duration(*retry_after))
            }
            FaultAction::PrimaryRateLimit { reset_in } => {
                write!(f, "primary:{}", fmt_duration(*reset_in))
            }
            FaultAction::TimeoutAfterApply { hang } => {
                write!(f, "timeout-after-apply:{}", fmt_duration(*hang))
            }
            FaultAction::Panic => write!(f, "panic"),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Route { fault, times } => {
                let method = fault.method.as_deref().unwrap_or("*").to_ascii_lowercase();
                write!(f, "{method}:{}={}", fault.path, fault.action)?;
                if let Some(n) = times {
                    write!(f, " x{n}")?;
                }
                Ok(())
            }
            Fault::Drift(d) => write!(f, "drift:{}:{}@{}", d.repo, d.branch, d.after),
        }
    }
}

/// The armed faults, in the order they were added; the first match wins.
#[derive(Debug, Default)]
pub struct FaultTable {
    armed: Vec<Fault>,
}

impl FaultTable {
    pub fn add(&mut self, fault: Fault) {
        self.armed.push(fault);
    }

    pub fn clear(&mut self) {
        self.armed.clear();
    }

    pub fn list(&self) -> Vec<Fault> {
        self.armed.clone()
    }

    /// The fault for this request, if any, counting it against its `times`.
    pub fn take_route(&mut self, method: &str, path: &str) -> Option<(RouteFault, String)> {
        let index = self.armed.iter().position(|f| match f {
            Fault::Route { fault, .. } => {
                fault.method.as_deref().is_none_or(|m| m == method)
                    && glob_match(&fault.path, path, false)
            }
            Fault::Drift(_) => false,
        })?;
        let spec = self.armed[index].to_string();
        let Fault::Route { fault, times } = &mut self.armed[index] else {
            return None;
        };
        let fault = fault.clone();
        if let Some(n) = times {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.armed.remove(index);
            }
        }
        Some((fault, spec))
    }

    /// Counts a successful protection change on `repo` (`branch` when the change names
    /// one) and returns the drifts that fire now.
    pub fn note_protection_change(
        &mut self,
        repo: &str,
        branch: Option<&str>,
    ) -> Vec<DriftTrigger> {
        let mut fired = Vec::new();
        self.armed.retain_mut(|f| {
            let Fault::Drift(d) = f else { return true };
            let concerns =
                d.repo.eq_ignore_ascii_case(repo) && branch.is_none_or(|b| b == d.branch);
            if !concerns {
                return true;
            }
            d.after = d.after.saturating_sub(1);
            if d.after == 0 {
                fired.push(d.clone());
                false
            } else {
                true
            }
        });
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print_back() {
        for (spec, printed) in [
            (
                "put:/repos/*/branches/*/protection=500x2",
                "put:/repos/*/branches/*/protection=500 x2",
            ),
            ("get:*=latency:200ms", "get:*=latency:200ms"),
            (
                "*:/repos/*/branches/*/protection*=timeout-after-apply x1",
                "*:/repos/*/branches/*/protection*=timeout-after-apply:30s x1",
            ),
            ("get:/user=429", "get:/user=429:1s"),
            ("get:/user=secondary:5s", "get:/user=secondary:5s"),
            ("get:/user=primary", "get:/user=primary:1m"),
            ("get:/user=panic x1", "get:/user=panic x1"),
            ("drift:acme/api:main", "drift:acme/api:main@1"),
            ("drift:acme/api:release/1@3", "drift:acme/api:release/1@3"),
        ] {
            let fault = Fault::parse(spec).unwrap();
            assert_eq!(fault.to_string(), printed, "{spec}");
            let again = Fault::parse(&fault.to_string()).unwrap();
            assert_eq!(again, fault, "{spec}");
        }
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for bad in [
            "get/user=500",
            "fetch:/x=500",
            "get:/x",
            "get:/x=teapot",
            "get:/x=200",
            "drift:acme:main",
            "get:/x=latency",
        ] {
            let err = Fault::parse(bad).unwrap_err();
            assert!(err.to_string().contains("METHOD:PATH=ACTION"), "{bad}");
        }
    }

    #[test]
    fn a_path_that_is_not_a_glob_is_refused_when_armed() {
        let err = Fault::parse("get:/repos/[acme/api=500").unwrap_err();
        assert!(
            err.reason
                .contains("the path is not a glob (unclosed character class"),
            "{err}"
        );
    }

    #[test]
    fn counted_faults_run_out_and_first_match_wins() {
        let mut table = FaultTable::default();
        table.add(Fault::parse("put:/repos/*=503x2").unwrap());
        table.add(Fault::parse("*:*=latency:1ms").unwrap());
        assert_eq!(
            table.take_route("PUT", "/repos/acme/api").unwrap().0.action,
            FaultAction::Status(503)
        );
        assert_eq!(
            table.take_route("GET", "/repos/acme/api").unwrap().0.action,
            FaultAction::Latency(Duration::from_millis(1))
        );
        assert_eq!(
            table.take_route("PUT", "/repos/acme/api").unwrap().0.action,
            FaultAction::Status(503)
        );
        assert!(matches!(
            table.take_route("PUT", "/repos/acme/api").unwrap().0.action,
            FaultAction::Latency(_)
        ));
        table.clear();
        assert!(table.take_route("GET", "/").is_none());
    }

    #[test]
    fn drift_fires_after_the_nth_change_of_its_branch() {
        let mut table = FaultTable::default();
        table.add(Fault::parse("drift:acme/api:main@2").unwrap());
        assert!(
            table
                .note_protection_change("acme/api", Some("dev"))
                .is_empty()
        );
        assert!(
            table
                .note_protection_change("acme/api", Some("main"))
                .is_empty()
        );
        let fired = table.note_protection_change("acme/api", None);
        assert_eq!(fired.len(), 1);
        assert!(table.list().is_empty());
    }
}
