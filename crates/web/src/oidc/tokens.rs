//! Minting ID tokens (OIDC Core §2), JWT access tokens (RFC 9068) and refresh tokens.

use crate::error::AppError;
use crate::keys::KeyCache;
use portvakt_core::account::Account;
use portvakt_core::claims::{self, Target};
use portvakt_core::config::{ClientConfig, GrantType};
use portvakt_core::grant::{Grant, RefreshTokenRecord};
use portvakt_core::random::{new_token, token_hash};
use portvakt_core::scope::Scope;
use portvakt_core::time::UnixTime;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// A successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Access token lifetime in seconds.
    pub expires_in: u64,
    /// The ID token, for OpenID requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// The next refresh token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Granted scope; left out when nothing was granted (RFC 6749 §5.1 makes it
    /// optional, and `""` is not a scope).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Signs the tokens of this issuer with its current keys.
#[derive(Clone)]
pub struct TokenMinter {
    issuer: String,
    /// The algorithm access tokens are signed with: the first configured.
    access_token_alg: String,
    keys: KeyCache,
}

impl TokenMinter {
    /// The minter for `config`'s issuer and keys.
    pub fn new(config: &portvakt_core::config::Config, keys: KeyCache) -> Self {
        TokenMinter {
            issuer: config.settings.issuer.clone(),
            access_token_alg: config
                .settings
                .keys
                .algorithms
                .first()
                .cloned()
                .unwrap_or_else(|| "RS256".into()),
            keys,
        }
    }

    /// Signs an access token for `sub`. `grant` links it to a grant so that revoking the
    /// grant revokes it; client-credentials tokens have none.
    pub fn access_token(
        &self,
        client: &ClientConfig,
        sub: &str,
        scope: &str,
        grant: Option<&Grant>,
        now: UnixTime,
    ) -> Result<String, AppError> {
        let mut c = Map::new();
        c.insert("iss".into(), json!(self.issuer));
        c.insert("sub".into(), json!(sub));
        // RFC 9068 §3: with no resource indicator, the default resource is this issuer
        // (its userinfo endpoint is the resource).
        c.insert("aud".into(), json!(self.issuer));
        c.insert("client_id".into(), json!(client.client_id.as_str()));
        c.insert("iat".into(), json!(now.0));
        c.insert(
            "exp".into(),
            json!(
                now.plus(Duration::from_secs(client.access_token_ttl_secs))
                    .0
            ),
        );
        c.insert("jti".into(), json!(new_token()));
        if !scope.is_empty() {
            c.insert("scope".into(), json!(scope));
        }
        if let Some(g) = grant {
            c.insert("auth_time".into(), json!(g.auth_time.0));
            c.insert("acr".into(), json!(g.acr));
            c.insert("amr".into(), json!(g.amr));
            c.insert("sid".into(), json!(g.sid));
            c.insert("gid".into(), json!(g.id.as_str()));
        }
        Ok(self
            .keys
            .current()
            .sign(&self.access_token_alg, "at+jwt", c, now)?)
    }

    /// Signs an ID token for a grant.
    pub fn id_token(
        &self,
        client: &ClientConfig,
        grant: &Grant,
        account: &Account,
        nonce: Option<&str>,
        now: UnixTime,
    ) -> Result<String, AppError> {
        let scope = Scope::parse(&grant.scope).unwrap_or_default();
        let request = grant
            .claims
            .as_deref()
            .and_then(|c| claims::ClaimsRequest::parse(c).ok());
        let mut c = claims::release(
            account,
            &scope,
            &client.scopes,
            request.as_ref(),
            Target::IdToken,
        );
        c.insert("iss".into(), json!(self.issuer));
        c.insert("sub".into(), json!(account.id.as_str()));
        c.insert("aud".into(), json!(client.client_id.as_str()));
        c.insert("azp".into(), json!(client.client_id.as_str()));
        c.insert("iat".into(), json!(now.0));
        c.insert(
            "exp".into(),
            json!(now.plus(Duration::from_secs(client.id_token_ttl_secs)).0),
        );
        // Always sent: the Swedish profile requires it, and OIDC Core §2 requires it with max_age.
        c.insert("auth_time".into(), json!(grant.auth_time.0));
        c.insert("acr".into(), json!(grant.acr));
        c.insert("amr".into(), json!(grant.amr));
        c.insert("sid".into(), json!(grant.sid));
        if let Some(n) = nonce {
            c.insert("nonce".into(), json!(n));
        }
        Ok(self
            .keys
            .current()
            .sign(&client.id_token_alg, "JWT", c, now)?)
    }
}

/// A new refresh token for `grant` if the client may refresh: returns the token and
/// the record (with only the hash) to store.
pub fn new_refresh_token(
    client: &ClientConfig,
    grant: &Grant,
    now: UnixTime,
) -> Option<(String, RefreshTokenRecord)> {
    if !client.allows_grant(GrantType::RefreshToken) {
        return None;
    }
    let token = new_token();
    let idle = now.plus(Duration::from_secs(client.refresh_idle_ttl_secs));
    let record = RefreshTokenRecord {
        token_hash: token_hash(&token),
        grant_id: grant.id.clone(),
        created_at: now,
        expires_at: idle.min(grant.expires_at),
        used_at: None,
    };
    Some((token, record))
}

impl TokenMinter {
    /// The token response for a grant.
    pub fn respond(
        &self,
        client: &ClientConfig,
        grant: &Grant,
        account: &Account,
        nonce: Option<&str>,
        refresh_token: Option<String>,
        now: UnixTime,
    ) -> Result<TokenResponse, AppError> {
        Ok(TokenResponse {
            access_token: self.access_token(
                client,
                account.id.as_str(),
                &grant.scope,
                Some(grant),
                now,
            )?,
            token_type: "Bearer",
            expires_in: client.access_token_ttl_secs,
            id_token: Some(self.id_token(client, grant, account, nonce, now)?),
            refresh_token,
            scope: Some(grant.scope.clone()),
        })
    }
}

/// Claims of a userinfo response (OIDC Core §5.3.2).
pub fn userinfo_claims(
    client: &ClientConfig,
    account: &Account,
    grant: Option<&Grant>,
    scope: &Scope,
) -> Map<String, Value> {
    let request = grant
        .and_then(|g| g.claims.as_deref())
        .and_then(|c| claims::ClaimsRequest::parse(c).ok());
    let mut c = claims::release(
        account,
        scope,
        &client.scopes,
        request.as_ref(),
        Target::UserInfo,
    );
    c.insert("sub".into(), json!(account.id.as_str()));
    c
}
