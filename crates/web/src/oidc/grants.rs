//! The token endpoint's grant rules (RFC 6749 §4.1.3, §6, §4.4), apart from HTTP: the
//! handler in `routes::token` parses the form, authenticates the client and calls one
//! of these; each takes its ports and a clock, so the rules read top to bottom without
//! a request in sight.

use crate::oidc::api_error::ApiError;
use crate::oidc::tokens::{TokenMinter, TokenResponse, new_refresh_token};
use crate::state::AppState;
use portvakt_core::audit::{AuditEvent, AuditKind, AuditTrail};
use portvakt_core::config::{ClientConfig, RefreshPolicy};
use portvakt_core::ephemeral::{Ephemeral, Redemption};
use portvakt_core::grant::{Grant, Rotation};
use portvakt_core::oauth_error::ErrorCode;
use portvakt_core::ports::{AccountRepo, GrantRepo};
use portvakt_core::random::token_hash;
use portvakt_core::scope::Scope;
use portvakt_core::time::Clock;
use std::sync::Arc;
use std::time::Duration;

/// What an authorization-code request presents (RFC 6749 §4.1.3, RFC 7636 §4.5).
#[derive(Debug, Clone, Copy)]
pub struct CodeRedemption<'a> {
    /// `code`.
    pub code: &'a str,
    /// `redirect_uri`, which must equal the authorization request's.
    pub redirect_uri: Option<&'a str>,
    /// `code_verifier` (PKCE).
    pub verifier: Option<&'a str>,
}

/// The grant rules and the ports they use.
#[derive(Clone)]
pub struct TokenGrants {
    grants: Arc<dyn GrantRepo>,
    accounts: Arc<dyn AccountRepo>,
    ephemeral: Ephemeral,
    audit: AuditTrail,
    minter: TokenMinter,
    clock: Arc<dyn Clock>,
}

impl TokenGrants {
    /// The rules over `app`'s ports.
    pub fn from_app(app: &AppState) -> Self {
        TokenGrants {
            grants: app.grants.clone(),
            accounts: app.accounts.clone(),
            ephemeral: app.ephemeral.clone(),
            audit: AuditTrail::new(app.audit.clone()),
            minter: TokenMinter::new(&app.config, app.keys.clone()),
            clock: app.clock.clone(),
        }
    }

    /// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6) and single use (§4.1.2, S5).
    pub async fn authorization_code(
        &self,
        client: &ClientConfig,
        request: &CodeRedemption<'_>,
    ) -> Result<TokenResponse, ApiError> {
        let CodeRedemption {
            code,
            redirect_uri,
            verifier,
        } = *request;
        let record = match self.ephemeral.redeem_code(code).await? {
            Redemption::Fresh(r) => r,
            Redemption::Missing => {
                return Err(ApiError::invalid_grant("the code is invalid or expired"));
            }
            Redemption::Reused(r) => {
                // A second use means the code leaked: revoke everything the first issued.
                let now = self.clock.now();
                self.ephemeral.mark_grant_revoked(&r.grant_id).await?;
                self.grants.revoke_grant(&r.grant_id, now).await?;
                self.audit
                    .record(
                        AuditEvent::now(AuditKind::CodeReused)
                            .client(&r.client_id)
                            .account(&r.account_id),
                    )
                    .await;
                return Err(ApiError::invalid_grant("the code was already used"));
            }
        };
        if record.client_id != client.client_id {
            return Err(ApiError::invalid_grant(
                "the code was issued to another client",
            ));
        }
        if redirect_uri != Some(record.redirect_uri.as_str()) {
            return Err(ApiError::invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
        match (&record.code_challenge, verifier) {
            (Some(challenge), Some(v)) if challenge.verify(v) => {}
            (None, None) => {}
            // RFC 9700 §2.1.1: a verifier without a challenge is refused too.
            _ => return Err(ApiError::invalid_grant("PKCE verification failed")),
        }
        let account = self
            .accounts
            .find_account(&record.account_id)
            .await?
            // A code from before a password change is as dead as the session it came from (S14).
            .filter(|a| !a.is_locked() && !a.password_changed_since(record.password_generation))
            .ok_or(ApiError::invalid_grant("the account is not available"))?;
        let now = self.clock.now();
        let grant = Grant {
            id: record.grant_id.clone(),
            client_id: client.client_id.clone(),
            account_id: account.id.clone(),
            scope: record.scope.clone(),
            claims: record.claims.clone(),
            acr: record.acr.clone(),
            amr: record.amr.clone(),
            auth_time: record.auth_time,
            sid: record.sid.clone(),
            created_at: now,
            expires_at: now.plus(Duration::from_secs(client.refresh_absolute_ttl_secs)),
            revoked_at: None,
        };
        let refresh = new_refresh_token(client, &grant, now);
        self.grants
            .create_grant(&grant, refresh.as_ref().map(|(_, r)| r))
            .await?;
        // A reuse racing this redemption may have marked the grant before the row existed:
        // revoke it now. This redemption still answers 200, exactly as when the reuse comes
        // after it; the tokens it returns are already dead.
        if self.ephemeral.is_grant_marked_revoked(&grant.id).await? {
            self.grants.revoke_grant(&grant.id, now).await?;
        }
        // A code issued before its session ended, redeemed after: the grant dies with the
        // session like every other grant of it, unless it holds offline access.
        let offline = grant.scope.split(' ').any(|s| s == "offline_access");
        if !offline && self.ephemeral.is_session_ended(&grant.sid).await? {
            self.grants.revoke_grant(&grant.id, now).await?;
        }
        self.audit
            .record(
                AuditEvent::now(AuditKind::TokensIssued)
                    .client(&client.client_id)
                    .account(&account.id)
                    .detail(&grant.acr),
            )
            .await;
        Ok(self.minter.respond(
            client,
            &grant,
            &account,
            record.nonce.as_deref(),
            refresh.map(|(t, _)| t),
            now,
        )?)
    }

    /// RFC 6749 §6 with rotation (RFC 9700 §4.14.2): a spent token revokes the grant (S13).
    pub async fn refresh(
        &self,
        client: &ClientConfig,
        presented: &str,
        scope: Option<&str>,
    ) -> Result<TokenResponse, ApiError> {
        let hash = token_hash(presented);
        let invalid =
            || ApiError::invalid_grant("the refresh token is invalid, expired or revoked");
        let record = self
            .grants
            .find_refresh_token(&hash)
            .await?
            .ok_or_else(invalid)?;
        let mut grant = self
            .grants
            .find_grant(&record.grant_id)
            .await?
            .ok_or_else(invalid)?;
        // Bound to its client: another client's token is refused without being spent.
        if grant.client_id != client.client_id {
            return Err(invalid());
        }
        let now = self.clock.now();
        if !grant.is_active(now) {
            return Err(invalid());
        }
        if let Some(requested) = scope {
            let requested = Scope::parse(requested).map_err(|_| {
                ApiError::bad(ErrorCode::InvalidScope, "scope has illegal characters")
            })?;
            let granted = Scope::parse(&grant.scope).unwrap_or_default();
            if !requested.is_subset_of(&granted) {
                return Err(ApiError::bad(
                    ErrorCode::InvalidScope,
                    "scope exceeds the original grant",
                ));
            }
            // The narrower scope applies to this response only; the grant keeps its scope.
            grant.scope = requested.to_string();
        }
        let (next_token, next) = new_refresh_token(client, &grant, now).ok_or_else(invalid)?;
        let grace = match client.refresh_policy {
            RefreshPolicy::NoRotation => {
                // The client keeps its token: it is only extended (RFC 6749 §6: a new one
                // MAY be issued, so none is).
                if !self
                    .grants
                    .extend_refresh_token(&hash, next.expires_at, now)
                    .await?
                {
                    return Err(invalid());
                }
                None
            }
            RefreshPolicy::Rotate => Some(Duration::ZERO),
            RefreshPolicy::RotateWithGrace(grace) => Some(grace),
        };
        let returned = match grace {
            None => None,
            Some(grace) => match self.grants.rotate_refresh_token(&hash, &next, now).await? {
                Rotation::Rotated => Some(next_token),
                // Replaced moments ago, typically by a parallel refresh of the same RP: fresh
                // tokens, no revocation (the client's policy allows it).
                Rotation::Reused { used_at } if now.0 - used_at.0 < duration_secs(grace) => {
                    self.grants.add_refresh_token(&next).await?;
                    Some(next_token)
                }
                Rotation::Reused { .. } => {
                    self.grants.revoke_grant(&grant.id, now).await?;
                    self.audit
                        .record(
                            AuditEvent::now(AuditKind::RefreshTokenReused)
                                .client(&client.client_id)
                                .account(&grant.account_id),
                        )
                        .await;
                    return Err(invalid());
                }
                Rotation::Expired | Rotation::NotFound => return Err(invalid()),
            },
        };
        let account = self
            .accounts
            .find_account(&grant.account_id)
            .await?
            .filter(|a| !a.is_locked())
            .ok_or_else(invalid)?;
        self.audit
            .record(
                AuditEvent::now(AuditKind::TokensRefreshed)
                    .client(&client.client_id)
                    .account(&account.id),
            )
            .await;
        // OIDC Core §12.2: the new ID token keeps iss, sub, aud, auth_time and acr; no nonce.
        Ok(self
            .minter
            .respond(client, &grant, &account, None, returned, now)?)
    }

    /// RFC 6749 §4.4: a confidential client acting for itself. No ID token, no refresh token.
    pub async fn client_credentials(
        &self,
        client: &ClientConfig,
        scope: Option<&str>,
    ) -> Result<TokenResponse, ApiError> {
        if client.is_public() {
            return Err(ApiError::bad(
                ErrorCode::UnauthorizedClient,
                "public clients cannot use client_credentials",
            ));
        }
        let requested = Scope::parse(scope.unwrap_or(""))
            .map_err(|_| ApiError::bad(ErrorCode::InvalidScope, "scope has illegal characters"))?;
        let allowed: Vec<String> = client
            .scopes
            .iter()
            .filter(|s| *s != "openid")
            .cloned()
            .collect();
        let scope = requested.restricted_to(&allowed).to_string();
        let now = self.clock.now();
        self.audit
            .record(
                AuditEvent::now(AuditKind::TokensIssued)
                    .client(&client.client_id)
                    .detail("client_credentials"),
            )
            .await;
        Ok(TokenResponse {
            access_token: self.minter.access_token(
                client,
                client.client_id.as_str(),
                &scope,
                None,
                now,
            )?,
            token_type: "Bearer",
            expires_in: client.access_token_ttl_secs,
            id_token: None,
            refresh_token: None,
            scope: (!scope.is_empty()).then_some(scope),
        })
    }
}

/// Whole seconds of a grace period, for comparing with Unix times.
fn duration_secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}
