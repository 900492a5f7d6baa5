//! BankID's recommended user messages (RFA1–RFA23) in Swedish and English, with BankID's
//! own wording, and which one to show for an order's status, hint code and flow.

use crate::codes::{ErrorClass, ErrorCode, HintCode};
use serde::{Deserialize, Serialize};

/// How the user was sent to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flow {
    /// An animated QR code scanned with another device.
    Qr,
    /// The app opened on the same device (autostart).
    Autostart,
}

/// A recommended message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rfa {
    /// Start your BankID app.
    Rfa1,
    /// The action was cancelled (a newer order replaced it).
    Rfa3,
    /// An order for this personal number is already in progress.
    Rfa4,
    /// Something went wrong (BankID unavailable).
    Rfa5,
    /// The user cancelled.
    Rfa6,
    /// The app is not responding (the order expired).
    Rfa8,
    /// Enter your security code.
    Rfa9,
    /// Trying to start the app.
    Rfa13,
    /// Searching for BankID.
    Rfa15,
    /// The BankID is blocked or too old.
    Rfa16,
    /// The app did not start (autostart).
    Rfa17A,
    /// The QR code was not read (QR).
    Rfa17B,
    /// This device or another?
    Rfa20,
    /// An identification or signing is in progress (unknown pending hint).
    Rfa21,
    /// Something went wrong (unknown failure).
    Rfa22,
    /// Scan your ID document.
    Rfa23,
}

impl Rfa {
    /// Every message.
    pub const ALL: [Rfa; 16] = [
        Rfa::Rfa1,
        Rfa::Rfa3,
        Rfa::Rfa4,
        Rfa::Rfa5,
        Rfa::Rfa6,
        Rfa::Rfa8,
        Rfa::Rfa9,
        Rfa::Rfa13,
        Rfa::Rfa15,
        Rfa::Rfa16,
        Rfa::Rfa17A,
        Rfa::Rfa17B,
        Rfa::Rfa20,
        Rfa::Rfa21,
        Rfa::Rfa22,
        Rfa::Rfa23,
    ];

    /// The Swedish text.
    pub fn sv(self) -> &'static str {
        match self {
            Rfa::Rfa1 => "Starta BankID-appen.",
            Rfa::Rfa3 => "Åtgärden avbruten. Försök igen.",
            Rfa::Rfa4 => {
                "En identifiering eller underskrift för det här personnumret är redan påbörjad. Försök igen."
            }
            Rfa::Rfa5 | Rfa::Rfa22 => "Något gick fel. Försök igen.",
            Rfa::Rfa6 => "Åtgärden avbröts.",
            Rfa::Rfa8 => {
                "BankID-appen svarar inte. Kontrollera att den är startad och att du har internetanslutning. Om du inte har ett giltigt BankID kan du skaffa ett hos din bank. Försök sedan igen."
            }
            Rfa::Rfa9 => {
                "Skriv in din säkerhetskod i BankID-appen och välj Identifiera eller Skriv under."
            }
            Rfa::Rfa13 => "Försöker starta BankID-appen.",
            Rfa::Rfa15 => {
                "Söker efter BankID. Säkerställ att du har ett giltigt BankID på den här enheten."
            }
            Rfa::Rfa16 => {
                "Ditt BankID är för gammalt eller spärrat. Använd ett annat BankID eller skaffa ett nytt hos din bank."
            }
            Rfa::Rfa17A => {
                "Du verkar inte ha BankID-appen. Installera den och skaffa ett BankID hos din bank."
            }
            Rfa::Rfa17B => {
                "Misslyckades att läsa av QR-koden. Starta BankID-appen och läs av QR-koden."
            }
            Rfa::Rfa20 => "Vill du använda BankID på den här enheten eller på en annan enhet?",
            Rfa::Rfa21 => "En identifiering eller underskrift pågår.",
            Rfa::Rfa23 => "Fotografera och läs av din ID-handling med BankID-appen.",
        }
    }

    /// The English text.
    pub fn en(self) -> &'static str {
        match self {
            Rfa::Rfa1 => "Start your BankID app.",
            Rfa::Rfa3 => "The action was cancelled. Please try again.",
            Rfa::Rfa4 => {
                "An identification or signing for this personal number is already started. Please try again."
            }
            Rfa::Rfa5 | Rfa::Rfa22 => "Something went wrong. Please try again.",
            Rfa::Rfa6 => "The action was cancelled.",
            Rfa::Rfa8 => {
                "The BankID app is not responding. Please check that it's started and that you have internet access. If you don't have a valid BankID you can get one from your bank. Try again."
            }
            Rfa::Rfa9 => "Enter your security code in the BankID app and select Identify or Sign.",
            Rfa::Rfa13 => "Trying to start your BankID app.",
            Rfa::Rfa15 => "Searching for BankID. Make sure you have a valid BankID on this device.",
            Rfa::Rfa16 => {
                "Your BankID is blocked or too old. Please use another BankID or get a new one from your bank."
            }
            Rfa::Rfa17A => {
                "You don't seem to have the BankID app. Please install it and get a BankID from your bank."
            }
            Rfa::Rfa17B => "Failed to scan the QR code. Start the BankID app and scan the QR code.",
            Rfa::Rfa20 => "Do you want to use BankID on this device or another device?",
            Rfa::Rfa21 => "An identification or signing is in progress.",
            Rfa::Rfa23 => "Take a photo of, and scan, your ID document with the BankID app.",
        }
    }

    /// The text in `lang` (`sv` or `en`).
    pub fn text(self, lang: &str) -> &'static str {
        if lang == "en" { self.en() } else { self.sv() }
    }
}

/// The message for a pending order.
pub fn pending(hint: &HintCode, flow: Flow) -> Rfa {
    match hint {
        HintCode::OutstandingTransaction => match flow {
            Flow::Qr => Rfa::Rfa1,
            Flow::Autostart => Rfa::Rfa13,
        },
        HintCode::NoClient => Rfa::Rfa1,
        HintCode::Started => Rfa::Rfa15,
        HintCode::UserSign => Rfa::Rfa9,
        HintCode::UserMrtd => Rfa::Rfa23,
        _ => Rfa::Rfa21,
    }
}

/// The message for a failed order.
pub fn failed(hint: &HintCode, flow: Flow) -> Rfa {
    match hint {
        HintCode::ExpiredTransaction => Rfa::Rfa8,
        HintCode::CertificateErr => Rfa::Rfa16,
        HintCode::UserCancel => Rfa::Rfa6,
        HintCode::Cancelled => Rfa::Rfa3,
        HintCode::StartFailed => match flow {
            Flow::Qr => Rfa::Rfa17B,
            Flow::Autostart => Rfa::Rfa17A,
        },
        _ => Rfa::Rfa22,
    }
}

/// The message for an error response; `None` for the RP's own faults, which are
/// logged as internal errors and shown as a generic error page.
pub fn error(code: &ErrorCode) -> Option<Rfa> {
    match code.class() {
        ErrorClass::AlreadyInProgress => Some(Rfa::Rfa4),
        ErrorClass::TryAgain | ErrorClass::BackOff => Some(Rfa::Rfa5),
        ErrorClass::Internal => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_in_both_languages() {
        for r in Rfa::ALL {
            assert!(!r.sv().is_empty() && !r.en().is_empty(), "{r:?}");
            assert_ne!(r.sv(), r.en(), "{r:?}");
        }
    }

    #[test]
    fn mapping_follows_the_reference() {
        use HintCode::*;
        assert_eq!(pending(&OutstandingTransaction, Flow::Qr), Rfa::Rfa1);
        assert_eq!(
            pending(&OutstandingTransaction, Flow::Autostart),
            Rfa::Rfa13
        );
        assert_eq!(pending(&NoClient, Flow::Autostart), Rfa::Rfa1);
        assert_eq!(pending(&Started, Flow::Qr), Rfa::Rfa15);
        assert_eq!(pending(&UserSign, Flow::Qr), Rfa::Rfa9);
        assert_eq!(pending(&UserMrtd, Flow::Qr), Rfa::Rfa23);
        assert_eq!(pending(&Unknown("new".into()), Flow::Qr), Rfa::Rfa21);
        assert_eq!(failed(&ExpiredTransaction, Flow::Qr), Rfa::Rfa8);
        assert_eq!(failed(&CertificateErr, Flow::Qr), Rfa::Rfa16);
        assert_eq!(failed(&UserCancel, Flow::Qr), Rfa::Rfa6);
        assert_eq!(failed(&Cancelled, Flow::Qr), Rfa::Rfa3);
        assert_eq!(failed(&StartFailed, Flow::Qr), Rfa::Rfa17B);
        assert_eq!(failed(&StartFailed, Flow::Autostart), Rfa::Rfa17A);
        assert_eq!(failed(&Unknown("new".into()), Flow::Qr), Rfa::Rfa22);
        assert_eq!(error(&ErrorCode::AlreadyInProgress), Some(Rfa::Rfa4));
        assert_eq!(error(&ErrorCode::Maintenance), Some(Rfa::Rfa5));
        assert_eq!(error(&ErrorCode::InvalidParameters), None);
    }
}
