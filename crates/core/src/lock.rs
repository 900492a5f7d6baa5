//! Three ways an account can be kept from signing in, kept apart because their effects
//! differ ([`Block`]): an administrator's lock, a method's failure lockout, and a
//! channel's daily quota. The last two live in the ephemeral store as atomic counters
//! and deadlines read against the [`Clock`], so tests move time instead of waiting.

use crate::account::Account;
use crate::ephemeral::Ephemeral;
use crate::ports::StoreError;
use crate::time::{Clock, UnixTime, next_stockholm_midnight, stockholm_date};
use std::sync::Arc;
use std::time::Duration;

/// Why an account cannot sign in some way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// An administrator's lock (`portvakt users lock`): every method refuses, sessions
    /// end and tokens are refused (S27).
    Administrative,
    /// A method's lockout after consecutive failed secrets (password, PIN): only that
    /// method refuses, with the same answer as a wrong secret (S30). Sessions, tokens
    /// and other methods are not affected: a password lockout does not block BankID.
    MethodLockout {
        /// The configured method id.
        method: String,
        /// When it ends by itself; `None`: when an administrator unlocks it.
        until: Option<UnixTime>,
    },
    /// A channel's quota is used up (SMS codes for today): only sending on that channel
    /// is refused, until the next day in Sweden.
    ChannelBlock {
        /// The channel (`sms`).
        channel: &'static str,
        /// The start of the next day (Europe/Stockholm).
        until: UnixTime,
    },
}

impl Block {
    /// The administrator's lock, if `account` has it.
    pub fn of_account(account: &Account) -> Option<Block> {
        account.is_locked().then_some(Block::Administrative)
    }

    /// Whether it ends the account's sessions and refuses its tokens.
    pub fn ends_sessions(&self) -> bool {
        matches!(self, Block::Administrative)
    }

    /// Whether it refuses signing in with `method`.
    pub fn refuses_method(&self, method: &str) -> bool {
        match self {
            Block::Administrative => true,
            Block::MethodLockout { method: m, .. } => m == method,
            Block::ChannelBlock { .. } => false,
        }
    }
}

/// A method's lockout after `max_failures` consecutive failed secrets, for `lock_for`
/// (or until an administrator unlocks: `None`). Counted per account and method; the
/// keys carry the account's `unlock_generation`, so `portvakt users unlock` ends it.
#[derive(Clone)]
pub struct FailureLockout {
    store: Ephemeral,
    clock: Arc<dyn Clock>,
    max_failures: u64,
    lock_for: Option<Duration>,
    window: Duration,
}

/// How long a lockout "until unlocked" is kept in the ephemeral store.
const UNTIL_UNLOCKED: Duration = Duration::from_secs(10 * 365 * 86_400);

impl FailureLockout {
    /// A lockout after `max_failures` failures, for `lock_for` (`None`: until unlocked).
    pub fn new(
        store: Ephemeral,
        clock: Arc<dyn Clock>,
        max_failures: u64,
        lock_for: Option<Duration>,
    ) -> Self {
        FailureLockout {
            store,
            clock,
            max_failures,
            lock_for,
            window: UNTIL_UNLOCKED,
        }
    }

    /// Counts only failures within `window` of the first one counted (a fixed window):
    /// "after N failures within an hour". Without it failures count until a success.
    pub fn within(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    fn names(account: &Account, method: &str) -> (String, String) {
        let who = format!("{method}:{}:{}", account.id, account.unlock_generation);
        (
            format!("lockout-failures:{who}"),
            crate::ephemeral::keys::lockout(&who),
        )
    }

    /// The lockout `account` is under for `method`, if any.
    pub async fn check(
        &self,
        account: &Account,
        method: &str,
    ) -> Result<Option<Block>, StoreError> {
        let (_, lock) = Self::names(account, method);
        let Some(until) = self.store.get_json::<Option<i64>>(&lock).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        Ok(match until {
            Some(t) if now.0 >= t => None,
            until => Some(Block::MethodLockout {
                method: method.to_owned(),
                until: until.map(UnixTime),
            }),
        })
    }

    /// Counts a failed secret; returns the lockout it started, if this was the last
    /// one allowed. Atomic: of parallel failures, the `max_failures`-th locks.
    pub async fn failed(
        &self,
        account: &Account,
        method: &str,
    ) -> Result<Option<Block>, StoreError> {
        let (failures, lock) = Self::names(account, method);
        let n = self.store.bump(&failures, self.window).await?;
        if n < self.max_failures {
            return Ok(None);
        }
        let now = self.clock.now();
        let until = self.lock_for.map(|d| now.plus(d));
        let keep = self.lock_for.unwrap_or(UNTIL_UNLOCKED);
        self.store
            .put_json(&lock, &until.map(|t| t.0), keep)
            .await?;
        self.store.reset(&failures).await?;
        Ok(Some(Block::MethodLockout {
            method: method.to_owned(),
            until,
        }))
    }

    /// A right secret: the consecutive failures start again.
    pub async fn succeeded(&self, account: &Account, method: &str) -> Result<(), StoreError> {
        let (failures, _) = Self::names(account, method);
        self.store.reset(&failures).await
    }
}

/// A channel's quota per person and day in Sweden ("at most five SMS codes a day, then
/// blocked until the next day"). Counted atomically under the day's date, so the count
/// starts again at local midnight, on days of 23 and 25 hours alike. `who` is any
/// stable name of the person (PIN + one-time code uses a hash of the personnummer, so
/// numbers without an account are counted, and refused, exactly like the rest).
#[derive(Clone)]
pub struct DailyQuota {
    store: Ephemeral,
    clock: Arc<dyn Clock>,
    channel: &'static str,
    per_day: u64,
}

impl DailyQuota {
    /// At most `per_day` uses of `channel` per person and day.
    pub fn new(
        store: Ephemeral,
        clock: Arc<dyn Clock>,
        channel: &'static str,
        per_day: u64,
    ) -> Self {
        DailyQuota {
            store,
            clock,
            channel,
            per_day,
        }
    }

    /// The quota per day.
    pub fn per_day(&self) -> u64 {
        self.per_day
    }

    fn name(&self, who: &str, now: UnixTime) -> String {
        format!("quota:{}:{who}:{}", self.channel, stockholm_date(now))
    }

    /// Takes one use of today's quota: `Ok(n)`, this was use `n` of today (1-based), or
    /// the block until the next Swedish midnight. Of parallel takers over the quota,
    /// exactly `per_day` pass.
    pub async fn take(&self, who: &str) -> Result<Result<u64, Block>, StoreError> {
        let now = self.clock.now();
        let until = next_stockholm_midnight(now);
        // The counter outlives the day by an hour: a clock a little behind still finds it.
        let keep = now.until(until) + Duration::from_secs(3600);
        let n = self.store.bump(&self.name(who, now), keep).await?;
        if n <= self.per_day {
            return Ok(Ok(n));
        }
        self.store.give_back(&self.name(who, now)).await?;
        Ok(Err(Block::ChannelBlock {
            channel: self.channel,
            until,
        }))
    }

    /// Gives back a use taken today whose message could not have been sent (no
    /// gateway): the day's count holds codes sent.
    pub async fn give_back(&self, who: &str) -> Result<(), StoreError> {
        let now = self.clock.now();
        self.store.give_back(&self.name(who, now)).await?;
        Ok(())
    }

    /// The block today's quota is under, if it is used up (for `portvakt users show`
    /// and the method's own page), without taking.
    pub async fn blocked(&self, who: &str) -> Result<Option<Block>, StoreError> {
        let now = self.clock.now();
        let used: u64 = self.store.counter(&self.name(who, now)).await?;
        Ok((used >= self.per_day).then(|| Block::ChannelBlock {
            channel: self.channel,
            until: next_stockholm_midnight(now),
        }))
    }
}
