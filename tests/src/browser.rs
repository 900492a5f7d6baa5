//! A cookie-keeping HTTP client that walks the hosted login pages like a browser with
//! JavaScript off: follow the redirect to the login page, fill the form, post it.

use reqwest::header::{HeaderMap, LOCATION};
use reqwest::redirect::Policy;
use std::collections::HashMap;

/// A browser.
pub struct Browser {
    /// The underlying client (cookies on, redirects off).
    pub http: reqwest::Client,
    /// Its cookies (shared by every port of a host, as in a real browser).
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
}

/// A rendered login page.
#[derive(Debug, Clone)]
pub struct LoginPage {
    /// Its URL.
    pub url: String,
    /// Its HTML.
    pub html: String,
    /// Response headers.
    pub headers: HeaderMap,
}

impl LoginPage {
    /// The CSRF token in its form.
    pub fn csrf(&self) -> String {
        attr_after(&self.html, "name=\"csrf\" value=\"").expect("csrf field")
    }

    /// The value of an input, if prefilled.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let at = self.html.find(&format!("name=\"{name}\""))?;
        attr_after(&self.html[at..], "value=\"")
    }
}

fn attr_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].replace("&amp;", "&"))
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A fresh browser with an empty cookie jar.
    pub fn new() -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Browser {
            http: reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .redirect(Policy::none())
                .build()
                .expect("client"),
            jar,
        }
    }

    /// The value of cookie `name` the browser would send to `url`.
    pub fn cookie(&self, url: &str, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let header = self.jar.cookies(&url.parse().expect("url"))?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|c| c.strip_prefix(&format!("{name}=")).map(str::to_owned))
    }

    /// GETs an authorization URL and returns where it sends the browser (a 303).
    pub async fn authorize(&self, url: &str) -> String {
        let r = self.http.get(url).send().await.expect("authorize");
        assert_eq!(r.status(), 303, "authorize answers 303");
        r.headers()[LOCATION].to_str().expect("location").to_owned()
    }

    /// GETs the authorization URL and follows our redirect to the login page.
    pub async fn open_login(&self, authorize_url: &str) -> LoginPage {
        let r = self
            .http
            .get(authorize_url)
            .send()
            .await
            .expect("authorize");
        assert_eq!(
            r.status(),
            303,
            "authorize should send the browser to the login page"
        );
        let location = r.headers()[LOCATION].to_str().expect("location").to_owned();
        let base = url::Url::parse(authorize_url).expect("url");
        let url = base.join(&location).expect("join").to_string();
        self.page(&url).await
    }

    /// GETs a login page.
    pub async fn page(&self, url: &str) -> LoginPage {
        let r = self.http.get(url).send().await.expect("login page");
        assert_eq!(r.status(), 200, "login page status");
        let headers = r.headers().clone();
        LoginPage {
            url: url.to_owned(),
            html: r.text().await.expect("html"),
            headers,
        }
    }

    /// Posts the page's form with `fields`; returns the status and `Location`.
    pub async fn submit(&self, page: &LoginPage, fields: &[(&str, &str)]) -> (u16, String) {
        let mut form: HashMap<&str, String> =
            fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        form.entry("csrf").or_insert_with(|| page.csrf());
        form.entry("action").or_insert_with(|| "submit".into());
        let r = self
            .http
            .post(&page.url)
            .form(&form)
            .send()
            .await
            .expect("post");
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().expect("location").to_owned())
            .unwrap_or_default();
        (status, location)
    }

    /// Signs in with username + password from the authorization URL to the client's
    /// redirect URI; returns the callback URL with `code`, `state` and `iss`.
    pub async fn sign_in(&self, authorize_url: &str, username: &str, password: &str) -> url::Url {
        let page = self.open_login(authorize_url).await;
        let (status, location) = self
            .submit(&page, &[("username", username), ("password", password)])
            .await;
        assert_eq!(status, 303, "a credential POST answers 303");
        url::Url::parse(&location)
            .unwrap_or_else(|_| panic!("expected a redirect to the client, got {location}"))
    }
}

/// Where a step of a multi-step login led.
#[derive(Debug)]
pub enum Step {
    /// The next page of the login (or the same page with a message).
    Page(LoginPage),
    /// Out to the client: the callback URL with `code` (or `error`), `state` and `iss`.
    Client(url::Url),
}

impl Step {
    /// The page; panics with what happened instead.
    pub fn page(self) -> LoginPage {
        match self {
            Step::Page(p) => p,
            Step::Client(u) => panic!("expected another login page, got {u}"),
        }
    }

    /// The callback URL; panics with the page's text instead.
    pub fn client(self) -> url::Url {
        match self {
            Step::Client(u) => u,
            Step::Page(p) => panic!("expected the client, still on {}:\n{}", p.url, p.html),
        }
    }
}

impl Browser {
    /// Posts one step of a multi-step login (identify, choose, enter a code) or of a flow
    /// and follows the 303: to the next page (`/login/…`, `/flow/…`), or out to the
    /// client.
    pub async fn step(&self, page: &LoginPage, fields: &[(&str, &str)]) -> Step {
        let (status, location) = self.submit(page, fields).await;
        assert_eq!(status, 303, "a login POST answers 303 (PRG)");
        let base = url::Url::parse(&page.url).expect("page url");
        let next = base.join(&location).expect("location");
        let ours = next.path().starts_with("/login/") || next.path().starts_with("/flow/");
        if next.origin() == base.origin() && ours {
            Step::Page(self.page(next.as_str()).await)
        } else {
            Step::Client(next)
        }
    }
}

/// The development outbox of the server at `issuer`, newest first
/// (`/dev/outbox.json`).
pub async fn outbox(issuer: &str) -> Vec<serde_json::Value> {
    reqwest::get(format!("{issuer}/dev/outbox.json"))
        .await
        .expect("outbox")
        .json()
        .await
        .expect("outbox JSON")
}

/// The code in the newest SMS to `to` (E.164) in the development outbox: its first run
/// of four or more digits.
pub async fn latest_sms_code(issuer: &str, to: &str) -> String {
    let messages = outbox(issuer).await;
    let text = messages
        .iter()
        .find(|m| m["channel"] == "sms" && m["to"] == to)
        .and_then(|m| m["text"].as_str())
        .unwrap_or_else(|| panic!("no SMS to {to} in the outbox: {messages:?}"))
        .to_owned();
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() >= 4)
        .unwrap_or_else(|| panic!("no code in {text}"))
        .to_owned()
}

/// A query parameter of a URL.
pub fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The texts of the SMS to `to` (E.164) in the development outbox, newest first.
pub async fn sms_texts(issuer: &str, to: &str) -> Vec<String> {
    outbox(issuer)
        .await
        .iter()
        .filter(|m| m["channel"] == "sms" && m["to"] == to)
        .filter_map(|m| m["text"].as_str().map(str::to_owned))
        .collect()
}

/// Waits (up to 10 s) until the outbox holds at least `count` SMS to `to`, for
/// messages sent by a background task after the page answered; returns their texts,
/// newest first. Panics with what it saw when they do not come.
pub async fn wait_for_sms(issuer: &str, to: &str, count: usize) -> Vec<String> {
    for _ in 0..200 {
        let texts = sms_texts(issuer, to).await;
        if texts.len() >= count {
            return texts;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "expected {count} SMS to {to}, the outbox has {:?}",
        sms_texts(issuer, to).await
    );
}

/// The first run of four digits in an SMS text (the code of a login SMS).
pub fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 4)
        .unwrap_or_else(|| panic!("no four-digit code in {text}"))
        .to_owned()
}

impl Browser {
    /// A browser whose requests say they come from `address` (`X-Forwarded-For`), for a
    /// server that trusts 127.0.0.1 as its proxy (`trusted_proxies`).
    pub fn from_address(address: &str) -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            address.parse().expect("an address as a header value"),
        );
        Browser {
            http: reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .redirect(Policy::none())
                .default_headers(headers)
                .build()
                .expect("client"),
            jar,
        }
    }
}
