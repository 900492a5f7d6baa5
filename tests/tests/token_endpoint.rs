//! Token, revocation and introspection endpoint rules (RFC 6749 §4.1.3/§5.2/§6,
//! RFC 7009, RFC 7662, RFC 7523, RFC 9700), on raw HTTP so every status and field is seen.

use josekit::jwk::Jwk;
use josekit::jws::{ES256, JwsHeader};
use josekit::jwt::{self, JwtPayload};
use openidconnect::{OAuth2TokenResponse, TokenResponse};
use portvakt_tests::browser::{Browser, param};
use portvakt_tests::rp::{REDIRECT, Rp};
use portvakt_tests::server::{SECRET, Setup, TestServer};
use portvakt_tests::{Backend, on_both_backends};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

struct Code {
    code: String,
    verifier: String,
}

/// Signs in with the standard client and returns an unredeemed code.
async fn code(server: &TestServer, client: &str) -> Code {
    let rp = Rp::discover(&server.issuer, client, Some(SECRET)).await;
    let flow = rp.start(&["email"], &[]);
    let callback = Browser::new()
        .sign_in(flow.url.as_str(), "anna", "Losenord-1")
        .await;
    Code {
        code: param(&callback, "code").expect("code"),
        verifier: flow.verifier.secret().clone(),
    }
}

async fn post_token(
    server: &TestServer,
    client: (&str, &str),
    form: &[(&str, &str)],
) -> (u16, Value, reqwest::header::HeaderMap) {
    let r = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(client.0, Some(client.1))
        .form(form)
        .send()
        .await
        .expect("token request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.json().await.unwrap_or(Value::Null), headers)
}

async fn redeem(server: &TestServer, c: &Code) -> (u16, Value, reqwest::header::HeaderMap) {
    post_token(
        server,
        ("rp", SECRET),
        &[
            ("grant_type", "authorization_code"),
            ("code", &c.code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &c.verifier),
        ],
    )
    .await
}

async fn userinfo_status(server: &TestServer, access_token: &str) -> u16 {
    reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .expect("userinfo")
        .status()
        .as_u16()
}

async fn introspect(server: &TestServer, token: &str) -> Value {
    reqwest::Client::new()
        .post(server.url("/introspect"))
        .basic_auth("rp", Some(SECRET))
        .form(&[("token", token)])
        .send()
        .await
        .expect("introspect")
        .json()
        .await
        .expect("json")
}

async fn server_with_anna(backend: Backend) -> TestServer {
    let server = TestServer::start(backend).await;
    server.add_user("anna", "Losenord-1").await;
    server
}

/// oidcc-codereuse: 400 invalid_grant, and what the first use issued is revoked (S5).
async fn code_reuse_revokes_everything(backend: Backend) {
    let server = server_with_anna(backend).await;
    let c = code(&server, "rp").await;
    let (status, first, headers) = redeem(&server, &c).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(headers["cache-control"], "no-store");
    let at = first["access_token"].as_str().expect("at");
    let rt = first["refresh_token"].as_str().expect("rt");
    assert_eq!(userinfo_status(&server, at).await, 200);
    let (status, second, headers) = redeem(&server, &c).await;
    assert_eq!(status, 400);
    assert_eq!(second["error"], "invalid_grant");
    assert!(
        !second["error_description"]
            .as_str()
            .unwrap_or("")
            .contains(['\r', '\n', '\t'])
    );
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(
        userinfo_status(&server, at).await,
        401,
        "the first access token is revoked"
    );
    assert_eq!(introspect(&server, at).await["active"], false);
    let (status, refreshed, _) = post_token(
        &server,
        ("rp", SECRET),
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
    )
    .await;
    assert_eq!(
        (status, refreshed["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

/// S6: twenty parallel redemptions of one code, exactly one success.
async fn parallel_redemption(backend: Backend) {
    let server = server_with_anna(backend).await;
    let c = code(&server, "rp").await;
    let server = std::sync::Arc::new(server);
    let c = std::sync::Arc::new(c);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (server, c) = (server.clone(), c.clone());
        tasks.push(tokio::spawn(async move { redeem(&server, &c).await }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        match t.await.expect("join") {
            (200, body, _) => winners.push(body),
            (400, body, _) => assert_eq!(body["error"], "invalid_grant"),
            (other, body, _) => panic!("unexpected status {other}: {body}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one redemption succeeds");
    // The other nineteen were reuses, so what the winner got is revoked (S5).
    let at = winners[0]["access_token"].as_str().expect("at");
    assert_eq!(userinfo_status(&server, at).await, 401);
}

/// Builds a token request's form from a code.
type FormFor = Box<dyn Fn(&Code) -> Vec<(String, String)>>;

/// S3, S8: the verifier must match; the code is bound to its redirect URI and client.
async fn code_bindings(backend: Backend) {
    let server = server_with_anna(backend).await;
    let cases: [(&str, FormFor); 5] = [
        (
            "no verifier",
            Box::new(|c: &Code| {
                vec![
                    ("code".into(), c.code.clone()),
                    ("redirect_uri".into(), REDIRECT.into()),
                ]
            }),
        ),
        (
            "wrong verifier",
            Box::new(|c: &Code| {
                vec![
                    ("code".into(), c.code.clone()),
                    ("redirect_uri".into(), REDIRECT.into()),
                    ("code_verifier".into(), "a".repeat(43)),
                ]
            }),
        ),
        (
            "other redirect_uri",
            Box::new(|c: &Code| {
                vec![
                    ("code".into(), c.code.clone()),
                    ("redirect_uri".into(), "https://rp.example/cb".into()),
                    ("code_verifier".into(), c.verifier.clone()),
                ]
            }),
        ),
        (
            "no redirect_uri",
            Box::new(|c: &Code| {
                vec![
                    ("code".into(), c.code.clone()),
                    ("code_verifier".into(), c.verifier.clone()),
                ]
            }),
        ),
        (
            "garbage code",
            Box::new(|c: &Code| {
                vec![
                    ("code".into(), "x".repeat(43)),
                    ("redirect_uri".into(), REDIRECT.into()),
                    ("code_verifier".into(), c.verifier.clone()),
                ]
            }),
        ),
    ];
    for (name, form) in cases {
        let c = code(&server, "rp").await;
        let mut pairs = form(&c);
        pairs.push(("grant_type".into(), "authorization_code".into()));
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let (status, body, _) = post_token(&server, ("rp", SECRET), &pairs).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{name}"
        );
    }
    // Another client cannot redeem rp's code.
    let c = code(&server, "rp").await;
    let r = reqwest::Client::new()
        .post(server.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", c.code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", c.verifier.as_str()),
            ("client_id", "rp2"),
            ("client_secret", SECRET),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.expect("json")["error"],
        "invalid_grant"
    );
}

/// RFC 6749 §5.2 shapes: bad client → 401 invalid_client with WWW-Authenticate; other errors 400.
async fn error_shapes(backend: Backend) {
    let server = server_with_anna(backend).await;
    let (status, body, headers) = post_token(
        &server,
        ("rp", "wrong"),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert!(headers.contains_key("www-authenticate"));
    assert_eq!(headers["cache-control"], "no-store");
    let (status, body, _) = post_token(
        &server,
        ("nobody", SECRET),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body, _) =
        post_token(&server, ("rp", SECRET), &[("grant_type", "password")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, body, _) = post_token(
        &server,
        ("rp", SECRET),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client")),
        "rp may not use client_credentials"
    );
    let (status, body, _) = post_token(&server, ("rp", SECRET), &[]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body, _) = post_token(
        &server,
        ("rp", SECRET),
        &[
            ("grant_type", "authorization_code"),
            ("grant_type", "authorization_code"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "repeated parameter"
    );
    // Two authentication methods at once.
    let r = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth("rp", Some(SECRET))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_secret", SECRET),
            ("client_id", "rp"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    // JSON bodies are not OAuth.
    let r = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth("rp", Some(SECRET))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
}

/// S13, S14 and oidcc-refresh-token: rotation, reuse revokes the grant, client binding.
async fn refresh_rotation(backend: Backend) {
    let server = server_with_anna(backend).await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let t =
        portvakt_tests::flow::tokens(&server, &rp, &["offline_access"], "anna", "Losenord-1").await;
    let rt1 = t.refresh_token().expect("refresh token").secret().clone();
    let first_id = t.id_token().expect("id").to_string();
    let refresh = |rt: String, client: (&'static str, &'static str)| {
        let server = &server;
        async move {
            post_token(
                server,
                client,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt.as_str()),
                ],
            )
            .await
        }
    };
    // Another client's refresh token is refused without being spent.
    let (status, body, _) = refresh(rt1.clone(), ("rp2", SECRET)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, second, headers) = refresh(rt1.clone(), ("rp", SECRET)).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(second["token_type"], "Bearer");
    let rt2 = second["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_owned();
    assert_ne!(rt1, rt2);
    let decode = |jwt: &str| -> Value {
        use base64::Engine;
        let p = jwt.split('.').nth(1).expect("payload");
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .expect("b64"),
        )
        .expect("json")
    };
    let (a, b) = (
        decode(&first_id),
        decode(second["id_token"].as_str().expect("new id token")),
    );
    for claim in ["iss", "sub", "aud", "azp", "auth_time", "acr"] {
        assert_eq!(
            a[claim], b[claim],
            "{claim} is kept across refresh (OIDC Core §12.2)"
        );
    }
    // A narrower scope is fine; a wider one is not.
    let (status, body, _) = post_token(
        &server,
        ("rp", SECRET),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt2.as_str()),
            ("scope", "openid profile address"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    // Replaying the spent token revokes the whole grant, including the newest token.
    let (status, body, _) = refresh(rt1, ("rp", SECRET)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _, _) = refresh(rt2, ("rp", SECRET)).await;
    assert_eq!(status, 400, "the grant is revoked");
    assert_eq!(
        userinfo_status(&server, second["access_token"].as_str().expect("at")).await,
        401
    );
}

/// RFC 7009 and RFC 7662.
async fn revocation_and_introspection(backend: Backend) {
    let server = server_with_anna(backend).await;
    let (_, t, _) = redeem(&server, &code(&server, "rp").await).await;
    let at = t["access_token"].as_str().expect("at");
    let rt = t["refresh_token"].as_str().expect("rt");
    let info = introspect(&server, at).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["client_id"], "rp");
    assert_eq!(info["token_type"], "Bearer");
    assert_eq!(introspect(&server, rt).await["active"], true);
    assert_eq!(
        introspect(&server, "garbage").await,
        json!({"active": false})
    );
    // Another client sees nothing.
    let other: Value = reqwest::Client::new()
        .post(server.url("/introspect"))
        .form(&[
            ("token", at),
            ("client_id", "rp2"),
            ("client_secret", SECRET),
        ])
        .send()
        .await
        .expect("introspect")
        .json()
        .await
        .expect("json");
    assert_eq!(other, json!({"active": false}));
    let revoke = |token: &str, client: &str| {
        reqwest::Client::new()
            .post(server.url("/revoke"))
            .basic_auth(client, Some(SECRET))
            .form(&[("token", token)])
            .send()
    };
    // Another client's token is refused (RFC 7009 §2.1) and stays valid.
    let r = revoke(at, "rp2").await.expect("revoke");
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.expect("json")["error"],
        "unauthorized_client"
    );
    assert_eq!(userinfo_status(&server, at).await, 200);
    // A wrong hint does not hide the token (RFC 7662 §2.1).
    let hinted: Value = reqwest::Client::new()
        .post(server.url("/introspect"))
        .basic_auth("rp", Some(SECRET))
        .form(&[("token", at), ("token_type_hint", "refresh_token")])
        .send()
        .await
        .expect("introspect")
        .json()
        .await
        .expect("json");
    assert_eq!(hinted["active"], true);
    // A public client cannot introspect.
    let public = reqwest::Client::new()
        .post(server.url("/introspect"))
        .form(&[("token", at), ("client_id", "spa")])
        .send()
        .await
        .expect("introspect");
    assert_eq!(public.status(), 401);
    assert_eq!(
        revoke("unknown-token", "rp")
            .await
            .expect("revoke")
            .status(),
        200
    );
    assert_eq!(userinfo_status(&server, at).await, 200);
    assert_eq!(revoke(at, "rp").await.expect("revoke").status(), 200);
    assert_eq!(userinfo_status(&server, at).await, 401);
    assert_eq!(introspect(&server, at).await["active"], false);
    assert_eq!(
        introspect(&server, rt).await["active"],
        true,
        "revoking an access token leaves the grant"
    );
    // Revoking the refresh token revokes the grant and every access token under it.
    let (_, t2, _) = redeem(&server, &code(&server, "rp").await).await;
    let at2 = t2["access_token"].as_str().expect("at");
    assert_eq!(
        revoke(t2["refresh_token"].as_str().expect("rt"), "rp")
            .await
            .expect("revoke")
            .status(),
        200
    );
    assert_eq!(userinfo_status(&server, at2).await, 401);
    let unauthenticated = reqwest::Client::new()
        .post(server.url("/revoke"))
        .form(&[("token", at2)])
        .send()
        .await
        .expect("revoke");
    assert_eq!(unauthenticated.status(), 401);
}

/// RFC 6749 §4.4.
async fn client_credentials(backend: Backend) {
    let server = server_with_anna(backend).await;
    let r = reqwest::Client::new()
        .post(server.url("/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "rp2"),
            ("client_secret", SECRET),
            ("scope", "email openid"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none());
    assert_eq!(body["scope"], "email");
    let at = body["access_token"].as_str().expect("at");
    let info = introspect(&server, at).await;
    assert_eq!(info["active"], false, "rp may not introspect rp2's token");
    // Not issued for openid: userinfo refuses it (RFC 6750 §3.1).
    let r = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(at)
        .send()
        .await
        .expect("userinfo");
    assert_eq!(r.status(), 403);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .expect("header")
            .contains("insufficient_scope")
    );
    assert_eq!(
        r.json::<Value>().await.expect("json")["error"],
        "insufficient_scope"
    );
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("time")
            .as_secs(),
    )
    .expect("i64")
}

/// private_key_jwt (RFC 7523 §2.2): a signed assertion works once; its replay is refused.
async fn private_key_jwt_replay(backend: Backend) {
    let key = ES256.generate_key_pair().expect("key");
    let mut public: Jwk = key.to_jwk_public_key();
    public.set_key_id("k1");
    let mut setup = Setup::default();
    setup.clients.push((
        "pkjwt.toml".into(),
        r#"client_id = "pkjwt"
display_name = "Key client"
token_endpoint_auth_method = "private_key_jwt"
jwks_file = "clients/pkjwt.jwks.json"
redirect_uris = ["http://127.0.0.1:9/cb"]
acr_values = ["urn:portvakt:acr:password"]
grant_types = ["client_credentials"]
"#
        .into(),
    ));
    setup.clients.push((
        "pkjwt.jwks.json".into(),
        json!({ "keys": [Value::Object(public.as_ref().clone())] }).to_string(),
    ));
    let server = TestServer::start_with(backend, setup).await;
    let signer = ES256
        .signer_from_jwk(&key.to_jwk_private_key())
        .expect("signer");
    let assertion = |jti: &str, aud: &str| {
        let mut p = JwtPayload::new();
        p.set_issuer("pkjwt");
        p.set_subject("pkjwt");
        p.set_audience(vec![aud]);
        p.set_jwt_id(jti);
        p.set_claim("exp", Some(json!(now() + 60))).expect("exp");
        p.set_claim("iat", Some(json!(now()))).expect("iat");
        let mut h = JwsHeader::new();
        h.set_key_id("k1");
        jwt::encode_with_signer(&p, &h, &signer).expect("sign")
    };
    let send = |jwt: String| {
        reqwest::Client::new()
            .post(server.url("/token"))
            .form(&[
                ("grant_type", "client_credentials".to_owned()),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                ),
                ("client_assertion", jwt),
            ])
            .send()
    };
    let token_endpoint = server.url("/token");
    let a1 = assertion("jti-1", &token_endpoint);
    assert_eq!(send(a1.clone()).await.expect("first").status(), 200);
    assert_eq!(
        send(a1).await.expect("replay").status(),
        401,
        "a replayed jti is refused"
    );
    // The issuer as audience is accepted too (conformance: client-assertion-with-iss-aud).
    assert_eq!(
        send(assertion("jti-2", &server.issuer))
            .await
            .expect("iss aud")
            .status(),
        200
    );
    assert_eq!(
        send(assertion("jti-3", "https://elsewhere.example"))
            .await
            .expect("bad aud")
            .status(),
        401
    );
    // Someone else's key.
    let stranger = ES256.generate_key_pair().expect("key");
    let other_signer = ES256
        .signer_from_jwk(&stranger.to_jwk_private_key())
        .expect("signer");
    let mut p = JwtPayload::new();
    p.set_issuer("pkjwt");
    p.set_subject("pkjwt");
    p.set_audience(vec![token_endpoint.as_str()]);
    p.set_jwt_id("jti-4");
    p.set_claim("exp", Some(json!(now() + 60))).expect("exp");
    let mut h = JwsHeader::new();
    h.set_key_id("k1");
    let forged = jwt::encode_with_signer(&p, &h, &other_signer).expect("sign");
    assert_eq!(send(forged).await.expect("forged").status(), 401);
}

on_both_backends!(
    code_reuse_revokes_everything,
    parallel_redemption,
    code_bindings,
    error_shapes,
    refresh_rotation,
    revocation_and_introspection,
    client_credentials,
    private_key_jwt_replay,
);
