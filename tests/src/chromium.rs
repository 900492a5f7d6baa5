//! Debian's headless Chromium driven through ChromeDriver, for the browser and
//! accessibility tests. Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (packages
//! chromium and chromium-driver, installed by scripts/test); fails, never skips,
//! without them.

use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running ChromeDriver, stopped when dropped.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts ChromeDriver on a free port; returns it and its URL.
pub async fn chromedriver() -> (Driver, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    // In `Driver` at once: killed and waited for however this function ends.
    let driver = Driver(
        Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "chromedriver is required: apt-get install chromium chromium-driver (see .ci/run)",
            ),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{url}/status")).await.is_ok() {
            return (driver, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

/// A headless Chromium session (its own fresh profile) through `driver_url`. Keep the
/// returned folder for as long as the session lives.
pub async fn chromium(driver_url: &str) -> (fantoccini::Client, tempfile::TempDir) {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1000,900",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }),
    );
    let client = fantoccini::ClientBuilder::native()
        .capabilities(caps)
        .connect(driver_url)
        .await
        .expect("connect to chromedriver");
    (client, profile)
}
