//! What the HTTP gateways share: errors that say what happened without the body (it may
//! quote the number or the text).

use portvakt_core::notify::SendError;
use reqwest::StatusCode;

/// The most of an answer body a gateway may send: enough for any JSON receipt.
const MAX_ANSWER: usize = 64 * 1024;

/// An HTTP client for a gateway: the whole exchange within `timeout`, and no redirects
/// (a redirect would send the number, the text and the credentials to another URL).
pub(crate) fn client(
    gateway: &str,
    timeout: std::time::Duration,
) -> Result<reqwest::Client, SendError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| SendError::Config(format!("{gateway}: {e}")))
}

/// The answer's body, at most [`MAX_ANSWER`] bytes.
pub(crate) async fn body(
    gateway: &str,
    mut response: reqwest::Response,
) -> Result<Vec<u8>, SendError> {
    let mut out = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(gateway, &e))?
    {
        if out.len() + chunk.len() > MAX_ANSWER {
            return Err(SendError::Unavailable(format!(
                "{gateway}: an answer larger than {} KiB",
                MAX_ANSWER / 1024
            )));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Printable text of a gateway's answer, for the operator: control characters (a
/// terminal's escape codes) removed, at most 200 characters.
pub(crate) fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// A status the gateway answered with that means "not sent".
pub(crate) fn failure(gateway: &str, status: StatusCode) -> SendError {
    let code = status.as_u16();
    match code {
        300..=399 => SendError::Config(format!(
            "{gateway}: answered with a redirect (HTTP {code}); configure the URL it points to"
        )),
        401 | 403 => SendError::Config(format!(
            "{gateway}: the credentials were refused (HTTP {code})"
        )),
        408 | 429 => SendError::Unavailable(format!("{gateway}: HTTP {code}")),
        400..=499 => SendError::Refused(format!("{gateway}: HTTP {code}")),
        _ => SendError::Unavailable(format!("{gateway}: HTTP {code}")),
    }
}

/// A request that got no answer.
pub(crate) fn transport_error(gateway: &str, e: &reqwest::Error) -> SendError {
    let what = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "no answer"
    };
    SendError::Unavailable(format!("{gateway}: {what}"))
}
