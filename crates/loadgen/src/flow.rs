//! One whole login flow, step by step, timed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// What every flow uses.
pub struct FlowConfig {
    /// The issuer URL.
    pub issuer: String,
    /// The client.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// Its redirect URI.
    pub redirect_uri: String,
    /// Who signs in.
    pub username: String,
    /// Their password.
    pub password: String,
}

/// The timed steps of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `GET /authorize` → 303 to the login page.
    Authorize,
    /// `GET /login/{tx}`.
    LoginPage,
    /// `POST /login/{tx}` → 303 to the client with a code.
    Credentials,
    /// `POST /token` with the code.
    Token,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 4] = [
        Step::Authorize,
        Step::LoginPage,
        Step::Credentials,
        Step::Token,
    ];

    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Step::Authorize => "authorize",
            Step::LoginPage => "login page",
            Step::Credentials => "POST login",
            Step::Token => "token",
        }
    }
}

/// Latencies per step and the outcome counts.
#[derive(Default)]
pub struct Timings {
    samples: [Vec<Duration>; 4],
    /// Whole flows that ended with tokens.
    pub ok: u64,
    /// Flows that failed somewhere.
    pub failed: u64,
    /// What went wrong (the first few are printed).
    pub errors: Vec<String>,
}

impl Timings {
    /// Adds another worker's timings.
    pub fn merge(&mut self, other: Timings) {
        for (mine, theirs) in self.samples.iter_mut().zip(other.samples) {
            mine.extend(theirs);
        }
        self.ok += other.ok;
        self.failed += other.failed;
        self.errors.extend(other.errors);
    }

    /// p50 and p99 of a step.
    pub fn percentiles(&self, step: Step) -> Option<(Duration, Duration)> {
        let mut v = self.samples[step as usize].clone();
        if v.is_empty() {
            return None;
        }
        v.sort_unstable();
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        Some((at(0.5), at(0.99)))
    }

    fn time(&mut self, step: Step, since: Instant) {
        self.samples[step as usize].push(since.elapsed());
    }
}

fn random() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Runs one flow in a fresh browser (cookie jar), recording its steps. `client_ip`,
/// when given, is sent as `X-Forwarded-For` on the browser's requests.
pub async fn run(config: &FlowConfig, client_ip: Option<&str>, timings: &mut Timings) {
    match steps(config, client_ip, timings).await {
        Ok(()) => timings.ok += 1,
        Err(e) => {
            timings.failed += 1;
            if timings.errors.len() < 5 {
                timings.errors.push(e.to_string());
            }
        }
    }
}

async fn steps(
    c: &FlowConfig,
    client_ip: Option<&str>,
    timings: &mut Timings,
) -> anyhow::Result<()> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(ip) = client_ip {
        headers.insert("x-forwarded-for", ip.parse()?);
    }
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let verifier = random();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut url = url::Url::parse(&format!("{}/authorize", c.issuer))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &c.client_id)
        .append_pair("redirect_uri", &c.redirect_uri)
        .append_pair("scope", "openid")
        .append_pair("state", &random())
        .append_pair("nonce", &random())
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let t = Instant::now();
    let r = http.get(url).send().await?;
    let login = location(&r)?;
    timings.time(Step::Authorize, t);
    let login = format!("{}{login}", c.issuer);
    let t = Instant::now();
    let html = http.get(&login).send().await?.text().await?;
    timings.time(Step::LoginPage, t);
    let csrf = attribute_after(&html, "name=\"csrf\" value=\"")
        .ok_or_else(|| anyhow::anyhow!("no csrf field on the login page"))?;
    let t = Instant::now();
    let r = http
        .post(&login)
        .header("origin", &c.issuer)
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "submit"),
            ("username", &c.username),
            ("password", &c.password),
        ])
        .send()
        .await?;
    let location = location(&r)?;
    let callback = url::Url::parse(&location)
        .map_err(|_| anyhow::anyhow!("the login POST did not sign in (back to {location})"))?;
    timings.time(Step::Credentials, t);
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| anyhow::anyhow!("no code: {callback}"))?;
    let t = Instant::now();
    let r = http
        .post(format!("{}/token", c.issuer))
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", &c.redirect_uri),
            ("code_verifier", &verifier),
        ])
        .send()
        .await?;
    anyhow::ensure!(r.status() == 200, "token: {}", r.status());
    timings.time(Step::Token, t);
    Ok(())
}

fn location(r: &reqwest::Response) -> anyhow::Result<String> {
    anyhow::ensure!(r.status() == 303, "expected 303, got {}", r.status());
    Ok(r.headers()
        .get(reqwest::header::LOCATION)
        .ok_or_else(|| anyhow::anyhow!("303 without Location"))?
        .to_str()?
        .to_owned())
}

fn attribute_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].replace("&amp;", "&"))
}
