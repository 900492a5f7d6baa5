//! The in-process ephemeral store of the embedded default. One mutex over one map:
//! every operation is atomic because nothing awaits while the lock is held.

use async_trait::async_trait;
use portvakt_core::ports::{Consumed, EphemeralStore, StoreError};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

struct Entry {
    value: Vec<u8>,
    expires: Instant,
}

#[derive(Default)]
struct Inner {
    map: HashMap<String, Entry>,
    writes: u64,
}

impl Inner {
    fn live(&mut self, key: &str, now: Instant) -> Option<&mut Entry> {
        if self.map.get(key).is_some_and(|e| e.expires <= now) {
            self.map.remove(key);
        }
        self.map.get_mut(key)
    }

    fn insert(&mut self, key: &str, value: Vec<u8>, ttl: Duration, now: Instant) {
        self.writes += 1;
        if self.writes.is_multiple_of(1024) {
            // Expired entries are dropped lazily on read and swept here now and then.
            self.map.retain(|_, e| e.expires > now);
        }
        self.map.insert(
            key.to_owned(),
            Entry {
                value,
                // A TTL too large for the clock means "keep": never a panic under the lock.
                expires: now
                    .checked_add(ttl)
                    .unwrap_or(now + Duration::from_secs(100 * 365 * 86_400)),
            },
        );
    }
}

/// Ephemeral state in this process's memory: for a single instance only.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner, Instant) -> T) -> Result<T, StoreError> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| StoreError::Unavailable("memory store lock poisoned".into()))?;
        Ok(f(&mut guard, Instant::now()))
    }
}

#[async_trait]
impl EphemeralStore for MemoryStore {
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError> {
        self.with(|m, now| m.insert(key, value.to_vec(), ttl, now))
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.with(|m, now| {
            if m.live(key, now).is_some() {
                return false;
            }
            m.insert(key, value.to_vec(), ttl, now);
            true
        })
    }

    async fn replace(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, StoreError> {
        self.with(|m, now| {
            if m.live(key, now).is_none() {
                return false;
            }
            m.insert(key, value.to_vec(), ttl, now);
            true
        })
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.with(|m, now| m.live(key, now).map(|e| e.value.clone()))
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.with(|m, now| {
            m.live(key, now)?;
            m.map.remove(key).map(|e| e.value)
        })
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.with(|m, _| {
            m.map.remove(key);
        })
    }

    async fn increment(&self, key: &str, ttl: Duration) -> Result<u64, StoreError> {
        self.with(|m, now| {
            if let Some(e) = m.live(key, now) {
                let n = parse_count(&e.value) + 1;
                e.value = n.to_string().into_bytes();
                return n;
            }
            m.insert(key, b"1".to_vec(), ttl, now);
            1
        })
    }

    async fn decrement(&self, key: &str) -> Result<u64, StoreError> {
        self.with(|m, now| match m.live(key, now) {
            Some(e) => {
                let n = parse_count(&e.value).saturating_sub(1);
                e.value = n.to_string().into_bytes();
                n
            }
            None => 0,
        })
    }

    async fn consume_once(&self, key: &str, spent_ttl: Duration) -> Result<Consumed, StoreError> {
        let spent_key = format!("{key}:spent");
        self.with(|m, now| {
            if m.live(key, now).is_some() {
                let value = m.map.remove(key).map(|e| e.value).unwrap_or_default();
                m.insert(&spent_key, value.clone(), spent_ttl, now);
                return Consumed::Fresh(value);
            }
            match m.live(&spent_key, now) {
                Some(e) => Consumed::Spent(e.value.clone()),
                None => Consumed::Missing,
            }
        })
    }

    async fn push_recent(
        &self,
        key: &str,
        value: &[u8],
        keep: usize,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        self.with(|m, now| {
            let mut list = m
                .live(key, now)
                .map(|e| decode_list(&e.value))
                .unwrap_or_default();
            list.insert(0, value.to_vec());
            list.truncate(keep.max(1));
            m.insert(key, encode_list(&list), ttl, now);
        })
    }

    async fn recent(&self, key: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        self.with(|m, now| {
            m.live(key, now)
                .map(|e| decode_list(&e.value))
                .unwrap_or_default()
        })
    }
}

/// A list kept as one value: each entry as its length (8 bytes, little-endian) and its
/// bytes. Only [`MemoryStore::push_recent`] writes it.
fn encode_list(list: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in list {
        out.extend_from_slice(&(entry.len() as u64).to_le_bytes());
        out.extend_from_slice(entry);
    }
    out
}

fn decode_list(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut list = Vec::new();
    while bytes.len() >= 8 {
        let (len, rest) = bytes.split_at(8);
        let len = u64::from_le_bytes(len.try_into().unwrap_or_default()) as usize;
        if rest.len() < len {
            break;
        }
        let (entry, rest) = rest.split_at(len);
        list.push(entry.to_vec());
        bytes = rest;
    }
    list
}

fn parse_count(bytes: &[u8]) -> u64 {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
