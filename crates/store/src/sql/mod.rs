//! The durable store: one sea-orm connection, SQLite or PostgreSQL by URL.

mod accounts;
mod audit;
mod grants;
mod keys;
mod list_codes;

use portvakt_core::ports::StoreError;
use portvakt_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, SqlErr};
use std::time::Duration;

/// Accounts, grants, keys and audit events in SQLite or PostgreSQL.
#[derive(Clone)]
pub struct SqlStore {
    db: DatabaseConnection,
}

pub(crate) fn unavailable(e: DbErr) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// Maps a write error, naming the identifier a unique index refused.
pub(crate) fn write_error(e: DbErr) -> StoreError {
    if let Some(SqlErr::UniqueConstraintViolation(msg)) = e.sql_err() {
        for field in ["username", "personnummer", "customer_number", "org_number"] {
            if msg.contains(field) {
                return StoreError::Conflict(field);
            }
        }
        return StoreError::Conflict("identifier");
    }
    unavailable(e)
}

impl SqlStore {
    /// Connects. `sqlite://path?mode=rwc` creates the file; `postgres://…` needs the database.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(max_connections)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(5))
            .sqlx_logging(false);
        let db = Database::connect(opts).await.map_err(unavailable)?;
        if url.starts_with("sqlite:") {
            // WAL lets readers proceed during a write; sqlx already sets a busy timeout.
            db.execute_unprepared("PRAGMA journal_mode=WAL;")
                .await
                .map_err(unavailable)?;
        }
        Ok(SqlStore { db })
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.db, None).await.map_err(unavailable)
    }

    /// Names of migrations not yet applied.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        let pending = Migrator::get_pending_migrations(&self.db)
            .await
            .map_err(unavailable)?;
        Ok(pending.iter().map(|m| m.name().to_owned()).collect())
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await.map_err(unavailable)
    }
}
