//! Request and response bodies of the v6 API, every field of the reference. JSON is
//! camelCase; absent optional fields are left out. Personal numbers and the QR secret
//! are hidden from `Debug` (S44).

use crate::codes::{ErrorCode, HintCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// `userVisibleData` / `userNonVisibleData`: base64 of UTF-8.
pub fn encode_text(text: &str) -> String {
    STANDARD.encode(text.as_bytes())
}

/// Card reader class (`requirement.cardReader`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CardReader {
    /// Class 1.
    Class1,
    /// Class 2.
    Class2,
}

/// `requirement`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirement {
    /// Require the security code (not biometrics).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin_code: Option<bool>,
    /// Require an ID document scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mrtd: Option<bool>,
    /// Card reader class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_reader: Option<CardReader>,
    /// Allowed certificate policies (mobile BankID in production: `1.2.752.78.1.5`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_policies: Option<Vec<String>>,
    /// Lock the order to one person (12 digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personal_number: Option<String>,
    /// Accepted risk level (verify against BankID's current documentation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
}

impl std::fmt::Debug for Requirement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Requirement")
            .field("pin_code", &self.pin_code)
            .field("mrtd", &self.mrtd)
            .field("card_reader", &self.card_reader)
            .field("certificate_policies", &self.certificate_policies)
            .field(
                "personal_number",
                &self.personal_number.as_ref().map(|_| "[redacted]"),
            )
            .field("risk", &self.risk)
            .finish()
    }
}

/// `web`: about the browser that started the order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Web {
    /// The RP's domain the user is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referring_domain: Option<String>,
    /// The browser's user agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// A stable device id, e.g. a hash of a cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_identifier: Option<String>,
}

/// `userVisibleDataFormat`.
pub const SIMPLE_MARKDOWN_V1: &str = "simpleMarkdownV1";

/// Body of `/auth` (and, with `user_visible_data` required, `/sign`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthRequest {
    /// The user's IP address as the RP sees it. Required.
    pub end_user_ip: String,
    /// Requirements on the order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<Requirement>,
    /// Text shown in the app, base64 (see [`encode_text`]); required for `/sign`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_visible_data: Option<String>,
    /// `simpleMarkdownV1` when the visible data is markdown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_visible_data_format: Option<String>,
    /// Data signed but not shown, base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_non_visible_data: Option<String>,
    /// Where the app returns on the same device (should carry a nonce).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// Ask for the risk assessment in `completionData`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_risk: Option<bool>,
    /// About the browser.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web: Option<Web>,
}

/// `callInitiator` of a phone order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallInitiator {
    /// The user called the RP.
    #[serde(rename = "user")]
    User,
    /// The RP called the user.
    #[serde(rename = "RP")]
    Rp,
}

/// Body of `/phone/auth` (and, with `user_visible_data` required, `/phone/sign`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneAuthRequest {
    /// 12 digits. Required.
    pub personal_number: String,
    /// Who called. Required.
    pub call_initiator: CallInitiator,
    /// Requirements on the order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<Requirement>,
    /// Text shown in the app, base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_visible_data: Option<String>,
    /// `simpleMarkdownV1` when markdown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_visible_data_format: Option<String>,
    /// Data signed but not shown, base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_non_visible_data: Option<String>,
}

impl std::fmt::Debug for PhoneAuthRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneAuthRequest")
            .field("personal_number", &"[redacted]")
            .field("call_initiator", &self.call_initiator)
            .finish_non_exhaustive()
    }
}

/// Answer to `/auth` and `/sign`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderResponse {
    /// The order.
    pub order_ref: String,
    /// For the same-device launch URL.
    pub auto_start_token: String,
    /// For the animated QR code.
    pub qr_start_token: String,
    /// Keys the QR code's HMAC; never leaves the server.
    pub qr_start_secret: String,
}

impl std::fmt::Debug for OrderResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderResponse")
            .field("order_ref", &self.order_ref)
            .field("qr_start_secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Answer to `/phone/auth` and `/phone/sign`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneOrderResponse {
    /// The order.
    pub order_ref: String,
}

/// Body of `/collect` and `/cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRef {
    /// The order.
    pub order_ref: String,
}

/// `status` of a collected order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// Keep collecting (every 2 s).
    Pending,
    /// Over; see the hint code.
    Failed,
    /// Done; see `completionData`.
    Complete,
}

/// `completionData.user`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// 12 digits.
    pub personal_number: String,
    /// Full name.
    pub name: String,
    /// Given name.
    pub given_name: String,
    /// Surname.
    pub surname: String,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("personal_number", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// `completionData.device`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// The device's IP address as BankID saw it.
    pub ip_address: String,
    /// A unique hardware id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uhi: Option<String>,
}

/// `completionData.stepUp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepUp {
    /// An ID document was scanned.
    pub mrtd: bool,
}

/// `completionData` of a complete order; keep it for audit.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompletionData {
    /// Who.
    pub user: User,
    /// On what.
    pub device: Device,
    /// When the BankID was issued (`YYYY-MM-DD`).
    pub bank_id_issue_date: String,
    /// Present when `requirement.mrtd` was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_up: Option<StepUp>,
    /// The signature, base64 XML.
    pub signature: String,
    /// The OCSP response, base64.
    pub ocsp_response: String,
    /// With `returnRisk`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
}

/// Only what is safe in a log: the signature holds the user's certificate (with the
/// personal number), and the device's address is personal data.
impl std::fmt::Debug for CompletionData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompletionData")
            .field("user", &self.user)
            .field("bank_id_issue_date", &self.bank_id_issue_date)
            .field("step_up", &self.step_up)
            .field(
                "signature",
                &format_args!("[{} bytes]", self.signature.len()),
            )
            .finish_non_exhaustive()
    }
}

/// Answer to `/collect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectResponse {
    /// The order.
    pub order_ref: String,
    /// Pending, failed or complete.
    pub status: Status,
    /// Why pending or failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint_code: Option<HintCode>,
    /// When complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_data: Option<CompletionData>,
}

/// An error body: `{"errorCode", "details"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// What.
    pub error_code: ErrorCode,
    /// BankID's explanation (for logs, not users).
    #[serde(default)]
    pub details: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn auth_request_is_camel_case_and_minimal() {
        let r = AuthRequest {
            end_user_ip: "192.0.2.1".into(),
            user_visible_data: Some(encode_text("Logga in på *Mina sidor*")),
            user_visible_data_format: Some(SIMPLE_MARKDOWN_V1.into()),
            requirement: Some(Requirement {
                pin_code: Some(true),
                certificate_policies: Some(vec!["1.2.752.78.1.5".into()]),
                ..Requirement::default()
            }),
            ..AuthRequest::default()
        };
        let v = serde_json::to_value(&r).expect("json");
        assert_eq!(v["endUserIp"], "192.0.2.1");
        assert_eq!(v["userVisibleDataFormat"], "simpleMarkdownV1");
        assert_eq!(v["requirement"]["pinCode"], true);
        assert_eq!(v["requirement"]["certificatePolicies"][0], "1.2.752.78.1.5");
        assert!(v.get("returnUrl").is_none() && v["requirement"].get("mrtd").is_none());
    }

    #[test]
    fn collect_response_parses_the_full_completion_data() {
        let body = json!({
            "orderRef": "131daac9-16c6-4618-beb0-365768f37288",
            "status": "complete",
            "completionData": {
                "user": {"personalNumber": "190000000000", "name": "Karl Karlsson", "givenName": "Karl", "surname": "Karlsson"},
                "device": {"ipAddress": "192.168.0.1", "uhi": "OZvYM9VvyiAmG7NA5jU5zqGcVpo="},
                "bankIdIssueDate": "2020-02-01",
                "stepUp": {"mrtd": true},
                "signature": "PD94bWwgdmVyc2lvbj0iMS4wIj8+",
                "ocspResponse": "MIIHfgoBAKCCB3cw"
            }
        });
        let c: CollectResponse = serde_json::from_value(body).expect("parses");
        assert_eq!(c.status, Status::Complete);
        let data = c.completion_data.expect("data");
        assert_eq!(data.user.given_name, "Karl");
        assert_eq!(data.step_up, Some(StepUp { mrtd: true }));
        let debug = format!("{data:?}");
        assert!(
            !debug.contains("190000000000")
                && !debug.contains("PD94bWwg")
                && !debug.contains("192.168.0.1"),
            "Debug hides the personal number, the signature and the address: {debug}"
        );
        let requirement = Requirement {
            personal_number: Some("199001010017".into()),
            ..Requirement::default()
        };
        assert!(!format!("{requirement:?}").contains("199001010017"));
        let pending: CollectResponse = serde_json::from_value(
            json!({"orderRef": "x", "status": "pending", "hintCode": "someFutureHint"}),
        )
        .expect("parses");
        assert_eq!(
            pending.hint_code,
            Some(HintCode::Unknown("someFutureHint".into()))
        );
    }

    #[test]
    fn phone_and_error_bodies() {
        let p = PhoneAuthRequest {
            personal_number: "199001010017".into(),
            call_initiator: CallInitiator::Rp,
            requirement: None,
            user_visible_data: None,
            user_visible_data_format: None,
            user_non_visible_data: None,
        };
        let v = serde_json::to_value(&p).expect("json");
        assert_eq!(v["callInitiator"], "RP");
        assert!(!format!("{p:?}").contains("199001010017"));
        let e: ErrorBody = serde_json::from_value(
            json!({"errorCode": "alreadyInProgress", "details": "Order already in progress"}),
        )
        .expect("parses");
        assert_eq!(e.error_code, ErrorCode::AlreadyInProgress);
    }
}
