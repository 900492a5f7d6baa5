//! Every hosted page passes axe-core (WCAG 2.1 A and AA rules) with no violations, in
//! Debian's headless Chromium: the demo page, the login page (Swedish, English, with an
//! error), an error page, the not-found page, the logout confirmation, the development
//! outbox with messages in it, and the demo result.
//!
//! Needs axe-core's `axe.min.js` (scripts/test fetches the pinned version into
//! `target/test-tools/`; `PORTVAKT_TEST_AXE` may name another copy), Chromium and
//! ChromeDriver. Fails, never skips, without them.

use fantoccini::Locator;
use portvakt_tests::Backend;
use portvakt_tests::chromium::{chromedriver, chromium};
use portvakt_tests::server::{Setup, TestServer};
use serde_json::Value;
use std::time::Duration;

/// axe-core's source.
fn axe_source() -> String {
    let path = std::env::var("PORTVAKT_TEST_AXE").unwrap_or_else(|_| {
        format!(
            "{}/../target/test-tools/axe.min.js",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is required at {path} ({e}): scripts/test fetches it \
             (npm pack axe-core@4.10.3), or set PORTVAKT_TEST_AXE"
        )
    })
}

/// The violations axe finds on the current page, one line each.
async fn violations(browser: &fantoccini::Client, axe: &str) -> Vec<String> {
    browser
        .execute(axe, vec![])
        .await
        .expect("load axe into the page");
    let found = browser
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] })
              .then(r => done(r.violations.map(v =>
                v.id + " (" + v.impact + "): " + v.help + " at " +
                v.nodes.map(n => n.target.join(" ")).join(", "))))
              .catch(e => done(["axe failed: " + e]));"#,
            vec![],
        )
        .await
        .expect("run axe");
    match found {
        Value::Array(items) => items
            .into_iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect(),
        other => vec![format!("unexpected axe result {other}")],
    }
}

async fn wait_for(browser: &fantoccini::Client, css: &str) {
    browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_page_passes_axe() {
    let axe = axe_source();
    let mut setup = Setup {
        flows: Some(portvakt_tests::flows::registry()),
        ..Setup::default()
    };
    setup.main.push_str("\n[demo]\nrelying_party = true\n");
    setup.clients.push((
        "demo.toml".into(),
        r##"client_id = "demo"
display_name = "Demotjänsten"
client_secret = "demo-secret-0123456789"
redirect_uris = ["{issuer}/demo/callback"]
acr_values = ["urn:portvakt:acr:password", "urn:test:acr:customer"]
help_text = { sv = "Vid frågor kontakta expeditionen.", en = "Questions? Contact the office." }
branding = { color = "#c8102e" }
"##
        .into(),
    ));
    setup.main.push_str(
        "\n[methods.pin-otp]\nkind = \"pin-otp\"\nacr_values = [\"urn:portvakt:acr:pin-otp\"]\n\
         \n[methods.password.policy]\nrequire_upper = true\nrequire_digit = true\n\
         \n[methods.password.reset]\nno_mobile_text = { sv = \"Ring Servicedesk.\", en = \"Call the Service desk.\" }\n\
         \n[methods.bankid]\nkind = \"bankid\"\nacr_values = [\"urn:portvakt:acr:bankid\"]\nsimulator = true\nsimulator_app_listen = \"127.0.0.1:0\"\n\
         \n[methods.customer.registration]\nchange_email_text = { sv = \"Ring kundservice.\", en = \"Call customer service.\" }\n",
    );
    setup.clients.push((
        "mina-sidor.toml".into(),
        r##"client_id = "mina-sidor"
display_name = "Mina sidor"
client_secret = "mina-sidor-secret-0123456789"
redirect_uris = ["{issuer}/demo/callback"]
acr_values = ["urn:portvakt:acr:bankid", "urn:test:acr:customer"]
"##
        .into(),
    ));
    setup.clients.push((
        "dexter.toml".into(),
        r##"client_id = "dexter"
display_name = "Dexter"
client_secret = "dexter-secret-0123456789"
redirect_uris = ["{issuer}/demo/callback"]
acr_values = ["urn:portvakt:acr:pin-otp"]
"##
        .into(),
    ));
    // PostgreSQL and Redis: a test SMS sent by the CLI shows in the server's outbox.
    let server = TestServer::start_with(Backend::Postgres, setup).await;
    server.add_user("anna", "Losenord-1").await;
    server.cli(&["notify", "test", "--sms", "070-123 45 67"], None);
    server.cli(
        &[
            "notify",
            "test",
            "--email",
            "anna@example.se",
            "--lang",
            "en",
        ],
        None,
    );
    let (_driver, driver_url) = chromedriver().await;
    let (browser, _profile) = chromium(&driver_url).await;
    let mut report: Vec<String> = Vec::new();
    let mut check = async |name: &str| {
        for v in violations(&browser, &axe).await {
            report.push(format!("{name}: {v}"));
        }
    };
    let run = async {
        browser.goto(&server.url("/demo")).await.expect("demo");
        check("/demo").await;
        // PIN + one-time code: each step, and an error.
        browser
            .goto(&server.url("/demo/start?client=dexter"))
            .await
            .expect("PIN login");
        wait_for(&browser, "#personnummer").await;
        check("PIN: personnummer").await;
        let field = browser
            .find(Locator::Id("personnummer"))
            .await
            .expect("field");
        field.send_keys("090909-0909").await.expect("type");
        let submit = async || {
            browser
                .find(Locator::Css("button[value=submit]"))
                .await
                .expect("submit")
                .click()
                .await
                .expect("click");
        };
        submit().await;
        wait_for(&browser, "#form-error").await;
        check("PIN: a wrong check digit").await;
        let field = browser
            .find(Locator::Id("personnummer"))
            .await
            .expect("field");
        field.clear().await.expect("clear");
        field.send_keys("121212-1212").await.expect("type");
        submit().await;
        wait_for(&browser, "fieldset").await;
        check("PIN: Välj metod").await;
        browser
            .find(Locator::Id("channel-sms"))
            .await
            .expect("sms option")
            .click()
            .await
            .expect("click");
        submit().await;
        wait_for(&browser, "#pin_code").await;
        check("PIN: PIN-kod + engångskod").await;
        // Mina sidor: the BankID page with its QR code, and the registration form.
        browser
            .goto(&server.url("/demo/start?client=mina-sidor"))
            .await
            .expect("Mina sidor");
        wait_for(&browser, "div.qr").await;
        check("BankID: QR code").await;
        let tab = browser
            .find(Locator::LinkText("Kundnummer"))
            .await
            .expect("tab")
            .attr("href")
            .await
            .expect("href")
            .expect("link");
        browser.goto(&server.url(&tab)).await.expect("tab");
        wait_for(&browser, "#username").await;
        browser
            .find(Locator::Css("button[value='flow:register-email-customer']"))
            .await
            .expect("registration")
            .click()
            .await
            .expect("click");
        wait_for(&browser, "#email").await;
        check("Mina sidor: registration").await;
        // The password reset: each page, a broken rule, and the end.
        browser
            .goto(&server.url("/demo/start?client=demo"))
            .await
            .expect("login");
        wait_for(&browser, "#username").await;
        browser
            .find(Locator::Id("username"))
            .await
            .expect("username")
            .send_keys("anna")
            .await
            .expect("type");
        browser
            .find(Locator::Css("button[value='flow:reset-password']"))
            .await
            .expect("the reset button")
            .click()
            .await
            .expect("click");
        wait_for(&browser, "form[action^='/flow/']").await;
        check("reset: username").await;
        submit().await;
        wait_for(&browser, "#code").await;
        check("reset: code").await;
        // The second SMS to Anna's number: the first is `notify test` above.
        let text = portvakt_tests::browser::wait_for_sms(&server.issuer, "+46701234567", 2)
            .await
            .remove(0);
        let code: String = text
            .split(|c: char| !c.is_ascii_digit())
            .find(|run| run.len() == 6)
            .expect("a six-digit code")
            .to_owned();
        browser
            .find(Locator::Id("code"))
            .await
            .expect("code")
            .send_keys(&code)
            .await
            .expect("type");
        browser
            .find(Locator::Css("form[action^='/flow/'] button[type=submit]"))
            .await
            .expect("Nästa")
            .click()
            .await
            .expect("click");
        wait_for(&browser, "#action-new_password").await;
        check("reset: choices").await;
        browser
            .find(Locator::Id("action-new_password"))
            .await
            .expect("option")
            .click()
            .await
            .expect("click");
        for id in ["new_password", "new_password_confirm"] {
            browser
                .find(Locator::Id(id))
                .await
                .expect("field")
                .send_keys("kort")
                .await
                .expect("type");
        }
        browser
            .find(Locator::Css("form[action^='/flow/'] button[type=submit]"))
            .await
            .expect("Nästa")
            .click()
            .await
            .expect("click");
        wait_for(&browser, "li.broken").await;
        check("reset: broken rules").await;
        browser
            .find(Locator::Id("action-unlock"))
            .await
            .expect("option")
            .click()
            .await
            .expect("click");
        browser
            .find(Locator::Css("form[action^='/flow/'] button[type=submit]"))
            .await
            .expect("Nästa")
            .click()
            .await
            .expect("click");
        wait_for(&browser, "a.button").await;
        check("reset: done").await;
        browser
            .goto(&server.url("/demo/start?client=demo"))
            .await
            .expect("login");
        wait_for(&browser, "form").await;
        check("login page").await;
        browser
            .find(Locator::Id("username"))
            .await
            .expect("username")
            .send_keys("anna")
            .await
            .expect("type");
        browser
            .find(Locator::Css("button[value=submit]"))
            .await
            .expect("submit")
            .click()
            .await
            .expect("click");
        wait_for(&browser, "#form-error").await;
        check("login page with an error").await;
        browser
            .find(Locator::Css("p.lang a"))
            .await
            .expect("language link")
            .click()
            .await
            .expect("click");
        wait_for(&browser, "html[lang=en]").await;
        check("login page in English").await;
        // A flow started from this login page, its link page and its end.
        let login = browser.current_url().await.expect("url");
        let tx = login.path().rsplit('/').next().expect("tx").to_owned();
        browser
            .goto(&server.url(&format!("/flow/greeting/start?login={tx}&hint=anna")))
            .await
            .expect("flow");
        wait_for(&browser, "form").await;
        check("a flow's step").await;
        browser
            .find(Locator::Css("button[value=submit]"))
            .await
            .expect("submit")
            .click()
            .await
            .expect("click");
        wait_for(&browser, "ul.links a").await;
        let link = browser
            .find(Locator::Css("ul.links a"))
            .await
            .expect("link")
            .attr("href")
            .await
            .expect("href")
            .expect("a link");
        browser.goto(&link).await.expect("link page");
        check("a link's page").await;
        browser
            .find(Locator::Css("form button"))
            .await
            .expect("continue")
            .click()
            .await
            .expect("click");
        wait_for(&browser, "button[value=submit]").await;
        browser
            .find(Locator::Css("button[value=submit]"))
            .await
            .expect("submit")
            .click()
            .await
            .expect("click");
        wait_for(&browser, "p[role=status]").await;
        check("a flow's end").await;
        browser
            .goto(login.as_ref())
            .await
            .expect("back to the login");
        wait_for(&browser, "#password").await;
        browser
            .find(Locator::Id("password"))
            .await
            .expect("password")
            .send_keys("Losenord-1")
            .await
            .expect("type");
        browser
            .find(Locator::Css("button[value=submit]"))
            .await
            .expect("submit")
            .click()
            .await
            .expect("click");
        wait_for(&browser, "pre").await;
        check("demo result").await;
        browser.goto(&server.url("/logout")).await.expect("logout");
        wait_for(&browser, "form").await;
        check("logout confirmation").await;
        browser
            .goto(&server.url("/login/no-such-login"))
            .await
            .expect("error page");
        check("error page").await;
        browser.goto(&server.url("/nowhere")).await.expect("404");
        check("not found").await;
        browser
            .goto(&server.url("/dev/outbox"))
            .await
            .expect("outbox");
        wait_for(&browser, "article").await;
        check("development outbox").await;
        browser
            .goto(&server.url("/dev/outbox?lang=en"))
            .await
            .expect("outbox");
        check("development outbox in English").await;
    };
    run.await;
    // The canary: axe does find what is wrong (an image without a text alternative, a
    // page without a language or a title).
    browser
        .goto("data:text/html,<html><body><img src=x.png></body></html>")
        .await
        .expect("canary");
    let canary = violations(&browser, &axe).await;
    assert!(
        canary.iter().any(|v| v.starts_with("image-alt")),
        "axe runs and reports: {canary:?}"
    );
    browser.close().await.expect("close");
    assert!(
        report.is_empty(),
        "axe found violations:\n{}",
        report.join("\n")
    );
}
