//! RP-Initiated Logout (every module of the conformance suite's logout plan) and
//! Back-Channel Logout, driven by the `openidconnect` RP over real HTTP (S20, S21, S27).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jws::HS256;
use josekit::jwt::{self, JwtPayload};
use openidconnect::core::CoreIdToken;
use openidconnect::{
    CsrfToken, IssuerUrl, LogoutRequest, OAuth2TokenResponse, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, TokenResponse,
};
use portvakt_core::audit::AuditKind;
use portvakt_core::ports::AuditLog;
use portvakt_tests::browser::{Browser, param};
use portvakt_tests::rp::{REDIRECT, Rp};
use portvakt_tests::server::{SECRET, Setup, TestServer};
use portvakt_tests::{Backend, on_both_backends};
use serde_json::{Value, json};
use std::time::Duration;

const LOGGED_OUT: &str = "https://rp.example/logged-out";

struct Signed {
    server: TestServer,
    rp: Rp,
    browser: Browser,
    id_token: String,
    refresh_token: String,
    /// The session cookie right after sign-in, to replay after logout: the browser
    /// drops a cleared cookie, so only a replay shows the server ended the session.
    session_key: String,
}

async fn signed_in_with(backend: Backend, setup: Setup) -> Signed {
    let server = TestServer::start_with(backend, setup).await;
    server.add_user("anna", "Losenord-1").await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let browser = Browser::new();
    let flow = rp.start(&[], &[]);
    let callback = browser
        .sign_in(flow.url.as_str(), "anna", "Losenord-1")
        .await;
    let t = rp
        .exchange(&param(&callback, "code").expect("code"), flow.verifier)
        .await
        .expect("exchange");
    Signed {
        session_key: browser
            .cookie(&server.issuer, "portvakt-session")
            .expect("session cookie"),
        id_token: t.id_token().expect("id").to_string(),
        refresh_token: t.refresh_token().expect("refresh").secret().clone(),
        server,
        rp,
        browser,
    }
}

async fn signed_in(backend: Backend) -> Signed {
    signed_in_with(backend, Setup::default()).await
}

impl Signed {
    /// The RP's logout URL as the `openidconnect` crate builds it from discovery
    /// (`end_session_endpoint`) with this session's ID token as the hint.
    async fn rp_logout_url(&self, redirect: Option<&str>, state: Option<&str>) -> String {
        let http = reqwest::Client::new();
        let meta = ProviderMetadataWithLogout::discover_async(
            IssuerUrl::new(self.server.issuer.clone()).expect("issuer"),
            &http,
        )
        .await
        .expect("discovery");
        let end_session = meta
            .additional_metadata()
            .end_session_endpoint
            .clone()
            .expect("end_session_endpoint is advertised");
        let hint: CoreIdToken = self.id_token.parse().expect("ID token");
        let mut req = LogoutRequest::from(end_session).set_id_token_hint(&hint);
        if let Some(uri) = redirect {
            req = req.set_post_logout_redirect_uri(
                PostLogoutRedirectUrl::new(uri.to_owned()).expect("url"),
            );
        }
        if let Some(st) = state {
            req = req.set_state(CsrfToken::new(st.to_owned()));
        }
        req.http_get_url().to_string()
    }

    async fn rp_logout(&self, redirect: Option<&str>, state: Option<&str>) -> reqwest::Response {
        let url = self.rp_logout_url(redirect, state).await;
        self.browser.http.get(url).send().await.expect("logout")
    }

    fn logout_url(&self, params: &[(&str, &str)]) -> String {
        let mut url = url::Url::parse(&self.server.url("/logout")).expect("url");
        url.query_pairs_mut().extend_pairs(params);
        url.to_string()
    }

    async fn get(&self, params: &[(&str, &str)]) -> reqwest::Response {
        self.browser
            .http
            .get(self.logout_url(params))
            .send()
            .await
            .expect("logout")
    }

    /// "Logged out" means a prompt=none request gets a login error (conformance plan),
    /// even from a browser that still presents the session cookie (S27).
    async fn is_logged_in(&self) -> bool {
        let replay = Browser::new();
        replay.jar.add_cookie_str(
            &format!("portvakt-session={}; Path=/", self.session_key),
            &self.server.issuer.parse().expect("url"),
        );
        let flow = self.rp.start(&[], &[("prompt", "none")]);
        let location = replay.authorize(flow.url.as_str()).await;
        let url = url::Url::parse(&location).expect("callback");
        match param(&url, "error").as_deref() {
            None => true,
            Some("login_required") => false,
            Some(other) => panic!("unexpected {other}"),
        }
    }

    /// Confirms on the confirmation page; returns the final page.
    async fn confirm(&self, page: &str) -> reqwest::Response {
        let marker = "name=\"token\" value=\"";
        let start = page.find(marker).expect("confirmation form") + marker.len();
        let token = &page[start..start + page[start..].find('"').expect("end")];
        self.browser
            .http
            .post(self.server.url("/logout/confirm"))
            .form(&[("token", token), ("lang", "sv")])
            .send()
            .await
            .expect("confirm")
    }
}

/// A page that asks to confirm, never a redirect.
async fn expect_confirmation(s: &Signed, r: reqwest::Response) {
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("location").is_none(), "must not redirect");
    let page = r.text().await.expect("html");
    assert!(page.contains("Vill du logga ut"), "{page}");
    assert!(
        s.is_logged_in().await,
        "nothing ends before the user confirms"
    );
    let done = s.confirm(&page).await;
    assert_eq!(done.status(), 200);
    assert!(done.text().await.expect("html").contains("Du är utloggad"));
    assert!(!s.is_logged_in().await);
}

/// oidcc-rp-initiated-logout: redirect to the exact URI with state and nothing else;
/// then logged out. Also: end_session_endpoint is advertised.
async fn rp_initiated_logout(backend: Backend) {
    let s = signed_in(backend).await;
    let d: Value = reqwest::get(s.server.url("/.well-known/openid-configuration"))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(d["end_session_endpoint"], s.server.url("/logout").as_str());
    assert_eq!(d["backchannel_logout_supported"], true);
    assert_eq!(d["backchannel_logout_session_supported"], true);
    assert!(s.is_logged_in().await);
    let r = s.rp_logout(Some(LOGGED_OUT), Some("st")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("{LOGGED_OUT}?state=st").as_str()
    );
    assert!(!s.is_logged_in().await);
}

/// oidcc-rp-initiated-logout-no-state.
async fn no_state(backend: Backend) {
    let s = signed_in(backend).await;
    let r = s.rp_logout(Some(LOGGED_OUT), None).await;
    assert_eq!(r.headers()["location"], LOGGED_OUT);
    assert!(!s.is_logged_in().await);
}

/// oidcc-rp-initiated-logout-bad-post-logout-redirect-uri and -query-added (S20).
async fn unregistered_or_altered_uri(backend: Backend) {
    for uri in [
        "https://rp.example/elsewhere",
        "https://rp.example/logged-out?foo=bar",
        "https://rp.example/logged-out/",
    ] {
        let s = signed_in(backend).await;
        let r = s
            .get(&[
                ("id_token_hint", &s.id_token),
                ("post_logout_redirect_uri", uri),
                ("state", "st"),
            ])
            .await;
        expect_confirmation(&s, r).await;
    }
}

fn alg_none(token: &str) -> String {
    let payload = token.split('.').nth(1).expect("payload");
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT"}).to_string());
    format!("{header}.{payload}.")
}

/// oidcc-rp-initiated-logout-modified-id-token-hint (alg none) and -bad-id-token-hint
/// (HS256 with the client secret, iss = client, aud = issuer): no redirect (S21).
async fn bad_hints(backend: Backend) {
    let s = signed_in(backend).await;
    let r = s
        .get(&[
            ("id_token_hint", &alg_none(&s.id_token)),
            ("post_logout_redirect_uri", LOGGED_OUT),
            ("state", "st"),
        ])
        .await;
    expect_confirmation(&s, r).await;

    let s = signed_in(backend).await;
    let mut p = JwtPayload::new();
    p.set_issuer("rp");
    p.set_audience(vec![s.server.issuer.as_str()]);
    p.set_subject("anyone");
    let signer = HS256.signer_from_bytes(SECRET.as_bytes()).expect("hmac");
    let forged =
        jwt::encode_with_signer(&p, &josekit::jws::JwsHeader::new(), &signer).expect("sign");
    let r = s
        .get(&[
            ("id_token_hint", &forged),
            ("post_logout_redirect_uri", LOGGED_OUT),
            ("state", "st"),
        ])
        .await;
    expect_confirmation(&s, r).await;
}

/// oidcc-rp-initiated-logout-no-id-token-hint: the client cannot be identified.
async fn no_hint(backend: Backend) {
    let s = signed_in(backend).await;
    let r = s
        .get(&[("post_logout_redirect_uri", LOGGED_OUT), ("state", "st")])
        .await;
    expect_confirmation(&s, r).await;
}

/// oidcc-rp-initiated-logout-no-post-logout-redirect-uri: logged out, and told so.
async fn no_redirect_uri(backend: Backend) {
    let s = signed_in(backend).await;
    let r = s.rp_logout(None, Some("st")).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("html").contains("Du är utloggad"));
    assert!(!s.is_logged_in().await);
}

/// oidcc-rp-initiated-logout-only-state and -no-params; POST works like GET.
async fn only_state_no_params_and_post(backend: Backend) {
    let s = signed_in(backend).await;
    let r = s.get(&[("state", "st")]).await;
    expect_confirmation(&s, r).await;
    let s = signed_in(backend).await;
    let r = s.get(&[]).await;
    expect_confirmation(&s, r).await;
    let s = signed_in(backend).await;
    let r = s
        .browser
        .http
        .post(s.server.url("/logout"))
        .form(&[
            ("id_token_hint", s.id_token.as_str()),
            ("post_logout_redirect_uri", LOGGED_OUT),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.headers()["location"], LOGGED_OUT);
    assert!(!s.is_logged_in().await);
    // A hint from a session that is already gone still redirects.
    let r = s
        .get(&[
            ("id_token_hint", &s.id_token),
            ("post_logout_redirect_uri", LOGGED_OUT),
        ])
        .await;
    assert_eq!(r.status(), 303);
    // A forged confirmation is refused.
    let r = s
        .browser
        .http
        .post(s.server.url("/logout/confirm"))
        .form(&[("token", "forged")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
}

/// Logout revokes the session's refresh tokens, unless the client holds offline_access.
async fn logout_revokes_refresh_tokens(backend: Backend) {
    let s = signed_in(backend).await;
    let flow = s.rp.start(&["offline_access"], &[]);
    let location = s.browser.authorize(flow.url.as_str()).await;
    let callback = url::Url::parse(&location).expect("sso callback");
    let offline =
        s.rp.exchange(&param(&callback, "code").expect("code"), flow.verifier)
            .await
            .expect("exchange");
    let offline_rt = offline.refresh_token().expect("refresh").secret().clone();
    s.get(&[
        ("id_token_hint", &s.id_token),
        ("post_logout_redirect_uri", LOGGED_OUT),
    ])
    .await;
    let refresh = |rt: String| {
        let http = reqwest::Client::new();
        let url = s.server.url("/token");
        async move {
            http.post(url)
                .basic_auth("rp", Some(SECRET))
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt.as_str()),
                ])
                .send()
                .await
                .expect("refresh")
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        refresh(s.refresh_token.clone()).await,
        400,
        "the session's refresh token is revoked"
    );
    assert_eq!(
        refresh(offline_rt).await,
        200,
        "offline access survives logout"
    );
}

/// Back-Channel Logout: every client of the session with a back-channel URI receives a
/// logout token that verifies against the JWKS; a client that cannot be reached is
/// retried and recorded, and the user's logout does not wait for it.
async fn back_channel(backend: Backend) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/bcl",
        axum::routing::post(
            move |form: axum::extract::Form<std::collections::HashMap<String, String>>| {
                let tx = tx.clone();
                let counter = counter.clone();
                async move {
                    // Fails twice: a delivery must be retried.
                    if counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2 {
                        return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    let _ = tx.send(form.get("logout_token").cloned().unwrap_or_default());
                    axum::http::StatusCode::OK
                }
            },
        ),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let mut setup = Setup::default();
    let rp = setup
        .clients
        .iter_mut()
        .find(|(n, _)| n == "rp.toml")
        .expect("rp");
    rp.1.push_str(&format!(
        "backchannel_logout_uri = \"http://127.0.0.1:{port}/bcl\"\n"
    ));
    let dead = setup
        .clients
        .iter_mut()
        .find(|(n, _)| n == "rp2.toml")
        .expect("rp2");
    dead.1
        .push_str("backchannel_logout_uri = \"http://127.0.0.1:9/unreachable\"\n");
    let s = signed_in_with(backend, setup).await;
    // The session also signs in to rp2, whose back channel is down.
    let rp2 = Rp::discover(&s.server.issuer, "rp2", Some(SECRET))
        .await
        .with_post_auth();
    let flow = rp2.start(&[], &[]);
    assert!(
        s.browser
            .authorize(flow.url.as_str())
            .await
            .starts_with(REDIRECT)
    );
    let started = std::time::Instant::now();
    let r = s
        .get(&[
            ("id_token_hint", &s.id_token),
            ("post_logout_redirect_uri", LOGGED_OUT),
        ])
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the user does not wait for back channels"
    );
    let token = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a logout token arrives")
        .expect("token");
    // Verify it against the published keys.
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().expect("h"))
            .expect("b64"),
    )
    .expect("json");
    assert_eq!(header["typ"], "logout+jwt");
    let jwks: Value = reqwest::get(s.server.url("/jwks.json"))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("kid published");
    let jwk = josekit::jwk::Jwk::from_map(key.as_object().expect("obj").clone()).expect("jwk");
    let verifier = josekit::jws::RS256
        .verifier_from_jwk(&jwk)
        .expect("verifier");
    let (claims, _) = jwt::decode_with_verifier(&token, &verifier).expect("signature verifies");
    let id: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(s.id_token.split('.').nth(1).expect("p"))
            .expect("b64"),
    )
    .expect("json");
    assert_eq!(claims.issuer(), Some(s.server.issuer.as_str()));
    assert_eq!(claims.audience(), Some(vec!["rp"]));
    assert_eq!(claims.claim("sid"), id.get("sid"));
    assert_eq!(claims.claim("sub"), id.get("sub"));
    assert!(
        claims
            .claim("events")
            .and_then(|e| e.get("http://schemas.openid.net/event/backchannel-logout"))
            .is_some()
    );
    assert!(
        claims.claim("nonce").is_none(),
        "a logout token never has a nonce"
    );
    assert!(claims.jwt_id().is_some() && claims.issued_at().is_some());
    assert!(claims.expires_at() > claims.issued_at(), "exp after iat");
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "two failures, retried, then delivered"
    );
    // The unreachable client: retried, then recorded.
    let mut recorded = false;
    for _ in 0..40 {
        let events = s.server.sql.recent(20).await.expect("audit");
        if events.iter().any(|e| {
            e.kind == AuditKind::BackchannelLogoutFailed
                && e.client_id.as_ref().map(|c| c.as_str()) == Some("rp2")
        }) {
            recorded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(recorded, "a failed back-channel delivery is audited");
    let events = s.server.sql.recent(20).await.expect("audit");
    assert!(events.iter().any(|e| e.kind == AuditKind::SessionEnded));
}

/// Someone else's valid ID token in a link does not log this browser out unasked; a
/// cross-site POST cannot confirm; an RP's cross-site form POST (no cookie) is turned
/// into a GET; an expired hint still identifies.
async fn hints_speak_for_their_own_session(backend: Backend) {
    let clock = std::sync::Arc::new(portvakt_core::time::ManualClock::at(
        portvakt_core::time::UnixTime::now(),
    ));
    let mut setup = Setup::default().clock(clock.clone());
    let rp = setup
        .clients
        .iter_mut()
        .find(|(n, _)| n == "rp.toml")
        .expect("rp");
    rp.1.push_str("id_token_ttl_secs = 1\n");
    let s = signed_in_with(backend, setup).await;
    s.server.add_user("mallory", "Losenord-9").await;
    let mallory = Browser::new();
    let flow = s.rp.start(&[], &[]);
    let callback = mallory
        .sign_in(flow.url.as_str(), "mallory", "Losenord-9")
        .await;
    let t =
        s.rp.exchange(&param(&callback, "code").expect("code"), flow.verifier)
            .await
            .expect("exchange");
    let mallorys = t.id_token().expect("id").to_string();
    // Mallory's link in Anna's browser: a confirmation, not a logout.
    let r = s
        .get(&[
            ("id_token_hint", &mallorys),
            ("post_logout_redirect_uri", LOGGED_OUT),
        ])
        .await;
    assert_eq!(r.status(), 200, "no redirect");
    let page = r.text().await.expect("html");
    assert!(page.contains("Vill du logga ut"));
    assert!(s.is_logged_in().await, "anna is still signed in");
    // A cross-site POST of the confirmation is refused.
    let marker = "name=\"token\" value=\"";
    let start = page.find(marker).expect("form") + marker.len();
    let token = &page[start..start + page[start..].find('"').expect("end")];
    let r = s
        .browser
        .http
        .post(s.server.url("/logout/confirm"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("token", token)])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    assert!(s.is_logged_in().await);
    // An RP's form POST arrives without the Lax cookie: it becomes a GET.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(s.server.url("/logout"))
        .form(&[("id_token_hint", s.id_token.as_str()), ("state", "x y")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().expect("loc").to_owned();
    assert!(location.starts_with("/logout?id_token_hint="), "{location}");
    assert!(location.contains("state=x+y"));
    // Anna's own hint, expired by now, still identifies her session.
    clock.advance(Duration::from_secs(2));
    let r = s
        .get(&[
            ("id_token_hint", &s.id_token),
            ("post_logout_redirect_uri", LOGGED_OUT),
            ("state", "st"),
        ])
        .await;
    assert_eq!(
        r.status(),
        303,
        "an expired hint is accepted for identification"
    );
    assert!(!s.is_logged_in().await);
}

/// A code issued in a session just before logout and redeemed after it: the code is
/// still good, but what it yields dies with the session (no offline_access).
async fn code_redeemed_after_logout_is_dead(backend: Backend) {
    let s = signed_in(backend).await;
    let flow = s.rp.start(&[], &[]);
    let location = s.browser.authorize(flow.url.as_str()).await;
    let code = param(&url::Url::parse(&location).expect("callback"), "code").expect("sso code");
    assert_eq!(s.rp_logout(Some(LOGGED_OUT), None).await.status(), 303);
    let t =
        s.rp.exchange(&code, flow.verifier)
            .await
            .expect("the code itself was valid");
    let http = reqwest::Client::new();
    let userinfo = http
        .get(s.server.url("/userinfo"))
        .bearer_auth(t.access_token().secret())
        .send()
        .await
        .expect("userinfo");
    assert_eq!(userinfo.status(), 401, "its access token is dead");
    let refresh = http
        .post(s.server.url("/token"))
        .basic_auth("rp", Some(SECRET))
        .form(&[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                t.refresh_token().expect("rt").secret().as_str(),
            ),
        ])
        .send()
        .await
        .expect("refresh");
    assert_eq!(refresh.status(), 400, "and so is its refresh token");
}

/// A valid hint from a browser without the session cookie (the RP's own server, another
/// device) ends the session it names.
async fn hint_from_another_browser(backend: Backend) {
    let s = signed_in(backend).await;
    let url = s.rp_logout_url(Some(LOGGED_OUT), Some("st")).await;
    let elsewhere = Browser::new();
    let r = elsewhere.http.get(url).send().await.expect("logout");
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("{LOGGED_OUT}?state=st").as_str()
    );
    assert!(!s.is_logged_in().await, "the named session ended");
}

on_both_backends!(
    code_redeemed_after_logout_is_dead,
    hint_from_another_browser,
    hints_speak_for_their_own_session,
    rp_initiated_logout,
    no_state,
    unregistered_or_altered_uri,
    bad_hints,
    no_hint,
    no_redirect_uri,
    only_state_no_params_and_post,
    logout_revokes_refresh_tokens,
    back_channel,
);
