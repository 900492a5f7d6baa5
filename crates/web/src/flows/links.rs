//! Single-use links into a step of a flow, for e-mail ("Skapa lösenord", confirming an
//! address). The token (256 bits) is in the link; only its hash is stored (S41). Opening
//! the link shows a page with a button, and only the button's POST spends the token, so
//! a mail scanner that fetches every link cannot use it up.

use portvakt_core::ephemeral::{Ephemeral, keys};
use portvakt_core::ids::ClientId;
use portvakt_core::ports::StoreError;
use portvakt_core::random::new_token;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// What a link token opens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkRecord {
    /// The flow.
    pub flow: String,
    /// The client whose login it belongs to.
    pub client_id: ClientId,
    /// The step the link opens.
    pub step: Value,
    /// The language the e-mail was written in.
    pub lang: String,
}

/// Issues and spends link tokens.
#[derive(Clone)]
pub struct FlowLinks {
    ephemeral: Ephemeral,
    issuer: String,
}

impl FlowLinks {
    /// Links on `issuer`, tokens in `ephemeral`.
    pub fn new(ephemeral: Ephemeral, issuer: &str) -> Self {
        FlowLinks {
            ephemeral,
            issuer: issuer.to_owned(),
        }
    }

    /// A link (`{issuer}/link/{token}`) that opens `record`'s step once, within `ttl`.
    pub async fn issue(&self, record: &LinkRecord, ttl: Duration) -> Result<String, StoreError> {
        let token = new_token();
        self.ephemeral
            .put_json(&keys::flow_link(&token), record, ttl)
            .await?;
        Ok(format!("{}/link/{token}", self.issuer))
    }

    /// Whether the link is still unused (to show its page), without spending it.
    pub async fn is_live(&self, token: &str) -> Result<bool, StoreError> {
        Ok(self
            .ephemeral
            .get_json::<LinkRecord>(&keys::flow_link(token))
            .await?
            .is_some())
    }

    /// Spends the link: of parallel spenders, one gets the record.
    pub async fn spend(&self, token: &str) -> Result<Option<LinkRecord>, StoreError> {
        self.ephemeral.take_json(&keys::flow_link(token)).await
    }
}
