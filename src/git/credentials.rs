//! The operator's credentials for fetch and push: a token over https/http (sent as HTTP
//! Basic by libgit2, never written into the remote URL or `.git/config`) and the ssh agent
//! for ssh remotes. A token bound to a host is offered only to remotes on that host.

use std::cell::Cell;
use std::rc::Rc;

use git2::{Cred, CredentialType, RemoteCallbacks};

use crate::forge::token::TokenHost;
use crate::secret::Secret;

/// The username GitHub documents for token authentication; any non-empty name works with
/// personal access tokens, and App installation tokens need exactly this one.
const TOKEN_USERNAME: &str = "x-access-token";

/// What the operator authenticates with.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    token: Option<Secret>,
    /// The only host the token is offered to; `None`: any remote that asks.
    host: Option<TokenHost>,
}

impl Credentials {
    /// A token for https/http remotes; ssh remotes still use the ssh agent.
    pub fn token(token: Secret) -> Self {
        Credentials {
            token: Some(token),
            host: None,
        }
    }

    /// A token offered only to remotes on `host` (the forge it was found for); a remote
    /// elsewhere that asks for credentials gets none.
    pub fn token_for_host(token: Secret, host: TokenHost) -> Self {
        Credentials {
            token: Some(token),
            host: Some(host),
        }
    }

    /// No token: ssh remotes use the agent, and http remotes that ask for credentials fail
    /// with [`super::GitError::NoCredentials`].
    pub fn none() -> Self {
        Credentials {
            token: None,
            host: None,
        }
    }

    /// The host the token is bound to, if any.
    pub fn host(&self) -> Option<&TokenHost> {
        self.host.as_ref()
    }

    /// The token for a remote at `url`: `Err` when it is bound to another host.
    fn token_for(&self, url: &str) -> Result<Option<&Secret>, CredentialFailure> {
        let on_host = |host: &TokenHost| remote_host(url).is_some_and(|h| h == *host);
        match (&self.token, &self.host) {
            (Some(_), Some(host)) if !on_host(host) => Err(CredentialFailure::OtherHost),
            (token, _) => Ok(token.as_ref()),
        }
    }

    /// The `Authorization` header that sends the token with the first request to an
    /// http(s) `url`, so the forge answers at once instead of with a 401 challenge that
    /// costs a round trip per connection. `None` without a token or for other schemes
    /// (ssh), which keep the callback, and for a remote on another host than the token's,
    /// which the callback then refuses. Handed to libgit2 for one operation only, so the
    /// token is never written to the clone's configuration.
    pub(crate) fn first_request_header(&self, url: &str) -> Option<Secret> {
        use base64::Engine as _;
        let token = self.token_for(url).ok().flatten()?;
        let scheme = url.split_once("://")?.0.to_ascii_lowercase();
        if !matches!(scheme.as_str(), "http" | "https") {
            return None;
        }
        let pair = format!("{TOKEN_USERNAME}:{}", token.expose());
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        Some(Secret::new(format!("Authorization: Basic {encoded}")))
    }
}

/// The host of a remote at an http(s) `url`, as the token rules name it; `None` when the
/// URL names none (an scp-like ssh remote).
pub(crate) fn remote_host(url: &str) -> Option<TokenHost> {
    let url = url::Url::parse(url).ok()?;
    let host = url.host_str().filter(|h| !h.is_empty())?;
    Some(TokenHost::of_git_remote(host, url.port()))
}

/// Why the credential callback gave up, so the transport error can be told apart from an
/// authentication problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CredentialFailure {
    /// The remote asked for credentials we do not have.
    Missing,
    /// The remote asked again after we answered: it refused what we sent.
    Rejected,
    /// The remote is not on the host the token was found for.
    OtherHost,
}

/// Sets `header` (from [`Credentials::first_request_header`]) on a fetch or a push, and
/// follows no redirect: a redirect to another host must not receive the token.
macro_rules! send_credentials_first {
    ($options:expr, $header:expr) => {
        if let Some(header) = $header {
            $options
                .custom_headers(&[header.expose()])
                .follow_redirects(git2::RemoteRedirect::None);
        }
    };
}
pub(crate) use send_credentials_first;

/// Installs the credential callback on `callbacks`; `failure` records why it gave up.
///
/// libgit2 asks again after a 401, for ever, so the second request for the same kind of
/// credential is answered with an error instead of the same token.
pub(crate) fn install(
    callbacks: &mut RemoteCallbacks<'_>,
    credentials: &Credentials,
    failure: Rc<Cell<Option<CredentialFailure>>>,
) {
    let credentials = credentials.clone();
    let mut secret_attempts = 0u32;
    callbacks.credentials(move |url, username_from_url, allowed| {
        // libgit2 first asks ssh for a bare username; that is not an attempt to log in.
        if allowed.contains(CredentialType::USERNAME) {
            return Cred::username(username_from_url.unwrap_or("git"));
        }
        secret_attempts += 1;
        if secret_attempts > 1 {
            failure.set(Some(CredentialFailure::Rejected));
            return Err(git2::Error::from_str("the remote refused the credentials"));
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) {
            match credentials.token_for(url) {
                Ok(Some(token)) => Cred::userpass_plaintext(TOKEN_USERNAME, token.expose()),
                Ok(None) => {
                    failure.set(Some(CredentialFailure::Missing));
                    Err(git2::Error::from_str("no token to authenticate with"))
                }
                Err(other_host) => {
                    failure.set(Some(other_host));
                    Err(git2::Error::from_str(
                        "the token belongs to another host and is not sent here",
                    ))
                }
            }
        } else if allowed.contains(CredentialType::SSH_KEY) {
            Cred::ssh_key_from_agent(username_from_url.unwrap_or("git"))
        } else {
            failure.set(Some(CredentialFailure::Missing));
            Err(git2::Error::from_str(
                "the remote asks for an unsupported kind of credential",
            ))
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_goes_with_the_first_http_request_only() {
        let credentials = Credentials::token(Secret::new("ghp_abc"));
        // base64("x-access-token:ghp_abc"), as `git -c http.extraHeader` would send it.
        let header = credentials
            .first_request_header("https://github.com/acme/api.git")
            .expect("a header for https");
        assert_eq!(
            header.expose(),
            "Authorization: Basic eC1hY2Nlc3MtdG9rZW46Z2hwX2FiYw=="
        );
        assert!(
            credentials
                .first_request_header("HTTP://127.0.0.1:9/git/acme/api.git")
                .is_some()
        );
        assert!(
            credentials
                .first_request_header("ssh://git@github.com/acme/api.git")
                .is_none()
        );
        assert!(
            credentials
                .first_request_header("git@github.com:acme/api.git")
                .is_none()
        );
        assert!(
            Credentials::none()
                .first_request_header("https://github.com/acme/api.git")
                .is_none()
        );
    }

    #[test]
    fn a_token_bound_to_another_host_never_goes_in_the_first_request() {
        let host = TokenHost::of_git_remote("github.com", None);
        let bound = Credentials::token_for_host(Secret::new("ghp_abc"), host);
        assert!(
            bound
                .first_request_header("https://github.com/acme/api.git")
                .is_some()
        );
        for elsewhere in [
            "https://ghe.example.com/acme/api.git",
            "http://127.0.0.1:9/git/acme/api.git",
            "https://github.com:8443/acme/api.git",
        ] {
            assert!(
                bound.first_request_header(elsewhere).is_none(),
                "the token went to {elsewhere}"
            );
        }
    }
}
