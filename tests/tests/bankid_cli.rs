//! The BankID commands of the `portvakt` binary: `bankid-simulator` serves, and
//! `bankid-check` proves a connection to it or says what is wrong.
//!
//! Needs the `portvakt` binary (`cargo build -p portvakt`, which scripts/test runs first).

use portvakt_tests::{binary, free_port};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

struct Simulator(Child);

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn simulator(rp: u16, app: u16, dir: &std::path::Path) -> Command {
    let mut command = Command::new(binary());
    command
        .args(["bankid-simulator", "--listen", &format!("127.0.0.1:{rp}")])
        .args(["--app-listen", &format!("127.0.0.1:{app}")])
        .arg("--pki-dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn check(rp: u16, ca: &std::path::Path, pem: &std::path::Path) -> Output {
    Command::new(binary())
        .args([
            "bankid-check",
            "--url",
            &format!("https://127.0.0.1:{rp}/rp/v6.0/"),
        ])
        .arg("--ca")
        .arg(ca)
        .arg("--pem")
        .arg(pem)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run bankid-check")
}

#[tokio::test]
async fn the_simulator_command_serves_and_bankid_check_proves_it() {
    let dir = tempfile::tempdir().expect("dir");
    let (rp, app) = (free_port(), free_port());
    let _running = Simulator(simulator(rp, app, dir.path()).spawn().expect("start"));
    let (ca, client) = (dir.path().join("ca.pem"), dir.path().join("client.pem"));
    let mut up = false;
    for _ in 0..100 {
        if client.exists()
            && reqwest::get(format!("http://127.0.0.1:{app}/sim"))
                .await
                .is_ok()
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the simulator came up");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&client)
            .expect("client.pem")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the private key is for its owner only");
    }

    let ok = check(rp, &ca, &client);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("OK: "));

    // BankID's test CA is not the simulator's: the check names the wrong CA file.
    let bankid_ca = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../config/bankid/test-bankid-ssl-root-ca-v1-test.pem");
    let wrong = check(rp, &bankid_ca, &client);
    assert!(!wrong.status.success());
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        stderr.contains("does not chain to the --ca file"),
        "{stderr}"
    );

    // A second start on the same ports fails and leaves the running one's files alone.
    let before = std::fs::read(&ca).expect("ca.pem");
    let second = simulator(rp, app, dir.path())
        .status()
        .expect("second start");
    assert!(!second.success());
    assert_eq!(std::fs::read(&ca).expect("ca.pem"), before);
    let still = check(rp, &ca, &client);
    assert!(
        still.status.success(),
        "{}",
        String::from_utf8_lossy(&still.stderr)
    );
}
