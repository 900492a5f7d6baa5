//! Identifiers. Each is a newtype so a client id can never be passed where an account id belongs.

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// An OAuth client identifier (RFC 6749 §2.2), as configured.
    ClientId
);
string_id!(
    /// An account's opaque, stable id. It is also the `sub` claim: never a personnummer.
    AccountId
);
string_id!(
    /// One authorization grant: everything issued from one authorization code.
    GrantId
);
string_id!(
    /// A login method's configured id, e.g. `password`.
    MethodId
);

impl AccountId {
    /// A fresh random account id (128 bits).
    pub fn generate() -> Self {
        AccountId(crate::random::random_token(16))
    }
}

impl GrantId {
    /// A fresh random grant id (128 bits).
    pub fn generate() -> Self {
        GrantId(crate::random::random_token(16))
    }
}
