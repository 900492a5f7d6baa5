//! The BankID connection of a `[methods.<id>] kind = "bankid"` (docs/bankid.md): BankID's
//! servers with the RP certificate, or in development the simulator started inside this
//! process on loopback (the embedded default), with mutual TLS like the real thing.

use anyhow::Context;
use portvakt_bankid::tls::{ClientIdentity, ServerCa};
use portvakt_bankid::{Client, ClientConfig, Orders};
use portvakt_bankid_simulator::{Simulator, TestPerson, TestPki};
use portvakt_core::config::{BankIdSettings, Config};
use portvakt_core::ports::{AccountRepo, EphemeralStore};
use std::sync::Arc;
use std::time::Duration;

/// A method's orders, and the simulator serving them when there is one.
pub struct BankIdConnection {
    /// Orders at BankID (or the simulator).
    pub orders: Arc<Orders>,
    /// The simulated app's page (development).
    pub simulator_app: Option<String>,
    /// Keeps the simulator's RP API running; it stops when this is dropped.
    pub simulator: Option<Arc<SimulatorTasks>>,
    /// When the RP certificate expires (Unix seconds), if it could be read.
    pub rp_certificate_expires: Option<i64>,
}

/// Warn this long before the RP certificate expires.
pub const EXPIRY_WARNING: Duration = Duration::from_secs(14 * 86_400);

/// The line `/readyz` shows for a method's RP certificate, and whether it is within
/// [`EXPIRY_WARNING`] of expiry (or past it), as of `now` (Unix seconds).
pub fn certificate_status(method: &str, expires: Option<i64>, now: i64) -> (String, bool) {
    let Some(at) = expires else {
        return (
            format!("bankid ({method}): the RP certificate's expiry could not be read"),
            false,
        );
    };
    let day = portvakt_core::time::stockholm_date(portvakt_core::time::UnixTime(at)).to_string();
    let days = (at - now).div_euclid(86_400);
    let soon = at - now <= i64::try_from(EXPIRY_WARNING.as_secs()).unwrap_or(i64::MAX);
    (
        format!("bankid ({method}): RP certificate valid until {day} ({days} days)"),
        soon,
    )
}

/// The simulator's two listeners: the RP API (mutual TLS) and the app's page.
pub struct SimulatorTasks {
    _rp_api: portvakt_bankid_simulator::Running,
    app: tokio::task::JoinHandle<()>,
}

impl Drop for SimulatorTasks {
    fn drop(&mut self) {
        self.app.abort();
    }
}

/// Connects `settings`: the simulator (development), or BankID with the configured
/// certificate and CA (files relative to the configuration's folder).
///
/// Errors: files unreadable, a certificate that does not parse, the simulator's ports.
pub async fn connect(
    config: &Config,
    settings: &BankIdSettings,
    store: Arc<dyn EphemeralStore>,
    accounts: &dyn AccountRepo,
) -> anyhow::Result<BankIdConnection> {
    let timeout = Duration::from_secs(settings.timeout_secs);
    if settings.simulator {
        return simulator(settings, store, accounts, timeout).await;
    }
    let read = |p: &std::path::Path| {
        let path = config.dir.join(p);
        std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
    };
    let identity = match (
        &settings.rp_certificate_p12_file,
        &settings.rp_certificate_pem_file,
    ) {
        (Some(p12), _) => {
            let var = settings
                .rp_certificate_password_env
                .as_deref()
                .unwrap_or("BANKID_CERT_PASSWORD");
            let password = std::env::var(var)
                .with_context(|| format!("set {var} to the RP certificate's password"))?;
            ClientIdentity::from_pkcs12(&read(p12)?, &password)?
        }
        (None, Some(pem)) => ClientIdentity::from_pem(&read(pem)?)?,
        (None, None) => anyhow::bail!("no RP certificate for BankID"),
    };
    let ca = settings
        .server_ca_file
        .as_deref()
        .context("server_ca_file")?;
    let base_url = url::Url::parse(settings.api_url.as_deref().context("api_url")?)?;
    let rp_certificate_expires = identity.not_after();
    let client = Client::new(ClientConfig {
        base_url,
        identity,
        server_ca: ServerCa::from_pem(&read(ca)?)?,
        timeout,
    })?;
    Ok(BankIdConnection {
        orders: Arc::new(Orders::new(Arc::new(client), store)),
        simulator_app: None,
        simulator: None,
        rp_certificate_expires,
    })
}

/// The simulator on loopback: a fresh CA and RP certificate at every start, and every
/// account with a personnummer and a name as a test person, so the demo accounts sign
/// in with the simulated app.
async fn simulator(
    settings: &BankIdSettings,
    store: Arc<dyn EphemeralStore>,
    accounts: &dyn AccountRepo,
    timeout: Duration,
) -> anyhow::Result<BankIdConnection> {
    use portvakt_bankid_simulator::{app_api, server, spawn};
    let pki = TestPki::generate("Portvakt BankID Simulator CA (development)")?;
    let rp = pki.issue_client("Portvakt development RP")?;
    let sim = Simulator::default();
    for a in accounts.list_accounts(10_000, 0).await? {
        if let (Some(pnr), Some(given), Some(family)) =
            (&a.personnummer, &a.given_name, &a.family_name)
        {
            // False for a person the simulator already has (its own test persons).
            let _added = sim
                .world()
                .add_person(TestPerson::new(pnr.as_str(), given, family));
        }
    }
    let running = spawn(sim.clone(), "127.0.0.1:0".parse()?, Some(&pki))
        .await
        .map_err(|e| anyhow::anyhow!("starting the BankID simulator: {e}"))?;
    let app_listener = tokio::net::TcpListener::bind(&settings.simulator_app_listen)
        .await
        .with_context(|| {
            format!(
                "binding the simulated BankID app to {} (simulator_app_listen)",
                settings.simulator_app_listen
            )
        })?;
    let app_url = format!("http://{}/sim", app_listener.local_addr()?);
    let app = tokio::spawn(server::serve(app_listener, app_api::router(sim), None));
    let identity = ClientIdentity::from_pem(rp.pem.as_bytes())?;
    let rp_certificate_expires = identity.not_after();
    let client = Client::new(ClientConfig {
        base_url: url::Url::parse(&running.rp_api_url())?,
        identity,
        server_ca: ServerCa::from_pem(pki.ca_pem().as_bytes())?,
        timeout,
    })?;
    tracing::info!(app = %app_url, "BankID simulator running in this process (development only)");
    Ok(BankIdConnection {
        orders: Arc::new(Orders::new(Arc::new(client), store)),
        simulator_app: Some(app_url),
        simulator: Some(Arc::new(SimulatorTasks {
            _rp_api: running,
            app,
        })),
        rp_certificate_expires,
    })
}

#[cfg(test)]
mod tests {
    use super::certificate_status;

    #[test]
    fn expiry_lines_and_the_warning() {
        let now = 1_800_000_000;
        let (line, soon) = certificate_status("bankid", Some(now + 100 * 86_400), now);
        assert!(
            line.contains("valid until") && line.contains("(100 days)"),
            "{line}"
        );
        assert!(!soon);
        let (_, soon) = certificate_status("bankid", Some(now + 13 * 86_400), now);
        assert!(soon, "13 days left: warn");
        let (_, soon) = certificate_status("bankid", Some(now - 1), now);
        assert!(soon, "expired: warn");
        assert!(
            certificate_status("bankid", None, now)
                .0
                .contains("could not be read")
        );
    }
}
