//! The life of one order, shared by every instance through the ephemeral store: start
//! it, collect every 2 s while the browser polls, show the animated QR code while the
//! app has not picked it up, stop at `failed`/`complete`, and cancel an order the
//! browser abandoned.
//!
//! The browser polls the identity provider about once a second; whichever instance
//! answers collects from BankID when the last collect ended 2 s ago. A lease in the
//! store makes that hold across instances: it is taken for as long as a collect can
//! last (the client's timeout) and, when the collect ends, set to run out 2 s later.
//! `qrStartSecret` and `orderRef` stay in the store; the browser sees a handle.

use crate::api::{AuthRequest, CompletionData, OrderResponse, Status};
use crate::client::{Client, Error};
use crate::codes::{ErrorClass, HintCode};
use crate::messages::{self, Flow, Rfa};
use crate::qr;
use portvakt_core::ports::{EphemeralStore, StoreError};
use portvakt_core::random::new_token;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// BankID's advice: collect every two seconds.
pub const COLLECT_INTERVAL: Duration = Duration::from_secs(2);
/// Collects that fail in a row (timeouts, 5xx) before the order is given up.
const COLLECT_ATTEMPTS: u32 = 3;
/// How long without a poll before a QR order counts as abandoned, unless set otherwise.
/// Generous: a user may look for the phone, unlock it and open the app.
pub const DEFAULT_ABANDON_AFTER: Duration = Duration::from_secs(60);
/// How long an order's state is kept: BankID's order lifetime (~3 min) plus the time a
/// finished order stays collectable, with margin.
const STATE_TTL: Duration = Duration::from_secs(10 * 60);

/// An opaque reference to an order, safe to keep in a login transaction. It is not the
/// `orderRef`, which stays on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderHandle(String);

impl OrderHandle {
    /// The handle as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A started order.
#[derive(Clone)]
pub struct Started {
    /// Where the order's state lives.
    pub handle: OrderHandle,
    /// For [`crate::launch::launch_url`] (same device).
    pub auto_start_token: String,
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The autostart token opens the order in an app: not for logs.
        f.debug_struct("Started")
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

/// What the browser is told on each poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Still going.
    Pending {
        /// The last hint code from BankID (none before the first collect).
        hint: Option<HintCode>,
        /// What to tell the user.
        message: Rfa,
        /// The current QR payload, while the app has not picked the order up (QR flow).
        qr: Option<String>,
    },
    /// Done: call [`Orders::finish`] to take the completion data.
    Complete,
    /// BankID ended the order.
    Failed {
        /// Why.
        hint: HintCode,
        /// What to tell the user.
        message: Rfa,
    },
    /// A call failed; `None` means an internal error (generic error page).
    Error {
        /// What to tell the user.
        message: Option<Rfa>,
    },
}

/// Why an order operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// No such order (unknown handle, finished, or expired).
    #[error("no such BankID order")]
    Unknown,
    /// `finish` on an order that is not complete.
    #[error("the BankID order is not complete")]
    NotComplete,
    /// Starting the order failed at BankID.
    #[error(transparent)]
    BankId(#[from] Error),
    /// The ephemeral store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone, Serialize, Deserialize)]
enum Known {
    Pending(Option<HintCode>),
    Complete(Box<CompletionData>),
    Failed(HintCode),
    Error(Option<Rfa>),
}

impl Known {
    fn is_pending(&self) -> bool {
        matches!(self, Known::Pending(_))
    }
}

/// No `Debug`: it holds `qrStartSecret` and, when complete, the user's data.
#[derive(Clone, Serialize, Deserialize)]
struct Stored {
    order_ref: String,
    qr_start_token: String,
    qr_start_secret: String,
    /// When the `/auth` answer arrived, in Unix milliseconds: `qrTime` counts from here.
    /// Instances share it, so their clocks must agree (NTP) to within a second.
    started_ms: u64,
    flow: Flow,
    known: Known,
    /// Collects that failed in a row.
    #[serde(default)]
    failed_collects: u32,
}

/// What one `/collect` taught us.
enum Collected {
    /// New state.
    Known(Known),
    /// A failure worth another try at the next interval.
    Transient,
    /// `tooManyRequests`: nothing new, try later.
    BackOff,
}

/// Orders of this identity provider.
pub struct Orders {
    client: Arc<Client>,
    store: Arc<dyn EphemeralStore>,
    collect_interval: Duration,
    abandon_after: Duration,
}

fn order_key(handle: &OrderHandle) -> String {
    format!("bankid:order:{}", handle.0)
}
fn lease_key(handle: &OrderHandle) -> String {
    format!("bankid:collect:{}", handle.0)
}
fn seen_key(handle: &OrderHandle) -> String {
    format!("bankid:seen:{}", handle.0)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Stored orders hold `qrStartSecret` and personal data: a decoding error names the
/// place, never the value.
fn decode(bytes: &[u8]) -> Result<Stored, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| {
        StoreError::Corrupt(format!(
            "BankID order at line {} column {}",
            e.line(),
            e.column()
        ))
    })
}

fn encode(stored: &Stored) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(stored).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Orders {
    /// Orders through `client`, with state in `store`.
    pub fn new(client: Arc<Client>, store: Arc<dyn EphemeralStore>) -> Self {
        Orders {
            client,
            store,
            collect_interval: COLLECT_INTERVAL,
            abandon_after: DEFAULT_ABANDON_AFTER,
        }
    }

    /// How often to collect (BankID says every 2 s; tests may slow it down).
    pub fn collect_interval(mut self, interval: Duration) -> Self {
        self.collect_interval = interval;
        self
    }

    /// How long without a poll before [`Orders::cancel_when_abandoned`] cancels.
    pub fn abandon_after(mut self, idle: Duration) -> Self {
        self.abandon_after = idle;
        self
    }

    /// Starts an identification (`/auth`) shown to the user by `flow`.
    pub async fn start(&self, request: &AuthRequest, flow: Flow) -> Result<Started, OrderError> {
        let order = self.client.auth(request).await?;
        self.keep(order, flow).await
    }

    /// Starts a signing (`/sign`; `user_visible_data` is required) shown by `flow`.
    pub async fn start_sign(
        &self,
        request: &AuthRequest,
        flow: Flow,
    ) -> Result<Started, OrderError> {
        let order = self.client.sign(request).await?;
        self.keep(order, flow).await
    }

    /// Stores a started order; if that fails, the order is cancelled at BankID so that
    /// a retry for the same person does not meet `alreadyInProgress`.
    async fn keep(&self, order: OrderResponse, flow: Flow) -> Result<Started, OrderError> {
        let order_ref = order.order_ref.clone();
        match self.store_new(order, flow).await {
            Ok(started) => Ok(started),
            Err(e) => {
                self.cancel_at_bankid(&order_ref).await;
                Err(e)
            }
        }
    }

    async fn store_new(&self, order: OrderResponse, flow: Flow) -> Result<Started, OrderError> {
        let handle = OrderHandle(new_token());
        let stored = Stored {
            order_ref: order.order_ref,
            qr_start_token: order.qr_start_token,
            qr_start_secret: order.qr_start_secret,
            started_ms: now_ms(),
            flow,
            known: Known::Pending(None),
            failed_collects: 0,
        };
        self.store
            .put(&order_key(&handle), &encode(&stored)?, STATE_TTL)
            .await?;
        // Starting counts as the first sign of life (only QR orders are watched).
        if flow == Flow::Qr {
            self.store
                .put(&seen_key(&handle), b"1", self.abandon_after)
                .await?;
        }
        Ok(Started {
            handle,
            auto_start_token: order.auto_start_token,
        })
    }

    /// One poll from the browser: collects if the last collect ended 2 s ago (on any
    /// instance), and says what to show.
    pub async fn poll(&self, handle: &OrderHandle) -> Result<Progress, OrderError> {
        let mut stored = self.load(handle).await?;
        // A sign of life for `cancel_when_abandoned`, which watches QR orders only: no
        // write per poll for the others.
        if stored.flow == Flow::Qr {
            self.store
                .put(&seen_key(handle), b"1", self.abandon_after)
                .await?;
        }
        let lease = lease_key(handle);
        let longest_collect = self.client.timeout() + self.collect_interval;
        if stored.known.is_pending()
            && self
                .store
                .put_if_absent(&lease, b"1", longest_collect)
                .await?
        {
            let collected = self.collect(&stored).await;
            // Everything up to the write happens under the long lease, so no other
            // instance collects meanwhile. `cancel` and `finish` may have taken the
            // order, though: re-read, change only a pending order, and `replace` so a
            // taken order stays taken.
            let current = self.load(handle).await?;
            if !current.known.is_pending() {
                return Ok(progress(&current, now_ms()));
            }
            stored = current;
            let mut given_up = false;
            match collected {
                Collected::Known(known) => {
                    stored.known = known;
                    stored.failed_collects = 0;
                }
                Collected::Transient => {
                    stored.failed_collects += 1;
                    if stored.failed_collects >= COLLECT_ATTEMPTS {
                        stored.known = Known::Error(Some(Rfa::Rfa5));
                        given_up = true;
                    }
                }
                Collected::BackOff => {}
            }
            if !self
                .store
                .replace(&order_key(handle), &encode(&stored)?, STATE_TTL)
                .await?
            {
                return Err(OrderError::Unknown);
            }
            // The next collect: an interval after this one ended.
            self.store.put(&lease, b"1", self.collect_interval).await?;
            // BankID may still hold an order we gave up on; an order BankID refused
            // (the RP's own fault) is not cancelled: that call would be refused too.
            if given_up {
                self.cancel_at_bankid(&stored.order_ref).await;
            }
        }
        Ok(progress(&stored, now_ms()))
    }

    /// Takes a complete order's data, once: the login that reads it is the only one.
    /// An order that is not complete is left as it is.
    pub async fn finish(&self, handle: &OrderHandle) -> Result<CompletionData, OrderError> {
        if !matches!(self.load(handle).await?.known, Known::Complete(_)) {
            return Err(OrderError::NotComplete);
        }
        let bytes = self
            .store
            .take(&order_key(handle))
            .await?
            .ok_or(OrderError::Unknown)?;
        match decode(&bytes)?.known {
            Known::Complete(data) => Ok(*data),
            _ => Err(OrderError::Unknown),
        }
    }

    /// Ends an order the user gave up on: cancels it at BankID unless it is over there
    /// already, and forgets it. Unknown handles are fine (already over).
    pub async fn cancel(&self, handle: &OrderHandle) -> Result<(), OrderError> {
        let Some(bytes) = self.store.take(&order_key(handle)).await? else {
            return Ok(());
        };
        let stored = decode(&bytes)?;
        if matches!(stored.known, Known::Pending(_) | Known::Error(_)) {
            self.cancel_at_bankid(&stored.order_ref).await;
        }
        Ok(())
    }

    /// Cancels a QR order once the browser has not polled for the abandon window (tab
    /// closed, user gone). Same-device orders are left alone: while the user is in the
    /// BankID app the browser is in the background and may not poll at all; BankID
    /// ends those orders itself after about three minutes. Runs on this instance; if
    /// the instance stops first, the order likewise expires at BankID.
    pub fn cancel_when_abandoned(self: &Arc<Self>, handle: OrderHandle) {
        let orders = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(orders.abandon_after).await;
                match orders.load(&handle).await {
                    Ok(stored) if stored.flow == Flow::Qr && stored.known.is_pending() => {}
                    // The store is down for now: look again at the next tick.
                    Err(OrderError::Store(_)) => continue,
                    _ => return,
                }
                match orders.store.get(&seen_key(&handle)).await {
                    Ok(Some(_)) => continue,
                    Ok(None) => {
                        if let Err(e) = orders.cancel(&handle).await {
                            tracing::warn!(error = %e, "cancelling an abandoned order failed");
                        }
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "abandoned-order check failed; trying again");
                        continue;
                    }
                }
            }
        });
    }

    async fn load(&self, handle: &OrderHandle) -> Result<Stored, OrderError> {
        let bytes = self
            .store
            .get(&order_key(handle))
            .await?
            .ok_or(OrderError::Unknown)?;
        Ok(decode(&bytes)?)
    }

    /// Best effort: a failure leaves the order to expire at BankID (about 3 minutes).
    async fn cancel_at_bankid(&self, order_ref: &str) {
        if let Err(e) = self.client.cancel(order_ref).await {
            tracing::warn!(error = %e, "BankID cancel failed; the order will expire");
        }
    }

    async fn collect(&self, stored: &Stored) -> Collected {
        match self.client.collect(&stored.order_ref).await {
            Ok(answer) => Collected::Known(match answer.status {
                Status::Pending => Known::Pending(answer.hint_code),
                Status::Failed => Known::Failed(
                    answer
                        .hint_code
                        .unwrap_or_else(|| HintCode::Unknown(String::new())),
                ),
                Status::Complete => match answer.completion_data {
                    Some(data) => Known::Complete(Box::new(data)),
                    None => Known::Error(Some(Rfa::Rfa22)),
                },
            }),
            Err(e) => match e.class() {
                ErrorClass::BackOff => {
                    tracing::warn!(error = %e, "BankID asks to slow down; collecting later");
                    Collected::BackOff
                }
                ErrorClass::TryAgain => {
                    tracing::warn!(error = %e, "BankID collect failed; trying again");
                    Collected::Transient
                }
                ErrorClass::Internal | ErrorClass::AlreadyInProgress => {
                    tracing::error!(error = %e, "BankID collect refused: internal error");
                    Collected::Known(Known::Error(e.message()))
                }
            },
        }
    }
}

fn progress(stored: &Stored, now_ms: u64) -> Progress {
    match &stored.known {
        Known::Pending(hint) => {
            let message = match hint {
                Some(h) => messages::pending(h, stored.flow),
                None => messages::pending(&HintCode::OutstandingTransaction, stored.flow),
            };
            // Show the QR code only until the app has the order (reference: "Show the
            // QR only while the hint is outstandingTransaction").
            let waiting_for_app = matches!(hint, None | Some(HintCode::OutstandingTransaction));
            let qr = (stored.flow == Flow::Qr && waiting_for_app).then(|| {
                let qr_time = now_ms.saturating_sub(stored.started_ms) / 1000;
                qr::payload(&stored.qr_start_token, &stored.qr_start_secret, qr_time)
            });
            Progress::Pending {
                hint: hint.clone(),
                message,
                qr,
            }
        }
        Known::Complete(_) => Progress::Complete,
        Known::Failed(hint) => Progress::Failed {
            hint: hint.clone(),
            message: messages::failed(hint, stored.flow),
        },
        Known::Error(message) => Progress::Error { message: *message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(flow: Flow, known: Known) -> Stored {
        Stored {
            order_ref: "o".into(),
            qr_start_token: "67df3917-fa0d-44e5-b327-edcc928297f8".into(),
            qr_start_secret: "d28db9a7-4cde-429e-a983-359be676944c".into(),
            started_ms: 1_000_000,
            flow,
            known,
            failed_collects: 0,
        }
    }

    #[test]
    fn qr_only_while_the_app_has_not_picked_the_order_up() {
        let s = stored(Flow::Qr, Known::Pending(None));
        let Progress::Pending { qr, message, .. } = progress(&s, 1_002_500) else {
            panic!("pending")
        };
        assert_eq!(message, Rfa::Rfa1);
        assert_eq!(
            qr.as_deref(),
            Some(
                "bankid.67df3917-fa0d-44e5-b327-edcc928297f8.2.a9e5ec59cb4eee4ef4117150abc58fad7a85439a6a96ccbecc3668b41795b3f3"
            ),
            "qrTime counts whole seconds from the /auth answer"
        );
        let s = stored(Flow::Qr, Known::Pending(Some(HintCode::UserSign)));
        assert!(matches!(
            progress(&s, 1_002_500),
            Progress::Pending {
                qr: None,
                message: Rfa::Rfa9,
                ..
            }
        ));
        let s = stored(Flow::Autostart, Known::Pending(None));
        assert!(matches!(
            progress(&s, 1_002_500),
            Progress::Pending {
                qr: None,
                message: Rfa::Rfa13,
                ..
            }
        ));
        let s = stored(Flow::Autostart, Known::Failed(HintCode::StartFailed));
        assert!(matches!(
            progress(&s, 0),
            Progress::Failed {
                message: Rfa::Rfa17A,
                ..
            }
        ));
    }
}
