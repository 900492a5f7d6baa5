//! Collect hint codes and error codes. New values can appear at any time (BankID's
//! guidance), so parsing never fails: an unknown value is kept as `Unknown`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `hintCode` of a pending or failed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HintCode {
    /// Pending: the order is being processed; the app has not yet received it.
    OutstandingTransaction,
    /// Pending: no client has been started.
    NoClient,
    /// Pending: a client has started and is looking for a BankID.
    Started,
    /// Pending: the user is asked to scan an ID document (`requirement.mrtd`).
    UserMrtd,
    /// Pending: the user is asked to confirm a phone call (`/phone/*`).
    UserCallConfirm,
    /// Pending: the user is entering the security code.
    UserSign,
    /// Failed: the order expired (about three minutes).
    ExpiredTransaction,
    /// Failed: the BankID is blocked or too old.
    CertificateErr,
    /// Failed: the user cancelled in the app.
    UserCancel,
    /// Failed: a newer order for the same person replaced this one.
    Cancelled,
    /// Failed: the app could not start, or the QR code was not read in time.
    StartFailed,
    /// Failed: the user declined the phone call.
    UserDeclinedCall,
    /// Failed: the user's app does not support the order's requirements.
    NotSupportedByUserApp,
    /// Failed: the order was blocked for risk.
    TransactionRiskBlocked,
    /// A value this version does not know.
    Unknown(String),
}

impl HintCode {
    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            HintCode::OutstandingTransaction => "outstandingTransaction",
            HintCode::NoClient => "noClient",
            HintCode::Started => "started",
            HintCode::UserMrtd => "userMrtd",
            HintCode::UserCallConfirm => "userCallConfirm",
            HintCode::UserSign => "userSign",
            HintCode::ExpiredTransaction => "expiredTransaction",
            HintCode::CertificateErr => "certificateErr",
            HintCode::UserCancel => "userCancel",
            HintCode::Cancelled => "cancelled",
            HintCode::StartFailed => "startFailed",
            HintCode::UserDeclinedCall => "userDeclinedCall",
            HintCode::NotSupportedByUserApp => "notSupportedByUserApp",
            HintCode::TransactionRiskBlocked => "transactionRiskBlocked",
            HintCode::Unknown(s) => s,
        }
    }

    /// Every known value.
    pub const KNOWN: [HintCode; 14] = [
        HintCode::OutstandingTransaction,
        HintCode::NoClient,
        HintCode::Started,
        HintCode::UserMrtd,
        HintCode::UserCallConfirm,
        HintCode::UserSign,
        HintCode::ExpiredTransaction,
        HintCode::CertificateErr,
        HintCode::UserCancel,
        HintCode::Cancelled,
        HintCode::StartFailed,
        HintCode::UserDeclinedCall,
        HintCode::NotSupportedByUserApp,
        HintCode::TransactionRiskBlocked,
    ];

    /// Parses a wire value; never fails.
    pub fn parse(s: &str) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or_else(|| HintCode::Unknown(s.to_owned()))
    }
}

impl Serialize for HintCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for HintCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(HintCode::parse(&String::deserialize(d)?))
    }
}

/// `errorCode` of an error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    /// 400: an order for this person is already in progress.
    AlreadyInProgress,
    /// 400: the request was malformed (or the order is gone).
    InvalidParameters,
    /// 401/403: the RP may not call this.
    Unauthorized,
    /// 404: no such path.
    NotFound,
    /// 405: wrong HTTP method.
    MethodNotAllowed,
    /// 408: BankID timed out reading the request.
    RequestTimeout,
    /// 415: wrong content type.
    UnsupportedMediaType,
    /// 429: slow down.
    TooManyRequests,
    /// 500: BankID's fault.
    InternalError,
    /// 503: BankID is down for maintenance.
    Maintenance,
    /// A value this version does not know.
    Unknown(String),
}

/// What the RP does about an error (BankID's error table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The RP's own fault: log it as an internal error, never retry, never blame BankID
    /// to the user.
    Internal,
    /// Show RFA5 ("Något gick fel"). Starting an order is not retried by itself;
    /// collecting a running order is, a few times (see `order`).
    TryAgain,
    /// Back off before the next call.
    BackOff,
    /// Show RFA4 (an order for this person is already in progress).
    AlreadyInProgress,
}

impl ErrorCode {
    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::AlreadyInProgress => "alreadyInProgress",
            ErrorCode::InvalidParameters => "invalidParameters",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NotFound => "notFound",
            ErrorCode::MethodNotAllowed => "methodNotAllowed",
            ErrorCode::RequestTimeout => "requestTimeout",
            ErrorCode::UnsupportedMediaType => "unsupportedMediaType",
            ErrorCode::TooManyRequests => "tooManyRequests",
            ErrorCode::InternalError => "internalError",
            ErrorCode::Maintenance => "maintenance",
            ErrorCode::Unknown(s) => s,
        }
    }

    /// Every known value.
    pub const KNOWN: [ErrorCode; 10] = [
        ErrorCode::AlreadyInProgress,
        ErrorCode::InvalidParameters,
        ErrorCode::Unauthorized,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::RequestTimeout,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::TooManyRequests,
        ErrorCode::InternalError,
        ErrorCode::Maintenance,
    ];

    /// Parses a wire value; never fails.
    pub fn parse(s: &str) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or_else(|| ErrorCode::Unknown(s.to_owned()))
    }

    /// The HTTP status BankID answers this error with.
    pub fn status(&self) -> u16 {
        match self {
            ErrorCode::AlreadyInProgress | ErrorCode::InvalidParameters => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::RequestTimeout => 408,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::InternalError | ErrorCode::Unknown(_) => 500,
            ErrorCode::Maintenance => 503,
        }
    }

    /// What to do about it. An unknown error is treated as BankID's fault (RFA22 is
    /// shown for it by [`crate::messages`]).
    pub fn class(&self) -> ErrorClass {
        match self {
            ErrorCode::AlreadyInProgress => ErrorClass::AlreadyInProgress,
            ErrorCode::InvalidParameters
            | ErrorCode::Unauthorized
            | ErrorCode::NotFound
            | ErrorCode::MethodNotAllowed
            | ErrorCode::UnsupportedMediaType => ErrorClass::Internal,
            ErrorCode::TooManyRequests => ErrorClass::BackOff,
            ErrorCode::RequestTimeout
            | ErrorCode::InternalError
            | ErrorCode::Maintenance
            | ErrorCode::Unknown(_) => ErrorClass::TryAgain,
        }
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ErrorCode::parse(&String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip_and_unknown_ones_never_fail() {
        for h in HintCode::KNOWN {
            assert_eq!(HintCode::parse(h.as_str()), h);
            let json = serde_json::to_string(&h).expect("ser");
            assert_eq!(serde_json::from_str::<HintCode>(&json).expect("de"), h);
        }
        let new: HintCode = serde_json::from_str("\"someNewHint\"").expect("never fails");
        assert_eq!(new, HintCode::Unknown("someNewHint".into()));
        for e in ErrorCode::KNOWN {
            assert_eq!(ErrorCode::parse(e.as_str()), e);
        }
        let new: ErrorCode = serde_json::from_str("\"brandNewError\"").expect("never fails");
        assert_eq!(new.class(), ErrorClass::TryAgain);
    }

    #[test]
    fn error_classes_follow_the_reference() {
        assert_eq!(
            ErrorCode::AlreadyInProgress.class(),
            ErrorClass::AlreadyInProgress
        );
        for e in [
            ErrorCode::InvalidParameters,
            ErrorCode::Unauthorized,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::UnsupportedMediaType,
        ] {
            assert_eq!(e.class(), ErrorClass::Internal, "{e:?}");
        }
        for e in [
            ErrorCode::RequestTimeout,
            ErrorCode::InternalError,
            ErrorCode::Maintenance,
        ] {
            assert_eq!(e.class(), ErrorClass::TryAgain, "{e:?}");
        }
        assert_eq!(ErrorCode::TooManyRequests.class(), ErrorClass::BackOff);
        assert_eq!(ErrorCode::Maintenance.status(), 503);
        assert_eq!(ErrorCode::UnsupportedMediaType.status(), 415);
    }
}
