//! The form of a hosted page (a login step, a flow step), read the same way everywhere:
//! a form body, each field once, and the page's CSRF token (S25).

use crate::login::Form;
use crate::views::error_page;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use portvakt_core::secret::constant_time_eq;

/// The posted form, or the error page to answer with: 415 for a body that is not a
/// form, 400 for a field given twice (a repeated field could mean one thing to the CSRF
/// check and another to the step; RFC 6749 §3.1 says the same of parameters), 403 for a
/// missing or wrong `csrf`.
pub(super) fn read(
    headers: &HeaderMap,
    body: &[u8],
    csrf: &str,
    lang: &str,
) -> Result<Form, Box<Response>> {
    if !crate::headers::is_form(headers) {
        return Err(Box::new(error_page::render(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            lang,
            "error.bad_form",
            None,
        )));
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let form: Form = pairs.iter().cloned().collect();
    if form.len() != pairs.len() {
        return Err(Box::new(error_page::render(
            StatusCode::BAD_REQUEST,
            lang,
            "error.bad_form",
            None,
        )));
    }
    if !form.get("csrf").is_some_and(|c| constant_time_eq(c, csrf)) {
        return Err(Box::new(error_page::render(
            StatusCode::FORBIDDEN,
            lang,
            "error.csrf",
            None,
        )));
    }
    Ok(form)
}
