//! The authorization request (OIDC Core §3.1.2.1) checked against a client's registration.
//! The order of checks follows RFC 6749 §4.1.2.1: until the client and redirect URI are
//! trusted, errors are shown on a page and never redirected (S1).

use crate::claims::ClaimsRequest;
use crate::config::{ClientConfig, Config, GrantType};
use crate::ids::ClientId;
use crate::oauth_error::{ErrorCode, OAuthError};
use crate::pkce::CodeChallenge;
use crate::scope::Scope;
use serde::{Deserialize, Serialize};

/// `prompt` values (OIDC Core §3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prompt {
    /// No UI at all.
    None,
    /// Re-authenticate.
    Login,
    /// Ask for consent.
    Consent,
    /// Let the user pick an account.
    SelectAccount,
}

/// A checked authorization request: everything the login and the code need.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuthorizationRequest {
    /// The client.
    pub client_id: ClientId,
    /// The redirect URI, exactly as sent and registered.
    pub redirect_uri: String,
    /// Echoed back.
    pub state: Option<String>,
    /// Put into the ID token.
    pub nonce: Option<String>,
    /// Requested scope, limited to what the client may have.
    pub scope: Scope,
    /// PKCE.
    pub code_challenge: Option<CodeChallenge>,
    /// `prompt`.
    pub prompt: Vec<Prompt>,
    /// `max_age` in seconds.
    pub max_age: Option<u64>,
    /// Prefills the identifier field.
    pub login_hint: Option<String>,
    /// A previously issued ID token naming the expected user (checked by the web layer,
    /// which holds the keys).
    pub id_token_hint: Option<String>,
    /// Page language, `sv` or `en`.
    pub lang: String,
    /// acr values the login may satisfy, in the RP's order of preference. With an
    /// essential `acr` request these are only the essential values the client may use.
    pub acr_candidates: Vec<String>,
    /// The `claims` parameter, JSON, already checked.
    pub claims: Option<String>,
}

impl AuthorizationRequest {
    /// True when `prompt` contains `p`.
    pub fn has_prompt(&self, p: Prompt) -> bool {
        self.prompt.contains(&p)
    }

    /// The `sub` values the `claims` parameter asks for (OIDC Core §5.5.1): only that
    /// person may be issued a code, and values that differ can be met by no one.
    pub fn requested_subs(&self) -> Vec<crate::ids::AccountId> {
        self.claims
            .as_deref()
            .and_then(|c| ClaimsRequest::parse(c).ok())
            .map(|c| c.requested_subs())
            .unwrap_or_default()
            .into_iter()
            .map(crate::ids::AccountId)
            .collect()
    }
}

/// Why the request was refused before the client and redirect URI could be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UntrustedRequest {
    /// No `client_id`.
    MissingClientId,
    /// No such client.
    UnknownClient,
    /// No `redirect_uri` (OIDC Core requires it).
    MissingRedirectUri,
    /// Not exactly a registered URI.
    UnregisteredRedirectUri,
    /// `client_id` or `redirect_uri` sent twice.
    DuplicateParameter,
}

/// A refused authorization request.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthorizeError {
    /// Show an error page; never redirect.
    Page(UntrustedRequest),
    /// Send the error to the client's redirect URI with `state` and `iss`.
    Redirect {
        /// Where to.
        redirect_uri: String,
        /// Echoed.
        state: Option<String>,
        /// What.
        error: OAuthError,
    },
}

fn single<'a>(params: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ()> {
    let mut found = params.iter().filter(|(k, _)| k == name);
    let first = found.next().map(|(_, v)| v.as_str());
    if found.next().is_some() {
        return Err(());
    }
    // RFC 6749 §3.1: parameters sent without a value are treated as omitted.
    Ok(first.filter(|v| !v.is_empty()))
}

/// Picks the page language from `ui_locales` (space-separated BCP 47 tags; first match wins).
pub fn pick_language(ui_locales: Option<&str>) -> String {
    for tag in ui_locales.unwrap_or("").split(' ') {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if primary == "sv" || primary == "en" {
            return primary;
        }
    }
    "sv".into()
}

/// Checks an authorization request (query or form parameters, in order).
pub fn validate(
    config: &Config,
    params: &[(String, String)],
) -> Result<AuthorizationRequest, AuthorizeError> {
    use UntrustedRequest::*;
    let page = AuthorizeError::Page;
    let client_id = single(params, "client_id")
        .map_err(|_| page(DuplicateParameter))?
        .ok_or(page(MissingClientId))?;
    let client = config.client(client_id).ok_or(page(UnknownClient))?;
    let redirect_uri = single(params, "redirect_uri")
        .map_err(|_| page(DuplicateParameter))?
        .ok_or(page(MissingRedirectUri))?;
    if !client.has_redirect_uri(redirect_uri) {
        return Err(page(UnregisteredRedirectUri));
    }
    // From here on errors go back to the client. `state` is echoed even on errors,
    // unless it was itself sent twice: then there is no one value to echo.
    let state = single(params, "state").ok().flatten().map(str::to_owned);
    let fail = |code: ErrorCode, description: &'static str| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.to_owned(),
        state: state.clone(),
        error: OAuthError::new(code, description),
    };
    // RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than
    // once" — every parameter, known to us or not.
    let mut names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(fail(
            ErrorCode::InvalidRequest,
            "a parameter was sent more than once",
        ));
    }
    let get = |name: &str| {
        single(params, name).map_err(|_| {
            fail(
                ErrorCode::InvalidRequest,
                "a parameter was sent more than once",
            )
        })
    };
    // Request objects are not built yet: say so rather than silently ignore them
    // (conformance: oidcc-unsigned-request-object-…, OIDC Core §6).
    if get("request")?.is_some() {
        return Err(fail(
            ErrorCode::RequestNotSupported,
            "request objects are not supported",
        ));
    }
    if get("request_uri")?.is_some() {
        return Err(fail(
            ErrorCode::RequestUriNotSupported,
            "request_uri is not supported",
        ));
    }
    match get("response_type")? {
        None => {
            return Err(fail(ErrorCode::InvalidRequest, "response_type is required"));
        }
        Some("code") => {}
        Some(_) => {
            return Err(fail(
                ErrorCode::UnsupportedResponseType,
                "only response_type=code is supported",
            ));
        }
    }
    if let Some(mode) = get("response_mode")?
        && mode != "query"
    {
        return Err(fail(
            ErrorCode::InvalidRequest,
            "only response_mode=query is supported",
        ));
    }
    if !client.allows_grant(GrantType::AuthorizationCode) {
        return Err(fail(
            ErrorCode::UnauthorizedClient,
            "the client may not use the authorization code flow",
        ));
    }
    let scope = Scope::parse(get("scope")?.unwrap_or(""))
        .map_err(|_| fail(ErrorCode::InvalidScope, "scope has illegal characters"))?;
    if !scope.contains("openid") {
        return Err(fail(ErrorCode::InvalidScope, "scope must include openid"));
    }
    let scope = scope.restricted_to(&client.scopes);
    let code_challenge = pkce(
        client,
        get("code_challenge")?,
        get("code_challenge_method")?,
    )
    .map_err(|d| fail(ErrorCode::InvalidRequest, d))?;
    let prompt = parse_prompt(get("prompt")?).map_err(|d| fail(ErrorCode::InvalidRequest, d))?;
    let max_age = match get("max_age")? {
        None => None,
        Some(v) => Some(v.parse::<u64>().map_err(|_| {
            fail(
                ErrorCode::InvalidRequest,
                "max_age must be a non-negative integer",
            )
        })?),
    };
    let claims = match get("claims")? {
        None => None,
        Some(raw) => {
            ClaimsRequest::parse(raw)
                .map_err(|_| fail(ErrorCode::InvalidRequest, "claims is not valid JSON"))?;
            Some(raw.to_owned())
        }
    };
    let claims_req = claims.as_deref().and_then(|c| ClaimsRequest::parse(c).ok());
    let acr_candidates =
        choose_acrs(client, get("acr_values")?, claims_req.as_ref()).ok_or_else(|| {
            fail(
                ErrorCode::UnmetAuthenticationRequirements,
                "none of the essential acr values can be met for this client",
            )
        })?;
    Ok(AuthorizationRequest {
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        state: state.clone(),
        nonce: get("nonce")?.map(str::to_owned),
        scope,
        code_challenge,
        prompt,
        max_age,
        login_hint: get("login_hint")?.map(str::to_owned),
        id_token_hint: get("id_token_hint")?.map(str::to_owned),
        lang: pick_language(get("ui_locales")?),
        acr_candidates,
        claims,
    })
}

/// PKCE, S256 only (RFC 9700 §2.1.1): required from public clients and, unless a
/// client file says `require_pkce = false`, from confidential ones too.
fn pkce(
    client: &ClientConfig,
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<Option<CodeChallenge>, &'static str> {
    match challenge {
        None if client.is_public() => {
            Err("public clients must use PKCE (code_challenge with S256)")
        }
        None if client.require_pkce => Err("this client must use PKCE (code_challenge with S256)"),
        None if method.is_some() => Err("code_challenge_method without code_challenge"),
        None => Ok(None),
        Some(c) => CodeChallenge::parse(c, method)
            .map(Some)
            .map_err(|e| match e {
                crate::pkce::PkceError::UnsupportedMethod => "code_challenge_method must be S256",
                crate::pkce::PkceError::Malformed => "code_challenge is not a valid S256 challenge",
            }),
    }
}

fn parse_prompt(raw: Option<&str>) -> Result<Vec<Prompt>, &'static str> {
    let mut out = Vec::new();
    for token in raw.unwrap_or("").split(' ').filter(|t| !t.is_empty()) {
        let p = match token {
            "none" => Prompt::None,
            "login" => Prompt::Login,
            "consent" => Prompt::Consent,
            "select_account" => Prompt::SelectAccount,
            _ => return Err("unknown prompt value"),
        };
        if !out.contains(&p) {
            out.push(p);
        }
    }
    if out.contains(&Prompt::None) && out.len() > 1 {
        // OIDC Core §3.1.2.1: none with any other value is an error.
        return Err("prompt=none cannot be combined with other values");
    }
    Ok(out)
}

/// The acr values the login may satisfy, in preference order. `None` when an essential
/// request cannot be met.
///
/// `acr_values` and a voluntary `acr` claim are preferences (OIDC Core §3.1.2.1, §5.5.1.1):
/// the ones this client may use are tried in the RP's order; if none is usable, the
/// client's own list applies, default first. An essential `acr` admits nothing else.
fn choose_acrs(
    client: &ClientConfig,
    acr_values: Option<&str>,
    claims: Option<&ClaimsRequest>,
) -> Option<Vec<String>> {
    let allowed = |acr: &String| client.acr_values.contains(acr);
    // An essential acr with values admits only those; "essential, any value" is the
    // same as a preference.
    if let Some(values) = claims
        .and_then(ClaimsRequest::essential_acr)
        .filter(|v| !v.is_empty())
    {
        let usable: Vec<String> = values.iter().filter(|a| allowed(a)).cloned().collect();
        return if usable.is_empty() {
            None
        } else {
            Some(usable)
        };
    }
    // Preferences only (or "essential, any value"): the RP's usable values in its
    // order, else the client's own list, default first.
    let mut requested: Vec<String> = acr_values
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    requested.extend(
        claims
            .map(ClaimsRequest::requested_acr_values)
            .unwrap_or_default(),
    );
    let mut usable: Vec<String> = Vec::new();
    for acr in requested.into_iter().filter(allowed) {
        if !usable.contains(&acr) {
            usable.push(acr);
        }
    }
    if usable.is_empty() {
        usable.push(client.default_acr.clone());
        usable.extend(
            client
                .acr_values
                .iter()
                .filter(|a| **a != client.default_acr)
                .cloned(),
        );
    }
    Some(usable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        assert_eq!(pick_language(None), "sv");
        assert_eq!(pick_language(Some("se")), "sv");
        assert_eq!(pick_language(Some("fr en-GB sv")), "en");
        assert_eq!(pick_language(Some("sv-SE")), "sv");
    }

    #[test]
    fn prompt_none_alone() {
        assert!(parse_prompt(Some("none login")).is_err());
        assert_eq!(parse_prompt(Some("login consent")).expect("ok").len(), 2);
        assert!(parse_prompt(Some("bogus")).is_err());
    }
}
