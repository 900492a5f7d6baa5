//! Single sign-on sessions (OIDC Core §3.1.2.1 `prompt`/`max_age`, OIDC Session
//! Management's `sid`): the record kept server-side and the rules for reusing it.

use crate::acr::Amr;
use crate::authorize::{AuthorizationRequest, Prompt};
use crate::ids::{AccountId, ClientId};
use crate::time::UnixTime;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How the user last authenticated in this session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionAuth {
    /// The login method's configured id.
    pub method: String,
    /// The acr that method satisfied.
    pub acr: String,
    /// How (RFC 8176).
    pub amr: Vec<Amr>,
    /// When.
    pub auth_time: UnixTime,
    /// The method's configured strength: a session satisfies requests for acr values of
    /// methods at this level or below.
    pub level: u8,
}

/// A server-side session, referenced by a secret cookie key that changes at every login
/// and step-up (S26); `sid` is its stable public id, in ID tokens and logout tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Public session id (`sid`).
    pub sid: String,
    /// Who.
    pub account_id: AccountId,
    /// The latest authentication.
    pub auth: SessionAuth,
    /// Clients this session has signed in to, for logout.
    pub clients: Vec<ClientId>,
    /// Started.
    pub created_at: UnixTime,
    /// Last used, for the idle timeout.
    pub last_seen: UnixTime,
}

/// Timeouts that apply to one request: the deployment's, shortened by the client's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Unused this long, the session is over.
    pub idle: Duration,
    /// Older than this, the session is over.
    pub absolute: Duration,
}

impl Session {
    /// True while neither timeout has passed (S28).
    pub fn is_alive(&self, now: UnixTime, t: Timeouts) -> bool {
        now < self.last_seen.plus(t.idle) && now < self.created_at.plus(t.absolute)
    }

    /// Notes that `client` was signed in to.
    pub fn add_client(&mut self, client: &ClientId) {
        if !self.clients.contains(client) {
            self.clients.push(client.clone());
        }
    }
}

/// Whether a session can answer an authorization request without a new login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reuse {
    /// Yes, naming this acr in the ID token.
    Yes {
        /// The acr to return.
        acr: String,
    },
    /// The user must sign in (again, or more strongly).
    Login,
}

/// Decides whether `session` answers `request`.
///
/// - `prompt=login` and `prompt=select_account` always sign in again; so does a
///   `max_age` the authentication is older than (OIDC Core §3.1.2.1).
/// - An `id_token_hint` naming someone else needs a new login.
/// - acr: the session must be at least as strong as the RP's *first* preference
///   (`level_of(first candidate)`); a weaker session means a step-up with the requested
///   method, never a silent answer with a weaker acr the RP liked less.
pub fn reuse(
    session: &Session,
    request: &AuthorizationRequest,
    hint_sub: Option<&AccountId>,
    level_of: impl Fn(&str) -> Option<u8>,
    now: UnixTime,
) -> Reuse {
    if request.has_prompt(Prompt::Login) || request.has_prompt(Prompt::SelectAccount) {
        return Reuse::Login;
    }
    // Whole seconds: an authentication exactly max_age old (or max_age=0, which the
    // Core errata equate with prompt=login) is already too old.
    if let Some(max_age) = request.max_age
        && (max_age == 0
            || now.0 - session.auth.auth_time.0 >= i64::try_from(max_age).unwrap_or(i64::MAX))
    {
        return Reuse::Login;
    }
    if hint_sub.is_some_and(|sub| *sub != session.account_id) {
        return Reuse::Login;
    }
    let Some(first) = request.acr_candidates.first() else {
        return Reuse::Login;
    };
    match level_of(first) {
        Some(needed) if session.auth.level >= needed => {
            // Name the session's own acr when the request accepts it; otherwise the
            // RP's first preference, which the session is at least as strong as.
            let acr = if request.acr_candidates.contains(&session.auth.acr) {
                session.auth.acr.clone()
            } else {
                first.clone()
            };
            Reuse::Yes { acr }
        }
        _ => Reuse::Login,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::Scope;

    fn session(level: u8, acr: &str, auth_time: i64) -> Session {
        Session {
            sid: "sid".into(),
            account_id: AccountId("anna".into()),
            auth: SessionAuth {
                method: "m".into(),
                acr: acr.into(),
                amr: vec![Amr::Pwd],
                auth_time: UnixTime(auth_time),
                level,
            },
            clients: vec![],
            created_at: UnixTime(auth_time),
            last_seen: UnixTime(auth_time),
        }
    }

    fn request(candidates: &[&str]) -> AuthorizationRequest {
        AuthorizationRequest {
            client_id: ClientId("rp".into()),
            redirect_uri: "https://rp/cb".into(),
            state: None,
            nonce: None,
            scope: Scope::parse("openid").expect("scope"),
            code_challenge: None,
            prompt: vec![],
            max_age: None,
            login_hint: None,
            id_token_hint: None,
            lang: "sv".into(),
            acr_candidates: candidates.iter().map(|s| s.to_string()).collect(),
            claims: None,
        }
    }

    fn levels(acr: &str) -> Option<u8> {
        match acr {
            "pwd" => Some(1),
            "otp" => Some(2),
            "bankid" => Some(3),
            _ => None,
        }
    }

    #[test]
    fn acr_strength_and_preference() {
        let now = UnixTime(1000);
        let pwd = session(1, "pwd", 900);
        assert_eq!(
            reuse(&pwd, &request(&["pwd"]), None, levels, now),
            Reuse::Yes { acr: "pwd".into() }
        );
        assert_eq!(
            reuse(&pwd, &request(&["otp"]), None, levels, now),
            Reuse::Login,
            "step-up"
        );
        assert_eq!(
            reuse(&pwd, &request(&["otp", "pwd"]), None, levels, now),
            Reuse::Login,
            "the RP's first preference decides, not the weakest it accepts"
        );
        let strong = session(3, "bankid", 900);
        assert_eq!(
            reuse(&strong, &request(&["pwd"]), None, levels, now),
            Reuse::Yes { acr: "pwd".into() }
        );
        assert_eq!(
            reuse(&strong, &request(&["otp", "bankid"]), None, levels, now),
            Reuse::Yes {
                acr: "bankid".into()
            }
        );
    }

    #[test]
    fn prompt_max_age_and_hint() {
        let now = UnixTime(1000);
        let s = session(1, "pwd", 900);
        let mut r = request(&["pwd"]);
        r.prompt = vec![Prompt::Login];
        assert_eq!(reuse(&s, &r, None, levels, now), Reuse::Login);
        r.prompt = vec![Prompt::SelectAccount];
        assert_eq!(
            reuse(&s, &r, None, levels, now),
            Reuse::Login,
            "no account chooser: sign in"
        );
        r.prompt = vec![Prompt::Consent];
        assert!(matches!(
            reuse(&s, &r, None, levels, now),
            Reuse::Yes { .. }
        ));
        let mut r = request(&["pwd"]);
        r.max_age = Some(50);
        assert_eq!(reuse(&s, &r, None, levels, now), Reuse::Login);
        r.max_age = Some(100);
        assert_eq!(
            reuse(&s, &r, None, levels, now),
            Reuse::Login,
            "exactly max_age old"
        );
        r.max_age = Some(101);
        assert!(matches!(
            reuse(&s, &r, None, levels, now),
            Reuse::Yes { .. }
        ));
        r.max_age = Some(0);
        assert_eq!(
            reuse(&s, &r, None, levels, UnixTime(900)),
            Reuse::Login,
            "max_age=0"
        );
        let r = request(&["pwd"]);
        assert_eq!(
            reuse(&s, &r, Some(&AccountId("bertil".into())), levels, now),
            Reuse::Login
        );
        assert!(matches!(
            reuse(&s, &r, Some(&AccountId("anna".into())), levels, now),
            Reuse::Yes { .. }
        ));
    }

    #[test]
    fn timeouts() {
        let s = session(1, "pwd", 1000);
        let t = Timeouts {
            idle: Duration::from_secs(60),
            absolute: Duration::from_secs(600),
        };
        assert!(s.is_alive(UnixTime(1059), t));
        assert!(!s.is_alive(UnixTime(1060), t));
        let mut busy = s.clone();
        busy.last_seen = UnixTime(1590);
        assert!(busy.is_alive(UnixTime(1599), t));
        assert!(
            !busy.is_alive(UnixTime(1600), t),
            "absolute timeout despite activity"
        );
    }
}
