//! PKCE (RFC 7636). Only S256: `plain` is refused (RFC 9700 §2.1.1, S3).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// An S256 code challenge as sent in the authorization request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CodeChallenge(String);

/// Why a code challenge is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    /// Only S256 is supported.
    #[error("code_challenge_method must be S256")]
    UnsupportedMethod,
    /// An S256 challenge is 43 base64url characters.
    #[error("code_challenge must be 43 base64url characters (S256)")]
    Malformed,
}

impl CodeChallenge {
    /// Parses `code_challenge` and `code_challenge_method` (the method defaults to
    /// `plain` in RFC 7636 §4.3, which we refuse).
    pub fn parse(challenge: &str, method: Option<&str>) -> Result<Self, PkceError> {
        if method != Some("S256") {
            return Err(PkceError::UnsupportedMethod);
        }
        let ok = challenge.len() == 43
            && challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(PkceError::Malformed);
        }
        Ok(CodeChallenge(challenge.to_owned()))
    }

    /// RFC 7636 §4.6: BASE64URL(SHA256(verifier)) == challenge, with the verifier's
    /// grammar (43–128 unreserved characters) checked first.
    pub fn verify(&self, verifier: &str) -> bool {
        let well_formed = (43..=128).contains(&verifier.len())
            && verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
        if !well_formed {
            return false;
        }
        let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        crate::secret::constant_time_eq(&computed, &self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        let c = CodeChallenge::parse("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Some("S256"))
            .expect("valid");
        assert!(c.verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
        assert!(!c.verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl"));
        assert!(!c.verify("short"));
    }

    #[test]
    fn plain_refused() {
        assert_eq!(
            CodeChallenge::parse("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Some("plain")),
            Err(PkceError::UnsupportedMethod)
        );
        assert_eq!(
            CodeChallenge::parse("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", None),
            Err(PkceError::UnsupportedMethod)
        );
    }
}
