//! The words of every message, in Swedish and English. Plain text and a minimal HTML
//! part with the same content: no images, no links that track, no remote content.

use portvakt_core::notify::Message;

/// An e-mail's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailText {
    /// Subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// `message` in `lang` (`en`, anything else is Swedish).
pub fn email(message: &Message, lang: &str) -> EmailText {
    let english = lang == "en";
    let (subject, body) = match message {
        Message::Test if english => (
            "Test message from Portvakt",
            "This is a test message from Portvakt. E-mail from the identity provider \
             reaches this address.",
        ),
        Message::Test => (
            "Testmeddelande från Portvakt",
            "Det här är ett testmeddelande från Portvakt. E-post från \
             inloggningstjänsten når den här adressen.",
        ),
    };
    EmailText {
        subject: subject.to_owned(),
        text: format!("{body}\n"),
        html: format!(
            "<!doctype html><html lang=\"{}\"><body><p>{}</p></body></html>",
            if english { "en" } else { "sv" },
            escape(body)
        ),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages() {
        assert!(
            email(&Message::Test, "sv")
                .subject
                .contains("Testmeddelande")
        );
        assert!(
            email(&Message::Test, "en")
                .subject
                .starts_with("Test message")
        );
        assert!(email(&Message::Test, "en").html.contains("lang=\"en\""));
    }
}
