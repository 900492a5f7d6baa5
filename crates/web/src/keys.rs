//! The signing keys every instance shares: read from the database, cached, and re-read
//! every `keys.reload_secs` so a rotation reaches all instances.

use crate::error::AppError;
use portvakt_core::config::Settings;
use portvakt_core::ports::KeyRepo;
use portvakt_core::time::Clock;
use portvakt_jose::{Keyring, generate_key, plan_unconfigured_retirement};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A cached keyring with its loader.
#[derive(Clone)]
pub struct KeyCache {
    repo: Arc<dyn KeyRepo>,
    ring: Arc<RwLock<Arc<Keyring>>>,
    clock: Arc<dyn Clock>,
}

impl KeyCache {
    /// Loads the keys, first creating one per configured algorithm that has none
    /// (first start). Keys are generated active immediately (at `clock`'s now): nothing
    /// was signed before.
    pub async fn load(
        repo: Arc<dyn KeyRepo>,
        settings: &Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, AppError> {
        let now = clock.now();
        let existing = repo.list_keys(now).await?;
        for alg in &settings.keys.algorithms {
            if !existing.iter().any(|k| &k.alg == alg) {
                let key = generate_key(alg, now, now)?;
                repo.insert_key(&key).await?;
                tracing::info!(alg = %alg, kid = %key.kid, "generated signing key");
            }
        }
        // An algorithm taken out of `keys.algorithms`: its keys stop signing now and
        // leave the JWKS when their tokens have expired. Idempotent, so every instance
        // may do it at start.
        let retire = plan_unconfigured_retirement(
            &repo.list_keys(now).await?,
            &settings.keys.algorithms,
            now,
            settings.tokens.longest_signed_lifetime(),
        );
        for (kid, retired, expires) in &retire {
            repo.retire_key(kid, *retired, *expires).await?;
            tracing::info!(kid = %kid, "retired a signing key whose algorithm is no longer configured");
        }
        let ring = Keyring::new(repo.list_keys(now).await?)?;
        Ok(KeyCache {
            repo,
            ring: Arc::new(RwLock::new(Arc::new(ring))),
            clock,
        })
    }

    /// The current keyring.
    pub fn current(&self) -> Arc<Keyring> {
        match self.ring.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-reads the keys from the database.
    pub async fn reload(&self) -> Result<(), AppError> {
        let ring = Keyring::new(self.repo.list_keys(self.clock.now()).await?)?;
        match self.ring.write() {
            Ok(mut g) => *g = Arc::new(ring),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(ring),
        }
        Ok(())
    }

    /// Reloads forever, every `period`; failures are logged and the old keys kept.
    pub fn spawn_reloader(&self, period: Duration) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = me.reload().await {
                    tracing::warn!(error = %e, "could not reload signing keys; keeping the old ones");
                }
            }
        });
    }
}
