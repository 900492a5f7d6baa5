//! Portvakt's database schema as forward-only sea-orm migrations. Run by
//! `portvakt migrate` (and automatically only in the development profile).

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_initial;
mod m20261129_000001_account_changes;
mod m20261207_000001_list_codes;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial::Migration),
            Box::new(m20261129_000001_account_changes::Migration),
            Box::new(m20261207_000001_list_codes::Migration),
        ]
    }
}
