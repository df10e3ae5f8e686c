//! Finding the operator's GitHub token: `GH_TOKEN`, then `GITHUB_TOKEN`, then
//! `gh auth token`. Reports where the token came from, never its value.

use crate::secret::Secret;
use std::fmt;
use std::process::Command;

/// Where a token was found (for messages; the value is never shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    GhTokenEnv,
    GithubTokenEnv,
    GhCli,
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenSource::GhTokenEnv => "the GH_TOKEN environment variable",
            TokenSource::GithubTokenEnv => "the GITHUB_TOKEN environment variable",
            TokenSource::GhCli => "`gh auth token`",
        })
    }
}

/// No token anywhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no GitHub token found{}: set GH_TOKEN (or GITHUB_TOKEN) to a token, or log in with `gh auth login` so that `gh auth token` prints one",
    .gh_problem.as_ref().map(|p| format!(" ({p})")).unwrap_or_default()
)]
pub struct NoTokenError {
    /// Why `gh` did not help, when it exists but failed.
    pub gh_problem: Option<String>,
}

/// Where to look: the environment and the `gh` program, passed in so tests need not
/// touch the process environment.
pub struct TokenLookup<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Runs `gh auth token`: `None` when `gh` is not installed, else its outcome.
    pub gh_auth_token: &'a dyn Fn() -> Option<Result<String, String>>,
}

/// Looks in the real environment and runs the real `gh` if it is installed.
pub fn discover_token() -> Result<(Secret, TokenSource), NoTokenError> {
    discover_token_in(&TokenLookup {
        env: &|name| std::env::var(name).ok(),
        gh_auth_token: &run_gh_auth_token,
    })
}

/// The discovery rules, over an injected environment.
pub fn discover_token_in(lookup: &TokenLookup<'_>) -> Result<(Secret, TokenSource), NoTokenError> {
    for (name, source) in [
        ("GH_TOKEN", TokenSource::GhTokenEnv),
        ("GITHUB_TOKEN", TokenSource::GithubTokenEnv),
    ] {
        if let Some(token) = (lookup.env)(name).map(|t| t.trim().to_owned())
            && !token.is_empty()
        {
            return Ok((Secret::new(token), source));
        }
    }
    match (lookup.gh_auth_token)() {
        Some(Ok(token)) if !token.trim().is_empty() => {
            Ok((Secret::new(token.trim()), TokenSource::GhCli))
        }
        Some(Ok(_)) => Err(NoTokenError {
            gh_problem: Some("`gh auth token` printed nothing".into()),
        }),
        Some(Err(problem)) => Err(NoTokenError {
            gh_problem: Some(crate::text::sanitize_line(&problem)),
        }),
        None => Err(NoTokenError { gh_problem: None }),
    }
}

/// `None` when `gh` is not on PATH; its stdout on success; its stderr otherwise.
fn run_gh_auth_token() -> Option<Result<String, String>> {
    let output = match Command::new("gh").args(["auth", "token"]).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => return Some(Err(format!("could not run gh: {e}"))),
    };
    if output.status.success() {
        Some(Ok(String::from_utf8_lossy(&output.stdout)
            .trim()
            .to_owned()))
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Some(Err(format!("`gh auth token` failed: {}", stderr.trim())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::collections::HashMap;

    fn discover(
        vars: &[(&str, &str)],
        gh: Option<Result<&str, &str>>,
    ) -> (Result<(Secret, TokenSource), NoTokenError>, bool) {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let gh_ran = Cell::new(false);
        let result = discover_token_in(&TokenLookup {
            env: &|name| vars.get(name).cloned(),
            gh_auth_token: &|| {
                gh_ran.set(true);
                gh.map(|r| r.map(str::to_owned).map_err(str::to_owned))
            },
        });
        (result, gh_ran.get())
    }

    #[test]
    fn gh_token_wins_over_github_token_and_gh() {
        let (found, gh_ran) = discover(
            &[("GH_TOKEN", "ghp_first"), ("GITHUB_TOKEN", "ghp_second")],
            Some(Ok("gho_third")),
        );
        let (token, source) = found.unwrap();
        assert_eq!(
            (token.expose(), source),
            ("ghp_first", TokenSource::GhTokenEnv)
        );
        assert!(!gh_ran, "gh must not run when the environment has a token");
    }

    #[test]
    fn github_token_comes_second_and_blank_values_do_not_count() {
        let (found, _) = discover(
            &[("GH_TOKEN", "  "), ("GITHUB_TOKEN", "ghp_second\n")],
            Some(Ok("gho_third")),
        );
        let (token, source) = found.unwrap();
        assert_eq!(
            (token.expose(), source),
            ("ghp_second", TokenSource::GithubTokenEnv)
        );
    }

    #[test]
    fn gh_auth_token_is_the_last_resort() {
        let (found, gh_ran) = discover(&[], Some(Ok("gho_third\n")));
        let (token, source) = found.unwrap();
        assert_eq!((token.expose(), source), ("gho_third", TokenSource::GhCli));
        assert!(gh_ran);
    }

    #[test]
    fn nothing_found_lists_the_three_ways() {
        let (found, _) = discover(&[], None);
        let message = found.unwrap_err().to_string();
        for way in ["GH_TOKEN", "GITHUB_TOKEN", "gh auth token"] {
            assert!(message.contains(way), "{message}");
        }
        let (found, _) = discover(&[], Some(Err("not logged in\u{1b}[0m")));
        let message = found.unwrap_err().to_string();
        assert!(message.contains("not logged in\\u{1b}[0m"), "{message}");
    }

    #[test]
    fn sources_are_named_without_the_value() {
        assert_eq!(TokenSource::GhCli.to_string(), "`gh auth token`");
    }
}
