//! Outbound messages through real gateways: e-mail through a real SMTP server process
//! (aiosmtpd; plain, STARTTLS and implicit TLS with a private CA), SMS over HTTP to a
//! local server that speaks 46elks' API and to a generic webhook, and the development
//! outbox of a running server. The operator's `portvakt notify test` drives each: the
//! login methods that send come in their own issues, and the messenger's send limits
//! are in the store suite.

use portvakt_bankid_simulator::pki::TestPki;
use portvakt_core::audit::AuditKind;
use portvakt_tests::server::{Setup, TestServer, run_portvakt};
use portvakt_tests::sms_gateway::{Mode, SmsGateway};
use portvakt_tests::smtp::{Security, SmtpServer};
use portvakt_tests::{Backend, free_port};
use std::time::Duration;

fn with_email(section: &str) -> Setup {
    let mut setup = Setup::default();
    setup
        .main
        .push_str(&format!("\n[notify.email]\n{section}\n"));
    setup.clients.push((
        "mina-sidor.toml".into(),
        r#"client_id = "mina-sidor"
display_name = "Mina sidor"
client_secret = "test-secret-0123456789-abcdefghijk"
redirect_uris = ["http://127.0.0.1:9/cb"]
acr_values = ["urn:portvakt:acr:password"]

[branding]
email_sender_name = "Mina sidor"
sms_from = "MinaSidor"
"#
        .into(),
    ));
    setup
}

fn smtp(url: &str) -> Setup {
    with_email(&format!(
        "transport = \"smtp\"\nsmtp_url = \"{url}\"\nfrom = \"Portvakt <login@example.se>\"\n\
         connect_timeout_secs = 3\nsend_timeout_secs = 5"
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_message_arrives_in_both_parts_and_its_language() {
    let smtp_server = SmtpServer::start().await;
    let server = TestServer::start_with(
        Backend::Sqlite,
        smtp(&format!("smtp://127.0.0.1:{}", smtp_server.port)),
    )
    .await;
    let out = server.cli(
        &[
            "notify",
            "test",
            "--email",
            "anna.andersson@example.se",
            "--lang",
            "en",
        ],
        None,
    );
    assert!(out.contains("sent to a***@example.se"), "{out}");
    assert!(out.contains("250"), "the server's answer is shown: {out}");
    assert!(
        !out.contains("anna.andersson"),
        "the address is masked: {out}"
    );
    let mails = smtp_server.received();
    assert_eq!(mails.len(), 1, "exactly one message");
    let mail = &mails[0];
    for header in [
        "From: Portvakt <login@example.se>",
        "To: anna.andersson@example.se",
        "Subject: Test message from Portvakt",
        "Content-Language: en",
        "Auto-Submitted: auto-generated",
        "multipart/alternative",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Type: text/html; charset=utf-8",
    ] {
        assert!(mail.contains(header), "{header} in:\n{mail}");
    }
    assert!(
        !mail.contains("<img") && !mail.contains("src="),
        "no images or remote content: {mail}"
    );
    server.cli(&["notify", "test", "--email", "bertil@example.se"], None);
    let swedish = smtp_server
        .received()
        .into_iter()
        .find(|m| m.contains("To: bertil@example.se"))
        .expect("the second message");
    assert!(swedish.contains("Content-Language: sv"), "{swedish}");
    assert!(swedish.contains("lang=3D\"sv\"") || swedish.contains("lang=\"sv\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_s_name_is_in_the_message_and_its_sender() {
    let smtp_server = SmtpServer::start().await;
    let server = TestServer::start_with(
        Backend::Sqlite,
        smtp(&format!("smtp://127.0.0.1:{}", smtp_server.port)),
    )
    .await;
    server.cli(
        &[
            "notify",
            "test",
            "--email",
            "anna@example.se",
            "--client",
            "mina-sidor",
            "--lang",
            "en",
        ],
        None,
    );
    let mail = &smtp_server.received()[0];
    assert!(
        mail.contains("From: Mina sidor <login@example.se>")
            || mail.contains("From: \"Mina sidor\" <login@example.se>"),
        "the client's sender name, the configured address: {mail}"
    );
    assert!(
        mail.contains("Subject: Test message from Mina sidor"),
        "{mail}"
    );
}

/// Writes a certificate and key from `pki` for 127.0.0.1, and the CA, into `dir`.
fn certificates(
    dir: &std::path::Path,
    pki: &TestPki,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let server = pki.issue_server().expect("server certificate");
    let at = server
        .pem
        .find("-----BEGIN CERTIFICATE-----")
        .expect("certificate after key");
    let (key, cert) = server.pem.split_at(at);
    let paths = (
        dir.join("cert.pem"),
        dir.join("key.pem"),
        dir.join("ca.pem"),
    );
    std::fs::write(&paths.0, cert).expect("cert");
    std::fs::write(&paths.1, key).expect("key");
    std::fs::write(&paths.2, pki.ca_pem()).expect("ca");
    paths
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_and_implicit_tls_with_a_private_ca() {
    let dir = tempfile::tempdir().expect("dir");
    let pki = TestPki::generate("SMTP test CA").expect("CA");
    let (cert, key, ca) = certificates(dir.path(), &pki);
    let starttls = SmtpServer::start_with(Security::StartTls(&cert, &key)).await;
    let implicit = SmtpServer::start_with(Security::Implicit(&cert, &key)).await;
    for (server_under_test, url) in [
        (
            &starttls,
            format!("smtp://127.0.0.1:{}?tls=required", starttls.port),
        ),
        (&implicit, format!("smtps://127.0.0.1:{}", implicit.port)),
    ] {
        // Without the CA, the server's certificate is not trusted: a clear error, and
        // nothing goes over a connection that is not private.
        let untrusted = TestServer::start_with(Backend::Sqlite, smtp(&url)).await;
        let (ok, out) = untrusted.try_cli(&["notify", "test", "--email", "anna@example.se"], None);
        assert!(!ok, "{url}: {out}");
        assert!(out.contains("the gateway is unavailable"), "{url}: {out}");
        assert!(server_under_test.received().is_empty(), "{url}");

        let trusted = TestServer::start_with(
            Backend::Sqlite,
            with_email(&format!(
                "transport = \"smtp\"\nsmtp_url = \"{url}\"\nfrom = \"login@example.se\"\n\
                 ca_file = \"{}\"",
                ca.display()
            )),
        )
        .await;
        let out = trusted.cli(&["notify", "test", "--email", "anna@example.se"], None);
        assert!(out.contains("250"), "{url}: {out}");
        assert_eq!(server_under_test.received().len(), 1, "{url}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_down_or_stalls_gets_a_clear_error_and_one_attempt() {
    let closed = free_port();
    let server =
        TestServer::start_with(Backend::Sqlite, smtp(&format!("smtp://127.0.0.1:{closed}"))).await;
    let (ok, out) = server.try_cli(&["notify", "test", "--email", "anna@example.se"], None);
    assert!(!ok, "{out}");
    assert!(out.contains("the gateway is unavailable"), "{out}");
    assert!(
        !out.contains("anna@example.se"),
        "no address in the error: {out}"
    );

    // A server that accepts the connection and never speaks: the send times out, and
    // the sender does not try again.
    let stalling = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = stalling.local_addr().expect("addr").port();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in stalling.incoming().flatten() {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(stream);
        }
    });
    let server = TestServer::start_with(
        Backend::Sqlite,
        with_email(&format!(
            "transport = \"smtp\"\nsmtp_url = \"smtp://127.0.0.1:{port}\"\n\
             from = \"login@example.se\"\nconnect_timeout_secs = 1\nsend_timeout_secs = 2"
        )),
    )
    .await;
    let started = std::time::Instant::now();
    let (ok, out) = server.try_cli(&["notify", "test", "--email", "anna@example.se"], None);
    assert!(!ok, "{out}");
    assert!(out.contains("the gateway is unavailable"), "{out}");
    assert!(started.elapsed() < Duration::from_secs(20), "it gave up");
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one connection: nothing is sent twice"
    );

    // A URL lettre cannot use: check-config names the key, and the server would not
    // start with it.
    let plain = TestServer::start(Backend::Sqlite).await;
    let bad = plain.config_variant(
        "bad.toml",
        "",
        "[notify.email]\ntransport = \"smtp\"\nsmtp_url = \"ftp://nowhere\"\nfrom = \"login@example.se\"",
    );
    let (ok, out) = run_portvakt(&bad, &[], &["check-config"], None);
    assert!(!ok && out.contains("notify.email: "), "{out}");
}

fn elks(gateway: &SmsGateway, password_line: &str, timeout: u64) -> String {
    format!(
        "[notify.sms]\nprovider = \"46elks\"\napi_url = \"{}\"\nusername = \"u0123456789abcdef\"\n\
         {password_line}\nfrom = \"Portvakt\"\ntimeout_secs = {timeout}\n",
        gateway.elks_url()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_through_46elks() {
    let gateway = SmsGateway::start().await;
    let server = TestServer::start(Backend::Sqlite).await;
    let dir = server.config_file.parent().expect("dir").to_owned();
    std::fs::write(dir.join("elks-password"), "s3cret-elks\n").expect("password file");
    let config = server.config_variant(
        "elks.toml",
        "",
        &elks(&gateway, "password_file = \"elks-password\"", 1),
    );
    let run = |args: &[&str]| run_portvakt(&config, &[], args, None);

    let (ok, out) = run(&["notify", "test", "--sms", "070-123 45 67"]);
    assert!(ok, "{out}");
    assert!(out.contains("sent to +4670*****67"), "{out}");
    assert!(
        out.contains("46elks id s17a6dafb12d6b1cabc053d57dac2b9d8"),
        "{out}"
    );
    assert!(!out.contains("+46701234567"), "the number is masked: {out}");
    let requests = gateway.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.path, "/a1/sms");
    assert_eq!(
        r.basic_auth().as_deref(),
        Some("u0123456789abcdef:s3cret-elks")
    );
    assert_eq!(r.form("to").as_deref(), Some("+46701234567"));
    assert_eq!(r.form("from").as_deref(), Some("Portvakt"));
    assert_eq!(
        r.form("dontlog").as_deref(),
        Some("message"),
        "46elks keeps no copy of a code"
    );
    assert!(
        r.form("message")
            .is_some_and(|m| m.starts_with("Testmeddelande från Portvakt")),
        "{r:?}"
    );

    // A client's own sender and name.
    let (ok, out) = run(&[
        "notify",
        "test",
        "--sms",
        "0701234567",
        "--client",
        "rp",
        "--lang",
        "en",
    ]);
    assert!(ok, "{out}");
    let r = gateway.requests().pop().expect("second request");
    assert!(
        r.form("message")
            .is_some_and(|m| m.starts_with("Test message from Test RP")),
        "{r:?}"
    );

    // Failures: each a clear, typed error without the gateway's words (they may quote
    // the number), and one request each: nothing is sent twice.
    for (mode, expected) in [
        (
            Mode::Fail(500),
            "the gateway is unavailable: 46elks: HTTP 500",
        ),
        (Mode::Fail(401), "the credentials were refused"),
        (
            Mode::Fail(400),
            "the gateway refused the message: 46elks: HTTP 400",
        ),
        (
            Mode::Stall(Duration::from_secs(3)),
            "the gateway is unavailable: 46elks: timeout",
        ),
        // Not followed: a redirect would carry the number, the text and the password
        // to another URL.
        (
            Mode::Redirect,
            "46elks: answered with a redirect (HTTP 307)",
        ),
        (Mode::Huge, "46elks: an answer larger than 64 KiB"),
    ] {
        gateway.set_mode(mode);
        let before = gateway.requests().len();
        let (ok, out) = run(&["notify", "test", "--sms", "0701234567"]);
        assert!(!ok, "{mode:?}: {out}");
        assert!(out.contains(expected), "{mode:?}: {out}");
        assert!(!out.contains("+46701234567"), "{mode:?}: {out}");
        assert_eq!(gateway.requests().len(), before + 1, "{mode:?}");
    }

    // A landline, and a password variable that is not set: refused before anything is
    // sent, naming what is wrong.
    gateway.set_mode(Mode::Accept);
    let (ok, out) = run(&["notify", "test", "--sms", "08-123 456 78"]);
    assert!(!ok && out.contains("not a mobile number"), "{out}");
    let unset = server.config_variant(
        "elks-env.toml",
        "",
        &elks(&gateway, "password_env = \"ELKS_TEST_PASSWORD_NOT_SET\"", 5),
    );
    let (ok, out) = run_portvakt(&unset, &[], &["check-config"], None);
    assert!(!ok, "{out}");
    assert!(
        out.contains("notify.sms.password_env") && out.contains("ELKS_TEST_PASSWORD_NOT_SET"),
        "{out}"
    );
    let (ok, out) = run_portvakt(
        &unset,
        &[("ELKS_TEST_PASSWORD_NOT_SET", "from-the-environment")],
        &["notify", "test", "--sms", "0701234567"],
        None,
    );
    assert!(ok, "{out}");
    assert_eq!(
        gateway
            .requests()
            .pop()
            .expect("sent")
            .basic_auth()
            .as_deref(),
        Some("u0123456789abcdef:from-the-environment")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_through_a_webhook() {
    let gateway = SmsGateway::start().await;
    let server = TestServer::start(Backend::Sqlite).await;
    let config = server.config_variant(
        "webhook.toml",
        "",
        &format!(
            r#"[notify.sms]
provider = "http"
url = "{}/webhook"
method = "PUT"
from = "+46700000000"
body = '{{"recipient": "{{to}}", "text": "{{message}}", "sender": "{{from}}"}}'
success_status = [202]
headers = {{ X-Api-Version = "2" }}
headers_env = {{ Authorization = "SMS_GATEWAY_TEST_TOKEN" }}
"#,
            gateway.base
        ),
    );
    let env = [("SMS_GATEWAY_TEST_TOKEN", "Bearer t0ken")];
    let (ok, out) = run_portvakt(
        &config,
        &env,
        &[
            "notify",
            "test",
            "--sms",
            "+46 70 123 45 67",
            "--lang",
            "en",
        ],
        None,
    );
    assert!(ok, "{out}");
    assert!(out.contains("HTTP 202"), "{out}");
    let r = gateway.requests().pop().expect("a request");
    assert_eq!(r.path, "/webhook");
    assert_eq!(r.headers["authorization"], "Bearer t0ken");
    assert_eq!(r.headers["x-api-version"], "2");
    assert_eq!(r.headers["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_str(&r.body).expect("JSON body");
    assert_eq!(body["recipient"], "+46701234567");
    assert_eq!(body["sender"], "+46700000000");
    assert!(
        body["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Test message from Portvakt: ")),
        "{body}"
    );
    gateway.set_mode(Mode::Fail(200));
    let (ok, out) = run_portvakt(
        &config,
        &env,
        &["notify", "test", "--sms", "0701234567"],
        None,
    );
    assert!(
        !ok && out.contains("HTTP 200, which is not in success_status"),
        "only the configured statuses mean sent: {out}"
    );
    gateway.set_mode(Mode::Fail(503));
    let (ok, out) = run_portvakt(
        &config,
        &env,
        &["notify", "test", "--sms", "0701234567"],
        None,
    );
    assert!(!ok && out.contains("HTTP 503"), "{out}");
    assert!(!out.contains("t0ken"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_development_outbox_shows_each_message() {
    // PostgreSQL and Redis: the operator's test message, sent by another process,
    // lands in the running server's outbox.
    let mut setup = Setup::default();
    setup.main.push_str("\n[demo]\nrelying_party = true\n");
    let server = TestServer::start_with(Backend::Postgres, setup).await;
    let http = reqwest::Client::new();
    let list = || async {
        http.get(server.url("/dev/outbox.json"))
            .send()
            .await
            .expect("outbox")
            .json::<serde_json::Value>()
            .await
            .expect("JSON")
    };
    assert_eq!(list().await, serde_json::json!([]));
    let out = server.cli(&["notify", "test", "--sms", "070-123 45 67"], None);
    assert!(out.contains("Testmeddelande från Portvakt"), "{out}");
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
    let messages = list().await;
    let messages = messages.as_array().expect("a list");
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[0]["channel"], "email", "newest first");
    assert_eq!(messages[0]["to"], "anna@example.se");
    assert_eq!(messages[0]["subject"], "Test message from Portvakt");
    assert_eq!(messages[0]["lang"], "en");
    assert_eq!(messages[1]["channel"], "sms");
    assert_eq!(messages[1]["to"], "+46701234567");
    assert!(messages[1]["subject"].is_null());
    assert!(
        messages[1]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Testmeddelande från Portvakt")),
        "{messages:?}"
    );
    assert!(
        messages[1]["sent_at"]
            .as_i64()
            .is_some_and(|t| t > 1_700_000_000)
    );

    let page = http
        .get(server.url("/dev/outbox"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(page.contains("SMS till +46701234567"), "{page}");
    assert!(page.contains("E-post till anna@example.se"), "{page}");
    assert!(page.contains("1 SMS-del(ar)"), "{page}");
    let demo = http
        .get(server.url("/demo"))
        .send()
        .await
        .expect("demo")
        .text()
        .await
        .expect("text");
    assert!(demo.contains("href=\"/dev/outbox\""), "{demo}");
    assert_eq!(
        server.audit_count(AuditKind::MessageSent).await,
        0,
        "the operator's test message is not a user's"
    );

    // The production profile refuses the outbox, naming both keys.
    let production = server.config_file.with_file_name("production.toml");
    let main = std::fs::read_to_string(&server.config_file).expect("main file");
    std::fs::write(
        &production,
        format!(
            "{}\n[notify.sms]\nprovider = \"outbox\"\n[notify.email]\ntransport = \"outbox\"\n",
            main.replace("profile = \"development\"", "profile = \"production\"")
        ),
    )
    .expect("write");
    let (ok, out) = run_portvakt(&production, &[], &["check-config"], None);
    assert!(!ok, "{out}");
    for key in ["notify.sms.provider", "notify.email.transport"] {
        assert!(
            out.contains(&format!("{key}: the outbox keeps codes and links readable")),
            "{key}: {out}"
        );
    }
}
