//! The code lists of PIN + one-time code (seed 000): one row per code, its hash only
//! (S41). A code is spent by setting `used_at` in one conditional UPDATE; issuing a new
//! list deletes the account's rows.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ListCodes {
    Table,
    Id,
    AccountId,
    CodeHash,
    CreatedAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ListCodes::Table)
                    .col(
                        ColumnDef::new(ListCodes::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ListCodes::AccountId).string().not_null())
                    .col(ColumnDef::new(ListCodes::CodeHash).string().not_null())
                    .col(
                        ColumnDef::new(ListCodes::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ListCodes::UsedAt).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_list_codes_account")
                            .from(ListCodes::Table, ListCodes::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_list_codes_account_hash")
                    .table(ListCodes::Table)
                    .col(ListCodes::AccountId)
                    .col(ListCodes::CodeHash)
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
