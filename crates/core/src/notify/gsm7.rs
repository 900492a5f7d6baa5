//! How long an SMS is, as a phone network counts it (3GPP TS 23.038): a text that uses
//! only the GSM 7-bit default alphabet fits 160 characters in one segment (153 a
//! segment when split); one character outside it makes the whole text UCS-2, 70
//! characters (67 when split). Swedish å, ä and ö are in the GSM alphabet.

/// The alphabet a text is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsEncoding {
    /// The GSM 7-bit default alphabet.
    Gsm7,
    /// UCS-2 (UTF-16), when a character is outside GSM-7.
    Ucs2,
}

/// The GSM 7-bit default alphabet (TS 23.038 §6.2.1), one septet each; the escape
/// code itself is left out.
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table: two septets each (escape + character).
const EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// The encoding of `text`, its length in that encoding's units, and how many segments
/// it is sent as.
pub fn sms_length(text: &str) -> (SmsEncoding, usize, usize) {
    let mut septets = 0;
    for c in text.chars() {
        if BASIC.contains(c) {
            septets += 1;
        } else if EXTENSION.contains(c) {
            septets += 2;
        } else {
            let units = text.encode_utf16().count();
            return (SmsEncoding::Ucs2, units, segments(units, 70, 67));
        }
    }
    (SmsEncoding::Gsm7, septets, segments(septets, 160, 153))
}

fn segments(units: usize, single: usize, part: usize) -> usize {
    if units <= single {
        1
    } else {
        units.div_ceil(part)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_is_gsm7() {
        assert_eq!(
            sms_length("Räksmörgås ÅÄÖ"),
            (SmsEncoding::Gsm7, 14, 1),
            "å, ä and ö are single septets"
        );
        assert_eq!(sms_length("€"), (SmsEncoding::Gsm7, 2, 1));
        assert_eq!(sms_length(&"a".repeat(160)).2, 1);
        assert_eq!(sms_length(&"a".repeat(161)).2, 2);
    }

    #[test]
    fn other_characters_make_ucs2() {
        assert_eq!(sms_length("Łódź").0, SmsEncoding::Ucs2);
        assert_eq!(sms_length(&"ł".repeat(71)), (SmsEncoding::Ucs2, 71, 2));
    }
}
