//! One client file, `clients/<name>.toml`.

use super::settings::Localized;
use crate::ids::ClientId;
use crate::redirect_uri::RedirectUri;
use crate::secret::Secret;
use serde::Deserialize;
use std::path::PathBuf;

/// A grant type a client may use (RFC 6749).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// RFC 6749 §4.1.
    AuthorizationCode,
    /// RFC 6749 §6.
    RefreshToken,
    /// RFC 6749 §4.4.
    ClientCredentials,
}

/// How a stored client secret is held.
#[derive(Clone)]
pub enum SecretValue {
    /// The secret itself (from the file, an environment variable or a secret file).
    Plain(Secret),
    /// SHA-256 of the secret, base64url (`portvakt hash-secret` prints `sha256:…`).
    /// Client secrets are long and random, so a fast hash suffices, and the token
    /// endpoint never spends argon2 time on a stranger's guess.
    Sha256(String),
}

impl SecretValue {
    /// Constant-time check of a presented secret (S45).
    pub fn verify(&self, presented: &str) -> bool {
        match self {
            SecretValue::Plain(s) => s.matches(presented),
            SecretValue::Sha256(h) => {
                crate::secret::constant_time_eq(&crate::random::token_hash(presented), h)
            }
        }
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretValue::Plain(_) => f.write_str("Plain([redacted])"),
            SecretValue::Sha256(_) => f.write_str("Sha256([hash])"),
        }
    }
}

/// How a client authenticates at the token, introspection and revocation endpoints.
/// One variant per registration kind, so a public client can never have a secret.
#[derive(Debug, Clone)]
pub enum ClientCredential {
    /// A public client (`none`): PKCE is required instead.
    Public,
    /// `client_secret_basic` or `client_secret_post` (RFC 6749 §2.3.1).
    Secret(SecretValue),
    /// `private_key_jwt` (RFC 7523, OIDC Core §9) with the client's public keys.
    PrivateKeyJwt {
        /// The client's JWKS, as JSON.
        jwks: String,
    },
}

/// Logo and colour on the login page.
/// A client's own BankID settings (`[bankid]` in its file, seed 002): what its users
/// see in the app and what it requires of their BankID. Each key left out falls back
/// to the method's (`[methods.<id>]`).
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClientBankId {
    /// Shown in the app, as intent only ("Logga in på Mina sidor").
    pub user_visible_text: Option<Localized>,
    /// Require the security code, not biometrics (`requirement.pinCode`).
    pub require_pin: Option<bool>,
    /// Allowed certificate policies (`requirement.certificatePolicies`).
    pub certificate_policies: Option<Vec<String>>,
    /// Ask BankID for its risk indication (`returnRisk`) and refuse a login above this
    /// level: `low`, `moderate` or `high` (accept everything, but record it).
    pub accepted_risk: Option<RiskLevel>,
}

/// BankID's risk indication, lowest first.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    /// No risk noticed.
    Low,
    /// Some.
    Moderate,
    /// High.
    High,
}

impl RiskLevel {
    /// BankID's word (`low`, `moderate`, `high`); anything else reads as `high`, so an
    /// unknown answer is never more trusted than a known one.
    pub fn parse(word: &str) -> RiskLevel {
        match word {
            "low" => RiskLevel::Low,
            "moderate" => RiskLevel::Moderate,
            _ => RiskLevel::High,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Branding {
    /// An https URL (or a path under this server) of a logo.
    pub logo_url: Option<String>,
    /// A CSS colour, `#rrggbb`.
    pub color: Option<String>,
    /// The display name of e-mail sent for this client's logins (`"Mina sidor"
    /// <login@example.se>`); the name in `[notify.email] from` when absent.
    pub email_sender_name: Option<String>,
    /// The SMS sender for this client's logins: up to 11 letters and digits, or
    /// E.164; `[notify.sms] from` when absent.
    pub sms_from: Option<String>,
}

/// The file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ClientFile {
    pub client_id: String,
    pub display_name: String,
    #[serde(default = "default_auth_method")]
    pub token_endpoint_auth_method: String,
    pub client_secret: Option<String>,
    pub client_secret_env: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    pub client_secret_hash: Option<String>,
    pub jwks: Option<toml::Value>,
    pub jwks_file: Option<PathBuf>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    #[serde(default = "default_grant_types")]
    pub grant_types: Vec<GrantType>,
    #[serde(default)]
    pub acr_values: Vec<String>,
    pub default_acr: Option<String>,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    #[serde(default = "default_alg")]
    pub id_token_signed_response_alg: String,
    pub userinfo_signed_response_alg: Option<String>,
    pub id_token_ttl_secs: Option<u64>,
    pub access_token_ttl_secs: Option<u64>,
    pub refresh_idle_ttl_secs: Option<u64>,
    pub refresh_absolute_ttl_secs: Option<u64>,
    pub backchannel_logout_uri: Option<String>,
    pub initiate_login_uri: Option<String>,
    pub session_idle_timeout_secs: Option<u64>,
    pub session_absolute_timeout_secs: Option<u64>,
    #[serde(default = "yes")]
    pub first_party: bool,
    #[serde(default)]
    pub branding: Branding,
    #[serde(default)]
    pub bankid: ClientBankId,
    pub help_text: Option<Localized>,
    #[serde(default = "yes")]
    pub require_pkce: bool,
    #[serde(default)]
    pub refresh_rotation: RefreshRotation,
    pub refresh_reuse_grace_secs: Option<u64>,
}

/// `refresh_rotation` in a client file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RefreshRotation {
    /// A new refresh token at every use; a spent one presented again revokes the grant.
    #[default]
    Rotate,
    /// As `rotate`, but a token replaced less than `refresh_reuse_grace_secs` ago is
    /// answered again instead of revoking (parallel refreshes of one RP).
    Grace,
    /// The same refresh token stays valid (confidential clients only).
    None,
}

/// What the token endpoint does with a presented refresh token (RFC 9700 §4.14.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshPolicy {
    /// Rotation with reuse detection: a spent token revokes the whole grant (S13).
    Rotate,
    /// Rotation, with a grace period in which the token just replaced is answered with
    /// fresh tokens rather than revoking; after it, reuse detection as `Rotate`.
    RotateWithGrace(std::time::Duration),
    /// No rotation: the token is answered again and again until it expires or is
    /// revoked; each use extends its idle lifetime. Confidential clients only: RFC 9700
    /// §4.14.2 lets sender-constrained clients (here: client authentication) skip it.
    NoRotation,
}

fn yes() -> bool {
    true
}

fn default_auth_method() -> String {
    "client_secret_basic".into()
}

fn default_grant_types() -> Vec<GrantType> {
    vec![GrantType::AuthorizationCode, GrantType::RefreshToken]
}

fn default_scopes() -> Vec<String> {
    ["openid", "profile", "email", "phone"]
        .map(String::from)
        .to_vec()
}

fn default_alg() -> String {
    // OIDC Core §3.1.3.7: RS256 when the client registered none.
    "RS256".into()
}

/// A validated client.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `client_id`.
    pub client_id: ClientId,
    /// Shown on the login page.
    pub display_name: String,
    /// How it authenticates.
    pub credential: ClientCredential,
    /// Registered redirect URIs, compared exactly.
    pub redirect_uris: Vec<RedirectUri>,
    /// Registered post-logout redirect URIs, compared exactly.
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    /// Allowed grant types.
    pub grant_types: Vec<GrantType>,
    /// Allowed acr values, in the order the login page offers their methods.
    pub acr_values: Vec<String>,
    /// The acr used when the request names none the client may use.
    pub default_acr: String,
    /// Scopes it may be granted.
    pub scopes: Vec<String>,
    /// ID token `alg`.
    pub id_token_alg: String,
    /// When set, userinfo answers with a JWT signed with this `alg`.
    pub userinfo_alg: Option<String>,
    /// ID token lifetime.
    pub id_token_ttl_secs: u64,
    /// Access token lifetime.
    pub access_token_ttl_secs: u64,
    /// Refresh idle lifetime.
    pub refresh_idle_ttl_secs: u64,
    /// Refresh absolute lifetime.
    pub refresh_absolute_ttl_secs: u64,
    /// Back-channel logout URI.
    pub backchannel_logout_uri: Option<String>,
    /// Where `GET /start/{client_id}` sends the browser to start a login at the client
    /// (OIDC Core §4, "Initiating Login from a Third Party"; Registration §2
    /// `initiate_login_uri`): https, or http on localhost in development.
    pub initiate_login_uri: Option<url::Url>,
    /// Shortens the session idle timeout for this client: an older session signs in again.
    pub session_idle_timeout_secs: Option<u64>,
    /// Shortens the session absolute timeout for this client.
    pub session_absolute_timeout_secs: Option<u64>,
    /// A client run by the same organisation (the default): consent is implied by its
    /// registration. Portvakt has no consent screen, so `prompt=consent` from a client
    /// with `first_party = false` is answered with `consent_required`.
    pub first_party: bool,
    /// Login page look.
    pub branding: Branding,
    /// Its own BankID settings (`[bankid]`).
    pub bankid: ClientBankId,
    /// Help text under the form ("Vid frågor kontakta expeditionen").
    pub help_text: Option<Localized>,
    /// Authorization requests must carry a PKCE challenge (RFC 9700 §2.1.1). Always
    /// true for public clients; true by default for confidential ones.
    pub require_pkce: bool,
    /// What a refresh does to the refresh token.
    pub refresh_policy: RefreshPolicy,
    /// The file it came from.
    pub file: PathBuf,
}

impl ClientConfig {
    /// True when the client may use `grant`.
    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// True for public clients (no authentication, PKCE required).
    pub fn is_public(&self) -> bool {
        matches!(self.credential, ClientCredential::Public)
    }

    /// True when `uri` is exactly a registered redirect URI.
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r.matches(uri))
    }
}

impl ClientConfig {
    /// The name and senders of messages sent for this client's logins.
    pub fn brand(&self) -> crate::notify::Brand {
        crate::notify::Brand {
            client_name: self.display_name.clone(),
            email_sender_name: self.branding.email_sender_name.clone(),
            sms_from: self.branding.sms_from.clone(),
        }
    }
}

#[cfg(test)]
mod risk_tests {
    use super::RiskLevel;

    #[test]
    fn risk_levels_order_and_unknown_words_count_as_high() {
        assert!(RiskLevel::Low < RiskLevel::Moderate && RiskLevel::Moderate < RiskLevel::High);
        assert_eq!(RiskLevel::parse("low"), RiskLevel::Low);
        assert_eq!(RiskLevel::parse("moderate"), RiskLevel::Moderate);
        assert_eq!(RiskLevel::parse("extreme"), RiskLevel::High);
    }
}
