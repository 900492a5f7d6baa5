//! Accounts, password history, grants, refresh tokens, signing keys and the audit trail.
//! Timestamps are Unix seconds (BIGINT) on every backend.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Username,
    Personnummer,
    CustomerNumber,
    OrgNumber,
    Name,
    GivenName,
    FamilyName,
    Email,
    EmailVerified,
    Phone,
    PhoneVerified,
    PasswordHash,
    PinHash,
    LockedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PasswordHistory {
    Table,
    Id,
    AccountId,
    Hash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Grants {
    Table,
    Id,
    ClientId,
    AccountId,
    Scope,
    Claims,
    Acr,
    Amr,
    AuthTime,
    Sid,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    TokenHash,
    GrantId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Kid,
    Alg,
    PrivatePem,
    CreatedAt,
    ActiveFrom,
    RetiredAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    Kind,
    AccountId,
    ClientId,
    Detail,
    Ip,
}

fn unique_index(
    name: &str,
    table: impl IntoIden + 'static,
    col: impl IntoIden + 'static,
) -> IndexCreateStatement {
    Index::create()
        .name(name)
        .table(table)
        .col(col)
        .unique()
        .to_owned()
}

fn index(
    name: &str,
    table: impl IntoIden + 'static,
    col: impl IntoIden + 'static,
) -> IndexCreateStatement {
    Index::create().name(name).table(table).col(col).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Accounts::Table)
                .col(
                    ColumnDef::new(Accounts::Id)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Accounts::Username).string().null())
                .col(ColumnDef::new(Accounts::Personnummer).string().null())
                .col(ColumnDef::new(Accounts::CustomerNumber).string().null())
                .col(ColumnDef::new(Accounts::OrgNumber).string().null())
                .col(ColumnDef::new(Accounts::Name).string().null())
                .col(ColumnDef::new(Accounts::GivenName).string().null())
                .col(ColumnDef::new(Accounts::FamilyName).string().null())
                .col(ColumnDef::new(Accounts::Email).string().null())
                .col(
                    ColumnDef::new(Accounts::EmailVerified)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(ColumnDef::new(Accounts::Phone).string().null())
                .col(
                    ColumnDef::new(Accounts::PhoneVerified)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(ColumnDef::new(Accounts::PasswordHash).string().null())
                .col(ColumnDef::new(Accounts::PinHash).string().null())
                .col(ColumnDef::new(Accounts::LockedAt).big_integer().null())
                .col(ColumnDef::new(Accounts::CreatedAt).big_integer().not_null())
                .col(ColumnDef::new(Accounts::UpdatedAt).big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(unique_index(
            "ux_accounts_username",
            Accounts::Table,
            Accounts::Username,
        ))
        .await?;
        m.create_index(unique_index(
            "ux_accounts_personnummer",
            Accounts::Table,
            Accounts::Personnummer,
        ))
        .await?;
        m.create_index(unique_index(
            "ux_accounts_customer_number",
            Accounts::Table,
            Accounts::CustomerNumber,
        ))
        .await?;
        m.create_index(unique_index(
            "ux_accounts_org_number",
            Accounts::Table,
            Accounts::OrgNumber,
        ))
        .await?;
        m.create_index(index("ix_accounts_email", Accounts::Table, Accounts::Email))
            .await?;
        m.create_index(index("ix_accounts_phone", Accounts::Table, Accounts::Phone))
            .await?;

        m.create_table(
            Table::create()
                .table(PasswordHistory::Table)
                .col(
                    ColumnDef::new(PasswordHistory::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(PasswordHistory::AccountId)
                        .string()
                        .not_null(),
                )
                .col(ColumnDef::new(PasswordHistory::Hash).string().not_null())
                .col(
                    ColumnDef::new(PasswordHistory::CreatedAt)
                        .big_integer()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_password_history_account")
                        .from(PasswordHistory::Table, PasswordHistory::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_password_history_account",
            PasswordHistory::Table,
            PasswordHistory::AccountId,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Grants::Table)
                .col(ColumnDef::new(Grants::Id).string().not_null().primary_key())
                .col(ColumnDef::new(Grants::ClientId).string().not_null())
                .col(ColumnDef::new(Grants::AccountId).string().not_null())
                .col(ColumnDef::new(Grants::Scope).string().not_null())
                .col(ColumnDef::new(Grants::Claims).text().null())
                .col(ColumnDef::new(Grants::Acr).string().not_null())
                .col(ColumnDef::new(Grants::Amr).string().not_null())
                .col(ColumnDef::new(Grants::AuthTime).big_integer().not_null())
                .col(ColumnDef::new(Grants::Sid).string().not_null())
                .col(ColumnDef::new(Grants::CreatedAt).big_integer().not_null())
                .col(ColumnDef::new(Grants::ExpiresAt).big_integer().not_null())
                .col(ColumnDef::new(Grants::RevokedAt).big_integer().null())
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_grants_account")
                        .from(Grants::Table, Grants::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_grants_account", Grants::Table, Grants::AccountId))
            .await?;
        m.create_index(index("ix_grants_sid", Grants::Table, Grants::Sid))
            .await?;

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(
                    ColumnDef::new(RefreshTokens::TokenHash)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(RefreshTokens::GrantId).string().not_null())
                .col(
                    ColumnDef::new(RefreshTokens::CreatedAt)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(RefreshTokens::ExpiresAt)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(RefreshTokens::UsedAt).big_integer().null())
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_refresh_tokens_grant")
                        .from(RefreshTokens::Table, RefreshTokens::GrantId)
                        .to(Grants::Table, Grants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_refresh_tokens_grant",
            RefreshTokens::Table,
            RefreshTokens::GrantId,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(SigningKeys::Table)
                .col(
                    ColumnDef::new(SigningKeys::Kid)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(SigningKeys::Alg).string().not_null())
                .col(ColumnDef::new(SigningKeys::PrivatePem).text().not_null())
                .col(
                    ColumnDef::new(SigningKeys::CreatedAt)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(SigningKeys::ActiveFrom)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(SigningKeys::RetiredAt).big_integer().null())
                .col(ColumnDef::new(SigningKeys::ExpiresAt).big_integer().null())
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(
                    ColumnDef::new(AuditEvents::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(AuditEvents::At).big_integer().not_null())
                .col(ColumnDef::new(AuditEvents::Kind).string().not_null())
                .col(ColumnDef::new(AuditEvents::AccountId).string().null())
                .col(ColumnDef::new(AuditEvents::ClientId).string().null())
                .col(ColumnDef::new(AuditEvents::Detail).string().null())
                .col(ColumnDef::new(AuditEvents::Ip).string().null())
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_audit_events_at",
            AuditEvents::Table,
            AuditEvents::At,
        ))
        .await?;
        m.create_index(index(
            "ix_audit_events_account",
            AuditEvents::Table,
            AuditEvents::AccountId,
        ))
        .await?;
        Ok(())
    }
}
