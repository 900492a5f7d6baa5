//! The logout confirmation and the logged-out page.

use super::layout::{Frame, render};
use crate::i18n::t;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

fn frame<'a>(lang: &'a str, title: &'a str) -> Frame<'a> {
    Frame {
        lang,
        title,
        brand_color: None,
        lang_switch: None,
        wide: false,
        refresh_secs: None,
        poll_url: None,
    }
}

/// "Vill du logga ut?": asked when the request could not prove it came from a client
/// (RP-Initiated Logout §2: no valid `id_token_hint`).
pub fn confirm(lang: &str, token: &str) -> Response {
    let title = t(lang, "logout.title");
    render(
        StatusCode::OK,
        frame(lang, title),
        html! {
            h1 { (title) }
            p { (t(lang, "logout.question")) }
            form method="post" action="/logout/confirm" {
                input type="hidden" name="token" value=(token);
                input type="hidden" name="lang" value=(lang);
                button type="submit" { (t(lang, "logout.button")) }
            }
        },
    )
}

/// "Du är utloggad".
pub fn done(lang: &str) -> Response {
    let title = t(lang, "logout.done_title");
    render(
        StatusCode::OK,
        frame(lang, title),
        html! {
            h1 { (title) }
            p { (t(lang, "logout.done")) }
        },
    )
}
