//! Why a configuration cannot be used, said the way an operator fixes it: which file,
//! which line, which key, and what to write instead.

use std::fmt;
use std::path::PathBuf;

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File { path: PathBuf, line: Option<usize> },
    CommandLine,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File {
                path,
                line: Some(line),
            } => write!(f, "{} line {line}", path.display()),
            Origin::File { path, line: None } => write!(f, "{}", path.display()),
            Origin::CommandLine => f.write_str("the command line"),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {reason}; check the file's permissions", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{origin}: not valid TOML: {message}")]
    Syntax { origin: Origin, message: String },
    #[error(
        "unknown key `{key}` in {origin}: {}",
        unknown_key_fix(suggestion, expected)
    )]
    UnknownKey {
        origin: Origin,
        key: String,
        suggestion: Option<String>,
        expected: Vec<String>,
    },
    #[error("{origin}: `{key}` {problem}")]
    Invalid {
        origin: Origin,
        key: &'static str,
        problem: String,
    },
}

impl ConfigError {
    /// The line in the file the error is about, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::Syntax { origin, .. }
            | ConfigError::UnknownKey { origin, .. }
            | ConfigError::Invalid { origin, .. } => match origin {
                Origin::File { line, .. } => *line,
                Origin::CommandLine => None,
            },
            ConfigError::Read { .. } => None,
        }
    }
}

fn unknown_key_fix(suggestion: &Option<String>, expected: &[String]) -> String {
    match suggestion {
        Some(s) => format!("did you mean `{s}`?"),
        None if expected.is_empty() => "remove it".to_owned(),
        None => format!(
            "remove it, or use one of {}",
            expected
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The known key closest to `key` by edit distance, if it is a plausible typo.
pub(super) fn closest<'a>(key: &str, known: &'a [String]) -> Option<&'a str> {
    let limit = (key.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (strsim::levenshtein(key, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}
