//! Browser-facing protections: security headers on every response (S22, S23), the
//! browser-binding cookie of login transactions (S24), and same-origin checks on form
//! POSTs (S25).

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use portvakt_core::config::Settings;

/// Adds the security headers to every response. Pages set their own CSP (with a nonce
/// for their style block); everything else gets the strictest one.
pub async fn headers(https: bool, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // same-origin: login URLs (which carry a transaction id) never leave as a Referer,
    // while our own form POSTs keep a real Origin header.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// The CSP for a page whose only inline content is a `<style nonce>` block.
/// No `form-action`: Chrome and Safari apply it to the redirect that follows a form
/// POST, which would block the 303 to the client's redirect URI on another origin.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'none'; style-src 'self' 'nonce-{nonce}'; img-src 'self' https: data:; \
         script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
         object-src 'none'"
    )
}

/// The name of the browser-binding cookie: `__Host-` on https; on plain-http localhost
/// (development only) browsers refuse `Secure` cookies from some clients, so the prefix
/// and `Secure` are dropped there (documented in docs/architecture.md).
pub fn browser_cookie_name(settings: &Settings) -> &'static str {
    if settings.is_plain_http() {
        "portvakt-browser"
    } else {
        "__Host-portvakt-browser"
    }
}

/// The `Set-Cookie` value of this browser's random id. It binds login transactions to
/// the browser, and lets the login throttle recognise a browser that signed in to an
/// account before (docs/login-throttling.md), so it lasts `login.remember_browser_days`
/// (at most 400 days, the longest browsers keep a cookie). It identifies a browser,
/// never a person or a session.
pub fn browser_cookie(settings: &Settings, value: &str) -> String {
    let secure = if settings.is_plain_http() {
        ""
    } else {
        "; Secure"
    };
    let max_age = settings.login.remember_browser_days.min(400) * 24 * 3600;
    format!(
        "{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
        browser_cookie_name(settings)
    )
}

/// Reads a cookie from the request.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// True when a form POST comes from our own pages (S25, on top of the CSRF token).
/// `Sec-Fetch-Site` decides when the browser sends it (every current browser does);
/// otherwise `Origin`, when sent, must be the issuer's origin. A browser may send
/// `Origin: null` under a strict referrer policy, so `Sec-Fetch-Site` comes first.
/// Clients that send neither (old browsers, test tools) rely on the CSRF token alone.
pub fn is_same_origin_post(headers: &HeaderMap, issuer: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => url::Url::parse(issuer)
            .map(|u| u.origin().ascii_serialization() == origin)
            .unwrap_or(false),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_checks() {
        let issuer = "https://login.example.se";
        assert!(is_same_origin_post(
            &headers(&[("sec-fetch-site", "same-origin"), ("origin", "null")]),
            issuer
        ));
        assert!(!is_same_origin_post(
            &headers(&[("sec-fetch-site", "cross-site")]),
            issuer
        ));
        assert!(!is_same_origin_post(
            &headers(&[("sec-fetch-site", "same-site")]),
            issuer
        ));
        assert!(is_same_origin_post(
            &headers(&[("origin", "https://login.example.se")]),
            issuer
        ));
        assert!(!is_same_origin_post(
            &headers(&[("origin", "https://evil.example")]),
            issuer
        ));
        assert!(!is_same_origin_post(
            &headers(&[("origin", "null")]),
            issuer
        ));
        assert!(is_same_origin_post(&headers(&[]), issuer));
    }

    #[test]
    fn cookie_is_host_prefixed_and_secure_on_https() {
        let mut settings: Settings =
            toml::from_str("issuer = \"https://login.example.se\"").expect("settings");
        let c = browser_cookie(&settings, "v");
        assert!(c.starts_with("__Host-portvakt-browser=v;"), "{c}");
        for part in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!c.contains("Domain"), "__Host- cookies have no Domain");
        settings.issuer = "http://localhost:8080".into();
        let c = browser_cookie(&settings, "v");
        assert!(
            c.starts_with("portvakt-browser=v;") && !c.contains("Secure"),
            "{c}"
        );
    }
}

/// The user's IP address (S31): the TCP peer, unless the peer is a trusted proxy, in which
/// case the nearest address in `X-Forwarded-For` that is not itself a trusted proxy. A
/// client that is not a trusted proxy cannot choose its address by sending the header.
pub fn client_ip(
    headers: &HeaderMap,
    peer: std::net::IpAddr,
    trusted: &[portvakt_core::address::Network],
) -> std::net::IpAddr {
    use portvakt_core::address::in_networks;
    if !in_networks(peer, trusted) {
        return peer;
    }
    let forwarded: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !in_networks(*a, trusted))
        .unwrap_or(peer)
}

#[cfg(test)]
mod ip_tests {
    use super::*;
    use std::net::IpAddr;

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.7"),
        );
        let lb = ip("10.0.0.5");
        let proxies = [portvakt_core::address::Network::parse("10.0.0.0/24").expect("cidr")];
        assert_eq!(
            client_ip(&h, ip("198.51.100.1"), &proxies),
            ip("198.51.100.1"),
            "spoofed by a stranger"
        );
        assert_eq!(
            client_ip(&h, lb, &proxies),
            ip("203.0.113.7"),
            "the address the proxy saw"
        );
        assert_eq!(client_ip(&HeaderMap::new(), lb, &proxies), lb);
    }
}
