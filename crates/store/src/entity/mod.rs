//! sea-orm entities. They stay inside this crate; rows convert to core types.

pub mod account;
pub mod audit_event;
pub mod grant;
pub mod list_code;
pub mod password_history;
pub mod refresh_token;
pub mod signing_key;
