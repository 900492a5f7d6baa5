//! Two account timestamps that the ephemeral state is checked against, so that a change
//! made by the CLI (a separate process) takes effect in every running instance on any
//! ephemeral store, in-process memory included:
//! - `password_changed_at`: sessions and codes from before a new password are dead (S14);
//! - `failures_reset_at`: login-failure counters from before `users unlock` no longer
//!   count (S30).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    PasswordChangedAt,
    FailuresResetAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [Accounts::PasswordChangedAt, Accounts::FailuresResetAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Accounts::Table)
                        .add_column(ColumnDef::new(column).big_integer().null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
