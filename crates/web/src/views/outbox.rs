//! The development outbox page: each message as a user would get it, newest first.

use super::layout::{Frame, render};
use crate::i18n::t;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use portvakt_core::i18n::{Lang, fill};
use portvakt_core::notify::outbox::{Channel, OutboxEntry};
use portvakt_core::notify::{SmsEncoding, sms_length};
use portvakt_core::time::UnixTime;

/// The page, in `lang`.
pub fn page(lang: Lang, messages: &[OutboxEntry], demo: bool) -> Response {
    let l = lang.as_str();
    let other = if lang == Lang::En { "sv" } else { "en" };
    let now = UnixTime::now().0;
    render(
        StatusCode::OK,
        Frame {
            lang: l,
            title: t(l, "outbox.title"),
            brand_color: None,
            lang_switch: Some((format!("/dev/outbox?lang={other}"), t(l, "lang.other"))),
            wide: true,
            refresh_secs: None,
            poll_url: None,
        },
        html! {
            h1 { (t(l, "outbox.title")) }
            p class="note" { (t(l, "outbox.intro")) }
            p { a href=(format!("/dev/outbox?lang={l}")) { (t(l, "outbox.reload")) } " · " a href="/dev/outbox.json" { "JSON" } }
            @if messages.is_empty() {
                p { (t(l, "outbox.empty")) }
            }
            @for m in messages {
                (entry(l, m, now))
            }
            @if demo {
                p { a href="/demo" { (t(l, "outbox.back_to_demo")) } }
            }
        },
    )
}

fn entry(l: &str, m: &OutboxEntry, now: i64) -> Markup {
    let ago = (now - m.sent_at).max(0).to_string();
    let heading = match m.channel {
        Channel::Sms => t(l, "outbox.sms_to"),
        Channel::Email => t(l, "outbox.email_to"),
    };
    html! {
        article class="outbox-message" {
            h2 { (heading) " " (m.to) }
            p class="note" {
                (fill(t(l, "outbox.sent_ago"), &[("seconds", &ago)]))
                @if let Some(from) = &m.from { " · " (t(l, "outbox.from")) " " (from) }
                @if let Some(lang) = &m.lang { " · " (lang) }
            }
            @if let Some(subject) = &m.subject {
                p { strong { (t(l, "outbox.subject")) } " " (subject) }
            }
            pre { (linked(&m.text)) }
            @if m.channel == Channel::Sms {
                @let (encoding, length, segments) = sms_length(&m.text);
                p class="note" {
                    (fill(t(l, "outbox.segments"), &[
                        ("segments", &segments.to_string()),
                        ("length", &length.to_string()),
                        ("encoding", if encoding == SmsEncoding::Gsm7 { "GSM-7" } else { "UCS-2" }),
                    ]))
                }
            }
        }
    }
}

/// The text with each line that is a link made clickable (a confirmation link in an
/// e-mail), so a newcomer can follow it from here.
fn linked(text: &str) -> Markup {
    html! {
        @for line in text.split_inclusive('\n') {
            @let bare = line.trim_end();
            @if bare.starts_with("https://") || bare.starts_with("http://") {
                a href=(bare) { (bare) } (&line[bare.len()..])
            } @else {
                (line)
            }
        }
    }
}
