//! Single sign-on sessions: the session-dependent modules of the conformance suite's
//! Basic plan (prompt-login, prompt-none, max-age-1/10000, id-token-hint), step-up, and
//! the session checklist items S26 and S28. Driven by the `openidconnect` RP.

use openidconnect::core::CoreTokenResponse;
use openidconnect::{Nonce, TokenResponse};
use portvakt_tests::browser::{Browser, param};
use portvakt_tests::rp::{REDIRECT, Rp};
use portvakt_tests::server::{SECRET, Setup, TestServer};
use portvakt_tests::{Backend, on_both_backends};
use serde_json::Value;
use std::time::Duration;

fn claims(t: &CoreTokenResponse) -> Value {
    use base64::Engine;
    let jwt = t.id_token().expect("id token").to_string();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwt.split('.').nth(1).expect("payload"))
            .expect("b64"),
    )
    .expect("json")
}

/// Signs in through the login page with `browser`; returns the tokens.
async fn sign_in(
    rp: &Rp,
    browser: &Browser,
    extra: &[(&str, &str)],
    user: &str,
    pw: &str,
) -> CoreTokenResponse {
    let flow = rp.start(&[], extra);
    let callback = browser.sign_in(flow.url.as_str(), user, pw).await;
    let t = rp
        .exchange(&param(&callback, "code").expect("code"), flow.verifier)
        .await
        .expect("exchange");
    t.id_token()
        .expect("id")
        .claims(&rp.client.id_token_verifier(), &flow.nonce)
        .expect("verifies");
    t
}

/// Sends an authorization request that the session must answer without a page.
async fn silently(
    rp: &Rp,
    browser: &Browser,
    extra: &[(&str, &str)],
) -> Result<CoreTokenResponse, String> {
    let flow = rp.start(&[], extra);
    let location = browser.authorize(flow.url.as_str()).await;
    if !location.starts_with(REDIRECT) {
        return Err(format!("not silent: {location}"));
    }
    let url = url::Url::parse(&location).expect("url");
    if let Some(error) = param(&url, "error") {
        return Err(error);
    }
    let t = rp
        .exchange(&param(&url, "code").expect("code"), flow.verifier)
        .await
        .expect("exchange");
    let nonce: &Nonce = &flow.nonce;
    t.id_token()
        .expect("id")
        .claims(&rp.client.id_token_verifier(), nonce)
        .expect("verifies");
    Ok(t)
}

async fn setup(backend: Backend) -> (TestServer, Rp) {
    let server = TestServer::start(backend).await;
    server.add_user("anna", "Losenord-1").await;
    server.add_user("bertil", "Losenord-2").await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    (server, rp)
}

/// oidcc-prompt-none-logged-in and -not-logged-in.
async fn prompt_none(backend: Backend) {
    let (_server, rp) = setup(backend).await;
    let browser = Browser::new();
    assert_eq!(
        silently(&rp, &browser, &[("prompt", "none")])
            .await
            .err()
            .as_deref(),
        Some("login_required")
    );
    let first = sign_in(&rp, &browser, &[], "anna", "Losenord-1").await;
    let second = silently(&rp, &browser, &[("prompt", "none")])
        .await
        .expect("silent");
    let (a, b) = (claims(&first), claims(&second));
    assert_eq!(a["sub"], b["sub"]);
    assert_eq!(a["auth_time"], b["auth_time"]);
    assert_eq!(a["sid"], b["sid"], "one session, one sid");
    // Without prompt=none the session answers too: single sign-on.
    silently(&rp, &browser, &[]).await.expect("sso");
    // Another client of the same session.
    let rp2 = Rp::discover(&_server.issuer, "rp2", Some(SECRET))
        .await
        .with_post_auth();
    let flow = rp2.start(&[], &[("prompt", "none")]);
    let location = browser.authorize(flow.url.as_str()).await;
    assert!(location.contains("code="), "{location}");
}

/// oidcc-prompt-login: a new login even with a session; auth_time moves forward.
async fn prompt_login(backend: Backend) {
    let (_server, rp) = setup(backend).await;
    let browser = Browser::new();
    let first = sign_in(&rp, &browser, &[], "anna", "Losenord-1").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let flow = rp.start(&[], &[("prompt", "login")]);
    assert!(
        browser
            .authorize(flow.url.as_str())
            .await
            .starts_with("/login/"),
        "prompt=login shows the login page"
    );
    let second = sign_in(&rp, &browser, &[("prompt", "login")], "anna", "Losenord-1").await;
    assert!(claims(&second)["auth_time"].as_i64() > claims(&first)["auth_time"].as_i64());
}

/// oidcc-max-age-1 (with a real wait) and oidcc-max-age-10000.
async fn max_age(backend: Backend) {
    let (_server, rp) = setup(backend).await;
    let browser = Browser::new();
    let first = sign_in(&rp, &browser, &[("max_age", "15000")], "anna", "Losenord-1").await;
    let t1 = claims(&first)["auth_time"]
        .as_i64()
        .expect("auth_time is required with max_age");
    let again = silently(&rp, &browser, &[("max_age", "10000")])
        .await
        .expect("within max_age");
    assert_eq!(claims(&again)["auth_time"].as_i64(), Some(t1));
    assert_eq!(claims(&again)["sub"], claims(&first)["sub"]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let flow = rp.start(&[], &[("max_age", "1")]);
    assert!(
        browser
            .authorize(flow.url.as_str())
            .await
            .starts_with("/login/"),
        "max_age=1 after 2 s signs in again"
    );
    let fresh = sign_in(&rp, &browser, &[("max_age", "1")], "anna", "Losenord-1").await;
    assert!(claims(&fresh)["auth_time"].as_i64().expect("auth_time") > t1);
}

/// oidcc-id-token-hint: the same user is answered silently; another user's hint or a
/// forged one is not.
async fn id_token_hint(backend: Backend) {
    let (_server, rp) = setup(backend).await;
    let anna = Browser::new();
    let first = sign_in(&rp, &anna, &[], "anna", "Losenord-1").await;
    let hint = first.id_token().expect("id").to_string();
    let second = silently(&rp, &anna, &[("prompt", "none"), ("id_token_hint", &hint)])
        .await
        .expect("same user");
    assert_eq!(claims(&second)["sub"], claims(&first)["sub"]);
    assert_eq!(claims(&second)["auth_time"], claims(&first)["auth_time"]);
    let bertil = Browser::new();
    let other = sign_in(&rp, &bertil, &[], "bertil", "Losenord-2").await;
    let other_hint = other.id_token().expect("id").to_string();
    assert_eq!(
        silently(
            &rp,
            &anna,
            &[("prompt", "none"), ("id_token_hint", &other_hint)]
        )
        .await
        .err()
        .as_deref(),
        Some("login_required"),
        "a session of anna does not answer for bertil"
    );
    let mut forged = hint.clone();
    forged.push('x');
    assert_eq!(
        silently(
            &rp,
            &anna,
            &[("prompt", "none"), ("id_token_hint", &forged)]
        )
        .await
        .err()
        .as_deref(),
        Some("invalid_request")
    );
}

/// Step-up: a password session asked for a stronger acr signs in with that method (a new
/// session key, S26; the same sid), and the ID token names it. The reverse does not.
async fn step_up(backend: Backend) {
    let mut setup = Setup::default();
    setup.main = setup.main.replace(
        "identifier = \"customer_number\"",
        "identifier = \"customer_number\"\nlevel = 2",
    );
    let server = TestServer::start_with(backend, setup).await;
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
    let browser = Browser::new();
    let weak = sign_in(
        &rp,
        &browser,
        &[("acr_values", "urn:portvakt:acr:password")],
        "anna",
        "Losenord-1",
    )
    .await;
    let key_before = browser
        .cookie(&server.issuer, "portvakt-session")
        .expect("session cookie");
    let strong_acr = [("acr_values", "urn:test:acr:customer")];
    assert_eq!(
        silently(&rp, &browser, &[("prompt", "none"), strong_acr[0]])
            .await
            .err()
            .as_deref(),
        Some("login_required"),
        "a password session does not satisfy the stronger acr"
    );
    let stepped = sign_in(&rp, &browser, &strong_acr, "100200", "Losenord-1").await;
    assert_eq!(claims(&stepped)["acr"], "urn:test:acr:customer");
    assert_eq!(
        claims(&stepped)["sid"],
        claims(&weak)["sid"],
        "the same session, upgraded"
    );
    let key_after = browser
        .cookie(&server.issuer, "portvakt-session")
        .expect("session cookie");
    assert_ne!(key_before, key_after, "a new session key at step-up (S26)");
    // The old key no longer names a session.
    let stale = Browser::new();
    stale.jar.add_cookie_str(
        &format!("portvakt-session={key_before}; Path=/"),
        &server.issuer.parse().expect("url"),
    );
    assert_eq!(
        silently(&rp, &stale, &[("prompt", "none")])
            .await
            .err()
            .as_deref(),
        Some("login_required")
    );
    // The reverse: the strong session answers a password request silently.
    let down = silently(
        &rp,
        &browser,
        &[("acr_values", "urn:portvakt:acr:password")],
    )
    .await
    .expect("silent");
    assert_eq!(claims(&down)["acr"], "urn:portvakt:acr:password");
    let both = silently(
        &rp,
        &browser,
        &[(
            "acr_values",
            "urn:portvakt:acr:password urn:test:acr:customer",
        )],
    )
    .await
    .expect("silent");
    assert_eq!(
        claims(&both)["acr"],
        "urn:test:acr:customer",
        "the session's own acr when the RP accepts it"
    );
}

/// S26 at login: the session key is new after every login, never one the browser had.
async fn new_key_at_every_login(backend: Backend) {
    let (server, rp) = setup(backend).await;
    let browser = Browser::new();
    browser.jar.add_cookie_str(
        "portvakt-session=attacker-chosen-value-0123456789; Path=/",
        &server.issuer.parse().expect("url"),
    );
    sign_in(&rp, &browser, &[], "anna", "Losenord-1").await;
    let k1 = browser
        .cookie(&server.issuer, "portvakt-session")
        .expect("cookie");
    assert_ne!(k1, "attacker-chosen-value-0123456789");
    sign_in(&rp, &browser, &[("prompt", "login")], "anna", "Losenord-1").await;
    let k2 = browser
        .cookie(&server.issuer, "portvakt-session")
        .expect("cookie");
    assert_ne!(k1, k2);
    // Another user signing in in the same browser gets a different session altogether.
    let a = silently(&rp, &browser, &[]).await.expect("sso");
    let b = sign_in(
        &rp,
        &browser,
        &[("prompt", "login")],
        "bertil",
        "Losenord-2",
    )
    .await;
    assert_ne!(claims(&a)["sid"], claims(&b)["sid"]);
    assert_ne!(claims(&a)["sub"], claims(&b)["sub"]);
}

/// S28: idle timeout, and a client's shorter one.
async fn timeouts(backend: Backend) {
    let mut setup = Setup::default();
    setup
        .main
        .push_str("\n[sessions]\nidle_timeout_secs = 3\nabsolute_timeout_secs = 3600\n");
    let short = setup
        .clients
        .iter_mut()
        .find(|(n, _)| n == "rp2.toml")
        .expect("rp2");
    short.1.push_str("session_idle_timeout_secs = 1\n");
    let server = TestServer::start_with(backend, setup).await;
    server.add_user("anna", "Losenord-1").await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let rp2 = Rp::discover(&server.issuer, "rp2", Some(SECRET))
        .await
        .with_post_auth();
    let browser = Browser::new();
    sign_in(&rp, &browser, &[], "anna", "Losenord-1").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        silently(&rp2, &browser, &[("prompt", "none")])
            .await
            .err()
            .as_deref(),
        Some("login_required"),
        "rp2 allows one idle second"
    );
    silently(&rp, &browser, &[("prompt", "none")])
        .await
        .expect("rp allows three, and use extends it");
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(
        silently(&rp, &browser, &[("prompt", "none")])
            .await
            .err()
            .as_deref(),
        Some("login_required"),
        "idle past the deployment's timeout"
    );
}

/// prompt=consent: first-party clients (the default) proceed; others cannot be asked.
async fn consent(backend: Backend) {
    let mut setup = Setup::default();
    let third = setup
        .clients
        .iter_mut()
        .find(|(n, _)| n == "rp2.toml")
        .expect("rp2");
    third.1.push_str("first_party = false\n");
    let server = TestServer::start_with(backend, setup).await;
    server.add_user("anna", "Losenord-1").await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let browser = Browser::new();
    sign_in(
        &rp,
        &browser,
        &[("prompt", "consent")],
        "anna",
        "Losenord-1",
    )
    .await;
    let rp2 = Rp::discover(&server.issuer, "rp2", Some(SECRET))
        .await
        .with_post_auth();
    assert_eq!(
        silently(&rp2, &browser, &[("prompt", "consent")])
            .await
            .err()
            .as_deref(),
        Some("consent_required")
    );
}

on_both_backends!(
    prompt_none,
    prompt_login,
    max_age,
    id_token_hint,
    step_up,
    new_key_at_every_login,
    timeouts,
    consent,
);
