//! `AccountRepo` over the `accounts` and `password_history` tables.

use super::{SqlStore, unavailable, write_error};
use crate::entity::{account, grant, password_history};
use async_trait::async_trait;
use portvakt_core::account::Account;
use portvakt_core::identity::{OrgNumber, Personnummer};
use portvakt_core::ids::AccountId;
use portvakt_core::ports::{AccountRepo, StoreError};
use portvakt_core::time::UnixTime;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

impl TryFrom<account::Model> for Account {
    type Error = StoreError;
    fn try_from(m: account::Model) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("account {}: {what}", m.id));
        Ok(Account {
            personnummer: m
                .personnummer
                .clone()
                .map(Personnummer::try_from)
                .transpose()
                .map_err(|_| corrupt("personnummer"))?,
            org_number: m
                .org_number
                .clone()
                .map(OrgNumber::try_from)
                .transpose()
                .map_err(|_| corrupt("org_number"))?,
            id: AccountId(m.id),
            username: m.username,
            customer_number: m.customer_number,
            name: m.name,
            given_name: m.given_name,
            family_name: m.family_name,
            email: m.email,
            email_verified: m.email_verified,
            phone: m.phone,
            phone_verified: m.phone_verified,
            password_hash: m.password_hash,
            pin_hash: m.pin_hash,
            locked_at: m.locked_at.map(UnixTime),
            created_at: UnixTime(m.created_at),
            updated_at: UnixTime(m.updated_at),
            password_generation: m.password_generation,
            unlock_generation: m.unlock_generation,
        })
    }
}

fn to_model(a: &Account) -> account::Model {
    account::Model {
        id: a.id.0.clone(),
        username: a.username.clone(),
        personnummer: a.personnummer.as_ref().map(|p| p.as_str().to_owned()),
        customer_number: a.customer_number.clone(),
        org_number: a.org_number.as_ref().map(|o| o.as_str().to_owned()),
        name: a.name.clone(),
        given_name: a.given_name.clone(),
        family_name: a.family_name.clone(),
        email: a.email.clone(),
        email_verified: a.email_verified,
        phone: a.phone.clone(),
        phone_verified: a.phone_verified,
        password_hash: a.password_hash.clone(),
        pin_hash: a.pin_hash.clone(),
        locked_at: a.locked_at.map(|t| t.0),
        created_at: a.created_at.0,
        updated_at: a.updated_at.0,
        password_generation: a.password_generation,
        unlock_generation: a.unlock_generation,
    }
}

impl SqlStore {
    /// Runs `update` on the account `id`, setting `updated_at`; an account that is not
    /// there is an error, never a silent no-op.
    async fn update_account(
        &self,
        id: &AccountId,
        update: sea_orm::UpdateMany<account::Entity>,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        let done = update
            .col_expr(account::Column::UpdatedAt, Expr::value(now.0))
            .filter(account::Column::Id.eq(id.as_str()))
            .exec(&self.db)
            .await
            .map_err(unavailable)?;
        if done.rows_affected == 0 {
            return Err(StoreError::Corrupt(format!("no account {id}")));
        }
        Ok(())
    }

    async fn find_one(
        &self,
        col: account::Column,
        value: &str,
    ) -> Result<Option<Account>, StoreError> {
        account::Entity::find()
            .filter(col.eq(value))
            .one(&self.db)
            .await
            .map_err(unavailable)?
            .map(Account::try_from)
            .transpose()
    }
}

#[async_trait]
impl AccountRepo for SqlStore {
    async fn find_account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        self.find_one(account::Column::Id, id.as_str()).await
    }

    async fn find_by_username(&self, username: &str) -> Result<Option<Account>, StoreError> {
        self.find_one(account::Column::Username, username).await
    }

    async fn find_by_personnummer(
        &self,
        pnr: &Personnummer,
    ) -> Result<Option<Account>, StoreError> {
        self.find_one(account::Column::Personnummer, pnr.as_str())
            .await
    }

    async fn find_by_customer_number(&self, number: &str) -> Result<Option<Account>, StoreError> {
        self.find_one(account::Column::CustomerNumber, number).await
    }

    async fn find_by_org_number(&self, org: &OrgNumber) -> Result<Option<Account>, StoreError> {
        self.find_one(account::Column::OrgNumber, org.as_str())
            .await
    }

    async fn insert_account(&self, a: &Account) -> Result<(), StoreError> {
        let model = to_model(a).into_active_model();
        let model = account::ActiveModel {
            id: Set(a.id.0.clone()),
            ..model
        };
        account::Entity::insert(model)
            .exec_without_returning(&self.db)
            .await
            .map_err(write_error)?;
        Ok(())
    }

    async fn set_password(
        &self,
        id: &AccountId,
        hash: &str,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await.map_err(unavailable)?;
        let current = account::Entity::find_by_id(id.0.clone())
            .one(&txn)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| StoreError::Corrupt(format!("no account {id}")))?;
        if let Some(old) = current.password_hash.clone() {
            password_history::ActiveModel {
                account_id: Set(id.0.clone()),
                hash: Set(old),
                created_at: Set(now.0),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(unavailable)?;
        }
        let current_generation = current.password_generation;
        let mut active = current.into_active_model();
        active.password_hash = Set(Some(hash.to_owned()));
        active.password_generation = Set(current_generation + 1);
        active.updated_at = Set(now.0);
        active.update(&txn).await.map_err(unavailable)?;
        // S14: what the old password opened closes with it. Access tokens check their
        // grant, so they die here too.
        grant::Entity::update_many()
            .col_expr(grant::Column::RevokedAt, Expr::value(now.0))
            .filter(grant::Column::AccountId.eq(id.as_str()))
            .filter(grant::Column::RevokedAt.is_null())
            .exec(&txn)
            .await
            .map_err(unavailable)?;
        txn.commit().await.map_err(unavailable)
    }

    async fn rehash_password(
        &self,
        id: &AccountId,
        old_hash: &str,
        new_hash: &str,
    ) -> Result<bool, StoreError> {
        let done = account::Entity::update_many()
            .col_expr(account::Column::PasswordHash, Expr::value(new_hash))
            .filter(account::Column::Id.eq(id.as_str()))
            .filter(account::Column::PasswordHash.eq(old_hash))
            .exec(&self.db)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected == 1)
    }

    async fn clear_failures(&self, id: &AccountId) -> Result<(), StoreError> {
        account::Entity::update_many()
            .col_expr(
                account::Column::UnlockGeneration,
                Expr::col(account::Column::UnlockGeneration).add(1),
            )
            .filter(account::Column::Id.eq(id.as_str()))
            .exec(&self.db)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn set_locked(
        &self,
        id: &AccountId,
        locked_at: Option<UnixTime>,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        account::Entity::update_many()
            .col_expr(
                account::Column::LockedAt,
                Expr::value(locked_at.map(|t| t.0)),
            )
            .col_expr(account::Column::UpdatedAt, Expr::value(now.0))
            .filter(account::Column::Id.eq(id.as_str()))
            .exec(&self.db)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn password_history(
        &self,
        id: &AccountId,
        limit: u64,
    ) -> Result<Vec<String>, StoreError> {
        Ok(password_history::Entity::find()
            .filter(password_history::Column::AccountId.eq(id.as_str()))
            .order_by_desc(password_history::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(|m| m.hash)
            .collect())
    }

    async fn set_email(
        &self,
        id: &AccountId,
        email: Option<&str>,
        verified: bool,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        let update = account::Entity::update_many()
            .col_expr(
                account::Column::Email,
                Expr::value(email.map(str::to_owned)),
            )
            .col_expr(
                account::Column::EmailVerified,
                Expr::value(verified && email.is_some()),
            );
        self.update_account(id, update, now).await
    }

    async fn set_phone(
        &self,
        id: &AccountId,
        phone: Option<&str>,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        let update = account::Entity::update_many()
            .col_expr(
                account::Column::Phone,
                Expr::value(phone.map(str::to_owned)),
            )
            .col_expr(account::Column::PhoneVerified, Expr::value(false));
        self.update_account(id, update, now).await
    }

    async fn set_pin(
        &self,
        id: &AccountId,
        hash: Option<&str>,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        let update = account::Entity::update_many().col_expr(
            account::Column::PinHash,
            Expr::value(hash.map(str::to_owned)),
        );
        self.update_account(id, update, now).await
    }

    async fn list_accounts(&self, limit: u64, offset: u64) -> Result<Vec<Account>, StoreError> {
        account::Entity::find()
            .order_by_asc(account::Column::CreatedAt)
            .order_by_asc(account::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(&self.db)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(Account::try_from)
            .collect()
    }
}
