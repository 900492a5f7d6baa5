//! Which claims go where: scope claims (OIDC Core §5.4), the `claims` request parameter
//! (§5.5), and the Swedish profile's scopes (oidc-sweden "Attribute Specification" §3).

use crate::account::Account;
use crate::scope::{OIDC_SE_SCOPE, Scope};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The Swedish profile's claim prefix.
pub const OIDC_SE_CLAIM: &str = "https://id.oidc.se/claim/";

/// One requested claim (OIDC Core §5.5.1): `null` or an object.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ClaimRequest {
    /// Essential for the client's use.
    #[serde(default)]
    pub essential: bool,
    /// A specific value asked for.
    pub value: Option<Value>,
    /// Acceptable values in order of preference.
    pub values: Option<Vec<Value>>,
}

/// The parsed `claims` request parameter.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ClaimsRequest {
    /// Claims for the userinfo response.
    #[serde(default)]
    pub userinfo: BTreeMap<String, Option<ClaimRequest>>,
    /// Claims for the ID token.
    #[serde(default)]
    pub id_token: BTreeMap<String, Option<ClaimRequest>>,
}

impl ClaimsRequest {
    /// Parses the JSON parameter.
    pub fn parse(raw: &str) -> Result<Self, String> {
        serde_json::from_str(raw)
            .map_err(|e| format!("claims is not valid JSON of the OIDC Core §5.5 shape: {e}"))
    }

    /// The acr values an essential `acr` request accepts, if one was made (§5.5.1.1).
    /// An empty list means "essential, any value".
    pub fn essential_acr(&self) -> Option<Vec<String>> {
        let req = self.id_token.get("acr")?.as_ref()?;
        req.essential.then(|| req.string_values())
    }

    /// Every specific `sub` asked for (OIDC Core §5.5.1), in the ID token and in
    /// userinfo. All must be the person answered. A value that is not a string can name
    /// no account: it is kept as its JSON text, which matches none.
    pub fn requested_subs(&self) -> Vec<String> {
        [&self.id_token, &self.userinfo]
            .into_iter()
            .filter_map(|part| part.get("sub")?.as_ref()?.value.as_ref())
            .map(|v| match v.as_str() {
                Some(s) => s.to_owned(),
                None => format!("json:{v}"),
            })
            .collect()
    }

    /// Acr values requested through `claims` without `essential` (used after `acr_values`).
    pub fn requested_acr_values(&self) -> Vec<String> {
        match self.id_token.get("acr") {
            Some(Some(req)) if !req.essential => req.string_values(),
            _ => Vec::new(),
        }
    }
}

impl ClaimRequest {
    /// `value` and then `values`, the string ones.
    fn string_values(&self) -> Vec<String> {
        self.value
            .iter()
            .chain(self.values.iter().flatten())
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }
}

/// Where claims are being released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The ID token: scope claims stay out of it in the code flow (OIDC Core §5.4),
    /// except those the Swedish profile puts there.
    IdToken,
    /// The userinfo response.
    UserInfo,
}

/// Scopes this provider can answer, for discovery.
pub fn supported_scopes() -> Vec<String> {
    let mut s: Vec<String> = ["openid", "profile", "email", "phone", "offline_access"]
        .map(String::from)
        .to_vec();
    for name in [
        "naturalPersonInfo",
        "naturalPersonNumber",
        "naturalPersonOrgId",
    ] {
        s.push(format!("{OIDC_SE_SCOPE}{name}"));
    }
    s
}

/// Claims this provider can release, for discovery.
pub fn supported_claims() -> Vec<String> {
    let mut c: Vec<String> = [
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "acr",
        "amr",
        "azp",
        "sid",
        "name",
        "given_name",
        "family_name",
        "birthdate",
        "updated_at",
        "email",
        "email_verified",
        "phone_number",
        "phone_number_verified",
    ]
    .map(String::from)
    .to_vec();
    for name in [
        "personalIdentityNumber",
        "coordinationNumber",
        "orgNumber",
        "orgAffiliation",
    ] {
        c.push(format!("{OIDC_SE_CLAIM}{name}"));
    }
    c
}

/// Every claim the account can supply, by name.
fn available(account: &Account) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_owned(), v);
        }
    };
    put("name", account.name.clone().map(Value::from));
    put("given_name", account.given_name.clone().map(Value::from));
    put("family_name", account.family_name.clone().map(Value::from));
    put("updated_at", Some(json!(account.updated_at.0)));
    if account.email.is_some() {
        put("email", account.email.clone().map(Value::from));
        put("email_verified", Some(json!(account.email_verified)));
    }
    if account.phone.is_some() {
        put("phone_number", account.phone.clone().map(Value::from));
        put("phone_number_verified", Some(json!(account.phone_verified)));
    }
    if let Some(p) = &account.personnummer {
        let digits = p.as_str();
        let claim = if p.is_coordination_number() {
            "coordinationNumber"
        } else {
            "personalIdentityNumber"
        };
        put(&format!("{OIDC_SE_CLAIM}{claim}"), Some(json!(digits)));
        let day: u32 = digits[6..8].parse().unwrap_or(0);
        let day = if day > 60 { day - 60 } else { day };
        put(
            "birthdate",
            Some(json!(format!(
                "{}-{}-{day:02}",
                &digits[0..4],
                &digits[4..6]
            ))),
        );
        if let Some(org) = &account.org_number {
            put(
                &format!("{OIDC_SE_CLAIM}orgAffiliation"),
                Some(json!(format!("{digits}@{}", org.as_str()))),
            );
        }
    }
    if let Some(org) = &account.org_number {
        put(
            &format!("{OIDC_SE_CLAIM}orgNumber"),
            Some(json!(org.as_str())),
        );
    }
    m
}

/// The claims a scope asks for, and where each may go.
fn scope_claims(scope: &Scope, target: Target) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |list: &[&str]| names.extend(list.iter().map(|s| s.to_string()));
    let userinfo = target == Target::UserInfo;
    if userinfo && scope.contains("profile") {
        add(&[
            "name",
            "given_name",
            "family_name",
            "updated_at",
            "birthdate",
        ]);
    }
    if userinfo && scope.contains("email") {
        add(&["email", "email_verified"]);
    }
    if userinfo && scope.contains("phone") {
        add(&["phone_number", "phone_number_verified"]);
    }
    let se = |n: &str| format!("{OIDC_SE_SCOPE}{n}");
    if userinfo && scope.contains(&se("naturalPersonInfo")) {
        add(&["name", "given_name", "family_name", "birthdate"]);
    }
    if scope.contains(&se("naturalPersonNumber")) {
        names.push(format!("{OIDC_SE_CLAIM}personalIdentityNumber"));
        names.push(format!("{OIDC_SE_CLAIM}coordinationNumber"));
    }
    if scope.contains(&se("naturalPersonOrgId")) {
        if userinfo {
            names.push("name".into());
            names.push(format!("{OIDC_SE_CLAIM}orgNumber"));
        } else {
            names.push(format!("{OIDC_SE_CLAIM}orgAffiliation"));
        }
    }
    names
}

/// The user claims to release for `target`: those the granted scope implies, plus those
/// the `claims` parameter names (OIDC Core §5.5) — but only claims that some scope the
/// client is registered for would release, so `claims` never reaches past a client's
/// registration (a client without naturalPersonNumber never gets a personnummer).
/// Protocol claims (`sub`, `acr`, …) are added by the caller.
pub fn release(
    account: &Account,
    scope: &Scope,
    client_scopes: &[String],
    request: Option<&ClaimsRequest>,
    target: Target,
) -> Map<String, Value> {
    let all = available(account);
    let mut names = scope_claims(scope, target);
    if let Some(req) = request {
        let registered = Scope::parse(&client_scopes.join(" ")).unwrap_or_default();
        let mut permitted = scope_claims(&registered, Target::UserInfo);
        permitted.extend(scope_claims(&registered, Target::IdToken));
        let asked = match target {
            Target::IdToken => &req.id_token,
            Target::UserInfo => &req.userinfo,
        };
        names.extend(asked.keys().filter(|k| permitted.contains(k)).cloned());
    }
    let mut out = Map::new();
    for name in names {
        if let Some(v) = all.get(&name) {
            out.insert(name, v.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Personnummer;
    use crate::time::UnixTime;

    fn everything() -> Vec<String> {
        supported_scopes()
    }

    fn account() -> Account {
        let mut a = Account::new(UnixTime(1_700_000_000));
        a.name = Some("Anna Andersson".into());
        a.email = Some("anna@example.se".into());
        a.email_verified = true;
        a.personnummer = Some(Personnummer::parse("9001010017", (2026, 1, 1)).expect("valid"));
        a
    }

    #[test]
    fn code_flow_keeps_scope_claims_out_of_the_id_token() {
        let scope = Scope::parse("openid profile email").expect("scope");
        let id = release(&account(), &scope, &everything(), None, Target::IdToken);
        assert!(id.is_empty(), "{id:?}");
        let ui = release(&account(), &scope, &everything(), None, Target::UserInfo);
        assert_eq!(ui["email"], json!("anna@example.se"));
        assert_eq!(ui["name"], json!("Anna Andersson"));
        assert_eq!(ui["birthdate"], json!("1990-01-01"));
    }

    #[test]
    fn claims_parameter_adds_claims_to_the_id_token() {
        let scope = Scope::parse("openid").expect("scope");
        let req = ClaimsRequest::parse(
            r#"{"id_token":{"email":null},"userinfo":{"name":{"essential":true}}}"#,
        )
        .expect("valid");
        let id = release(
            &account(),
            &scope,
            &everything(),
            Some(&req),
            Target::IdToken,
        );
        assert_eq!(id["email"], json!("anna@example.se"));
        let ui = release(
            &account(),
            &scope,
            &everything(),
            Some(&req),
            Target::UserInfo,
        );
        assert_eq!(ui["name"], json!("Anna Andersson"));
        assert!(!ui.contains_key("email"));
    }

    #[test]
    fn natural_person_number_goes_in_both() {
        let scope =
            Scope::parse("openid https://id.oidc.se/scope/naturalPersonNumber").expect("scope");
        for t in [Target::IdToken, Target::UserInfo] {
            let c = release(&account(), &scope, &everything(), None, t);
            assert_eq!(
                c[&format!("{OIDC_SE_CLAIM}personalIdentityNumber")],
                json!("199001010017")
            );
        }
    }

    #[test]
    fn claims_parameter_cannot_reach_past_the_registration() {
        let scope = Scope::parse("openid").expect("scope");
        let pnr = format!("{OIDC_SE_CLAIM}personalIdentityNumber");
        let req = ClaimsRequest::parse(&format!(r#"{{"id_token":{{"{pnr}":null,"email":null}}}}"#))
            .expect("valid");
        let registered = vec!["openid".to_string(), "email".to_string()];
        let id = release(&account(), &scope, &registered, Some(&req), Target::IdToken);
        assert!(
            !id.contains_key(&pnr),
            "no naturalPersonNumber registration, no personnummer"
        );
        assert_eq!(id["email"], json!("anna@example.se"));
    }

    #[test]
    fn essential_acr() {
        let req =
            ClaimsRequest::parse(r#"{"id_token":{"acr":{"essential":true,"values":["a","b"]}}}"#)
                .expect("valid");
        assert_eq!(
            req.essential_acr(),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        let voluntary =
            ClaimsRequest::parse(r#"{"id_token":{"acr":{"value":"a"}}}"#).expect("valid");
        assert_eq!(voluntary.essential_acr(), None);
        assert_eq!(voluntary.requested_acr_values(), vec!["a".to_string()]);
    }
}
