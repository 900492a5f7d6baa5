//! Redirect URIs, kept as the exact registered string and compared byte for byte
//! (RFC 9700 §4.1.3, OIDC Core §3.1.2.1: "MUST exactly match").

use serde::{Deserialize, Serialize};

/// A redirect URI as registered. Equality is exact string equality: no normalisation,
/// so a trailing slash, a case change, an added query or path never match.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RedirectUri(String);

/// Why a URI cannot be registered as a redirect URI.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RedirectUriError {
    /// Not an absolute URL.
    #[error("not an absolute URL")]
    NotAbsolute,
    /// Fragments are forbidden (RFC 6749 §3.1.2).
    #[error("must not contain a fragment (#...)")]
    Fragment,
    /// Plain http is only for loopback addresses (RFC 8252 §7.3, S2).
    #[error("http is allowed only for loopback hosts (localhost, 127.0.0.1, [::1])")]
    InsecureHttp,
    /// Only https, loopback http, and native apps' private-use schemes (RFC 8252 §7.1:
    /// reverse domain names such as `se.example.app:/cb`) can be redirect targets.
    #[error(
        "use https, http on a loopback host, or a reverse-domain app scheme (se.example.app:/cb)"
    )]
    Scheme,
}

impl RedirectUri {
    /// Checks a URI for registration.
    pub fn parse(raw: &str) -> Result<Self, RedirectUriError> {
        let url = url::Url::parse(raw).map_err(|_| RedirectUriError::NotAbsolute)?;
        if url.fragment().is_some() || raw.contains('#') {
            return Err(RedirectUriError::Fragment);
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(RedirectUriError::InsecureHttp),
            // A private-use scheme is a reverse domain name, so it has a dot; that also
            // keeps out javascript:, data:, file: and the like.
            other if other.contains('.') => {}
            _ => return Err(RedirectUriError::Scheme),
        }
        Ok(RedirectUri(raw.to_owned()))
    }

    /// The URI exactly as registered.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Exact match against what a request sent, with one exception: for `http` on a
    /// literal loopback IP (`127.0.0.0/8`, `[::1]`; not `localhost`), the port may be
    /// any (RFC 8252 §7.3: native apps listen on an ephemeral port). Everything else,
    /// the loopback URI's path and query included, must still match to the letter.
    pub fn matches(&self, presented: &str) -> bool {
        if self.0 == presented {
            return true;
        }
        match (
            without_loopback_port(&self.0),
            without_loopback_port(presented),
        ) {
            (Some(registered), Some(presented)) => registered == presented,
            _ => false,
        }
    }
}

/// `http://<loopback IP>[:port]<rest>` without its port, as written (no normalisation);
/// `None` for anything else.
fn without_loopback_port(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw).ok()?;
    let loopback_ip = match url.host()? {
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
        url::Host::Domain(_) => false,
    };
    if url.scheme() != "http" || !loopback_ip {
        return None;
    }
    // Work on the string as written, so only the port is ignored.
    let rest = raw.strip_prefix("http://")?;
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host = match authority.rsplit_once(':') {
        // `[::1]` alone has colons inside the brackets; a port follows the `]`.
        Some((host, port))
            if !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && !host.ends_with(':')
                && (!host.starts_with('[') || host.ends_with(']')) =>
        {
            host
        }
        _ => authority,
    };
    Some(format!("http://{host}{tail}"))
}

/// True for `localhost`, `127.0.0.0/8` and `[::1]`.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_ip_any_port() {
        let v4 = RedirectUri::parse("http://127.0.0.1/callback").expect("valid");
        assert!(v4.matches("http://127.0.0.1:51004/callback"));
        assert!(v4.matches("http://127.0.0.1/callback"));
        assert!(!v4.matches("http://127.0.0.1:51004/callback2"));
        assert!(!v4.matches("http://127.0.0.1:51004/callback?x=1"));
        assert!(!v4.matches("http://127.0.0.2:51004/callback"));
        assert!(!v4.matches("https://127.0.0.1:51004/callback"));
        let with_port = RedirectUri::parse("http://127.0.0.1:8080/cb").expect("valid");
        assert!(with_port.matches("http://127.0.0.1:9/cb"));
        let v6 = RedirectUri::parse("http://[::1]/cb").expect("valid");
        assert!(v6.matches("http://[::1]:4711/cb"));
        assert!(!v6.matches("http://[::1]:4711/other"));
        let name = RedirectUri::parse("http://localhost/cb").expect("valid");
        assert!(
            !name.matches("http://localhost:4711/cb"),
            "localhost is a name, compared exactly (RFC 8252 §8.3)"
        );
        let web = RedirectUri::parse("https://rp.example/cb").expect("valid");
        assert!(!web.matches("https://rp.example:8443/cb"));
    }

    #[test]
    fn matching_is_exact() {
        let uri = RedirectUri::parse("https://rp.example/cb").expect("valid");
        assert!(uri.matches("https://rp.example/cb"));
        for variant in [
            "https://rp.example/cb/",
            "https://RP.example/cb",
            "https://rp.example/CB",
            "https://rp.example/cb?x=1",
            "https://rp.example/cb/more",
            "https://other.example/cb",
            "http://rp.example/cb",
            "https://rp.example:443/cb",
        ] {
            assert!(!uri.matches(variant), "{variant} must not match");
        }
    }

    #[test]
    fn registration_rules() {
        assert_eq!(
            RedirectUri::parse("http://rp.example/cb"),
            Err(RedirectUriError::InsecureHttp)
        );
        assert!(RedirectUri::parse("http://localhost:9000/cb").is_ok());
        assert!(RedirectUri::parse("http://127.0.0.1/cb").is_ok());
        assert_eq!(
            RedirectUri::parse("https://rp.example/cb#x"),
            Err(RedirectUriError::Fragment)
        );
        assert_eq!(
            RedirectUri::parse("/relative"),
            Err(RedirectUriError::NotAbsolute)
        );
        for bad in [
            "javascript:alert(1)//",
            "data:text/html,hi",
            "file:///etc/passwd",
            "ftp://rp.example/cb",
        ] {
            assert_eq!(
                RedirectUri::parse(bad),
                Err(RedirectUriError::Scheme),
                "{bad}"
            );
        }
        assert!(
            RedirectUri::parse("se.example.app:/callback").is_ok(),
            "native app (RFC 8252)"
        );
    }
}
