//! Random values for codes, tokens and ids, and the hashes stored in their place.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// `bytes` bytes from the operating system's CSPRNG, base64url without padding.
/// 32 bytes give 256 bits, well above the 128 bits RFC 9700 §4.x and S16 ask for.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// The standard token size: 256 bits.
pub fn new_token() -> String {
    random_token(32)
}

/// SHA-256 of `value`, base64url: what the stores keep instead of a code or token.
pub fn token_hash(value: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(value.as_bytes()))
}
