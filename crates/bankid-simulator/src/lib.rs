//! A BankID RP API v6 simulator for development and tests. It answers the same paths,
//! bodies, status codes and error bodies as BankID (see `rp_api`), optionally over
//! mutual TLS with a generated CA (see `pki`), and adds a simulated BankID app with
//! scriptable outcomes (see `app_api`, `script`). No open simulator covers v6, hence
//! this one (reference: `shared/reference/bankid-v6.md`, "Simulator").
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! use portvakt_bankid_simulator::{Simulator, TestPki, spawn};
//! let pki = TestPki::generate("Simulator CA")?;
//! let running = spawn(Simulator::default(), "127.0.0.1:0".parse()?, Some(&pki)).await?;
//! println!("RP API at {}, app at {}", running.rp_api_url(), running.app_url());
//! # Ok(()) }
//! ```

pub mod app_api;
pub mod pki;
pub mod rp_api;
pub mod script;
pub mod server;
pub mod world;

pub use pki::{IssuedIdentity, TestPki};
pub use script::{Outcome, Script, TestPerson};
pub use world::{Fault, Timings, World};

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// The simulator: shared state behind the routers. Clone freely.
#[derive(Clone)]
pub struct Simulator {
    world: Arc<Mutex<World>>,
}

impl Default for Simulator {
    fn default() -> Self {
        Simulator::new(Timings::default())
    }
}

impl Simulator {
    /// A simulator with these timings.
    pub fn new(timings: Timings) -> Self {
        Simulator {
            world: Arc::new(Mutex::new(World::new(timings))),
        }
    }

    /// The state, for in-process control (tests) and the handlers.
    pub fn world(&self) -> MutexGuard<'_, World> {
        // The world holds no invariant a panicking handler could break halfway.
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every route: the RP API, the simulated app and the control API.
    pub fn router(&self) -> axum::Router {
        rp_api::router(self.clone()).merge(app_api::router(self.clone()))
    }
}

/// A simulator serving on a port; stops when dropped.
pub struct Running {
    base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `https://127.0.0.1:<port>/rp/v6.0/` (or `http://` without TLS).
    pub fn rp_api_url(&self) -> String {
        format!("{}rp/v6.0/", self.base)
    }

    /// The simulated app's page.
    pub fn app_url(&self) -> String {
        format!("{}sim", self.base)
    }

    /// The root URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `sim` on `addr` (port 0 picks a free one), with mutual TLS when `pki` is
/// given.
pub async fn spawn(
    sim: Simulator,
    addr: SocketAddr,
    pki: Option<&TestPki>,
) -> Result<Running, Box<dyn std::error::Error + Send + Sync>> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    spawn_on(sim, listener, pki)
}

/// Serves `sim` on a bound listener, with mutual TLS when `pki` is given.
pub fn spawn_on(
    sim: Simulator,
    listener: tokio::net::TcpListener,
    pki: Option<&TestPki>,
) -> Result<Running, Box<dyn std::error::Error + Send + Sync>> {
    let tls = pki.map(TestPki::server_config).transpose()?;
    let local = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let base = format!("{scheme}://{local}/");
    let task = tokio::spawn(server::serve(listener, sim.router(), tls));
    Ok(Running { base, task })
}
