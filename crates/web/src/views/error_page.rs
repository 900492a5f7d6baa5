//! The error page: a message in the page language and what to do next. Never a cause.

use super::layout::{Frame, render as frame};
use crate::i18n::t;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

/// An error page with the message `key` and, optionally, a second line.
pub fn render(
    status: StatusCode,
    lang: &str,
    key: &'static str,
    next: Option<&'static str>,
) -> Response {
    let title = t(lang, "error.title");
    frame(
        status,
        Frame {
            lang,
            title,
            brand_color: None,
            lang_switch: None,
        },
        html! {
            h1 { (title) }
            p class="error" role="alert" { (t(lang, key)) }
            @if let Some(next) = next {
                p { (t(lang, next)) }
            }
        },
    )
}
