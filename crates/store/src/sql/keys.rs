//! `KeyRepo` over `signing_keys`.

use super::{SqlStore, unavailable, write_error};
use crate::entity::signing_key;
use async_trait::async_trait;
use portvakt_core::ports::{KeyRepo, StoreError, StoredKey};
use portvakt_core::time::UnixTime;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};

#[async_trait]
impl KeyRepo for SqlStore {
    async fn list_keys(&self, now: UnixTime) -> Result<Vec<StoredKey>, StoreError> {
        Ok(signing_key::Entity::find()
            .filter(
                Condition::any()
                    .add(signing_key::Column::ExpiresAt.is_null())
                    .add(signing_key::Column::ExpiresAt.gt(now.0)),
            )
            .order_by_asc(signing_key::Column::CreatedAt)
            .order_by_asc(signing_key::Column::Kid)
            .all(&self.db)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(|m| StoredKey {
                kid: m.kid,
                alg: m.alg,
                private_pem: m.private_pem,
                created_at: UnixTime(m.created_at),
                active_from: UnixTime(m.active_from),
                retired_at: m.retired_at.map(UnixTime),
                expires_at: m.expires_at.map(UnixTime),
            })
            .collect())
    }

    async fn insert_key(&self, k: &StoredKey) -> Result<(), StoreError> {
        signing_key::Model {
            kid: k.kid.clone(),
            alg: k.alg.clone(),
            private_pem: k.private_pem.clone(),
            created_at: k.created_at.0,
            active_from: k.active_from.0,
            retired_at: k.retired_at.map(|t| t.0),
            expires_at: k.expires_at.map(|t| t.0),
        }
        .into_active_model()
        .reset_all()
        .insert(&self.db)
        .await
        .map_err(write_error)?;
        Ok(())
    }

    async fn retire_key(
        &self,
        kid: &str,
        retired_at: UnixTime,
        expires_at: UnixTime,
    ) -> Result<(), StoreError> {
        signing_key::Entity::update_many()
            .col_expr(signing_key::Column::RetiredAt, Expr::value(retired_at.0))
            .col_expr(signing_key::Column::ExpiresAt, Expr::value(expires_at.0))
            .filter(signing_key::Column::Kid.eq(kid))
            .exec(&self.db)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
