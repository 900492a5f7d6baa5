//! Real-browser test: Debian's headless Chromium, driven through ChromeDriver, signs in
//! through the built-in demo relying party and the hosted login page, with JavaScript
//! irrelevant (the pages have none) and cookies as a browser really handles them.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (packages chromium and
//! chromium-driver, installed by .ci/run); it fails, never skips, without them.

use fantoccini::Locator;
use portvakt_tests::Backend;
use portvakt_tests::chromium::{chromedriver, chromium};
use portvakt_tests::server::{Setup, TestServer};
use std::time::Duration;

/// A relying party's callback on another origin: answers every request with a page.
async fn callback_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let app = axum::Router::new().fallback(|| async {
        axum::response::Html("<html><body><h1>callback received</h1></body></html>")
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    port
}

/// Waits (up to 15 s) for an element: navigation after a click finishes on its own time.
async fn wait_for(browser: &fantoccini::Client, xpath: &str) {
    browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("waiting for {xpath}: {e}"));
}

/// Types `text` into the input with id `id`.
async fn type_into(browser: &fantoccini::Client, id: &str, text: &str) {
    browser
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("field {id}: {e}"))
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("typing into {id}: {e}"));
}

/// Clicks the login form's submit button.
async fn submit(browser: &fantoccini::Client) {
    browser
        .find(Locator::Css("button[value=submit]"))
        .await
        .expect("submit button")
        .click()
        .await
        .expect("click");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_person_signs_in_with_chromium() {
    let rp_port = callback_server().await;
    let mut setup = Setup::default();
    setup.clients.push((
        "elsewhere.toml".into(),
        format!(
            r#"client_id = "elsewhere"
display_name = "Annan tjänst"
client_secret = "elsewhere-secret-0123456789"
redirect_uris = ["http://localhost:{rp_port}/cb"]
acr_values = ["urn:test:acr:customer"]
"#
        ),
    ));
    setup.main.push_str("\n[demo]\nrelying_party = true\n");
    setup.clients.push((
        "demo.toml".into(),
        r##"client_id = "demo"
display_name = "Demotjänsten"
client_secret = "demo-secret-0123456789"
redirect_uris = ["{issuer}/demo/callback"]
acr_values = ["urn:test:acr:customer", "urn:portvakt:acr:password"]
scopes = ["openid", "profile", "email", "phone", "https://id.oidc.se/scope/naturalPersonNumber"]
help_text = { sv = "Vid frågor kontakta expeditionen.", en = "Questions? Contact the office." }
branding = { color = "#c8102e" }
"##
        .into(),
    ));
    let server = TestServer::start_with(Backend::Sqlite, setup).await;
    server
        .add_account(
            |a| {
                a.username = Some("anna".into());
                a.customer_number = Some("100200".into());
            },
            "Losenord-1",
        )
        .await;
    let (_driver, driver_url) = chromedriver().await;
    let (browser, _profile) = chromium(&driver_url).await;
    let run = async {
        browser.goto(&server.url("/demo")).await.expect("demo page");
        browser
            .find(Locator::LinkText("Logga in – Demotjänsten"))
            .await
            .expect("demo client link")
            .click()
            .await
            .expect("click");
        // The login page: the customer-number tab first, as the client lists it.
        wait_for(&browser, "//h1[starts-with(., 'Logga in till')]").await;
        let heading = browser
            .find(Locator::Css("h1"))
            .await
            .expect("h1")
            .text()
            .await
            .expect("text");
        assert_eq!(heading, "Logga in till Demotjänsten");
        let tab = browser
            .find(Locator::Css("nav.tabs a[aria-current=page]"))
            .await
            .expect("tab");
        assert_eq!(tab.text().await.expect("tab text"), "Kundnummer");
        assert!(
            browser
                .source()
                .await
                .expect("html")
                .contains("Vid frågor kontakta expeditionen.")
        );
        // A wrong password first: the error is shown, linked to the form.
        type_into(&browser, "username", "100200").await;
        type_into(&browser, "password", "fel").await;
        submit(&browser).await;
        wait_for(&browser, "//p[@id='form-error']").await;
        let error = browser
            .find(Locator::Id("form-error"))
            .await
            .expect("error")
            .text()
            .await
            .expect("text");
        assert_eq!(error, "Fel kundnummer eller lösenord.");
        let kept = browser
            .find(Locator::Id("username"))
            .await
            .expect("field")
            .prop("value")
            .await
            .expect("value");
        assert_eq!(kept.as_deref(), Some("100200"));
        type_into(&browser, "password", "Losenord-1").await;
        submit(&browser).await;
        // Back at the demo RP with a decoded ID token. Wait for the page: a click
        // returns before the navigation it starts has finished.
        wait_for(&browser, "//h1[starts-with(., 'Inloggad')]").await;
        let page = browser.source().await.expect("html");
        assert!(page.contains("Inloggad"), "{page}");
        assert!(
            page.contains("urn:test:acr:customer"),
            "the ID token names the acr satisfied"
        );
        assert!(page.contains("test@example.se"), "userinfo is shown");
        let png = browser.screenshot().await.expect("screenshot");
        std::fs::write(std::env::temp_dir().join("portvakt-demo-result.png"), png)
            .expect("save screenshot");

        // A relying party on another origin: the 303 after the credential POST must not
        // be blocked by the page's CSP (no form-action) or anything else.
        let authorize = format!(
            "{}/authorize?response_type=code&client_id=elsewhere&redirect_uri=http%3A%2F%2Flocalhost%3A{rp_port}%2Fcb\
             &scope=openid&state=st8&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
            server.issuer
        );
        // The browser already has a session: single sign-on answers without a page.
        browser.goto(&authorize).await.expect("authorize");
        wait_for(&browser, "//h1[. = 'callback received']").await;
        let sso = browser.current_url().await.expect("url");
        assert_eq!(
            sso.port(),
            Some(rp_port),
            "single sign-on went straight to the RP"
        );
        assert!(sso.query_pairs().any(|(k, _)| k == "code"));
        // prompt=login: the login page, a POST, and then a 303 to the other origin.
        browser
            .goto(&format!("{authorize}&prompt=login"))
            .await
            .expect("authorize");
        wait_for(&browser, "//input[@id='username']").await;
        let png = browser.screenshot().await.expect("screenshot");
        std::fs::write(std::env::temp_dir().join("portvakt-login-page.png"), png)
            .expect("save screenshot");
        // The other service allows the customer-number method only (item 5 of the
        // hardening issue: a session answers only with an acr it satisfied).
        type_into(&browser, "username", "100200").await;
        type_into(&browser, "password", "Losenord-1").await;
        submit(&browser).await;
        wait_for(&browser, "//h1[. = 'callback received']").await;
        let landed = browser.current_url().await.expect("url");
        assert_eq!(landed.host_str(), Some("localhost"));
        assert_eq!(
            landed.port(),
            Some(rp_port),
            "the browser reached the RP: {landed}"
        );
        let query: std::collections::HashMap<String, String> =
            landed.query_pairs().into_owned().collect();
        assert!(query.contains_key("code"));
        assert_eq!(query.get("state").map(String::as_str), Some("st8"));
        assert!(
            browser
                .source()
                .await
                .expect("html")
                .contains("callback received")
        );
    };
    run.await;
    browser.close().await.expect("close");
}

/// Presses one key (WebDriver key codes: Tab `\u{E004}`, Enter `\u{E007}`, Arrow down
/// `\u{E015}`) on the focused element.
async fn press(browser: &fantoccini::Client, key: &str) {
    browser
        .active_element()
        .await
        .expect("a focused element")
        .send_keys(key)
        .await
        .expect("key");
}

/// Whether the focused element matches `css`.
async fn focused(browser: &fantoccini::Client, css: &str) -> bool {
    browser
        .execute(
            "return document.activeElement.matches(arguments[0]);",
            vec![serde_json::json!(css)],
        )
        .await
        .expect("script")
        .as_bool()
        .unwrap_or(false)
}

/// Presses Tab until the element matching `css` has focus (at most 30 times), as a
/// keyboard user moves through the page.
async fn tab_to(browser: &fantoccini::Client, css: &str) {
    for _ in 0..30 {
        if focused(browser, css).await {
            return;
        }
        press(browser, "\u{E004}").await;
    }
    panic!("Tab never reached {css}");
}

/// Seed 000 from the school's link: `/start/dexter`, personnummer, "Få engångskod via
/// SMS", then PIN + the code read from the outbox, all by keyboard.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_student_signs_in_by_keyboard_from_the_school_link() {
    let mut setup = Setup::default();
    setup.main.push_str(
        "\n[methods.pin-otp]\nkind = \"pin-otp\"\nacr_values = [\"urn:portvakt:acr:pin-otp\"]\n\
         \n[demo]\nrelying_party = true\n",
    );
    setup.clients.push((
        "dexter.toml".into(),
        r##"client_id = "dexter"
display_name = "Dexter"
client_secret = "dexter-secret-0123456789"
redirect_uris = ["{issuer}/demo/callback"]
acr_values = ["urn:portvakt:acr:pin-otp", "urn:portvakt:acr:password"]
initiate_login_uri = "{issuer}/demo/initiate?client=dexter"
scopes = ["openid", "profile", "phone"]
"##
        .into(),
    ));
    let server = TestServer::start_with(Backend::Sqlite, setup).await;
    let pnr =
        portvakt_core::identity::Personnummer::parse("900101-0017", (2026, 12, 7)).expect("pnr");
    let anna = server
        .add_account(|a| a.personnummer = Some(pnr), "Unused-password-1")
        .await;
    let hasher = portvakt_web::hashing::PasswordHasher::new(&Default::default()).expect("hasher");
    let pin = hasher
        .hash(&portvakt_core::secret::Secret::new("1234"))
        .await
        .expect("hash");
    use portvakt_core::ports::AccountRepo;
    server
        .sql
        .set_pin(&anna.id, Some(&pin), portvakt_core::time::UnixTime::now())
        .await
        .expect("pin");
    let (_driver, driver_url) = chromedriver().await;
    let (browser, _profile) = chromium(&driver_url).await;
    let run = async {
        browser
            .goto(&server.url("/start/dexter"))
            .await
            .expect("the school's link");
        wait_for(&browser, "//input[@id='personnummer']").await;
        assert!(
            focused(&browser, "#personnummer").await,
            "the field has focus"
        );
        press(&browser, "900101-0017\u{E007}").await;
        wait_for(&browser, "//h2[. = 'Välj metod']").await;
        // The radio group is one Tab stop; the arrow picks SMS.
        tab_to(&browser, "input[name=channel]").await;
        press(&browser, "\u{E015}").await;
        assert!(
            focused(&browser, "#channel-sms:checked").await,
            "SMS chosen"
        );
        tab_to(&browser, "button[value=submit]").await;
        press(&browser, "\u{E007}").await;
        wait_for(&browser, "//input[@id='pin_code']").await;
        assert!(focused(&browser, "#pin_code").await, "the field has focus");
        let text = portvakt_tests::browser::wait_for_sms(&server.issuer, "+46701234567", 1)
            .await
            .remove(0);
        let code = portvakt_tests::browser::code_in(&text);
        press(&browser, &format!("1234{code}")).await;
        // The field keeps all 8 characters: nothing autofills the code over the PIN.
        let value = browser
            .find(Locator::Id("pin_code"))
            .await
            .expect("field")
            .prop("value")
            .await
            .expect("value");
        assert_eq!(value, Some(format!("1234{code}")));
        press(&browser, "\u{E007}").await;
        wait_for(&browser, "//h1[starts-with(., 'Inloggad')]").await;
        let page = browser.source().await.expect("html");
        assert!(page.contains("urn:portvakt:acr:pin-otp"), "{page}");
        assert!(page.contains("\"sms\""), "amr names the SMS: {page}");
    };
    run.await;
    browser.close().await.expect("close");
}

/// Seed 001 by keyboard: "Har du problem att logga in?" with the username typed, the
/// six-digit code from the outbox, a new password under the policy, "Slutför", and a
/// login with the new password.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_colleague_resets_a_password_by_keyboard() {
    let mut setup = Setup::default();
    setup.main.push_str(
        "\n[methods.password.policy]\nrequire_upper = true\nrequire_digit = true\n\
         forbidden_characters = \"åäö\"\n\
         \n[methods.password.reset]\n\
         no_mobile_text = { sv = \"Ring Servicedesk.\", en = \"Call the Service desk.\" }\n\
         \n[demo]\nrelying_party = true\n",
    );
    setup.clients.push((
        "kommunen.toml".into(),
        r##"client_id = "kommunen"
display_name = "Kommunens personalportal"
client_secret = "kommunen-secret-0123456789"
redirect_uris = ["{issuer}/demo/callback"]
acr_values = ["urn:portvakt:acr:password"]
"##
        .into(),
    ));
    let server = TestServer::start_with(Backend::Sqlite, setup).await;
    server.add_user("anna", "Gammalt-losen1").await;
    let (_driver, driver_url) = chromedriver().await;
    let (browser, _profile) = chromium(&driver_url).await;
    let run = async {
        browser
            .goto(&server.url("/demo/start?client=kommunen"))
            .await
            .expect("login");
        wait_for(&browser, "//input[@id='username']").await;
        assert!(focused(&browser, "#username").await);
        press(&browser, "anna").await;
        tab_to(&browser, "button[value='flow:reset-password']").await;
        press(&browser, "\u{E007}").await;
        wait_for(&browser, "//h2[. = 'Återställ ditt lösenord']").await;
        assert!(
            focused(&browser, "#username").await,
            "the username, prefilled"
        );
        let typed = browser
            .find(Locator::Id("username"))
            .await
            .expect("field")
            .prop("value")
            .await
            .expect("value");
        assert_eq!(typed.as_deref(), Some("anna"));
        press(&browser, "\u{E007}").await;
        wait_for(&browser, "//input[@id='code']").await;
        assert!(focused(&browser, "#code").await);
        let text = portvakt_tests::browser::wait_for_sms(&server.issuer, "+46701234567", 1)
            .await
            .remove(0);
        let code: String = text
            .split(|c: char| !c.is_ascii_digit())
            .find(|run| run.len() == 6)
            .expect("a six-digit code")
            .to_owned();
        press(&browser, &format!("{code}\u{E007}")).await;
        wait_for(&browser, "//legend").await;
        // The choice has focus; the arrow picks a new password, Tab reaches its fields.
        assert!(
            focused(&browser, "#action-unlock").await,
            "the first choice"
        );
        press(&browser, "\u{E015}").await;
        assert!(focused(&browser, "#action-new_password:checked").await);
        tab_to(&browser, "#new_password").await;
        press(&browser, "Vinter2026x").await;
        tab_to(&browser, "#new_password_confirm").await;
        press(&browser, "Vinter2026x\u{E007}").await;
        wait_for(&browser, "//p[@role='status']").await;
        let page = browser.source().await.expect("html");
        assert!(page.contains("Ditt konto är nu upplåst"), "{page}");
        tab_to(&browser, "a.button").await;
        press(&browser, "\u{E007}").await;
        wait_for(&browser, "//input[@id='username']").await;
        assert!(focused(&browser, "#username").await);
        press(&browser, "anna\u{E004}Vinter2026x\u{E007}").await;
        wait_for(&browser, "//h1[starts-with(., 'Inloggad')]").await;
    };
    run.await;
    browser.close().await.expect("close");
}

/// Seed 002 in Chromium: Mina sidor's BankID tab shows the QR code and the page's poll
/// script moves on by itself once the simulated app approves; then a new customer
/// registers an e-mail address, confirms it and creates a password from the mails in
/// the outbox, and signs in with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_customer_uses_mina_sidor_in_chromium() {
    let mut setup = Setup::default()
        .set("methods.bankid.kind", "bankid")
        .set(
            "methods.bankid.acr_values",
            toml::Value::Array(vec!["urn:portvakt:acr:bankid".into()]),
        )
        .set("methods.bankid.simulator", true)
        .set("methods.bankid.simulator_app_listen", "127.0.0.1:0");
    setup.main.push_str(
        "\n[methods.customer.registration]\n\
         change_email_text = { sv = \"Ring kundservice.\", en = \"Call customer service.\" }\n\
         \n[methods.customer.create_password]\n\
         \n[demo]\nrelying_party = true\n",
    );
    setup.clients.push((
        "mina-sidor.toml".into(),
        r##"client_id = "mina-sidor"
display_name = "Mina sidor"
client_secret = "mina-sidor-secret-0123456789"
redirect_uris = ["{issuer}/demo/callback"]
acr_values = ["urn:portvakt:acr:bankid", "urn:test:acr:customer"]
initiate_login_uri = "{issuer}/demo/initiate?client=mina-sidor"
"##
        .into(),
    ));
    let server = TestServer::start_with(Backend::Sqlite, setup).await;
    let pnr =
        |p: &str| portvakt_core::identity::Personnummer::parse(p, (2026, 12, 7)).expect("pnr");
    server
        .add_account(
            |a| {
                a.customer_number = Some("100200300".into());
                a.personnummer = Some(pnr("199001010017"));
            },
            "Kund-losen1",
        )
        .await;
    let david = server
        .add_account(
            |a| {
                a.customer_number = Some("100200302".into());
                a.personnummer = Some(pnr("197503151230"));
            },
            "unused-Password-9",
        )
        .await;
    use portvakt_core::ports::AccountRepo;
    server
        .sql
        .set_email(&david.id, None, false, portvakt_core::time::UnixTime::now())
        .await
        .expect("no e-mail");
    let (_driver, driver_url) = chromedriver().await;
    let (browser, _profile) = chromium(&driver_url).await;
    let run = async {
        let to_customer_tab = async || {
            browser
                .goto(&server.url("/demo/start?client=mina-sidor"))
                .await
                .expect("login");
            wait_for(&browser, "//nav[@class='tabs']").await;
            let tab = browser
                .find(Locator::LinkText("Kundnummer"))
                .await
                .expect("the Kundnummer tab")
                .attr("href")
                .await
                .expect("href")
                .expect("a link");
            browser.goto(&server.url(&tab)).await.expect("tab");
            wait_for(&browser, "//input[@id='username']").await;
        };
        let open_mailed_link = async || {
            let link = mail_link(&server.issuer, "david@example.se").await;
            browser.goto(&link).await.expect("link");
            wait_for(&browser, "//form//button").await;
            browser
                .find(Locator::Css("form button"))
                .await
                .expect("Fortsätt")
                .click()
                .await
                .expect("click");
        };
        // A new customer registers an e-mail address ("Ny kund/Registrera E-post").
        to_customer_tab().await;
        type_into(&browser, "username", "100200302").await;
        browser
            .find(Locator::Css("button[value='flow:register-email-customer']"))
            .await
            .expect("Ny kund/Registrera E-post")
            .click()
            .await
            .expect("click");
        wait_for(&browser, "//input[@id='personnummer']").await;
        type_into(&browser, "personnummer", "19750315-1230").await;
        type_into(&browser, "email", "david@example.se").await;
        submit(&browser).await;
        wait_for(&browser, "//p[@role='status']").await;
        open_mailed_link().await;
        wait_for(&browser, "//button[@value='submit']").await;
        submit(&browser).await;
        wait_for(&browser, "//p[@role='status']").await;
        assert!(
            browser
                .source()
                .await
                .expect("html")
                .contains("Din e-postadress är bekräftad")
        );
        // "Skapa lösenord", from a second mail.
        to_customer_tab().await;
        type_into(&browser, "username", "100200302").await;
        browser
            .find(Locator::Css(
                "button[value='flow:create-password-customer']",
            ))
            .await
            .expect("Skapa lösenord")
            .click()
            .await
            .expect("click");
        wait_for(&browser, "//input[@id='customer_number']").await;
        submit(&browser).await;
        wait_for(&browser, "//p[@role='status']").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        open_mailed_link().await;
        wait_for(&browser, "//input[@id='new_password']").await;
        type_into(&browser, "new_password", "Elektrisk-2026").await;
        type_into(&browser, "new_password_confirm", "Elektrisk-2026").await;
        submit(&browser).await;
        // "Tillbaka till inloggningen" leads to Mina sidor's start, then its login.
        wait_for(&browser, "//a[@class='button']").await;
        browser
            .find(Locator::Css("a.button"))
            .await
            .expect("back")
            .click()
            .await
            .expect("click");
        wait_for(&browser, "//nav[@class='tabs']").await;
        to_customer_tab().await;
        type_into(&browser, "username", "100200302").await;
        type_into(&browser, "password", "Elektrisk-2026").await;
        submit(&browser).await;
        wait_for(&browser, "//h1[starts-with(., 'Inloggad')]").await;

        // BankID (a step-up from the password session): the QR code, approved in the
        // simulated app; the page's poll script moves on by itself.
        browser
            .goto(&server.url("/demo/start?client=mina-sidor"))
            .await
            .expect("login");
        wait_for(&browser, "//div[@class='qr']").await;
        let payload = browser
            .execute(
                "return document.querySelector('.qr').dataset.payload;",
                vec![],
            )
            .await
            .expect("payload");
        let payload = payload.as_str().expect("a payload").to_owned();
        let html = browser.source().await.expect("html");
        let at = html.find("/sim?code=").expect("simulator link");
        let base = html[html[..at].rfind("http://").expect("start")..at].to_owned();
        let http = reqwest::Client::new();
        let opened: serde_json::Value = http
            .post(format!("{base}/sim/app/scan"))
            .json(&serde_json::json!({"qrPayload": payload, "personalNumber": "199001010017"}))
            .send()
            .await
            .expect("scan")
            .json()
            .await
            .expect("json");
        let order = opened["orderRef"].as_str().expect("order").to_owned();
        let mut approved = false;
        for _ in 0..60 {
            let r = http
                .post(format!("{base}/sim/app/approve"))
                .json(&serde_json::json!({"orderRef": order}))
                .send()
                .await
                .expect("approve");
            if r.status() == 200 {
                approved = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert!(approved, "the simulated app asked for the security code");
        wait_for(&browser, "//h1[starts-with(., 'Inloggad')]").await;
        let page = browser.source().await.expect("html");
        assert!(page.contains("urn:portvakt:acr:bankid"), "{page}");
    };
    run.await;
    browser.close().await.expect("close");
}

/// The link in the newest mail to `to` in the outbox.
async fn mail_link(issuer: &str, to: &str) -> String {
    for _ in 0..100 {
        if let Some(m) = portvakt_tests::browser::outbox(issuer)
            .await
            .into_iter()
            .find(|m| m["channel"] == "email" && m["to"] == to)
        {
            let text = m["text"].as_str().expect("text").to_owned();
            let at = text.find("/link/").expect("a link");
            let start = text[..at].rfind("http").expect("start");
            let end = text[at..]
                .find(char::is_whitespace)
                .map_or(text.len(), |e| at + e);
            return text[start..end].to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail to {to}");
}
