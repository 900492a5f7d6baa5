//! Wiring: configuration to backends to application state to a listening server.
//! The binary (`main.rs`) and the end-to-end tests both start Portvakt through here.

pub mod accounts_csv;
pub mod bankid_setup;
pub mod gateways;
pub mod listener;
pub mod methods;

use anyhow::Context;
use portvakt_core::config::{Config, Profile};
use portvakt_core::ephemeral::Ephemeral;
use portvakt_core::notify::Messenger;
use portvakt_core::ports::{AccountRepo, EphemeralStore, KeyRepo};
use portvakt_core::time::{Clock, SystemClock, UnixTime};
use portvakt_store::{MemoryStore, RedisStore, SqlStore};
use portvakt_web::AppState;
use portvakt_web::flows::FlowRegistry;
use portvakt_web::hashing::PasswordHasher;
use portvakt_web::keys::KeyCache;
use portvakt_web::state::Readiness;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Checks what the core loader cannot without josekit: every `private_key_jwt` client's
/// JWK Set. Returns problems in the loader's "file: key: message" form.
pub fn check_client_keys(config: &Config) -> Vec<String> {
    config
        .clients
        .iter()
        .filter_map(|c| match &c.credential {
            portvakt_core::config::ClientCredential::PrivateKeyJwt { jwks } => {
                portvakt_jose::check_jwks(jwks)
                    .err()
                    .map(|e| format!("{}: jwks: {e}", c.file.display()))
            }
            _ => None,
        })
        .collect()
}

/// The database URL: configured, or SQLite under `data_dir` (the embedded default).
pub fn database_url(config: &Config) -> anyhow::Result<String> {
    if let Some(url) = &config.settings.database.url {
        return Ok(url.clone());
    }
    let dir = config.dir.join(&config.settings.data_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(format!(
        "sqlite://{}?mode=rwc",
        dir.join("portvakt.db").display()
    ))
}

/// The connected backends.
#[derive(Clone)]
pub struct Backends {
    /// Durable store.
    pub sql: SqlStore,
    /// Redis, when configured.
    pub redis: Option<RedisStore>,
    /// The ephemeral store in use (Redis or memory).
    pub ephemeral: Arc<dyn EphemeralStore>,
}

impl Backends {
    /// Connects to what the configuration names.
    pub async fn connect(config: &Config) -> anyhow::Result<Self> {
        let url = database_url(config)?;
        let sql = SqlStore::connect(&url, config.settings.database.max_connections)
            .await
            .context("connecting to the database")?;
        let redis = match &config.settings.redis {
            Some(r) => {
                let url = r.url.as_deref().context("redis.url")?;
                Some(
                    RedisStore::connect(url, &r.key_prefix)
                        .await
                        .context("connecting to Redis")?,
                )
            }
            None => None,
        };
        let ephemeral: Arc<dyn EphemeralStore> = match &redis {
            Some(r) => Arc::new(r.clone()),
            None => Arc::new(MemoryStore::new()),
        };
        Ok(Backends {
            sql,
            redis,
            ephemeral,
        })
    }
}

struct BackendReadiness(Backends);

#[async_trait::async_trait]
impl Readiness for BackendReadiness {
    async fn check(&self) -> Result<(), String> {
        self.0.sql.ping().await.map_err(|e| e.to_string())?;
        if let Some(r) = &self.0.redis {
            r.ping().await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Prepares the database: migrations run automatically only in the development profile;
/// in production `portvakt migrate` must have run (house style §10).
pub async fn prepare_database(config: &Config, sql: &SqlStore) -> anyhow::Result<()> {
    if config.settings.profile == Profile::Development {
        sql.migrate().await.context("migrating the database")?;
        return Ok(());
    }
    let pending = sql.pending_migrations().await?;
    anyhow::ensure!(
        pending.is_empty(),
        "the database needs migrations ({}); run `portvakt migrate` first",
        pending.join(", ")
    );
    Ok(())
}

/// Builds the application state.
pub async fn build_state(
    config: Arc<Config>,
    backends: &Backends,
    clock: Arc<dyn Clock>,
    flows: Option<FlowRegistry>,
) -> anyhow::Result<AppState> {
    prepare_database(&config, &backends.sql).await?;
    let hasher = PasswordHasher::new(&config.settings.login)?;
    if config.settings.profile == Profile::Development {
        import_demo_accounts(&config, &backends.sql, &hasher).await?;
    }
    let keys = KeyCache::load(
        Arc::new(backends.sql.clone()),
        &config.settings,
        clock.clone(),
    )
    .await?;
    keys.spawn_reloader(Duration::from_secs(config.settings.keys.reload_secs.max(1)));
    let gateways = gateways::gateways(&config, backends.ephemeral.clone())?;
    let messenger = Messenger::new(
        gateways.sms.clone(),
        gateways.email.clone(),
        backends.ephemeral.clone(),
        Arc::new(backends.sql.clone()),
        config.settings.notify.limits.limits(),
    );
    let mut bankid = std::collections::BTreeMap::new();
    for (id, settings) in &config.settings.methods {
        if let portvakt_core::config::MethodSettings::Bankid(b) = settings {
            let connection =
                bankid_setup::connect(&config, b, backends.ephemeral.clone(), &backends.sql)
                    .await
                    .with_context(|| format!("connecting [methods.{id}] to BankID"))?;
            bankid.insert(id.clone(), connection);
        }
    }
    let status = Arc::new(std::sync::RwLock::new(Vec::new()));
    let expiries: Vec<(String, Option<i64>)> = bankid
        .iter()
        .map(|(id, c)| (id.clone(), c.rp_certificate_expires))
        .collect();
    watch_certificates(expiries, status.clone(), clock.clone());
    let services = methods::Services {
        bankid,
        accounts: Arc::new(backends.sql.clone()),
        hasher: hasher.clone(),
        ephemeral: Ephemeral::new(backends.ephemeral.clone()),
        audit: Arc::new(backends.sql.clone()),
        code_lists: Arc::new(backends.sql.clone()),
        messenger: messenger.clone(),
        clock: clock.clone(),
    };
    let methods = methods::registry(&config, &services);
    // The configured flows, and a test's own beside them.
    let mut configured = methods::flows(&config, &services)?;
    if let Some(extra) = flows {
        configured.extend(extra);
    }
    let flows = configured;
    Ok(AppState {
        status,
        flows: Arc::new(flows),
        links: portvakt_web::flows::links::FlowLinks::new(
            Ephemeral::new(backends.ephemeral.clone()),
            &config.settings.issuer,
        ),
        clock,
        messenger,
        outbox: gateways.outbox,
        methods: Arc::new(methods),
        accounts: Arc::new(backends.sql.clone()),
        grants: Arc::new(backends.sql.clone()),
        audit: Arc::new(backends.sql.clone()),
        ephemeral: Ephemeral::new(backends.ephemeral.clone()),
        keys,
        hasher,
        readiness: Arc::new(BackendReadiness(backends.clone())),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("building the HTTP client")?,
        config,
    })
}

/// Keeps `/readyz`'s lines on the BankID RP certificates current, and warns in the log
/// from 14 days before one expires, at start and then daily.
fn watch_certificates(
    expiries: Vec<(String, Option<i64>)>,
    status: Arc<std::sync::RwLock<Vec<String>>>,
    clock: Arc<dyn Clock>,
) {
    if expiries.is_empty() {
        return;
    }
    let check = move || {
        let now = clock.now().0;
        let mut lines = Vec::new();
        for (id, expires) in &expiries {
            let (line, soon) = bankid_setup::certificate_status(id, *expires, now);
            if soon {
                tracing::warn!(method = %id, status = %line, "the BankID RP certificate expires within 14 days: renew it");
            }
            lines.push(line);
        }
        if let Ok(mut current) = status.write() {
            *current = lines;
        }
    };
    check();
    tokio::spawn(async move {
        let mut daily = tokio::time::interval(Duration::from_secs(86_400));
        daily.tick().await;
        loop {
            daily.tick().await;
            check();
        }
    });
}

/// Imports the demo accounts when the database has none (development profile).
async fn import_demo_accounts(
    config: &Config,
    sql: &SqlStore,
    hasher: &PasswordHasher,
) -> anyhow::Result<()> {
    let Some(file) = &config.settings.demo.accounts_file else {
        return Ok(());
    };
    if !sql.list_accounts(1, 0).await?.is_empty() {
        return Ok(());
    }
    let path = config.dir.join(file);
    let report = accounts_csv::import(&path, sql, sql, hasher).await?;
    tracing::info!(created = report.created, file = %path.display(), "imported demo accounts");
    Ok(())
}

/// `portvakt keys rotate`: publishes a new key per configured algorithm now, signing
/// after `keys.activation_delay_secs`; the keys it replaces stay published until every
/// token they signed has expired (S17).
pub async fn rotate_keys(
    config: &Config,
    sql: &SqlStore,
) -> anyhow::Result<portvakt_jose::RotationPlan> {
    let now = UnixTime::now();
    let plan = portvakt_jose::plan_rotation(
        &sql.list_keys(now).await?,
        &config.settings.keys.algorithms,
        now,
        Duration::from_secs(config.settings.keys.activation_delay_secs),
        config.settings.tokens.longest_signed_lifetime(),
    )?;
    for k in &plan.new_keys {
        sql.insert_key(k).await?;
    }
    for (kid, retired, expires) in &plan.retire {
        sql.retire_key(kid, *retired, *expires).await?;
    }
    Ok(plan)
}

/// Serves until the process is stopped.
pub async fn serve(config: Arc<Config>, listener: TcpListener) -> anyhow::Result<()> {
    serve_with_clock(config, listener, Arc::new(SystemClock)).await
}

/// Serves with `clock` as the time (tests move a manual clock instead of sleeping).
pub async fn serve_with_clock(
    config: Arc<Config>,
    listener: TcpListener,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<()> {
    serve_with(config, listener, clock, None).await
}

/// Serves with `clock` as the time and `flows` as the flows outside a login
/// transaction (tests register flows of their own to drive the framework).
pub async fn serve_with(
    config: Arc<Config>,
    listener: TcpListener,
    clock: Arc<dyn Clock>,
    flows: Option<FlowRegistry>,
) -> anyhow::Result<()> {
    let backends = Backends::connect(&config).await?;
    let http = config.settings.http.clone();
    let state = build_state(config, &backends, clock, flows).await?;
    let app = portvakt_web::router(state);
    listener::serve(listener, app, &http, shutdown_signal()).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
