//! A real SMTP server process for tests: Debian's aiosmtpd (run as
//! `/usr/bin/python3 -m aiosmtpd`, since another python3 may come first on the PATH),
//! writing each message it receives to a Maildir that the test reads. It can speak
//! plain SMTP, STARTTLS (required) or implicit TLS with a certificate the test gives.
//!
//! Needs Debian's python3-aiosmtpd (scripts/test installs it); fails, never skips,
//! without it.

use crate::free_port;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How the server talks.
pub enum Security<'a> {
    /// Plain SMTP.
    Plain,
    /// STARTTLS, required before mail: certificate and key PEM files.
    StartTls(&'a Path, &'a Path),
    /// Implicit TLS (SMTPS): certificate and key PEM files.
    Implicit(&'a Path, &'a Path),
}

/// A running aiosmtpd that stores what it receives.
pub struct SmtpServer {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    maildir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpServer {
    /// A plain SMTP server.
    pub async fn start() -> Self {
        Self::start_with(Security::Plain).await
    }

    /// A server with the given security.
    pub async fn start_with(security: Security<'_>) -> Self {
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
        let mut command = Command::new(python);
        command
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"));
        match security {
            Security::Plain => {}
            Security::StartTls(cert, key) => {
                command.arg("--tlscert").arg(cert).arg("--tlskey").arg(key);
            }
            Security::Implicit(cert, key) => {
                command
                    .arg("--smtpscert")
                    .arg(cert)
                    .arg("--smtpskey")
                    .arg(key);
            }
        }
        let child = command
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
    pub fn received(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail/new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .collect()
    }
}
