//! The simulated BankID app and the control API, under `/sim`:
//!
//! - `GET /sim`: a page where a developer picks a test person, pastes the QR payload
//!   (or the autostart token) and approves or cancels;
//! - `POST /sim/app/{scan, open, approve, cancel, decline-call}`, `GET /sim/app/orders`:
//!   the same as JSON, for tests and scripts;
//! - `POST /sim/control/{script, fault, latency, advance, person}`: scripted outcomes,
//!   injected errors, latency, the clock, test persons.

use crate::Simulator;
use crate::script::{Script, TestPerson};
use crate::world::{ApiError, AppError, Fault};
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use maud::{DOCTYPE, html};
use portvakt_bankid::codes::ErrorCode;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// The `/sim` routes.
pub fn router(sim: Simulator) -> Router {
    Router::new()
        .route("/sim", get(page))
        .route("/sim/page", post(page_action))
        .route("/sim/app/scan", post(scan))
        .route("/sim/app/open", post(open))
        .route("/sim/app/approve", post(approve))
        .route("/sim/app/cancel", post(cancel))
        .route("/sim/app/decline-call", post(decline_call))
        .route("/sim/app/orders", get(orders))
        .route("/sim/control/script", post(script))
        .route("/sim/control/fault", post(fault))
        .route("/sim/control/latency", post(latency))
        .route("/sim/control/advance", post(advance))
        .route("/sim/control/person", post(person))
        .route("/sim/control/reset", post(reset))
        .with_state(sim)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Scan {
    qr_payload: String,
    personal_number: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Open {
    auto_start_token: String,
    personal_number: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderRefBody {
    order_ref: String,
}

fn app_result(result: Result<impl serde::Serialize, AppError>) -> Response {
    match result {
        Ok(body) => Json(body).into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}

async fn scan(State(sim): State<Simulator>, Json(b): Json<Scan>) -> Response {
    app_result(
        sim.world()
            .app_scan(&b.qr_payload, &b.personal_number)
            .map(|o| json!({"orderRef": o.order_ref})),
    )
}

async fn open(State(sim): State<Simulator>, Json(b): Json<Open>) -> Response {
    app_result(
        sim.world()
            .app_open(&b.auto_start_token, &b.personal_number)
            .map(|o| json!({"orderRef": o.order_ref})),
    )
}

async fn approve(State(sim): State<Simulator>, Json(b): Json<OrderRefBody>) -> Response {
    app_result(sim.world().app_approve(&b.order_ref).map(|()| json!({})))
}

async fn cancel(State(sim): State<Simulator>, Json(b): Json<OrderRefBody>) -> Response {
    app_result(sim.world().app_cancel(&b.order_ref).map(|()| json!({})))
}

async fn decline_call(State(sim): State<Simulator>, Json(b): Json<OrderRefBody>) -> Response {
    app_result(
        sim.world()
            .app_decline_call(&b.order_ref)
            .map(|()| json!({})),
    )
}

async fn orders(State(sim): State<Simulator>) -> Response {
    Json(sim.world().open_orders()).into_response()
}

/// Whose script: one order, one person, or everyone without a more specific one.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScriptBody {
    order_ref: Option<String>,
    personal_number: Option<String>,
    script: Script,
}

async fn script(State(sim): State<Simulator>, Json(b): Json<ScriptBody>) -> Response {
    let mut world = sim.world();
    match (b.order_ref, b.personal_number) {
        (Some(order_ref), _) => {
            if !world.script_order(&order_ref, b.script) {
                return app_result(Err::<(), _>(AppError::UnknownOrder));
            }
        }
        (None, Some(pnr)) => world.script_person(&pnr, b.script),
        (None, None) => world.script_default(b.script),
    }
    Json(json!({})).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FaultBody {
    path: String,
    error_code: ErrorCode,
    details: Option<String>,
    times: Option<u32>,
}

async fn fault(State(sim): State<Simulator>, Json(b): Json<FaultBody>) -> Response {
    let details = b
        .details
        .unwrap_or_else(|| "Injected by the simulator".to_owned());
    let known = sim.world().inject(Fault {
        path: b.path,
        error: ApiError::new(b.error_code, &details),
        times: b.times.unwrap_or(1),
    });
    control_result(known, "path")
}

#[derive(Deserialize)]
struct LatencyBody {
    path: String,
    ms: u64,
}

async fn latency(State(sim): State<Simulator>, Json(b): Json<LatencyBody>) -> Response {
    let known = sim
        .world()
        .set_latency(&b.path, Duration::from_millis(b.ms));
    control_result(known, "path")
}

#[derive(Deserialize)]
struct AdvanceBody {
    seconds: u64,
}

async fn advance(State(sim): State<Simulator>, Json(b): Json<AdvanceBody>) -> Response {
    sim.world().advance_clock(Duration::from_secs(b.seconds));
    Json(json!({})).into_response()
}

async fn person(State(sim): State<Simulator>, Json(p): Json<TestPerson>) -> Response {
    let valid = sim.world().add_person(p);
    control_result(valid, "personalNumber")
}

async fn reset(State(sim): State<Simulator>) -> Response {
    sim.world().reset();
    Json(json!({})).into_response()
}

/// `{}`, or 400 naming what was refused.
fn control_result(ok: bool, field: &str) -> Response {
    if ok {
        return Json(json!({})).into_response();
    }
    let hint = if field == "path" {
        format!("path must be one of {}", crate::world::API_PATHS.join(", "))
    } else {
        "personalNumber must be 12 digits".to_owned()
    };
    (StatusCode::BAD_REQUEST, Json(json!({"error": hint}))).into_response()
}

#[derive(Deserialize)]
struct PageQuery {
    msg: Option<String>,
    person: Option<String>,
    /// Prefills the QR payload or autostart token (a development login page links here
    /// with its order's token).
    code: Option<String>,
}

/// The simulated app, for a developer's browser.
async fn page(State(sim): State<Simulator>, Query(q): Query<PageQuery>) -> Html<String> {
    let (persons, open) = {
        let mut world = sim.world();
        (world.persons().to_vec(), world.open_orders())
    };
    Html(
        html! {
            (DOCTYPE)
            html lang="sv" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { "Simulerad BankID-app" }
                    style { "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
                        textarea,select{width:100%;margin:.3rem 0 .8rem}button{margin-right:.5rem}
                        .warn{background:#fff3cd;padding:.5rem}.msg{background:#e7f1ff;padding:.5rem}" }
                }
                body {
                    h1 { "Simulerad BankID-app" }
                    p.warn { "Simulator för utveckling och test. Det här är inte BankID och ger ingen riktig legitimering." }
                    @if let Some(msg) = &q.msg { p.msg role="status" { (msg) } }
                    form method="post" action="/sim/page" {
                        label for="person" { "Testperson" }
                        select id="person" name="personal_number" {
                            @for p in &persons {
                                option value=(p.personal_number) selected[q.person.as_deref() == Some(p.personal_number.as_str())] {
                                    (p.name()) " (" (p.personal_number) ")"
                                }
                            }
                        }
                        label for="code" { "QR-kodens innehåll (bankid.…) eller autostarttoken" }
                        textarea id="code" name="code" rows="3" required { (q.code.as_deref().unwrap_or("")) }
                        button name="action" value="start" { "Läs av / öppna" }
                    }
                    h2 { "Pågående i appen" }
                    @if open.is_empty() { p { "Inga." } }
                    @for order in &open {
                        form method="post" action="/sim/page" {
                            p { (order.name) " – " code { (order.hint_code) } }
                            input type="hidden" name="order_ref" value=(order.order_ref);
                            @if order.usable {
                                button name="action" value="approve" { @if order.sign { "Skriv under" } @else { "Identifiera" } }
                            } @else {
                                p { "Ordern kräver en annan person: inget användbart BankID." }
                            }
                            button name="action" value="cancel" { "Avbryt" }
                            @if order.phone {
                                button name="action" value="decline-call" { "Jag är inte i samtal" }
                            }
                        }
                    }
                }
            }
        }
        .into_string(),
    )
}

#[derive(Deserialize)]
struct PageForm {
    action: String,
    code: Option<String>,
    personal_number: Option<String>,
    order_ref: Option<String>,
}

async fn page_action(State(sim): State<Simulator>, Form(f): Form<PageForm>) -> Redirect {
    let code = f.code.as_deref().unwrap_or("").trim();
    let pnr = f.personal_number.as_deref().unwrap_or("");
    let order_ref = f.order_ref.as_deref().unwrap_or("");
    let result = {
        let mut world = sim.world();
        match f.action.as_str() {
            // A QR payload starts with `bankid.`; anything else is an autostart token.
            "start" if code.starts_with("bankid.") => {
                world.app_scan(code, pnr).map(|_| "QR-koden lästes av.")
            }
            "start" => world.app_open(code, pnr).map(|_| "Appen öppnades."),
            "approve" => world.app_approve(order_ref).map(|()| "Godkänt."),
            "cancel" => world.app_cancel(order_ref).map(|()| "Avbrutet."),
            "decline-call" => world
                .app_decline_call(order_ref)
                .map(|()| "Samtalet nekades."),
            _ => Ok("Okänd åtgärd."),
        }
    };
    let msg = match result {
        Ok(text) => text.to_owned(),
        Err(e) => format!("Fel: {}", swedish(&e)),
    };
    Redirect::to(&format!(
        "/sim?msg={}&person={}",
        url_encode(&msg),
        url_encode(pnr)
    ))
}

/// The page is Swedish; the JSON API keeps the English messages.
fn swedish(e: &AppError) -> &'static str {
    match e {
        AppError::UnknownToken => "ingen order har den här koden.",
        AppError::NotWaiting => "ordern har redan öppnats i en app.",
        AppError::QrRejected => {
            "QR-koden är ogiltig eller för gammal; ordern misslyckades (startFailed)."
        }
        AppError::UnknownPerson => "ingen sådan testperson.",
        AppError::NotInApp | AppError::UnknownOrder => "ordern är inte öppen i appen.",
        AppError::NoUsableBankId => "ordern kräver en annan person.",
        AppError::NotAPhoneOrder => "bara telefonordrar frågar om samtal.",
        AppError::NotYet => "appen ber inte om säkerhetskoden än; vänta en sekund och försök igen.",
    }
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
