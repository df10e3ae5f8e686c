//! Finding the operator's token for one forge host, as gh does: github.com takes
//! `GH_TOKEN`, then `GITHUB_TOKEN`; any other host `GH_ENTERPRISE_TOKEN`, then
//! `GITHUB_ENTERPRISE_TOKEN`; loopback (the sandbox) also `GH_TOKEN`; last
//! `gh auth token --hostname HOST`. A found token stays tied to its host
//! ([`HostToken`]), so no caller can send it elsewhere. Never shows a token's value.

use crate::secret::Secret;
use std::fmt;
use std::process::Command;

/// The host a token belongs to, as gh names hosts: `github.com` for the API at
/// `https://api.github.com`, else the API URL's host with its port when it has one
/// (`ghe.example.com`, `127.0.0.1:8080`). A git remote on the same forge has the same host.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHost(String);

/// github.com's host name, which its API serves from `api.github.com`.
const GITHUB_COM: &str = "github.com";

impl TokenHost {
    /// The host of the forge whose REST API is at `api_url`; `None` when it names none.
    pub fn of_api_url(api_url: &str) -> Option<TokenHost> {
        let url = url::Url::parse(api_url.trim()).ok()?;
        let host = url.host_str().filter(|h| !h.is_empty())?;
        if host.eq_ignore_ascii_case("api.github.com") {
            return Some(TokenHost(GITHUB_COM.to_owned()));
        }
        Some(Self::from_parts(host, url.port()))
    }

    /// The host of a git remote at `host` (and `port`, when the URL gives one).
    pub fn of_git_remote(host: &str, port: Option<u16>) -> TokenHost {
        Self::from_parts(host, port)
    }

    fn from_parts(host: &str, port: Option<u16>) -> TokenHost {
        let host = host.to_ascii_lowercase();
        TokenHost(match port {
            Some(port) => format!("{host}:{port}"),
            None => host,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn is_github_com(&self) -> bool {
        self.0 == GITHUB_COM
    }

    /// 127.0.0.1, localhost or [::1], with any port: where the sandbox forge listens.
    pub fn is_loopback(&self) -> bool {
        let name = match self.0.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => self.0.rsplit_once(':').map_or(self.0.as_str(), |(h, _)| h),
        };
        matches!(name, "127.0.0.1" | "localhost" | "::1")
    }

    /// The environment variables the rules read for this host, in order.
    pub fn env_names(&self) -> &'static [&'static str] {
        if self.is_github_com() {
            &["GH_TOKEN", "GITHUB_TOKEN"]
        } else if self.is_loopback() {
            &["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "GH_TOKEN"]
        } else {
            &["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"]
        }
    }
}

impl fmt::Display for TokenHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Every variable any host's rules read: a child process told to use one token gets only
/// that one, so it cannot pick up another host's.
pub const TOKEN_ENV_NAMES: &[&str] = &[
    "GH_TOKEN",
    "GITHUB_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
];

/// Where a token was found (for messages; the value is never shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// An environment variable, by name.
    Env(&'static str),
    /// `gh auth token --hostname HOST`.
    GhCli,
    /// Handed over by the program itself (a sandbox's seeded token).
    Given,
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Env(name) => write!(f, "the {name} environment variable"),
            TokenSource::GhCli => f.write_str("`gh auth token`"),
            TokenSource::Given => f.write_str("breakglass itself"),
        }
    }
}

/// A token and the host it was found for: only that host's forge and git remotes get it.
#[derive(Debug, Clone)]
pub struct HostToken {
    secret: Secret,
    host: TokenHost,
    source: TokenSource,
}

impl HostToken {
    /// A token the program knows belongs to the forge at `api_url` (the sandbox's seeded
    /// tokens); `None` when the URL names no host.
    pub fn for_api_url(api_url: &str, secret: Secret) -> Option<HostToken> {
        Some(HostToken {
            secret,
            host: TokenHost::of_api_url(api_url)?,
            source: TokenSource::Given,
        })
    }

    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    pub fn host(&self) -> &TokenHost {
        &self.host
    }

    pub fn source(&self) -> &TokenSource {
        &self.source
    }

    /// The token for a request to the forge at `api_url`, or the refusal naming both hosts.
    pub fn for_forge(&self, api_url: &str) -> Result<&Secret, WrongHostError> {
        match TokenHost::of_api_url(api_url) {
            Some(host) if host == self.host => Ok(&self.secret),
            other => Err(WrongHostError {
                token_host: self.host.clone(),
                target: other.map_or_else(|| crate::text::sanitize_line(api_url), |h| h.0),
            }),
        }
    }
}

/// A token was about to go to a host it was not found for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the token found for {token_host} is never sent to {target}, so nothing was sent; this is \
     a bug in breakglass: report it with the command you ran"
)]
pub struct WrongHostError {
    pub token_host: TokenHost,
    pub target: String,
}

/// No token for the host anywhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no token found for {host}{}: set {} to a token for {host}, or log in with \
     `gh auth login --hostname {host}` so that `gh auth token --hostname {host}` prints one",
    .gh_problem.as_ref().map(|p| format!(" ({p})")).unwrap_or_default(),
    .host.env_names().join(" or ")
)]
pub struct NoTokenError {
    pub host: TokenHost,
    /// Why `gh` did not help, when it exists but failed.
    pub gh_problem: Option<String>,
}

/// Where to look: the environment and the `gh` program, passed in so tests need not
/// touch the process environment.
pub struct TokenLookup<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Runs `gh auth token --hostname HOST`: `None` when `gh` is not installed, else its
    /// outcome.
    pub gh_auth_token: &'a dyn Fn(&str) -> Option<Result<String, String>>,
}

/// The token for `host`, from the real environment and the real `gh` if it is installed.
pub fn discover_token(host: &TokenHost) -> Result<HostToken, NoTokenError> {
    discover_token_in(
        host,
        &TokenLookup {
            env: &|name| std::env::var(name).ok(),
            gh_auth_token: &run_gh_auth_token,
        },
    )
}

/// The discovery rules for `host`, over an injected environment.
pub fn discover_token_in(
    host: &TokenHost,
    lookup: &TokenLookup<'_>,
) -> Result<HostToken, NoTokenError> {
    let found = |secret: Secret, source| HostToken {
        secret,
        host: host.clone(),
        source,
    };
    for name in host.env_names() {
        if let Some(token) = (lookup.env)(name).map(|t| t.trim().to_owned())
            && !token.is_empty()
        {
            return Ok(found(Secret::new(token), TokenSource::Env(name)));
        }
    }
    let missing = |gh_problem| NoTokenError {
        host: host.clone(),
        gh_problem,
    };
    match (lookup.gh_auth_token)(host.as_str()) {
        Some(Ok(token)) if !token.trim().is_empty() => {
            Ok(found(Secret::new(token.trim()), TokenSource::GhCli))
        }
        Some(Ok(_)) => Err(missing(Some("`gh auth token` printed nothing".into()))),
        Some(Err(problem)) => Err(missing(Some(crate::text::sanitize_line(&problem)))),
        None => Err(missing(None)),
    }
}

/// `None` when `gh` is not on PATH; its stdout on success; its stderr otherwise.
fn run_gh_auth_token(host: &str) -> Option<Result<String, String>> {
    let output = match Command::new("gh")
        .args(["auth", "token", "--hostname", host])
        .output()
    {
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
    use std::cell::RefCell;
    use std::collections::HashMap;

    const GITHUB: &str = "https://api.github.com";
    const GHE: &str = "https://ghe.example.com/api/v3";
    const SANDBOX: &str = "http://127.0.0.1:8080";

    /// Every variable set, so each rule must pick its own.
    const ALL_SET: &[(&str, &str)] = &[
        ("GH_TOKEN", "gh"),
        ("GITHUB_TOKEN", "github"),
        ("GH_ENTERPRISE_TOKEN", "gh-enterprise"),
        ("GITHUB_ENTERPRISE_TOKEN", "github-enterprise"),
    ];

    /// The discovery for `api_url`'s host, and the hosts `gh` was asked about.
    fn discover(
        api_url: &str,
        vars: &[(&str, &str)],
        gh: Option<Result<&str, &str>>,
    ) -> (Result<HostToken, NoTokenError>, Vec<String>) {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let asked = RefCell::new(Vec::new());
        let host = TokenHost::of_api_url(api_url).unwrap();
        let result = discover_token_in(
            &host,
            &TokenLookup {
                env: &|name| vars.get(name).cloned(),
                gh_auth_token: &|host| {
                    asked.borrow_mut().push(host.to_owned());
                    gh.map(|r| r.map(str::to_owned).map_err(str::to_owned))
                },
            },
        );
        (result, asked.into_inner())
    }

    fn found(api_url: &str, vars: &[(&str, &str)]) -> (String, TokenSource) {
        let token = discover(api_url, vars, Some(Ok("from-gh"))).0.unwrap();
        (token.secret().expose().to_owned(), token.source().clone())
    }

    #[test]
    fn hosts_are_named_as_gh_names_them() {
        let host = |url| TokenHost::of_api_url(url).unwrap().to_string();
        assert_eq!(host("https://api.github.com/"), "github.com");
        assert_eq!(host("https://GHE.example.com/api/v3"), "ghe.example.com");
        assert_eq!(
            host("https://ghe.example.com:8443/api/v3"),
            "ghe.example.com:8443"
        );
        assert_eq!(host("http://127.0.0.1:8080"), "127.0.0.1:8080");
        assert_eq!(TokenHost::of_api_url("not a url"), None);
    }

    #[test]
    fn loopback_is_the_three_local_names_with_any_port() {
        for url in [
            "http://127.0.0.1:1",
            "http://localhost:8080",
            "http://[::1]:9",
        ] {
            assert!(TokenHost::of_api_url(url).unwrap().is_loopback(), "{url}");
        }
        for url in [
            GITHUB,
            GHE,
            "http://127.0.0.2:1",
            "https://localhost.example.com",
        ] {
            assert!(!TokenHost::of_api_url(url).unwrap().is_loopback(), "{url}");
        }
    }

    #[test]
    fn github_com_takes_gh_token_then_github_token_and_never_enterprise_ones() {
        assert_eq!(
            found(GITHUB, ALL_SET),
            ("gh".into(), TokenSource::Env("GH_TOKEN"))
        );
        assert_eq!(
            found(GITHUB, &ALL_SET[1..]),
            ("github".into(), TokenSource::Env("GITHUB_TOKEN"))
        );
        // Only enterprise tokens set: they are not github.com's, so gh is asked.
        assert_eq!(
            found(GITHUB, &ALL_SET[2..]),
            ("from-gh".into(), TokenSource::GhCli)
        );
    }

    #[test]
    fn another_host_takes_enterprise_tokens_and_never_github_com_ones() {
        assert_eq!(
            found(GHE, ALL_SET),
            (
                "gh-enterprise".into(),
                TokenSource::Env("GH_ENTERPRISE_TOKEN")
            )
        );
        assert_eq!(
            found(GHE, &ALL_SET[3..]),
            (
                "github-enterprise".into(),
                TokenSource::Env("GITHUB_ENTERPRISE_TOKEN")
            )
        );
        let (token, asked) = discover(GHE, &ALL_SET[..2], Some(Ok("from-gh\n")));
        let token = token.unwrap();
        assert_eq!(
            (token.secret().expose(), token.source()),
            ("from-gh", &TokenSource::GhCli),
            "GH_TOKEN and GITHUB_TOKEN are github.com's"
        );
        assert_eq!(asked, ["ghe.example.com"]);
    }

    #[test]
    fn loopback_also_takes_gh_token_after_the_enterprise_ones() {
        assert_eq!(
            found(
                SANDBOX,
                &[("GH_TOKEN", "sandbox"), ("GITHUB_TOKEN", "github")]
            ),
            ("sandbox".into(), TokenSource::Env("GH_TOKEN"))
        );
        assert_eq!(
            found(SANDBOX, ALL_SET),
            (
                "gh-enterprise".into(),
                TokenSource::Env("GH_ENTERPRISE_TOKEN")
            )
        );
        // GITHUB_TOKEN alone is github.com's only.
        assert_eq!(
            found(SANDBOX, &[("GITHUB_TOKEN", "github")]),
            ("from-gh".into(), TokenSource::GhCli)
        );
    }

    #[test]
    fn gh_is_asked_for_the_host_and_only_as_the_last_resort() {
        let (_, asked) = discover(GITHUB, ALL_SET, Some(Ok("from-gh")));
        assert!(
            asked.is_empty(),
            "gh must not run when the environment has a token"
        );
        let (_, asked) = discover(SANDBOX, &[("GH_TOKEN", "  ")], Some(Ok("from-gh")));
        assert_eq!(asked, ["127.0.0.1:8080"], "blank values do not count");
        let (_, asked) = discover(GITHUB, &[], Some(Ok("from-gh")));
        assert_eq!(asked, ["github.com"]);
    }

    #[test]
    fn nothing_found_names_the_host_and_its_ways() {
        let message = discover(GHE, &[], None).0.unwrap_err().to_string();
        assert_eq!(
            message,
            "no token found for ghe.example.com: set GH_ENTERPRISE_TOKEN or \
             GITHUB_ENTERPRISE_TOKEN to a token for ghe.example.com, or log in with \
             `gh auth login --hostname ghe.example.com` so that \
             `gh auth token --hostname ghe.example.com` prints one"
        );
        let message = discover(GITHUB, &[], Some(Err("not logged in\u{1b}[0m")))
            .0
            .unwrap_err()
            .to_string();
        assert!(message.contains("(not logged in\\u{1b}[0m)"), "{message}");
        assert!(
            message.contains("set GH_TOKEN or GITHUB_TOKEN"),
            "{message}"
        );
    }

    #[test]
    fn a_token_goes_only_to_the_host_it_was_found_for() {
        let token = discover(SANDBOX, &[("GH_TOKEN", "sandbox")], None)
            .0
            .unwrap();
        assert_eq!(
            token.for_forge("http://127.0.0.1:8080/").unwrap().expose(),
            "sandbox"
        );
        let refused = token.for_forge("http://127.0.0.1:9090").unwrap_err();
        assert_eq!(
            refused.target, "127.0.0.1:9090",
            "another port is another server"
        );
        assert!(token.for_forge(GITHUB).is_err());
        let github = discover(GITHUB, &[("GH_TOKEN", "gh")], None).0.unwrap();
        let refused = github.for_forge(GHE).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "the token found for github.com is never sent to ghe.example.com, so nothing was \
             sent; this is a bug in breakglass: report it with the command you ran"
        );
    }

    #[test]
    fn sources_are_named_without_the_value() {
        assert_eq!(TokenSource::GhCli.to_string(), "`gh auth token`");
        assert_eq!(
            TokenSource::Env("GH_ENTERPRISE_TOKEN").to_string(),
            "the GH_ENTERPRISE_TOKEN environment variable"
        );
    }
}
