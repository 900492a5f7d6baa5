//! The animated QR code: `bankid.<qrStartToken>.<qrTime>.<qrAuthCode>`, regenerated every
//! second on the server so that `qrStartSecret` never leaves it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// `qrAuthCode`: lowercase hex of HMAC-SHA256(key = qrStartSecret, message = decimal qrTime).
pub fn auth_code(qr_start_secret: &str, qr_time: u64) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(qr_start_secret.as_bytes()) else {
        return String::new();
    };
    mac.update(qr_time.to_string().as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The QR payload `qr_time` whole seconds after the order was started.
pub fn payload(qr_start_token: &str, qr_start_secret: &str, qr_time: u64) -> String {
    format!(
        "bankid.{qr_start_token}.{qr_time}.{}",
        auth_code(qr_start_secret, qr_time)
    )
}

/// The payload as an SVG image to put inline in a page (no XML prolog). A payload is
/// about 120 characters, far below a QR code's capacity, so this fails only for input
/// that is not a payload at all.
pub fn svg(payload: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::L).ok()?;
    let image = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Inline SVG in HTML must not carry `<?xml ...?>`.
    let start = image.find("<svg")?;
    Some(image[start..].to_owned())
}

/// A parsed QR payload, as the simulated app reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    /// `qrStartToken`.
    pub token: String,
    /// Seconds since the order started, as the payload claims.
    pub qr_time: u64,
    /// The HMAC.
    pub auth_code: String,
}

/// Parses `bankid.<token>.<time>.<code>`.
pub fn parse(payload: &str) -> Option<Scanned> {
    let mut parts = payload.splitn(4, '.');
    if parts.next()? != "bankid" {
        return None;
    }
    let token = parts.next()?.to_owned();
    let qr_time = parts.next()?.parse().ok()?;
    let auth_code = parts.next()?.to_owned();
    Some(Scanned {
        token,
        qr_time,
        auth_code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "67df3917-fa0d-44e5-b327-edcc928297f8";
    const SECRET: &str = "d28db9a7-4cde-429e-a983-359be676944c";

    #[test]
    fn bankid_published_vectors() {
        assert_eq!(
            auth_code(SECRET, 0),
            "dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8"
        );
        assert_eq!(
            auth_code(SECRET, 1),
            "949d559bf23403952a94d103e67743126381eda00f0b3cbddbf7c96b1adcbce2"
        );
        assert_eq!(
            auth_code(SECRET, 2),
            "a9e5ec59cb4eee4ef4117150abc58fad7a85439a6a96ccbecc3668b41795b3f3"
        );
    }

    #[test]
    fn payload_round_trip() {
        let p = payload(TOKEN, SECRET, 1);
        assert_eq!(
            p,
            format!(
                "bankid.{TOKEN}.1.949d559bf23403952a94d103e67743126381eda00f0b3cbddbf7c96b1adcbce2"
            )
        );
        let s = parse(&p).expect("parses");
        assert_eq!((s.token.as_str(), s.qr_time), (TOKEN, 1));
        assert_eq!(s.auth_code, auth_code(SECRET, 1));
        assert!(parse("bankid.x.notanumber.y").is_none());
        assert!(parse("other.x.1.y").is_none());
    }

    #[test]
    fn svg_is_inline_markup_for_the_payload() {
        let image = svg(&payload(TOKEN, SECRET, 0)).expect("renders");
        assert!(
            image.starts_with("<svg") && image.ends_with("</svg>"),
            "{image:.60}"
        );
        assert!(image.contains("viewBox") && image.contains("<path"));
        assert_ne!(image, svg(&payload(TOKEN, SECRET, 1)).expect("renders"));
    }
}
