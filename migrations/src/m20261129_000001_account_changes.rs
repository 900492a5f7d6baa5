//! Two account counters that the ephemeral state is checked against, so that a change
//! made by the CLI (a separate process) takes effect in every running instance on any
//! ephemeral store, in-process memory included. Counters, not timestamps: a change in
//! the same second as a login must still win.
//! - `password_generation`: one more at every new password; sessions and codes made
//!   under an older one are dead (S14);
//! - `unlock_generation`: one more at every `users unlock`; login-failure counters kept
//!   under an older one no longer count (S30).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    PasswordGeneration,
    UnlockGeneration,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [Accounts::PasswordGeneration, Accounts::UnlockGeneration] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Accounts::Table)
                        .add_column(ColumnDef::new(column).big_integer().not_null().default(0))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
