//! Test kit for Portvakt's end-to-end and store tests.
//!
//! Every test runs against both backends from the same code: SQLite + the in-process
//! store, and PostgreSQL + Redis. PostgreSQL and Redis are taken from
//! `PORTVAKT_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432`) and
//! `PORTVAKT_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`); when they are not
//! reachable the test fails with a message saying so — it never skips.

pub mod browser;
pub mod chromium;
pub mod flows;
pub mod logs;
pub mod proxy;
pub mod rp;
pub mod server;
pub mod sms_gateway;
pub mod smtp;

use portvakt_core::ports::EphemeralStore;
use portvakt_core::random::random_token;
use portvakt_store::{MemoryStore, RedisStore, SqlStore};
use std::path::PathBuf;
use std::sync::Arc;

/// Which pair of backends a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file + in-process ephemeral store (the embedded default).
    Sqlite,
    /// PostgreSQL + Redis (production).
    Postgres,
}

/// The PostgreSQL server for tests.
pub fn postgres_url() -> String {
    std::env::var("PORTVAKT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// The Redis server for tests.
pub fn redis_url() -> String {
    std::env::var("PORTVAKT_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Keeps a test's database while it lives and removes it afterwards: the SQLite file's
/// folder, or the PostgreSQL database (dropped with its connections, so the test
/// server's pool cannot keep it).
pub enum DatabaseGuard {
    /// A temporary folder with the SQLite file.
    Sqlite(tempfile::TempDir),
    /// A PostgreSQL database by name.
    Postgres(String),
}

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        let DatabaseGuard::Postgres(name) = self else {
            return;
        };
        let name = name.clone();
        // A thread of its own: this may run inside a runtime, which cannot block on
        // another one.
        let dropped = std::thread::spawn(move || {
            use sea_orm::{ConnectionTrait, Database};
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let admin = Database::connect(format!("{}/postgres", postgres_url())).await?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await?;
                admin.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop a test database (it stays until dropped by hand)");
        }
    }
}

/// A fresh, empty database for one test: a new SQLite file, or a new PostgreSQL
/// database. Returns its URL and the guard that removes it.
pub async fn fresh_database(backend: Backend) -> (String, DatabaseGuard) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, DatabaseGuard::Sqlite(dir))
        }
        Backend::Postgres => {
            use sea_orm::{ConnectionTrait, Database};
            let admin = format!("{}/postgres", postgres_url());
            let db = Database::connect(&admin).await.unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is required for this test and is not reachable at {admin}: {e}. \
                     Start it (see .ci/run) or set PORTVAKT_TEST_POSTGRES_URL."
                )
            });
            let name = format!(
                "portvakt_t_{}",
                random_token(9).to_lowercase().replace(['-', '_'], "x")
            );
            db.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            let url = format!("{}/{name}", postgres_url());
            (url, DatabaseGuard::Postgres(name))
        }
    }
}

/// A migrated SQL store on a fresh database.
pub async fn sql_store(backend: Backend) -> (SqlStore, DatabaseGuard) {
    let (url, guard) = fresh_database(backend).await;
    let store = SqlStore::connect(&url, 10).await.expect("connect");
    store.migrate().await.expect("migrate");
    (store, guard)
}

/// A unique Redis key prefix for one test.
pub fn redis_prefix() -> String {
    format!("portvakt-test:{}:", random_token(9))
}

/// The ephemeral store of a backend pair.
pub async fn ephemeral_store(backend: Backend) -> Arc<dyn EphemeralStore> {
    match backend {
        Backend::Sqlite => Arc::new(MemoryStore::new()),
        Backend::Postgres => Arc::new(
            RedisStore::connect(&redis_url(), &redis_prefix())
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "Redis is required for this test and is not reachable at {}: {e}. \
                         Start it (see .ci/run) or set PORTVAKT_TEST_REDIS_URL.",
                        redis_url()
                    )
                }),
        ),
    }
}

/// Runs one async test function on both backend pairs, as two named tests.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await;
                }
            )*
        }
    };
}

/// The `portvakt` binary, for tests that run it as a process.
pub fn binary() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let bin = target.join("debug/portvakt");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p portvakt` first (scripts/test does)",
        bin.display()
    );
    bin
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Common steps of the end-to-end tests.
pub mod flow {
    use crate::browser::{Browser, param};
    use crate::rp::{Flow, REDIRECT, Rp};
    use crate::server::TestServer;
    use openidconnect::core::CoreTokenResponse;
    use openidconnect::{Nonce, TokenResponse};
    use serde_json::Value;

    /// A user signs in through `rp`'s authorization request; returns the flow and the
    /// callback URL. Asserts `state` and `iss` (RFC 9207) on the way.
    pub async fn sign_in(
        server: &TestServer,
        rp: &Rp,
        scopes: &[&str],
        extra: &[(&str, &str)],
        username: &str,
        password: &str,
    ) -> (Flow, url::Url) {
        let flow = rp.start(scopes, extra);
        let callback = Browser::new()
            .sign_in(flow.url.as_str(), username, password)
            .await;
        assert_eq!(
            param(&callback, "state").as_deref(),
            Some(flow.state.secret().as_str())
        );
        assert_eq!(
            param(&callback, "iss").as_deref(),
            Some(server.issuer.as_str())
        );
        (flow, callback)
    }

    /// The payload of the ID token in `t`, as JSON.
    pub fn claims(t: &CoreTokenResponse) -> Value {
        use base64::Engine;
        let jwt = t.id_token().expect("id token").to_string();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(jwt.split('.').nth(1).expect("payload"))
                .expect("b64"),
        )
        .expect("json")
    }

    /// Sends an authorization request that the session must answer without a page.
    pub async fn silently(
        rp: &Rp,
        browser: &Browser,
        extra: &[(&str, &str)],
    ) -> Result<CoreTokenResponse, String> {
        let flow = rp.start(&[], extra);
        let location = browser.authorize(flow.url.as_str()).await;
        if !location.starts_with(REDIRECT) {
            return Err(format!("not silent: {location}"));
        }
        let url = url::Url::parse(&location).expect("url");
        if let Some(error) = param(&url, "error") {
            // OIDC Core §3.1.2.6: state and iss, and nothing else.
            let keys: std::collections::BTreeSet<String> =
                url.query_pairs().map(|(k, _)| k.into_owned()).collect();
            let allowed = ["error", "error_description", "state", "iss"];
            assert!(
                keys.iter().all(|k| allowed.contains(&k.as_str())),
                "{keys:?}"
            );
            assert_eq!(
                param(&url, "state").as_deref(),
                Some(flow.state.secret().as_str())
            );
            assert!(param(&url, "iss").is_some());
            return Err(error);
        }
        let t = rp
            .exchange(&param(&url, "code").expect("code"), flow.verifier)
            .await
            .expect("exchange");
        let nonce: &Nonce = &flow.nonce;
        t.id_token()
            .expect("id")
            .claims(&rp.client.id_token_verifier(), nonce)
            .expect("verifies");
        Ok(t)
    }

    /// Signs in and exchanges the code.
    pub async fn tokens(
        server: &TestServer,
        rp: &Rp,
        scopes: &[&str],
        username: &str,
        password: &str,
    ) -> CoreTokenResponse {
        let (flow, callback) = sign_in(server, rp, scopes, &[], username, password).await;
        let code = param(&callback, "code").expect("code");
        rp.exchange(&code, flow.verifier).await.expect("exchange")
    }
}
