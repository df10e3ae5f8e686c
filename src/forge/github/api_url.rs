//! Checking and normalising the API base URL the operator configured (github.com, a
//! GitHub Enterprise `/api/v3` base, or the sandbox's plain-http loopback URL).

use super::error::{ForgeError, sanitize_server_text};
use url::Url;

/// Checks and normalises an API base URL: http or https, a host, no credentials, query
/// or fragment; the trailing slash removed.
pub fn normalise_api_url(api_url: &str) -> Result<String, ForgeError> {
    let invalid = |reason: &str| ForgeError::InvalidApiUrl {
        url: sanitize_server_text(api_url),
        reason: reason.to_owned(),
    };
    let url = Url::parse(api_url.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("use an http:// or https:// URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL names no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "do not put credentials in the URL: the token comes from GH_TOKEN",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("remove the query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_urls_are_checked_and_normalised() {
        assert_eq!(
            normalise_api_url("https://api.github.com/").unwrap(),
            "https://api.github.com"
        );
        assert_eq!(
            normalise_api_url("https://ghe.example.com/api/v3/").unwrap(),
            "https://ghe.example.com/api/v3"
        );
        assert_eq!(
            normalise_api_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "ftp://x",
            "not a url",
            "https://user:pw@ghe.example.com/api/v3",
            "https://api.github.com/?a=1",
        ] {
            assert!(
                matches!(
                    normalise_api_url(bad),
                    Err(ForgeError::InvalidApiUrl { .. })
                ),
                "{bad}"
            );
        }
    }
}
