//! Pages outside a login transaction: a password reset started from the login page
//! ("Har du problem att logga in?"), a link opened from an e-mail ("Skapa lösenord",
//! confirming an address). A flow has typed steps like a login method and is shown on
//! the same page layout, with the same CSRF token scheme, catalogue and step views; it
//! has its own transaction (`/flow/{id}`, bound to the browser) and, for e-mail, its
//! own single-use link tokens (`/link/{token}`, see [`links`]).
//!
//! A flow is started
//! - from a login page: `GET /flow/{flow}/start?login={tx}&hint=…` (the login's client
//!   and language, and a way back to it), or
//! - from a link in an e-mail that the flow itself issued with [`links::FlowLinks`].

pub mod customer;
pub mod links;
pub mod reset;
pub mod transaction;

use crate::error::AppError;
use crate::login::{Form, StepView};
use async_trait::async_trait;
use portvakt_core::config::ClientConfig;
use portvakt_core::i18n::Lang;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// What a flow knows of the request it serves. Its services are its own fields.
pub struct FlowContext<'a> {
    /// The client whose login the flow belongs to.
    pub client: &'a ClientConfig,
    /// The flow's registered id.
    pub flow_id: &'a str,
    /// The flow transaction's id: codes sent during it are bound to it.
    pub transaction_id: &'a str,
    /// The user's address, through trusted proxies only (S31).
    pub client_ip: IpAddr,
    /// Hash of this browser's cookie.
    pub browser_hash: &'a str,
    /// The page's language.
    pub lang: Lang,
    /// Issues single-use links into a step of a flow (for an e-mail).
    pub links: &'a links::FlowLinks,
    /// Who this browser's single sign-on session is signed in as, and by which methods
    /// (their configured ids), if it has a live session.
    pub signed_in: Option<SignedIn>,
}

/// The browser's live session, as a flow may rely on it.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The account.
    pub account_id: portvakt_core::ids::AccountId,
    /// The methods it was authenticated with in this session (configured ids).
    pub methods: Vec<String>,
}

/// What a flow says after a POST. `S` is its step type.
#[derive(Debug)]
pub enum FlowOutcome<S> {
    /// Show the step `S` describes.
    Continue(S),
    /// Show the step again with a message (a catalogue key).
    Failed {
        /// The step to keep.
        step: S,
        /// Catalogue key of the message.
        message: &'static str,
    },
    /// Finished: show `message` (a catalogue key) and the way back to the login.
    Done {
        /// Catalogue key of what was done ("Ditt konto är upplåst").
        message: &'static str,
    },
}

/// A flow with typed steps.
#[async_trait]
pub trait Flow: Send + Sync + 'static {
    /// The flow's steps, kept in its transaction (or in a link token).
    type Step: Serialize + DeserializeOwned + Send + Sync;

    /// Catalogue key of the flow's heading ("Återställ lösenord").
    fn title(&self) -> &'static str;

    /// The first step when started from a login page; `hint` prefills an identifier.
    fn start(&self, hint: Option<&str>) -> Self::Step;

    /// Catalogue key of the button on the last page that leads back to the login
    /// ("Slutför").
    fn done_label(&self) -> &'static str {
        "flow.back_to_login"
    }

    /// What `step` shows.
    fn view(&self, step: &Self::Step) -> StepView;

    /// Handles a POST of `step`'s form.
    async fn submit(
        &self,
        cx: &FlowContext<'_>,
        step: Self::Step,
        form: &Form,
    ) -> Result<FlowOutcome<Self::Step>, AppError>;
}

/// A flow as the framework sees it: its step as stored (JSON). Every [`Flow`] is one.
#[async_trait]
pub trait PageFlow: Send + Sync {
    /// See [`Flow::title`].
    fn title(&self) -> &'static str;
    /// See [`Flow::start`].
    fn start(&self, hint: Option<&str>) -> Result<Value, AppError>;
    /// See [`Flow::done_label`].
    fn done_label(&self) -> &'static str;
    /// See [`Flow::view`].
    fn view(&self, step: &Value) -> Result<StepView, AppError>;
    /// See [`Flow::submit`].
    async fn submit(
        &self,
        cx: &FlowContext<'_>,
        step: &Value,
        form: &Form,
    ) -> Result<FlowOutcome<Value>, AppError>;
}

fn parse<S: DeserializeOwned>(flow: &'static str, step: &Value) -> Result<S, AppError> {
    serde_json::from_value(step.clone())
        .map_err(|e| AppError::Internal(format!("the state of flow {flow} does not parse: {e}")))
}

fn store<S: Serialize>(step: S) -> Result<Value, AppError> {
    serde_json::to_value(step).map_err(|e| AppError::Internal(format!("flow state: {e}")))
}

#[async_trait]
impl<F: Flow> PageFlow for F {
    fn title(&self) -> &'static str {
        Flow::title(self)
    }

    fn start(&self, hint: Option<&str>) -> Result<Value, AppError> {
        store(Flow::start(self, hint))
    }

    fn done_label(&self) -> &'static str {
        Flow::done_label(self)
    }

    fn view(&self, step: &Value) -> Result<StepView, AppError> {
        Ok(Flow::view(self, &parse(Flow::title(self), step)?))
    }

    async fn submit(
        &self,
        cx: &FlowContext<'_>,
        step: &Value,
        form: &Form,
    ) -> Result<FlowOutcome<Value>, AppError> {
        let step = parse(Flow::title(self), step)?;
        Ok(match Flow::submit(self, cx, step, form).await? {
            FlowOutcome::Continue(s) => FlowOutcome::Continue(store(s)?),
            FlowOutcome::Failed { step, message } => FlowOutcome::Failed {
                step: store(step)?,
                message,
            },
            FlowOutcome::Done { message } => FlowOutcome::Done { message },
        })
    }
}

/// The flows by id.
#[derive(Default)]
pub struct FlowRegistry {
    flows: BTreeMap<String, Box<dyn PageFlow>>,
}

impl FlowRegistry {
    /// No flows yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds every flow of `other` (a test's own flows beside the configured ones).
    pub fn extend(&mut self, other: FlowRegistry) {
        self.flows.extend(other.flows);
    }

    /// Registers `flow` under `id` (its path: `/flow/{id}/start`).
    pub fn register(&mut self, id: impl Into<String>, flow: Box<dyn PageFlow>) {
        self.flows.insert(id.into(), flow);
    }

    /// The flow with this id.
    pub fn get(&self, id: &str) -> Option<&dyn PageFlow> {
        self.flows.get(id).map(|f| f.as_ref())
    }
}
