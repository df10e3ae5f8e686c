//! Drill scenarios as data: the built-in ones in `assets/drills/*.toml` (embedded) and the
//! team's own in `drills/` in the config directory, validated like runbooks (errors name
//! the file, the line and how to fix it). Pure: takes text, returns data; running a
//! scenario is [`super::run_scenario`]'s job.

use crate::forge::sandbox::Fault;
use crate::runbook::line_of;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;
use toml::Spanned;

/// The built-in scenarios, in the order `--list` shows them.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "clean-run.toml",
        include_str!("../../assets/drills/clean-run.toml"),
    ),
    (
        "writer-classic.toml",
        include_str!("../../assets/drills/writer-classic.toml"),
    ),
    (
        "repo-ruleset.toml",
        include_str!("../../assets/drills/repo-ruleset.toml"),
    ),
    (
        "org-ruleset.toml",
        include_str!("../../assets/drills/org-ruleset.toml"),
    ),
    (
        "restore-5xx.toml",
        include_str!("../../assets/drills/restore-5xx.toml"),
    ),
    (
        "preflight-rate-limited.toml",
        include_str!("../../assets/drills/preflight-rate-limited.toml"),
    ),
    (
        "colleague-drift.toml",
        include_str!("../../assets/drills/colleague-drift.toml"),
    ),
    (
        "main-moved.toml",
        include_str!("../../assets/drills/main-moved.toml"),
    ),
    (
        "terminal-dies.toml",
        include_str!("../../assets/drills/terminal-dies.toml"),
    ),
    (
        "approval-never.toml",
        include_str!("../../assets/drills/approval-never.toml"),
    ),
];

/// The drill steps a fault or twist may be tied to (runbook kinds; `window` and `approve`
/// name the one-shot window and the second person's step).
pub const STEP_NAMES: &[&str] = &[
    "declare",
    "preflight",
    "approve",
    "window",
    "activate",
    "push",
    "restore",
    "review",
];

/// The longest scenario id: it becomes part of the drill's incident id (64 at most).
const MAX_ID_LEN: usize = 40;

/// Who the commander is on the drill's forge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommanderRole {
    /// A repository administrator (the seeded `commander`).
    Admin,
    /// A writer without administration (the seeded `dev`).
    Writer,
}

/// How the drill's branch is protected, which picks the seeded repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtectionKind {
    /// `acme/api`: classic branch protection.
    Classic,
    /// `acme/web`: a repository ruleset.
    RepositoryRuleset,
    /// `acme/ops`: an organization ruleset (only an org admin can bypass it).
    OrganizationRuleset,
}

impl ProtectionKind {
    /// The seeded repository protected this way.
    pub fn repo(self) -> &'static str {
        match self {
            ProtectionKind::Classic => "acme/api",
            ProtectionKind::RepositoryRuleset => "acme/web",
            ProtectionKind::OrganizationRuleset => "acme/ops",
        }
    }
}

/// When a fault is armed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultTiming {
    /// As the drill starts.
    Start,
    /// As the named step starts.
    AtStep(String),
    /// This long after the drill started.
    After(#[serde(with = "humantime_serde_secs")] Duration),
}

/// A sandbox fault (in `--fault` syntax) and when it is armed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimedFault {
    pub spec: String,
    pub timing: FaultTiming,
}

/// Something a person or the machine does during the drill, beyond a forge fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TwistKind {
    /// A colleague's merge moves the branch on the forge.
    MainMoves,
    /// The commander's terminal dies: no further step runs from it.
    TerminalDies,
}

/// A twist and the step it happens at (just before that step runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Twist {
    pub what: TwistKind,
    pub at: String,
}

/// What the second person does about the approval request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecondPerson {
    ApprovesAfter(#[serde(with = "humantime_serde_secs")] Duration),
    Never,
}

/// What the commander does when the second person's approval has not come in time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "kebab-case")]
pub enum CommanderDecision {
    /// Approves it themselves, loudly: recorded, posted on the issue, listed for review.
    SelfApprove { reason: String },
    /// Does not open the glass at all.
    Abort,
}

/// How long the commander waits for the approval, and what they do then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoApproval {
    #[serde(with = "humantime_serde_secs")]
    pub waits: Duration,
    pub then: CommanderDecision,
}

/// How a drill ended, as a scenario expects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeKind {
    /// The judge passed the drill.
    Passed,
    /// A step refused before the glass was opened; nothing on the forge changed.
    Refused,
    /// Someone changed the protection during the window; the snapshot was put back and
    /// the drift reported.
    Drift,
    /// The push was rejected; the glass was closed and verified.
    PushRejected,
    /// The commander's terminal died with the glass open; the watchdog closed it and the
    /// restarted commander saw that it did.
    WatchdogRestored,
    /// None of the above: protection may be at risk.
    Failed,
}

impl OutcomeKind {
    pub fn name(self) -> &'static str {
        match self {
            OutcomeKind::Passed => "passed",
            OutcomeKind::Refused => "refused",
            OutcomeKind::Drift => "drift",
            OutcomeKind::PushRejected => "push-rejected",
            OutcomeKind::WatchdogRestored => "watchdog-restored",
            OutcomeKind::Failed => "failed",
        }
    }
}

/// The outcome checked at the end of the drill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expectation {
    pub outcome: OutcomeKind,
    /// For `refused` and `push-rejected`: the step that said no.
    pub step: Option<String>,
    /// Words the failing step's message (or the verdict's problems) must contain: what the
    /// commander is told to do next.
    pub says: Vec<String>,
}

/// One drill scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    /// What the commander is told before the drill starts.
    pub story: String,
    pub commander: CommanderRole,
    pub protection: ProtectionKind,
    /// The lease the drill asks for; `None`: the configured default.
    #[serde(skip)]
    pub ttl: Option<chrono::Duration>,
    pub faults: Vec<TimedFault>,
    pub twists: Vec<Twist>,
    pub second_person: Option<SecondPerson>,
    /// What the commander does when no approval has come after a while (`None`: waits for
    /// it as long as the approval's own timeout allows).
    pub no_approval: Option<NoApproval>,
    pub expect: Expectation,
    /// The file it came from, or `embedded:assets/drills/…`.
    pub origin: String,
}

impl Scenario {
    /// The seeded login the commander drills as.
    pub fn commander_login(&self) -> &'static str {
        match self.commander {
            CommanderRole::Admin => super::COMMANDER,
            CommanderRole::Writer => "dev",
        }
    }
}

/// A scenario that cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {problem}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct ScenarioError {
    pub origin: String,
    pub line: Option<usize>,
    pub problem: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    id: Spanned<String>,
    title: String,
    story: String,
    situation: RawSituation,
    #[serde(default)]
    fault: Vec<Spanned<RawFault>>,
    #[serde(default)]
    twist: Vec<Spanned<RawTwist>>,
    #[serde(default)]
    second_person: Option<Spanned<RawSecondPerson>>,
    #[serde(default)]
    no_approval: Option<Spanned<RawNoApproval>>,
    expect: Spanned<RawExpect>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSituation {
    commander: CommanderRole,
    protection: ProtectionKind,
    #[serde(default)]
    ttl: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFault {
    spec: Spanned<String>,
    #[serde(default)]
    at: Option<Spanned<String>>,
    #[serde(default)]
    after: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTwist {
    what: TwistKind,
    at: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecondPerson {
    approves: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNoApproval {
    waits: Spanned<String>,
    then: Spanned<String>,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    outcome: OutcomeKind,
    #[serde(default)]
    step: Option<Spanned<String>>,
    #[serde(default)]
    says: Vec<String>,
}

struct Validator<'a> {
    text: &'a str,
    origin: &'a str,
}

impl Validator<'_> {
    fn error(&self, offset: Option<usize>, problem: impl Into<String>) -> ScenarioError {
        ScenarioError {
            origin: self.origin.to_owned(),
            line: offset.map(|at| line_of(self.text, at)),
            problem: problem.into(),
        }
    }

    fn step(&self, step: &Spanned<String>) -> Result<String, ScenarioError> {
        let name = step.get_ref().trim();
        if STEP_NAMES.contains(&name) {
            Ok(name.to_owned())
        } else {
            Err(self.error(
                Some(step.span().start),
                format!(
                    "unknown step `{}`; name a step by its kind: one of {}",
                    crate::text::sanitize_line(name),
                    STEP_NAMES.join(", ")
                ),
            ))
        }
    }

    fn duration(&self, text: &Spanned<String>, what: &str) -> Result<Duration, ScenarioError> {
        humantime::parse_duration(text.get_ref().trim()).map_err(|e| {
            self.error(
                Some(text.span().start),
                format!(
                    "{what} `{}` is not a duration ({e}); write it like \"30s\" or \"2m\"",
                    crate::text::sanitize_line(text.get_ref())
                ),
            )
        })
    }
}

/// Reads and validates one scenario; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
    let v = Validator { text, origin };
    let raw: RawScenario = toml::from_str(text)
        .map_err(|e| v.error(e.span().map(|s| s.start), e.message().trim().to_owned()))?;
    let id = raw.id.get_ref().trim();
    if id.is_empty()
        || id.len() > MAX_ID_LEN
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(v.error(
            Some(raw.id.span().start),
            format!(
                "id `{}` must be lower-case letters, digits and dashes (at most 40), such as `restore-5xx`",
                crate::text::sanitize_line(id)
            ),
        ));
    }
    let ttl = raw
        .situation
        .ttl
        .as_ref()
        .map(|t| {
            v.duration(t, "ttl").and_then(|d| {
                chrono::Duration::from_std(d)
                    .map_err(|_| v.error(Some(t.span().start), "ttl is too long"))
            })
        })
        .transpose()?;
    let faults = raw
        .fault
        .iter()
        .map(|f| timed_fault(&v, f))
        .collect::<Result<Vec<_>, _>>()?;
    let twists = raw
        .twist
        .iter()
        .map(|t| {
            Ok(Twist {
                what: t.get_ref().what,
                at: v.step(&t.get_ref().at)?,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let second_person = raw
        .second_person
        .as_ref()
        .map(|p| second_person(&v, &p.get_ref().approves))
        .transpose()?;
    let no_approval = raw
        .no_approval
        .as_ref()
        .map(|n| no_approval(&v, n.get_ref()))
        .transpose()?;
    if let (Some(SecondPerson::Never), None, Some(p)) =
        (&second_person, &no_approval, &raw.second_person)
    {
        return Err(v.error(
            Some(p.span().start),
            "the second person never approves, so say what the commander does: add \
             [no_approval] with waits = \"5s\" and then = \"self-approve\" (with a reason) or \
             \"abort\"",
        ));
    }
    let expect = expectation(&v, &raw.expect)?;
    Ok(Scenario {
        id: id.to_owned(),
        title: raw.title,
        story: raw.story.trim().to_owned(),
        commander: raw.situation.commander,
        protection: raw.situation.protection,
        ttl,
        faults,
        twists,
        second_person,
        no_approval,
        expect,
        origin: origin.to_owned(),
    })
}

fn timed_fault(v: &Validator<'_>, raw: &Spanned<RawFault>) -> Result<TimedFault, ScenarioError> {
    let fault = raw.get_ref();
    Fault::parse(fault.spec.get_ref())
        .map_err(|e| v.error(Some(fault.spec.span().start), e.to_string()))?;
    let timing = match (&fault.at, &fault.after) {
        (Some(_), Some(after)) => {
            return Err(v.error(
                Some(after.span().start),
                "a fault is armed either `at` a step or `after` a time, not both; keep one",
            ));
        }
        (Some(at), None) => FaultTiming::AtStep(v.step(at)?),
        (None, Some(after)) => FaultTiming::After(v.duration(after, "after")?),
        (None, None) => FaultTiming::Start,
    };
    Ok(TimedFault {
        spec: fault.spec.get_ref().trim().to_owned(),
        timing,
    })
}

fn second_person(v: &Validator<'_>, text: &Spanned<String>) -> Result<SecondPerson, ScenarioError> {
    let said = text.get_ref().trim();
    if said == "never" {
        return Ok(SecondPerson::Never);
    }
    match said.strip_prefix("after ") {
        Some(rest) => Ok(SecondPerson::ApprovesAfter(v.duration(
            &Spanned::new(text.span(), rest.to_owned()),
            "approves after",
        )?)),
        None => Err(v.error(
            Some(text.span().start),
            format!(
                "approves = `{}` is not understood; write \"never\" or \"after 30s\"",
                crate::text::sanitize_line(said)
            ),
        )),
    }
}

fn no_approval(v: &Validator<'_>, raw: &RawNoApproval) -> Result<NoApproval, ScenarioError> {
    let waits = v.duration(&raw.waits, "waits")?;
    let reason = raw.reason.as_deref().map(str::trim).unwrap_or_default();
    let then = match raw.then.get_ref().trim() {
        "self-approve" if reason.is_empty() => {
            return Err(v.error(
                Some(raw.then.span().start),
                "a self-approval needs the commander's reason: add reason = \"…\" (it goes into \
                 the audit log, the issue and the review)",
            ));
        }
        "self-approve" => CommanderDecision::SelfApprove {
            reason: reason.to_owned(),
        },
        "abort" => CommanderDecision::Abort,
        other => {
            return Err(v.error(
                Some(raw.then.span().start),
                format!(
                    "then = `{}` is not understood; write \"self-approve\" or \"abort\"",
                    crate::text::sanitize_line(other)
                ),
            ));
        }
    };
    Ok(NoApproval { waits, then })
}

fn expectation(v: &Validator<'_>, raw: &Spanned<RawExpect>) -> Result<Expectation, ScenarioError> {
    let expect = raw.get_ref();
    let step = expect.step.as_ref().map(|s| v.step(s)).transpose()?;
    let needs_step = matches!(
        expect.outcome,
        OutcomeKind::Refused | OutcomeKind::PushRejected
    );
    if needs_step && step.is_none() {
        return Err(v.error(
            Some(raw.span().start),
            format!(
                "outcome `{}` needs the step that says no: add `step = \"preflight\"` (or the step's kind)",
                expect.outcome.name()
            ),
        ));
    }
    Ok(Expectation {
        outcome: expect.outcome,
        step,
        says: expect.says.clone(),
    })
}

/// The built-in scenarios. They are part of the program: one that does not validate is a
/// bug caught by the tests, so it panics.
pub fn built_in() -> Vec<Scenario> {
    BUILT_IN
        .iter()
        .map(|(file, text)| {
            parse(text, &format!("embedded:assets/drills/{file}"))
                .unwrap_or_else(|e| panic!("built-in scenario: {e}"))
        })
        .collect()
}

/// Every scenario: the built-in ones, then the team's from `dir` (`drills/` in the config
/// directory; missing is fine). A team scenario with a built-in's id replaces it. Files
/// that do not validate are returned as errors, not skipped silently.
pub fn load_all(dir: &Path) -> (Vec<Scenario>, Vec<ScenarioError>) {
    let mut scenarios = built_in();
    let mut errors = Vec::new();
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    for file in files {
        let origin = file.display().to_string();
        let loaded = std::fs::read_to_string(&file)
            .map_err(|e| ScenarioError {
                origin: origin.clone(),
                line: None,
                problem: format!("cannot read the scenario ({e}); check its permissions"),
            })
            .and_then(|text| parse(&text, &origin));
        match loaded {
            Ok(scenario) => match scenarios.iter_mut().find(|s| s.id == scenario.id) {
                Some(existing) => *existing = scenario,
                None => scenarios.push(scenario),
            },
            Err(error) => errors.push(error),
        }
    }
    (scenarios, errors)
}

/// Durations in JSON as whole seconds.
mod humantime_serde_secs {
    use serde::Serializer;
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }
}

#[cfg(test)]
#[path = "scenario_tests.rs"]
mod tests;
