//! argon2id password hashing off the async runtime, with bounded concurrency (S35),
//! and a dummy hash so unknown users cost the same time as known ones (S32).

use crate::error::AppError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use portvakt_core::config::LoginSettings;
use portvakt_core::secret::Secret;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Hashes and verifies passwords, PINs and client secrets.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    dummy: Arc<String>,
}

impl PasswordHasher {
    /// Builds a hasher with the configured cost and concurrency.
    pub fn new(settings: &LoginSettings) -> Result<Self, AppError> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| AppError::Internal(format!("argon2 parameters: {e}")))?;
        let dummy = hash_with(&params, "portvakt-dummy-password")?;
        Ok(PasswordHasher {
            params,
            permits: Arc::new(Semaphore::new(settings.max_concurrent_hashes)),
            dummy: Arc::new(dummy),
        })
    }

    /// Hashes `secret` (argon2id PHC string with a random salt).
    pub async fn hash(&self, secret: &Secret) -> Result<String, AppError> {
        let params = self.params.clone();
        let value = secret.clone();
        self.run(move || hash_with(&params, value.expose())).await?
    }

    /// Verifies `secret` against `hash`; with no hash (unknown user) it verifies against
    /// a dummy so the time taken does not tell whether the account exists.
    pub async fn verify(&self, secret: &Secret, hash: Option<&str>) -> Result<bool, AppError> {
        let known = hash.is_some();
        let hash = hash
            .map(str::to_owned)
            .unwrap_or_else(|| self.dummy.to_string());
        let value = secret.clone();
        let ok = self
            .run(move || {
                PasswordHash::new(&hash)
                    .map(|parsed| {
                        Argon2::default()
                            .verify_password(value.expose().as_bytes(), &parsed)
                            .is_ok()
                    })
                    .unwrap_or(false)
            })
            .await?;
        Ok(known && ok)
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        // A bounded wait: under a flood of attempts, answer 503 rather than queue forever.
        let _permit = tokio::time::timeout(Duration::from_secs(10), self.permits.acquire())
            .await
            .map_err(|_| AppError::Unavailable("password hashing is saturated".into()))?
            .map_err(|_| AppError::Internal("hasher closed".into()))?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| AppError::Internal(format!("hashing task: {e}")))
    }
}

fn hash_with(params: &Params, secret: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_verify_and_dummy() {
        let h = PasswordHasher::new(&LoginSettings::default()).expect("hasher");
        let pw = Secret::new("Hemligt123");
        let hash = h.hash(&pw).await.expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(h.verify(&pw, Some(&hash)).await.expect("verify"));
        assert!(
            !h.verify(&Secret::new("fel"), Some(&hash))
                .await
                .expect("verify")
        );
        // Unknown user: never true, even for the dummy's own password.
        assert!(
            !h.verify(&Secret::new("portvakt-dummy-password"), None)
                .await
                .expect("verify")
        );
    }
}
