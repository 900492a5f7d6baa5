//! The login page: the client's name and look, a tab per offered method, and the
//! active method's form.

use super::layout::{Frame, render as frame};
use crate::i18n::{self, t};
use crate::login::{FieldKind, StepView, Text};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{PreEscaped, html};
use portvakt_core::config::ClientConfig;
use portvakt_core::i18n::fill;

/// One tab.
pub struct Tab {
    /// Link that switches to it.
    pub href: String,
    /// Its label, already translated.
    pub label: String,
    /// The active one.
    pub current: bool,
}

/// What the login page shows.
pub struct LoginPage<'a> {
    /// Page language.
    pub lang: &'a str,
    /// The client.
    pub client: &'a ClientConfig,
    /// Where forms post.
    pub action: String,
    /// Anti-CSRF token.
    pub csrf: &'a str,
    /// Method tabs (shown when more than one).
    pub tabs: Vec<Tab>,
    /// The active method's step.
    pub step: StepView,
    /// An error to show (catalogue key).
    pub error: Option<&'a str>,
    /// The same page in the other language.
    pub lang_switch: String,
    /// Catalogue key of the cancel button (`login.cancel`; a flow's way back).
    pub cancel: &'static str,
}

/// Renders the login page.
pub fn render(page: LoginPage<'_>) -> Response {
    let lang = page.lang;
    let error = page.error.map(|k| {
        // Keys come from methods; unknown ones fall back to a generic message.
        match i18n::keys().find(|known| *known == k) {
            Some(known) => t(lang, known),
            None => t(lang, "error.bad_form"),
        }
    });
    let first_field = page
        .step
        .fields
        .iter()
        .position(|f| f.value.is_empty())
        .unwrap_or(0);
    let alert = page.step.alert.as_ref().map(|a| text(lang, a));
    // WCAG 2.4.2: a page that answers with an error says so in its title too.
    // WCAG 2.4.2: each step has its own title ("Välj metod – Logga in"), so a screen
    // reader announces that the page moved on.
    let base = match page.step.heading {
        Some(h) => format!("{} – {}", t(lang, h), t(lang, "login.title")),
        None => t(lang, "login.title").to_owned(),
    };
    let title = match error.or(alert.as_deref()) {
        Some(_) => format!("{}: {base}", t(lang, "page.error_prefix")),
        None => base,
    };
    // The step's note (where to find a customer number) describes the first field and
    // is read with it; an error describes every field.
    let described_by = |i: usize| {
        let mut ids: Vec<&str> = Vec::new();
        if error.is_some() {
            ids.push("form-error");
        }
        if i == 0 && page.step.note.is_some() {
            ids.push("step-note");
        }
        // The policy's rules describe the new password's fields.
        if !page.step.checklist.is_empty() && page.step.fields[i].kind == FieldKind::Password {
            ids.push("step-checklist");
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    frame(
        StatusCode::OK,
        Frame {
            lang,
            title: &title,
            brand_color: page.client.branding.color.as_deref(),
            lang_switch: Some((page.lang_switch.clone(), t(lang, "lang.other"))),
            wide: false,
            refresh_secs: page.step.refresh_secs,
            poll_url: page
                .step
                .refresh_secs
                .map(|_| format!("{}/poll", page.action)),
        },
        html! {
            div class="client" {
                @if let Some(logo) = &page.client.branding.logo_url {
                    img src=(logo) alt="";
                }
                h1 { (t(lang, "login.to")) " " (page.client.display_name) }
            }
            @if page.tabs.len() > 1 {
                nav class="tabs" aria-label=(t(lang, "login.choose_method")) {
                    @for tab in &page.tabs {
                        @if tab.current {
                            a href=(tab.href) aria-current="page" { (tab.label) }
                        } @else {
                            a href=(tab.href) { (tab.label) }
                        }
                    }
                }
            }
            @if let Some(heading) = page.step.heading {
                h2 { (t(lang, heading)) }
            }
            @if let Some(message) = error {
                p class="error" role="alert" id="form-error" { (message) }
            }
            @if let Some(alert) = &alert {
                p class="error" role="alert" id="step-alert" { (alert) }
            }
            @if let Some(info) = &page.step.info {
                div class="info" { p { (text(lang, info)) } }
            }
            @if !page.step.checklist.is_empty() {
                ul class="checklist" id="step-checklist" {
                    @for check in &page.step.checklist {
                        @if check.broken {
                            li class="broken" { strong { (t(lang, "policy.broken")) " " } (text(lang, &check.text)) }
                        } @else {
                            li { (text(lang, &check.text)) }
                        }
                    }
                }
            }
            form method="post" action=(page.action) novalidate {
                input type="hidden" name="csrf" value=(page.csrf);
                @if let Some(group) = &page.step.choice {
                    fieldset {
                        legend { (t(lang, group.legend)) }
                        @for (i, choice) in group.options.iter().enumerate() {
                            @let id = format!("{}-{}", group.name, choice.value);
                            div class="choice" {
                                // A step with a choice starts at it (its fields follow).
                                @let checked = match group.selected {
                                    Some(v) => v == choice.value,
                                    None => i == 0,
                                };
                                input type="radio" id=(id) name=(group.name)
                                    value=(choice.value) checked[checked] required
                                    autofocus[checked];
                                label for=(id) { (t(lang, choice.label)) }
                            }
                        }
                    }
                }
                @for (i, field) in page.step.fields.iter().enumerate() {
                    label for=(field.name) { (t(lang, field.label)) }
                    @let (ty, mode) = match field.kind {
                        FieldKind::Text => ("text", None),
                        FieldKind::Numeric => ("text", Some("numeric")),
                        FieldKind::Password => ("password", None),
                        FieldKind::SecretDigits => ("password", Some("numeric")),
                        FieldKind::Email => ("email", None),
                    };
                    input type=(ty) id=(field.name) name=(field.name)
                        autocomplete=(field.autocomplete)
                        inputmode=[mode]
                        autocapitalize=[(!field.kind.is_secret()).then_some("none")]
                        spellcheck=[(!field.kind.is_secret()).then_some("false")]
                        value=(field.value)
                        autofocus[i == first_field && page.step.choice.is_none()]
                        aria-describedby=[described_by(i)]
                        aria-invalid=[error.map(|_| "true")]
                        required;
                    @if i == 0 && let Some(note) = page.step.note {
                        p class="note" id="step-note" { (t(lang, note)) }
                    }
                }
                @if let Some(image) = &page.step.image {
                    // Made by this server (a QR code), never from input.
                    div class="qr" role="img" aria-label=(t(lang, image.alt)) data-payload=[image.payload.as_deref()] { (PreEscaped(&image.svg)) }
                }
                @if let Some(app) = &page.step.app_link {
                    p { a class="button" href=(app.href) { (t(lang, app.label)) } }
                }
                @if let Some(status) = &page.step.status {
                    p class="status" role="status" aria-live="polite" id="step-status" { (text(lang, status)) }
                }
                @for (i, button) in page.step.buttons.iter().enumerate() {
                    // A button without a value posts no `action` (a step whose radio
                    // group is named `action`, as the reset's is).
                    // A step with nothing to fill in starts at its button.
                    @let focus = i == 0 && page.step.fields.is_empty() && page.step.choice.is_none();
                    @if button.value.is_empty() {
                        button type="submit" class=[(i > 0).then_some("secondary")] autofocus[focus] { (t(lang, button.label)) }
                    } @else {
                        button type="submit" name="action" value=(button.value)
                            class=[(i > 0).then_some("secondary")] autofocus[focus] { (t(lang, button.label)) }
                    }
                }
                @for flow in &page.step.flows {
                    div {
                        button type="submit" class="link" name="action" value=(format!("flow:{}", flow.flow)) formnovalidate { (t(lang, flow.label)) }
                    }
                }
            }
            // Its own form: the step's form may use `action` for its own radio group.
            form method="post" action=(page.action) novalidate {
                input type="hidden" name="csrf" value=(page.csrf);
                button type="submit" class="link" name="action" value="cancel" formnovalidate { (t(lang, page.cancel)) }
            }
            @if !page.step.links.is_empty() {
                ul class="links" {
                    @for link in &page.step.links {
                        li { a href=(link.href) { (t(lang, link.label)) } }
                    }
                }
            }
            @if let Some(help) = &page.client.help_text {
                p class="help" { (help.get(lang)) }
            }
        },
    )
}

/// A step's text in `lang`, its placeholders filled.
pub(crate) fn text(lang: &str, text: &Text) -> String {
    let mut values: Vec<(&str, &str)> = text.values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for (k, sv, en) in &text.localized {
        values.push((k, if lang == "en" { en } else { sv }));
    }
    fill(t(lang, text.key), &values)
}
