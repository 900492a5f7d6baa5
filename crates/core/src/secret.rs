//! A string that must never reach a log line.

use subtle::ConstantTimeEq;

/// A secret value (password, client secret, token). `Debug` prints `[redacted]`; there is
/// no `==` (use [`Secret::matches`], constant-time) and no `Serialize`. It can be read
/// from a configuration file (`Deserialize`), never written out.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself; every call site is a place where it may leak, so keep them few.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison (S45).
    pub fn matches(&self, other: &str) -> bool {
        self.0.as_bytes().ct_eq(other.as_bytes()).into()
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Constant-time equality of two strings (S45).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}
