//! `AuditLog` over `audit_events`.

use super::{SqlStore, unavailable};
use crate::entity::audit_event;
use async_trait::async_trait;
use portvakt_core::audit::{AuditEvent, AuditKind};
use portvakt_core::ids::{AccountId, ClientId};
use portvakt_core::ports::{AuditLog, StoreError};
use portvakt_core::time::UnixTime;
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, QuerySelect, Set};

#[async_trait]
impl AuditLog for SqlStore {
    async fn record(&self, e: &AuditEvent) -> Result<(), StoreError> {
        audit_event::ActiveModel {
            at: Set(e.at.0),
            kind: Set(e.kind.as_str().to_owned()),
            account_id: Set(e.account_id.as_ref().map(|a| a.0.clone())),
            client_id: Set(e.client_id.as_ref().map(|c| c.0.clone())),
            detail: Set(e.detail.clone()),
            ip: Set(e.ip.clone()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn recent(&self, limit: u64) -> Result<Vec<AuditEvent>, StoreError> {
        audit_event::Entity::find()
            .order_by_desc(audit_event::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(|m| {
                Ok(AuditEvent {
                    at: UnixTime(m.at),
                    kind: AuditKind::from_name(&m.kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("audit kind {}", m.kind)))?,
                    account_id: m.account_id.map(AccountId),
                    client_id: m.client_id.map(ClientId),
                    detail: m.detail,
                    ip: m.ip,
                })
            })
            .collect()
    }
}
