//! The hosted login pages: forms, errors, CSRF and browser binding, headers, audit.

use portvakt_core::audit::AuditKind;
use portvakt_core::ports::AuditLog;
use portvakt_tests::browser::{Browser, param};
use portvakt_tests::rp::Rp;
use portvakt_tests::server::{SECRET, TestServer};
use portvakt_tests::{Backend, on_both_backends};

async fn setup(backend: Backend) -> (TestServer, Rp) {
    let server = TestServer::start(backend).await;
    server.add_user("anna", "Losenord-1").await;
    server
        .add_account(
            |a| {
                a.username = Some("locked".into());
                a.locked_at = Some(portvakt_core::time::UnixTime::now());
            },
            "Losenord-1",
        )
        .await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    (server, rp)
}

/// Wrong password, unknown user and locked account get the same answer (S32), shown
/// after a 303 (S19); the username is kept, the password is not.
async fn failures_look_alike(backend: Backend) {
    let (_server, rp) = setup(backend).await;
    let browser = Browser::new();
    let flow = rp.start(&[], &[]);
    let page = browser.open_login(flow.url.as_str()).await;
    let mut bodies = Vec::new();
    for (user, pw) in [
        ("anna", "wrong"),
        ("nobody", "Losenord-1"),
        ("locked", "Losenord-1"),
    ] {
        let (status, location) = browser
            .submit(&page, &[("username", user), ("password", pw)])
            .await;
        assert_eq!(status, 303);
        assert_eq!(
            location,
            format!("/login/{}", page.url.rsplit('/').next().expect("id"))
        );
        let again = browser.page(&page.url).await;
        assert!(
            again.html.contains("Fel användarnamn eller lösenord."),
            "{user}"
        );
        assert_eq!(again.input_value("username").as_deref(), Some(user));
        assert!(!again.html.contains(pw), "the password is never echoed");
        bodies.push(again.html.replace(user, "USER"));
    }
    assert_eq!(
        bodies[0], bodies[1],
        "unknown user and wrong password render the same page"
    );
    assert_eq!(
        bodies[0], bodies[2],
        "a locked account renders the same page"
    );
    // The message is shown once.
    assert!(
        !browser
            .page(&page.url)
            .await
            .html
            .contains("Fel användarnamn")
    );
    // Empty fields.
    browser
        .submit(&page, &[("username", ""), ("password", "")])
        .await;
    assert!(
        browser
            .page(&page.url)
            .await
            .html
            .contains("Fyll i alla fält.")
    );
    // Still works afterwards.
    let (status, location) = browser
        .submit(&page, &[("username", "anna"), ("password", "Losenord-1")])
        .await;
    assert_eq!(status, 303);
    assert!(location.contains("code="));
    // A finished login cannot be posted again.
    let r = browser
        .http
        .post(&page.url)
        .form(&[
            ("csrf", page.csrf().as_str()),
            ("username", "anna"),
            ("password", "Losenord-1"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("html").contains("redan avslutad"));
}

/// S25: the CSRF token, Sec-Fetch-Site and Origin are checked; the transaction is bound
/// to the browser that started it.
async fn forgery_is_refused(backend: Backend) {
    let (server, rp) = setup(backend).await;
    let browser = Browser::new();
    let flow = rp.start(&[], &[]);
    let page = browser.open_login(flow.url.as_str()).await;
    let creds = [("username", "anna"), ("password", "Losenord-1")];
    let (status, _) = browser
        .submit(&page, &[("csrf", "forged"), creds[0], creds[1]])
        .await;
    assert_eq!(status, 403);
    let r = browser
        .http
        .post(&page.url)
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", page.csrf().as_str()), creds[0], creds[1]])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let r = browser
        .http
        .post(&page.url)
        .header("origin", "https://evil.example")
        .form(&[("csrf", page.csrf().as_str()), creds[0], creds[1]])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    // Another browser (no cookie) cannot continue this login.
    let stranger = Browser::new();
    let r = stranger.http.get(&page.url).send().await.expect("get");
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("html").contains("annan webbläsare"));
    let r = stranger
        .http
        .post(&page.url)
        .form(&[("csrf", page.csrf().as_str()), creds[0], creds[1]])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    // An unknown transaction.
    let r = browser
        .http
        .get(server.url("/login/unknown"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 400);
    // The real browser still gets through.
    let (status, location) = browser.submit(&page, &creds).await;
    assert_eq!(status, 303);
    assert!(location.contains("code="));
}

/// The test kit's multi-step driver follows each step: a wrong password is the same
/// page with a message, the right one leads out to the client.
async fn steps_are_followed(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.add_user("anna", "Losenord-1").await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let browser = Browser::new();
    let page = browser.open_login(rp.start(&[], &[]).url.as_str()).await;
    let again = browser
        .step(&page, &[("username", "anna"), ("password", "fel")])
        .await
        .page();
    assert!(again.html.contains("role=\"alert\""), "{}", again.html);
    assert_eq!(again.input_value("username").as_deref(), Some("anna"));
    let back = browser
        .step(&again, &[("username", "anna"), ("password", "Losenord-1")])
        .await
        .client();
    assert!(param(&back, "code").is_some(), "{back}");
}

/// "Avbryt" returns access_denied to the client with state and iss.
async fn cancel(backend: Backend) {
    let (server, rp) = setup(backend).await;
    let browser = Browser::new();
    let flow = rp.start(&[], &[]);
    let page = browser.open_login(flow.url.as_str()).await;
    let (status, location) = browser.submit(&page, &[("action", "cancel")]).await;
    assert_eq!(status, 303);
    let url = url::Url::parse(&location).expect("callback");
    assert_eq!(param(&url, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        param(&url, "state").as_deref(),
        Some(flow.state.secret().as_str())
    );
    assert_eq!(param(&url, "iss").as_deref(), Some(server.issuer.as_str()));
}

/// S22–S24: headers of the login page and the browser cookie.
async fn page_headers_and_cookie(backend: Backend) {
    let (server, rp) = setup(backend).await;
    let browser = Browser::new();
    let flow = rp.start(&[], &[]);
    let r = browser
        .http
        .get(flow.url.as_str())
        .send()
        .await
        .expect("authorize");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    for part in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(
        r.headers().get("access-control-allow-origin").is_none(),
        "no CORS on /authorize (S18)"
    );
    let page = browser
        .page(&server.url(r.headers()["location"].to_str().expect("loc")))
        .await;
    let h = &page.headers;
    let csp = h["content-security-policy"].to_str().expect("csp");
    for part in [
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "'nonce-",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    // Labels and autocomplete for every input (plain HTML, no JavaScript needed).
    assert!(
        page.html
            .contains(r#"<label for="username">Användarnamn</label>"#)
    );
    assert!(
        page.html
            .contains(r#"<label for="password">Lösenord</label>"#)
    );
    assert!(page.html.contains(r#"autocomplete="username""#));
    assert!(page.html.contains(r#"autocomplete="current-password""#));
    assert!(!page.html.contains("<script"));
    // The language switch.
    let en = browser.page(&format!("{}?lang=en", page.url)).await;
    assert!(en.html.contains("Username") && en.html.contains(r#"lang="en""#));
    // Unknown paths get a page, not a bare 404.
    let r = browser
        .http
        .get(server.url("/nope"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    assert!(r.text().await.expect("html").contains("Sidan finns inte"));
}

/// S44: logins are audited, without secrets.
async fn audit_trail(backend: Backend) {
    let (server, rp) = setup(backend).await;
    let browser = Browser::new();
    let flow = rp.start(&[], &[]);
    let page = browser.open_login(flow.url.as_str()).await;
    // A spoofed X-Forwarded-For from a peer that is not a trusted proxy is ignored (S31).
    let r = browser
        .http
        .post(&page.url)
        .header("x-forwarded-for", "6.6.6.6")
        .form(&[
            ("csrf", page.csrf().as_str()),
            ("username", "anna"),
            ("password", "Fel-losen-99"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let (_, location) = browser
        .submit(&page, &[("username", "anna"), ("password", "Losenord-1")])
        .await;
    let code = param(&url::Url::parse(&location).expect("url"), "code").expect("code");
    rp.exchange(&code, flow.verifier).await.expect("exchange");
    let events = server.sql.recent(10).await.expect("audit");
    let kinds: Vec<AuditKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            AuditKind::TokensIssued,
            AuditKind::LoginSucceeded,
            AuditKind::LoginFailed
        ]
    );
    for e in &events {
        let text = format!("{e:?}");
        for secret in ["Losenord-1", "Fel-losen-99", code.as_str()] {
            assert!(!text.contains(secret), "audit event leaks a secret: {text}");
        }
        assert_eq!(e.client_id.as_ref().map(|c| c.as_str()), Some("rp"));
    }
    assert_eq!(events[1].ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(
        events[2].ip.as_deref(),
        Some("127.0.0.1"),
        "the spoofed address is not believed"
    );
}

/// S29: failures are counted per identifier (known or not) and refused past the limit,
/// before any password check; another identifier is unaffected. The poll endpoint answers
/// for a method with nothing to poll.
async fn throttling(backend: Backend) {
    let mut setup = portvakt_tests::server::Setup::default();
    setup
        .main
        .push_str("\n[login]\nmax_failures_per_account_and_ip = 3\nmax_failures_per_ip = 50\n");
    let server = TestServer::start_with(backend, setup).await;
    server.add_user("anna", "Losenord-1").await;
    server.add_user("bertil", "Losenord-2").await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let browser = Browser::new();
    let page = browser.open_login(rp.start(&[], &[]).url.as_str()).await;
    for user in ["anna", "nobody"] {
        for _ in 0..3 {
            browser
                .submit(&page, &[("username", user), ("password", "fel")])
                .await;
            assert!(
                browser
                    .page(&page.url)
                    .await
                    .html
                    .contains("Fel användarnamn")
            );
        }
        // The right password no longer helps: refused unchecked, the same for both.
        let (status, location) = browser
            .submit(&page, &[("username", user), ("password", "Losenord-1")])
            .await;
        assert_eq!(status, 303);
        assert!(!location.contains("code="), "{user} is throttled");
        assert!(
            browser
                .page(&page.url)
                .await
                .html
                .contains("tillfälligt spärrad"),
            "{user}"
        );
    }
    let (_, location) = browser
        .submit(&page, &[("username", "bertil"), ("password", "Losenord-2")])
        .await;
    assert!(
        location.contains("code="),
        "another identifier is unaffected"
    );
    // A fresh browser: bertil's session would answer without the login page.
    let browser = Browser::new();
    let page = browser.open_login(rp.start(&[], &[]).url.as_str()).await;
    let poll: serde_json::Value = browser
        .http
        .get(format!("{}/poll", page.url))
        .send()
        .await
        .expect("poll")
        .json()
        .await
        .expect("json");
    assert_eq!(poll["status"], "idle", "a form does not wait");
    // A page that waits loads the poll script from this origin; the CSP lets it run
    // and fetch, and nothing else.
    let script = browser
        .http
        .get(rp_issuer(&page.url, "/assets/login-poll.js"))
        .send()
        .await
        .expect("script");
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let body = script.text().await.expect("text");
    assert!(body.contains("data-poll") && !body.contains("eval("));
    let csp = browser
        .http
        .get(&page.url)
        .send()
        .await
        .expect("page")
        .headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
}

/// The origin of `url` with `path`.
fn rp_issuer(url: &str, path: &str) -> String {
    let u = url::Url::parse(url).expect("url");
    format!("{}{path}", u.origin().ascii_serialization())
}

on_both_backends!(
    steps_are_followed,
    throttling,
    failures_look_alike,
    forgery_is_refused,
    cancel,
    page_headers_and_cookie,
    audit_trail,
);
