//! Outbound e-mail through a real SMTP server process: Debian's aiosmtpd (run as
//! `/usr/bin/python3 -m aiosmtpd`, since another python3 may come first on the PATH),
//! writing each message it receives to a Maildir that the test reads. The operator's
//! `portvakt notify test --email` sends through it; a server that is down gets a clear
//! error.
//!
//! Needs Debian's python3-aiosmtpd (scripts/test installs it); fails, never skips,
//! without it.

use portvakt_tests::server::{Setup, TestServer};
use portvakt_tests::{Backend, free_port};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running aiosmtpd that stores what it receives in `maildir`.
struct SmtpServer {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpServer {
    async fn start() -> Self {
        let python = "/usr/bin/python3";
        let installed = Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            installed,
            "aiosmtpd is missing: install Debian's python3-aiosmtpd (scripts/test does)"
        );
        let maildir = tempfile::tempdir().expect("maildir");
        let port = free_port();
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let server = SmtpServer {
            child,
            port,
            maildir,
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not start on {port}");
    }

    /// Every message received so far, as raw RFC 5322 text.
    fn received(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail/new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .collect()
    }
}

fn with_smtp(url: &str) -> Setup {
    let mut setup = Setup::default();
    setup.main.push_str(&format!(
        "\n[notify.email]\ntransport = \"smtp\"\nsmtp_url = \"{url}\"\n\
         from = \"Portvakt <login@example.se>\"\ntimeout_secs = 5\n"
    ));
    setup
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_message_arrives_in_both_parts_and_its_language() {
    let smtp = SmtpServer::start().await;
    let server = TestServer::start_with(
        Backend::Sqlite,
        with_smtp(&format!("smtp://127.0.0.1:{}", smtp.port)),
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
    let mails = smtp.received();
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
    server.cli(&["notify", "test", "--email", "bertil@example.se"], None);
    let swedish = smtp
        .received()
        .into_iter()
        .find(|m| m.contains("To: bertil@example.se"))
        .expect("the second message");
    assert!(swedish.contains("Content-Language: sv"), "{swedish}");
    assert!(
        swedish.contains("Subject: =?utf-8?") || swedish.contains("Testmeddelande"),
        "{swedish}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_down_gets_a_clear_error() {
    let closed = free_port();
    let server = TestServer::start_with(
        Backend::Sqlite,
        with_smtp(&format!("smtp://127.0.0.1:{closed}")),
    )
    .await;
    let (ok, out) = server.try_cli(&["notify", "test", "--email", "anna@example.se"], None);
    assert!(!ok, "{out}");
    assert!(out.contains("the gateway is unavailable"), "{out}");
    assert!(
        !out.contains("anna@example.se"),
        "no address in the error: {out}"
    );
    let (ok, out) = {
        let bad = TestServer::start_with(Backend::Sqlite, with_smtp("ftp://nowhere")).await;
        bad.try_cli(&["check-config"], None)
    };
    assert!(!ok && out.contains("notify.email: "), "{out}");
}
