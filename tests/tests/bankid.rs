//! The BankID client against the simulator, over real HTTP with mutual TLS: both
//! flows, every hint and error code, cancel, expiry, QR age, wrong certificates, and
//! the order lifecycle through both ephemeral stores.

use portvakt_bankid::api::{
    AuthRequest, CallInitiator, PhoneAuthRequest, Requirement, Status, encode_text,
};
use portvakt_bankid::codes::{ErrorClass, ErrorCode, HintCode};
use portvakt_bankid::launch::{DeviceKind, launch_url};
use portvakt_bankid::messages::{self, Flow, Rfa};
use portvakt_bankid::order::OrderError;
use portvakt_bankid::tls::{ClientIdentity, ServerCa, TlsError};
use portvakt_bankid::{Client, ClientConfig, Error, Orders, Progress, qr};
use portvakt_bankid_simulator::{Fault, Outcome, Running, Script, Simulator, TestPki, spawn};
use portvakt_tests::{Backend, ephemeral_store, on_both_backends};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const ANNA: &str = "199001010017";
const BERTIL: &str = "197010632391";

/// A simulator behind mutual TLS, and a client with a certificate from its CA.
struct Rig {
    sim: Simulator,
    running: Running,
    pki: TestPki,
    client: Client,
    /// For the simulated app's JSON API: trusts the CA, presents no certificate.
    app: reqwest::Client,
}

async fn rig() -> Rig {
    let pki = TestPki::generate("Portvakt test CA").expect("CA");
    let sim = Simulator::default();
    let running = spawn(
        sim.clone(),
        "127.0.0.1:0".parse().expect("addr"),
        Some(&pki),
    )
    .await
    .expect("simulator");
    let identity = pki.issue_client("Portvakt test RP").expect("client cert");
    let client = client_for(
        &running,
        ClientIdentity::from_pem(identity.pem.as_bytes()).expect("identity"),
        pki.ca_pem(),
        Duration::from_secs(5),
    );
    let app = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pki.ca_pem().as_bytes()).expect("ca"))
        .build()
        .expect("app client");
    Rig {
        sim,
        running,
        pki,
        client,
        app,
    }
}

fn client_for(
    running: &Running,
    identity: ClientIdentity,
    ca_pem: &str,
    timeout: Duration,
) -> Client {
    Client::new(ClientConfig {
        base_url: running.rp_api_url().parse().expect("url"),
        identity,
        server_ca: ServerCa::from_pem(ca_pem.as_bytes()).expect("ca"),
        timeout,
    })
    .expect("client")
}

fn auth_request() -> AuthRequest {
    AuthRequest {
        end_user_ip: "192.0.2.10".into(),
        user_visible_data: Some(encode_text("Logga in på *Mina sidor*")),
        user_visible_data_format: Some("simpleMarkdownV1".into()),
        ..AuthRequest::default()
    }
}

impl Rig {
    /// The simulated app: `POST /sim/app/<action>` with a JSON body.
    async fn app(&self, action: &str, body: Value) -> (u16, Value) {
        let response = self
            .app
            .post(format!("{}sim/app/{action}", self.running.base_url()))
            .json(&body)
            .send()
            .await
            .expect("app call");
        let status = response.status().as_u16();
        (status, response.json().await.expect("json"))
    }

    async fn scan(&self, payload: &str, person: &str) -> (u16, Value) {
        self.app(
            "scan",
            json!({"qrPayload": payload, "personalNumber": person}),
        )
        .await
    }

    async fn hint(&self, order_ref: &str) -> (Status, Option<HintCode>) {
        let c = self.client.collect(order_ref).await.expect("collect");
        (c.status, c.hint_code)
    }

    /// Starts an order and has `person`'s app open it by autostart.
    async fn opened_order(&self, person: &str) -> String {
        let order = self.client.auth(&auth_request()).await.expect("auth");
        let (status, _) = self
            .app(
                "open",
                json!({"autoStartToken": order.auto_start_token, "personalNumber": person}),
            )
            .await;
        assert_eq!(status, 200);
        order.order_ref
    }
}

#[tokio::test]
async fn qr_flow_walks_the_real_pending_sequence_and_completes() {
    let rig = rig().await;
    rig.sim.world().script_person(
        ANNA,
        Script {
            pending: vec![HintCode::Started, HintCode::UserSign],
            step_ms: 60_000,
            outcome: Outcome::Wait,
        },
    );
    let order = rig.client.auth(&auth_request()).await.expect("auth");
    assert_eq!(
        rig.hint(&order.order_ref).await,
        (Status::Pending, Some(HintCode::OutstandingTransaction))
    );
    let payload = qr::payload(&order.qr_start_token, &order.qr_start_secret, 0);
    let (status, body) = rig.scan(&payload, ANNA).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["orderRef"], order.order_ref.as_str());
    assert_eq!(
        rig.hint(&order.order_ref).await,
        (Status::Pending, Some(HintCode::Started))
    );
    // The simulator's clock, not a sleep: steps are exact however slow the machine.
    rig.sim.world().advance_clock(Duration::from_secs(60));
    let (status, hint) = rig.hint(&order.order_ref).await;
    assert_eq!(
        (status, hint.clone()),
        (Status::Pending, Some(HintCode::UserSign))
    );
    assert_eq!(messages::pending(&hint.expect("hint"), Flow::Qr), Rfa::Rfa9);
    let (status, _) = rig
        .app("approve", json!({"orderRef": order.order_ref}))
        .await;
    assert_eq!(status, 200);
    let done = rig.client.collect(&order.order_ref).await.expect("collect");
    assert_eq!(done.status, Status::Complete);
    let data = done.completion_data.expect("completion data");
    assert_eq!(data.user.personal_number, ANNA);
    assert_eq!(data.user.name, "Anna Andersson");
    assert_eq!(data.device.ip_address, "192.0.2.10");
    assert!(data.step_up.is_none() && data.risk.is_none());
    use base64::Engine;
    let signature = base64::engine::general_purpose::STANDARD
        .decode(&data.signature)
        .expect("base64 signature");
    let signature = String::from_utf8(signature).expect("xml");
    assert!(signature.contains("SIMULATED") && signature.contains("usrVisibleData"));
    // A finished order stays collectable ~3 minutes, then it is gone.
    rig.sim.world().advance_clock(Duration::from_secs(170));
    assert_eq!(rig.hint(&order.order_ref).await.0, Status::Complete);
    rig.sim.world().advance_clock(Duration::from_secs(11));
    assert_invalid_parameters(rig.client.collect(&order.order_ref).await);
}

#[tokio::test]
async fn autostart_flow_completes_with_step_up_and_risk() {
    let rig = rig().await;
    rig.sim
        .world()
        .script_person(BERTIL, Script::approve_after(30_000));
    let request = AuthRequest {
        requirement: Some(Requirement {
            mrtd: Some(true),
            ..Requirement::default()
        }),
        return_risk: Some(true),
        ..auth_request()
    };
    let order = rig.client.auth(&request).await.expect("auth");
    let url = launch_url(DeviceKind::Desktop, &order.auto_start_token, None);
    assert_eq!(
        url,
        format!(
            "bankid:///?autostarttoken={}&redirect=null",
            order.auto_start_token
        )
    );
    let (status, body) = rig
        .app(
            "open",
            json!({"autoStartToken": order.auto_start_token, "personalNumber": BERTIL}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // started → userMrtd (an ID document is required) → userSign → complete.
    assert_eq!(rig.hint(&order.order_ref).await.1, Some(HintCode::Started));
    rig.sim.world().advance_clock(Duration::from_secs(30));
    assert_eq!(rig.hint(&order.order_ref).await.1, Some(HintCode::UserMrtd));
    rig.sim.world().advance_clock(Duration::from_secs(30));
    assert_eq!(rig.hint(&order.order_ref).await.1, Some(HintCode::UserSign));
    rig.sim.world().advance_clock(Duration::from_secs(30));
    let done = rig.client.collect(&order.order_ref).await.expect("collect");
    assert_eq!(done.status, Status::Complete);
    let data = done.completion_data.expect("data");
    assert_eq!(data.user.personal_number, BERTIL);
    assert_eq!(data.step_up.map(|s| s.mrtd), Some(true));
    assert_eq!(data.risk.as_deref(), Some("low"));
}

#[tokio::test]
async fn every_hint_code_reaches_the_client_and_maps_to_its_message() {
    let rig = rig().await;
    let future = HintCode::Unknown("someFutureHint".into());
    // Pending hints, including one this version does not know (RFA21).
    for hint in [
        HintCode::NoClient,
        HintCode::Started,
        HintCode::UserMrtd,
        HintCode::UserCallConfirm,
        HintCode::UserSign,
        future.clone(),
    ] {
        rig.sim.world().script_person(
            ANNA,
            Script {
                pending: vec![hint.clone()],
                step_ms: 60_000,
                outcome: Outcome::Wait,
            },
        );
        let order_ref = rig.opened_order(ANNA).await;
        assert_eq!(
            rig.hint(&order_ref).await,
            (Status::Pending, Some(hint.clone()))
        );
        rig.client.cancel(&order_ref).await.expect("cancel");
    }
    assert_eq!(messages::pending(&future, Flow::Qr), Rfa::Rfa21);
    // Failure hints, each from a script, and an unknown one (RFA22).
    let expected = [
        (HintCode::ExpiredTransaction, Rfa::Rfa8),
        (HintCode::CertificateErr, Rfa::Rfa16),
        (HintCode::UserCancel, Rfa::Rfa6),
        (HintCode::Cancelled, Rfa::Rfa3),
        (HintCode::StartFailed, Rfa::Rfa17A),
        (HintCode::UserDeclinedCall, Rfa::Rfa22),
        (HintCode::NotSupportedByUserApp, Rfa::Rfa22),
        (HintCode::TransactionRiskBlocked, Rfa::Rfa22),
        (HintCode::Unknown("brandNewFailure".into()), Rfa::Rfa22),
    ];
    for (hint, rfa) in expected {
        rig.sim
            .world()
            .script_person(ANNA, Script::fail_with(hint.clone()));
        let order_ref = rig.opened_order(ANNA).await;
        let (status, got) = rig.hint(&order_ref).await;
        assert_eq!((status, got.clone()), (Status::Failed, Some(hint.clone())));
        assert_eq!(
            messages::failed(&got.expect("hint"), Flow::Autostart),
            rfa,
            "{hint:?}"
        );
    }
}

#[tokio::test]
async fn the_failures_the_app_and_the_service_cause_themselves() {
    let rig = rig().await;
    // The user cancels in the app.
    let order_ref = rig.opened_order(ANNA).await;
    rig.app("cancel", json!({"orderRef": order_ref})).await;
    assert_eq!(
        rig.hint(&order_ref).await,
        (Status::Failed, Some(HintCode::UserCancel))
    );
    // A second order for the same person: refused, and the first is cancelled.
    let locked = AuthRequest {
        requirement: Some(Requirement {
            personal_number: Some(BERTIL.into()),
            ..Requirement::default()
        }),
        ..auth_request()
    };
    let first = rig.client.auth(&locked).await.expect("first");
    let second = rig.client.auth(&locked).await.expect_err("second refused");
    assert!(
        matches!(
            &second,
            Error::Api {
                status: 400,
                code: ErrorCode::AlreadyInProgress,
                ..
            }
        ),
        "{second:?}"
    );
    assert_eq!(second.message(), Some(Rfa::Rfa4));
    assert_eq!(
        rig.hint(&first.order_ref).await,
        (Status::Failed, Some(HintCode::Cancelled))
    );
    // An app opening a newer order for a person replaces the older one.
    let older = rig.opened_order(ANNA).await;
    let newer = rig.opened_order(ANNA).await;
    assert_eq!(
        rig.hint(&older).await,
        (Status::Failed, Some(HintCode::Cancelled))
    );
    assert_eq!(rig.hint(&newer).await.0, Status::Pending);
    // Nobody opens the order: it expires after the real lifetime (~3 minutes).
    let order = rig.client.auth(&auth_request()).await.expect("auth");
    rig.sim.world().advance_clock(Duration::from_secs(170));
    assert_eq!(rig.hint(&order.order_ref).await.0, Status::Pending);
    rig.sim.world().advance_clock(Duration::from_secs(11));
    assert_eq!(
        rig.hint(&order.order_ref).await,
        (Status::Failed, Some(HintCode::ExpiredTransaction))
    );
    // A failed order stays collectable ~5 minutes, then BankID has forgotten it.
    rig.sim.world().advance_clock(Duration::from_secs(280));
    assert_eq!(rig.hint(&order.order_ref).await.0, Status::Failed);
    rig.sim.world().advance_clock(Duration::from_secs(21));
    assert_invalid_parameters(rig.client.collect(&order.order_ref).await);
}

#[tokio::test]
async fn a_qr_code_older_than_the_window_or_forged_is_refused_with_start_failed() {
    let rig = rig().await;
    let order = rig.client.auth(&auth_request()).await.expect("auth");
    rig.sim.world().advance_clock(Duration::from_secs(31));
    // A photo of the code shown at t=0, 31 s ago.
    let stale = qr::payload(&order.qr_start_token, &order.qr_start_secret, 0);
    let (status, body) = rig.scan(&stale, ANNA).await;
    assert_eq!(status, 400, "{body}");
    let (status, hint) = rig.hint(&order.order_ref).await;
    assert_eq!(
        (status, hint.clone()),
        (Status::Failed, Some(HintCode::StartFailed))
    );
    assert_eq!(
        messages::failed(&hint.expect("hint"), Flow::Qr),
        Rfa::Rfa17B
    );

    // The code as regenerated at t=31 is fresh and accepted.
    let order = rig.client.auth(&auth_request()).await.expect("auth");
    rig.sim.world().advance_clock(Duration::from_secs(31));
    let fresh = qr::payload(&order.qr_start_token, &order.qr_start_secret, 31);
    assert_eq!(rig.scan(&fresh, ANNA).await.0, 200);

    // A forged code (wrong HMAC) fails the order too.
    let order = rig.client.auth(&auth_request()).await.expect("auth");
    let forged = qr::payload(&order.qr_start_token, "not-the-secret", 0);
    assert_eq!(rig.scan(&forged, BERTIL).await.0, 400);
    assert_eq!(
        rig.hint(&order.order_ref).await,
        (Status::Failed, Some(HintCode::StartFailed))
    );
}

#[tokio::test]
async fn every_error_code_reaches_the_client_with_its_class() {
    let rig = rig().await;
    let mut codes = ErrorCode::KNOWN.to_vec();
    codes.push(ErrorCode::Unknown("brandNewError".into()));
    for code in codes {
        assert!(rig.sim.world().inject(Fault::new("auth", code.clone(), 1)));
        let e = rig
            .client
            .auth(&auth_request())
            .await
            .expect_err("injected");
        let Error::Api {
            status,
            code: got,
            details,
        } = &e
        else {
            panic!("{code:?}: {e:?}")
        };
        assert_eq!((*status, got), (code.status(), &code), "{code:?}");
        assert_eq!(details, "Injected by the simulator");
        assert_eq!(e.class(), code.class());
        let expected_message = match code.class() {
            ErrorClass::Internal => None,
            ErrorClass::AlreadyInProgress => Some(Rfa::Rfa4),
            ErrorClass::TryAgain | ErrorClass::BackOff => Some(Rfa::Rfa5),
        };
        assert_eq!(e.message(), expected_message, "{code:?}");
        if code == ErrorCode::TooManyRequests {
            // The client now waits (Retry-After: 1) without calling BankID.
            let next = rig
                .client
                .auth(&auth_request())
                .await
                .expect_err("backing off");
            assert!(matches!(next, Error::BackingOff(_)), "{next:?}");
            assert_eq!(next.class(), ErrorClass::BackOff);
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
    }
    assert_eq!(
        ErrorCode::Unknown("brandNewError".into()).class(),
        ErrorClass::TryAgain,
        "unknown errors are BankID's fault: RFA22/RFA5, never a crash"
    );
    // The real causes of the RP's own faults, answered by the simulator itself.
    let e = rig
        .client
        .auth(&AuthRequest {
            end_user_ip: "not an ip".into(),
            ..auth_request()
        })
        .await
        .expect_err("invalid");
    assert!(
        matches!(&e, Error::Api { code: ErrorCode::InvalidParameters, details, .. } if details == "Invalid endUserIp"),
        "{e:?}"
    );
    assert_eq!(e.class(), ErrorClass::Internal);
    let e = rig
        .client
        .sign(&AuthRequest {
            user_visible_data: None,
            ..auth_request()
        })
        .await
        .expect_err("sign needs visible data");
    assert!(matches!(
        e,
        Error::Api {
            code: ErrorCode::InvalidParameters,
            ..
        }
    ));
}

#[tokio::test]
async fn the_simulator_speaks_bankids_http() {
    let rig = rig().await;
    let identity = rig.pki.issue_client("raw").expect("cert");
    let raw = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(rig.pki.ca_pem().as_bytes()).expect("ca"),
        )
        .identity(reqwest::Identity::from_pem(identity.pem.as_bytes()).expect("identity"))
        .build()
        .expect("client");
    let url = |path: &str| format!("{}{path}", rig.running.rp_api_url());
    let call = |r: reqwest::RequestBuilder| async move {
        let response = r.send().await.expect("send");
        let status = response.status().as_u16();
        (status, response.json::<Value>().await.expect("error body"))
    };
    // A charset parameter: 415.
    let (status, body) = call(
        raw.post(url("auth"))
            .header("content-type", "application/json; charset=utf-8")
            .body(r#"{"endUserIp":"192.0.2.1"}"#),
    )
    .await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (415, Some("unsupportedMediaType"))
    );
    // Not POST: 405. Unknown path: 404.
    let (status, body) = call(raw.get(url("collect"))).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (405, Some("methodNotAllowed"))
    );
    let (status, body) = call(raw.post(url("nosuch")).json(&json!({}))).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (404, Some("notFound"))
    );
    // A missing field is named, like BankID does.
    let (status, body) = call(raw.post(url("collect")).json(&json!({}))).await;
    assert_eq!(status, 400);
    assert_eq!(body["details"], "Invalid orderRef");
    // No client certificate: 401.
    let (status, body) = call(
        rig.app
            .post(url("auth"))
            .json(&json!({"endUserIp": "192.0.2.1"})),
    )
    .await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (401, Some("unauthorized"))
    );
    // The simulated app's page is there for a developer's browser.
    let page = rig
        .app
        .get(rig.running.app_url())
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("html");
    assert!(page.contains("Simulerad BankID-app") && page.contains("Tolvan Tolvansson"));
    // Its forms open and approve an order like the JSON API does.
    let order = rig.client.auth(&auth_request()).await.expect("auth");
    let form = |fields: &[(&str, &str)]| {
        rig.app
            .post(format!("{}sim/page", rig.running.base_url()))
            .form(fields)
            .send()
    };
    let opened = form(&[
        ("action", "start"),
        ("code", &order.auto_start_token),
        ("personal_number", ANNA),
    ])
    .await
    .expect("open form");
    assert!(
        opened
            .text()
            .await
            .expect("page")
            .contains("Appen öppnades")
    );
    // The app asks for the security code only after `started`.
    let early = form(&[("action", "approve"), ("order_ref", &order.order_ref)])
        .await
        .expect("approve form");
    assert!(
        early
            .text()
            .await
            .expect("page")
            .contains("inte om säkerhetskoden än")
    );
    rig.sim.world().advance_clock(Duration::from_secs(1));
    form(&[("action", "approve"), ("order_ref", &order.order_ref)])
        .await
        .expect("approve form");
    assert_eq!(rig.hint(&order.order_ref).await.0, Status::Complete);
}

#[tokio::test]
async fn the_simulated_app_refuses_what_a_real_app_cannot_do() {
    let rig = rig().await;
    // An order for Anna opened by Bertil's app: no usable BankID, only cancel.
    let locked = AuthRequest {
        requirement: Some(Requirement {
            personal_number: Some(ANNA.into()),
            ..Requirement::default()
        }),
        ..auth_request()
    };
    let order = rig.client.auth(&locked).await.expect("auth");
    let open = json!({"autoStartToken": order.auto_start_token, "personalNumber": BERTIL});
    assert_eq!(rig.app("open", open).await.0, 200);
    assert_eq!(
        rig.hint(&order.order_ref).await,
        (Status::Pending, Some(HintCode::Started))
    );
    let (status, body) = rig
        .app("approve", json!({"orderRef": order.order_ref}))
        .await;
    assert_eq!(status, 400, "{body}");
    // A token opens an order once: no switching persons.
    let again = json!({"autoStartToken": order.auto_start_token, "personalNumber": ANNA});
    assert_eq!(rig.app("open", again).await.0, 400);
    // Only phone orders ask about a call.
    let (status, _) = rig
        .app("decline-call", json!({"orderRef": order.order_ref}))
        .await;
    assert_eq!(status, 400);
    // No script makes Bertil's app complete Anna's order.
    assert!(
        rig.sim
            .world()
            .script_order(&order.order_ref, Script::approve_after(0))
    );
    assert_eq!(rig.hint(&order.order_ref).await.0, Status::Pending);
    // The order is Anna's: a new one for her meets it (and cancels it).
    let second = rig
        .client
        .auth(&locked)
        .await
        .expect_err("Anna has an order");
    assert!(
        matches!(
            second,
            Error::Api {
                code: ErrorCode::AlreadyInProgress,
                ..
            }
        ),
        "{second:?}"
    );
    assert_eq!(
        rig.hint(&order.order_ref).await,
        (Status::Failed, Some(HintCode::Cancelled))
    );
    let order = rig.client.auth(&locked).await.expect("auth");
    let open = json!({"autoStartToken": order.auto_start_token, "personalNumber": BERTIL});
    assert_eq!(rig.app("open", open).await.0, 200);
    assert_eq!(
        rig.app("cancel", json!({"orderRef": order.order_ref}))
            .await
            .0,
        200
    );
    assert_eq!(
        rig.hint(&order.order_ref).await,
        (Status::Failed, Some(HintCode::UserCancel))
    );
    // The control API refuses what it cannot do, and `reset` forgets scripts and faults.
    let control = |what: &str, body: Value| {
        rig.app
            .post(format!("{}sim/control/{what}", rig.running.base_url()))
            .json(&body)
            .send()
    };
    let bad_path = control(
        "fault",
        json!({"path": "/rp/v6.0/auth", "errorCode": "maintenance"}),
    )
    .await
    .expect("fault");
    assert_eq!(bad_path.status(), 400, "{:?}", bad_path.text().await);
    let bad_person = control(
        "person",
        json!({"personalNumber": "abc", "givenName": "A", "surname": "B"}),
    )
    .await
    .expect("person");
    assert_eq!(bad_person.status(), 400);
    control(
        "fault",
        json!({"path": "auth", "errorCode": "maintenance", "times": 5}),
    )
    .await
    .expect("fault");
    control("reset", json!({})).await.expect("reset");
    rig.client
        .auth(&auth_request())
        .await
        .expect("no fault left after reset");
    // Absurd input does not break the simulator.
    let absurd = json!({"pending": ["started"], "stepMs": u64::MAX, "outcome": "complete"});
    control("script", json!({"script": absurd}))
        .await
        .expect("script");
    let order_ref = rig.opened_order(ANNA).await;
    assert_eq!(rig.hint(&order_ref).await.0, Status::Pending);
    control("advance", json!({"seconds": u64::MAX}))
        .await
        .expect("advance");
    // Expired and forgotten long ago, by the simulator's clock.
    assert_invalid_parameters(rig.client.collect(&order_ref).await);
    rig.client
        .auth(&auth_request())
        .await
        .expect("still serving");
}

#[tokio::test]
async fn the_control_api_scripts_the_simulator_over_http() {
    let rig = rig().await;
    let control = |what: &str, body: Value| {
        rig.app
            .post(format!("{}sim/control/{what}", rig.running.base_url()))
            .json(&body)
            .send()
    };
    // A test person, shown escaped on the app's page.
    let added = control(
        "person",
        json!({"personalNumber": "200001012384", "givenName": "<script>x</script>", "surname": "Test", "bankIdIssueDate": "2024-01-01"}),
    )
    .await
    .expect("person");
    assert_eq!(added.status(), 200);
    let page = rig
        .app
        .get(rig.running.app_url())
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("&lt;script&gt;x&lt;/script&gt;") && !page.contains("<script>x"));
    // A script for one order already open in the app takes effect at once.
    let order_ref = rig.opened_order("200001012384").await;
    assert_eq!(rig.hint(&order_ref).await.1, Some(HintCode::Started));
    let scripted = control(
        "script",
        json!({"orderRef": order_ref, "script": {"pending": [], "stepMs": 0, "outcome": {"fail": "transactionRiskBlocked"}}}),
    )
    .await
    .expect("script");
    assert_eq!(scripted.status(), 200);
    assert_eq!(
        rig.hint(&order_ref).await,
        (Status::Failed, Some(HintCode::TransactionRiskBlocked))
    );
    let unknown = control(
        "script",
        json!({"orderRef": "nope", "script": {"pending": [], "outcome": "complete"}}),
    )
    .await
    .expect("script");
    assert_eq!(unknown.status(), 400);
    // A script for everyone: orders complete by themselves.
    control(
        "script",
        json!({"script": {"pending": ["started"], "stepMs": 0, "outcome": "complete"}}),
    )
    .await
    .expect("script");
    let order_ref = rig.opened_order(BERTIL).await;
    assert_eq!(rig.hint(&order_ref).await.0, Status::Complete);
    // An injected error on every path.
    control(
        "fault",
        json!({"path": "*", "errorCode": "maintenance", "times": 1}),
    )
    .await
    .expect("fault");
    let e = rig
        .client
        .auth(&auth_request())
        .await
        .expect_err("maintenance");
    assert!(
        matches!(
            e,
            Error::Api {
                status: 503,
                code: ErrorCode::Maintenance,
                ..
            }
        ),
        "{e:?}"
    );
    // The clock.
    let order = rig.client.auth(&auth_request()).await.expect("auth");
    control("advance", json!({"seconds": 181}))
        .await
        .expect("advance");
    assert_eq!(
        rig.hint(&order.order_ref).await,
        (Status::Failed, Some(HintCode::ExpiredTransaction))
    );
    // Latency.
    control("latency", json!({"path": "collect", "ms": 300}))
        .await
        .expect("latency");
    let before = std::time::Instant::now();
    rig.client.collect(&order.order_ref).await.expect("collect");
    assert!(before.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn cancel_ends_the_order_and_timeouts_are_errors() {
    let rig = rig().await;
    let order = rig.client.auth(&auth_request()).await.expect("auth");
    rig.client.cancel(&order.order_ref).await.expect("cancel");
    assert_invalid_parameters(rig.client.collect(&order.order_ref).await);
    assert_invalid_parameters(rig.client.cancel(&order.order_ref).await);

    // Latency beyond the client's timeout.
    let identity = rig.pki.issue_client("impatient RP").expect("cert");
    let impatient = client_for(
        &rig.running,
        ClientIdentity::from_pem(identity.pem.as_bytes()).expect("identity"),
        rig.pki.ca_pem(),
        Duration::from_millis(300),
    );
    assert!(
        rig.sim
            .world()
            .set_latency("collect", Duration::from_millis(1500))
    );
    let e = impatient.collect("any").await.expect_err("timeout");
    assert!(matches!(e, Error::Timeout), "{e:?}");
    assert_eq!(e.message(), Some(Rfa::Rfa5));
}

#[tokio::test]
async fn phone_orders_go_to_the_persons_app_and_can_be_declined() {
    let rig = rig().await;
    let request = PhoneAuthRequest {
        personal_number: ANNA.into(),
        call_initiator: CallInitiator::Rp,
        requirement: None,
        user_visible_data: None,
        user_visible_data_format: None,
        user_non_visible_data: None,
    };
    let order = rig.client.phone_auth(&request).await.expect("phone auth");
    assert_eq!(
        rig.hint(&order.order_ref).await,
        (Status::Pending, Some(HintCode::UserCallConfirm))
    );
    rig.app("decline-call", json!({"orderRef": order.order_ref}))
        .await;
    assert_eq!(
        rig.hint(&order.order_ref).await,
        (Status::Failed, Some(HintCode::UserDeclinedCall))
    );
    let e = rig
        .client
        .phone_sign(&request)
        .await
        .expect_err("sign needs visible data");
    assert!(matches!(
        e,
        Error::Api {
            code: ErrorCode::InvalidParameters,
            ..
        }
    ));
    let signed = rig
        .client
        .phone_sign(&PhoneAuthRequest {
            user_visible_data: Some(encode_text("Jag godkänner avtalet")),
            ..request
        })
        .await
        .expect("phone sign");
    // Not before the call is confirmed and a BankID found.
    let (status, _) = rig
        .app("approve", json!({"orderRef": signed.order_ref}))
        .await;
    assert_eq!(status, 400);
    rig.sim.world().advance_clock(Duration::from_secs(2));
    assert_eq!(
        rig.hint(&signed.order_ref).await.1,
        Some(HintCode::UserSign)
    );
    let (status, _) = rig
        .app("approve", json!({"orderRef": signed.order_ref}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(rig.hint(&signed.order_ref).await.0, Status::Complete);
}

#[tokio::test]
async fn wrong_certificates_are_rejected_both_ways() {
    let rig = rig().await;
    // A client certificate from another CA: the handshake fails.
    let stranger = TestPki::generate("Some other CA").expect("CA");
    let foreign = stranger.issue_client("impostor").expect("cert");
    let impostor = client_for(
        &rig.running,
        ClientIdentity::from_pem(foreign.pem.as_bytes()).expect("identity"),
        rig.pki.ca_pem(),
        Duration::from_secs(5),
    );
    let e = impostor.auth(&auth_request()).await.expect_err("refused");
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert!(impostor.check_connection().await.is_err());
    rig.client
        .check_connection()
        .await
        .expect("the right certificate passes the check");
    // A server that does not chain to the pinned CA: refused by the client, even
    // though the certificate, the name and the client certificate are all fine.
    let ours = rig.pki.issue_client("RP").expect("cert");
    let misled = client_for(
        &rig.running,
        ClientIdentity::from_pem(ours.pem.as_bytes()).expect("identity"),
        stranger.ca_pem(),
        Duration::from_secs(5),
    );
    let e = misled.auth(&auth_request()).await.expect_err("refused");
    let Error::Transport(text) = &e else {
        panic!("{e:?}")
    };
    assert!(text.to_lowercase().contains("certificate"), "{text}");
    // Plain HTTP is refused outright.
    let e = Client::new(ClientConfig {
        base_url: "http://127.0.0.1:1/rp/v6.0/".parse().expect("url"),
        identity: ClientIdentity::from_pem(ours.pem.as_bytes()).expect("identity"),
        server_ca: ServerCa::from_pem(rig.pki.ca_pem().as_bytes()).expect("ca"),
        timeout: Duration::from_secs(1),
    })
    .expect_err("http refused");
    assert!(e.to_string().contains("https"));
}

#[tokio::test]
async fn a_pkcs12_client_certificate_works_like_bankids_test_certificate() {
    use p12_keystore::{
        Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
        PrivateKeyChain,
    };
    let rig = rig().await;
    let issued = rig.pki.issue_client("FPTestcert-like RP").expect("cert");
    let chain = PrivateKeyChain::new(
        "rp",
        PrivateKey::from_der(&issued.key_der).expect("key"),
        [Certificate::from_der(&issued.cert_der).expect("cert")],
    );
    let mut store = KeyStore::new();
    store.add_entry("rp", KeyStoreEntry::PrivateKeyChain(chain));
    // Legacy encryption, as older bank-issued files use.
    for algorithm in [
        EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc,
        EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
    ] {
        let p12 = store
            .writer("qwerty123")
            .encryption_algorithm(algorithm)
            .mac_algorithm(MacAlgorithm::HmacSha1)
            .write()
            .expect("p12");
        let identity = ClientIdentity::from_pkcs12(&p12, "qwerty123").expect("opens");
        let client = client_for(
            &rig.running,
            identity,
            rig.pki.ca_pem(),
            Duration::from_secs(5),
        );
        client
            .auth(&auth_request())
            .await
            .expect("auth over mTLS with the PKCS#12 identity");
        let e = ClientIdentity::from_pkcs12(&p12, "wrong").expect_err("wrong password");
        assert!(matches!(e, TlsError::Pkcs12(_)));
    }
}

fn assert_invalid_parameters<T: std::fmt::Debug>(result: Result<T, Error>) {
    let e = result.expect_err("gone");
    assert!(
        matches!(
            e,
            Error::Api {
                status: 400,
                code: ErrorCode::InvalidParameters,
                ..
            }
        ),
        "{e:?}"
    );
}

// The order lifecycle keeps its state in the ephemeral store, so it runs on both.
on_both_backends!(
    lifecycle_qr_login_through_the_store,
    lifecycle_failures_errors_and_back_off,
    lifecycle_cancel_and_abandon,
);

/// A rig and `Orders` over one store; `orders(…)` makes more instances on that store.
struct Lifecycle {
    rig: Rig,
    store: Arc<dyn portvakt_core::ports::EphemeralStore>,
}

impl Lifecycle {
    async fn new(backend: Backend) -> Self {
        Lifecycle {
            rig: rig().await,
            store: ephemeral_store(backend).await,
        }
    }

    /// Another instance: its own client (and certificate), the same store.
    fn orders(&self, collect_interval: Duration, abandon_after: Duration) -> Arc<Orders> {
        let identity = self.rig.pki.issue_client("lifecycle RP").expect("cert");
        let client = client_for(
            &self.rig.running,
            ClientIdentity::from_pem(identity.pem.as_bytes()).expect("identity"),
            self.rig.pki.ca_pem(),
            Duration::from_secs(5),
        );
        Arc::new(
            Orders::new(Arc::new(client), Arc::clone(&self.store))
                .collect_interval(collect_interval)
                .abandon_after(abandon_after),
        )
    }
}

async fn lifecycle_qr_login_through_the_store(backend: Backend) {
    let life = Lifecycle::new(backend).await;
    let rig = &life.rig;
    let first = life.orders(Duration::from_secs(5), Duration::from_secs(60));
    let second = life.orders(Duration::from_secs(5), Duration::from_secs(60));
    rig.sim
        .world()
        .script_person(ANNA, Script::approve_after(100));
    let started = first.start(&auth_request(), Flow::Qr).await.expect("start");
    let Progress::Pending {
        qr: Some(payload),
        message,
        hint,
    } = first.poll(&started.handle).await.expect("poll")
    else {
        panic!("pending with a QR code")
    };
    assert_eq!(
        (message, hint),
        (Rfa::Rfa1, Some(HintCode::OutstandingTransaction))
    );
    assert!(qr::svg(&payload).is_some());
    // The payload the browser shows is one the app accepts.
    assert_eq!(rig.scan(&payload, ANNA).await.0, 200);
    // Polls within the collect interval do not call BankID again, on any instance.
    assert!(matches!(
        second.poll(&started.handle).await.expect("poll"),
        Progress::Pending {
            hint: Some(HintCode::OutstandingTransaction),
            ..
        }
    ));
    assert!(matches!(
        second.finish(&started.handle).await,
        Err(OrderError::NotComplete)
    ));
    tokio::time::sleep(Duration::from_millis(5100)).await;
    // The other instance continues the order.
    assert_eq!(
        second.poll(&started.handle).await.expect("poll"),
        Progress::Complete
    );
    assert_eq!(
        first.poll(&started.handle).await.expect("poll"),
        Progress::Complete
    );
    let data = first
        .finish(&started.handle)
        .await
        .expect("completion data");
    assert_eq!(data.user.personal_number, ANNA);
    assert!(
        matches!(
            second.finish(&started.handle).await,
            Err(OrderError::Unknown)
        ),
        "taken once"
    );
    assert!(matches!(
        first.poll(&started.handle).await,
        Err(OrderError::Unknown)
    ));
}

async fn lifecycle_failures_errors_and_back_off(backend: Backend) {
    let life = Lifecycle::new(backend).await;
    let rig = &life.rig;
    let orders = life.orders(Duration::from_millis(50), Duration::from_secs(60));
    let poll_after_interval = |handle: portvakt_bankid::OrderHandle| {
        let orders = Arc::clone(&orders);
        async move {
            tokio::time::sleep(Duration::from_millis(80)).await;
            orders.poll(&handle).await.expect("poll")
        }
    };
    // Signing goes through the same life.
    rig.sim
        .world()
        .script_person(ANNA, Script::approve_after(0));
    let signing = orders
        .start_sign(&auth_request(), Flow::Autostart)
        .await
        .expect("start sign");
    rig.app(
        "open",
        json!({"autoStartToken": signing.auto_start_token, "personalNumber": ANNA}),
    )
    .await;
    assert_eq!(
        poll_after_interval(signing.handle.clone()).await,
        Progress::Complete
    );
    let signed = orders.finish(&signing.handle).await.expect("signed");
    assert!(!signed.signature.is_empty());
    rig.sim.world().script_default(Script::interactive());
    rig.sim.world().script_person(ANNA, Script::interactive());

    // BankID ends the order: the failure and its message.
    rig.sim
        .world()
        .script_person(BERTIL, Script::fail_with(HintCode::CertificateErr));
    let started = orders
        .start(&auth_request(), Flow::Autostart)
        .await
        .expect("start");
    rig.app(
        "open",
        json!({"autoStartToken": started.auto_start_token, "personalNumber": BERTIL}),
    )
    .await;
    assert_eq!(
        poll_after_interval(started.handle.clone()).await,
        Progress::Failed {
            hint: HintCode::CertificateErr,
            message: Rfa::Rfa16
        }
    );

    // tooManyRequests: still pending, nothing lost.
    let started = orders
        .start(&auth_request(), Flow::Qr)
        .await
        .expect("start");
    assert!(
        rig.sim
            .world()
            .inject(Fault::new("collect", ErrorCode::TooManyRequests, 1))
    );
    assert!(matches!(
        poll_after_interval(started.handle.clone()).await,
        Progress::Pending { .. }
    ));

    // Two failed collects are retried; the third ends the order with RFA5 and cancels it
    // at BankID.
    tokio::time::sleep(Duration::from_millis(1100)).await; // Retry-After: 1
    let Progress::Pending {
        qr: Some(payload), ..
    } = poll_after_interval(started.handle.clone()).await
    else {
        panic!("pending with a QR code")
    };
    let (_, body) = rig.scan(&payload, ANNA).await;
    let order_ref = body["orderRef"].as_str().expect("scanned").to_owned();
    assert!(
        rig.sim
            .world()
            .inject(Fault::new("collect", ErrorCode::Maintenance, 3))
    );
    assert!(matches!(
        poll_after_interval(started.handle.clone()).await,
        Progress::Pending { .. }
    ));
    assert!(matches!(
        poll_after_interval(started.handle.clone()).await,
        Progress::Pending { .. }
    ));
    assert_eq!(
        poll_after_interval(started.handle.clone()).await,
        Progress::Error {
            message: Some(Rfa::Rfa5)
        }
    );
    assert_invalid_parameters(rig.client.collect(&order_ref).await);
}

async fn lifecycle_cancel_and_abandon(backend: Backend) {
    let life = Lifecycle::new(backend).await;
    let rig = &life.rig;
    let orders = life.orders(COLLECT, Duration::from_secs(1));
    // Cancelled by the user: gone at BankID too.
    let started = orders
        .start(&auth_request(), Flow::Autostart)
        .await
        .expect("start");
    let Progress::Pending { qr, message, .. } = orders.poll(&started.handle).await.expect("poll")
    else {
        panic!("pending")
    };
    assert_eq!((qr, message), (None, Rfa::Rfa13));
    let (status, body) = rig
        .app(
            "open",
            json!({"autoStartToken": started.auto_start_token, "personalNumber": ANNA}),
        )
        .await;
    assert_eq!(status, 200);
    let order_ref = body["orderRef"].as_str().expect("ref").to_owned();
    orders.cancel(&started.handle).await.expect("cancel");
    assert_invalid_parameters(rig.client.collect(&order_ref).await);
    assert!(matches!(
        orders.poll(&started.handle).await,
        Err(OrderError::Unknown)
    ));

    // Abandoned: the user scans the QR code, then the browser stops polling (tab
    // closed); the order is cancelled at BankID…
    let abandoned = orders
        .start(&auth_request(), Flow::Qr)
        .await
        .expect("start");
    let Progress::Pending {
        qr: Some(payload), ..
    } = orders.poll(&abandoned.handle).await.expect("poll")
    else {
        panic!("pending")
    };
    let (_, body) = rig.scan(&payload, ANNA).await;
    let abandoned_ref = body["orderRef"].as_str().expect("scanned").to_owned();
    // …but a same-device order is not: the user is in the BankID app meanwhile.
    let same_device = orders
        .start(&auth_request(), Flow::Autostart)
        .await
        .expect("start");
    let (_, body) = rig
        .app(
            "open",
            json!({"autoStartToken": same_device.auto_start_token, "personalNumber": BERTIL}),
        )
        .await;
    let same_device_ref = body["orderRef"].as_str().expect("ref").to_owned();
    orders.cancel_when_abandoned(abandoned.handle.clone());
    orders.cancel_when_abandoned(same_device.handle.clone());
    let mut gone = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Err(e) = rig.client.collect(&abandoned_ref).await {
            assert!(
                matches!(
                    e,
                    Error::Api {
                        code: ErrorCode::InvalidParameters,
                        ..
                    }
                ),
                "{e:?}"
            );
            gone = true;
            break;
        }
    }
    assert!(gone, "the abandoned QR order was cancelled at BankID");
    assert_eq!(rig.hint(&same_device_ref).await.0, Status::Pending);
}

const COLLECT: Duration = portvakt_bankid::order::COLLECT_INTERVAL;
