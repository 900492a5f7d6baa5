//! Mobile BankID (seed 002, docs/bankid.md): an order at BankID's RP API v6, shown as an
//! animated QR code for the app on another device or opened in the app on this one.
//!
//! The page starts the order itself when it knows the device (BankID's recommendation:
//! a computer gets the QR code, a phone the app); a tablet, a failed order or a cancel
//! shows the two choices. While the order runs, every GET of the page and every
//! `/login/{tx}/poll` asks [`Orders::poll`], which collects at most every two seconds
//! across instances; the QR payload is new every second. A reload or a second tab of
//! the same login resumes the same order (it is in the login transaction). Leaving the
//! method (cancel, another tab) cancels the order at BankID.

use super::{Button, Form, Image, Leave, Link, LoginContext, Method, Outcome, StepView, Text};
use crate::error::AppError;
use async_trait::async_trait;
use portvakt_bankid::api::{AuthRequest, Requirement, Web, encode_text};
use portvakt_bankid::launch::{DeviceKind, Recommendation, launch_url};
use portvakt_bankid::messages::{Flow, Rfa};
use portvakt_bankid::order::OrderError;
use portvakt_bankid::{OrderHandle, Orders, Progress, qr};
use portvakt_core::acr::Amr;
use portvakt_core::audit::{AuditEvent, AuditKind, AuditTrail};
use portvakt_core::config::{Localized, RiskLevel};
use portvakt_core::ephemeral::Ephemeral;
use portvakt_core::identity::Personnummer;
use portvakt_core::person::{IdentifiedPerson, UnknownPersonPolicy};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// BankID's limit on `web.userAgent`: longer in-app-browser user agents were refused
/// with 400 elsewhere (reference: "Device data").
const USER_AGENT_MAX: usize = 256;

/// The method's steps, kept in the login transaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum BankIdStep {
    /// No order running: the two ways to start one.
    Start {
        /// Start by the device's recommendation (a new login); not after a failure or
        /// a cancel, where the user chooses.
        auto: bool,
        /// The page has been shown once: the order starts at the next look (the poll
        /// script, or the page's own refresh), so a crawler's single fetch of a login
        /// page starts nothing at BankID.
        #[serde(default)]
        looked: bool,
        /// Why the last order ended, shown as BankID's message.
        ended: Option<Rfa>,
        /// Too many orders were started from this address.
        #[serde(default)]
        too_many: bool,
        /// BankID judged the login riskier than the client accepts.
        #[serde(default)]
        risky: bool,
    },
    /// An order in progress.
    Waiting {
        /// Where the order lives (not BankID's `orderRef`).
        handle: OrderHandle,
        /// QR code or this device.
        flow: Flow,
        /// The link that starts the app on this device.
        launch: String,
        /// The order's autostart token (development: the simulated app's link carries
        /// it, so a developer need not copy it).
        #[serde(default)]
        auto_start_token: String,
        /// The order required the security code (`amr` then says `pin`).
        #[serde(default)]
        pin_required: bool,
        /// The highest risk the client accepts, when it asked for BankID's risk.
        #[serde(default)]
        accepted_risk: Option<String>,
        /// BankID's message for the order's state.
        message: Rfa,
        /// The QR payload of the last poll (QR flow, until the app has the order).
        qr: Option<String>,
    },
}

/// Mobile BankID.
pub struct BankIdMethod {
    orders: Arc<Orders>,
    audit: AuditTrail,
    unknown_person: UnknownPersonPolicy,
    user_visible_text: Option<Localized>,
    require_pin: bool,
    certificate_policies: Vec<String>,
    /// The simulated app's page (development only), linked from the waiting step.
    simulator_app: Option<String>,
    /// Whatever must live as long as the method (the in-process simulator).
    _keep_alive: Option<Arc<dyn std::any::Any + Send + Sync>>,
    /// Counters for the orders started per client address.
    starts: Option<Ephemeral>,
}

/// Orders one client address (IPv6 /64) may start in [`START_WINDOW`]: a school or an
/// office behind one address fits; a script calling BankID through us does not.
const STARTS_PER_ADDRESS: u64 = 60;
const START_WINDOW: std::time::Duration = std::time::Duration::from_secs(600);

impl BankIdMethod {
    /// BankID through `orders`.
    pub fn new(orders: Arc<Orders>, audit: AuditTrail) -> Self {
        BankIdMethod {
            orders,
            audit,
            unknown_person: UnknownPersonPolicy::Refuse,
            user_visible_text: None,
            require_pin: false,
            certificate_policies: Vec::new(),
            simulator_app: None,
            _keep_alive: None,
            starts: None,
        }
    }

    /// Counts the orders started per client address in `ephemeral`, and refuses more
    /// than [`STARTS_PER_ADDRESS`] in ten minutes.
    pub fn limit_starts(mut self, ephemeral: Ephemeral) -> Self {
        self.starts = Some(ephemeral);
        self
    }

    /// Keeps `value` alive as long as the method (the in-process simulator).
    pub fn keep_alive(mut self, value: Arc<dyn std::any::Any + Send + Sync>) -> Self {
        self._keep_alive = Some(value);
        self
    }

    /// What happens to a person without an account.
    pub fn unknown_person(mut self, policy: UnknownPersonPolicy) -> Self {
        self.unknown_person = policy;
        self
    }

    /// The text shown in the app (intent only).
    pub fn user_visible_text(mut self, text: Option<Localized>) -> Self {
        self.user_visible_text = text;
        self
    }

    /// `requirement.pinCode` and `requirement.certificatePolicies`.
    pub fn requirements(mut self, require_pin: bool, certificate_policies: Vec<String>) -> Self {
        self.require_pin = require_pin;
        self.certificate_policies = certificate_policies;
        self
    }

    /// Links the simulated app (development).
    pub fn simulator_app(mut self, url: Option<String>) -> Self {
        self.simulator_app = url;
        self
    }

    fn event(&self, kind: AuditKind, cx: &LoginContext<'_>) -> AuditEvent {
        AuditEvent::now(kind)
            .client(&cx.client.client_id)
            .ip(cx.client_ip)
    }

    /// RFC 8176: a key in the app on a phone (`swk`), unlocked by the user, and so two
    /// factors (`mfa`); `pin` only when the order required the security code, since
    /// otherwise the app may have used a fingerprint or a face (docs/bankid.md).
    fn amr(pin_required: bool) -> Vec<Amr> {
        let mut amr = vec![Amr::Swk];
        if pin_required {
            amr.push(Amr::Pin);
        }
        amr.push(Amr::Mfa);
        amr
    }

    async fn start_order(&self, cx: &LoginContext<'_>, flow: Flow) -> Result<BankIdStep, AppError> {
        if let Some(e) = &self.starts {
            let key = format!(
                "bankid-starts:{}",
                portvakt_core::address::address_block(cx.client_ip)
            );
            if e.bump(&key, START_WINDOW).await? > STARTS_PER_ADDRESS {
                e.give_back(&key).await?;
                return Ok(BankIdStep::Start {
                    auto: false,
                    looked: true,
                    ended: None,
                    too_many: true,
                    risky: false,
                });
            }
        }
        let user_agent: String = cx.user_agent.chars().take(USER_AGENT_MAX).collect();
        let device = DeviceKind::from_user_agent(cx.user_agent);
        // The client's own `[bankid]` settings, else the method's.
        let own = &cx.client.bankid;
        let require_pin = own.require_pin.unwrap_or(self.require_pin);
        let policies = own
            .certificate_policies
            .clone()
            .unwrap_or_else(|| self.certificate_policies.clone());
        let visible = own
            .user_visible_text
            .as_ref()
            .or(self.user_visible_text.as_ref());
        let requirement = (require_pin || !policies.is_empty()).then(|| Requirement {
            pin_code: require_pin.then_some(true),
            certificate_policies: (!policies.is_empty()).then_some(policies),
            ..Requirement::default()
        });
        let request = AuthRequest {
            end_user_ip: cx.client_ip.to_string(),
            requirement,
            user_visible_data: visible.map(|t| encode_text(t.get(cx.lang.as_str()))),
            return_risk: own.accepted_risk.map(|_| true),
            // Same device: the app returns to this login's page, which is bound to this
            // browser's cookie; another browser gets "wrong browser", never the login.
            // BankID takes https return URLs only: on plain-http development the app
            // returns by `redirect=null` instead.
            return_url: (flow == Flow::Autostart && cx.page_url.starts_with("https://"))
                .then(|| cx.page_url.clone()),
            web: Some(Web {
                referring_domain: url::Url::parse(&cx.page_url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned)),
                user_agent: (!user_agent.is_empty()).then_some(user_agent),
                device_identifier: Some(cx.browser_hash.to_owned()),
            }),
            ..AuthRequest::default()
        };
        match self.orders.start(&request, flow).await {
            Ok(started) => {
                self.audit
                    .record(
                        self.event(AuditKind::BankIdOrderStarted, cx)
                            .detail(flow_name(flow)),
                    )
                    .await;
                if flow == Flow::Qr {
                    self.orders.cancel_when_abandoned(started.handle.clone());
                }
                let launch = launch_url(device, &started.auto_start_token, None);
                // The first QR code at once: the page shows it without waiting a poll.
                let qr = match self.orders.poll(&started.handle).await {
                    Ok(Progress::Pending { qr, .. }) => qr,
                    _ => None,
                };
                Ok(BankIdStep::Waiting {
                    handle: started.handle,
                    flow,
                    launch,
                    auto_start_token: started.auto_start_token.clone(),
                    pin_required: require_pin,
                    accepted_risk: own.accepted_risk.map(|r| format!("{r:?}").to_lowercase()),
                    message: match flow {
                        Flow::Qr => Rfa::Rfa1,
                        Flow::Autostart => Rfa::Rfa13,
                    },
                    qr,
                })
            }
            Err(OrderError::BankId(e)) => {
                // BankID unreachable or refusing (S46): the order did not start; the
                // page says so and offers to try again.
                tracing::warn!(error = %e, "starting a BankID order failed");
                self.audit
                    .record(
                        self.event(AuditKind::BankIdOrderFailed, cx)
                            .detail(format!("start: {:?}", e.class())),
                    )
                    .await;
                Ok(BankIdStep::Start {
                    auto: false,
                    looked: true,
                    ended: Some(e.message().unwrap_or(Rfa::Rfa22)),
                    too_many: false,
                    risky: false,
                })
            }
            Err(OrderError::Store(e)) => Err(e.into()),
            Err(e) => Err(AppError::Internal(e.to_string())),
        }
    }

    /// What the order says now, as the next step or the end of the method.
    async fn progress(
        &self,
        cx: &LoginContext<'_>,
        waiting: BankIdStep,
    ) -> Result<Outcome<BankIdStep>, AppError> {
        let BankIdStep::Waiting {
            handle,
            flow,
            launch,
            auto_start_token,
            pin_required,
            accepted_risk,
            ..
        } = waiting
        else {
            return Ok(Outcome::Continue(waiting));
        };
        let ended = |rfa: Rfa| BankIdStep::Start {
            auto: false,
            looked: true,
            ended: Some(rfa),
            too_many: false,
            risky: false,
        };
        let progress = match self.orders.poll(&handle).await {
            Ok(p) => p,
            Err(OrderError::Unknown) => return Ok(Outcome::Continue(ended(Rfa::Rfa22))),
            Err(OrderError::Store(e)) => return Err(e.into()),
            Err(e) => return Err(AppError::Internal(e.to_string())),
        };
        match progress {
            Progress::Pending { message, qr, .. } => Ok(Outcome::Continue(BankIdStep::Waiting {
                handle,
                flow,
                launch,
                auto_start_token,
                pin_required,
                accepted_risk,
                message,
                qr,
            })),
            Progress::Complete => {
                let data = match self.orders.finish(&handle).await {
                    Ok(d) => d,
                    // Another request of this login took it first: it finishes the login.
                    Err(OrderError::Unknown | OrderError::NotComplete) => {
                        return Ok(Outcome::Continue(ended(Rfa::Rfa22)));
                    }
                    Err(OrderError::Store(e)) => return Err(e.into()),
                    Err(e) => return Err(AppError::Internal(e.to_string())),
                };
                let personnummer = Personnummer::try_from(data.user.personal_number.clone())
                    .map_err(|_| {
                        AppError::Internal("BankID returned a malformed personal number".into())
                    })?;
                // The client's accepted risk (`[bankid] accepted_risk`): an answer without a
                // risk, or above it, is refused.
                if let Some(accepted) = accepted_risk.as_deref() {
                    let accepted = RiskLevel::parse(accepted);
                    let risk = data
                        .risk
                        .as_deref()
                        .map_or(RiskLevel::High, RiskLevel::parse);
                    if risk > accepted {
                        self.audit
                            .record(
                                self.event(AuditKind::BankIdOrderFailed, cx)
                                    .detail(format!("risk {risk:?} above {accepted:?}")),
                            )
                            .await;
                        return Ok(Outcome::Continue(BankIdStep::Start {
                            auto: false,
                            looked: true,
                            ended: None,
                            too_many: false,
                            risky: true,
                        }));
                    }
                }
                self.audit
                    .record(self.event(AuditKind::BankIdOrderCompleted, cx))
                    .await;
                Ok(Outcome::Identified {
                    person: IdentifiedPerson {
                        personnummer,
                        given_name: Some(data.user.given_name.clone()),
                        family_name: Some(data.user.surname.clone()),
                    },
                    amr: Self::amr(pin_required),
                    // Shown only when the person cannot sign in: the framework's own
                    // message says why, so no BankID message beside it.
                    step: BankIdStep::Start {
                        auto: false,
                        looked: true,
                        ended: None,
                        too_many: false,
                        risky: false,
                    },
                })
            }
            Progress::Failed { hint, message } => {
                self.audit
                    .record(
                        self.event(AuditKind::BankIdOrderFailed, cx)
                            .detail(hint.as_str().to_owned()),
                    )
                    .await;
                Ok(Outcome::Continue(ended(message)))
            }
            Progress::Error { message } => {
                self.audit
                    .record(self.event(AuditKind::BankIdOrderFailed, cx).detail("error"))
                    .await;
                Ok(Outcome::Continue(ended(message.unwrap_or(Rfa::Rfa22))))
            }
        }
    }
}

fn flow_name(flow: Flow) -> &'static str {
    match flow {
        Flow::Qr => "qr",
        Flow::Autostart => "same device",
    }
}

/// BankID's message as a step text, in the page's language.
fn rfa_text(rfa: Rfa) -> Text {
    Text::key("text.configured").with_localized("text", rfa.sv(), rfa.en())
}

#[async_trait]
impl Method for BankIdMethod {
    type Step = BankIdStep;

    fn label(&self) -> &'static str {
        "method.bankid"
    }

    fn start(&self, _login_hint: Option<&str>) -> BankIdStep {
        BankIdStep::Start {
            auto: true,
            looked: false,
            ended: None,
            too_many: false,
            risky: false,
        }
    }

    fn view(&self, step: &BankIdStep) -> StepView {
        let same_device = Button {
            value: "same_device",
            label: "bankid.same_device",
        };
        let other_device = Button {
            value: "qr",
            label: "bankid.other_device",
        };
        match step {
            BankIdStep::Start {
                auto,
                ended,
                too_many,
                risky,
                ..
            } => StepView {
                heading: Some("bankid.heading"),
                alert: if *too_many {
                    Some(Text::key("bankid.too_many"))
                } else if *risky {
                    Some(Text::key("bankid.risky"))
                } else {
                    ended.map(rfa_text)
                },
                info: ended.is_none().then(|| Text::key("bankid.start_info")),
                // About to start by itself: the page looks again in a second (by its
                // script, or by reloading without one).
                refresh_secs: auto.then_some(1),
                buttons: vec![other_device, same_device],
                ..StepView::default()
            },
            BankIdStep::Waiting {
                flow,
                launch,
                message,
                qr,
                auto_start_token,
                ..
            } => {
                let image = qr.as_deref().and_then(|payload| {
                    qr::svg(payload).map(|svg| Image {
                        svg,
                        alt: "bankid.qr_alt",
                        payload: Some(payload.to_owned()),
                    })
                });
                let mut links = Vec::new();
                if let Some(sim) = &self.simulator_app {
                    // The simulated app opens with this order's token filled in.
                    let token: String =
                        url::form_urlencoded::byte_serialize(auto_start_token.as_bytes()).collect();
                    links.push(Link {
                        href: format!("{sim}?code={token}"),
                        label: "bankid.simulator",
                    });
                }
                StepView {
                    heading: Some("bankid.heading"),
                    info: (*flow == Flow::Qr).then(|| Text::key("bankid.scan")),
                    image,
                    // The "open the app" button is always there, in both flows.
                    app_link: Some(Link {
                        href: launch.clone(),
                        label: "bankid.same_device",
                    }),
                    status: Some(rfa_text(*message)),
                    refresh_secs: Some(match flow {
                        Flow::Qr => 1,
                        Flow::Autostart => 2,
                    }),
                    // The QR order opens on this device too (its autostart token); a
                    // same-device order can turn into a QR code.
                    buttons: match flow {
                        Flow::Qr => Vec::new(),
                        Flow::Autostart => vec![other_device],
                    },
                    links,
                    ..StepView::default()
                }
            }
        }
    }

    async fn submit(
        &self,
        cx: &LoginContext<'_>,
        step: BankIdStep,
        form: &Form,
    ) -> Result<Outcome<BankIdStep>, AppError> {
        let flow = match form.get("action").map(String::as_str) {
            Some("qr") => Flow::Qr,
            Some("same_device") => Flow::Autostart,
            _ => return Ok(Outcome::Continue(step)),
        };
        // Switching ways: the running order ends first (one order per person).
        if let BankIdStep::Waiting { handle, .. } = &step
            && let Err(e) = self.orders.cancel(handle).await
        {
            tracing::warn!(error = %e, "cancelling a BankID order failed");
        }
        Ok(Outcome::Continue(self.start_order(cx, flow).await?))
    }

    async fn poll(
        &self,
        cx: &LoginContext<'_>,
        step: &BankIdStep,
    ) -> Result<Option<Outcome<BankIdStep>>, AppError> {
        match step {
            BankIdStep::Start {
                auto: true,
                looked: false,
                ..
            } => Ok(Some(Outcome::Continue(BankIdStep::Start {
                auto: true,
                looked: true,
                ended: None,
                too_many: false,
                risky: false,
            }))),
            BankIdStep::Start { auto: true, .. } => {
                let flow = match DeviceKind::from_user_agent(cx.user_agent).recommendation() {
                    Recommendation::QrCode => Flow::Qr,
                    Recommendation::SameDevice => Flow::Autostart,
                    Recommendation::Ask => {
                        return Ok(Some(Outcome::Continue(BankIdStep::Start {
                            auto: false,
                            looked: true,
                            ended: None,
                            too_many: false,
                            risky: false,
                        })));
                    }
                };
                Ok(Some(Outcome::Continue(self.start_order(cx, flow).await?)))
            }
            BankIdStep::Start { .. } => Ok(None),
            BankIdStep::Waiting { .. } => Ok(Some(self.progress(cx, step.clone()).await?)),
        }
    }

    fn unknown_person(&self) -> UnknownPersonPolicy {
        self.unknown_person
    }

    async fn on_leave(
        &self,
        _cx: &LoginContext<'_>,
        step: BankIdStep,
        _why: Leave,
    ) -> Result<(), AppError> {
        if let BankIdStep::Waiting { handle, .. } = step
            && let Err(e) = self.orders.cancel(&handle).await
        {
            tracing::warn!(error = %e, "cancelling a BankID order failed");
        }
        Ok(())
    }
}
