//! What the HTTP gateways share: errors that say what happened without the body (it may
//! quote the number or the text).

use portvakt_core::notify::SendError;
use reqwest::StatusCode;

/// A status the gateway answered with that means "not sent".
pub(crate) fn failure(gateway: &str, status: StatusCode) -> SendError {
    let code = status.as_u16();
    match code {
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
