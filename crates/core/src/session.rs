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
    /// The account's password generation at the time: an authentication from before a
    /// new password no longer counts (S14).
    #[serde(default)]
    pub password_generation: i64,
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
    /// Earlier authentications in this session by other methods, the latest of each
    /// (a step-up from password to BankID keeps the password one): each still
    /// satisfies its own method's acr values.
    #[serde(default)]
    pub earlier: Vec<SessionAuth>,
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

    /// Records a new authentication by the same user: it becomes the latest, and the
    /// previous latest is kept among the earlier ones unless `auth`'s method replaces it.
    /// Authentications from before a password change (an older generation) are dropped.
    pub fn add_auth(&mut self, auth: SessionAuth) {
        let previous = std::mem::replace(&mut self.auth, auth);
        self.earlier.push(previous);
        let (method, generation) = (&self.auth.method, self.auth.password_generation);
        self.earlier
            .retain(|a| a.method != *method && a.password_generation >= generation);
        let mut seen: Vec<String> = Vec::new();
        // One per method, the newest: `earlier` is oldest first, so keep the last.
        self.earlier.reverse();
        self.earlier.retain(|a| {
            let new = !seen.contains(&a.method);
            seen.push(a.method.clone());
            new
        });
        self.earlier.reverse();
    }

    /// Forgets authentications from before the account's current password generation;
    /// false when the latest is one of them, so the session must end (S14).
    pub fn drop_stale(&mut self, password_generation: i64) -> bool {
        self.earlier
            .retain(|a| a.password_generation >= password_generation);
        self.auth.password_generation >= password_generation
    }

    /// Every authentication in the session, the latest first.
    pub fn authentications(&self) -> impl Iterator<Item = &SessionAuth> {
        std::iter::once(&self.auth).chain(self.earlier.iter())
    }
}

/// What the configuration says about acr values (implemented by `Config`).
pub trait AcrRules {
    /// The strength of the method answering to `acr`.
    fn level_of(&self, acr: &str) -> Option<u8>;
    /// The id of the method answering to `acr`.
    fn method_of(&self, acr: &str) -> Option<&str>;
}

/// Whether a session can answer an authorization request without a new login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reuse {
    /// Yes, naming this acr in the ID token, with the authentication that satisfied it
    /// (its `amr` and `auth_time` go into the code).
    Yes {
        /// The acr to return.
        acr: String,
        /// The authentication behind it.
        auth: SessionAuth,
    },
    /// The user must sign in (again, or more strongly, or with another method).
    Login,
}

/// Decides whether `session` answers `request`.
///
/// - `prompt=login` and `prompt=select_account` always sign in again (OIDC Core
///   §3.1.2.1).
/// - `expected_sub` (from `id_token_hint`, or a `sub` value in `claims`, OIDC Core
///   §5.5.1): a session of anyone else needs a new login.
/// - acr: the answer names an acr that an authentication of this session actually
///   satisfied, i.e. one of the acr values of a method the user signed in with. The
///   candidates are the acr values this client may use, in the RP's order; the first
///   one sets the strength needed (`level_of`), so a request is never answered with a
///   weaker acr than the RP's first preference, and a session that does not satisfy
///   any usable acr means a login with an allowed method. A stronger method does not
///   silently stand in for another's acr (it may, if its `acr_values` list it).
/// - `max_age` applies to the authentication that answers: one as old or older
///   needs a new login.
pub fn reuse(
    session: &Session,
    request: &AuthorizationRequest,
    expected_sub: &[&AccountId],
    rules: &dyn AcrRules,
    now: UnixTime,
) -> Reuse {
    if request.has_prompt(Prompt::Login) || request.has_prompt(Prompt::SelectAccount) {
        return Reuse::Login;
    }
    if expected_sub.iter().any(|sub| **sub != session.account_id) {
        return Reuse::Login;
    }
    let Some(needed) = request
        .acr_candidates
        .first()
        .and_then(|first| rules.level_of(first))
    else {
        return Reuse::Login;
    };
    // The latest authentication first, so the session names its own acr when the
    // request accepts it; within one, the RP's order.
    let usable = |acr: &&String| rules.level_of(acr).is_some_and(|level| level >= needed);
    let answer = session.authentications().find_map(|auth| {
        request
            .acr_candidates
            .iter()
            .filter(usable)
            .find(|acr| rules.method_of(acr) == Some(auth.method.as_str()))
            .map(|acr| (acr, auth))
    });
    if let Some((acr, auth)) = answer {
        // Whole seconds: an authentication exactly max_age old (or max_age=0, which the
        // Core errata equate with prompt=login) is already too old.
        if let Some(max_age) = request.max_age
            && (max_age == 0
                || now.0 - auth.auth_time.0 >= i64::try_from(max_age).unwrap_or(i64::MAX))
        {
            return Reuse::Login;
        }
        return Reuse::Yes {
            acr: acr.clone(),
            auth: auth.clone(),
        };
    }
    Reuse::Login
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::Scope;

    fn session(acr: &str, auth_time: i64) -> Session {
        Session {
            sid: "sid".into(),
            account_id: AccountId("anna".into()),
            auth: SessionAuth {
                method: acr.into(),
                acr: acr.into(),
                amr: vec![Amr::Pwd],
                auth_time: UnixTime(auth_time),
                password_generation: 0,
            },
            earlier: vec![],
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

    /// Three methods, each answering to one acr named like it.
    struct Rules;

    impl AcrRules for Rules {
        fn level_of(&self, acr: &str) -> Option<u8> {
            match acr {
                "pwd" | "customer" => Some(1),
                "otp" => Some(2),
                "bankid" => Some(3),
                _ => None,
            }
        }
        fn method_of(&self, acr: &str) -> Option<&str> {
            ["pwd", "customer", "otp", "bankid"]
                .into_iter()
                .find(|m| *m == acr)
        }
    }

    fn yes(s: &Session, acr: &str) -> Reuse {
        let auth = s
            .authentications()
            .find(|a| a.method == acr)
            .expect("auth")
            .clone();
        Reuse::Yes {
            acr: acr.into(),
            auth,
        }
    }

    #[test]
    fn acr_strength_and_preference() {
        let now = UnixTime(1000);
        let pwd = session("pwd", 900);
        assert_eq!(
            reuse(&pwd, &request(&["pwd"]), &[], &Rules, now),
            yes(&pwd, "pwd")
        );
        assert_eq!(
            reuse(&pwd, &request(&["otp"]), &[], &Rules, now),
            Reuse::Login,
            "step-up"
        );
        assert_eq!(
            reuse(&pwd, &request(&["otp", "pwd"]), &[], &Rules, now),
            Reuse::Login,
            "the RP's first preference decides, not the weakest it accepts"
        );
        assert_eq!(
            reuse(&pwd, &request(&["customer"]), &[], &Rules, now),
            Reuse::Login,
            "another method of the same strength is not an acr this session satisfied"
        );
        let strong = session("bankid", 900);
        assert_eq!(
            reuse(&strong, &request(&["pwd"]), &[], &Rules, now),
            Reuse::Login,
            "a stronger method does not claim another method's acr"
        );
        assert_eq!(
            reuse(&strong, &request(&["otp", "bankid"]), &[], &Rules, now),
            yes(&strong, "bankid")
        );
        // After a step-up both authentications answer, each with its own acr.
        let mut both = session("pwd", 900);
        both.add_auth(session("bankid", 950).auth);
        assert_eq!(
            reuse(&both, &request(&["pwd"]), &[], &Rules, now),
            yes(&both, "pwd")
        );
        assert_eq!(
            reuse(&both, &request(&["bankid"]), &[], &Rules, now),
            yes(&both, "bankid")
        );
        let Reuse::Yes { auth, .. } = reuse(&both, &request(&["pwd"]), &[], &Rules, now) else {
            panic!("reuse");
        };
        assert_eq!(
            auth.auth_time,
            UnixTime(900),
            "the password login's own time"
        );
        both.add_auth(session("pwd", 990).auth);
        assert_eq!(both.earlier.len(), 1, "one authentication per method");
        assert_eq!(both.auth.auth_time, UnixTime(990));
    }

    #[test]
    fn prompt_max_age_and_hint() {
        let now = UnixTime(1000);
        let s = session("pwd", 900);
        let mut r = request(&["pwd"]);
        r.prompt = vec![Prompt::Login];
        assert_eq!(reuse(&s, &r, &[], &Rules, now), Reuse::Login);
        r.prompt = vec![Prompt::SelectAccount];
        assert_eq!(
            reuse(&s, &r, &[], &Rules, now),
            Reuse::Login,
            "no account chooser: sign in"
        );
        r.prompt = vec![Prompt::Consent];
        assert!(matches!(reuse(&s, &r, &[], &Rules, now), Reuse::Yes { .. }));
        let mut r = request(&["pwd"]);
        r.max_age = Some(50);
        assert_eq!(reuse(&s, &r, &[], &Rules, now), Reuse::Login);
        r.max_age = Some(100);
        assert_eq!(
            reuse(&s, &r, &[], &Rules, now),
            Reuse::Login,
            "exactly max_age old"
        );
        r.max_age = Some(101);
        assert!(matches!(reuse(&s, &r, &[], &Rules, now), Reuse::Yes { .. }));
        r.max_age = Some(0);
        assert_eq!(
            reuse(&s, &r, &[], &Rules, UnixTime(900)),
            Reuse::Login,
            "max_age=0"
        );
        let r = request(&["pwd"]);
        let bertil = AccountId("bertil".into());
        let anna = AccountId("anna".into());
        assert_eq!(reuse(&s, &r, &[&bertil], &Rules, now), Reuse::Login);
        assert_eq!(reuse(&s, &r, &[&anna, &bertil], &Rules, now), Reuse::Login);
        assert!(matches!(
            reuse(&s, &r, &[&anna], &Rules, now),
            Reuse::Yes { .. }
        ));
    }

    #[test]
    fn a_new_password_drops_older_authentications() {
        let mut s = session("pwd", 900);
        let mut bankid = session("bankid", 950).auth;
        bankid.password_generation = 1;
        s.add_auth(bankid);
        assert!(
            s.earlier.is_empty(),
            "the password login predates the change"
        );
        let mut again = session("pwd", 990).auth;
        again.password_generation = 1;
        s.add_auth(again);
        assert_eq!(s.earlier.len(), 1);
        assert!(s.drop_stale(1));
        assert!(!s.drop_stale(2), "the latest itself is stale");
        assert!(s.earlier.is_empty());
    }

    #[test]
    fn timeouts() {
        let s = session("pwd", 1000);
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
