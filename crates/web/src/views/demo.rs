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

/// One row of the demo accounts table: what a visitor types to sign in.
#[derive(Debug, Clone, Default)]
pub struct DemoAccount {
    /// Username or customer number.
    pub login: String,
    /// Password.
    pub password: String,
    /// Personnummer, for PIN + one-time code.
    pub personnummer: String,
    /// PIN, for PIN + one-time code.
    pub pin: String,
    /// Unused list codes, space-separated.
    pub codes: String,
    /// Name.
    pub name: String,
}

/// The client list and the demo accounts.
pub fn index(clients: &[(String, String)], accounts: &[DemoAccount], outbox: bool) -> Response {
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
                // Scrolls sideways on a narrow screen; focusable so a keyboard can.
                div class="scroll" role="region" aria-label=(t(l, "demo.accounts")) tabindex="0" {
                table {
                    thead {
                        tr {
                            th scope="col" { (t(l, "demo.col.name")) }
                            th scope="col" { (t(l, "demo.col.login")) }
                            th scope="col" { (t(l, "demo.col.password")) }
                            th scope="col" { (t(l, "demo.col.personnummer")) }
                            th scope="col" { (t(l, "demo.col.pin")) }
                            th scope="col" { (t(l, "demo.col.codes")) }
                        }
                    }
                    tbody {
                        @for a in accounts {
                            tr {
                                td { (a.name) }
                                td { code { (a.login) } }
                                td { code { (a.password) } }
                                td { code { (a.personnummer) } }
                                td { code { (a.pin) } }
                                td { code { (a.codes) } }
                            }
                        }
                    }
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
