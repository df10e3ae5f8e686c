//! The declare form: five single-line fields, inline validation through a validator the
//! caller supplies (the config's patterns), and the request it produces. No I/O.

use chrono::Duration;
use std::sync::Arc;

/// The form's fields, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeclareField {
    Repository,
    Branch,
    Incident,
    Reason,
    Ttl,
}

impl DeclareField {
    pub const ALL: [DeclareField; 5] = [
        DeclareField::Repository,
        DeclareField::Branch,
        DeclareField::Incident,
        DeclareField::Reason,
        DeclareField::Ttl,
    ];

    pub fn label(self) -> &'static str {
        match self {
            DeclareField::Repository => "Repository",
            DeclareField::Branch => "Branch",
            DeclareField::Incident => "Incident id",
            DeclareField::Reason => "Reason",
            DeclareField::Ttl => "Lease (TTL)",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            DeclareField::Repository => "owner/name",
            DeclareField::Branch => "the protected branch",
            DeclareField::Incident => "e.g. INC-1234",
            DeclareField::Reason => "a ticket link, not a chat link",
            DeclareField::Ttl => "e.g. 30m (capped by config)",
        }
    }
}

/// Prefilled values: from the current git remote, or a drill scenario.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeclareDraft {
    pub repository: String,
    pub branch: String,
    pub incident: String,
    pub reason: String,
    pub ttl: String,
    pub drill: bool,
}

/// A validated declaration, ready for the flow.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclareRequest {
    pub repository: String,
    pub branch: String,
    pub incident: String,
    pub reason: String,
    pub ttl: Duration,
    pub drill: bool,
}

/// Checks one field; `Err` carries the message shown under it.
pub trait DeclareValidator: Send + Sync {
    fn check(&self, field: DeclareField, value: &str) -> Result<(), String>;
}

impl<F> DeclareValidator for F
where
    F: Fn(DeclareField, &str) -> Result<(), String> + Send + Sync,
{
    fn check(&self, field: DeclareField, value: &str) -> Result<(), String> {
        self(field, value)
    }
}

impl std::fmt::Debug for dyn DeclareValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeclareValidator")
    }
}

/// The checks that hold whatever the config says: fields present, `owner/name`, a TTL
/// humantime can read.
pub fn basic_check(field: DeclareField, value: &str) -> Result<(), String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("{} is required — {}", field.label(), field.hint()));
    }
    match field {
        DeclareField::Repository => {
            let mut parts = value.split('/');
            let ok = matches!((parts.next(), parts.next(), parts.next()),
                (Some(o), Some(n), None) if !o.is_empty() && !n.is_empty());
            if !ok {
                return Err("write the repository as owner/name".into());
            }
        }
        DeclareField::Ttl => {
            parse_ttl(value)?;
        }
        _ => {}
    }
    Ok(())
}

fn parse_ttl(value: &str) -> Result<Duration, String> {
    let std = humantime::parse_duration(value.trim())
        .map_err(|_| format!("{value:?} is not a duration — write e.g. 30m or 1h"))?;
    Duration::from_std(std).map_err(|_| "that lease is far too long".to_owned())
}

/// The form being edited.
pub struct DeclareForm {
    pub values: [String; 5],
    pub focus: usize,
    pub errors: [Option<String>; 5],
    pub drill: bool,
    validator: Arc<dyn DeclareValidator>,
}

impl std::fmt::Debug for DeclareForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeclareForm")
            .field("values", &self.values)
            .field("focus", &self.focus)
            .field("errors", &self.errors)
            .finish_non_exhaustive()
    }
}

impl DeclareForm {
    pub fn new(draft: DeclareDraft, validator: Arc<dyn DeclareValidator>) -> Self {
        DeclareForm {
            values: [
                draft.repository,
                draft.branch,
                draft.incident,
                draft.reason,
                draft.ttl,
            ],
            focus: 0,
            errors: Default::default(),
            drill: draft.drill,
            validator,
        }
    }

    pub fn field(&self) -> DeclareField {
        DeclareField::ALL[self.focus]
    }

    pub fn type_char(&mut self, c: char) {
        self.values[self.focus].push(c);
        self.errors[self.focus] = None;
    }

    pub fn backspace(&mut self) {
        self.values[self.focus].pop();
        self.errors[self.focus] = None;
    }

    fn validate(&mut self, index: usize) -> bool {
        let field = DeclareField::ALL[index];
        let value = &self.values[index];
        let result = basic_check(field, value).and_then(|()| self.validator.check(field, value));
        self.errors[index] = result.err();
        self.errors[index].is_none()
    }

    pub fn move_focus(&mut self, forward: bool) {
        let n = DeclareField::ALL.len();
        self.focus = if forward {
            (self.focus + 1) % n
        } else {
            (self.focus + n - 1) % n
        };
    }

    /// `Enter`: validate this field and move on; on the last field, validate everything
    /// and return the request (focus jumps to the first invalid field otherwise).
    pub fn enter(&mut self) -> Option<DeclareRequest> {
        if !self.validate(self.focus) {
            return None;
        }
        if self.focus + 1 < DeclareField::ALL.len() {
            self.focus += 1;
            return None;
        }
        // Validate every field (no short-circuit) so each shows its own message.
        let results: Vec<bool> = (0..DeclareField::ALL.len())
            .map(|i| self.validate(i))
            .collect();
        let all_valid = results.iter().all(|ok| *ok);
        if !all_valid {
            self.focus = self.errors.iter().position(Option::is_some).unwrap_or(0);
            return None;
        }
        let [repository, branch, incident, reason, ttl] =
            self.values.clone().map(|v| v.trim().to_owned());
        Some(DeclareRequest {
            ttl: parse_ttl(&ttl).ok()?,
            repository,
            branch,
            incident,
            reason,
            drill: self.drill,
        })
    }
}
