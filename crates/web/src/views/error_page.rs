//! The error page: a message and what to do next, never a cause. When the page language
//! is not known (no login transaction to ask), the message is shown in Swedish and
//! English, one under the other.

use super::layout::{Frame, render as frame};
use crate::i18n::t;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

/// An error page in `lang` with the message `key` and, optionally, a second line.
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
            wide: false,
            refresh_secs: None,
            poll_url: None,
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

/// An error page in both languages, for when the user's language is unknown.
pub fn render_bilingual(
    status: StatusCode,
    key: &'static str,
    next: Option<&'static str>,
) -> Response {
    frame(
        status,
        Frame {
            lang: "sv",
            title: t("sv", "error.title"),
            brand_color: None,
            lang_switch: None,
            wide: false,
            refresh_secs: None,
            poll_url: None,
        },
        html! {
            @for lang in ["sv", "en"] {
                section lang=(lang) {
                    h1 { (t(lang, "error.title")) }
                    p class="error" role="alert" { (t(lang, key)) }
                    @if let Some(next) = next {
                        p { (t(lang, next)) }
                    }
                }
            }
        },
    )
}
