//! Starting the BankID app on the same device (autostart), and which way to recommend
//! for the device the user is on (reference: "Same device and another device").

use url::Url;

/// The kind of device the browser runs on, from its user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// A computer: the BankID app is on the user's phone.
    Desktop,
    /// A phone: the BankID app is most likely on it.
    Phone,
    /// A tablet: could be either.
    Tablet,
}

impl DeviceKind {
    /// A coarse reading of the `User-Agent` header. It only picks the default the user
    /// sees first; the user can always choose the other way.
    pub fn from_user_agent(user_agent: &str) -> Self {
        let ua = user_agent.to_ascii_lowercase();
        // iPadOS 13+ says "Macintosh" like a Mac; such iPads are treated as desktops,
        // where the user can still pick "BankID on this device".
        if ua.contains("ipad") || (ua.contains("android") && !ua.contains("mobile")) {
            DeviceKind::Tablet
        } else if ua.contains("iphone")
            || ua.contains("ipod")
            || ua.contains("android")
            || ua.contains("mobile")
        {
            DeviceKind::Phone
        } else {
            DeviceKind::Desktop
        }
    }

    /// BankID's recommendation: desktop → QR code, phone → same device, tablet → ask
    /// (RFA20).
    pub fn recommendation(self) -> Recommendation {
        match self {
            DeviceKind::Desktop => Recommendation::QrCode,
            DeviceKind::Phone => Recommendation::SameDevice,
            DeviceKind::Tablet => Recommendation::Ask,
        }
    }
}

/// What to offer first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recommendation {
    /// Show the animated QR code ("Mobilt BankID på annan enhet").
    QrCode,
    /// Start the app on this device.
    SameDevice,
    /// Ask with RFA20.
    Ask,
}

/// The URL that starts the BankID app with `auto_start_token`.
///
/// On a computer this is `bankid:///?autostarttoken=…&redirect=null`. On a phone or
/// tablet it is the universal link `https://app.bankid.com/?autostarttoken=…&redirect=…`,
/// where `redirect` is where the app returns afterwards (iOS needs it; on Android
/// `null` returns to the browser). Prefer `returnUrl` in the `/auth` call over
/// `redirect`: BankID then returns the user itself.
pub fn launch_url(device: DeviceKind, auto_start_token: &str, redirect: Option<&Url>) -> String {
    let token = form_encode(auto_start_token);
    match device {
        DeviceKind::Desktop => format!("bankid:///?autostarttoken={token}&redirect=null"),
        DeviceKind::Phone | DeviceKind::Tablet => {
            let redirect = redirect.map_or_else(|| "null".to_owned(), |u| form_encode(u.as_str()));
            format!("https://app.bankid.com/?autostarttoken={token}&redirect={redirect}")
        }
    }
}

fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
    const ANDROID_PHONE: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";
    const ANDROID_TABLET: &str = "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
    const IPAD: &str = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1";
    const WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

    #[test]
    fn devices_and_recommendations() {
        assert_eq!(DeviceKind::from_user_agent(IPHONE), DeviceKind::Phone);
        assert_eq!(
            DeviceKind::from_user_agent(ANDROID_PHONE),
            DeviceKind::Phone
        );
        assert_eq!(
            DeviceKind::from_user_agent(ANDROID_TABLET),
            DeviceKind::Tablet
        );
        assert_eq!(DeviceKind::from_user_agent(IPAD), DeviceKind::Tablet);
        assert_eq!(DeviceKind::from_user_agent(WINDOWS), DeviceKind::Desktop);
        assert_eq!(DeviceKind::from_user_agent(""), DeviceKind::Desktop);
        assert_eq!(DeviceKind::Desktop.recommendation(), Recommendation::QrCode);
        assert_eq!(
            DeviceKind::Phone.recommendation(),
            Recommendation::SameDevice
        );
        assert_eq!(DeviceKind::Tablet.recommendation(), Recommendation::Ask);
    }

    #[test]
    fn launch_urls() {
        let token = "46f6b8e2-1c5a-4b5e-9f2a-0d3c1e7a9b10";
        assert_eq!(
            launch_url(DeviceKind::Desktop, token, None),
            format!("bankid:///?autostarttoken={token}&redirect=null")
        );
        let back = Url::parse("https://id.example.se/login/abc?nonce=x&y=1").expect("url");
        assert_eq!(
            launch_url(DeviceKind::Phone, token, Some(&back)),
            format!(
                "https://app.bankid.com/?autostarttoken={token}&redirect=https%3A%2F%2Fid.example.se%2Flogin%2Fabc%3Fnonce%3Dx%26y%3D1"
            )
        );
        assert!(launch_url(DeviceKind::Tablet, token, None).ends_with("&redirect=null"));
    }
}
