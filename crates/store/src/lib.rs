//! Storage adapters for core's ports: [`SqlStore`] (sea-orm over SQLite or PostgreSQL)
//! for durable data, and [`MemoryStore`] / [`RedisStore`] for the ephemeral store.

mod entity;
mod memory;
mod redis_store;
mod sql;

pub use memory::MemoryStore;
pub use redis_store::RedisStore;
pub use sql::SqlStore;
