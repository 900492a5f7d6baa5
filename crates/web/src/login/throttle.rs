//! Login-failure throttling (S29, S30, S31), shared by every instance through the
//! ephemeral store. Every attempt is counted *before* its secret is checked, with one
//! atomic increment per counter, so a burst of N parallel attempts checks at most the
//! limit, however the requests interleave.
//!
//! Three counters, each with its own job (docs/login-throttling.md has the trade-offs):
//! - **account + address** (`max_failures_per_account_and_ip`, 10 per 15 min): stops
//!   one address guessing one account, long before the account itself is affected;
//! - **address** (`max_failures_per_ip`, 100 per 15 min): stops one address guessing
//!   many accounts;
//! - **account** (`account_failures_before_delay`, 50 per day): guesses from many
//!   addresses. Past it the account is not blocked but *slowed*: one attempt may pass
//!   per delay, the delay doubling per further failure up to `account_delay_max_secs`.
//!   A browser that signed in to the account before ("known browser") is not slowed,
//!   so a distributed attack cannot lock the owner out of their usual browser.
//!
//! "Account" is the account the identifier names, whichever identifier was typed
//! (username or customer number), so two identifiers do not give two budgets; an
//! identifier that names no account is counted under its own hash, with the same
//! limits and answers, so throttling tells nothing about who has an account (S32).
//! Counters of an account start again after `portvakt users unlock` (its
//! `unlock_generation` is part of their keys). When the store is down the check fails
//! and so does the login (S46: limits stay enforced).

use crate::error::AppError;
use portvakt_core::account::Account;
use portvakt_core::address::address_block;
use portvakt_core::config::LoginSettings;
use portvakt_core::ephemeral::Ephemeral;
use portvakt_core::random::token_hash;
use std::net::IpAddr;
use std::time::Duration;

/// Whose failures an attempt counts against.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// The account the typed identifier names.
    Account(&'a Account),
    /// An identifier (normalised) that names no account.
    Unknown(&'a str),
}

/// The login throttle: counters in the ephemeral store and the `[login]` limits. A
/// method that checks a secret holds one.
#[derive(Clone)]
pub struct LoginThrottle {
    ephemeral: Ephemeral,
    settings: LoginSettings,
}

impl LoginThrottle {
    /// Counters in `ephemeral`, limits from `settings`.
    pub fn new(ephemeral: Ephemeral, settings: LoginSettings) -> Self {
        LoginThrottle {
            ephemeral,
            settings,
        }
    }

    /// The counters for `subject` attempted from `ip` in the browser whose cookie
    /// hashes to `browser_hash`.
    pub fn attempt(&self, subject: Subject<'_>, ip: IpAddr, browser_hash: &str) -> Throttle<'_> {
        Throttle::new(self, subject, ip, browser_hash)
    }
}

/// The counters of one attempt.
pub struct Throttle<'a> {
    limits: &'a LoginThrottle,
    ip_key: String,
    subject_ip_key: String,
    subject_key: String,
    gate_key: String,
    /// Present for accounts: this browser signed in to the account before.
    known_browser_key: Option<String>,
}

impl<'a> Throttle<'a> {
    /// The counters for `subject` attempted from `ip` in the browser whose cookie hashes
    /// to `browser_hash`. Keys hold hashes and account ids, never a typed identifier.
    fn new(
        limits: &'a LoginThrottle,
        subject: Subject<'_>,
        ip: IpAddr,
        browser_hash: &str,
    ) -> Self {
        let (subject, known_browser_key) = match subject {
            Subject::Account(a) => (
                format!("acct:{}:{}", a.id, a.unlock_generation),
                Some(format!("known-browser:{}:{browser_hash}", a.id)),
            ),
            Subject::Unknown(identifier) => (format!("ident:{}", token_hash(identifier)), None),
        };
        Throttle {
            limits,
            ip_key: format!("fail-ip:{}", address_block(ip)),
            subject_ip_key: format!("fail:{subject}:{}", address_block(ip)),
            gate_key: format!("gate:{subject}"),
            subject_key: format!("fail:{subject}"),
            known_browser_key,
        }
    }

    /// Counts the attempt against every limit; true when it may be checked. A refused
    /// attempt must get the same answer for known and unknown identifiers.
    ///
    /// Each counter holds failures plus attempts still being checked, so parallel
    /// attempts cannot all pass a check that none of them has counted yet. A refused
    /// attempt gives back what it took: it was not checked, so it is not a failure, and
    /// a busy shared address recovers as soon as its logins finish.
    pub async fn admit(&self) -> Result<bool, AppError> {
        let s = &self.limits.settings;
        let e = &self.limits.ephemeral;
        let window = Duration::from_secs(s.failure_window_secs);
        if e.bump(&self.ip_key, window).await? > s.max_failures_per_ip {
            e.give_back(&self.ip_key).await?;
            return Ok(false);
        }
        if e.bump(&self.subject_ip_key, window).await? > s.max_failures_per_account_and_ip {
            self.give_back(&[&self.subject_ip_key, &self.ip_key])
                .await?;
            return Ok(false);
        }
        let account_window = Duration::from_secs(s.account_failure_window_secs);
        let n = e.bump(&self.subject_key, account_window).await?;
        if n <= s.account_failures_before_delay || self.is_known_browser().await? {
            return Ok(true);
        }
        // Slowed: one attempt per delay passes (the gate is taken atomically), so only
        // checked attempts make the delay grow.
        let over = n - s.account_failures_before_delay;
        let delay = 1u64
            .checked_shl(u32::try_from(over - 1).unwrap_or(u32::MAX))
            .unwrap_or(u64::MAX)
            .min(s.account_delay_max_secs.max(1));
        if e.open_gate(&self.gate_key, Duration::from_secs(delay))
            .await?
        {
            return Ok(true);
        }
        self.give_back(&[&self.subject_key, &self.subject_ip_key, &self.ip_key])
            .await?;
        Ok(false)
    }

    /// After a right secret: the attempt was not a failure, so its counts are given back
    /// (a school's shared address must not fill up with its own logins). Failures stay
    /// counted until their window ends, so no burst, however it interleaves with a
    /// success, checks more wrong guesses than the limit. The account's own count
    /// starts again (consecutive failures, NIST SP 800-63B §5.2.2), and the browser is
    /// remembered for the account.
    pub async fn succeeded(&self) -> Result<(), AppError> {
        let e = &self.limits.ephemeral;
        self.give_back(&[&self.ip_key, &self.subject_ip_key])
            .await?;
        e.reset(&self.subject_key).await?;
        if let Some(key) = &self.known_browser_key {
            let days = self.limits.settings.remember_browser_days.min(400);
            e.remember(key, Duration::from_secs(days * 24 * 3600))
                .await?;
        }
        Ok(())
    }

    async fn give_back(&self, keys: &[&String]) -> Result<(), AppError> {
        for key in keys {
            self.limits.ephemeral.give_back(key).await?;
        }
        Ok(())
    }

    /// Whether this browser signed in to the account before (`remember_browser_days`):
    /// its owner's usual browser, which lockouts exempt.
    pub async fn is_known_browser(&self) -> Result<bool, AppError> {
        Ok(match &self.known_browser_key {
            Some(key) => self.limits.ephemeral.is_remembered(key).await?,
            None => false,
        })
    }
}
