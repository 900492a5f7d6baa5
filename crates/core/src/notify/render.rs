//! Messages written out: the words come from the catalogue the pages use
//! ([`crate::i18n`]), in the user's language, with the client's name. Only this module
//! makes an [`Sms`] or an [`Email`], so a gateway never sends text a caller made up.
//!
//! E-mail has a plain-text part and an HTML part with the same content: no images, no
//! remote content, no tracking; a link is shown whole, as it is.

use super::message::{Brand, EmailMessage, Purpose, SmsMessage};
use crate::i18n::{Lang, fill, t};
use crate::phone::MobileNumber;
use crate::secret::Secret;

/// A written SMS. `Debug` leaves the text out (it holds a code).
#[derive(Clone)]
pub struct Sms {
    purpose: Purpose,
    to: MobileNumber,
    from: Option<String>,
    text: String,
}

impl Sms {
    /// What it is for.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }
    /// The destination.
    pub fn to(&self) -> &MobileNumber {
        &self.to
    }
    /// The client's sender, when it has its own; the gateway's `from` otherwise.
    pub fn from(&self) -> Option<&str> {
        self.from.as_deref()
    }
    /// The text: for the gateway only, never for a log.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Debug for Sms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sms")
            .field("purpose", &self.purpose)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

/// A written e-mail. `Debug` leaves the address and the body out.
#[derive(Clone)]
pub struct Email {
    purpose: Purpose,
    to: String,
    sender_name: Option<String>,
    lang: Lang,
    subject: String,
    text: String,
    html: String,
}

impl Email {
    /// What it is for.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }
    /// The recipient's address.
    pub fn to(&self) -> &str {
        &self.to
    }
    /// The client's sender name, when it has its own; the name of `[notify.email]
    /// from` otherwise.
    pub fn sender_name(&self) -> Option<&str> {
        self.sender_name.as_deref()
    }
    /// The language it is written in (`Content-Language`).
    pub fn lang(&self) -> Lang {
        self.lang
    }
    /// The subject line.
    pub fn subject(&self) -> &str {
        &self.subject
    }
    /// The plain-text part.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The HTML part.
    pub fn html(&self) -> &str {
        &self.html
    }
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Email")
            .field("purpose", &self.purpose)
            .field("to", &super::mask_email(&self.to))
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// `message` for `to`, in `lang`, in `brand`'s name.
pub fn sms(to: MobileNumber, message: &SmsMessage, lang: Lang, brand: &Brand) -> Sms {
    let l = lang.as_str();
    let client = brand.client_name.as_str();
    let text = match message {
        SmsMessage::LoginCode {
            code,
            valid_minutes,
        } => fill(
            t(l, "message.login_code.sms"),
            &[
                ("client", client),
                ("code", code.expose()),
                ("minutes", &valid_minutes.to_string()),
            ],
        ),
        SmsMessage::ResetCode {
            code,
            valid_minutes,
        } => fill(
            t(l, "message.reset_code.sms"),
            &[
                ("client", client),
                ("code", code.expose()),
                ("minutes", &valid_minutes.to_string()),
            ],
        ),
        SmsMessage::Test => fill(t(l, "message.test.sms"), &[("client", client)]),
    };
    Sms {
        purpose: message.purpose(),
        to,
        from: brand.sms_from.clone(),
        text,
    }
}

/// `message` for the address `to`, in `lang`, in `brand`'s name.
pub fn email(to: &str, message: &EmailMessage, lang: Lang, brand: &Brand) -> Email {
    let l = lang.as_str();
    let client = brand.client_name.as_str();
    let mut codes: Option<&[Secret]> = None;
    let (keys, link, hours) = match message {
        EmailMessage::ConfirmAddress { link, valid_hours } => (
            [
                "message.confirm_address.subject",
                "message.confirm_address.intro",
                "message.confirm_address.outro",
            ],
            Some(link.expose()),
            *valid_hours,
        ),
        EmailMessage::CreatePassword { link, valid_hours } => (
            [
                "message.create_password.subject",
                "message.create_password.intro",
                "message.create_password.outro",
            ],
            Some(link.expose()),
            *valid_hours,
        ),
        EmailMessage::CodeList { codes: list } => {
            codes = Some(list);
            (
                [
                    "message.code_list.subject",
                    "message.code_list.intro",
                    "message.code_list.outro",
                ],
                None,
                0,
            )
        }
        EmailMessage::Test => (
            [
                "message.test.subject",
                "message.test.intro",
                "message.test.outro",
            ],
            None,
            0,
        ),
    };
    // "1 timme", "24 timmar": the number with its word, in the message's language.
    let hours = match (lang, hours) {
        (Lang::En, 1) => "1 hour".to_owned(),
        (Lang::En, n) => format!("{n} hours"),
        (_, 1) => "1 timme".to_owned(),
        (_, n) => format!("{n} timmar"),
    };
    let values = [("client", client), ("hours", hours.as_str())];
    let [subject, intro, outro] = keys.map(|k| fill(t(l, k), &values));
    let greeting = t(l, "message.greeting");
    let signoff = fill(t(l, "message.signoff"), &values);

    let mut text = format!("{greeting}\n\n{intro}\n\n");
    let mut html = format!(
        "<!doctype html>\n<html lang=\"{l}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body>\n<p>{}</p>\n<p>{}</p>\n",
        escape(&subject),
        escape(greeting),
        escape(&intro)
    );
    if let Some(link) = link {
        text.push_str(&format!("{link}\n\n"));
        html.push_str(&format!("<p><a href=\"{0}\">{0}</a></p>\n", escape(link)));
    }
    if let Some(codes) = codes {
        html.push_str("<ol>\n");
        for (i, code) in codes.iter().enumerate() {
            text.push_str(&format!("{:>3}. {}\n", i + 1, code.expose()));
            html.push_str(&format!(
                "<li><code>{}</code></li>\n",
                escape(code.expose())
            ));
        }
        text.push('\n');
        html.push_str("</ol>\n");
    }
    text.push_str(&format!("{outro}\n\n-- \n{signoff}\n"));
    html.push_str(&format!(
        "<p>{}</p>\n<hr>\n<p><small>{}</small></p>\n</body></html>\n",
        escape(&outro),
        escape(&signoff)
    ));
    Email {
        purpose: message.purpose(),
        to: to.to_owned(),
        sender_name: brand.email_sender_name.clone(),
        lang,
        subject,
        text,
        html,
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
    use crate::notify::{SmsEncoding, sms_length};
    use crate::secret::Secret;

    fn brand(name: &str) -> Brand {
        Brand {
            client_name: name.into(),
            email_sender_name: None,
            sms_from: None,
        }
    }

    fn number() -> MobileNumber {
        MobileNumber::parse("070-123 45 67").expect("a mobile")
    }

    fn every_sms() -> Vec<SmsMessage> {
        vec![
            SmsMessage::LoginCode {
                code: Secret::new("4821"),
                valid_minutes: 10,
            },
            SmsMessage::ResetCode {
                code: Secret::new("482193"),
                valid_minutes: 10,
            },
            SmsMessage::Test,
        ]
    }

    fn every_email() -> Vec<EmailMessage> {
        vec![
            EmailMessage::ConfirmAddress {
                link: Secret::new("https://login.example.se/confirm?token=abc&x=1"),
                valid_hours: 24,
            },
            EmailMessage::CreatePassword {
                link: Secret::new("https://login.example.se/password?token=abc"),
                valid_hours: 24,
            },
            EmailMessage::CodeList {
                codes: vec![Secret::new("0042"), Secret::new("9931")],
            },
            EmailMessage::Test,
        ]
    }

    #[test]
    fn the_guide_s_example_reads_as_written() {
        let sms = sms(number(), &every_sms()[0], Lang::Sv, &brand("Dexter"));
        assert_eq!(
            sms.text(),
            "Din engångskod till Dexter är 4821. Den gäller i 10 minuter."
        );
        assert!(
            !format!("{sms:?}").contains("4821"),
            "Debug leaves the code out"
        );
    }

    #[test]
    fn every_sms_fits_one_gsm7_segment_with_a_long_client_name() {
        let name = "Vårdnadshavare i Dexter"; // 24 characters
        for lang in [Lang::Sv, Lang::En] {
            for message in every_sms() {
                let sms = sms(number(), &message, lang, &brand(name));
                let (encoding, length, segments) = sms_length(sms.text());
                assert_eq!(encoding, SmsEncoding::Gsm7, "{}", sms.text());
                assert_eq!(segments, 1, "{length} septets: {}", sms.text());
                assert!(!sms.text().contains('{'), "{}", sms.text());
                assert!(
                    !crate::i18n::keys().any(|k| sms.text().contains(k)),
                    "{}",
                    sms.text()
                );
            }
        }
    }

    #[test]
    fn every_email_has_both_parts_in_its_language() {
        for lang in [Lang::Sv, Lang::En] {
            for message in every_email() {
                let mail = email("anna@example.se", &message, lang, &brand("Mina sidor"));
                for part in [mail.subject(), mail.text(), mail.html()] {
                    assert!(!part.contains('{'), "{part}");
                    assert!(
                        !crate::i18n::keys().any(|k| part.contains(k)),
                        "a catalogue key instead of its text: {part}"
                    );
                }
                assert!(mail.subject().contains("Mina sidor"), "{}", mail.subject());
                assert!(
                    mail.html()
                        .contains(&format!("<html lang=\"{}\">", lang.as_str()))
                );
                if let EmailMessage::ConfirmAddress { .. } = message {
                    assert!(
                        mail.text()
                            .contains("https://login.example.se/confirm?token=abc&x=1")
                    );
                    assert!(mail.html().contains(
                        "<a href=\"https://login.example.se/confirm?token=abc&amp;x=1\">"
                    ));
                }
                assert!(!format!("{mail:?}").contains("token"));
            }
        }
        let en = email("a@example.se", &EmailMessage::Test, Lang::En, &brand("X"));
        assert!(en.subject().starts_with("Test message"), "{}", en.subject());
    }

    #[test]
    fn html_is_escaped() {
        let mail = email(
            "a@example.se",
            &EmailMessage::Test,
            Lang::Sv,
            &brand("<b>Ond</b> & co"),
        );
        assert!(mail.html().contains("&lt;b&gt;Ond&lt;/b&gt; &amp; co"));
        assert!(!mail.html().contains("<b>"));
    }
}
