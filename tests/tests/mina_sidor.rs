//! Mina sidor (seed 002, docs/mina-sidor.md): Mobile BankID through the page, with the
//! client talking mutual TLS to the simulator running inside the server; the company
//! login with 16 + organisation number; "Ny kund/Registrera E-post" and "Skapa
//! lösenord" with mails from the development outbox. Both backend pairs.

use portvakt_core::acr::ACR_BANKID;
use portvakt_core::audit::AuditKind;
use portvakt_core::ports::AccountRepo;
use portvakt_core::time::{ManualClock, UnixTime};
use portvakt_tests::browser::{Browser, LoginPage, Step, outbox, param};
use portvakt_tests::flow::claims;
use portvakt_tests::rp::{Flow, Rp};
use portvakt_tests::server::{SECRET, Setup, TestClient, TestServer};
use portvakt_tests::{Backend, on_both_backends};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const CUSTOMER: &str = "urn:portvakt:acr:customer-password";
/// Cecilia, a customer the simulator knows.
const CECILIA: &str = "198112189876";
const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

fn setup(unknown_person: &str) -> Setup {
    let mut setup = TestServer::builder()
        .set("methods.bankid.kind", "bankid")
        .set(
            "methods.bankid.acr_values",
            toml::Value::Array(vec![
                ACR_BANKID.into(),
                "http://id.swedenconnect.se/loa/1.0/uncertified-loa3".into(),
            ]),
        )
        .set("methods.bankid.simulator", true)
        .set("methods.bankid.simulator_app_listen", "127.0.0.1:0")
        .set("methods.bankid.unknown_person", unknown_person)
        .set("methods.customers.kind", "password")
        .set("methods.customers.identifier", "customer_number")
        .set(
            "methods.customers.acr_values",
            toml::Value::Array(vec![CUSTOMER.into()]),
        )
        .client(
            TestClient::confidential("mina-sidor")
                .set("display_name", "Mina sidor")
                .set(
                    "acr_values",
                    toml::Value::Array(vec![ACR_BANKID.into(), CUSTOMER.into()]),
                )
                .set(
                    "scopes",
                    toml::Value::Array(vec![
                        "openid".into(),
                        "profile".into(),
                        "https://id.oidc.se/scope/naturalPersonNumber".into(),
                        "https://id.oidc.se/scope/naturalPersonOrgId".into(),
                    ]),
                )
                .set("initiate_login_uri", "https://mina-sidor.example/login"),
        );
    setup.main.push_str(
        r#"
[methods.customers.registration]
change_email_text = { sv = "Du har redan en e-postadress registrerad. För att byta e-postadress, ring kundservice.", en = "Call customer service." }

[methods.customers.create_password]

[methods.customers.policy]
min_length = 10
"#,
    );
    setup
}

/// Cecilia (with a personnummer the simulator knows, an e-mail and a password), the
/// company (organisation number 556036-0793) and David (no e-mail, no password).
async fn customers(server: &TestServer) {
    let pnr =
        |p: &str| portvakt_core::identity::Personnummer::parse(p, (2026, 12, 7)).expect("pnr");
    server
        .add_account(
            |a| {
                a.customer_number = Some("100200300".into());
                a.personnummer = Some(pnr(CECILIA));
                a.given_name = Some("Cecilia".into());
                a.family_name = Some("Carlsson".into());
                a.email = Some("cecilia@example.se".into());
            },
            "Kund-losen1",
        )
        .await;
    server
        .add_account(
            |a| {
                a.customer_number = Some("100200301".into());
                a.org_number =
                    Some(portvakt_core::identity::OrgNumber::parse("5560360793").expect("org"));
                a.email = Some("ekonomi@exempelbolaget.se".into());
            },
            "Foretag-losen1",
        )
        .await;
    server
        .add_account(
            |a| {
                a.customer_number = Some("100200310".into());
                a.personnummer = Some(pnr("197010632391"));
                a.email = Some("erik@example.se".into());
                a.email_verified = false;
            },
            "Eriks-losen-1",
        )
        .await;
    let david = server
        .add_account(
            |a| {
                a.customer_number = Some("100200302".into());
                a.personnummer = Some(pnr("197503151230"));
                a.email = None;
                a.email_verified = false;
            },
            "unused-password",
        )
        .await;
    // David has no password yet: the account was made by the utility's import.
    server
        .sql
        .set_email(&david.id, None, false, UnixTime::now())
        .await
        .expect("no e-mail");
}

/// A browser with `user_agent`.
fn browser_as(user_agent: &str) -> Browser {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    Browser {
        http: reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(user_agent)
            .build()
            .expect("client"),
        jar,
    }
}

/// Mina sidor's login page in `browser`, looked at twice as a browser does (its
/// script or its refresh): the first look starts nothing at BankID (a crawler's fetch
/// must not), the second starts the order.
async fn open(server: &TestServer, browser: &Browser, scopes: &[&str]) -> (Rp, Flow, LoginPage) {
    let rp = Rp::discover(&server.issuer, "mina-sidor", Some(SECRET)).await;
    let flow = rp.start(scopes, &[]);
    let first = browser.open_login(flow.url.as_str()).await;
    assert!(
        !first.html.contains("data-payload") && first.html.contains("http-equiv=\"refresh\""),
        "the first look starts no order: {}",
        first.html
    );
    let page = browser.page(&first.url).await;
    (rp, flow, page)
}

/// The simulated app's base (`http://127.0.0.1:<port>`), from the page's development
/// link; Cecilia is made one of its test persons (the server started before she was
/// added, and the simulator learns the accounts at start).
async fn sim_base(page: &LoginPage) -> String {
    let at = page
        .html
        .find("/sim?code=")
        .unwrap_or_else(|| panic!("no simulator link: {}", page.html));
    let start = page.html[..at].rfind("http://").expect("link start");
    let base = page.html[start..at].to_owned();
    sim(
        &base,
        "/sim/control/person",
        json!({"personalNumber": CECILIA, "givenName": "Cecilia", "surname": "Carlsson"}),
    )
    .await;
    base
}

fn attr(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].replace("&amp;", "&"))
}

async fn sim(base: &str, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .expect("simulator");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Polls the login page's JSON until it is not waiting (at most 20 s).
async fn poll_until_moved(server: &TestServer, browser: &Browser, page: &LoginPage) -> Value {
    let tx = page.url.rsplit('/').next().expect("tx");
    for _ in 0..40 {
        let j: Value = browser
            .http
            .get(server.url(&format!("/login/{tx}/poll")))
            .send()
            .await
            .expect("poll")
            .json()
            .await
            .expect("json");
        if j["status"] != "waiting" {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("the order never moved on");
}

/// Approves `order` in the simulated app once it asks for the security code.
async fn approve(
    base: &str,
    order: &str,
    server: &TestServer,
    browser: &Browser,
    page: &LoginPage,
) {
    let tx = page.url.rsplit('/').next().expect("tx");
    for _ in 0..40 {
        if sim(base, "/sim/app/approve", json!({"orderRef": order}))
            .await
            .0
            == 200
        {
            return;
        }
        // Collects move the order on; the page polls as a browser would.
        let _ = browser
            .http
            .get(server.url(&format!("/login/{tx}/poll")))
            .send()
            .await;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the simulated app never asked for the security code");
}

async fn a_qr_login_approved_in_the_app(backend: Backend) {
    let server = setup("refuse").start(backend).await;
    customers(&server).await;
    let browser = Browser::new();
    let (rp, flow, page) = open(
        &server,
        &browser,
        &["https://id.oidc.se/scope/naturalPersonNumber"],
    )
    .await;
    // The guide's tabs, in its order; a computer gets the QR code at once.
    let bankid_tab = page.html.find(">Mobilt BankID<").expect("BankID tab");
    let customer_tab = page.html.find(">Kundnummer<").expect("Kundnummer tab");
    assert!(bankid_tab < customer_tab);
    let payload = attr(&page.html, "data-payload=\"").expect("a QR code");
    assert!(page.html.contains("aria-live=\"polite\""));
    assert!(
        page.html.contains("Starta BankID-appen"),
        "RFA1: {}",
        page.html
    );
    assert!(page.html.contains("Öppna BankID på den här enheten"));
    // A reload resumes the same order: the same qrStartToken.
    let again = browser.page(&page.url).await;
    let token = |p: &str| p.split('.').nth(1).map(str::to_owned);
    assert_eq!(
        token(&attr(&again.html, "data-payload=\"").expect("QR")),
        token(&payload)
    );
    // qrTime counts from the order's start, on the server: two seconds later it is higher.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let later = browser.page(&page.url).await;
    let time = |p: &str| p.split('.').nth(2).and_then(|t| t.parse::<u64>().ok());
    let later_payload = attr(&later.html, "data-payload=\"").expect("QR");
    assert!(time(&later_payload) >= Some(2), "{later_payload}");
    let base = sim_base(&page).await;
    let (status, opened) = sim(
        &base,
        "/sim/app/scan",
        json!({"qrPayload": later_payload, "personalNumber": CECILIA}),
    )
    .await;
    assert_eq!(status, 200, "{opened}");
    let order = opened["orderRef"].as_str().expect("order").to_owned();
    approve(&base, &order, &server, &browser, &page).await;
    let done = poll_until_moved(&server, &browser, &page).await;
    assert_eq!(done["status"], "done", "{done}");
    let callback = url::Url::parse(done["redirect"].as_str().expect("redirect")).expect("url");
    let tokens = rp
        .exchange(&param(&callback, "code").expect("code"), flow.verifier)
        .await
        .expect("tokens");
    let c = claims(&tokens);
    assert_eq!(c["acr"], ACR_BANKID);
    assert_eq!(c["amr"], json!(["swk", "mfa"]));
    assert_ne!(c["sub"], CECILIA, "never the personnummer as sub");
    assert_eq!(server.audit_count(AuditKind::BankIdOrderCompleted).await, 1);
    // The RP certificate's expiry is on /readyz (the simulator's, here).
    let ready = reqwest::get(server.url("/readyz"))
        .await
        .expect("readyz")
        .text()
        .await
        .expect("body");
    assert!(
        ready.starts_with("ready\n")
            && ready.contains("bankid (bankid): RP certificate valid until"),
        "{ready}"
    );
}

/// A client's own `[bankid]`: the security code required (`amr` says `pin`), and
/// BankID's risk asked for and accepted up to `low`.
async fn a_client_s_own_bankid_settings(backend: Backend) {
    let server = setup("refuse")
        .client(
            TestClient::confidential("mina-sidor")
                .set("display_name", "Mina sidor")
                .set("acr_values", toml::Value::Array(vec![ACR_BANKID.into()]))
                .set("bankid.require_pin", true)
                .set("bankid.accepted_risk", "low"),
        )
        .start(backend)
        .await;
    customers(&server).await;
    let browser = Browser::new();
    let (rp, flow, page) = open(&server, &browser, &[]).await;
    let base = sim_base(&page).await;
    let payload = attr(&page.html, "data-payload=\"").expect("QR");
    let (_, opened) = sim(
        &base,
        "/sim/app/scan",
        json!({"qrPayload": payload, "personalNumber": CECILIA}),
    )
    .await;
    let order = opened["orderRef"].as_str().expect("order").to_owned();
    approve(&base, &order, &server, &browser, &page).await;
    let done = poll_until_moved(&server, &browser, &page).await;
    assert_eq!(done["status"], "done", "{done}");
    let callback = url::Url::parse(done["redirect"].as_str().expect("redirect")).expect("url");
    let tokens = rp
        .exchange(&param(&callback, "code").expect("code"), flow.verifier)
        .await
        .expect("tokens");
    assert_eq!(claims(&tokens)["amr"], json!(["swk", "pin", "mfa"]));
}

async fn same_device_and_failures(backend: Backend) {
    let server = setup("refuse").start(backend).await;
    customers(&server).await;
    // A phone gets the app link at once; the autostart token opens the order.
    let phone = browser_as(SAFARI_IPHONE);
    let (_, _, page) = open(&server, &phone, &[]).await;
    assert!(
        page.html.contains("Försöker starta BankID-appen"),
        "{}",
        page.html
    );
    let link = attr(&page.html, "class=\"button\" href=\"").expect("the app link");
    assert!(
        link.starts_with("https://app.bankid.com/?autostarttoken="),
        "{link}"
    );
    assert!(!page.html.contains("data-payload"), "no QR code on a phone");
    let token = link
        .split("autostarttoken=")
        .nth(1)
        .and_then(|t| t.split('&').next())
        .expect("token")
        .to_owned();
    let base = sim_base(&page).await;
    let (status, opened) = sim(
        &base,
        "/sim/app/open",
        json!({"autoStartToken": token, "personalNumber": CECILIA}),
    )
    .await;
    assert_eq!(status, 200, "{opened}");
    // The user cancels in the app: RFA6 and a way to try again.
    let order = opened["orderRef"].as_str().expect("order").to_owned();
    let (status, _) = sim(&base, "/sim/app/cancel", json!({"orderRef": order})).await;
    assert_eq!(status, 200);
    assert_eq!(
        poll_until_moved(&server, &phone, &page).await["status"],
        "changed"
    );
    let ended = phone.page(&page.url).await;
    assert!(
        ended.html.contains("Åtgärden avbröts."),
        "RFA6: {}",
        ended.html
    );
    assert!(ended.html.contains("value=\"qr\"") && ended.html.contains("value=\"same_device\""));

    // certificateErr, scripted for Cecilia: RFA16.
    let (status, _) = sim(
        &base,
        "/sim/control/script",
        json!({"personalNumber": CECILIA, "script": {"pending": ["started"], "stepMs": 0, "outcome": {"fail": "certificateErr"}}}),
    )
    .await;
    assert_eq!(status, 200);
    let retry = phone.step(&ended, &[("action", "qr")]).await.page();
    let payload = attr(&retry.html, "data-payload=\"").expect("QR after retry");
    sim(
        &base,
        "/sim/app/scan",
        json!({"qrPayload": payload, "personalNumber": CECILIA}),
    )
    .await;
    poll_until_moved(&server, &phone, &retry).await;
    let failed = phone.page(&page.url).await;
    assert!(
        failed
            .html
            .contains("Ditt BankID är för gammalt eller spärrat"),
        "RFA16: {}",
        failed.html
    );

    // expiredTransaction: the simulator's clock passes the order's life.
    let retry = phone.step(&failed, &[("action", "qr")]).await.page();
    sim(&base, "/sim/control/advance", json!({"seconds": 200})).await;
    poll_until_moved(&server, &phone, &retry).await;
    let expired = phone.page(&page.url).await;
    assert!(
        expired.html.contains("BankID-appen svarar inte"),
        "RFA8: {}",
        expired.html
    );

    // BankID down (maintenance, 503): RFA5 on the page, no crash, try again offered.
    sim(
        &base,
        "/sim/control/fault",
        json!({"path": "auth", "errorCode": "maintenance", "times": 1}),
    )
    .await;
    let down = phone.step(&expired, &[("action", "qr")]).await.page();
    assert!(
        down.html.contains("Något gick fel. Försök igen."),
        "RFA5: {}",
        down.html
    );
    assert!(down.html.contains("value=\"qr\""));
    assert!(server.audit_count(AuditKind::BankIdOrderFailed).await >= 3);

    // Leaving cancels the order at BankID: its QR code no longer opens.
    let leaving = phone.step(&down, &[("action", "qr")]).await.page();
    let payload = attr(&leaving.html, "data-payload=\"").expect("QR");
    let (status, _) = phone.submit(&leaving, &[("action", "cancel")]).await;
    assert_eq!(status, 303);
    let (status, body) = sim(
        &base,
        "/sim/app/scan",
        json!({"qrPayload": payload, "personalNumber": CECILIA}),
    )
    .await;
    assert_eq!(status, 400, "a cancelled order cannot be scanned: {body}");
}

async fn unknown_persons_by_policy(backend: Backend) {
    for (policy, signs_in) in [("refuse", false), ("create", true)] {
        let server = setup(policy).start(backend).await;
        let browser = Browser::new();
        let (_, _, page) = open(&server, &browser, &[]).await;
        let base = sim_base(&page).await;
        let payload = attr(&page.html, "data-payload=\"").expect("QR");
        // Tolvan is a simulator test person without an account here.
        let (_, opened) = sim(
            &base,
            "/sim/app/scan",
            json!({"qrPayload": payload, "personalNumber": "191212121212"}),
        )
        .await;
        let order = opened["orderRef"].as_str().expect("order").to_owned();
        approve(&base, &order, &server, &browser, &page).await;
        let moved = poll_until_moved(&server, &browser, &page).await;
        if signs_in {
            assert_eq!(moved["status"], "done", "{moved}");
            let created = server
                .sql
                .find_by_personnummer(
                    &portvakt_core::identity::Personnummer::parse("191212121212", (2026, 12, 7))
                        .expect("pnr"),
                )
                .await
                .expect("find")
                .expect("an account was created");
            assert_eq!(created.given_name.as_deref(), Some("Tolvan"));
        } else {
            assert_eq!(moved["status"], "changed", "{moved}");
            let page = browser.page(&page.url).await;
            assert!(
                page.html.contains("Det finns inget konto för dig här"),
                "{}",
                page.html
            );
        }
    }
}

async fn companies_sign_in_with_sixteen(backend: Backend) {
    let server = setup("refuse").start(backend).await;
    customers(&server).await;
    for (typed, ok) in [
        ("16556036-0793", true),
        ("165560360793", true),
        ("16556036-0794", false),
        ("556036-0793", false),
    ] {
        let browser = Browser::new();
        let (_, _, page) = open(&server, &browser, &[]).await;
        let tab = browser
            .page(&format!("{}?method=customers", page.url))
            .await;
        let step = browser
            .step(&tab, &[("username", typed), ("password", "Foretag-losen1")])
            .await;
        match (step, ok) {
            (Step::Client(u), true) => assert!(param(&u, "code").is_some()),
            (Step::Page(p), false) => assert!(p.html.contains("Fel kundnummer eller lösenord.")),
            (other, _) => panic!("{typed}: {other:?}"),
        }
    }
}

/// The newest mail to `to` in the outbox, and the link in it.
async fn mail_link(server: &TestServer, to: &str) -> (String, String) {
    for _ in 0..100 {
        if let Some(m) = outbox(&server.issuer)
            .await
            .into_iter()
            .find(|m| m["channel"] == "email" && m["to"] == to)
        {
            let text = m["text"].as_str().expect("text").to_owned();
            let at = text.find("/link/").expect("a link");
            let start = text[..at].rfind("http").expect("link start");
            let end = text[at..]
                .find(char::is_whitespace)
                .map_or(text.len(), |e| at + e);
            return (
                m["subject"].as_str().unwrap_or_default().to_owned(),
                text[start..end].to_owned(),
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail to {to}");
}

/// Opens a mailed link in `browser` (its page, then its button): the flow's page.
async fn open_link(browser: &Browser, link: &str) -> Option<LoginPage> {
    let r = browser.http.get(link).send().await.expect("link page");
    if r.status() != 200 {
        return None;
    }
    let r = browser
        .http
        .post(link)
        .header("origin", link.split("/link/").next().expect("origin"))
        .send()
        .await
        .expect("open link");
    if r.status() != 303 {
        return None;
    }
    let base = url::Url::parse(link).expect("url");
    let next = base
        .join(r.headers()["location"].to_str().expect("location"))
        .expect("join");
    Some(browser.page(next.as_str()).await)
}

async fn registration_and_create_password(backend: Backend) {
    let clock = Arc::new(ManualClock::at(UnixTime::now()));
    let server = setup("refuse").clock(clock.clone()).start(backend).await;
    customers(&server).await;
    let start_flow = async |flow: &str, hint: &str| {
        let browser = Browser::new();
        let (_, _, page) = open(&server, &browser, &[]).await;
        let tab = browser
            .page(&format!("{}?method=customers", page.url))
            .await;
        assert!(
            tab.html.contains("Ny kund/Registrera E-post") && tab.html.contains("Skapa lösenord")
        );
        let action = format!("flow:{flow}-customers");
        let first = browser
            .step(&tab, &[("username", hint), ("action", action.as_str())])
            .await
            .page();
        (browser, first)
    };
    // No match, then already registered (Cecilia), then David.
    let (browser, form) = start_flow("register-email", "100200302").await;
    assert_eq!(
        form.input_value("customer_number").as_deref(),
        Some("100200302")
    );
    let wrong = browser
        .step(
            &form,
            &[
                ("customer_number", "100200302"),
                ("personnummer", "19811218-9876"),
                ("email", "d@example.se"),
            ],
        )
        .await
        .page();
    assert!(wrong.html.contains("hör inte ihop"), "{}", wrong.html);
    let (browser2, form2) = start_flow("register-email", "100200300").await;
    let already = browser2
        .step(
            &form2,
            &[
                ("customer_number", "100200300"),
                ("personnummer", "811218-9876"),
                ("email", "ny@example.se"),
            ],
        )
        .await
        .page();
    assert!(
        already.html.contains("ring kundservice"),
        "{}",
        already.html
    );
    // An address that is not yet confirmed is not replaced either (no takeover).
    let (browser3, form3) = start_flow("register-email", "100200310").await;
    let refused = browser3
        .step(
            &form3,
            &[
                ("customer_number", "100200310"),
                ("personnummer", "701063-2391"),
                ("email", "attacker@evil.example"),
            ],
        )
        .await
        .page();
    assert!(
        refused.html.contains("ring kundservice"),
        "{}",
        refused.html
    );
    let erik = server
        .sql
        .find_by_customer_number("100200310")
        .await
        .expect("find")
        .expect("erik");
    assert_eq!(erik.email.as_deref(), Some("erik@example.se"));
    let sent = browser
        .step(
            &wrong,
            &[
                ("customer_number", "100200302"),
                ("personnummer", "19750315-1230"),
                ("email", "david@example.se"),
            ],
        )
        .await
        .page();
    assert!(
        sent.html
            .contains("Ett e-postmeddelande har skickats till d***@example.se"),
        "{}",
        sent.html
    );
    let (subject, link) = mail_link(&server, "david@example.se").await;
    assert!(subject.contains("Bekräfta"), "{subject}");
    let confirm = open_link(&browser, &link).await.expect("the link opens");
    let (status, _) = browser.submit(&confirm, &[]).await;
    assert_eq!(status, 200, "the last page");
    let david = server
        .sql
        .find_by_customer_number("100200302")
        .await
        .expect("find")
        .expect("david");
    assert!(david.email_verified);
    assert!(
        open_link(&Browser::new(), &link).await.is_none(),
        "single use"
    );

    // "Skapa lösenord": the same answer for a known, an unknown and an address-less
    // customer; a mail only for the known one.
    let mut answers = Vec::new();
    for number in ["100200302", "999999999", "100200301"] {
        let (b, ask) = start_flow("create-password", number).await;
        let sent = b.step(&ask, &[("customer_number", number)]).await.page();
        let id = sent.url.rsplit('/').next().expect("id").to_owned();
        answers.push(sent.html.replace(&id, "ID").replace(&sent.csrf(), "CSRF"));
    }
    assert_eq!(answers[0], answers[1]);
    assert!(
        answers[0]
            .contains("Ett e-postmeddelande har skickats till den e-postadress du har registrerat")
    );
    let (subject, link) = mail_link(&server, "david@example.se").await;
    assert!(subject.contains("Skapa lösenord"), "{subject}");
    let choose = open_link(&browser, &link).await.expect("the link opens");
    let short = browser
        .step(
            &choose,
            &[
                ("new_password", "kort-1"),
                ("new_password_confirm", "kort-1"),
            ],
        )
        .await
        .page();
    assert!(
        short
            .html
            .contains("Uppfylls inte: </strong>Minst 10 tecken"),
        "{}",
        short.html
    );
    let (status, _) = browser
        .submit(
            &short,
            &[
                ("new_password", "Elektrisk-2026"),
                ("new_password_confirm", "Elektrisk-2026"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        open_link(&Browser::new(), &link).await.is_none(),
        "single use"
    );
    // David signs in with it.
    let b = Browser::new();
    let (_, _, page) = open(&server, &b, &[]).await;
    let tab = b.page(&format!("{}?method=customers", page.url)).await;
    b.step(
        &tab,
        &[("username", "100200302"), ("password", "Elektrisk-2026")],
    )
    .await
    .client();

    // A link opened after it expired (the server's clock) does nothing.
    let (b, ask) = start_flow("create-password", "100200302").await;
    b.step(&ask, &[("customer_number", "100200302")])
        .await
        .page();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, link) = mail_link(&server, "david@example.se").await;
    clock.advance(Duration::from_secs(2 * 3600));
    let late = open_link(&b, &link).await.expect("the page opens");
    let (status, _) = b
        .submit(
            &late,
            &[
                ("new_password", "Annat-losen-2026"),
                ("new_password_confirm", "Annat-losen-2026"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let b2 = Browser::new();
    let (_, _, page) = open(&server, &b2, &[]).await;
    let tab = b2.page(&format!("{}?method=customers", page.url)).await;
    b2.step(
        &tab,
        &[("username", "100200302"), ("password", "Elektrisk-2026")],
    )
    .await
    .client();

    // Ten wrong passwords lock the method; a password made by the link ends that.
    let b = Browser::new();
    let (_, _, page) = open(&server, &b, &[]).await;
    let mut tab = b.page(&format!("{}?method=customers", page.url)).await;
    for _ in 0..10 {
        tab = b
            .step(
                &tab,
                &[("username", "100200302"), ("password", "fel-losen")],
            )
            .await
            .page();
    }
    assert_eq!(server.audit_count(AuditKind::LoginLockedOut).await, 1);
    let (b, ask) = start_flow("create-password", "100200302").await;
    b.step(&ask, &[("customer_number", "100200302")])
        .await
        .page();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, link) = mail_link(&server, "david@example.se").await;
    let choose = open_link(&b, &link).await.expect("the link opens");
    let (status, _) = b
        .submit(
            &choose,
            &[
                ("new_password", "Tredje-losen-2026"),
                ("new_password_confirm", "Tredje-losen-2026"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let b2 = Browser::new();
    let (_, _, page) = open(&server, &b2, &[]).await;
    let tab = b2.page(&format!("{}?method=customers", page.url)).await;
    b2.step(
        &tab,
        &[("username", "100200302"), ("password", "Tredje-losen-2026")],
    )
    .await
    .client();
}

on_both_backends!(
    a_qr_login_approved_in_the_app,
    a_client_s_own_bankid_settings,
    same_device_and_failures,
    unknown_persons_by_policy,
    companies_sign_in_with_sixteen,
    registration_and_create_password,
);
