//! A real Portvakt server on a loopback port, configured from files written for the test.

use crate::{Backend, fresh_database, redis_prefix, redis_url};
use portvakt_core::account::Account;
use portvakt_core::config::{self, Config};
use portvakt_core::ports::AccountRepo;
use portvakt_core::time::UnixTime;
use portvakt_store::SqlStore;
use portvakt_web::hashing::PasswordHasher;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Client secrets of the standard test clients.
pub const SECRET: &str = "test-secret-0123456789-abcdefghijk";

/// The standard test clients, as TOML. `{issuer}` is replaced.
fn standard_clients() -> Vec<(&'static str, String)> {
    vec![
        (
            "rp.toml",
            r#"client_id = "rp"
display_name = "Test RP"
client_secret = "test-secret-0123456789-abcdefghijk"
redirect_uris = ["http://127.0.0.1:9/cb", "https://rp.example/cb"]
post_logout_redirect_uris = ["https://rp.example/logged-out"]
acr_values = ["urn:portvakt:acr:password", "urn:test:acr:customer"]
scopes = ["openid", "profile", "email", "phone", "offline_access", "https://id.oidc.se/scope/naturalPersonNumber"]
"#
            .into(),
        ),
        (
            "rp2.toml",
            r#"client_id = "rp2"
display_name = "Second RP"
token_endpoint_auth_method = "client_secret_post"
client_secret = "test-secret-0123456789-abcdefghijk"
redirect_uris = ["http://127.0.0.1:9/cb"]
acr_values = ["urn:portvakt:acr:password"]
id_token_signed_response_alg = "ES256"
userinfo_signed_response_alg = "RS256"
grant_types = ["authorization_code", "refresh_token", "client_credentials"]
"#
            .into(),
        ),
        (
            "public.toml",
            r#"client_id = "spa"
display_name = "Public SPA"
token_endpoint_auth_method = "none"
redirect_uris = ["http://127.0.0.1:9/cb"]
acr_values = ["urn:portvakt:acr:password"]
"#
            .into(),
        ),
    ]
}

/// Files a test can adjust before the server starts.
pub struct Setup {
    /// The main file (issuer and backends are filled in).
    pub main: String,
    /// Client files by name.
    pub clients: Vec<(String, String)>,
    /// Rewrites the database URL the server uses (e.g. through a proxy).
    pub database_url: Option<fn(&str) -> String>,
    /// The Redis URL the server uses instead of the test Redis.
    pub redis_url: Option<String>,
    /// Serve from this existing database (another test server's `database_url`)
    /// instead of a fresh one: a second instance, or the same data with a changed
    /// configuration.
    pub reuse_database: Option<String>,
    /// The server's time: a manual clock the test moves instead of sleeping.
    pub clock: Option<Arc<portvakt_core::time::ManualClock>>,
    /// Flows of the test's own, to drive the flow framework.
    pub flows: Option<portvakt_web::flows::FlowRegistry>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            main: r#"
[keys]
algorithms = ["RS256", "ES256", "PS256", "EdDSA"]
activation_delay_secs = 3600

[methods.password]
kind = "password"
acr_values = ["urn:portvakt:acr:password"]

[methods.customer]
kind = "password"
identifier = "customer_number"
acr_values = ["urn:test:acr:customer"]
"#
            .into(),
            clients: standard_clients()
                .into_iter()
                .map(|(n, c)| (n.to_owned(), c))
                .collect(),
            database_url: None,
            redis_url: None,
            reuse_database: None,
            clock: None,
            flows: None,
        }
    }
}

impl Setup {
    /// Sets `key` (dotted: `"keys.activation_delay_secs"`, `"methods.customer.level"`)
    /// in the main file to `value`, creating the tables on the way: a typed edit instead
    /// of replacing text.
    pub fn set(mut self, key: &str, value: impl Into<toml::Value>) -> Self {
        let mut main: toml::Table = self.main.parse().expect("the main file is TOML");
        set_dotted(&mut main, key, value.into());
        self.main = main.to_string();
        self
    }

    /// Adds a client file.
    pub fn client(mut self, client: TestClient) -> Self {
        let name = format!("{}.toml", client.id());
        self.clients.retain(|(n, _)| *n != name);
        self.clients.push((name, client.0.to_string()));
        self
    }

    /// The server's time: a manual clock the test moves.
    pub fn clock(mut self, clock: Arc<portvakt_core::time::ManualClock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Starts the server on `backend`.
    pub async fn start(self, backend: Backend) -> TestServer {
        TestServer::start_with(backend, self).await
    }
}

fn set_dotted(table: &mut toml::Table, key: &str, value: toml::Value) {
    match key.split_once('.') {
        None => {
            table.insert(key.to_owned(), value);
        }
        Some((head, rest)) => {
            let inner = table
                .entry(head.to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            let toml::Value::Table(inner) = inner else {
                panic!("{head} is not a table");
            };
            set_dotted(inner, rest, value);
        }
    }
}

/// A client file for a test, built with typed edits.
#[derive(Debug, Clone)]
pub struct TestClient(toml::Table);

impl TestClient {
    /// A confidential client (`client_secret_basic` with [`SECRET`]) that may use the
    /// password method, with `http://127.0.0.1:9/cb` as its redirect URI.
    pub fn confidential(id: &str) -> Self {
        let mut t = toml::Table::new();
        t.insert("client_id".into(), id.into());
        t.insert("display_name".into(), format!("Client {id}").into());
        t.insert("client_secret".into(), SECRET.into());
        t.insert(
            "redirect_uris".into(),
            toml::Value::Array(vec!["http://127.0.0.1:9/cb".into()]),
        );
        t.insert(
            "acr_values".into(),
            toml::Value::Array(vec!["urn:portvakt:acr:password".into()]),
        );
        TestClient(t)
    }

    /// Sets a key (dotted: `"branding.sms_from"`).
    pub fn set(mut self, key: &str, value: impl Into<toml::Value>) -> Self {
        set_dotted(&mut self.0, key, value.into());
        self
    }

    fn id(&self) -> String {
        self.0
            .get("client_id")
            .and_then(toml::Value::as_str)
            .unwrap_or("client")
            .to_owned()
    }
}

/// A running server.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub issuer: String,
    /// The loaded configuration.
    pub config: Arc<Config>,
    /// Direct access to the database, for seeding and checks.
    pub sql: SqlStore,
    /// Which backends.
    pub backend: Backend,
    /// The main configuration file, for the `portvakt` CLI.
    pub config_file: PathBuf,
    /// The database it serves from.
    pub database_url: String,
    _config_dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
    // Last: dropped after the server task is stopped.
    _database: Option<crate::DatabaseGuard>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// A setup to adjust with typed edits, then [`Setup::start`].
    pub fn builder() -> Setup {
        Setup::default()
    }

    /// Starts a server with the standard setup.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, Setup::default()).await
    }

    /// Starts a server with an adjusted setup.
    pub async fn start_with(backend: Backend, mut setup: Setup) -> Self {
        // The server's warnings and errors, in the failing test's captured output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn,portvakt_web=info".into()),
            )
            .try_init();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let issuer = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("addr").port()
        );
        let (db_url, database) = match &setup.reuse_database {
            Some(url) => (url.clone(), None),
            None => {
                let (url, guard) = fresh_database(backend).await;
                (url, Some(guard))
            }
        };
        let served_url = setup
            .database_url
            .map(|f| f(&db_url))
            .unwrap_or_else(|| db_url.clone());
        let (config, dir) = write_config(backend, &setup, &issuer, &served_url);
        let config = Arc::new(config);
        let sql = SqlStore::connect(&db_url, 5).await.expect("connect");
        let cfg = config.clone();
        let clock: Arc<dyn portvakt_core::time::Clock> = match &setup.clock {
            Some(c) => c.clone(),
            None => Arc::new(portvakt_core::time::SystemClock),
        };
        let flows = setup.flows.take();
        let task = tokio::spawn(async move {
            if let Err(e) = portvakt::serve_with(cfg, listener, clock, flows).await {
                panic!("server failed: {e:#}");
            }
        });
        wait_until_up(&issuer).await;
        let config_file = dir.path().join("portvakt.toml");
        TestServer {
            issuer,
            config,
            sql,
            backend,
            config_file,
            database_url: db_url.clone(),
            _config_dir: dir,
            task,
            _database: database,
        }
    }

    /// An absolute URL on the server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// Runs the real `portvakt` binary with this server's configuration (an operator's
    /// command beside the running server), `stdin` on its standard input; asserts it
    /// succeeded and returns what it printed.
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> String {
        let (ok, text) = self.try_cli(args, stdin);
        assert!(ok, "portvakt {args:?} failed: {text}");
        text
    }

    /// Like [`TestServer::cli`], for commands that may fail: whether it succeeded, and
    /// what it printed on both streams.
    pub fn try_cli(&self, args: &[&str], stdin: Option<&str>) -> (bool, String) {
        run_portvakt(&self.config_file, &[], args, stdin)
    }

    /// A copy of this server's main file with `top` put before it (top-level keys) and
    /// `tables` after it, beside it (so relative paths still resolve), for running the
    /// CLI with a changed configuration through [`run_portvakt`].
    pub fn config_variant(&self, name: &str, top: &str, tables: &str) -> PathBuf {
        let main = std::fs::read_to_string(&self.config_file).expect("main file");
        let path = self.config_file.with_file_name(name);
        std::fs::write(&path, format!("{top}\n{main}\n{tables}\n")).expect("write variant");
        path
    }
}

/// Runs the real `portvakt` binary with the configuration file `config`, extra
/// environment variables `env` and `stdin` on its standard input: whether it
/// succeeded, and what it printed on both streams.
pub fn run_portvakt(
    config: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
    stdin: Option<&str>,
) -> (bool, String) {
    {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new(crate::binary())
            .envs(env.iter().copied())
            .arg("--config")
            .arg(config)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run portvakt");
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(stdin.unwrap_or("").as_bytes())
            .expect("write stdin");
        drop(input);
        let out = child.wait_with_output().expect("portvakt output");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }
}

impl TestServer {
    /// How many audit events of `kind` the server has recorded.
    pub async fn audit_count(&self, kind: portvakt_core::audit::AuditKind) -> usize {
        use portvakt_core::ports::AuditLog;
        self.sql
            .recent(10_000)
            .await
            .expect("audit")
            .iter()
            .filter(|e| e.kind == kind)
            .count()
    }

    /// Adds an account with a username and password; returns its id (the `sub`).
    pub async fn add_user(&self, username: &str, password: &str) -> Account {
        self.add_account(|a| a.username = Some(username.to_owned()), password)
            .await
    }

    /// Adds an account with both a username and a customer number (one person, two
    /// ways to sign in), with `password`.
    pub async fn add_user_and_customer(
        &self,
        username: &str,
        customer_number: &str,
        password: &str,
    ) -> Account {
        self.add_account(
            |a| {
                a.username = Some(username.to_owned());
                a.customer_number = Some(customer_number.to_owned());
            },
            password,
        )
        .await
    }

    /// Adds an account shaped by `f`, with `password`.
    pub async fn add_account(&self, f: impl FnOnce(&mut Account), password: &str) -> Account {
        seed_account(&self.sql, f, password).await
    }
}

/// Inserts a test account (a name, an e-mail, a mobile) shaped by `f`, with `password`.
pub async fn seed_account(sql: &SqlStore, f: impl FnOnce(&mut Account), password: &str) -> Account {
    let hasher = PasswordHasher::new(&Default::default()).expect("hasher");
    let mut a = Account::new(UnixTime::now());
    a.name = Some("Test Testsson".into());
    a.given_name = Some("Test".into());
    a.family_name = Some("Testsson".into());
    a.email = Some("test@example.se".into());
    a.email_verified = true;
    a.phone = Some("+46701234567".into());
    f(&mut a);
    a.password_hash = Some(hasher.hash_password(password).await.expect("hash"));
    sql.insert_account(&a).await.expect("insert account");
    a
}

fn write_config(
    backend: Backend,
    setup: &Setup,
    issuer: &str,
    db_url: &str,
) -> (Config, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    // The setup's text first, so top-level keys it has (trusted_proxies) stay top-level;
    // the backends' tables after it.
    let mut main = format!(
        "issuer = \"{issuer}\"\nprofile = \"development\"\n{}\n\n[database]\nurl = \"{db_url}\"\n\n",
        setup.main.replace("{issuer}", issuer)
    );
    if backend == Backend::Postgres {
        main.push_str(&format!(
            "[redis]\nurl = \"{}\"\nkey_prefix = \"{}\"\n\n",
            setup.redis_url.clone().unwrap_or_else(redis_url),
            redis_prefix()
        ));
    }
    std::fs::write(dir.path().join("portvakt.toml"), main).expect("write main");
    let clients: PathBuf = dir.path().join("clients");
    std::fs::create_dir(&clients).expect("clients dir");
    for (name, text) in &setup.clients {
        std::fs::write(clients.join(name), text.replace("{issuer}", issuer)).expect("write client");
    }
    let config = config::load(&dir.path().join("portvakt.toml")).unwrap_or_else(|errors| {
        panic!("test configuration invalid: {errors:#?}");
    });
    (config, dir)
}

async fn wait_until_up(issuer: &str) {
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{issuer}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the test server did not come up at {issuer}");
}
