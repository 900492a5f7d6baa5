//! argon2id password hashing on a small fixed pool of threads (S35), with a dummy hash
//! so unknown users cost the same time as known ones (S32).
//!
//! Memory is bounded by design: each pool thread owns one argon2 memory area
//! (`m_cost` KiB, 19 MiB by default), allocated at its first hash and reused for every
//! hash after. Before, each verification ran on a tokio blocking thread and allocated
//! its own 19 MiB; glibc kept the freed blocks in per-thread arenas, so resident memory
//! grew with the number of threads that had ever hashed (≈1 GB after a few hundred
//! parallel logins) and never came back. Now at most `max_concurrent_hashes` areas
//! exist, whatever the load, and a thread idle for a few seconds frees its area
//! (docs/performance.md has the measurements).

use crate::error::AppError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, unbounded};
use portvakt_core::config::LoginSettings;
use portvakt_core::normalize;
use portvakt_core::secret::Secret;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, oneshot};

/// Work for a pool thread, given that thread's reusable memory area.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// Hashes and verifies passwords and PINs.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    pool: Arc<Pool>,
    dummy: Arc<String>,
}

/// What a typed password is, checked against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    /// Not the password (or no hash: unknown user, no password set).
    Wrong,
    /// The password, in its normalised form (S33).
    Right,
    /// The password, but the hash is of the typed, unnormalised form (stored before
    /// normalisation): right, and the caller re-hashes the normalised form.
    RightUnnormalised,
}

impl PasswordCheck {
    /// True for either right answer.
    pub fn is_right(self) -> bool {
        self != PasswordCheck::Wrong
    }
}

/// The threads; dropping the last handle closes the channel and they exit.
struct Pool {
    jobs: Sender<Job>,
}

impl Pool {
    fn start(threads: usize) -> Result<Self, AppError> {
        let (tx, rx) = unbounded::<Job>();
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("portvakt-hash-{i}"))
                .spawn(move || worker(&rx))
                .map_err(|e| AppError::Internal(format!("starting a hashing thread: {e}")))?;
        }
        Ok(Pool { jobs: tx })
    }

    fn submit(&self, job: Job) -> Result<(), AppError> {
        self.jobs
            .send(job)
            .map_err(|_| AppError::Internal("hashing pool stopped".into()))
    }
}

/// A thread that had no work this long frees its memory area, so an idle server holds
/// none (see [`new_area`] for why freeing it really returns it); the next hash
/// allocates it again, once.
const RELEASE_WHEN_IDLE: Duration = Duration::from_secs(5);

fn worker(rx: &Receiver<Job>) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        match rx.recv_timeout(RELEASE_WHEN_IDLE) {
            Ok(job) => {
                // A job that panics loses its answer (the caller gets an error), not the
                // thread: the pool keeps as many threads as permits. The area is only
                // scratch, so it is fine to reuse after a panic.
                let ran =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut memory)));
                if ran.is_err() {
                    tracing::error!("a hashing job panicked");
                }
            }
            Err(RecvTimeoutError::Timeout) => memory = Vec::new(),
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

impl PasswordHasher {
    /// Builds a hasher with the configured cost, and `max_concurrent_hashes` threads.
    pub fn new(settings: &LoginSettings) -> Result<Self, AppError> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| AppError::Internal(format!("argon2 parameters: {e}")))?;
        let pool = Pool::start(settings.max_concurrent_hashes)?;
        // The dummy is hashed on the pool too, so no 19 MiB area is left in another
        // thread's arena. Blocking here is fine: this runs once, at start.
        let (tx, rx) = std::sync::mpsc::channel();
        let p = params.clone();
        pool.submit(Box::new(move |memory| {
            let _ = tx.send(hash_in(memory, &p, "portvakt-dummy-password"));
        }))?;
        let dummy = rx
            .recv()
            .map_err(|_| AppError::Internal("hashing pool stopped".into()))??;
        Ok(PasswordHasher {
            params,
            permits: Arc::new(Semaphore::new(settings.max_concurrent_hashes.max(1))),
            pool: Arc::new(pool),
            dummy: Arc::new(dummy),
        })
    }

    /// Hashes `secret` as it is (argon2id PHC string with a random salt). Passwords and
    /// PINs are normalised first by the caller ([`normalize::password`]).
    pub async fn hash(&self, secret: &Secret) -> Result<String, AppError> {
        let params = self.params.clone();
        let value = secret.clone();
        self.run(move |memory| hash_in(memory, &params, value.expose()))
            .await?
    }

    /// Verifies `secret` as it is against `hash`; with no hash (unknown user) it verifies
    /// against a dummy so the time taken does not tell whether the account exists.
    pub async fn verify(&self, secret: &Secret, hash: Option<&str>) -> Result<bool, AppError> {
        let known = hash.is_some();
        let hash = hash
            .map(str::to_owned)
            .unwrap_or_else(|| self.dummy.to_string());
        let value = secret.clone();
        let ok = self
            .run(move |memory| verify_in(memory, value.expose(), &hash))
            .await?;
        Ok(known && ok)
    }

    /// Checks a typed password or PIN against `hash` (S33): the NFKC form first; if that
    /// fails and the typed form differs, the typed form, which a hash stored before
    /// normalisation may be of. Unknown users take the same path against the dummy.
    pub async fn check_password(
        &self,
        typed: &str,
        hash: Option<&str>,
    ) -> Result<PasswordCheck, AppError> {
        if self.verify(&normalize::password(typed), hash).await? {
            return Ok(PasswordCheck::Right);
        }
        if normalize::password_differs(typed) && self.verify(&Secret::new(typed), hash).await? {
            return Ok(PasswordCheck::RightUnnormalised);
        }
        Ok(PasswordCheck::Wrong)
    }

    /// Hashes a password or PIN in its normalised form, as it is stored.
    pub async fn hash_password(&self, typed: &str) -> Result<String, AppError> {
        self.hash(&normalize::password(typed)).await
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        // A bounded wait: under a flood of attempts, answer 503 rather than queue forever.
        // With a permit, a pool thread is free: there are as many threads as permits.
        // The job holds the permit until it is done, even if this request is dropped
        // meanwhile (a 408, a closed connection), so jobs never queue up behind the pool.
        let permit = tokio::time::timeout(
            Duration::from_secs(10),
            self.permits.clone().acquire_owned(),
        )
        .await
        .map_err(|_| AppError::Unavailable("password hashing is saturated".into()))?
        .map_err(|_| AppError::Internal("hasher closed".into()))?;
        let (tx, rx) = oneshot::channel();
        self.pool.submit(Box::new(move |memory| {
            let _ = tx.send(f(memory));
            drop(permit);
        }))?;
        rx.await
            .map_err(|_| AppError::Internal("hashing thread ended".into()))
    }
}

/// The memory for `params`, from the thread's area (allocated at its first hash). A
/// stored hash with a larger cost than configured gets a temporary area.
fn with_memory<T>(
    memory: &mut Vec<Block>,
    params: &Params,
    f: impl FnOnce(&mut [Block]) -> T,
) -> T {
    /// Beyond this an area is not kept (64 MiB): an odd legacy hash must not pin memory.
    const KEEP_AT_MOST: usize = 64 * 1024;
    let blocks = params.block_count();
    if blocks > KEEP_AT_MOST {
        return f(&mut new_area(blocks));
    }
    if memory.len() < blocks {
        *memory = new_area(blocks);
    }
    f(&mut memory[..blocks])
}

/// An argon2 memory area of `blocks` blocks, in an allocation of at least 32 MiB of
/// address space. glibc's malloc never raises its mmap threshold above 32 MiB, so an
/// allocation this large is always mapped on its own and unmapped when freed: a
/// released area really leaves the process instead of staying in a thread's arena
/// (which is how resident memory once grew to a gigabyte). Only the pages of the
/// `blocks` in use become resident; the rest is address space.
fn new_area(blocks: usize) -> Vec<Block> {
    const MAPPED_ALONE: usize = 32 * 1024 * 1024;
    let mut area = Vec::with_capacity(blocks.max(MAPPED_ALONE / std::mem::size_of::<Block>()));
    area.resize(blocks, Block::default());
    area
}

fn hash_in(memory: &mut Vec<Block>, params: &Params, secret: &str) -> Result<String, AppError> {
    let fail = |e: &dyn std::fmt::Display| AppError::Internal(format!("argon2: {e}"));
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt.decode_b64(&mut salt_bytes).map_err(|e| fail(&e))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let ctx = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    with_memory(memory, params, |m| {
        ctx.hash_password_into_with_memory(secret.as_bytes(), salt_raw, &mut out, m)
    })
    .map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(phc.to_string())
}

/// Recomputes the PHC string's hash with its own parameters and compares in constant
/// time (`Output`'s equality). Anything that does not parse is simply not a match.
fn verify_in(memory: &mut Vec<Block>, secret: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_raw) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let ctx = Argon2::new(algorithm, version, params.clone());
    let computed = with_memory(memory, &params, |m| {
        ctx.hash_password_into_with_memory(secret.as_bytes(), salt_raw, &mut out, m)
    });
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordHasher as _;

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
        assert!(!h.verify(&pw, Some("not a phc string")).await.expect("bad"));
    }

    /// Hashes made by the argon2 crate's own API (other parameters too) verify on the
    /// pool, and the pool's hashes verify with the crate's own verifier.
    #[tokio::test]
    async fn interoperates_with_the_argon2_api() {
        use argon2::PasswordVerifier as _;
        let h = PasswordHasher::new(&LoginSettings::default()).expect("hasher");
        for (m, t, p) in [(19456, 2, 1), (8192, 3, 2), (65536, 1, 1)] {
            let params = Params::new(m, t, p, None).expect("params");
            let salt = SaltString::generate(&mut OsRng);
            let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(b"Sommar2024", &salt)
                .expect("hash")
                .to_string();
            assert!(
                h.verify(&Secret::new("Sommar2024"), Some(&theirs))
                    .await
                    .expect("v")
            );
            assert!(
                !h.verify(&Secret::new("Sommar2025"), Some(&theirs))
                    .await
                    .expect("v")
            );
        }
        let ours = h.hash(&Secret::new("Vinter2024")).await.expect("hash");
        let parsed = PasswordHash::new(&ours).expect("phc");
        assert!(
            Argon2::default()
                .verify_password(b"Vinter2024", &parsed)
                .is_ok()
        );
    }

    /// S33: a password stored from NFC input is accepted typed in NFD; one stored
    /// before normalisation from NFD input is accepted and reported for re-hashing.
    #[tokio::test]
    async fn normalised_and_legacy_passwords() {
        let h = PasswordHasher::new(&LoginSettings::default()).expect("hasher");
        let nfc = "L\u{f6}sen-\u{e5}\u{e4}\u{f6}1";
        let nfd = "Lo\u{308}sen-a\u{30a}a\u{308}o\u{308}1";
        let stored = h.hash_password(nfc).await.expect("hash");
        assert_eq!(
            h.check_password(nfd, Some(&stored)).await.expect("c"),
            PasswordCheck::Right
        );
        let legacy = h.hash(&Secret::new(nfd)).await.expect("hash");
        assert_eq!(
            h.check_password(nfd, Some(&legacy)).await.expect("c"),
            PasswordCheck::RightUnnormalised
        );
        assert_eq!(
            h.check_password("fel", Some(&legacy)).await.expect("c"),
            PasswordCheck::Wrong
        );
        assert_eq!(
            h.check_password(nfd, None).await.expect("c"),
            PasswordCheck::Wrong
        );
    }
}
