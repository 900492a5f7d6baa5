//! Interop with a widely deployed relying party: Apache httpd with Debian's
//! mod_auth_openidc, as real processes against a real Portvakt server (hardening
//! issue, item 16). The module signs the user in (code flow with PKCE, `iss` checked,
//! userinfo fetched, ID tokens in RS256 or ES256), and with its access-token refresh
//! turned up, several parallel requests refresh with the same refresh token, as such
//! RPs do when a page loads several protected resources at once.
//!
//! Needs `/usr/sbin/apache2` and `mod_auth_openidc.so` (Debian's `apache2-bin` and
//! `libapache2-mod-auth-openidc`, which scripts/test installs); it fails, never skips,
//! without them.

use futures::future::join_all;
use portvakt_core::audit::AuditKind;
use portvakt_tests::server::{SECRET, Setup, TestServer};
use portvakt_tests::{Backend, free_port, on_both_backends};
use reqwest::header::LOCATION;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";

/// A running Apache with mod_auth_openidc protecting `/protected/`.
struct Apache {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Apache {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Apache {
    /// Starts Apache as the RP `client_id` of `issuer` on `port`, or on another free
    /// port when that one was taken meanwhile (a loopback redirect URI matches any port,
    /// RFC 8252 §7.3). `extra` is added to its configuration.
    async fn start(issuer: &str, client_id: &str, port: u16, extra: &str) -> Self {
        let mut port = port;
        for _ in 0..5 {
            if let Some(apache) = Self::try_start(issuer, client_id, port, extra).await {
                return apache;
            }
            port = free_port();
        }
        panic!("Apache could not listen on a free port five times");
    }

    async fn try_start(issuer: &str, client_id: &str, port: u16, extra: &str) -> Option<Self> {
        for needed in [
            PathBuf::from(APACHE),
            Path::new(MODULES).join("mod_auth_openidc.so"),
        ] {
            assert!(
                needed.exists(),
                "{} is missing: install Debian's apache2-bin and libapache2-mod-auth-openidc \
                 (scripts/test does)",
                needed.display()
            );
        }
        let dir = tempfile::tempdir().expect("dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("www/protected")).expect("www");
        std::fs::write(root.join("www/protected/page.html"), "hello-protected\n").expect("page");
        let conf = format!(
            r#"ServerRoot {root}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {root}/httpd.pid
ErrorLog {root}/error.log
LogLevel warn
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authn_core_module {MODULES}/mod_authn_core.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule authz_user_module {MODULES}/mod_authz_user.so
LoadModule auth_openidc_module {MODULES}/mod_auth_openidc.so
User nobody
Group nogroup
DocumentRoot {root}/www
OIDCProviderMetadataURL {issuer}/.well-known/openid-configuration
OIDCClientID {client_id}
OIDCClientSecret {SECRET}
OIDCRedirectURI http://127.0.0.1:{port}/protected/redirect_uri
OIDCCryptoPassphrase portvakt-interop-passphrase
OIDCScope "openid email"
OIDCPKCEMethod S256
{extra}
<Location /protected>
  AuthType openid-connect
  Require valid-user
</Location>
"#,
            root = root.display()
        );
        std::fs::write(root.join("httpd.conf"), conf).expect("conf");
        // Apache's workers run as nobody: they must read the files.
        let _ = Command::new("chmod")
            .args(["-R", "a+rX"])
            .arg(root)
            .status();
        let child = Command::new(APACHE)
            .arg("-f")
            .arg(root.join("httpd.conf"))
            .arg("-DFOREGROUND")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start apache2");
        let mut apache = Apache { child, port, dir };
        for _ in 0..100 {
            // Up only when Apache itself answers: a port taken meanwhile by another
            // test's listener also accepts, but then Apache has exited.
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if matches!(apache.child.try_wait(), Ok(None)) {
                    return Some(apache);
                }
                return None;
            }
            if !matches!(apache.child.try_wait(), Ok(None)) {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("Apache did not start: {}", apache.log());
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

/// A browser: cookies kept, redirects followed by hand, HTML accepted (the module
/// answers 401 instead of redirecting clients that do not accept HTML).
fn browser() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("accept", "text/html".parse().expect("accept"));
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn get(http: &reqwest::Client, url: &str) -> (u16, String, String) {
    let r = http.get(url).send().await.expect("get");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().expect("location").to_owned())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap_or_default())
}

/// Opens the protected page and signs in on Portvakt's page as anna; returns the page.
async fn sign_in(server: &TestServer, apache: &Apache, http: &reqwest::Client) -> String {
    let (status, authorize, _) = get(http, &apache.url("/protected/page.html")).await;
    assert_eq!(status, 302, "the module sends the browser to Portvakt");
    assert!(
        authorize.starts_with(&server.url("/authorize")),
        "{authorize}"
    );
    assert!(authorize.contains("code_challenge_method=S256"));
    let (status, login, _) = get(http, &authorize).await;
    assert_eq!(status, 303, "{login}");
    let login = server.url(&login);
    let (_, _, html) = get(http, &login).await;
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("csrf") + marker.len();
    let csrf = &html[start..start + html[start..].find('"').expect("end")];
    let r = http
        .post(&login)
        .header("origin", &server.issuer)
        .form(&[
            ("csrf", csrf),
            ("action", "submit"),
            ("username", "anna"),
            ("password", "Losenord-1"),
        ])
        .send()
        .await
        .expect("post");
    let callback = r.headers()[LOCATION].to_str().expect("location").to_owned();
    assert!(
        callback.starts_with(&apache.url("/protected/redirect_uri?code=")),
        "{callback}"
    );
    // The module redeems the code at /token, fetches userinfo, and goes back.
    let (status, back, body) = get(http, &callback).await;
    assert_eq!(
        status,
        302,
        "the module accepted the response: {body}\n{}",
        apache.log()
    );
    let (status, _, page) = get(http, &back).await;
    assert_eq!(status, 200, "{}", apache.log());
    page
}

fn client(name: &str, apache_port: u16, extra: &str) -> (String, String) {
    (
        format!("{name}.toml"),
        format!(
            "client_id = \"{name}\"\ndisplay_name = \"Apache\"\nclient_secret = \"{SECRET}\"\n\
             redirect_uris = [\"http://127.0.0.1:{apache_port}/protected/redirect_uri\"]\n\
             acr_values = [\"urn:portvakt:acr:password\"]\n{extra}"
        ),
    )
}

/// Login through mod_auth_openidc with RS256 and with ES256 ID tokens. With EdDSA out of
/// `keys.algorithms` the module's JOSE library meets no key it cannot parse (item 16b:
/// with an Ed25519 key in the JWKS it warned on every login).
async fn login_with_rs256_and_es256(backend: Backend) {
    let (rs_port, es_port) = (free_port(), free_port());
    let mut setup = Setup::default();
    setup = setup.set("keys.algorithms", vec!["RS256", "ES256"]);
    setup.clients.push(client("rs", rs_port, ""));
    setup.clients.push(client(
        "es",
        es_port,
        "id_token_signed_response_alg = \"ES256\"\n",
    ));
    let server = TestServer::start_with(backend, setup).await;
    server.add_user("anna", "Losenord-1").await;
    for (client_id, port) in [("rs", rs_port), ("es", es_port)] {
        let apache = Apache::start(&server.issuer, client_id, port, "").await;
        let page = sign_in(&server, &apache, &browser()).await;
        assert_eq!(page, "hello-protected\n", "{client_id}");
        let log = apache.log();
        assert!(!log.contains("JWK parsing failed"), "{client_id}: {log}");
        assert!(!log.contains(":error]"), "{client_id}: {log}");
    }
}

/// Item 16a with the real RP: the module refreshes its access token on every request
/// (the token lives 60 s and is refreshed when under 59 s remain) and ends the session
/// when a refresh fails. Five parallel requests then refresh with one refresh token.
/// Under `refresh_rotation = "grace"` all succeed and the session lives on; under the
/// default rotation the replays revoke the grant and the user is signed out.
async fn parallel_refreshes(backend: Backend) {
    let (grace_port, rotate_port) = (free_port(), free_port());
    let mut setup = Setup::default();
    let ttl = "access_token_ttl_secs = 60\n";
    setup.clients.push(client(
        "graceful",
        grace_port,
        &format!("{ttl}refresh_rotation = \"grace\"\nrefresh_reuse_grace_secs = 10\n"),
    ));
    setup.clients.push(client("strict", rotate_port, ttl));
    let server = TestServer::start_with(backend, setup).await;
    server.add_user("anna", "Losenord-1").await;
    let refresh_often = "OIDCRefreshAccessTokenBeforeExpiry 59 logout_on_error";
    for (client_id, port, survives) in [
        ("graceful", grace_port, true),
        ("strict", rotate_port, false),
    ] {
        let apache = Apache::start(&server.issuer, client_id, port, refresh_often).await;
        let http = browser();
        sign_in(&server, &apache, &http).await;
        // Let the access token fall under 59 s left, so the next requests refresh.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let page = apache.url("/protected/page.html");
        let burst = join_all((0..5).map(|_| get(&http, &page))).await;
        assert!(burst.iter().any(|(s, _, _)| *s == 200), "{burst:?}");
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let (status, _, _) = get(&http, &page).await;
        let refreshed = server.audit_count(AuditKind::TokensRefreshed).await;
        let reused = server.audit_count(AuditKind::RefreshTokenReused).await;
        if survives {
            assert_eq!(
                status,
                200,
                "{client_id}: the session lives on\n{}",
                apache.log()
            );
            assert!(
                refreshed >= 5,
                "the burst and the request after it refreshed: {refreshed}"
            );
            assert_eq!(reused, 0);
        } else {
            assert!(
                reused >= 1,
                "{client_id}: the parallel refreshes were replays"
            );
            assert_ne!(
                status, 200,
                "{client_id}: reuse detection revoked the grant and the module signed out"
            );
        }
    }
}

on_both_backends!(login_with_rs256_and_es256, parallel_refreshes);
