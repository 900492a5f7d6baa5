//! The page frame shared by every hosted page.

use crate::security::page_csp;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use portvakt_core::random::random_token;

/// The stylesheet, served at `/assets/portvakt.css`.
pub const STYLESHEET: &str = include_str!("portvakt.css");

/// The script of waiting login steps, served at `/assets/login-poll.js`.
pub const POLL_SCRIPT: &str = include_str!("login-poll.js");

/// What the frame needs.
pub struct Frame<'a> {
    /// `sv` or `en`.
    pub lang: &'a str,
    /// `<title>`.
    pub title: &'a str,
    /// Client brand colour (`#rrggbb`, validated at config load).
    pub brand_color: Option<&'a str>,
    /// Link to the same page in the other language.
    pub lang_switch: Option<(String, &'a str)>,
    /// A wider card (the demo RP's JSON).
    pub wide: bool,
    /// Reload every this many seconds (a step waiting on BankID, without JavaScript).
    pub refresh_secs: Option<u32>,
    /// With JavaScript, `/assets/login-poll.js` asks this URL every second and updates
    /// the page in place; the reload above then applies only without JavaScript.
    pub poll_url: Option<String>,
}

/// Renders a full page with a per-response CSP nonce for its one style block.
pub fn render(status: StatusCode, frame: Frame<'_>, body: Markup) -> Response {
    let nonce = random_token(16);
    let brand = frame
        .brand_color
        .map(|c| format!(":root{{--brand:{c};}}"))
        .unwrap_or_default();
    let markup = html! {
        (DOCTYPE)
        html lang=(frame.lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                @match (frame.refresh_secs, &frame.poll_url) {
                    (Some(secs), Some(_)) => {
                        noscript { meta http-equiv="refresh" content=(secs); }
                        script src="/assets/login-poll.js" defer {}
                    }
                    (Some(secs), None) => { meta http-equiv="refresh" content=(secs); }
                    _ => {}
                }
                title { (frame.title) }
                link rel="stylesheet" href="/assets/portvakt.css";
                @if !brand.is_empty() {
                    style nonce=(nonce) { (PreEscaped(brand)) }
                }
            }
            body {
                main class=(if frame.wide { "card wide" } else { "card" }) data-poll=[frame.poll_url.as_deref()] {
                    @if let Some((href, label)) = &frame.lang_switch {
                        @let other = if frame.lang == "sv" { "en" } else { "sv" };
                        p class="lang" { a href=(href) hreflang=(other) lang=(other) { (label) } }
                    }
                    (body)
                }
            }
        }
    };
    let mut res = (status, markup.into_string()).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&page_csp(&nonce)) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}
