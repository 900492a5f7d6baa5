//! The contract between the login page and a method. A method implements [`Method`]
//! with its own step type; the framework stores that step in the login transaction as
//! JSON and talks to every method through the type-erased [`LoginMethod`], which every
//! [`Method`] is.

use super::step::StepView;
use crate::error::AppError;
use async_trait::async_trait;
use portvakt_core::acr::Amr;
use portvakt_core::config::ClientConfig;
use portvakt_core::i18n::Lang;
use portvakt_core::ids::AccountId;
use portvakt_core::person::{IdentifiedPerson, UnknownPersonPolicy};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;
use std::net::IpAddr;

/// A form as posted, field name to value (each field once). Never logged: it holds
/// passwords and codes.
pub type Form = HashMap<String, String>;

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

/// What a method says after a POST or a poll. `S` is the method's step type.
#[derive(Debug)]
pub enum Outcome<S> {
    /// Show the step `S` describes.
    Continue(S),
    /// Show the step again with an error.
    Failed {
        /// The step to keep.
        step: S,
        /// Catalogue key of the message.
        message: &'static str,
    },
    /// The user is authenticated.
    Authenticated(Authenticated),
    /// The method verified who the person is (a personnummer from BankID) but not which
    /// account that is: the framework finds it, or applies the method's
    /// [`Method::unknown_person`] policy, and shows `step` with a message on refusal.
    Identified {
        /// Who.
        person: IdentifiedPerson,
        /// How (RFC 8176).
        amr: Vec<Amr>,
        /// The step to show again if the person cannot sign in.
        step: S,
    },
}

impl<S> Outcome<S> {
    fn map<T, E>(self, f: impl FnOnce(S) -> Result<T, E>) -> Result<Outcome<T>, E> {
        Ok(match self {
            Outcome::Continue(s) => Outcome::Continue(f(s)?),
            Outcome::Failed { step, message } => Outcome::Failed {
                step: f(step)?,
                message,
            },
            Outcome::Authenticated(a) => Outcome::Authenticated(a),
            Outcome::Identified { person, amr, step } => Outcome::Identified {
                person,
                amr,
                step: f(step)?,
            },
        })
    }
}

/// Why the user left a method before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leave {
    /// "Avbryt inloggningen": the login ended.
    Cancelled,
    /// Another tab: the user picked another method.
    Switched,
}

/// What a method knows of the request it serves. Services (accounts, hasher,
/// counters, gateways) are the method's own fields, given when it was built.
pub struct LoginContext<'a> {
    /// The client the user is signing in to.
    pub client: &'a ClientConfig,
    /// The configured id of the method (for audit and counters).
    pub method_id: &'a str,
    /// The login transaction's id: codes sent during it are bound to it.
    pub transaction_id: &'a str,
    /// The user's IP address, through trusted proxies only (S31).
    pub client_ip: IpAddr,
    /// Hash of this browser's cookie (the transaction is bound to it), for counters and
    /// facts kept per browser.
    pub browser_hash: &'a str,
    /// The page's language, which messages sent for this login are written in.
    pub lang: Lang,
    /// The browser's `User-Agent` ("" when absent): which device it is on (BankID's
    /// same-device or QR default) and BankID's device data.
    pub user_agent: &'a str,
    /// Where this login's page is (`https://…/login/{tx}`): a same-device BankID order
    /// returns the browser here.
    pub page_url: String,
}

/// A login method with typed steps. Implement this; the framework does the rest.
#[async_trait]
pub trait Method: Send + Sync + 'static {
    /// The method's steps (`enum PinOtpStep { Identify, ChooseChannel { .. }, .. }`),
    /// kept in the login transaction. Never put a secret the user typed in it.
    type Step: Serialize + DeserializeOwned + Send + Sync;

    /// Catalogue key of the method's tab label.
    fn label(&self) -> &'static str;

    /// The step a new attempt starts at; `login_hint` may prefill the identifier.
    fn start(&self, login_hint: Option<&str>) -> Self::Step;

    /// What `step` shows.
    fn view(&self, step: &Self::Step) -> StepView;

    /// Handles a POST of `step`'s form.
    async fn submit(
        &self,
        cx: &LoginContext<'_>,
        step: Self::Step,
        form: &Form,
    ) -> Result<Outcome<Self::Step>, AppError>;

    /// Asks a method that waits on something outside the browser (BankID's order,
    /// collected server-side) whether it has moved on. Called on every GET of the
    /// login page and by `GET /login/{tx}/poll`; `None`: nothing to poll.
    async fn poll(
        &self,
        _cx: &LoginContext<'_>,
        _step: &Self::Step,
    ) -> Result<Option<Outcome<Self::Step>>, AppError> {
        Ok(None)
    }

    /// What happens when this method identifies a person without an account
    /// (`[methods.<id>] unknown_person`); methods that find accounts themselves never
    /// ask.
    fn unknown_person(&self) -> UnknownPersonPolicy {
        UnknownPersonPolicy::Refuse
    }

    /// The user left `step` unfinished: cancel what it started (a BankID order),
    /// invalidate what it sent (a code).
    async fn on_leave(
        &self,
        _cx: &LoginContext<'_>,
        _step: Self::Step,
        _why: Leave,
    ) -> Result<(), AppError> {
        Ok(())
    }
}

/// A method as the framework sees it: its step as stored (JSON). Every [`Method`] is
/// one; a step that does not parse is an error, never an empty step.
#[async_trait]
pub trait LoginMethod: Send + Sync {
    /// See [`Method::label`].
    fn label(&self) -> &'static str;
    /// See [`Method::start`].
    fn start(&self, login_hint: Option<&str>) -> Result<Value, AppError>;
    /// See [`Method::view`].
    fn view(&self, step: &Value) -> Result<StepView, AppError>;
    /// See [`Method::submit`].
    async fn submit(
        &self,
        cx: &LoginContext<'_>,
        step: &Value,
        form: &Form,
    ) -> Result<Outcome<Value>, AppError>;
    /// See [`Method::poll`].
    async fn poll(
        &self,
        cx: &LoginContext<'_>,
        step: &Value,
    ) -> Result<Option<Outcome<Value>>, AppError>;
    /// See [`Method::on_leave`].
    async fn on_leave(
        &self,
        cx: &LoginContext<'_>,
        step: &Value,
        why: Leave,
    ) -> Result<(), AppError>;
    /// See [`Method::unknown_person`].
    fn unknown_person(&self) -> UnknownPersonPolicy;
}

fn parse<S: DeserializeOwned>(method: &'static str, step: &Value) -> Result<S, AppError> {
    serde_json::from_value(step.clone()).map_err(|e| {
        AppError::Internal(format!(
            "the login state of method {method} does not parse: {e}"
        ))
    })
}

fn store<S: Serialize>(step: S) -> Result<Value, AppError> {
    serde_json::to_value(step).map_err(|e| AppError::Internal(format!("login state: {e}")))
}

#[async_trait]
impl<M: Method> LoginMethod for M {
    fn label(&self) -> &'static str {
        Method::label(self)
    }

    fn start(&self, login_hint: Option<&str>) -> Result<Value, AppError> {
        store(Method::start(self, login_hint))
    }

    fn view(&self, step: &Value) -> Result<StepView, AppError> {
        Ok(Method::view(self, &parse(Method::label(self), step)?))
    }

    async fn submit(
        &self,
        cx: &LoginContext<'_>,
        step: &Value,
        form: &Form,
    ) -> Result<Outcome<Value>, AppError> {
        let step = parse(Method::label(self), step)?;
        Method::submit(self, cx, step, form).await?.map(store)
    }

    async fn poll(
        &self,
        cx: &LoginContext<'_>,
        step: &Value,
    ) -> Result<Option<Outcome<Value>>, AppError> {
        let step = parse(Method::label(self), step)?;
        match Method::poll(self, cx, &step).await? {
            Some(outcome) => Ok(Some(outcome.map(store)?)),
            None => Ok(None),
        }
    }

    async fn on_leave(
        &self,
        cx: &LoginContext<'_>,
        step: &Value,
        why: Leave,
    ) -> Result<(), AppError> {
        let step = parse(Method::label(self), step)?;
        Method::on_leave(self, cx, step, why).await
    }

    fn unknown_person(&self) -> UnknownPersonPolicy {
        Method::unknown_person(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Steps {
        Identify,
        EnterCode { attempts: u8 },
    }

    struct Counting;

    #[async_trait]
    impl Method for Counting {
        type Step = Steps;
        fn label(&self) -> &'static str {
            "method.password"
        }
        fn start(&self, _: Option<&str>) -> Steps {
            Steps::Identify
        }
        fn view(&self, _: &Steps) -> StepView {
            StepView::default()
        }
        async fn submit(
            &self,
            _: &LoginContext<'_>,
            step: Steps,
            _: &Form,
        ) -> Result<Outcome<Steps>, AppError> {
            Ok(Outcome::Continue(match step {
                Steps::Identify => Steps::EnterCode { attempts: 0 },
                Steps::EnterCode { attempts } => Steps::EnterCode {
                    attempts: attempts + 1,
                },
            }))
        }
    }

    #[test]
    fn steps_are_stored_as_their_type_and_a_broken_one_is_an_error() {
        let method: &dyn LoginMethod = &Counting;
        let start = method.start(None).expect("start");
        assert_eq!(start, serde_json::json!("Identify"));
        assert!(method.view(&start).is_ok());
        let broken = serde_json::json!({ "EnterCode": { "attempts": "many" } });
        match method.view(&broken) {
            Err(AppError::Internal(why)) => assert!(why.contains("does not parse"), "{why}"),
            other => panic!("a broken step must be an error: {other:?}"),
        }
        assert!(
            method.view(&serde_json::json!({})).is_err(),
            "not an empty step"
        );
    }
}
