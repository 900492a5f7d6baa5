//! The ephemeral store on Redis, shared by every instance. Keys carry the configured
//! prefix and always a TTL; single-use values are taken atomically (GETDEL, Lua).

use async_trait::async_trait;
use portvakt_core::ports::{Consumed, EphemeralStore, StoreError};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script, SetExpiry, SetOptions};
use std::time::Duration;

/// Ephemeral state in Redis.
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
}

fn unavailable(e: redis::RedisError) -> StoreError {
    StoreError::Unavailable(format!("redis: {e}"))
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// INCR, setting the TTL when the counter is new (a fixed window). A counter that a
/// DECR took back to zero keeps its window, as in the memory store.
const INCREMENT: &str = r"
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
";

/// DECR a live counter that is above zero; DECR keeps the key's TTL (its window).
const DECREMENT: &str = r"
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if v and v > 0 then return redis.call('DECR', KEYS[1]) end
return 0
";

/// Move a value to its spent key on first use; report the spent value afterwards.
const CONSUME_ONCE: &str = r"
local v = redis.call('GET', KEYS[1])
if v then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], v, 'PX', ARGV[1])
  return {1, v}
end
local s = redis.call('GET', KEYS[2])
if s then return {2, s} end
return {0, ''}
";

/// LPUSH, LTRIM to the newest entries, PEXPIRE: one list with one TTL.
const PUSH_RECENT: &str = r"
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
";

impl RedisStore {
    /// Connects, with short timeouts so an outage fails requests fast (S46).
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(3)))
            .set_response_timeout(Some(Duration::from_secs(3)))
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(unavailable)?;
        Ok(RedisStore {
            conn,
            prefix: prefix.to_owned(),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// A round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut c)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}

#[async_trait]
impl EphemeralStore for RedisStore {
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        c.pset_ex::<_, _, ()>(self.key(key), value, millis(ttl))
            .await
            .map_err(unavailable)
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut c = self.conn.clone();
        let opts = SetOptions::default()
            .conditional_set(redis::ExistenceCheck::NX)
            .with_expiration(SetExpiry::PX(millis(ttl)));
        let set: Option<String> = c
            .set_options(self.key(key), value, opts)
            .await
            .map_err(unavailable)?;
        Ok(set.is_some())
    }

    async fn replace(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, StoreError> {
        let mut c = self.conn.clone();
        let opts = SetOptions::default()
            .conditional_set(redis::ExistenceCheck::XX)
            .with_expiration(SetExpiry::PX(millis(ttl)));
        let set: Option<String> = c
            .set_options(self.key(key), value, opts)
            .await
            .map_err(unavailable)?;
        Ok(set.is_some())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut c = self.conn.clone();
        c.get(self.key(key)).await.map_err(unavailable)
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut c = self.conn.clone();
        c.get_del(self.key(key)).await.map_err(unavailable)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        c.del::<_, ()>(self.key(key)).await.map_err(unavailable)
    }

    async fn increment(&self, key: &str, ttl: Duration) -> Result<u64, StoreError> {
        let mut c = self.conn.clone();
        Script::new(INCREMENT)
            .key(self.key(key))
            .arg(millis(ttl))
            .invoke_async(&mut c)
            .await
            .map_err(unavailable)
    }

    async fn decrement(&self, key: &str) -> Result<u64, StoreError> {
        let mut c = self.conn.clone();
        Script::new(DECREMENT)
            .key(self.key(key))
            .invoke_async(&mut c)
            .await
            .map_err(unavailable)
    }

    async fn consume_once(&self, key: &str, spent_ttl: Duration) -> Result<Consumed, StoreError> {
        let mut c = self.conn.clone();
        let (state, value): (u8, Vec<u8>) = Script::new(CONSUME_ONCE)
            .key(self.key(key))
            .key(self.key(&format!("{key}:spent")))
            .arg(millis(spent_ttl))
            .invoke_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(match state {
            1 => Consumed::Fresh(value),
            2 => Consumed::Spent(value),
            _ => Consumed::Missing,
        })
    }

    async fn push_recent(
        &self,
        key: &str,
        value: &[u8],
        keep: usize,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        Script::new(PUSH_RECENT)
            .key(self.key(key))
            .arg(value)
            .arg(keep.max(1))
            .arg(millis(ttl))
            .invoke_async::<i64>(&mut c)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn recent(&self, key: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut c = self.conn.clone();
        c.lrange(self.key(key), 0, -1).await.map_err(unavailable)
    }
}
