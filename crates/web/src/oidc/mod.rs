//! OpenID Connect / OAuth services behind the JSON endpoints.

pub mod access_token;
pub mod api_error;
pub mod backchannel;
pub mod client_auth;
pub mod form;
pub mod grants;
pub mod id_token_hint;
pub mod tokens;
