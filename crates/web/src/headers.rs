//! Request headers read the way their RFCs say, in one place for every endpoint.

use axum::http::{HeaderMap, header};

/// The credentials of an `Authorization` header with `scheme` (`Basic`, `Bearer`):
/// the scheme is matched case-insensitively (RFC 9110 §11.1: "It uses a
/// case-insensitive token"), separated from the credentials by one or more spaces.
/// `None` when the header is absent, not text, or of another scheme.
pub fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, credentials) = value.split_once(' ')?;
    given
        .eq_ignore_ascii_case(scheme)
        .then(|| credentials.trim_start_matches(' '))
}

/// True when the body is declared `application/x-www-form-urlencoded`: the media type
/// parsed (RFC 9110 §8.3.1), its type and subtype compared case-insensitively, any
/// parameters allowed (`; charset=UTF-8`), and nothing else, not even a longer subtype.
pub fn is_form(headers: &HeaderMap) -> bool {
    // Exactly one Content-Type: with two, parsers disagree on which counts.
    let mut values = headers.get_all(header::CONTENT_TYPE).iter();
    let (Some(only), None) = (values.next(), values.next()) else {
        return false;
    };
    Some(only)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.essence_str() == "application/x-www-form-urlencoded")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).expect("value"));
        h
    }

    #[test]
    fn schemes_are_case_insensitive() {
        for v in ["Bearer abc", "bearer abc", "BEARER abc", "BeArEr  abc"] {
            assert_eq!(
                authorization(&with(header::AUTHORIZATION, v), "Bearer"),
                Some("abc"),
                "{v}"
            );
        }
        assert_eq!(
            authorization(&with(header::AUTHORIZATION, "Basic abc"), "Bearer"),
            None
        );
        assert_eq!(
            authorization(&with(header::AUTHORIZATION, "Bearerabc"), "Bearer"),
            None
        );
        assert_eq!(authorization(&HeaderMap::new(), "Bearer"), None);
    }

    #[test]
    fn form_media_type() {
        for ok in [
            "application/x-www-form-urlencoded",
            "Application/X-WWW-Form-Urlencoded",
            "application/x-www-form-urlencoded; charset=UTF-8",
            "application/x-www-form-urlencoded;charset=utf-8",
        ] {
            assert!(is_form(&with(header::CONTENT_TYPE, ok)), "{ok}");
        }
        for bad in [
            "application/x-www-form-urlencodedXYZ",
            "text/plain",
            "application/json",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded/x",
            "",
        ] {
            assert!(!is_form(&with(header::CONTENT_TYPE, bad)), "{bad}");
        }
        assert!(!is_form(&HeaderMap::new()));
        let mut two = with(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        two.append(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(!is_form(&two), "two Content-Type headers");
    }
}
