//! `CodeListRepo` over the `list_codes` table.

use super::{SqlStore, unavailable};
use crate::entity::list_code;
use async_trait::async_trait;
use portvakt_core::ids::AccountId;
use portvakt_core::ports::{CodeListRepo, StoreError};
use portvakt_core::time::UnixTime;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait};

#[async_trait]
impl CodeListRepo for SqlStore {
    async fn replace_code_list(
        &self,
        account: &AccountId,
        hashes: &[String],
        now: UnixTime,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await.map_err(unavailable)?;
        list_code::Entity::delete_many()
            .filter(list_code::Column::AccountId.eq(account.as_str()))
            .exec(&txn)
            .await
            .map_err(unavailable)?;
        if !hashes.is_empty() {
            let rows = hashes.iter().map(|h| list_code::ActiveModel {
                account_id: Set(account.0.clone()),
                code_hash: Set(h.clone()),
                created_at: Set(now.0),
                used_at: Set(None),
                ..Default::default()
            });
            list_code::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await
                .map_err(unavailable)?;
        }
        txn.commit().await.map_err(unavailable)
    }

    async fn use_list_code(
        &self,
        account: &AccountId,
        hash: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        // One conditional UPDATE: of parallel uses of one code, one changes the row.
        let done = list_code::Entity::update_many()
            .col_expr(list_code::Column::UsedAt, Expr::value(now.0))
            .filter(list_code::Column::AccountId.eq(account.as_str()))
            .filter(list_code::Column::CodeHash.eq(hash))
            .filter(list_code::Column::UsedAt.is_null())
            .exec(&self.db)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected == 1)
    }

    async fn list_codes_left(&self, account: &AccountId) -> Result<u64, StoreError> {
        list_code::Entity::find()
            .filter(list_code::Column::AccountId.eq(account.as_str()))
            .filter(list_code::Column::UsedAt.is_null())
            .count(&self.db)
            .await
            .map_err(unavailable)
    }
}
