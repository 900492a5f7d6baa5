//! PIN + one-time code, the Dexter login (seed 000, docs/pin-otp.md), driven over HTTP
//! like a browser without JavaScript, on both backend pairs.

use portvakt_core::account::Account;
use portvakt_core::acr::ACR_PIN_OTP;
use portvakt_core::audit::AuditKind;
use portvakt_core::otp::list_code_hash;
use portvakt_core::ports::{AccountRepo, CodeListRepo};
use portvakt_core::time::{ManualClock, UnixTime};
use portvakt_tests::browser::{Browser, LoginPage, Step, code_in, param, sms_texts, wait_for_sms};
use portvakt_tests::flow::claims;
use portvakt_tests::rp::{Flow, REDIRECT, Rp};
use portvakt_tests::server::{SECRET, Setup, TestClient, TestServer};
use portvakt_tests::{Backend, on_both_backends};
use portvakt_web::hashing::PasswordHasher;
use std::sync::Arc;
use std::time::Duration;

/// Anna: 19900101-0017, PIN 1234, a mobile.
const PNR: &str = "900101-0017";
const PIN: &str = "1234";
const MOBILE: &str = "+46701234567";
const LIST: [&str; 4] = ["4821", "0042", "7359", "1630"];
const WRONG: &str = "Fel personnummer, PIN-kod eller engångskod.";

/// Dexter with PIN + one-time code first. No warning about few list codes left (one
/// test turns it on).
fn setup() -> Setup {
    TestServer::builder()
        .set("methods.pin-otp.kind", "pin-otp")
        .set("methods.pin-otp.warn_codes_left", 0)
        .set(
            "methods.pin-otp.acr_values",
            toml::Value::Array(vec![ACR_PIN_OTP.into()]),
        )
        .client(
            TestClient::confidential("dexter")
                .set("display_name", "Dexter")
                .set(
                    "acr_values",
                    toml::Value::Array(vec![
                        ACR_PIN_OTP.into(),
                        "urn:portvakt:acr:password".into(),
                    ]),
                )
                .set("initiate_login_uri", "https://school.example/dexter/login"),
        )
}

async fn start(backend: Backend, setup: Setup) -> TestServer {
    portvakt_tests::logs::capture();
    setup.start(backend).await
}

/// Adds a student with `PIN`, the list `LIST` and, when given, a mobile.
async fn student(server: &TestServer, pnr: &str, mobile: Option<&str>) -> Account {
    let parsed = portvakt_core::identity::Personnummer::parse(pnr, (2026, 12, 7)).expect("pnr");
    let a = server
        .add_account(
            |a| {
                a.personnummer = Some(parsed);
                a.phone = mobile.map(str::to_owned);
            },
            "Unused-password-1",
        )
        .await;
    let hasher = PasswordHasher::new(&Default::default()).expect("hasher");
    let pin = hasher
        .hash(&portvakt_core::secret::Secret::new(PIN))
        .await
        .expect("hash");
    server
        .sql
        .set_pin(&a.id, Some(&pin), UnixTime::now())
        .await
        .expect("pin");
    let hashes: Vec<String> = LIST.iter().map(|c| list_code_hash(&a.id, c)).collect();
    server
        .sql
        .replace_code_list(&a.id, &hashes, UnixTime::now())
        .await
        .expect("list");
    a
}

/// Dexter's authorization request, opened in a fresh browser: the personnummer page.
async fn open(server: &TestServer) -> (Rp, Flow, Browser, LoginPage) {
    let rp = Rp::discover(&server.issuer, "dexter", Some(SECRET)).await;
    let flow = rp.start(&[], &[]);
    let browser = Browser::new();
    let page = browser.open_login(flow.url.as_str()).await;
    (rp, flow, browser, page)
}

/// From the personnummer page to "Välj metod".
async fn identify(browser: &Browser, page: &LoginPage, pnr: &str) -> LoginPage {
    let page = browser.step(page, &[("personnummer", pnr)]).await.page();
    assert!(page.html.contains("Välj metod"), "{}", page.html);
    page
}

/// Orders a code by SMS on "Välj metod"; the page it leads to.
async fn order_sms(browser: &Browser, page: &LoginPage) -> LoginPage {
    browser.step(page, &[("channel", "sms")]).await.page()
}

/// Tokens for a callback, checked; the ID token's claims.
async fn claims_of(rp: &Rp, flow: Flow, callback: &url::Url) -> serde_json::Value {
    let code = param(callback, "code").unwrap_or_else(|| panic!("no code in {callback}"));
    claims(&rp.exchange(&code, flow.verifier).await.expect("exchange"))
}

async fn signs_in_by_sms_and_by_list_code(backend: Backend) {
    let server = start(backend, setup()).await;
    let anna = student(&server, PNR, Some(MOBILE)).await;
    let (rp, flow, browser, page) = open(&server).await;
    for expected in [
        "Personnummer (ÅÅMMDD-XXXX)",
        "name=\"personnummer\"",
        "autocomplete=\"username\"",
        "inputmode=\"numeric\"",
    ] {
        assert!(page.html.contains(expected), "{expected}: {}", page.html);
    }
    let choose = identify(&browser, &page, PNR).await;
    for expected in [
        "value=\"sms\"",
        "Få engångskod via SMS",
        "value=\"list\"",
        "Använd engångskod du fått på e-post eller papper",
        "5 gånger per dag",
    ] {
        assert!(
            choose.html.contains(expected),
            "{expected}: {}",
            choose.html
        );
    }
    let enter = order_sms(&browser, &choose).await;
    for expected in [
        "PIN-kod + engångskod",
        "name=\"pin_code\"",
        "type=\"password\"",
        "autocomplete=\"off\"",
        "Om ditt konto har ett mobilnummer",
    ] {
        assert!(enter.html.contains(expected), "{expected}: {}", enter.html);
    }
    assert!(!enter.html.contains("one-time-code"));
    let text = wait_for_sms(&server.issuer, MOBILE, 1).await.remove(0);
    let code = code_in(&text);
    assert_eq!(
        text,
        format!("Din engångskod till Dexter är {code}. Den gäller i 10 minuter.")
    );
    // Spaces are tolerated.
    let typed = format!("{PIN} {code}");
    let callback = browser.step(&enter, &[("pin_code", &typed)]).await.client();
    let c = claims_of(&rp, flow, &callback).await;
    assert_eq!(c["sub"], anna.id.as_str());
    assert_eq!(c["acr"], ACR_PIN_OTP);
    assert_eq!(c["amr"], serde_json::json!(["pin", "otp", "sms", "mfa"]));

    // A code from the list, in another browser.
    let (rp, flow, browser, page) = open(&server).await;
    let choose = identify(&browser, &page, "19900101-0017").await;
    let enter = browser.step(&choose, &[("channel", "list")]).await.page();
    assert!(
        enter.html.contains("en oanvänd kod från din lista"),
        "{}",
        enter.html
    );
    let typed = format!("{PIN}{}", LIST[0]);
    let callback = browser.step(&enter, &[("pin_code", &typed)]).await.client();
    let c = claims_of(&rp, flow, &callback).await;
    assert_eq!(c["amr"], serde_json::json!(["pin", "otp", "mfa"]));
    // Only one SMS was sent in all this.
    assert_eq!(sms_texts(&server.issuer, MOBILE).await.len(), 1);
}

async fn every_personnummer_form_and_the_bad_ones(backend: Backend) {
    let server = start(backend, setup()).await;
    for form in [
        "900101-0017",
        "9001010017",
        "199001010017",
        "19900101-0017",
        " 900101 - 0017 ",
        "900101\u{2013}0017",     // an en dash, as phones type it
        "９００１０１－００１７", // full-width
        "701063-2391",            // samordningsnummer
        "121212+1212",            // 100 years or older
    ] {
        let (_, _, browser, page) = open(&server).await;
        identify(&browser, &page, form).await;
    }
    for (form, message) in [
        ("090909-0909", "kontrollsiffran"),
        ("900230-0017", "inget sådant datum"),
        ("12345", "Skriv personnumret som ÅÅMMDD-XXXX"),
        ("90010l-0017", "Skriv personnumret som ÅÅMMDD-XXXX"),
        ("", "Skriv in ditt personnummer."),
    ] {
        let (_, _, browser, page) = open(&server).await;
        let again = browser.step(&page, &[("personnummer", form)]).await.page();
        assert!(again.html.contains(message), "{form}: {}", again.html);
        assert!(again.html.contains("role=\"alert\""));
        if !form.is_empty() {
            assert_eq!(
                again.input_value("personnummer").as_deref(),
                Some(form),
                "what was typed stays"
            );
        }
    }
}

/// The login's own ids (in URLs and the CSRF field) differ per login; the rest of a
/// page must not.
fn without_ids(page: &LoginPage) -> String {
    let tx = page.url.rsplit('/').next().unwrap_or_default().to_owned();
    page.html.replace(&tx, "TX").replace(&page.csrf(), "CSRF")
}

async fn unknown_numbers_are_indistinguishable(backend: Backend) {
    let server = start(backend, setup()).await;
    student(&server, PNR, Some(MOBILE)).await;
    let mut pages = Vec::new();
    for pnr in [PNR, "121212-1212"] {
        let (_, _, browser, page) = open(&server).await;
        let choose = identify(&browser, &page, pnr).await;
        let enter = order_sms(&browser, &choose).await;
        let wrong = browser
            .step(&enter, &[("pin_code", "12340000")])
            .await
            .page();
        assert!(wrong.html.contains(WRONG));
        pages.push([
            without_ids(&choose),
            without_ids(&enter),
            without_ids(&wrong),
        ]);
    }
    assert_eq!(
        pages[0], pages[1],
        "a known and an unknown number read the same"
    );
    wait_for_sms(&server.issuer, MOBILE, 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all_sms = portvakt_tests::browser::outbox(&server.issuer)
        .await
        .iter()
        .filter(|m| m["channel"] == "sms")
        .count();
    assert_eq!(
        all_sms, 1,
        "nothing is sent for a number without an account"
    );
}

fn at(rfc3339: &str) -> UnixTime {
    let ts: jiff::Timestamp = rfc3339.parse().expect("time");
    UnixTime(ts.as_second())
}

/// From "Välj metod" to the code page and back, ordering one SMS code.
async fn order_and_return(browser: &Browser, choose: &LoginPage) -> LoginPage {
    let enter = order_sms(browser, choose).await;
    assert!(enter.html.contains("name=\"pin_code\""), "{}", enter.html);
    browser.step(&enter, &[("action", "back")]).await.page()
}

async fn sixth_sms_is_refused_until_swedish_midnight(backend: Backend) {
    // The evening before summer time starts: the next day has 23 hours.
    let clock = Arc::new(ManualClock::at(at("2026-03-28T20:00:00+01:00")));
    let server = start(
        backend,
        setup()
            .clock(clock.clone())
            .set("methods.pin-otp.sms_per_browser_per_hour", 100),
    )
    .await;
    student(&server, PNR, Some(MOBILE)).await;
    let (_, _, browser, page) = open(&server).await;
    let mut choose = identify(&browser, &page, PNR).await;
    for _ in 0..5 {
        choose = order_and_return(&browser, &choose).await;
    }
    let refused = order_sms(&browser, &choose).await;
    assert!(
        refused
            .html
            .contains("Du har redan beställt 5 SMS-koder i dag")
            && refused
                .html
                .contains("från och med i morgon, söndag 29 mars"),
        "{}",
        refused.html
    );
    assert!(refused.html.contains("Välj metod"), "the same page");
    // The list keeps working.
    let list = browser.step(&refused, &[("channel", "list")]).await.page();
    assert!(list.html.contains("name=\"pin_code\""));
    // Recorded by the sending task, before the fifth SMS is handed over.
    wait_for_sms(&server.issuer, MOBILE, 5).await;
    assert_eq!(server.audit_count(AuditKind::SmsQuotaReached).await, 1);

    // 00:00:30 in Sweden: a new day.
    clock.advance(Duration::from_secs(4 * 3600 + 30));
    let (_, _, browser, page) = open(&server).await;
    let mut choose = identify(&browser, &page, PNR).await;
    for _ in 0..5 {
        choose = order_and_return(&browser, &choose).await;
    }
    let refused = order_sms(&browser, &choose).await;
    assert!(
        refused.html.contains("i morgon, måndag 30 mars"),
        "{}",
        refused.html
    );
    // 23 hours later it is Monday in Sweden (summer time began in the night).
    clock.advance(Duration::from_secs(23 * 3600));
    let (_, _, browser, page) = open(&server).await;
    let choose = identify(&browser, &page, PNR).await;
    let enter = order_sms(&browser, &choose).await;
    assert!(enter.html.contains("name=\"pin_code\""), "{}", enter.html);
}

async fn twenty_parallel_orders_send_five(backend: Backend) {
    let server = start(backend, setup()).await;
    student(&server, PNR, Some(MOBILE)).await;
    let mut at_choose = Vec::new();
    for _ in 0..20 {
        let (_, _, browser, page) = open(&server).await;
        let choose = identify(&browser, &page, PNR).await;
        at_choose.push((browser, choose));
    }
    let orders = at_choose.iter().map(|(browser, choose)| async move {
        browser.step(choose, &[("channel", "sms")]).await.page()
    });
    let pages = futures::future::join_all(orders).await;
    let sent = pages
        .iter()
        .filter(|p| p.html.contains("name=\"pin_code\""))
        .count();
    let refused = pages
        .iter()
        .filter(|p| p.html.contains("Du har redan beställt 5 SMS-koder i dag"))
        .count();
    assert_eq!((sent, refused), (5, 15));
    wait_for_sms(&server.issuer, MOBILE, 5).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sms_texts(&server.issuer, MOBILE).await.len(), 5);
    assert_eq!(server.audit_count(AuditKind::MessageSent).await, 5);
}

async fn codes_are_bound_single_use_and_short_lived(backend: Backend) {
    let clock = Arc::new(ManualClock::at(UnixTime::now()));
    let server = start(backend, setup().clock(clock.clone())).await;
    student(&server, PNR, Some(MOBILE)).await;

    // Two logins, each with its code: the first login's code fails in the second.
    let (_, _, first, page) = open(&server).await;
    let choose = identify(&first, &page, PNR).await;
    let _first_enter = order_sms(&first, &choose).await;
    let first_code = code_in(&wait_for_sms(&server.issuer, MOBILE, 1).await[0]);
    let (_, _, second, page) = open(&server).await;
    let choose = identify(&second, &page, PNR).await;
    let second_enter = order_sms(&second, &choose).await;
    let second_code = code_in(&wait_for_sms(&server.issuer, MOBILE, 2).await[0]);
    if first_code != second_code {
        let wrong = second
            .step(
                &second_enter,
                &[("pin_code", &format!("{PIN}{first_code}"))],
            )
            .await
            .page();
        assert!(wrong.html.contains(WRONG), "another login's code");
    }
    // The right code twice at once: one login.
    let typed = format!("{PIN}{second_code}");
    let fields = [("pin_code", typed.as_str())];
    let posts = (0..2).map(|_| second.submit(&second_enter, &fields));
    let answers = futures::future::join_all(posts).await;
    let logins = answers
        .iter()
        .filter(|(_, location)| location.starts_with(REDIRECT) && location.contains("code="))
        .count();
    assert_eq!(logins, 1, "{answers:?}");

    // Expired: 11 minutes later.
    let (_, _, browser, page) = open(&server).await;
    let choose = identify(&browser, &page, PNR).await;
    let enter = order_sms(&browser, &choose).await;
    let code = code_in(&wait_for_sms(&server.issuer, MOBILE, 3).await[0]);
    clock.advance(Duration::from_secs(11 * 60));
    let late = browser
        .step(&enter, &[("pin_code", &format!("{PIN}{code}"))])
        .await
        .page();
    assert!(late.html.contains("gäller inte längre"), "an expired code");

    // Void after five wrong tries.
    let (_, _, browser, page) = open(&server).await;
    let choose = identify(&browser, &page, PNR).await;
    let enter = order_sms(&browser, &choose).await;
    let code = code_in(&wait_for_sms(&server.issuer, MOBILE, 4).await[0]);
    let wrong_code = if code == "0000" { "1111" } else { "0000" };
    let mut page = enter;
    for _ in 0..5 {
        page = browser
            .step(&page, &[("pin_code", &format!("{PIN}{wrong_code}"))])
            .await
            .page();
    }
    let after = browser
        .step(&page, &[("pin_code", &format!("{PIN}{code}"))])
        .await
        .page();
    assert!(
        after.html.contains("gäller inte längre"),
        "void after five wrong tries"
    );
    // Not a code at all: its own message, nothing counted.
    let format = browser.step(&after, &[("pin_code", "12")]).await.page();
    assert!(format.html.contains("bara siffror"), "{}", format.html);
}

async fn list_codes_are_unlimited_single_use_and_replaced(backend: Backend) {
    let server = start(backend, setup()).await;
    let anna = student(&server, PNR, None).await;
    let list_login = |code: &'static str| {
        let server = &server;
        async move {
            let (_, _, browser, page) = open(server).await;
            let choose = identify(&browser, &page, PNR).await;
            let enter = browser.step(&choose, &[("channel", "list")]).await.page();
            browser
                .step(&enter, &[("pin_code", &format!("{PIN}{code}"))])
                .await
        }
    };
    // More list logins than the day's SMS codes, with no block.
    for code in LIST {
        list_login(code).await.client();
    }
    // Each code once.
    match list_login(LIST[0]).await {
        Step::Page(p) => assert!(p.html.contains(WRONG)),
        Step::Client(u) => panic!("a spent code signed in: {u}"),
    }
    // A new list voids the old one at once.
    let file = tempfile::tempdir().expect("dir");
    let path = file.path().join("lista.html");
    let printed = server.cli(
        &[
            "codes",
            "issue",
            PNR,
            "--count",
            "6",
            "--print",
            path.to_str().expect("path"),
        ],
        None,
    );
    assert!(printed.contains("issued 6 codes"), "{printed}");
    let page = std::fs::read_to_string(&path).expect("printed page");
    assert!(
        !page.contains("0017") && !page.contains("900101"),
        "no personnummer"
    );
    assert!(page.contains("Test Testsson") && page.contains("Dexter"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let codes: Vec<String> = page
        .split("<code>")
        .skip(1)
        .map(|s| s[..4].to_owned())
        .collect();
    assert_eq!(codes.len(), 6);
    assert_eq!(server.sql.list_codes_left(&anna.id).await.expect("left"), 6);
    let new_code: &'static str = Box::leak(codes[0].clone().into_boxed_str());
    list_login(new_code).await.client();
    assert_eq!(server.sql.list_codes_left(&anna.id).await.expect("left"), 5);
    assert_eq!(server.audit_count(AuditKind::CodeListIssued).await, 1);
}

async fn few_codes_left_are_announced(backend: Backend) {
    let server = start(backend, setup().set("methods.pin-otp.warn_codes_left", 3)).await;
    student(&server, PNR, None).await;
    let (rp, flow, browser, page) = open(&server).await;
    let choose = identify(&browser, &page, PNR).await;
    let enter = browser.step(&choose, &[("channel", "list")]).await.page();
    let warning = browser
        .step(&enter, &[("pin_code", &format!("{PIN}{}", LIST[1]))])
        .await
        .page();
    assert!(
        warning
            .html
            .contains("Din lista har 3 oanvända engångskoder kvar"),
        "{}",
        warning.html
    );
    let callback = browser.step(&warning, &[]).await.client();
    let c = claims_of(&rp, flow, &callback).await;
    assert_eq!(c["amr"], serde_json::json!(["pin", "otp", "mfa"]));
}

async fn lockout_after_repeated_failures(backend: Backend) {
    let server = start(backend, setup().set("methods.pin-otp.lockout_failures", 3)).await;
    let anna = student(&server, PNR, Some(MOBILE)).await;
    // Anna's own browser signs in once: it is known from now on.
    let (_, _, own, page) = open(&server).await;
    let choose = identify(&own, &page, PNR).await;
    let enter = own.step(&choose, &[("channel", "list")]).await.page();
    own.step(&enter, &[("pin_code", &format!("{PIN}{}", LIST[0]))])
        .await
        .client();

    // A stranger guesses three times.
    let (_, _, stranger, page) = open(&server).await;
    let choose = identify(&stranger, &page, PNR).await;
    let mut page = stranger.step(&choose, &[("channel", "list")]).await.page();
    for guess in ["99990000", "99990001", "99990002"] {
        page = stranger.step(&page, &[("pin_code", guess)]).await.page();
        assert!(page.html.contains(WRONG));
    }
    assert_eq!(server.audit_count(AuditKind::LoginLockedOut).await, 1);
    // Now even the right pair gets the same answer.
    let right = format!("{PIN}{}", LIST[1]);
    let locked = stranger.step(&page, &[("pin_code", &right)]).await.page();
    assert!(locked.html.contains(WRONG), "locked: the same answer");
    // Anna's own browser is not locked out.
    let own2 = &own;
    let rp = Rp::discover(&server.issuer, "dexter", Some(SECRET)).await;
    let flow = rp.start(&[], &[("prompt", "login")]);
    let page = own2.open_login(flow.url.as_str()).await;
    let choose = identify(own2, &page, PNR).await;
    let enter = own2.step(&choose, &[("channel", "list")]).await.page();
    own2.step(&enter, &[("pin_code", &right)]).await.client();
    // The school office unlocks; the stranger's browser may try again.
    server.cli(&["users", "unlock", anna.id.as_str()], None);
    let again = stranger
        .step(&locked, &[("pin_code", &format!("{PIN}{}", LIST[2]))])
        .await;
    again.client();
}

async fn the_whole_method_blocks_when_configured(backend: Backend) {
    let server = start(
        backend,
        setup()
            .set("methods.pin-otp.sms_block", "method")
            .set("methods.pin-otp.sms_per_day", 1),
    )
    .await;
    student(&server, PNR, Some(MOBILE)).await;
    let (_, _, browser, page) = open(&server).await;
    let choose = identify(&browser, &page, PNR).await;
    let choose = order_and_return(&browser, &choose).await;
    let refused = browser.step(&choose, &[("channel", "list")]).await.page();
    assert!(
        refused.html.contains("spärrad resten av dagen"),
        "{}",
        refused.html
    );
    assert!(!refused.html.contains("name=\"pin_code\""));
}

async fn start_link_sends_to_the_client(backend: Backend) {
    let server = start(backend, setup()).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http");
    let r = http
        .get(server.url("/start/dexter?target_link_uri=https%3A%2F%2Fschool.example%2Fschema"))
        .send()
        .await
        .expect("start");
    assert_eq!(r.status(), 303);
    let to = url::Url::parse(r.headers()["location"].to_str().expect("location")).expect("url");
    assert_eq!(to.origin().ascii_serialization(), "https://school.example");
    assert_eq!(to.path(), "/dexter/login");
    assert_eq!(param(&to, "iss").as_deref(), Some(server.issuer.as_str()));
    assert_eq!(
        param(&to, "target_link_uri").as_deref(),
        Some("https://school.example/schema")
    );
    // Another origin is not passed on (no open redirect).
    let r = http
        .get(server.url("/start/dexter?target_link_uri=https%3A%2F%2Fevil.example%2F"))
        .send()
        .await
        .expect("start");
    let to = url::Url::parse(r.headers()["location"].to_str().expect("location")).expect("url");
    assert_eq!(param(&to, "target_link_uri"), None);
    for unknown in ["/start/nobody", "/start/rp"] {
        let r = http.get(server.url(unknown)).send().await.expect("start");
        assert_eq!(r.status(), 404, "{unknown}");
        let html = r.text().await.expect("html");
        assert!(
            html.contains("Det finns ingen inloggning att starta här"),
            "{html}"
        );
    }
}

async fn the_school_office_commands(backend: Backend) {
    let server = start(backend, setup()).await;
    let anna = student(&server, PNR, Some(MOBILE)).await;
    let set = server.cli(&["users", "set-pin", PNR, "--pin-stdin"], Some("4711\n"));
    assert!(set.contains("PIN set"), "{set}");
    let (ok, refused) = server.try_cli(&["users", "set-pin", PNR, "--pin-stdin"], Some("12a4\n"));
    assert!(!ok && refused.contains("4 to 8 digits"), "{refused}");
    let generated = server.cli(
        &["users", "set-pin", "19900101-0017", "--generate-pin"],
        None,
    );
    let pin = generated
        .lines()
        .find_map(|l| l.strip_prefix("PIN (shown once): "))
        .expect("the PIN is printed")
        .to_owned();
    assert_eq!(pin.len(), 4);
    // The new PIN works with a list code.
    let (_, _, browser, page) = open(&server).await;
    let choose = identify(&browser, &page, PNR).await;
    let enter = browser.step(&choose, &[("channel", "list")]).await.page();
    browser
        .step(&enter, &[("pin_code", &format!("{pin}{}", LIST[0]))])
        .await
        .client();
    assert_eq!(server.audit_count(AuditKind::PinChanged).await, 2);
    let shown = server.cli(&["users", "show", PNR], None);
    assert!(shown.contains("PIN set:         true"), "{shown}");
    assert!(shown.contains("list codes left: 3"), "{shown}");
    assert!(!shown.contains("0017"), "the number stays masked: {shown}");
    let emailed = server.try_cli(&["codes", "issue", anna.id.as_str(), "--email"], None);
    match backend {
        // The outbox of the embedded default is in the server's memory.
        Backend::Sqlite => {
            assert!(!emailed.0 && emailed.1.contains("--print"), "{}", emailed.1);
            assert!(shown.contains("not visible here"), "{shown}");
        }
        // With Redis the e-mail lands in the running server's outbox.
        Backend::Postgres => {
            assert!(emailed.0, "{}", emailed.1);
            let mail = portvakt_tests::browser::outbox(&server.issuer)
                .await
                .into_iter()
                .find(|m| m["channel"] == "email")
                .expect("an e-mail in the outbox");
            assert_eq!(mail["subject"], "Dina engångskoder till Dexter");
            assert_eq!(
                server.sql.list_codes_left(&anna.id).await.expect("left"),
                20
            );
            assert!(
                shown.contains("SMS today (pin-otp): not blocked"),
                "{shown}"
            );
        }
    }
}

async fn no_secret_reaches_the_logs(backend: Backend) {
    let server = start(backend, setup()).await;
    student(&server, PNR, Some(MOBILE)).await;
    let (_, _, browser, page) = open(&server).await;
    let choose = identify(&browser, &page, PNR).await;
    let enter = order_sms(&browser, &choose).await;
    let code = code_in(&wait_for_sms(&server.issuer, MOBILE, 1).await[0]);
    let wrong = browser
        .step(&enter, &[("pin_code", "98769876")])
        .await
        .page();
    browser
        .step(&wrong, &[("pin_code", &format!("{PIN}{code}"))])
        .await
        .client();
    let logs = portvakt_tests::logs::captured();
    assert!(logs.contains("DEBUG"), "debug logging was captured");
    for secret in [
        "199001010017",
        "900101",
        &format!("{PIN}{code}"),
        "98769876",
        "Din engångskod",
    ] {
        assert!(!logs.contains(secret), "{secret} in the logs");
    }
}

on_both_backends!(
    signs_in_by_sms_and_by_list_code,
    every_personnummer_form_and_the_bad_ones,
    unknown_numbers_are_indistinguishable,
    sixth_sms_is_refused_until_swedish_midnight,
    twenty_parallel_orders_send_five,
    codes_are_bound_single_use_and_short_lived,
    list_codes_are_unlimited_single_use_and_replaced,
    few_codes_left_are_announced,
    lockout_after_repeated_failures,
    the_whole_method_blocks_when_configured,
    start_link_sends_to_the_client,
    the_school_office_commands,
    no_secret_reaches_the_logs,
);
