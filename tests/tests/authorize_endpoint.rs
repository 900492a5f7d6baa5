//! Authorization endpoint rules (OIDC Core §3.1.2, RFC 6749 §4.1.2.1, RFC 9207, RFC 9700).

use openidconnect::TokenResponse;
use portvakt_tests::browser::{Browser, param};
use portvakt_tests::rp::{REDIRECT, Rp};
use portvakt_tests::server::{SECRET, TestServer};
use portvakt_tests::{Backend, on_both_backends};
use serde_json::Value;

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn authorize_url(server: &TestServer, params: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).expect("url");
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

fn base<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut p = vec![
        ("response_type", "code"),
        ("client_id", "rp"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid"),
        ("state", "xyz"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        p.retain(|(pk, _)| pk != k);
        if !v.is_empty() || *k == "response_type" {
            p.push((k, v));
        }
    }
    p
}

async fn get(url: &str) -> reqwest::Response {
    Browser::new().http.get(url).send().await.expect("get")
}

/// S1, oidcc-ensure-registered-redirect-uri, oidcc-redirect-uri-query-added: no
/// redirect for anything but an exact registered URI; a page explains instead.
async fn untrusted_requests_get_a_page(backend: Backend) {
    let server = TestServer::start(backend).await;
    let variants = [
        "http://127.0.0.1:9/cb/",
        "http://127.0.0.1:9/CB",
        "http://127.0.0.1:9/cb?x=1",
        "http://127.0.0.1:9/cb/extra",
        "http://127.0.0.2:9/cb",
        // Another port on a loopback IP is allowed (RFC 8252 §7.3; tests/hardening.rs).
        "https://rp.example/cb#frag",
        "HTTPS://rp.example/cb",
    ];
    for uri in variants {
        let r = get(&authorize_url(&server, &base(&[("redirect_uri", uri)]))).await;
        assert_eq!(r.status(), 400, "{uri}");
        assert!(
            r.headers().get("location").is_none(),
            "{uri} must not redirect"
        );
        let html = r.text().await.expect("html");
        assert!(html.contains("inte registrerad"), "{uri}: {html}");
    }
    for (what, params) in [
        ("unknown client", base(&[("client_id", "nobody")])),
        ("no client", base(&[("client_id", "")])),
        ("no redirect_uri", base(&[("redirect_uri", "")])),
    ] {
        let r = get(&authorize_url(&server, &params)).await;
        assert_eq!(r.status(), 400, "{what}");
        assert!(r.headers().get("location").is_none(), "{what}");
    }
    // English when asked.
    let r = get(&authorize_url(
        &server,
        &base(&[("client_id", "nobody"), ("ui_locales", "en")]),
    ))
    .await;
    assert!(r.text().await.expect("html").contains("not registered"));
}

/// Errors after the client is trusted go back with error, state and iss (RFC 9207).
async fn redirected_errors(backend: Backend) {
    let server = TestServer::start(backend).await;
    // (what, the request's parameters, the expected error)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            "missing response_type",
            base(&[("response_type", "")]),
            "invalid_request",
        ),
        (
            "token response_type",
            base(&[("response_type", "token")]),
            "unsupported_response_type",
        ),
        (
            "hybrid response_type",
            base(&[("response_type", "code id_token")]),
            "unsupported_response_type",
        ),
        (
            "request object",
            base(&[("request", "eyJhbGciOiJub25lIn0.e30.")]),
            "request_not_supported",
        ),
        (
            "request_uri",
            base(&[("request_uri", "https://rp.example/r")]),
            "request_uri_not_supported",
        ),
        (
            "plain PKCE",
            base(&[("code_challenge_method", "plain")]),
            "invalid_request",
        ),
        (
            "bad challenge",
            base(&[("code_challenge", "short")]),
            "invalid_request",
        ),
        ("no openid", base(&[("scope", "email")]), "invalid_scope"),
        ("prompt none", base(&[("prompt", "none")]), "login_required"),
        (
            "prompt none+login",
            base(&[("prompt", "none login")]),
            "invalid_request",
        ),
        ("bad max_age", base(&[("max_age", "-1")]), "invalid_request"),
        (
            "bad claims",
            base(&[("claims", "{not json")]),
            "invalid_request",
        ),
        (
            "essential acr unmet",
            base(&[(
                "claims",
                r#"{"id_token":{"acr":{"essential":true,"values":["urn:nobody"]}}}"#,
            )]),
            "unmet_authentication_requirements",
        ),
    ];
    for (name, params, error) in cases {
        let r = get(&authorize_url(&server, &params)).await;
        assert_eq!(r.status(), 303, "{name}");
        let location =
            url::Url::parse(r.headers()["location"].to_str().expect("loc")).expect("url");
        assert!(location.as_str().starts_with(REDIRECT), "{name}");
        assert_eq!(param(&location, "error").as_deref(), Some(error), "{name}");
        assert_eq!(param(&location, "state").as_deref(), Some("xyz"), "{name}");
        assert_eq!(
            param(&location, "iss").as_deref(),
            Some(server.issuer.as_str()),
            "{name}"
        );
        assert!(param(&location, "code").is_none(), "{name}");
        for (k, _) in location.query_pairs() {
            assert!(
                ["error", "error_description", "state", "iss"].contains(&k.as_ref()),
                "{name}: unexpected parameter {k}"
            );
        }
        let description = param(&location, "error_description").unwrap_or_default();
        assert!(
            description
                .chars()
                .all(|c| (' '..='~').contains(&c) && c != '"' && c != '\\'),
            "{name}: {description}"
        );
    }
    // No state sent: none returned.
    let r = get(&authorize_url(
        &server,
        &base(&[("state", ""), ("prompt", "none")]),
    ))
    .await;
    let location = url::Url::parse(r.headers()["location"].to_str().expect("loc")).expect("url");
    assert!(param(&location, "state").is_none());
    // A parameter sent twice.
    let twice = format!("{}&scope=openid", authorize_url(&server, &base(&[])));
    let r = get(&twice).await;
    let location = url::Url::parse(r.headers()["location"].to_str().expect("loc")).expect("url");
    assert_eq!(
        param(&location, "error").as_deref(),
        Some("invalid_request")
    );
}

/// A public client must send a PKCE challenge (S3).
async fn public_clients_need_pkce(backend: Backend) {
    let server = TestServer::start(backend).await;
    let r = get(&authorize_url(
        &server,
        &base(&[
            ("client_id", "spa"),
            ("code_challenge", ""),
            ("code_challenge_method", ""),
        ]),
    ))
    .await;
    let location = url::Url::parse(r.headers()["location"].to_str().expect("loc")).expect("url");
    assert_eq!(
        param(&location, "error").as_deref(),
        Some("invalid_request")
    );
    // So must a confidential client, unless its file says `require_pkce = false`
    // (RFC 9700 §2.1.1; tests/hardening.rs has the opt-out).
    let r = get(&authorize_url(
        &server,
        &base(&[("code_challenge", ""), ("code_challenge_method", "")]),
    ))
    .await;
    let location = url::Url::parse(r.headers()["location"].to_str().expect("loc")).expect("url");
    assert_eq!(
        param(&location, "error").as_deref(),
        Some("invalid_request")
    );
}

/// acr_values in preference order pick the method and the acr returned; the claims
/// parameter puts claims in the ID token; an essential acr that can be met is met.
async fn acr_routing_and_claims(backend: Backend) {
    let server = TestServer::start(backend).await;
    server
        .add_account(
            |a| {
                a.username = Some("anna".into());
                a.customer_number = Some("100200".into());
            },
            "Losenord-1",
        )
        .await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    // The RP prefers the customer-number method: its tab comes first and is active.
    let flow = rp.start(
        &[],
        &[(
            "acr_values",
            "urn:unknown urn:test:acr:customer urn:portvakt:acr:password",
        )],
    );
    let browser = Browser::new();
    let page = browser.open_login(flow.url.as_str()).await;
    assert!(page.html.contains("Kundnummer"), "{}", page.html);
    let customer_tab = page.html.find("method=customer").expect("customer tab");
    let password_tab = page.html.find("method=password").expect("password tab");
    assert!(
        customer_tab < password_tab,
        "tabs follow the RP's preference"
    );
    let (_, location) = browser
        .submit(&page, &[("username", "100200"), ("password", "Losenord-1")])
        .await;
    let callback = url::Url::parse(&location).expect("callback");
    let t = rp
        .exchange(&param(&callback, "code").expect("code"), flow.verifier)
        .await
        .expect("exchange");
    let claims = t
        .id_token()
        .expect("id")
        .claims(&rp.client.id_token_verifier(), &flow.nonce)
        .expect("claims");
    assert_eq!(
        claims.auth_context_ref().map(|a| a.as_str()),
        Some("urn:test:acr:customer")
    );

    // Switching tab to the password method satisfies the password acr.
    // A fresh browser: a session would answer without the login page.
    let browser = Browser::new();
    let flow = rp.start(
        &[],
        &[(
            "acr_values",
            "urn:test:acr:customer urn:portvakt:acr:password",
        )],
    );
    let page = browser.open_login(flow.url.as_str()).await;
    let password_page = browser.page(&format!("{}?method=password", page.url)).await;
    assert!(password_page.html.contains("Användarnamn"));
    let (_, location) = browser
        .submit(
            &password_page,
            &[("username", "anna"), ("password", "Losenord-1")],
        )
        .await;
    let callback = url::Url::parse(&location).expect("callback");
    let t = rp
        .exchange(&param(&callback, "code").expect("code"), flow.verifier)
        .await
        .expect("exchange");
    let claims = t
        .id_token()
        .expect("id")
        .claims(&rp.client.id_token_verifier(), &flow.nonce)
        .expect("claims");
    assert_eq!(
        claims.auth_context_ref().map(|a| a.as_str()),
        Some("urn:portvakt:acr:password")
    );

    // oidcc-claims-essential and an essential acr that can be met; email via claims
    // A fresh browser: a session would answer without the login page.
    let browser = Browser::new();
    // lands in the ID token.
    let claims_param = r#"{"id_token":{"acr":{"essential":true,"value":"urn:portvakt:acr:password"},"email":null},"userinfo":{"name":{"essential":true}}}"#;
    let flow = rp.start(&[], &[("claims", claims_param)]);
    let callback = browser
        .sign_in(flow.url.as_str(), "anna", "Losenord-1")
        .await;
    let t = rp
        .exchange(&param(&callback, "code").expect("code"), flow.verifier)
        .await
        .expect("exchange");
    let raw = t.id_token().expect("id").to_string();
    use base64::Engine;
    let payload: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw.split('.').nth(1).expect("payload"))
            .expect("b64"),
    )
    .expect("json");
    assert_eq!(payload["acr"], "urn:portvakt:acr:password");
    assert_eq!(payload["email"], "test@example.se");
    let info: Value = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(openidconnect::OAuth2TokenResponse::access_token(&t).secret())
        .send()
        .await
        .expect("userinfo")
        .json()
        .await
        .expect("json");
    assert_eq!(info["name"], "Test Testsson");
    assert!(
        info.get("email").is_none(),
        "email was asked for the ID token only"
    );

    // oidcc-ensure-request-with-acr-values-succeeds with values the client does not use:
    // A fresh browser: a session would answer without the login page.
    let browser = Browser::new();
    // the request still succeeds with the client's default.
    let flow = rp.start(&[], &[("acr_values", "1 2")]);
    let callback = browser
        .sign_in(flow.url.as_str(), "anna", "Losenord-1")
        .await;
    assert!(param(&callback, "code").is_some());
}

on_both_backends!(
    untrusted_requests_get_a_page,
    redirected_errors,
    public_clients_need_pkce,
    acr_routing_and_claims,
);
