//! `GrantRepo` over the `grants` and `refresh_tokens` tables.

use super::{SqlStore, unavailable, write_error};
use crate::entity::{grant, refresh_token};
use async_trait::async_trait;
use portvakt_core::acr::Amr;
use portvakt_core::grant::{Grant, RefreshTokenRecord, Rotation};
use portvakt_core::ids::{AccountId, ClientId, GrantId};
use portvakt_core::ports::{GrantRepo, StoreError};
use portvakt_core::time::UnixTime;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, TransactionTrait,
};

fn amr_to_string(amr: &[Amr]) -> String {
    amr.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(" ")
}

fn amr_from_string(s: &str) -> Result<Vec<Amr>, StoreError> {
    s.split(' ')
        .filter(|x| !x.is_empty())
        .map(|x| {
            serde_json::from_value(serde_json::Value::String(x.to_owned()))
                .map_err(|_| StoreError::Corrupt(format!("amr value {x}")))
        })
        .collect()
}

impl TryFrom<grant::Model> for Grant {
    type Error = StoreError;
    fn try_from(m: grant::Model) -> Result<Self, StoreError> {
        Ok(Grant {
            amr: amr_from_string(&m.amr)?,
            id: GrantId(m.id),
            client_id: ClientId(m.client_id),
            account_id: AccountId(m.account_id),
            scope: m.scope,
            claims: m.claims,
            acr: m.acr,
            auth_time: UnixTime(m.auth_time),
            sid: m.sid,
            created_at: UnixTime(m.created_at),
            expires_at: UnixTime(m.expires_at),
            revoked_at: m.revoked_at.map(UnixTime),
        })
    }
}

fn refresh_model(r: &RefreshTokenRecord) -> refresh_token::Model {
    refresh_token::Model {
        token_hash: r.token_hash.clone(),
        grant_id: r.grant_id.0.clone(),
        created_at: r.created_at.0,
        expires_at: r.expires_at.0,
        used_at: r.used_at.map(|t| t.0),
    }
}

impl From<refresh_token::Model> for RefreshTokenRecord {
    fn from(m: refresh_token::Model) -> Self {
        RefreshTokenRecord {
            token_hash: m.token_hash,
            grant_id: GrantId(m.grant_id),
            created_at: UnixTime(m.created_at),
            expires_at: UnixTime(m.expires_at),
            used_at: m.used_at.map(UnixTime),
        }
    }
}

#[async_trait]
impl GrantRepo for SqlStore {
    async fn create_grant(
        &self,
        g: &Grant,
        refresh: Option<&RefreshTokenRecord>,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await.map_err(unavailable)?;
        grant::Model {
            id: g.id.0.clone(),
            client_id: g.client_id.0.clone(),
            account_id: g.account_id.0.clone(),
            scope: g.scope.clone(),
            claims: g.claims.clone(),
            acr: g.acr.clone(),
            amr: amr_to_string(&g.amr),
            auth_time: g.auth_time.0,
            sid: g.sid.clone(),
            created_at: g.created_at.0,
            expires_at: g.expires_at.0,
            revoked_at: g.revoked_at.map(|t| t.0),
        }
        .into_active_model()
        .reset_all()
        .insert(&txn)
        .await
        .map_err(write_error)?;
        if let Some(r) = refresh {
            refresh_model(r)
                .into_active_model()
                .reset_all()
                .insert(&txn)
                .await
                .map_err(write_error)?;
        }
        txn.commit().await.map_err(unavailable)
    }

    async fn find_grant(&self, id: &GrantId) -> Result<Option<Grant>, StoreError> {
        grant::Entity::find_by_id(id.0.clone())
            .one(&self.db)
            .await
            .map_err(unavailable)?
            .map(Grant::try_from)
            .transpose()
    }

    async fn revoke_grant(&self, id: &GrantId, at: UnixTime) -> Result<(), StoreError> {
        grant::Entity::update_many()
            .col_expr(grant::Column::RevokedAt, Expr::value(at.0))
            .filter(grant::Column::Id.eq(id.as_str()))
            .filter(grant::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn revoke_session_grants(&self, sid: &str, at: UnixTime) -> Result<u64, StoreError> {
        let live = grant::Entity::find()
            .filter(grant::Column::Sid.eq(sid))
            .filter(grant::Column::RevokedAt.is_null())
            .all(&self.db)
            .await
            .map_err(unavailable)?;
        let ids: Vec<String> = live
            .into_iter()
            .filter(|g| !g.scope.split(' ').any(|s| s == "offline_access"))
            .map(|g| g.id)
            .collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let res = grant::Entity::update_many()
            .col_expr(grant::Column::RevokedAt, Expr::value(at.0))
            .filter(grant::Column::Id.is_in(ids))
            .filter(grant::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await
            .map_err(unavailable)?;
        Ok(res.rows_affected)
    }

    async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        Ok(refresh_token::Entity::find_by_id(token_hash.to_owned())
            .one(&self.db)
            .await
            .map_err(unavailable)?
            .map(RefreshTokenRecord::from))
    }

    async fn rotate_refresh_token(
        &self,
        presented_hash: &str,
        next: &RefreshTokenRecord,
        now: UnixTime,
    ) -> Result<Rotation, StoreError> {
        let txn = self.db.begin().await.map_err(unavailable)?;
        // The conditional UPDATE is the atomic step: under concurrency only one
        // transaction sees `used_at IS NULL` (PostgreSQL re-checks the row after a
        // concurrent commit; SQLite serialises writers).
        let marked = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::UsedAt, Expr::value(now.0))
            .filter(refresh_token::Column::TokenHash.eq(presented_hash))
            .filter(refresh_token::Column::UsedAt.is_null())
            .filter(refresh_token::Column::ExpiresAt.gt(now.0))
            .exec(&txn)
            .await
            .map_err(unavailable)?;
        if marked.rows_affected == 1 {
            refresh_model(next)
                .into_active_model()
                .reset_all()
                .insert(&txn)
                .await
                .map_err(write_error)?;
            txn.commit().await.map_err(unavailable)?;
            return Ok(Rotation::Rotated);
        }
        txn.rollback().await.map_err(unavailable)?;
        Ok(match self.find_refresh_token(presented_hash).await? {
            None => Rotation::NotFound,
            Some(RefreshTokenRecord {
                used_at: Some(used_at),
                ..
            }) => Rotation::Reused { used_at },
            Some(_) => Rotation::Expired,
        })
    }

    async fn add_refresh_token(&self, record: &RefreshTokenRecord) -> Result<(), StoreError> {
        refresh_model(record)
            .into_active_model()
            .reset_all()
            .insert(&self.db)
            .await
            .map_err(write_error)?;
        Ok(())
    }

    async fn extend_refresh_token(
        &self,
        token_hash: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let done = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::ExpiresAt, Expr::value(expires_at.0))
            .filter(refresh_token::Column::TokenHash.eq(token_hash))
            .filter(refresh_token::Column::UsedAt.is_null())
            .filter(refresh_token::Column::ExpiresAt.gt(now.0))
            .exec(&self.db)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected == 1)
    }
}
