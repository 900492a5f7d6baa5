//! The login-method framework. A login transaction is created for each authorization
//! request that needs a user; the hosted page shows the active method's current step;
//! each form POST goes to that method, which answers with the next step, an error, or
//! an authenticated account. The step lives in the transaction in the ephemeral store,
//! so any instance can serve the next request.
//!
//! To add a method (docs/architecture.md, "Adding a login method"):
//! 1. write a type holding the services it needs (account lookup, hasher, messenger,
//!    counters, clock) and implement [`Method`] for it, with a serde enum of its steps;
//! 2. describe each step's page with a [`StepView`] (fields, a choice, an information
//!    panel, links, buttons, a QR image, a status line);
//! 3. build it in the server crate (`portvakt::methods`) and
//!    [`MethodRegistry::register`] it under its configured id.

pub mod bankid;
pub mod complete;
mod method;
mod password;
pub mod pin_otp;
pub mod step;
pub mod throttle;
pub mod transaction;

pub use bankid::{BankIdMethod, BankIdStep};
pub use method::{Authenticated, Form, Leave, LoginContext, LoginMethod, Method, Outcome};
pub use password::PasswordMethod;
pub use pin_otp::{PinOtpMethod, PinOtpServices};
pub use step::{
    Button, Check, Choice, ChoiceGroup, Field, FieldKind, FlowStart, Image, Link, StepView, Text,
};
pub use transaction::{LoginTransaction, OfferedMethod};

use portvakt_core::config::Config;
use std::collections::BTreeMap;

/// The configured methods by id.
pub struct MethodRegistry {
    methods: BTreeMap<String, Box<dyn LoginMethod>>,
}

impl Default for MethodRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl MethodRegistry {
    /// No methods yet.
    pub fn new() -> Self {
        MethodRegistry {
            methods: BTreeMap::new(),
        }
    }

    /// Registers `method` under its configured id (`[methods.<id>]`).
    pub fn register(&mut self, id: impl Into<String>, method: Box<dyn LoginMethod>) {
        self.methods.insert(id.into(), method);
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
