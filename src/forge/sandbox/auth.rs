//! Credentials: reading REST tokens (`Bearer`/`token`) and git's HTTP Basic password from
//! request headers, and minting random sandbox tokens.
//!
//! Tokens are compared and minted here; they are never logged or echoed.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;

/// The realm git clients see in the 401 challenge.
pub const GIT_REALM: &str = "Basic realm=\"breakglass-sandbox\"";

/// The token of `Authorization: Bearer T` or `Authorization: token T` (REST, as on GitHub).
/// Basic credentials are accepted too (password = token), as GitHub accepts them.
pub fn rest_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" | "token" => Some(rest.trim().to_owned()),
        "basic" => basic_password(headers),
        _ => None,
    }
}

/// The password of `Authorization: Basic base64(user:password)`; any user name is accepted.
pub fn basic_password(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (_, password) = text.split_once(':')?;
    Some(password.to_owned())
}

/// A fresh random token with the given prefix (`bgs_` for users, `bgc_` for control).
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    format!("{prefix}{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_auth(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn bearer_token_and_basic_forms_are_read() {
        assert_eq!(rest_token(&with_auth("Bearer abc")).as_deref(), Some("abc"));
        assert_eq!(rest_token(&with_auth("token abc")).as_deref(), Some("abc"));
        let basic = base64::engine::general_purpose::STANDARD.encode("x-access-token:abc");
        assert_eq!(
            basic_password(&with_auth(&format!("Basic {basic}"))).as_deref(),
            Some("abc")
        );
        assert_eq!(rest_token(&with_auth("Digest abc")), None);
        assert_eq!(basic_password(&HeaderMap::new()), None);
    }

    #[test]
    fn tokens_are_random_and_prefixed() {
        let a = random_token("bgs_");
        assert!(a.starts_with("bgs_") && a.len() == 44);
        assert_ne!(a, random_token("bgs_"));
    }
}
