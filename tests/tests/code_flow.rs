//! The authorization code flow driven by the `openidconnect` crate as relying party,
//! with the checks the OpenID Foundation's Basic OP plan makes of every flow.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{CoreGenderClaim, CoreJwsSigningAlgorithm};
use openidconnect::{EmptyAdditionalClaims, OAuth2TokenResponse, TokenResponse, UserInfoClaims};
use portvakt_tests::browser::{Browser, param};
use portvakt_tests::flow::{sign_in, tokens};
use portvakt_tests::rp::Rp;
use portvakt_tests::server::{SECRET, TestServer};
use portvakt_tests::{Backend, on_both_backends};
use serde_json::Value;

fn jwt_part(jwt: &str, i: usize) -> Value {
    let part = jwt.split('.').nth(i).expect("jwt part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("json")
}

/// oidcc-server, oidcc-idtoken-signature, oidcc-userinfo-get, oidcc-scope-email.
async fn happy_flow(backend: Backend) {
    let server = TestServer::start(backend).await;
    let account = server.add_user("anna", "Losenord-1").await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let (flow, callback) = sign_in(&server, &rp, &["email"], &[], "anna", "Losenord-1").await;
    let code = param(&callback, "code").expect("code");
    // ≥ 128 bits of code (conformance: ≥ 128 bits length, ≥ 96 bits entropy).
    assert!(URL_SAFE_NO_PAD.decode(&code).expect("base64url code").len() >= 16);
    let tokens = rp.exchange(&code, flow.verifier).await.expect("exchange");
    let id_token = tokens.id_token().expect("id_token");
    let claims = id_token
        .claims(&rp.client.id_token_verifier(), &flow.nonce)
        .expect("the ID token verifies: signature, iss, aud, exp, nonce");
    assert_eq!(
        claims.subject().as_str(),
        account.id.as_str(),
        "sub is the opaque account id"
    );
    assert_eq!(
        claims.auth_context_ref().map(|a| a.as_str()),
        Some("urn:portvakt:acr:password")
    );
    assert_eq!(
        claims
            .auth_method_refs()
            .map(|v| v.iter().map(|a| a.as_str().to_owned()).collect::<Vec<_>>()),
        Some(vec!["pwd".to_string()])
    );
    assert!(claims.auth_time().is_some());
    assert!(
        claims.email().is_none(),
        "scope claims stay out of the ID token in the code flow"
    );
    let raw = id_token.to_string();
    let header = jwt_part(&raw, 0);
    assert_eq!(
        header["alg"], "RS256",
        "RS256 when the client registered no alg"
    );
    assert!(
        header["kid"].is_string(),
        "the ID token header names its key"
    );
    let payload = jwt_part(&raw, 1);
    assert_eq!(payload["azp"], "rp");
    assert!(payload["sid"].is_string());
    let exp = payload["exp"].as_i64().expect("exp");
    let iat = payload["iat"].as_i64().expect("iat");
    assert!(exp - iat <= 300, "ID tokens live at most 5 minutes");
    // The access token is an RFC 9068 JWT.
    let at = tokens.access_token().secret();
    assert_eq!(jwt_part(at, 0)["typ"], "at+jwt");
    assert_eq!(tokens.token_type().as_ref(), "bearer");
    assert!(tokens.refresh_token().is_some());
    let info: UserInfoClaims<EmptyAdditionalClaims, CoreGenderClaim> = rp
        .client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .expect("userinfo endpoint")
        .request_async(&rp.http)
        .await
        .expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some("test@example.se"));
    assert_eq!(info.email_verified(), Some(true));
    assert!(info.name().is_none(), "profile was not requested");
}

/// oidcc-ensure-request-without-nonce-succeeds-for-code-flow.
async fn no_nonce(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.add_user("anna", "Losenord-1").await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let flow = rp.start(&[], &[]);
    let url = flow
        .url
        .as_str()
        .split('&')
        .filter(|p| !p.starts_with("nonce="))
        .collect::<Vec<_>>()
        .join("&");
    let callback = Browser::new().sign_in(&url, "anna", "Losenord-1").await;
    let tokens = rp
        .exchange(&param(&callback, "code").expect("code"), flow.verifier)
        .await
        .expect("exchange");
    let payload = jwt_part(&tokens.id_token().expect("id").to_string(), 1);
    assert!(
        payload.get("nonce").is_none(),
        "no nonce sent, none returned"
    );
}

/// oidcc-scope-profile/-phone/-all, the Swedish naturalPersonNumber scope, and a
/// client registered for ES256 ID tokens and signed userinfo, using client_secret_post.
async fn scopes_algorithms_and_signed_userinfo(backend: Backend) {
    let server = TestServer::start(backend).await;
    server
        .add_account(
            |a| {
                a.username = Some("anna".into());
                a.personnummer = Some(
                    portvakt_core::identity::Personnummer::parse("9001010017", (2026, 1, 1))
                        .expect("pnr"),
                );
            },
            "Losenord-1",
        )
        .await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let t = tokens(
        &server,
        &rp,
        &[
            "profile",
            "email",
            "phone",
            "https://id.oidc.se/scope/naturalPersonNumber",
        ],
        "anna",
        "Losenord-1",
    )
    .await;
    let payload = jwt_part(&t.id_token().expect("id").to_string(), 1);
    assert_eq!(
        payload["https://id.oidc.se/claim/personalIdentityNumber"], "199001010017",
        "naturalPersonNumber puts the number in the ID token"
    );
    let http = reqwest::Client::new();
    let info: Value = http
        .get(server.url("/userinfo"))
        .bearer_auth(t.access_token().secret())
        .send()
        .await
        .expect("userinfo")
        .json()
        .await
        .expect("json");
    for claim in [
        "name",
        "given_name",
        "family_name",
        "email",
        "phone_number",
        "phone_number_verified",
    ] {
        assert!(
            info.get(claim).is_some(),
            "{claim} missing from userinfo: {info}"
        );
    }
    assert!(info["updated_at"].is_number());

    let rp2 = Rp::discover(&server.issuer, "rp2", Some(SECRET))
        .await
        .with_post_auth();
    let flow = rp2.start(&[], &[]);
    let callback = Browser::new()
        .sign_in(flow.url.as_str(), "anna", "Losenord-1")
        .await;
    let t2 = rp2
        .exchange(&param(&callback, "code").expect("code"), flow.verifier)
        .await
        .expect("post auth");
    let id = t2.id_token().expect("id");
    assert_eq!(jwt_part(&id.to_string(), 0)["alg"], "ES256");
    let verifier = rp2
        .client
        .id_token_verifier()
        .set_allowed_algs(vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256]);
    id.claims(&verifier, &flow.nonce)
        .expect("ES256 ID token verifies against the JWKS");
    let signed = http
        .get(server.url("/userinfo"))
        .bearer_auth(t2.access_token().secret())
        .send()
        .await
        .expect("userinfo");
    assert_eq!(signed.headers()["content-type"], "application/jwt");
    let jwt = signed.text().await.expect("body");
    let claims = jwt_part(&jwt, 1);
    assert_eq!(claims["aud"], "rp2");
    assert_eq!(claims["iss"], server.issuer.as_str());
}

/// oidcc-userinfo-post-header, oidcc-userinfo-post-body; both at once is refused.
async fn userinfo_methods(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.add_user("anna", "Losenord-1").await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let t = tokens(&server, &rp, &[], "anna", "Losenord-1").await;
    let at = t.access_token().secret();
    let http = reqwest::Client::new();
    let header = http
        .post(server.url("/userinfo"))
        .bearer_auth(at)
        .send()
        .await
        .expect("post header");
    assert_eq!(header.status(), 200);
    assert!(
        header.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("application/json")
    );
    let body = http
        .post(server.url("/userinfo"))
        .form(&[("access_token", at)])
        .send()
        .await
        .expect("post body");
    assert_eq!(body.status(), 200);
    let both = http
        .post(server.url("/userinfo"))
        .bearer_auth(at)
        .form(&[("access_token", at)])
        .send()
        .await
        .expect("both");
    assert_eq!(both.status(), 400);
    let none = http
        .get(server.url("/userinfo"))
        .send()
        .await
        .expect("none");
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    // An ID token is not an access token (RFC 9068 §4: typ must be at+jwt).
    let id = t.id_token().expect("id").to_string();
    let wrong = http
        .get(server.url("/userinfo"))
        .bearer_auth(&id)
        .send()
        .await
        .expect("id as at");
    assert_eq!(wrong.status(), 401);
}

/// oidcc-ensure-post-request-succeeds, oidcc-alternate-happy-flow,
/// oidcc-ensure-request-with-unknown-parameter-succeeds, display, ui_locales,
/// claims_locales, login_hint.
async fn request_variants(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.add_user("buffy", "Losenord-1").await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    // POST to the authorization endpoint works like GET.
    let flow = rp.start(&["email", "profile"], &[]);
    let browser = Browser::new();
    let pairs: Vec<(String, String)> = flow.url.query_pairs().into_owned().collect();
    let r = browser
        .http
        .post(server.url("/authorize"))
        .form(&pairs)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let login = server.url(r.headers()["location"].to_str().expect("loc"));
    let page = browser.page(&login).await;
    let (_, location) = browser
        .submit(&page, &[("username", "buffy"), ("password", "Losenord-1")])
        .await;
    let callback = url::Url::parse(&location).expect("callback");
    rp.exchange(&param(&callback, "code").expect("code"), flow.verifier)
        .await
        .expect("exchange");

    // Reversed scope order, extra unknown parameter, display, locales, login_hint.
    let flow = rp.start(
        &["profile", "email"],
        &[
            ("extra", "foobar"),
            ("display", "popup"),
            ("ui_locales", "se"),
            ("claims_locales", "se"),
            ("login_hint", "buffy"),
        ],
    );
    let page = Browser::new().open_login(flow.url.as_str()).await;
    assert_eq!(
        page.input_value("username").as_deref(),
        Some("buffy"),
        "login_hint prefills"
    );
    assert!(page.html.contains("lang=\"sv\""));
    let english = rp.start(&[], &[("ui_locales", "en-GB sv")]);
    let page = Browser::new().open_login(english.url.as_str()).await;
    assert!(page.html.contains("lang=\"en\"") && page.html.contains("Password"));
}

/// oidcc-ensure-request-with-valid-pkce-succeeds with a public client (PKCE required,
/// no secret), and the refresh token of a public client.
async fn public_client(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.add_user("anna", "Losenord-1").await;
    let rp = Rp::discover(&server.issuer, "spa", None).await;
    let t = tokens(&server, &rp, &[], "anna", "Losenord-1").await;
    assert!(t.id_token().is_some());
}

on_both_backends!(
    happy_flow,
    no_nonce,
    scopes_algorithms_and_signed_userinfo,
    userinfo_methods,
    request_variants,
    public_client,
);
