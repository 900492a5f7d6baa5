//! Several instances at once: two `portvakt serve` processes on one PostgreSQL and one
//! Redis. One user's login alternates between them (authorize on the first, credentials
//! on the second, code exchange on the first), then single sign-on on the second and
//! logout on the first, after which the session is gone on both. Nothing but caches may
//! live in process memory for this to pass.
//!
//! Needs the `portvakt` binary (`cargo build -p portvakt`, which scripts/test runs first)
//! and PostgreSQL and Redis; it fails, never skips, without them.

use openidconnect::TokenResponse;
use portvakt_tests::browser::{Browser, param};
use portvakt_tests::rp::{REDIRECT, Rp};
use portvakt_tests::server::{SECRET, seed_account};
use portvakt_tests::{Backend, binary, free_port, fresh_database, redis_prefix, redis_url};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Instance {
    child: Child,
    log: PathBuf,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(config: &std::path::Path, port: u16, dir: &std::path::Path, name: &str) -> Instance {
    let log = dir.join(format!("{name}.log"));
    // The second instance is configured through the environment only, as containers
    // are; both log JSON. None of these variables may be mistaken for a config key.
    let mut cmd = Command::new(binary());
    if name == "a" {
        cmd.args(["--config", &config.display().to_string(), "serve"]);
    } else {
        cmd.arg("serve").env("PORTVAKT_CONFIG", config);
    }
    let child = cmd
        .env("PORTVAKT_LISTEN", format!("127.0.0.1:{port}"))
        .env("PORTVAKT_LOG_FORMAT", "json")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::from(std::fs::File::create(&log).expect("log")))
        .stderr(Stdio::from(
            std::fs::File::create(dir.join(format!("{name}.err"))).expect("log"),
        ))
        .spawn()
        .expect("start portvakt");
    Instance { child, log }
}

async fn wait_ready(port: u16, instance: &Instance) {
    for _ in 0..200 {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "instance on {port} not ready; log: {}",
        std::fs::read_to_string(&instance.log).unwrap_or_default()
    );
}

fn on(url: &str, port: u16) -> String {
    let mut u = url::Url::parse(url).expect("url");
    u.set_port(Some(port)).expect("port");
    u.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_login_across_two_processes() {
    let (db_url, _database) = fresh_database(Backend::Postgres).await;
    let dir = tempfile::tempdir().expect("dir");
    let (a, b) = (free_port(), free_port());
    let issuer = format!("http://127.0.0.1:{a}");
    std::fs::create_dir(dir.path().join("clients")).expect("clients");
    std::fs::write(
        dir.path().join("portvakt.toml"),
        format!(
            "issuer = \"{issuer}\"\nprofile = \"development\"\n[database]\nurl = \"{db_url}\"\n\
             [redis]\nurl = \"{}\"\nkey_prefix = \"{}\"\n",
            redis_url(),
            redis_prefix()
        ),
    )
    .expect("main");
    std::fs::write(
        dir.path().join("clients/rp.toml"),
        format!(
            "client_id = \"rp\"\ndisplay_name = \"RP\"\nclient_secret = \"{SECRET}\"\n\
             redirect_uris = [\"{REDIRECT}\"]\npost_logout_redirect_uris = [\"https://rp.example/out\"]\n\
             acr_values = [\"urn:portvakt:acr:password\"]\n"
        ),
    )
    .expect("client");
    let config = dir.path().join("portvakt.toml");
    // Once per release, before the instances start: schema and signing keys.
    let migrate = Command::new(binary())
        .args(["--config", &config.display().to_string(), "migrate"])
        .output()
        .expect("migrate");
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    let sql = portvakt_store::SqlStore::connect(&db_url, 2)
        .await
        .expect("db");
    seed_account(&sql, |acc| acc.username = Some("anna".into()), "Losenord-1").await;

    let first = start(&config, a, dir.path(), "a");
    let second = start(&config, b, dir.path(), "b");
    wait_ready(a, &first).await;
    wait_ready(b, &second).await;

    let rp = Rp::discover(&issuer, "rp", Some(SECRET)).await;
    let browser = Browser::new();
    // Authorize on the first instance…
    let flow = rp.start(&[], &[]);
    let login_path = browser.authorize(flow.url.as_str()).await;
    assert!(login_path.starts_with("/login/"));
    // …the login page and the credentials on the second…
    let page = browser
        .page(&format!("http://127.0.0.1:{b}{login_path}"))
        .await;
    let (status, location) = browser
        .submit(&page, &[("username", "anna"), ("password", "Losenord-1")])
        .await;
    assert_eq!(status, 303);
    let callback = url::Url::parse(&location).expect("callback");
    // …and the code exchange on the first (the RP's token endpoint is the issuer's).
    let tokens = rp
        .exchange(&param(&callback, "code").expect("code"), flow.verifier)
        .await
        .expect("exchange");
    let id_token = tokens.id_token().expect("id").to_string();
    let session_key = browser
        .cookie(&issuer, "portvakt-session")
        .expect("session cookie");

    // Single sign-on on the second instance.
    let sso = rp.start(&[], &[("prompt", "none")]);
    let location = browser.authorize(&on(sso.url.as_str(), b)).await;
    let url = url::Url::parse(&location).expect("callback");
    assert!(
        param(&url, "code").is_some(),
        "the second instance sees the session: {location}"
    );
    rp.exchange(&param(&url, "code").expect("code"), sso.verifier)
        .await
        .expect("exchange on the first");

    // Logout on the first.
    let mut logout = url::Url::parse(&format!("{issuer}/logout")).expect("url");
    logout
        .query_pairs_mut()
        .append_pair("id_token_hint", &id_token)
        .append_pair("post_logout_redirect_uri", "https://rp.example/out");
    let r = browser
        .http
        .get(logout.as_str())
        .send()
        .await
        .expect("logout");
    assert_eq!(r.headers()["location"], "https://rp.example/out");

    // Gone on both, even for a browser that still presents the old session cookie.
    let replay = Browser::new();
    replay.jar.add_cookie_str(
        &format!("portvakt-session={session_key}; Path=/"),
        &issuer.parse().expect("url"),
    );
    for port in [a, b] {
        let flow = rp.start(&[], &[("prompt", "none")]);
        let location = replay.authorize(&on(flow.url.as_str(), port)).await;
        let url = url::Url::parse(&location).expect("callback");
        assert_eq!(
            param(&url, "error").as_deref(),
            Some("login_required"),
            "instance {port}"
        );
    }
}
