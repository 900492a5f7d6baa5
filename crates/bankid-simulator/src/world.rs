//! The simulator's state: orders, test persons, scripts, injected faults and the
//! clock. Pure logic, no HTTP: the handlers in `rp_api` and `app_api` call these
//! methods under one lock. Time is the simulator's own clock, which tests can move
//! forward to reach expiry without waiting three minutes.

use crate::script::{Outcome, Script, TestPerson};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use portvakt_bankid::api::{
    AuthRequest, CollectResponse, CompletionData, Device, OrderResponse, PhoneAuthRequest,
    Requirement, Status, StepUp, User,
};
use portvakt_bankid::codes::{ErrorCode, HintCode};
use portvakt_bankid::qr;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Timings of the real service (reference: "Collect").
#[derive(Debug, Clone)]
pub struct Timings {
    /// How long an order lives before `expiredTransaction` (~3 min).
    pub order_lifetime: Duration,
    /// How old a scanned QR payload may be (~30 s).
    pub qr_max_age: Duration,
    /// How long a complete order stays collectable (~3 min).
    pub complete_kept: Duration,
    /// How long a failed order stays collectable (~5 min).
    pub failed_kept: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            order_lifetime: Duration::from_secs(180),
            qr_max_age: Duration::from_secs(30),
            complete_kept: Duration::from_secs(180),
            failed_kept: Duration::from_secs(300),
        }
    }
}

/// An error answer: BankID's `errorCode` with its `details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// What.
    pub code: ErrorCode,
    /// Why, in BankID's style.
    pub details: String,
}

impl ApiError {
    pub(crate) fn new(code: ErrorCode, details: &str) -> Self {
        ApiError {
            code,
            details: details.to_owned(),
        }
    }
    fn invalid(details: &str) -> Self {
        Self::new(ErrorCode::InvalidParameters, details)
    }
}

/// An error injected for the next calls to a path.
#[derive(Debug, Clone)]
pub struct Fault {
    /// `auth`, `sign`, `phone/auth`, `phone/sign`, `collect`, `cancel`, or `*`.
    pub path: String,
    /// The error to answer.
    pub error: ApiError,
    /// For how many calls.
    pub times: u32,
}

impl Fault {
    /// `code` for the next `times` calls to `path`, with BankID-like details.
    pub fn new(path: &str, code: ErrorCode, times: u32) -> Self {
        Fault {
            path: path.to_owned(),
            error: ApiError::new(code, "Injected by the simulator"),
            times,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Auth,
    Sign,
    PhoneAuth,
    PhoneSign,
}

impl Kind {
    fn is_phone(self) -> bool {
        matches!(self, Kind::PhoneAuth | Kind::PhoneSign)
    }
}

#[derive(Clone)]
enum Phase {
    /// The app has not picked the order up: `outstandingTransaction`.
    WaitingForApp,
    /// In the app of `person`, walking `script` since `opened`. Not `usable` when the
    /// order requires another person: it can only be cancelled.
    InApp {
        person: TestPerson,
        opened: Duration,
        script: Script,
        usable: bool,
    },
    /// Over at `at`.
    Finished { at: Duration, end: End },
}

#[derive(Clone)]
enum End {
    Complete(Box<CompletionData>),
    Failed(HintCode),
}

/// No `Debug`: it holds `qrStartSecret` and personal numbers.
#[derive(Clone)]
struct Order {
    kind: Kind,
    created: Duration,
    qr_start_token: String,
    qr_start_secret: String,
    auto_start_token: String,
    end_user_ip: String,
    requirement: Requirement,
    user_visible_data: Option<String>,
    return_risk: bool,
    /// Set by `requirement.personalNumber` or a phone order.
    locked_to: Option<String>,
    /// A script set for this order alone.
    script: Option<Script>,
    phase: Phase,
}

impl Order {
    /// The person the order is for, if known yet: the one it requires, else the one
    /// whose app opened it.
    fn person(&self) -> Option<&str> {
        match (&self.locked_to, &self.phase) {
            (Some(locked), _) => Some(locked),
            (None, Phase::InApp { person, .. }) => Some(&person.personal_number),
            (None, _) => None,
        }
    }

    fn finish(&mut self, at: Duration, end: End) {
        self.phase = Phase::Finished { at, end };
    }

    /// Moves the order along to `now`: expiry, and scripted endings.
    fn advance(&mut self, now: Duration, timings: &Timings) {
        let expires = self.created.saturating_add(timings.order_lifetime);
        if let Phase::InApp {
            person,
            opened,
            script,
            usable,
        } = &self.phase
        {
            let walked = opened.saturating_add(step_total(script));
            let end_at = walked.min(expires);
            if now >= walked && walked <= expires {
                match &script.outcome {
                    // An order for another person never completes in this app.
                    Outcome::Complete if !usable => {}
                    Outcome::Wait => {}
                    Outcome::Complete => {
                        let data = self.completion(&person.clone());
                        self.finish(end_at, End::Complete(Box::new(data)));
                        return;
                    }
                    Outcome::Fail(hint) => {
                        let hint = hint.clone();
                        self.finish(end_at, End::Failed(hint));
                        return;
                    }
                }
            }
        }
        if !matches!(self.phase, Phase::Finished { .. }) && now >= expires {
            self.finish(expires, End::Failed(HintCode::ExpiredTransaction));
        }
    }

    fn collect_view(&self, now: Duration) -> (Status, Option<HintCode>, Option<CompletionData>) {
        match &self.phase {
            Phase::WaitingForApp => (
                Status::Pending,
                Some(HintCode::OutstandingTransaction),
                None,
            ),
            Phase::InApp { opened, script, .. } => {
                let hint = if script.pending.is_empty() {
                    HintCode::UserSign
                } else {
                    let elapsed = now.saturating_sub(*opened).as_millis();
                    let step = u128::from(script.step_ms.max(1));
                    let index = usize::try_from(elapsed / step)
                        .unwrap_or(usize::MAX)
                        .min(script.pending.len() - 1);
                    script.pending[index].clone()
                };
                (Status::Pending, Some(hint), None)
            }
            Phase::Finished {
                end: End::Complete(data),
                ..
            } => (Status::Complete, None, Some((**data).clone())),
            Phase::Finished {
                end: End::Failed(hint),
                ..
            } => (Status::Failed, Some(hint.clone()), None),
        }
    }

    /// `completionData` shaped like the real one. The signature and OCSP response are
    /// placeholders that say they are simulated.
    fn completion(&self, person: &TestPerson) -> CompletionData {
        let visible = self.user_visible_data.as_deref().unwrap_or("");
        let signature = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\
             <!-- SIMULATED by portvakt-bankid-simulator: not a BankID signature -->\
             <Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">\
             <SignatureValue>SIMULATED</SignatureValue>\
             <Object><bankIdSignedData xmlns=\"http://www.bankid.com/signature/v1.0.0/types\">\
             <usrVisibleData>{visible}</usrVisibleData>\
             </bankIdSignedData></Object></Signature>"
        );
        CompletionData {
            user: User {
                personal_number: person.personal_number.clone(),
                name: person.name(),
                given_name: person.given_name.clone(),
                surname: person.surname.clone(),
            },
            device: Device {
                ip_address: self.end_user_ip.clone(),
                uhi: Some(STANDARD.encode("SIMULATED-device-uhi")),
            },
            bank_id_issue_date: person.bank_id_issue_date.clone(),
            step_up: (self.requirement.mrtd == Some(true)).then_some(StepUp { mrtd: true }),
            signature: STANDARD.encode(signature),
            ocsp_response: STANDARD.encode("SIMULATED OCSP response (portvakt-bankid-simulator)"),
            risk: self.return_risk.then(|| "low".to_owned()),
        }
    }
}

fn step_total(script: &Script) -> Duration {
    let steps = u64::try_from(script.pending.len()).unwrap_or(u64::MAX);
    Duration::from_millis(script.step_ms.saturating_mul(steps))
}

/// An order open in the simulated app, as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppOrder {
    /// The order.
    pub order_ref: String,
    /// The person's name.
    pub name: String,
    /// What collect says now.
    pub hint_code: String,
    /// A signing (the button says "Skriv under").
    pub sign: bool,
    /// A phone order (the user is asked whether they are in a call).
    pub phone: bool,
    /// False when the order requires another person: it can only be cancelled.
    pub usable: bool,
}

/// What the simulated app sees after it opened an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The order.
    pub order_ref: String,
}

/// Why the simulated app could not open an order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// No order has this QR or autostart token.
    #[error("no order has this code")]
    UnknownToken,
    /// The order is not waiting for an app any more.
    #[error("the order is no longer waiting for an app")]
    NotWaiting,
    /// The QR payload is malformed, forged or too old: the order failed with
    /// `startFailed`.
    #[error("the QR code is not valid or too old; the order failed with startFailed")]
    QrRejected,
    /// No such test person.
    #[error("no such test person")]
    UnknownPerson,
    /// The order is not open in the app.
    #[error("the order is not open in the app")]
    NotInApp,
    /// No such order.
    #[error("no such order")]
    UnknownOrder,
    /// The order requires another person: this BankID cannot approve it.
    #[error("the order requires another person; this BankID can only cancel it")]
    NoUsableBankId,
    /// The app is not at the security code yet (`started`, `userCallConfirm`,
    /// `userMrtd`).
    #[error("the app is not asking for the security code yet; wait for userSign")]
    NotYet,
    /// Only phone orders ask whether the user is in a call.
    #[error("only phone orders can be declined as 'not in a call'")]
    NotAPhoneOrder,
}

/// The whole simulated BankID. No `Debug`: its orders hold secrets.
pub struct World {
    started: Instant,
    offset: Duration,
    timings: Timings,
    orders: HashMap<String, Order>,
    persons: Vec<TestPerson>,
    person_scripts: HashMap<String, Script>,
    default_script: Script,
    faults: Vec<Fault>,
    latency: HashMap<String, Duration>,
}

impl World {
    /// An empty world with the default test persons.
    pub fn new(timings: Timings) -> Self {
        World {
            started: Instant::now(),
            offset: Duration::ZERO,
            timings,
            orders: HashMap::new(),
            persons: TestPerson::defaults(),
            person_scripts: HashMap::new(),
            default_script: Script::interactive(),
            faults: Vec::new(),
            latency: HashMap::new(),
        }
    }

    /// The simulator's clock.
    pub fn now(&self) -> Duration {
        self.started.elapsed().saturating_add(self.offset)
    }

    /// Moves the clock forward.
    pub fn advance_clock(&mut self, by: Duration) {
        self.offset = self.offset.saturating_add(by);
    }

    /// The test persons.
    pub fn persons(&self) -> &[TestPerson] {
        &self.persons
    }

    /// Adds or replaces a test person; false if the personal number is not 12 digits.
    #[must_use]
    pub fn add_person(&mut self, person: TestPerson) -> bool {
        if validate_personal_number(&person.personal_number).is_err() {
            return false;
        }
        self.persons
            .retain(|p| p.personal_number != person.personal_number);
        self.persons.push(person);
        true
    }

    /// The script for every order this person opens from now on.
    pub fn script_person(&mut self, personal_number: &str, script: Script) {
        self.person_scripts
            .insert(personal_number.to_owned(), script);
    }

    /// The script for every order without a more specific one.
    pub fn script_default(&mut self, script: Script) {
        self.default_script = script;
    }

    /// The script for one order; false if there is no such order. An order already
    /// in the app starts the new script now.
    #[must_use]
    pub fn script_order(&mut self, order_ref: &str, script: Script) -> bool {
        self.sweep();
        let now = self.now();
        let Some(order) = self.orders.get_mut(order_ref) else {
            return false;
        };
        let adapted = script.for_order(order.requirement.mrtd == Some(true), order.kind.is_phone());
        // An order for another person keeps waiting: no script makes it complete.
        if let Phase::InApp {
            script: current,
            opened,
            usable: true,
            ..
        } = &mut order.phase
        {
            *current = adapted;
            *opened = now;
        }
        order.script = Some(script);
        true
    }

    /// Answers the next `fault.times` calls to `fault.path` with `fault.error`; false
    /// for a path the API does not have.
    #[must_use]
    pub fn inject(&mut self, fault: Fault) -> bool {
        if !is_api_path(&fault.path) {
            return false;
        }
        if fault.times > 0 {
            self.faults.push(fault);
        }
        true
    }

    /// Forgets injected faults, latency and scripts (test persons stay).
    pub fn reset(&mut self) {
        self.faults.clear();
        self.latency.clear();
        self.person_scripts.clear();
        self.default_script = Script::interactive();
    }

    /// Delays every answer on `path` (`*` for all); false for a path the API does not
    /// have.
    #[must_use]
    pub fn set_latency(&mut self, path: &str, delay: Duration) -> bool {
        if !is_api_path(path) {
            return false;
        }
        self.latency.insert(path.to_owned(), delay);
        true
    }

    /// The delay for `path`.
    pub fn latency(&self, path: &str) -> Duration {
        self.latency
            .get(path)
            .or_else(|| self.latency.get("*"))
            .copied()
            .unwrap_or_default()
    }

    /// An injected fault for this call, if any (used up one call at a time).
    pub fn take_fault(&mut self, path: &str) -> Option<ApiError> {
        let at = self
            .faults
            .iter()
            .position(|f| f.times > 0 && (f.path == path || f.path == "*"))?;
        let fault = &mut self.faults[at];
        fault.times -= 1;
        let error = fault.error.clone();
        if fault.times == 0 {
            self.faults.remove(at);
        }
        Some(error)
    }

    /// `/auth` and `/sign`.
    pub fn start(&mut self, sign: bool, req: AuthRequest) -> Result<OrderResponse, ApiError> {
        validate_ip(&req.end_user_ip)?;
        let requirement = req.requirement.unwrap_or_default();
        if let Some(pnr) = &requirement.personal_number {
            validate_personal_number(pnr)?;
        }
        validate_texts(
            req.user_visible_data.as_deref(),
            req.user_non_visible_data.as_deref(),
            sign,
        )?;
        if let Some(url) = &req.return_url
            && !url.starts_with("https://")
        {
            return Err(ApiError::invalid("Invalid returnUrl"));
        }
        let locked_to = requirement.personal_number.clone();
        self.refuse_if_in_progress(locked_to.as_deref())?;
        let order = Order {
            kind: if sign { Kind::Sign } else { Kind::Auth },
            created: self.now(),
            qr_start_token: uuid(),
            qr_start_secret: uuid(),
            auto_start_token: uuid(),
            end_user_ip: req.end_user_ip,
            requirement,
            user_visible_data: req.user_visible_data,
            return_risk: req.return_risk == Some(true),
            locked_to,
            script: None,
            phase: Phase::WaitingForApp,
        };
        let response = OrderResponse {
            order_ref: uuid(),
            auto_start_token: order.auto_start_token.clone(),
            qr_start_token: order.qr_start_token.clone(),
            qr_start_secret: order.qr_start_secret.clone(),
        };
        self.orders.insert(response.order_ref.clone(), order);
        Ok(response)
    }

    /// `/phone/auth` and `/phone/sign`: the order goes straight to the person's app
    /// (if the person has a BankID here; otherwise it waits until it expires).
    pub fn start_phone(&mut self, sign: bool, req: PhoneAuthRequest) -> Result<String, ApiError> {
        validate_personal_number(&req.personal_number)?;
        validate_texts(
            req.user_visible_data.as_deref(),
            req.user_non_visible_data.as_deref(),
            sign,
        )?;
        self.refuse_if_in_progress(Some(&req.personal_number))?;
        let now = self.now();
        let requirement = req.requirement.unwrap_or_default();
        let mut order = Order {
            kind: if sign {
                Kind::PhoneSign
            } else {
                Kind::PhoneAuth
            },
            created: now,
            qr_start_token: uuid(),
            qr_start_secret: uuid(),
            auto_start_token: uuid(),
            end_user_ip: "192.0.2.1".to_owned(),
            requirement,
            user_visible_data: req.user_visible_data,
            return_risk: false,
            locked_to: Some(req.personal_number.clone()),
            script: None,
            phase: Phase::WaitingForApp,
        };
        if let Some(person) = self.person(&req.personal_number) {
            let script = self.script_for(&order, &person.personal_number);
            order.phase = Phase::InApp {
                person,
                opened: now,
                script,
                usable: true,
            };
        }
        let order_ref = uuid();
        self.orders.insert(order_ref.clone(), order);
        Ok(order_ref)
    }

    /// `/collect`.
    pub fn collect(&mut self, order_ref: &str) -> Result<CollectResponse, ApiError> {
        self.sweep();
        let now = self.now();
        let order = self
            .orders
            .get(order_ref)
            .ok_or_else(|| ApiError::invalid("No such order"))?;
        let (status, hint_code, completion_data) = order.collect_view(now);
        Ok(CollectResponse {
            order_ref: order_ref.to_owned(),
            status,
            hint_code,
            completion_data,
        })
    }

    /// `/cancel`: the order is gone afterwards (collect says `invalidParameters`).
    pub fn cancel(&mut self, order_ref: &str) -> Result<(), ApiError> {
        self.sweep();
        match self.orders.remove(order_ref) {
            Some(_) => Ok(()),
            None => Err(ApiError::invalid("No such order")),
        }
    }

    /// The app scanned a QR payload. Its HMAC must match and it must be at most
    /// `qr_max_age` old (a photo of an old screen is refused); otherwise the order fails
    /// with `startFailed`.
    pub fn app_scan(&mut self, payload: &str, personal_number: &str) -> Result<Opened, AppError> {
        self.sweep();
        let scanned = qr::parse(payload).ok_or(AppError::UnknownToken)?;
        let now = self.now();
        let max_age = self.timings.qr_max_age;
        let (order_ref, order) = self
            .orders
            .iter_mut()
            .find(|(_, o)| o.qr_start_token == scanned.token)
            .ok_or(AppError::UnknownToken)?;
        if !matches!(order.phase, Phase::WaitingForApp) {
            return Err(AppError::NotWaiting);
        }
        let genuine = qr::auth_code(&order.qr_start_secret, scanned.qr_time) == scanned.auth_code;
        // One second of slack for clocks: the RP counts from when it got the answer. A
        // qrTime too large to add is simply not fresh.
        let fresh = order
            .created
            .checked_add(Duration::from_secs(scanned.qr_time))
            .is_some_and(|shown_at| {
                shown_at <= now.saturating_add(Duration::from_secs(1))
                    && now.saturating_sub(shown_at) <= max_age
            });
        if !genuine || !fresh {
            order.finish(now, End::Failed(HintCode::StartFailed));
            return Err(AppError::QrRejected);
        }
        let order_ref = order_ref.clone();
        self.open(&order_ref, personal_number)
    }

    /// The app was started with an autostart token.
    pub fn app_open(
        &mut self,
        auto_start_token: &str,
        personal_number: &str,
    ) -> Result<Opened, AppError> {
        self.sweep();
        let order_ref = self
            .orders
            .iter()
            .find(|(_, o)| o.auto_start_token == auto_start_token)
            .map(|(r, _)| r.clone())
            .ok_or(AppError::UnknownToken)?;
        self.open(&order_ref, personal_number)
    }

    /// The user approved in the app (entered the security code).
    pub fn app_approve(&mut self, order_ref: &str) -> Result<(), AppError> {
        self.app_end(order_ref, None)
    }

    /// The user pressed cancel in the app: `userCancel`.
    pub fn app_cancel(&mut self, order_ref: &str) -> Result<(), AppError> {
        self.app_end(order_ref, Some(HintCode::UserCancel))
    }

    /// The user said they are not in a call with the RP: `userDeclinedCall`.
    pub fn app_decline_call(&mut self, order_ref: &str) -> Result<(), AppError> {
        self.app_end(order_ref, Some(HintCode::UserDeclinedCall))
    }

    /// Orders the app has open, for the simulated app's page.
    pub fn open_orders(&mut self) -> Vec<AppOrder> {
        self.sweep();
        let now = self.now();
        let mut list: Vec<_> = self
            .orders
            .iter()
            .filter_map(|(r, o)| match &o.phase {
                Phase::InApp { person, usable, .. } => {
                    let (_, hint, _) = o.collect_view(now);
                    let hint = hint.map(|h| h.as_str().to_owned()).unwrap_or_default();
                    Some(AppOrder {
                        order_ref: r.clone(),
                        name: person.name(),
                        hint_code: hint,
                        sign: matches!(o.kind, Kind::Sign | Kind::PhoneSign),
                        phone: o.kind.is_phone(),
                        usable: *usable,
                    })
                }
                _ => None,
            })
            .collect();
        list.sort_by(|a, b| a.order_ref.cmp(&b.order_ref));
        list
    }

    fn app_end(&mut self, order_ref: &str, failure: Option<HintCode>) -> Result<(), AppError> {
        self.sweep();
        let now = self.now();
        let order = self.orders.get_mut(order_ref).ok_or(AppError::NotInApp)?;
        let (_, hint, _) = order.collect_view(now);
        let Phase::InApp { person, usable, .. } = &order.phase else {
            return Err(AppError::NotInApp);
        };
        // The security code is asked for last: after the call is confirmed, the ID
        // document scanned and a BankID found.
        let waiting_for_earlier_step = matches!(
            hint,
            Some(
                HintCode::Started
                    | HintCode::UserCallConfirm
                    | HintCode::UserMrtd
                    | HintCode::OutstandingTransaction
                    | HintCode::NoClient
            )
        );
        let end = match failure {
            Some(HintCode::UserDeclinedCall) if !order.kind.is_phone() => {
                return Err(AppError::NotAPhoneOrder);
            }
            Some(hint) => End::Failed(hint),
            None if !usable => return Err(AppError::NoUsableBankId),
            None if waiting_for_earlier_step => return Err(AppError::NotYet),
            None => End::Complete(Box::new(order.completion(&person.clone()))),
        };
        order.finish(now, end);
        Ok(())
    }

    fn open(&mut self, order_ref: &str, personal_number: &str) -> Result<Opened, AppError> {
        let person = self
            .person(personal_number)
            .ok_or(AppError::UnknownPerson)?;
        let now = self.now();
        let order = self.orders.get(order_ref).ok_or(AppError::UnknownToken)?;
        // A token or QR code opens an order once.
        if !matches!(order.phase, Phase::WaitingForApp) {
            return Err(AppError::NotWaiting);
        }
        // An order locked to another person: the app finds no usable BankID and stays
        // at `started` until the order expires; the user can only cancel.
        let usable = order
            .locked_to
            .as_deref()
            .is_none_or(|locked| locked == personal_number);
        let script = if usable {
            self.script_for(order, personal_number)
        } else {
            Script {
                pending: vec![HintCode::Started],
                step_ms: 1000,
                outcome: Outcome::Wait,
            }
        };
        // A newer order for the same person replaces the older one (`cancelled`).
        if usable {
            for (other_ref, other) in self.orders.iter_mut() {
                if other_ref != order_ref
                    && !matches!(other.phase, Phase::Finished { .. })
                    && other.person() == Some(personal_number)
                {
                    other.finish(now, End::Failed(HintCode::Cancelled));
                }
            }
        }
        if let Some(order) = self.orders.get_mut(order_ref) {
            order.phase = Phase::InApp {
                person,
                opened: now,
                script,
                usable,
            };
        }
        Ok(Opened {
            order_ref: order_ref.to_owned(),
        })
    }

    fn script_for(&self, order: &Order, personal_number: &str) -> Script {
        let script = order
            .script
            .as_ref()
            .or_else(|| self.person_scripts.get(personal_number))
            .unwrap_or(&self.default_script);
        script.for_order(order.requirement.mrtd == Some(true), order.kind.is_phone())
    }

    fn person(&self, personal_number: &str) -> Option<TestPerson> {
        self.persons
            .iter()
            .find(|p| p.personal_number == personal_number)
            .cloned()
    }

    /// A second order for a person with one in progress: the first gets `cancelled`
    /// and the second is refused with `alreadyInProgress` (BankID's documented rule).
    fn refuse_if_in_progress(&mut self, personal_number: Option<&str>) -> Result<(), ApiError> {
        self.sweep();
        let Some(pnr) = personal_number else {
            return Ok(());
        };
        let now = self.now();
        let mut found = false;
        for order in self.orders.values_mut() {
            if !matches!(order.phase, Phase::Finished { .. }) && order.person() == Some(pnr) {
                order.finish(now, End::Failed(HintCode::Cancelled));
                found = true;
            }
        }
        if found {
            Err(ApiError::new(
                ErrorCode::AlreadyInProgress,
                "Order already in progress for pno",
            ))
        } else {
            Ok(())
        }
    }

    /// Moves every order to now, and forgets finished ones past their collect window.
    fn sweep(&mut self) {
        let now = self.now();
        let timings = self.timings.clone();
        self.orders.retain(|_, order| {
            order.advance(now, &timings);
            match &order.phase {
                Phase::Finished {
                    at,
                    end: End::Complete(_),
                } => now < at.saturating_add(timings.complete_kept),
                Phase::Finished {
                    at,
                    end: End::Failed(_),
                } => now < at.saturating_add(timings.failed_kept),
                _ => true,
            }
        });
    }
}

/// The RP API paths faults and latency can name, without `/rp/v6.0/`, or `*`.
pub const API_PATHS: [&str; 7] = [
    "auth",
    "sign",
    "phone/auth",
    "phone/sign",
    "collect",
    "cancel",
    "*",
];

fn is_api_path(path: &str) -> bool {
    API_PATHS.contains(&path)
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn validate_ip(ip: &str) -> Result<(), ApiError> {
    ip.parse::<std::net::IpAddr>()
        .map(|_| ())
        .map_err(|_| ApiError::invalid("Invalid endUserIp"))
}

fn validate_personal_number(pnr: &str) -> Result<(), ApiError> {
    if pnr.len() == 12 && pnr.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ApiError::invalid("Invalid personalNumber"))
    }
}

/// `userVisibleData` 1–40 000 base64 characters (required for signing),
/// `userNonVisibleData` 1–200 000.
fn validate_texts(
    visible: Option<&str>,
    non_visible: Option<&str>,
    sign: bool,
) -> Result<(), ApiError> {
    match visible {
        None if sign => return Err(ApiError::invalid("Invalid userVisibleData")),
        Some(v) if v.is_empty() || v.len() > 40_000 || STANDARD.decode(v).is_err() => {
            return Err(ApiError::invalid("Invalid userVisibleData"));
        }
        _ => {}
    }
    if let Some(v) = non_visible
        && (v.is_empty() || v.len() > 200_000 || STANDARD.decode(v).is_err())
    {
        return Err(ApiError::invalid("Invalid userNonVisibleData"));
    }
    Ok(())
}
