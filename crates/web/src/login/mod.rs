//! The login-method framework. A login transaction is created for each authorization
//! request that needs a user; the hosted page shows the active method's current step;
//! each form POST goes to that method, which answers with the next step, an error, or
//! an authenticated account. Method state lives in the transaction in the ephemeral
//! store, so any instance can serve the next request.
//!
//! Methods plug in by implementing [`LoginMethod`]: multi-step methods (identify →
//! choose channel → enter code) keep their step in the state; polling methods (BankID)
//! implement [`LoginMethod::poll`].

pub mod complete;
mod password;
pub mod throttle;
pub mod transaction;

pub use password::PasswordMethod;
pub use transaction::{LoginTransaction, OfferedMethod};

use crate::error::AppError;
use crate::state::AppState;
use async_trait::async_trait;
use portvakt_core::acr::Amr;
use portvakt_core::config::{ClientConfig, Config, MethodSettings};
use portvakt_core::ids::AccountId;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// A form as posted, field name to value. Never logged: it holds passwords.
pub type Form = HashMap<String, String>;

/// The kind of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text.
    Text,
    /// Hidden while typed.
    Password,
    /// Digits (numeric keyboard on phones).
    Numeric,
}

/// One input on a step's form.
#[derive(Debug, Clone)]
pub struct Field {
    /// Form field name.
    pub name: &'static str,
    /// Catalogue key of the label.
    pub label: &'static str,
    /// Input kind.
    pub kind: FieldKind,
    /// The `autocomplete` attribute (WCAG 1.3.5; password managers).
    pub autocomplete: &'static str,
    /// Prefilled value.
    pub value: String,
}

/// One option of a choice step, posted as `choice=<value>` (e.g. "Få engångskod via SMS").
#[derive(Debug, Clone)]
pub struct Choice {
    /// The posted value.
    pub value: &'static str,
    /// Catalogue key of its label.
    pub label: &'static str,
}

/// What a step shows.
#[derive(Debug, Clone, Default)]
pub struct StepView {
    /// The inputs.
    pub fields: Vec<Field>,
    /// Radio options, for steps where the user picks one (a channel, a device).
    pub choices: Vec<Choice>,
    /// Reload the page every this many seconds while the step waits on something
    /// outside the browser (BankID); each reload polls the method. Works without JavaScript.
    pub refresh_secs: Option<u32>,
    /// Catalogue key of the submit button.
    pub submit: &'static str,
    /// Catalogue key of a note under the form.
    pub note: Option<&'static str>,
}

/// A successful authentication.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Who.
    pub account_id: AccountId,
    /// How (RFC 8176).
    pub amr: Vec<Amr>,
    /// The account's password generation as the method read it (S14).
    pub password_generation: i64,
}

/// What a method says after a POST.
#[derive(Debug)]
pub enum Outcome {
    /// Show the step the new state describes.
    Continue(Value),
    /// Show the step again with an error (a catalogue key).
    Failed {
        /// The state to keep.
        state: Value,
        /// Catalogue key of the message.
        message: &'static str,
    },
    /// The user is authenticated.
    Authenticated(Authenticated),
}

/// Everything a method may use while handling a step.
pub struct LoginContext<'a> {
    /// Services.
    pub app: &'a AppState,
    /// The client the user is signing in to.
    pub client: &'a ClientConfig,
    /// The configured id of the method (for audit and counters).
    pub method_id: &'a str,
    /// The user's IP address, through trusted proxies only (S31).
    pub client_ip: std::net::IpAddr,
    /// Hash of this browser's cookie (the transaction is bound to it), for counters and
    /// facts kept per browser.
    pub browser_hash: &'a str,
}

/// A login method.
#[async_trait]
pub trait LoginMethod: Send + Sync {
    /// Catalogue key of the method's tab label.
    fn label(&self) -> &'static str;
    /// The state a new attempt starts in; `login_hint` may prefill the identifier.
    fn start(&self, login_hint: Option<&str>) -> Value;
    /// The step the state describes.
    fn view(&self, state: &Value) -> StepView;
    /// Handles a POST of the current step.
    async fn submit(
        &self,
        ctx: &LoginContext<'_>,
        state: Value,
        form: &Form,
    ) -> Result<Outcome, AppError>;

    /// Asks a method that waits on something outside the browser (BankID's order,
    /// collected server-side) whether it has moved on. Called on every GET of the login
    /// page and by `GET /login/{tx}/poll`; `None` means nothing to poll.
    async fn poll(
        &self,
        _ctx: &LoginContext<'_>,
        _state: Value,
    ) -> Result<Option<Outcome>, AppError> {
        Ok(None)
    }
}

/// The configured methods by id.
pub struct MethodRegistry {
    methods: BTreeMap<String, Box<dyn LoginMethod>>,
}

impl MethodRegistry {
    /// Builds one method per `[methods.<id>]` entry.
    pub fn from_config(config: &Config) -> Self {
        let methods = config
            .settings
            .methods
            .iter()
            .map(|(id, settings)| {
                let method: Box<dyn LoginMethod> = match settings {
                    MethodSettings::Password { identifier, .. } => {
                        Box::new(PasswordMethod::new(*identifier))
                    }
                };
                (id.clone(), method)
            })
            .collect();
        MethodRegistry { methods }
    }

    /// The method with this id.
    pub fn get(&self, id: &str) -> Option<&dyn LoginMethod> {
        self.methods.get(id).map(|m| m.as_ref())
    }

    /// The methods a request may use, in the request's order of acr preference, each
    /// with the acr it will satisfy. A method is listed once, with the first acr of the
    /// request it answers to.
    pub fn offered(&self, config: &Config, acr_candidates: &[String]) -> Vec<OfferedMethod> {
        let mut out: Vec<OfferedMethod> = Vec::new();
        for acr in acr_candidates {
            if let Some((id, _)) = config.method_for_acr(acr)
                && self.methods.contains_key(id)
                && !out.iter().any(|o| o.method == id)
            {
                out.push(OfferedMethod {
                    method: id.to_owned(),
                    acr: acr.clone(),
                });
            }
        }
        out
    }
}
