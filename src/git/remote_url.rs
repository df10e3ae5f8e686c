//! Parsing a remote's URL into the forge host and `owner/name`: https, ssh (both URL and
//! scp-like forms), GitHub Enterprise hosts, and the sandbox's `http://…/git/OWNER/NAME.git`.
//! Pure: no repository access.

use crate::forge::RepoId;

/// How git reaches the forge, which decides the credentials it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    Https,
    /// Plain HTTP: the sandbox forge on loopback.
    Http,
    Ssh,
}

/// A remote that points at a forge repository.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ForgeRemote {
    /// The remote's name in the clone (`origin`).
    pub name: String,
    /// The URL as configured, with any password in it replaced by `***`.
    pub url: String,
    pub transport: Transport,
    pub host: String,
    pub port: Option<u16>,
    pub repo: RepoId,
}

/// Parses `url`, the URL of the remote called `remote`.
pub fn parse_remote_url(remote: &str, url: &str) -> Result<ForgeRemote, super::GitError> {
    let not_forge = || super::GitError::NotAForgeUrl {
        remote: crate::text::sanitize_line(remote),
        url: crate::text::sanitize_line(&redacted(url)),
    };
    let (transport, host, port, path) = if url.contains("://") {
        let parsed = url::Url::parse(url).map_err(|_| not_forge())?;
        let transport = match parsed.scheme() {
            "https" => Transport::Https,
            "http" => Transport::Http,
            "ssh" | "git+ssh" | "ssh+git" => Transport::Ssh,
            _ => return Err(not_forge()),
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(not_forge)?;
        (
            transport,
            host.to_owned(),
            parsed.port(),
            parsed.path().to_owned(),
        )
    } else {
        scp_like(url).ok_or_else(not_forge)?
    };
    let repo = repo_from_path(&path).ok_or_else(not_forge)?;
    Ok(ForgeRemote {
        name: remote.to_owned(),
        url: redacted(url),
        transport,
        host,
        port,
        repo,
    })
}

/// `git@github.com:acme/api.git`: user, host, and a path after the colon. A local path
/// such as `/srv/repo.git` or `C:/repo` is not one.
fn scp_like(url: &str) -> Option<(Transport, String, Option<u16>, String)> {
    let (authority, path) = url.split_once(':')?;
    if authority.contains('/') || path.starts_with("//") {
        return None;
    }
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    // A one-letter "host" is a Windows drive letter.
    if host.len() < 2 {
        return None;
    }
    Some((Transport::Ssh, host.to_owned(), None, path.to_owned()))
}

/// The last two path segments, without `.git`: `/acme/api.git` and the sandbox's
/// `/git/acme/api.git` both name `acme/api`.
fn repo_from_path(path: &str) -> Option<RepoId> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let [.., owner, name] = segments.as_slice() else {
        return None;
    };
    let name = name.strip_suffix(".git").unwrap_or(name);
    format!("{owner}/{name}").parse().ok()
}

/// Hides a password (a token) embedded in a URL so it can be shown and stored.
pub(crate) fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forge_urls_parse_into_host_and_repository() {
        let cases: &[(&str, Transport, &str, Option<u16>, &str)] = &[
            (
                "https://github.com/acme/api",
                Transport::Https,
                "github.com",
                None,
                "acme/api",
            ),
            (
                "https://github.com/acme/api.git",
                Transport::Https,
                "github.com",
                None,
                "acme/api",
            ),
            (
                "https://github.com/acme/api.git/",
                Transport::Https,
                "github.com",
                None,
                "acme/api",
            ),
            (
                "git@github.com:acme/api.git",
                Transport::Ssh,
                "github.com",
                None,
                "acme/api",
            ),
            (
                "github.com:acme/api",
                Transport::Ssh,
                "github.com",
                None,
                "acme/api",
            ),
            (
                "ssh://git@ghe.example.com:2222/acme/api.git",
                Transport::Ssh,
                "ghe.example.com",
                Some(2222),
                "acme/api",
            ),
            (
                "https://ghe.example.com/acme/api.git",
                Transport::Https,
                "ghe.example.com",
                None,
                "acme/api",
            ),
            (
                "http://127.0.0.1:41234/git/acme/api.git",
                Transport::Http,
                "127.0.0.1",
                Some(41234),
                "acme/api",
            ),
            (
                "https://x-access-token:ghp_secret@github.com/acme/api.git",
                Transport::Https,
                "github.com",
                None,
                "acme/api",
            ),
        ];
        for (url, transport, host, port, repo) in cases {
            let remote = parse_remote_url("origin", url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(remote.transport, *transport, "{url}");
            assert_eq!(remote.host, *host, "{url}");
            assert_eq!(remote.port, *port, "{url}");
            assert_eq!(remote.repo.to_string(), *repo, "{url}");
            assert!(!remote.url.contains("ghp_secret"), "{}", remote.url);
        }
    }

    #[test]
    fn local_paths_and_other_schemes_are_refused_with_guidance() {
        for url in [
            "/srv/repo.git",
            "../repo",
            "file:///srv/acme/api.git",
            "C:/repos/api",
            "https://github.com/api",
            "git@github.com:",
            "ftp://host/acme/api.git",
        ] {
            let error = parse_remote_url("origin", url).unwrap_err();
            assert!(
                matches!(error, super::super::GitError::NotAForgeUrl { .. }),
                "{url}"
            );
        }
        let error = parse_remote_url("origin", "/srv/repo.git").unwrap_err();
        assert_eq!(
            error.to_string(),
            "remote origin points at /srv/repo.git, which is not a forge URL; pass --remote NAME for the remote that points at GitHub"
        );
    }

    #[test]
    fn a_token_in_a_refused_url_is_not_repeated() {
        let error = parse_remote_url("origin", "ftp://u:ghp_secret@host/x").unwrap_err();
        assert!(!error.to_string().contains("ghp_secret"), "{error}");
    }
}
