//! Discovery, JWKS, key rotation, configuration errors and backend outages.

use portvakt_core::config;
use portvakt_core::time::{Clock, ManualClock, UnixTime};
use portvakt_tests::browser::Browser;
use portvakt_tests::proxy::Proxy;
use portvakt_tests::rp::{REDIRECT, Rp};
use portvakt_tests::server::{SECRET, Setup, TestServer};
use portvakt_tests::{Backend, on_both_backends, postgres_url, redis_url};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

async fn json(url: &str) -> (reqwest::header::HeaderMap, Value) {
    let r = reqwest::get(url).await.expect("get");
    assert_eq!(r.status(), 200, "{url}");
    let h = r.headers().clone();
    (h, r.json().await.expect("json"))
}

/// oidcc-discovery-endpoint-verification and the JWKS checks of every flow module.
async fn discovery_and_jwks(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (h, d) = json(&server.url("/.well-known/openid-configuration")).await;
    assert!(
        h["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("application/json")
    );
    assert_eq!(d["issuer"], server.issuer.as_str());
    for endpoint in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "introspection_endpoint",
        "revocation_endpoint",
    ] {
        assert!(
            d[endpoint]
                .as_str()
                .expect(endpoint)
                .starts_with(&server.issuer),
            "{endpoint}"
        );
    }
    let has = |key: &str, value: &str| d[key].as_array().expect(key).iter().any(|v| v == value);
    assert!(has("response_types_supported", "code"));
    assert_eq!(
        d["response_types_supported"].as_array().map(Vec::len),
        Some(1)
    );
    assert!(has("subject_types_supported", "public"));
    assert!(has("id_token_signing_alg_values_supported", "RS256"));
    assert!(!has("id_token_signing_alg_values_supported", "none"));
    assert!(has(
        "token_endpoint_auth_methods_supported",
        "client_secret_basic"
    ));
    assert!(has(
        "token_endpoint_auth_methods_supported",
        "client_secret_post"
    ));
    assert!(has(
        "token_endpoint_auth_methods_supported",
        "private_key_jwt"
    ));
    assert!(has("scopes_supported", "openid"));
    assert!(has("acr_values_supported", "urn:portvakt:acr:password"));
    assert!(has("ui_locales_supported", "sv") && has("ui_locales_supported", "en"));
    assert_eq!(
        d["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(d["authorization_response_iss_parameter_supported"], true);
    assert_eq!(d["claims_parameter_supported"], true);
    assert_eq!(d["request_parameter_supported"], false);
    assert!(d["claims_supported"].is_array());
    assert!(
        d.get("request_object_signing_alg_values_supported")
            .is_none()
    );
    let (h, jwks) = json(&server.url("/jwks.json")).await;
    assert_eq!(h["content-type"], "application/jwk-set+json");
    let keys = jwks["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 4, "one key per configured algorithm");
    let kids: BTreeSet<&str> = keys
        .iter()
        .map(|k| k["kid"].as_str().expect("kid"))
        .collect();
    assert_eq!(kids.len(), keys.len(), "kids are distinct");
    for k in keys {
        assert_eq!(k["use"], "sig");
        assert!(k["alg"].is_string() && k["kty"].is_string());
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(k.get(private).is_none(), "JWKS leaks {private}");
        }
    }
    // Health for load balancers.
    assert_eq!(
        reqwest::get(server.url("/healthz"))
            .await
            .expect("healthz")
            .status(),
        200
    );
    assert_eq!(
        reqwest::get(server.url("/readyz"))
            .await
            .expect("readyz")
            .status(),
        200
    );
}

fn kid_of(jwt: &str) -> String {
    use base64::Engine;
    let h: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwt.split('.').next().expect("header"))
            .expect("b64"),
    )
    .expect("json");
    h["kid"].as_str().expect("kid").to_owned()
}

/// S17 and oidcc-server-rotate-keys: a rotated key is published before it signs, and the
/// old one stays published; a running server picks both up without a restart.
async fn key_rotation(backend: Backend) {
    // The keys' activation is read from the server's clock, which the test moves: no
    // race between a sleep and a slow login on a busy machine.
    let clock = Arc::new(ManualClock::at(UnixTime::now()));
    let server = TestServer::builder()
        .set("keys.activation_delay_secs", 60)
        .set("keys.reload_secs", 1)
        .clock(clock.clone())
        .start(backend)
        .await;
    server.add_user("anna", "Losenord-1").await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let id_token_kid = || async {
        let t = portvakt_tests::flow::tokens(&server, &rp, &[], "anna", "Losenord-1").await;
        kid_of(
            &openidconnect::TokenResponse::id_token(&t)
                .expect("id")
                .to_string(),
        )
    };
    let old = id_token_kid().await;
    let plan = portvakt::rotate_keys(&server.config, &server.sql)
        .await
        .expect("rotate");
    let new_key = plan
        .new_keys
        .iter()
        .find(|k| k.alg == "RS256")
        .expect("new RS256");
    let new = new_key.kid.clone();
    // `rotate_keys` (the CLI's) dates the key on the system clock, which has moved on
    // since the server's manual clock was set: move the server's clock to exactly the
    // key's activation, however slow this machine was meanwhile.
    let activation = new_key.active_from;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, jwks) = json(&server.url("/jwks.json")).await;
    let published: Vec<&str> = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["kid"].as_str().expect("kid"))
        .collect();
    assert!(
        published.contains(&old.as_str()) && published.contains(&new.as_str()),
        "both published before activation"
    );
    assert_eq!(
        id_token_kid().await,
        old,
        "the new key does not sign before its activation"
    );
    clock.advance(clock.now().until(activation) + Duration::from_secs(1));
    assert_eq!(
        id_token_kid().await,
        new,
        "after activation the new key signs"
    );
    let (_, jwks) = json(&server.url("/jwks.json")).await;
    assert!(
        jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .any(|k| k["kid"] == old.as_str()),
        "the old key stays published"
    );
}

on_both_backends!(discovery_and_jwks, key_rotation);

/// `check-config`: every problem names its file and key, and all are reported together.
#[test]
fn configuration_errors_name_file_and_key() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("portvakt.toml"),
        "issuer = \"http://example.se/\"\n[keys]\nalgorithms = [\"ES256\", \"HS256\"]\n",
    )
    .expect("write");
    std::fs::create_dir(dir.path().join("clients")).expect("dir");
    std::fs::write(
        dir.path().join("clients/bad.toml"),
        "client_id = \"bad\"\ndisplay_name = \"Bad\"\nclient_secret = \"s\"\nredirect_uris = [\"http://rp.example/cb\"]\nacr_values = [\"urn:nobody\"]\nscopes = [\"email\"]\n",
    )
    .expect("write");
    let errors = config::load(&dir.path().join("portvakt.toml")).expect_err("invalid");
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let expect = |file: &str, key: &str| {
        assert!(
            errors
                .iter()
                .any(|e| e.file.ends_with(file) && e.key == key),
            "no error for {file} {key} in {text:#?}"
        );
    };
    expect("portvakt.toml", "issuer");
    expect("portvakt.toml", "keys.algorithms");
    expect("bad.toml", "redirect_uris[0]");
    expect("bad.toml", "acr_values");
    expect("bad.toml", "scopes");
    // Credentials of the wrong kind are refused, not ignored; both url and url_file too.
    std::fs::write(
        dir.path().join("portvakt.toml"),
        "issuer = \"http://localhost:1\"\n[database]\nurl = \"postgres://u:hemligt@db/x\"\nurl_file = \"db-url\"\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("db-url"), "postgres://u:hemligt@db/x\n").expect("write");
    std::fs::write(
        dir.path().join("clients/bad.toml"),
        "client_id = \"bad\"\ndisplay_name = \"Bad\"\ntoken_endpoint_auth_method = \"private_key_jwt\"\nclient_secret = \"s\"\njwks = { keys = [] }\nredirect_uris = [\"https://rp.example/cb\"]\nacr_values = [\"urn:portvakt:acr:password\"]\n",
    )
    .expect("write");
    // A client for client_credentials only needs no redirect URI or acr.
    std::fs::write(
        dir.path().join("clients/machine.toml"),
        "client_id = \"machine\"\ndisplay_name = \"Batch job\"\nclient_secret = \"s\"\ngrant_types = [\"client_credentials\"]\n",
    )
    .expect("write");
    let errors = config::load(&dir.path().join("portvakt.toml")).expect_err("invalid");
    assert!(errors.iter().any(|e| e.key == "database.url"), "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.file.ends_with("bad.toml") && e.key == "client_secret"),
        "{errors:?}"
    );
    assert!(
        !errors.iter().any(|e| e.file.ends_with("machine.toml")),
        "{errors:?}"
    );
    assert!(
        !format!("{errors:?}").contains("hemligt"),
        "errors never show the URL's password"
    );
    std::fs::remove_file(dir.path().join("clients/bad.toml")).expect("rm");
    std::fs::write(
        dir.path().join("portvakt.toml"),
        "issuer = \"http://localhost:1\"\n[database]\nurl = \"postgres://u:hemligt@db/x\"\n",
    )
    .expect("write");
    let ok = config::load(&dir.path().join("portvakt.toml")).expect("valid");
    assert!(
        !format!("{ok:?}").contains("hemligt"),
        "Debug of the configuration hides the database password"
    );
    // An unknown key is refused with its name.
    std::fs::write(
        dir.path().join("portvakt.toml"),
        "issuer = \"http://localhost:1\"\ncolour = 1\n",
    )
    .expect("write");
    let errors = config::load(&dir.path().join("portvakt.toml")).expect_err("unknown key");
    assert!(
        errors.iter().any(|e| e.message.contains("colour")),
        "{errors:?}"
    );
}

/// S46: with Redis or PostgreSQL gone, pages answer 503 and the token endpoint
/// `temporarily_unavailable`; nothing half-done. The backends come back by themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_or_redis_down_fails_closed() {
    let redis_target = redis_url()
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .to_owned();
    let redis_proxy = Proxy::start(redis_target).await;
    let setup = Setup {
        redis_url: Some(format!("redis://127.0.0.1:{}", redis_proxy.port)),
        ..Setup::default()
    };
    let server = TestServer::start_with(Backend::Postgres, setup).await;
    server.add_user("anna", "Losenord-1").await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let flow = rp.start(&[], &[]);
    let browser = Browser::new();
    let page = browser.open_login(flow.url.as_str()).await;
    redis_proxy.cut();
    let r = browser
        .http
        .get(flow.url.as_str())
        .send()
        .await
        .expect("authorize");
    assert_eq!(r.status(), 503);
    assert!(
        r.text()
            .await
            .expect("html")
            .contains("tillfälligt otillgänglig")
    );
    let (status, _) = browser
        .submit(&page, &[("username", "anna"), ("password", "Losenord-1")])
        .await;
    assert_eq!(status, 503, "no code is issued without the store");
    let r = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth("rp", Some(SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(
        r.json::<Value>().await.expect("json")["error"],
        "temporarily_unavailable"
    );
    assert_eq!(
        reqwest::get(server.url("/readyz"))
            .await
            .expect("readyz")
            .status(),
        503
    );

    // PostgreSQL through a proxy that is then cut.
    let pg_target = postgres_url().rsplit('@').next().expect("host").to_owned();
    let pg_proxy = Proxy::start(pg_target.clone()).await;
    static PG_PORT: std::sync::OnceLock<u16> = std::sync::OnceLock::new();
    PG_PORT.set(pg_proxy.port).expect("once");
    let setup = Setup {
        database_url: Some(|url| {
            let port = PG_PORT.get().expect("port");
            url.replacen("127.0.0.1:5432", &format!("127.0.0.1:{port}"), 1)
        }),
        ..Setup::default()
    };
    let server = TestServer::start_with(Backend::Postgres, setup).await;
    let flow = rp_flow(&server).await;
    let browser = Browser::new();
    let page = browser.open_login(&flow).await;
    pg_proxy.cut();
    let (status, _) = browser
        .submit(&page, &[("username", "anna"), ("password", "Losenord-1")])
        .await;
    assert_eq!(status, 503, "a login needing the database fails closed");
    assert_eq!(
        reqwest::get(server.url("/readyz"))
            .await
            .expect("readyz")
            .status(),
        503
    );
}

async fn rp_flow(server: &TestServer) -> String {
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    rp.start(&[], &[]).url.to_string()
}

/// The production example in deploy/ passes check-config once its secrets exist, as an
/// operator following deploy/README.md would have them.
#[test]
fn the_production_example_passes_check_config() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().expect("dir");
    let secrets = dir.path().join("secrets");
    std::fs::create_dir(&secrets).expect("secrets");
    for (name, value) in [
        (
            "portvakt-database-url",
            "postgres://portvakt:pw@db.internal:5432/portvakt",
        ),
        ("portvakt-redis-url", "redis://redis.internal:6379/0"),
        ("portvakt-smtp-password", "smtp-password"),
        ("portvakt-46elks-password", "elks-password"),
    ] {
        std::fs::write(secrets.join(name), value).expect("secret");
    }
    let main = std::fs::read_to_string(repo.join("deploy/portvakt.production.toml"))
        .expect("the example")
        .replace("/run/secrets/", &format!("{}/", secrets.display()));
    let config = dir.path().join("portvakt.toml");
    std::fs::write(&config, main).expect("write");
    let clients = dir.path().join("clients");
    std::fs::create_dir(&clients).expect("clients");
    for entry in std::fs::read_dir(repo.join("deploy/clients")).expect("deploy/clients") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, clients.join(path.file_name().expect("name"))).expect("copy");
    }
    let (ok, out) = portvakt_tests::server::run_portvakt(
        &config,
        &[(
            "EXAMPLE_RP_CLIENT_SECRET",
            "0123456789abcdef0123456789abcdef",
        )],
        &["check-config"],
        None,
    );
    assert!(ok, "{out}");
    assert!(out.contains("configuration OK"), "{out}");
}
