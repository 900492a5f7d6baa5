//! The pages of flows outside a login transaction that are not a step: a flow's end, and
//! the page a link from an e-mail opens on.

use super::layout::{Frame, render};
use crate::i18n::t;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use portvakt_core::config::ClientConfig;

fn frame<'a>(lang: &'a str, title: &'a str, client: Option<&'a ClientConfig>) -> Frame<'a> {
    Frame {
        lang,
        title,
        brand_color: client.and_then(|c| c.branding.color.as_deref()),
        lang_switch: None,
        wide: false,
        refresh_secs: None,
        poll_url: None,
    }
}

/// A flow is done: what was done, and the way back to the login it came from.
pub fn done(
    lang: &str,
    client: &ClientConfig,
    heading: &'static str,
    message: &'static str,
    back_to: Option<&str>,
    back_label: &'static str,
) -> Response {
    render(
        StatusCode::OK,
        frame(lang, t(lang, heading), Some(client)),
        html! {
            div class="client" { h1 { (client.display_name) } }
            h2 { (t(lang, heading)) }
            p role="status" { (t(lang, message)) }
            @if let Some(back) = back_to {
                // The way on has focus: Enter follows it.
                p { a class="button" href=(back) autofocus { (t(lang, back_label)) } }
            }
        },
    )
}

/// The page a link from an e-mail opens: one button, whose POST spends the link (a mail
/// scanner's GET does not).
pub fn link(lang: &str, client: &ClientConfig, action: &str) -> Response {
    render(
        StatusCode::OK,
        frame(lang, t(lang, "link.title"), Some(client)),
        html! {
            div class="client" { h1 { (client.display_name) } }
            h2 { (t(lang, "link.title")) }
            p { (t(lang, "link.intro")) }
            form method="post" action=(action) {
                button type="submit" { (t(lang, "link.continue")) }
            }
        },
    )
}
