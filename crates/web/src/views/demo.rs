//! Pages of the demo relying party.

use super::layout::{Frame, render};
use crate::i18n::t;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde_json::Value;

fn page(title: &str, body: Markup) -> Response {
    render(
        StatusCode::OK,
        Frame {
            lang: "sv",
            title,
            brand_color: None,
            lang_switch: None,
            wide: true,
            refresh_secs: None,
            poll_url: None,
        },
        body,
    )
}

/// The client list and the demo accounts.
pub fn index(
    clients: &[(String, String)],
    accounts: &[(String, String, String)],
    outbox: bool,
) -> Response {
    let l = "sv";
    page(
        t(l, "demo.title"),
        html! {
            h1 { (t(l, "demo.title")) }
            p class="note" { (t(l, "demo.intro")) }
            @if clients.is_empty() {
                p class="error" { (t(l, "demo.no_clients")) }
            }
            ul {
                @for (id, name) in clients {
                    li { a href=(format!("/demo/start?client={id}")) { (t(l, "demo.sign_in")) " – " (name) } " (" code { (id) } ")" }
                }
            }
            @if outbox {
                p { a href="/dev/outbox" { (t(l, "demo.outbox")) } }
            }
            @if !accounts.is_empty() {
                h2 { (t(l, "demo.accounts")) }
                table {
                    @for (login, password, name) in accounts {
                        tr { td { code { (login) } } td { code { (password) } } td { (name) } }
                    }
                }
            }
        },
    )
}

/// The decoded ID token and the userinfo response.
pub fn result(client: &str, id_token: &Value, userinfo: &Value) -> Response {
    let l = "sv";
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    page(
        t(l, "demo.result"),
        html! {
            h1 { (t(l, "demo.result")) " – " (client) }
            h2 { (t(l, "demo.id_token")) }
            pre { (pretty(id_token)) }
            h2 { (t(l, "demo.userinfo")) }
            pre { (pretty(userinfo)) }
            p { a href="/demo" { (t(l, "demo.again")) } }
        },
    )
}

/// An error the flow returned.
pub fn error(error: &str, description: Option<&str>) -> Response {
    let l = "sv";
    page(
        t(l, "demo.error"),
        html! {
            h1 { (t(l, "demo.error")) }
            p class="error" { code { (error) } }
            @if let Some(d) = description { p { (d) } }
            p { a href="/demo" { (t(l, "demo.again")) } }
        },
    )
}
