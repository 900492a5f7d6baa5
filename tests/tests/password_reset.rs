//! The password method's lockout and the municipality's reset by SMS code (seed 001,
//! docs/password-reset.md), over HTTP like a browser without JavaScript, on both
//! backend pairs.

use portvakt_core::audit::AuditKind;
use portvakt_core::ports::AccountRepo;
use portvakt_core::time::{ManualClock, UnixTime};
use portvakt_tests::browser::{Browser, LoginPage, Step, param, sms_texts, wait_for_sms};
use portvakt_tests::flow::silently;
use portvakt_tests::rp::Rp;
use portvakt_tests::server::{SECRET, Setup, TestServer};
use portvakt_tests::{Backend, on_both_backends};
use std::sync::Arc;
use std::time::Duration;

const MOBILE: &str = "+46701234567";
const PASSWORD: &str = "Gammalt-losen1";
const WRONG: &str = "Fel användarnamn eller lösenord.";
const DESK: &str = "Kontakta Servicedesk på tel. 0142-36 6000";

/// The municipality's configuration: lockout after 3, the guide's policy, a reset.
fn setup() -> Setup {
    let mut setup = TestServer::builder()
        .set("methods.password.lockout_failures", 3)
        .set("methods.password.lockout_minutes", 0);
    setup.main.push_str(
        r#"
[methods.password.policy]
min_length = 8
require_upper = true
require_digit = true
forbidden_characters = "åäö"
history = 5

[methods.password.reset]
no_mobile_text = { sv = "Ditt mobilnummer finns inte registrerat. Kontakta Servicedesk på tel. 0142-36 6000 för vidare hjälp.", en = "Call the Service desk." }
"#,
    );
    setup
}

async fn start(backend: Backend, setup: Setup) -> TestServer {
    portvakt_tests::logs::capture();
    setup.start(backend).await
}

/// A member of staff: `username`, with a customer number too, and a mobile if given.
async fn staff(server: &TestServer, username: &str, mobile: Option<&str>) {
    let customer = format!(
        "9{}",
        username.len() * 1000 + username.bytes().map(usize::from).sum::<usize>()
    );
    server
        .add_account(
            |a| {
                a.username = Some(username.to_owned());
                a.customer_number = Some(customer);
                a.phone = mobile.map(str::to_owned);
            },
            PASSWORD,
        )
        .await;
}

/// The login page of a new authorization request of client `rp`, in `browser`.
async fn login_page(server: &TestServer, browser: &Browser, extra: &[(&str, &str)]) -> LoginPage {
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    browser.open_login(rp.start(&[], extra).url.as_str()).await
}

async fn password(browser: &Browser, page: &LoginPage, user: &str, pw: &str) -> Step {
    browser
        .step(page, &[("username", user), ("password", pw)])
        .await
}

/// "Har du problem att logga in?" with `username` typed: the reset's first page.
async fn trouble(browser: &Browser, page: &LoginPage, username: &str) -> LoginPage {
    assert!(
        page.html.contains("Har du problem att logga in?"),
        "{}",
        page.html
    );
    browser
        .step(
            page,
            &[("username", username), ("action", "flow:reset-password")],
        )
        .await
        .page()
}

/// The first run of six digits in a text.
fn six_digits(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .unwrap_or_else(|| panic!("no six-digit code in {text}"))
        .to_owned()
}

/// From the login page to the two choices, with the code from the outbox.
async fn reset_to_choices(
    server: &TestServer,
    browser: &Browser,
    page: &LoginPage,
    user: &str,
    sms_before: usize,
) -> LoginPage {
    let first = trouble(browser, page, user).await;
    assert_eq!(first.input_value("username").as_deref(), Some(user));
    let enter = browser.step(&first, &[("username", user)]).await.page();
    for expected in [
        "Skriv in din återställningskod",
        "name=\"code\"",
        "autocomplete=\"one-time-code\"",
        "Nästa",
    ] {
        assert!(enter.html.contains(expected), "{expected}: {}", enter.html);
    }
    let code = six_digits(&wait_for_sms(&server.issuer, MOBILE, sms_before + 1).await[0]);
    let choose = browser.step(&enter, &[("code", &code)]).await.page();
    for expected in [
        "name=\"action\" value=\"unlock\"",
        "Behåll ditt nuvarande lösenord och lås upp ditt konto",
        "value=\"new_password\"",
        "Ange ett nytt lösenord och lås upp ditt konto",
        "autocomplete=\"new-password\"",
        "Minst 8 tecken",
        "Minst en stor bokstav",
        "Minst en siffra",
        "Får inte innehålla å, ä eller ö",
        "Får inte vara ett lösenord som du haft tidigare",
    ] {
        assert!(
            choose.html.contains(expected),
            "{expected}: {}",
            choose.html
        );
    }
    choose
}

/// Posts the choices page without the kit's default `action=submit` (the radio group
/// is `action`): the status, and the page (200: the last page) or where it redirects.
async fn choose(browser: &Browser, page: &LoginPage, fields: &[(&str, &str)]) -> (u16, String) {
    let mut form: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    form.push(("csrf", page.csrf()));
    let r = browser
        .http
        .post(&page.url)
        .form(&form)
        .send()
        .await
        .expect("post");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().expect("location").to_owned());
    match location {
        Some(l) => (status, l),
        None => (status, r.text().await.expect("page")),
    }
}

async fn failures_lock_the_password_method(backend: Backend) {
    let server = start(backend, setup()).await;
    staff(&server, "anna", Some(MOBILE)).await;
    // Anna's own browser signs in once: it is known from now on.
    let own = Browser::new();
    let page = login_page(&server, &own, &[]).await;
    password(&own, &page, "anna", PASSWORD).await.client();

    let stranger = Browser::new();
    let mut page = login_page(&server, &stranger, &[]).await;
    for _ in 0..3 {
        page = password(&stranger, &page, "anna", "fel-losen").await.page();
        assert!(page.html.contains(WRONG));
    }
    assert_eq!(server.audit_count(AuditKind::LoginLockedOut).await, 1);
    let locked = password(&stranger, &page, "anna", PASSWORD).await.page();
    assert!(locked.html.contains(WRONG), "locked: the same answer");
    // Another method is not locked: the customer-number tab of the same account.
    let customer = server
        .sql
        .find_by_username("anna")
        .await
        .expect("find")
        .and_then(|a| a.customer_number)
        .expect("customer number");
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let other = Browser::new();
    let page = other
        .open_login(
            rp.start(&[], &[("acr_values", "urn:test:acr:customer")])
                .url
                .as_str(),
        )
        .await;
    password(&other, &page, &customer, PASSWORD).await.client();
    // The owner's usual browser is not locked out.
    let page = login_page(&server, &own, &[("prompt", "login")]).await;
    password(&own, &page, "anna", PASSWORD).await.client();

    // Parallel failures lock too: of 6 at once, some lock, and then the right one fails.
    staff(&server, "bertil", Some("+46709876543")).await;
    let browsers: Vec<Browser> = (0..6).map(|_| Browser::new()).collect();
    let mut pages = Vec::new();
    for b in &browsers {
        pages.push(login_page(&server, b, &[]).await);
    }
    let attempts = browsers
        .iter()
        .zip(&pages)
        .map(|(b, p)| password(b, p, "bertil", "fel-losen"));
    futures::future::join_all(attempts).await;
    let page = login_page(&server, &browsers[0], &[]).await;
    let refused = password(&browsers[0], &page, "bertil", PASSWORD)
        .await
        .page();
    assert!(
        refused.html.contains(WRONG),
        "locked after parallel failures"
    );
    // Until unlocked (lockout_minutes = 0): the administrator unlocks.
    server.cli(&["users", "unlock", "bertil"], None);
    password(&browsers[0], &refused, "bertil", PASSWORD)
        .await
        .client();
}

async fn reset_unlocks_or_sets_a_new_password(backend: Backend) {
    let server = start(backend, setup()).await;
    staff(&server, "anna", Some(MOBILE)).await;
    // Tokens and a session from before the reset.
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let before = Browser::new();
    let flow = rp.start(&["offline_access"], &[]);
    let page = before.open_login(flow.url.as_str()).await;
    let callback = password(&before, &page, "anna", PASSWORD).await.client();
    let tokens = rp
        .exchange(&param(&callback, "code").expect("code"), flow.verifier)
        .await
        .expect("tokens");
    let refresh = openidconnect::OAuth2TokenResponse::refresh_token(&tokens)
        .expect("refresh token")
        .secret()
        .clone();

    // Locked by a stranger, then unlocked by Anna with the code, keeping the password.
    let browser = Browser::new();
    let mut page = login_page(&server, &browser, &[]).await;
    for _ in 0..3 {
        page = password(&browser, &page, "anna", "fel-losen").await.page();
    }
    let choices = reset_to_choices(&server, &browser, &page, "anna", 0).await;
    let (status, done) = choose(&browser, &choices, &[("action", "unlock")]).await;
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("Ditt konto är nu upplåst"), "{done}");
    let login_path = page
        .url
        .split_once("/login/")
        .map(|(_, id)| id)
        .expect("login id");
    assert!(
        done.contains(&format!("href=\"/login/{login_path}\"")) && done.contains(">Slutför<"),
        "Slutför leads back to the same login: {done}"
    );
    assert_eq!(server.audit_count(AuditKind::AccountUnlocked).await, 1);
    // There the old password works again.
    let back = browser.page(&page.url).await;
    password(&browser, &back, "anna", PASSWORD).await.client();

    // A new password: each rule named, history refused, then done.
    let page = login_page(&server, &browser, &[("prompt", "login")]).await;
    let choices = reset_to_choices(&server, &browser, &page, "anna", 1).await;
    for (new, confirm, expected) in [
        (
            "Vinter2026x",
            "Vinter2026y",
            "De två lösenorden är inte lika",
        ),
        ("kort", "kort", "Uppfylls inte:"),
        (
            "vinter2026x",
            "vinter2026x",
            "Uppfylls inte: </strong>Minst en stor bokstav",
        ),
        (
            "Vintersolx",
            "Vintersolx",
            "Uppfylls inte: </strong>Minst en siffra",
        ),
        (
            "Vinterö2026",
            "Vinterö2026",
            "Uppfylls inte: </strong>Får inte innehålla å, ä eller ö",
        ),
        (
            PASSWORD,
            PASSWORD,
            "Uppfylls inte: </strong>Får inte vara ett lösenord som du haft tidigare",
        ),
    ] {
        let (status, _) = choose(
            &browser,
            &choices,
            &[
                ("action", "new_password"),
                ("new_password", new),
                ("new_password_confirm", confirm),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let again = browser.page(&choices.url).await;
        assert!(
            again.html.contains(expected),
            "{new}: {expected}: {}",
            again.html
        );
    }
    let (status, done) = choose(
        &browser,
        &choices,
        &[
            ("action", "new_password"),
            ("new_password", "Vinter2026x"),
            ("new_password_confirm", "Vinter2026x"),
        ],
    )
    .await;
    assert_eq!(status, 200, "done");
    assert!(done.contains("ditt nya lösenord sparat"), "{done}");
    assert_eq!(server.audit_count(AuditKind::PasswordChanged).await, 1);
    // S14: the refresh token and the session from before are dead.
    let refreshed = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth("rp", Some(SECRET))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .send()
        .await
        .expect("refresh");
    assert_eq!(refreshed.status(), 400, "the refresh token is revoked");
    assert!(
        silently(&rp, &before, &[("prompt", "none")]).await.is_err(),
        "the old session is over"
    );
    // The old password no longer works; the new one does.
    let fresh = Browser::new();
    let page = login_page(&server, &fresh, &[]).await;
    let refused = password(&fresh, &page, "anna", PASSWORD).await.page();
    assert!(refused.html.contains(WRONG));
    password(&fresh, &refused, "anna", "Vinter2026x")
        .await
        .client();
}

async fn reset_codes_wrong_expired_and_bound(backend: Backend) {
    let clock = Arc::new(ManualClock::at(UnixTime::now()));
    let server = start(backend, setup().clock(clock.clone())).await;
    staff(&server, "anna", Some(MOBILE)).await;
    let code_page = async |browser: &Browser, sms_before: usize| {
        let page = login_page(&server, browser, &[]).await;
        let first = trouble(browser, &page, "anna").await;
        let enter = browser.step(&first, &[("username", "anna")]).await.page();
        let code = six_digits(&wait_for_sms(&server.issuer, MOBILE, sms_before + 1).await[0]);
        (enter, code)
    };
    // Five wrong codes void it.
    let browser = Browser::new();
    let (mut enter, code) = code_page(&browser, 0).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        enter = browser.step(&enter, &[("code", wrong)]).await.page();
        assert!(
            enter.html.contains("Fel återställningskod"),
            "{}",
            enter.html
        );
    }
    let void = browser.step(&enter, &[("code", &code)]).await.page();
    assert!(void.html.contains("gäller inte längre"), "{}", void.html);
    assert_eq!(server.audit_count(AuditKind::ResetCodeFailed).await, 5);
    // Expired after 10 minutes on the server's clock.
    let (enter, code) = code_page(&browser, 1).await;
    clock.advance(Duration::from_secs(11 * 60));
    let late = browser.step(&enter, &[("code", &code)]).await.page();
    assert!(late.html.contains("Fel återställningskod"), "{}", late.html);
    // Another reset's code, and a used code in a new reset.
    let (first_enter, first_code) = code_page(&browser, 2).await;
    let other = Browser::new();
    let (second_enter, second_code) = code_page(&other, 3).await;
    if first_code != second_code {
        let refused = other
            .step(&second_enter, &[("code", &first_code)])
            .await
            .page();
        assert!(refused.html.contains("Fel återställningskod"));
    }
    // Used once, a code opens nothing again: the flow has moved on.
    let opened = browser
        .step(&first_enter, &[("code", &first_code)])
        .await
        .page();
    assert!(opened.html.contains("value=\"unlock\""));
    let again = browser
        .step(&first_enter, &[("code", &first_code)])
        .await
        .page();
    assert!(!again.html.contains("name=\"code\"") || again.html.contains("Fel"));
}

/// The login's and flow's own ids and the CSRF field differ per page; the rest of a
/// page must not.
fn without_ids(page: &LoginPage) -> String {
    let id = page.url.rsplit('/').next().unwrap_or_default().to_owned();
    page.html.replace(&id, "ID").replace(&page.csrf(), "CSRF")
}

async fn unknown_user_and_no_mobile_read_the_same(backend: Backend) {
    let server = start(backend, setup()).await;
    staff(&server, "bertil", None).await;
    let mut pages = Vec::new();
    for user in ["bertil", "nobody"] {
        let browser = Browser::new();
        let page = login_page(&server, &browser, &[]).await;
        let first = trouble(&browser, &page, user).await;
        let help = browser.step(&first, &[("username", user)]).await.page();
        assert!(help.html.contains(DESK), "{}", help.html);
        pages.push(without_ids(&help));
    }
    assert_eq!(pages[0], pages[1]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        portvakt_tests::browser::outbox(&server.issuer)
            .await
            .is_empty()
    );
}

async fn inside_and_outside_the_network(backend: Backend) {
    let outside_text = "Du befinner dig utanför kommunens nätverk";
    let rules = |allowed: &str| {
        let mut s = setup()
            .set(
                "trusted_proxies",
                toml::Value::Array(vec!["127.0.0.1".into()]),
            )
            .set(
                "internal_networks",
                toml::Value::Array(vec!["10.0.0.0/8".into()]),
            )
            .set("methods.password.reset.allowed_from", allowed)
            .set(
                "methods.password.reset.outside_text.sv",
                format!("{outside_text}. Se lathunden."),
            )
            .set("methods.password.reset.outside_text.en", "Outside.");
        if allowed == "inside_or_after_method" {
            s = s.set("methods.password.reset.outside_method", "customer");
        }
        s
    };
    let reach = async |server: &TestServer, from: &str, user: &str| {
        let browser = Browser::from_address(from);
        let page = login_page(server, &browser, &[]).await;
        let first = trouble(&browser, &page, user).await;
        (
            browser.step(&first, &[("username", user)]).await.page(),
            browser,
        )
    };
    let server = start(backend, rules("inside")).await;
    staff(&server, "anna", Some(MOBILE)).await;
    let (inside, _) = reach(&server, "10.20.30.40", "anna").await;
    assert!(inside.html.contains("name=\"code\""), "{}", inside.html);
    let (outside, _) = reach(&server, "198.51.100.7", "anna").await;
    assert!(outside.html.contains(outside_text), "{}", outside.html);
    assert!(!outside.html.contains("name=\"code\""));
    drop(server);

    // Outside, after the customer-number method signed the same person in.
    let server = start(backend, rules("inside_or_after_method")).await;
    staff(&server, "anna", Some(MOBILE)).await;
    let (outside, browser) = reach(&server, "198.51.100.7", "anna").await;
    assert!(outside.html.contains(outside_text));
    let customer = server
        .sql
        .find_by_username("anna")
        .await
        .expect("find")
        .and_then(|a| a.customer_number)
        .expect("customer");
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let page = browser
        .open_login(
            rp.start(&[], &[("acr_values", "urn:test:acr:customer")])
                .url
                .as_str(),
        )
        .await;
    password(&browser, &page, &customer, PASSWORD)
        .await
        .client();
    let page = login_page(&server, &browser, &[("prompt", "login")]).await;
    let first = trouble(&browser, &page, "anna").await;
    let allowed = browser.step(&first, &[("username", "anna")]).await.page();
    assert!(allowed.html.contains("name=\"code\""), "{}", allowed.html);
}

async fn no_secret_reaches_the_logs(backend: Backend) {
    let server = start(backend, setup()).await;
    staff(&server, "anna", Some(MOBILE)).await;
    let browser = Browser::new();
    let page = login_page(&server, &browser, &[]).await;
    let choices = reset_to_choices(&server, &browser, &page, "anna", 0).await;
    choose(
        &browser,
        &choices,
        &[
            ("action", "new_password"),
            ("new_password", "Hemligt2026x"),
            ("new_password_confirm", "Hemligt2026x"),
        ],
    )
    .await;
    let code = six_digits(&sms_texts(&server.issuer, MOBILE).await[0]);
    let logs = portvakt_tests::logs::captured();
    assert!(logs.contains("DEBUG"));
    for secret in [
        code.as_str(),
        "Hemligt2026x",
        PASSWORD,
        "återställningskod till",
    ] {
        assert!(!logs.contains(secret), "{secret} in the logs");
    }
}

on_both_backends!(
    failures_lock_the_password_method,
    reset_unlocks_or_sets_a_new_password,
    reset_codes_wrong_expired_and_bound,
    unknown_user_and_no_mobile_read_the_same,
    inside_and_outside_the_network,
    no_secret_reaches_the_logs,
);
