//! Single sign-on sessions: the session-dependent modules of the conformance suite's
//! Basic plan (prompt-login, prompt-none, max-age-1/10000, id-token-hint), step-up, and
//! the session checklist items S26 and S28. Driven by the `openidconnect` RP.

use openidconnect::TokenResponse;
use openidconnect::core::CoreTokenResponse;
use portvakt_core::time::{ManualClock, UnixTime};
use portvakt_tests::browser::{Browser, param};
use portvakt_tests::flow::{claims, silently};
use portvakt_tests::rp::Rp;
use portvakt_tests::server::{SECRET, Setup, TestServer};
use portvakt_tests::{Backend, on_both_backends};
use std::sync::Arc;
use std::time::Duration;

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

async fn setup(backend: Backend) -> (TestServer, Rp) {
    let (server, rp, _) = setup_with_clock(backend).await;
    (server, rp)
}

/// [`setup`] on a manual clock the test moves instead of sleeping.
async fn setup_with_clock(backend: Backend) -> (TestServer, Rp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::at(UnixTime::now()));
    let server = TestServer::builder()
        .clock(clock.clone())
        .start(backend)
        .await;
    server.add_user("anna", "Losenord-1").await;
    server.add_user("bertil", "Losenord-2").await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    (server, rp, clock)
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
    let (_server, rp, clock) = setup_with_clock(backend).await;
    let browser = Browser::new();
    let first = sign_in(&rp, &browser, &[], "anna", "Losenord-1").await;
    clock.advance(Duration::from_secs(1));
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

/// oidcc-max-age-1 (two seconds later, on the server's clock) and oidcc-max-age-10000.
async fn max_age(backend: Backend) {
    let (_server, rp, clock) = setup_with_clock(backend).await;
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
    clock.advance(Duration::from_secs(2));
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
    let unsigned = {
        use base64::Engine;
        let payload = hint.split('.').nth(1).expect("payload");
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"alg":"none","typ":"JWT"}"#);
        format!("{header}.{payload}.")
    };
    assert_eq!(
        silently(
            &rp,
            &anna,
            &[("prompt", "none"), ("id_token_hint", &unsigned)]
        )
        .await
        .err()
        .as_deref(),
        Some("invalid_request"),
        "an unsigned hint is refused"
    );
    let access_token = openidconnect::OAuth2TokenResponse::access_token(&first)
        .secret()
        .clone();
    assert_eq!(
        silently(
            &rp,
            &anna,
            &[("prompt", "none"), ("id_token_hint", &access_token)]
        )
        .await
        .err()
        .as_deref(),
        Some("invalid_request"),
        "an access token is not an ID token"
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
    let setup = Setup::default().set("methods.customer.level", 2);
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
    // An attacker signs in and plants their own session key in the victim's browser.
    let attacker = Browser::new();
    sign_in(&rp, &attacker, &[], "bertil", "Losenord-2").await;
    let planted = attacker
        .cookie(&server.issuer, "portvakt-session")
        .expect("cookie");
    let victim = Browser::new();
    victim.jar.add_cookie_str(
        &format!("portvakt-session={planted}; Path=/"),
        &server.issuer.parse().expect("url"),
    );
    // Signing in as herself never adopts the planted key.
    let login = rp.start(&[], &[("prompt", "login")]);
    let callback = victim
        .sign_in(login.url.as_str(), "anna", "Losenord-1")
        .await;
    let t = rp
        .exchange(&param(&callback, "code").expect("code"), login.verifier)
        .await
        .expect("exchange");
    let k1 = victim
        .cookie(&server.issuer, "portvakt-session")
        .expect("cookie");
    assert_ne!(k1, planted, "a new key at login (S26)");
    assert_eq!(
        claims(&t)["sub"],
        claims(&silently(&rp, &victim, &[]).await.expect("sso"))["sub"]
    );
    // The attacker's session ended when another user signed in over it.
    assert_eq!(
        silently(&rp, &attacker, &[("prompt", "none")])
            .await
            .err()
            .as_deref(),
        Some("login_required")
    );
    // Every later login gets a new key too.
    sign_in(&rp, &victim, &[("prompt", "login")], "anna", "Losenord-1").await;
    let k2 = victim
        .cookie(&server.issuer, "portvakt-session")
        .expect("cookie");
    assert_ne!(k1, k2);
}

/// A server with these session timeouts on a manual clock, and rp2 allowed one idle
/// second.
async fn timeout_server(
    backend: Backend,
    idle: u64,
    absolute: u64,
) -> (TestServer, Rp, Rp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::at(UnixTime::now()));
    let mut setup = Setup::default().clock(clock.clone());
    setup.main.push_str(&format!(
        "\n[sessions]\nidle_timeout_secs = {idle}\nabsolute_timeout_secs = {absolute}\n"
    ));
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
    (server, rp, rp2, clock)
}

/// S28: idle and absolute timeouts, and a client's shorter idle timeout, on the
/// server's clock (moved, not waited for).
async fn timeouts(backend: Backend) {
    let none = [("prompt", "none")];
    // Idle: 4 s. Use extends it; a client may shorten it; left alone, it ends.
    let (_server, rp, rp2, clock) = timeout_server(backend, 4, 3600).await;
    let browser = Browser::new();
    sign_in(&rp, &browser, &[], "anna", "Losenord-1").await;
    let wait = |secs| clock.advance(Duration::from_secs(secs));
    wait(2);
    assert_eq!(
        silently(&rp2, &browser, &none).await.err().as_deref(),
        Some("login_required"),
        "rp2 allows one idle second"
    );
    silently(&rp, &browser, &none)
        .await
        .expect("rp allows four");
    wait(3);
    silently(&rp, &browser, &none).await.expect("used 3 s ago");
    wait(3);
    silently(&rp, &browser, &none)
        .await
        .expect("8 s after sign-in: use extended it");
    wait(4);
    assert_eq!(
        silently(&rp, &browser, &none).await.err().as_deref(),
        Some("login_required"),
        "idle for 4 s"
    );
    // Absolute: 5 s, however busy; idle would allow 60.
    let (_server, rp, _, clock) = timeout_server(backend, 60, 5).await;
    let browser = Browser::new();
    sign_in(&rp, &browser, &[], "anna", "Losenord-1").await;
    let wait = |secs| clock.advance(Duration::from_secs(secs));
    wait(2);
    silently(&rp, &browser, &none).await.expect("young");
    wait(2);
    silently(&rp, &browser, &none)
        .await
        .expect("still under 5 s");
    wait(1);
    assert_eq!(
        silently(&rp, &browser, &none).await.err().as_deref(),
        Some("login_required"),
        "the absolute timeout ends even a busy session"
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

/// S27: locking an account ends its session at the next use; unlocking does not bring
/// the session back.
async fn locked_account_ends_session(backend: Backend) {
    use portvakt_core::ports::AccountRepo;
    let (server, rp) = setup(backend).await;
    let browser = Browser::new();
    let t = sign_in(&rp, &browser, &[], "anna", "Losenord-1").await;
    silently(&rp, &browser, &[("prompt", "none")])
        .await
        .expect("sso before the lock");
    let id = portvakt_core::ids::AccountId(claims(&t)["sub"].as_str().expect("sub").to_owned());
    let now = portvakt_core::time::UnixTime::now();
    server
        .sql
        .set_locked(&id, Some(now), now)
        .await
        .expect("lock");
    assert_eq!(
        silently(&rp, &browser, &[("prompt", "none")])
            .await
            .err()
            .as_deref(),
        Some("login_required"),
        "a locked account's session answers nothing"
    );
    server.sql.set_locked(&id, None, now).await.expect("unlock");
    assert_eq!(
        silently(&rp, &browser, &[("prompt", "none")])
            .await
            .err()
            .as_deref(),
        Some("login_required"),
        "the session ended; unlocking does not revive it"
    );
}

on_both_backends!(
    locked_account_ends_session,
    prompt_none,
    prompt_login,
    max_age,
    id_token_hint,
    step_up,
    new_key_at_every_login,
    timeouts,
    consent,
);
