//! The main file, `portvakt.toml`.

use crate::acr::ACR_PASSWORD;
use crate::secret::Secret;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Development (embedded default, demo data) or production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Embedded default: SQLite, in-process store, demo data, plain http on localhost.
    #[default]
    Development,
    /// PostgreSQL and Redis, https issuer, no demo data.
    Production,
}

/// Text in both page languages.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    /// Swedish.
    pub sv: String,
    /// English.
    pub en: String,
}

impl Localized {
    /// The text for a language code (`sv` or `en`).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" { &self.en } else { &self.sv }
    }
}

/// `[database]`. `Debug` hides the URL: it may hold a password.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path?mode=rwc` or `postgres://…`; default: SQLite under `data_dir`.
    pub url: Option<String>,
    /// A file holding the URL (e.g. a mounted secret).
    pub url_file: Option<PathBuf>,
    /// Pool size.
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
}

fn default_max_connections() -> u32 {
    10
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &self.url.as_ref().map(|_| "[redacted]"))
            .field("url_file", &self.url_file)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: None,
            url_file: None,
            max_connections: default_max_connections(),
        }
    }
}

/// `[redis]`: present in production; absent means the in-process store. `Debug` hides
/// the URL: it may hold a password.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://host:6379/0` or `rediss://…`.
    pub url: Option<String>,
    /// A file holding the URL.
    pub url_file: Option<PathBuf>,
    /// Prefix for every key, so several deployments can share one Redis.
    #[serde(default = "default_key_prefix")]
    pub key_prefix: String,
}

impl std::fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &self.url.as_ref().map(|_| "[redacted]"))
            .field("url_file", &self.url_file)
            .field("key_prefix", &self.key_prefix)
            .finish()
    }
}

fn default_key_prefix() -> String {
    "portvakt:".into()
}

/// `[tokens]`: lifetimes in seconds; clients may shorten them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenSettings {
    /// Authorization code lifetime: 60 s by default (S7), at most 600.
    pub code_ttl_secs: u64,
    /// ID token lifetime (≤ 5 min in the Swedish profile).
    pub id_token_ttl_secs: u64,
    /// Access token lifetime.
    pub access_token_ttl_secs: u64,
    /// A refresh token unused this long dies.
    pub refresh_idle_ttl_secs: u64,
    /// No refresh token outlives its grant by more than this.
    pub refresh_absolute_ttl_secs: u64,
}

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings {
            code_ttl_secs: 60,
            id_token_ttl_secs: 300,
            access_token_ttl_secs: 300,
            refresh_idle_ttl_secs: 14 * 24 * 3600,
            refresh_absolute_ttl_secs: 90 * 24 * 3600,
        }
    }
}

impl TokenSettings {
    /// The longest any signed token lives, plus a minute for clock skew: how long a
    /// retired key stays in the JWKS. Clients may only shorten lifetimes, so the
    /// deployment's bound them all.
    pub fn longest_signed_lifetime(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.id_token_ttl_secs.max(self.access_token_ttl_secs) + 60)
    }
}

/// `[keys]`: signing keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeySettings {
    /// One active key per algorithm. RS256 must be there (OIDC Core §15.1).
    pub algorithms: Vec<String>,
    /// After `keys rotate`, a new key is published this long before it signs (S17),
    /// so relying parties that cache the JWKS see it first.
    pub activation_delay_secs: u64,
    /// How often each instance re-reads the keys.
    pub reload_secs: u64,
}

impl Default for KeySettings {
    fn default() -> Self {
        KeySettings {
            algorithms: vec!["RS256".into(), "ES256".into()],
            activation_delay_secs: 3600,
            reload_secs: 60,
        }
    }
}

/// `[login]`: the hosted pages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoginSettings {
    /// How long a started login may take.
    pub transaction_ttl_secs: u64,
    /// argon2id memory cost in KiB (OWASP: ≥ 19456).
    pub argon2_memory_kib: u32,
    /// argon2id iterations (OWASP: ≥ 2).
    pub argon2_iterations: u32,
    /// argon2id lanes.
    pub argon2_parallelism: u32,
    /// Password hashes computed at once per instance; more wait their turn.
    pub max_concurrent_hashes: usize,
    /// Failed attempts for one account (or unknown identifier) from one client IP within
    /// `failure_window_secs`, before that address is refused for that account (S29, S30).
    pub max_failures_per_account_and_ip: u64,
    /// Failed attempts from one client IP within `failure_window_secs`, over all
    /// accounts (S29, S31).
    pub max_failures_per_ip: u64,
    /// The window of the two counters above, in seconds.
    pub failure_window_secs: u64,
    /// Failed attempts for one account from anywhere within
    /// `account_failure_window_secs` before its attempts are slowed (not blocked).
    pub account_failures_before_delay: u64,
    /// The window of the account counter, in seconds.
    pub account_failure_window_secs: u64,
    /// The longest delay between two checked attempts for a slowed account, in seconds;
    /// the delay doubles from 1 s with each further failure.
    pub account_delay_max_secs: u64,
    /// A browser that signed in to an account is not slowed for it for this many days.
    pub remember_browser_days: u64,
}

impl Default for LoginSettings {
    fn default() -> Self {
        LoginSettings {
            transaction_ttl_secs: 1800,
            argon2_memory_kib: 19456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            max_concurrent_hashes: 4,
            max_failures_per_account_and_ip: 10,
            max_failures_per_ip: 100,
            failure_window_secs: 900,
            account_failures_before_delay: 50,
            account_failure_window_secs: 24 * 3600,
            account_delay_max_secs: 300,
            remember_browser_days: 90,
        }
    }
}

/// `[http]`: the listener's defence against slow clients.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    /// A connection must send a request's whole header block within this many seconds
    /// of starting it (or of the previous response, on a kept-alive connection);
    /// otherwise it is closed without an answer.
    pub header_read_timeout_secs: u64,
    /// A request (its body included) must be answered within this many seconds;
    /// otherwise it gets 408.
    pub request_timeout_secs: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            header_read_timeout_secs: 10,
            request_timeout_secs: 30,
        }
    }
}

/// `[sessions]`: single sign-on session timeouts (S28); clients may shorten them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionSettings {
    /// A session unused this long ends.
    pub idle_timeout_secs: u64,
    /// No session lasts longer than this.
    pub absolute_timeout_secs: u64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle_timeout_secs: 30 * 60,
            absolute_timeout_secs: 12 * 3600,
        }
    }
}

/// What a password method looks users up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PasswordIdentifier {
    /// The account's username (municipality staff).
    #[default]
    Username,
    /// The account's customer number (Mina sidor's "Kundnummer" tab).
    CustomerNumber,
}

impl PasswordIdentifier {
    /// The identifier as stored and looked up (S33, [`crate::normalize`]).
    pub fn normalize(self, typed: &str) -> String {
        match self {
            PasswordIdentifier::Username => crate::normalize::username(typed),
            PasswordIdentifier::CustomerNumber => crate::normalize::customer_number(typed),
        }
    }
}

/// `[methods.<id>]`: one login method, answering to its acr values.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum MethodSettings {
    /// Identifier + password, checked with argon2id.
    Password {
        /// The acr values it satisfies; the first is the one it names by default.
        acr_values: Vec<String>,
        /// What users type in the first field.
        #[serde(default)]
        identifier: PasswordIdentifier,
        /// The tab label on the login page.
        label: Option<Localized>,
        /// Strength: a session from this method satisfies requests for methods at this
        /// level or below; a request for a stronger one means a step-up.
        #[serde(default = "default_level")]
        level: u8,
        /// Consecutive failed passwords that lock the method for the account (S30);
        /// 0: no lockout (the `[login]` throttle still applies).
        #[serde(default = "default_password_lockout_failures")]
        lockout_failures: u64,
        /// How long the lockout lasts, in minutes; 0: until unlocked (`portvakt users
        /// unlock`, or the user's own reset).
        #[serde(default = "default_lockout_minutes")]
        lockout_minutes: u64,
        /// The rules for a new password (docs/password-reset.md).
        #[serde(default)]
        policy: crate::password_policy::PolicySettings,
        /// Self-service reset by SMS ("Har du problem att logga in?", seed 001);
        /// absent: no reset link.
        reset: Option<ResetSettings>,
        /// "Ny kund/Registrera E-post" (seed 002, customer numbers); absent: no link.
        registration: Option<RegistrationSettings>,
        /// "Skapa lösenord" by a mailed link (seed 002); absent: no link.
        create_password: Option<CreatePasswordSettings>,
    },
    /// PIN + one-time code (seed 000, docs/pin-otp.md): personnummer, then a code by
    /// SMS or from a code list, then the PIN and the code in one field.
    PinOtp(PinOtpSettings),
    /// Mobile BankID (seed 002, docs/bankid.md): an animated QR code or the app on the
    /// same device, through BankID's RP API v6.
    Bankid(BankIdSettings),
}

/// `[methods.<id>] kind = "bankid"` (docs/bankid.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankIdSettings {
    /// The acr values it satisfies; the first is the one it names by default.
    pub acr_values: Vec<String>,
    /// The tab label on the login page.
    pub label: Option<Localized>,
    /// Strength; BankID is the strongest method here: 3 by default.
    #[serde(default = "default_bankid_level")]
    pub level: u8,
    /// What a person BankID identified but who has no account meets.
    #[serde(default)]
    pub unknown_person: crate::person::UnknownPersonPolicy,
    /// Development only: run the BankID simulator inside this process, on loopback,
    /// and use it (the embedded default). Refused in production.
    #[serde(default)]
    pub simulator: bool,
    /// Where the simulated app's page listens (development, with `simulator`); port 0
    /// picks a free one.
    #[serde(default = "default_simulator_app_listen")]
    pub simulator_app_listen: String,
    /// The RP API: `https://appapi2.bankid.com/rp/v6.0/` (production) or
    /// `https://appapi2.test.bankid.com/rp/v6.0/` (test). Required without `simulator`.
    pub api_url: Option<String>,
    /// The CA BankID's server chains to (PEM), relative to this file.
    pub server_ca_file: Option<PathBuf>,
    /// The RP certificate and key as PKCS#12, relative to this file.
    pub rp_certificate_p12_file: Option<PathBuf>,
    /// The environment variable holding the PKCS#12 password.
    pub rp_certificate_password_env: Option<String>,
    /// The RP certificate and key as PEM (instead of PKCS#12).
    pub rp_certificate_pem_file: Option<PathBuf>,
    /// A short text shown in the app ("Logga in på Mina sidor"), as intent only.
    pub user_visible_text: Option<Localized>,
    /// Require the security code, not biometrics (`requirement.pinCode`); `amr` then
    /// says `pin`.
    #[serde(default)]
    pub require_pin: bool,
    /// Allowed certificate policies (`requirement.certificatePolicies`); empty: BankID's
    /// default.
    #[serde(default)]
    pub certificate_policies: Vec<String>,
    /// Timeout of each call to BankID, in seconds.
    #[serde(default = "default_bankid_timeout")]
    pub timeout_secs: u64,
}

fn default_bankid_level() -> u8 {
    3
}
fn default_simulator_app_listen() -> String {
    "127.0.0.1:8444".into()
}
fn default_bankid_timeout() -> u64 {
    10
}

fn default_level() -> u8 {
    1
}

/// `[methods.<id>] kind = "pin-otp"` (docs/pin-otp.md). Minutes and counts; every
/// number is checked by `check-config`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinOtpSettings {
    /// The acr values it satisfies; the first is the one it names by default.
    pub acr_values: Vec<String>,
    /// The tab label on the login page.
    pub label: Option<Localized>,
    /// Strength (see the password method); two factors: 2 by default.
    #[serde(default = "default_pin_otp_level")]
    pub level: u8,
    /// SMS codes a person may order per day in Sweden ("fem gånger/dag").
    #[serde(default = "default_sms_per_day")]
    pub sms_per_day: u64,
    /// What the day's block covers: ordering SMS codes only (default; list codes keep
    /// working, as the guide promises) or the whole method.
    #[serde(default)]
    pub sms_block: SmsBlock,
    /// SMS codes one browser may order per hour, whoever they are for.
    #[serde(default = "default_sms_per_browser")]
    pub sms_per_browser_per_hour: u64,
    /// SMS codes one client address (IPv6 by /64) may order per hour: a school's
    /// shared address must fit a class.
    #[serde(default = "default_sms_per_address")]
    pub sms_per_address_per_hour: u64,
    /// How long an SMS code is valid, in minutes.
    #[serde(default = "default_code_valid_minutes")]
    pub code_valid_minutes: u32,
    /// Wrong PIN + code tries before an SMS code is void.
    #[serde(default = "default_code_tries")]
    pub code_tries: u64,
    /// Failed tries within `failure_window_minutes` that lock the method for the
    /// account (S30); 0: no lockout (the `[login]` throttle still applies).
    #[serde(default = "default_lockout_failures")]
    pub lockout_failures: u64,
    /// The window failures are counted in, in minutes.
    #[serde(default = "default_failure_window")]
    pub failure_window_minutes: u64,
    /// How long the lockout lasts, in minutes; 0: until `portvakt users unlock`.
    #[serde(default = "default_lockout_minutes")]
    pub lockout_minutes: u64,
    /// After a login with a list code, warn when this many codes or fewer remain; 0:
    /// never.
    #[serde(default = "default_warn_codes_left")]
    pub warn_codes_left: u64,
}

/// What the day's SMS block covers (`sms_block`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SmsBlock {
    /// Ordering SMS codes only; codes from the list keep working.
    #[default]
    Sms,
    /// The whole method, list codes too, until the next day.
    Method,
}

fn default_password_lockout_failures() -> u64 {
    10
}

/// `[methods.<id>.reset]`: the password reset by SMS code (seed 001).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetSettings {
    /// How long the six-digit code is valid, in minutes.
    #[serde(default = "default_code_valid_minutes")]
    pub code_valid_minutes: u32,
    /// Wrong codes before the code is void.
    #[serde(default = "default_code_tries")]
    pub code_tries: u64,
    /// What a user without a registered mobile (and an unknown username) is told: who
    /// to call ("Kontakta Servicedesk på tel. 0142-36 6000").
    pub no_mobile_text: Localized,
    /// Where the reset may be used, by the client's address and `internal_networks`.
    #[serde(default)]
    pub allowed_from: ResetAllowedFrom,
    /// With `allowed_from = "inside_or_after_method"`: the method (its id) that must
    /// have signed the same person in, in this browser, before a reset from outside.
    pub outside_method: Option<String>,
    /// What a user outside is told when the reset is not allowed there (the other
    /// procedure); required unless `allowed_from = "anywhere"`.
    pub outside_text: Option<Localized>,
}

/// `[methods.<id>.registration]`: registering an e-mail address (docs/mina-sidor.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationSettings {
    /// What a customer with a confirmed address is told ("För att byta e-postadress
    /// ring kundservice").
    pub change_email_text: Localized,
    /// How long the confirmation link works, in hours.
    #[serde(default = "default_confirm_hours")]
    pub link_valid_hours: u32,
}

fn default_confirm_hours() -> u32 {
    24
}

/// `[methods.<id>.create_password]`: "Skapa lösenord" (docs/mina-sidor.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreatePasswordSettings {
    /// How long the mailed link works, in minutes.
    #[serde(default = "default_create_password_minutes")]
    pub link_valid_minutes: u32,
}

fn default_create_password_minutes() -> u32 {
    60
}

/// Where a password reset may be used (`allowed_from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ResetAllowedFrom {
    /// From any address.
    #[default]
    Anywhere,
    /// Only from `internal_networks`.
    Inside,
    /// From `internal_networks`, or from outside once `outside_method` has signed the
    /// same person in.
    InsideOrAfterMethod,
}

fn default_pin_otp_level() -> u8 {
    2
}
fn default_sms_per_day() -> u64 {
    5
}
fn default_sms_per_browser() -> u64 {
    10
}
fn default_sms_per_address() -> u64 {
    300
}
fn default_code_valid_minutes() -> u32 {
    10
}
fn default_code_tries() -> u64 {
    5
}
fn default_lockout_failures() -> u64 {
    10
}
fn default_failure_window() -> u64 {
    60
}
fn default_lockout_minutes() -> u64 {
    30
}
fn default_warn_codes_left() -> u64 {
    3
}

impl MethodSettings {
    /// The acr values the method satisfies.
    pub fn acr_values(&self) -> &[String] {
        match self {
            MethodSettings::Password { acr_values, .. } => acr_values,
            MethodSettings::PinOtp(p) => &p.acr_values,
            MethodSettings::Bankid(b) => &b.acr_values,
        }
    }

    /// The configured tab label, if any.
    pub fn label(&self) -> Option<&Localized> {
        match self {
            MethodSettings::Password { label, .. } => label.as_ref(),
            MethodSettings::PinOtp(p) => p.label.as_ref(),
            MethodSettings::Bankid(b) => b.label.as_ref(),
        }
    }

    /// The configured strength.
    pub fn level(&self) -> u8 {
        match self {
            MethodSettings::Password { level, .. } => *level,
            MethodSettings::PinOtp(p) => p.level,
            MethodSettings::Bankid(b) => b.level,
        }
    }
}

fn default_methods() -> BTreeMap<String, MethodSettings> {
    BTreeMap::from([(
        "password".to_owned(),
        MethodSettings::Password {
            acr_values: vec![ACR_PASSWORD.into()],
            identifier: PasswordIdentifier::Username,
            label: None,
            level: 1,
            lockout_failures: default_password_lockout_failures(),
            lockout_minutes: default_lockout_minutes(),
            policy: crate::password_policy::PolicySettings::default(),
            reset: None,
            registration: None,
            create_password: None,
        },
    )])
}

/// `[notify]`: outbound messages (docs/messages.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySettings {
    /// `[notify.email]`. The development profile defaults to the outbox; in production
    /// no e-mail is sent without it.
    pub email: Option<EmailSettings>,
    /// `[notify.sms]`. The development profile defaults to the outbox; in production no
    /// SMS is sent without it.
    pub sms: Option<SmsSettings>,
    /// `[notify.limits]`.
    #[serde(default)]
    pub limits: SendLimitSettings,
    /// How long the development outbox keeps a message, in seconds.
    #[serde(default = "default_outbox_ttl")]
    pub outbox_ttl_secs: u64,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            email: None,
            sms: None,
            limits: SendLimitSettings::default(),
            outbox_ttl_secs: default_outbox_ttl(),
        }
    }
}

fn default_outbox_ttl() -> u64 {
    3600
}

/// How e-mail leaves Portvakt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailTransport {
    /// An SMTP server (`smtp_url`).
    Smtp,
    /// The development outbox (`/dev/outbox`); development profile only.
    Outbox,
}

/// `[notify.email]`. `Debug` shows whether `smtp_url` is set, never the URL (it may
/// hold a password), as `DatabaseSettings` does.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    /// The transport.
    pub transport: EmailTransport,
    /// lettre's URL form: `smtp://host:25`, `smtp://host:587?tls=required` (STARTTLS),
    /// `smtps://user@host:465` (implicit TLS). May hold a password; better give it
    /// with `smtp_password_env` or `smtp_password_file`, or set the whole URL through
    /// `PORTVAKT_NOTIFY__EMAIL__SMTP_URL`.
    pub smtp_url: Option<String>,
    /// The SMTP password (for the user named in `smtp_url`), from the file.
    pub smtp_password: Option<Secret>,
    /// … or from this environment variable.
    pub smtp_password_env: Option<String>,
    /// … or from this file (relative to the main file).
    pub smtp_password_file: Option<PathBuf>,
    /// A PEM file of extra certificate authorities to trust for the SMTP server (an
    /// internal relay with its own CA), besides the system's roots.
    pub ca_file: Option<PathBuf>,
    /// The sender: `Name <address>` or an address. Required with `smtp`.
    pub from: Option<String>,
    /// Opening the TCP connection must finish within this many seconds.
    #[serde(default = "default_smtp_connect_timeout")]
    pub connect_timeout_secs: u64,
    /// The whole message, from connecting to the server's final reply, must finish
    /// within this many seconds.
    #[serde(default = "default_smtp_send_timeout")]
    pub send_timeout_secs: u64,
}

fn default_smtp_connect_timeout() -> u64 {
    5
}

fn default_smtp_send_timeout() -> u64 {
    15
}

impl std::fmt::Debug for EmailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSettings")
            .field("transport", &self.transport)
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "[redacted]"))
            .field("smtp_password", &self.smtp_password)
            .field("smtp_password_env", &self.smtp_password_env)
            .field("smtp_password_file", &self.smtp_password_file)
            .field("ca_file", &self.ca_file)
            .field("from", &self.from)
            .field("connect_timeout_secs", &self.connect_timeout_secs)
            .field("send_timeout_secs", &self.send_timeout_secs)
            .finish()
    }
}

impl EmailSettings {
    /// The outbox, as the development profile has it when `[notify.email]` is absent.
    pub fn outbox() -> Self {
        EmailSettings {
            transport: EmailTransport::Outbox,
            smtp_url: None,
            smtp_password: None,
            smtp_password_env: None,
            smtp_password_file: None,
            ca_file: None,
            from: None,
            connect_timeout_secs: default_smtp_connect_timeout(),
            send_timeout_secs: default_smtp_send_timeout(),
        }
    }
}

/// Which gateway sends SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SmsProvider {
    /// 46elks' REST API (`api_url`, `username`, `password`).
    #[serde(rename = "46elks")]
    FortySixElks,
    /// A generic HTTP webhook (`url`, `method`, `headers`, `body`).
    #[serde(rename = "http")]
    Http,
    /// The development outbox (`/dev/outbox`); development profile only.
    #[serde(rename = "outbox")]
    Outbox,
}

/// `[notify.sms]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsSettings {
    /// The gateway.
    pub provider: SmsProvider,
    /// The sender: up to 11 letters and digits starting with a letter (`Portvakt`), or
    /// an E.164 number. Required by 46elks.
    pub from: Option<String>,
    /// The gateway must answer within this many seconds.
    #[serde(default = "default_sms_timeout")]
    pub timeout_secs: u64,
    /// 46elks: the API's base URL.
    #[serde(default = "default_elks_url")]
    pub api_url: String,
    /// 46elks: the API username.
    pub username: Option<String>,
    /// 46elks: the API password, from the file …
    pub password: Option<Secret>,
    /// … or from this environment variable …
    pub password_env: Option<String>,
    /// … or from this file (relative to the main file).
    pub password_file: Option<PathBuf>,
    /// http: the URL to call.
    pub url: Option<String>,
    /// http: `POST` or `PUT`.
    #[serde(default = "default_http_method")]
    pub method: String,
    /// http: headers to send, as written.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// http: headers whose values are secrets, each named by the environment variable
    /// that holds it (`{ Authorization = "SMS_GATEWAY_AUTHORIZATION" }`).
    #[serde(default)]
    pub headers_env: BTreeMap<String, String>,
    /// `headers_env` read from the environment at load.
    #[serde(skip)]
    pub secret_headers: Vec<(String, Secret)>,
    /// http: the body's media type: `application/json` (values are JSON-escaped) or
    /// `application/x-www-form-urlencoded` (values are percent-encoded).
    #[serde(default = "default_http_content_type")]
    pub content_type: String,
    /// http: the body, with `{to}` (E.164), `{message}` and `{from}` in it.
    pub body: Option<String>,
    /// http: the status codes that mean the gateway took the message.
    #[serde(default = "default_success_status")]
    pub success_status: Vec<u16>,
}

fn default_sms_timeout() -> u64 {
    10
}

fn default_elks_url() -> String {
    "https://api.46elks.com/a1".into()
}

fn default_http_method() -> String {
    "POST".into()
}

fn default_http_content_type() -> String {
    "application/json".into()
}

fn default_success_status() -> Vec<u16> {
    vec![200, 201, 202, 204]
}

impl SmsSettings {
    /// The outbox, as the development profile has it when `[notify.sms]` is absent.
    pub fn outbox() -> Self {
        SmsSettings {
            provider: SmsProvider::Outbox,
            from: None,
            timeout_secs: default_sms_timeout(),
            api_url: default_elks_url(),
            username: None,
            password: None,
            password_env: None,
            password_file: None,
            url: None,
            method: default_http_method(),
            headers: BTreeMap::new(),
            headers_env: BTreeMap::new(),
            secret_headers: Vec::new(),
            content_type: default_http_content_type(),
            body: None,
            success_status: default_success_status(),
        }
    }
}

/// `[notify.limits]`: the send limits (S43), counted in one fixed window.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendLimitSettings {
    /// Messages per account in a window.
    #[serde(default = "default_per_account")]
    pub per_account: u64,
    /// Messages per destination (number or address) in a window.
    #[serde(default = "default_per_destination")]
    pub per_destination: u64,
    /// Messages asked for from one client address (IPv6 by /64) in a window.
    #[serde(default = "default_per_address")]
    pub per_address: u64,
    /// The window, in seconds.
    #[serde(default = "default_send_window")]
    pub window_secs: u64,
}

fn default_per_account() -> u64 {
    10
}

fn default_per_destination() -> u64 {
    10
}

fn default_per_address() -> u64 {
    // A school or an office is one address behind NAT: room for its busiest hour.
    200
}

fn default_send_window() -> u64 {
    3600
}

impl Default for SendLimitSettings {
    fn default() -> Self {
        SendLimitSettings {
            per_account: default_per_account(),
            per_destination: default_per_destination(),
            per_address: default_per_address(),
            window_secs: default_send_window(),
        }
    }
}

impl SendLimitSettings {
    /// As the messenger takes them.
    pub fn limits(&self) -> crate::notify::SendLimits {
        crate::notify::SendLimits {
            per_account: self.per_account,
            per_destination: self.per_destination,
            per_address: self.per_address,
            window: std::time::Duration::from_secs(self.window_secs),
        }
    }
}

/// `[demo]`: development-profile conveniences.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DemoSettings {
    /// CSV of demo accounts imported on start when the database has no accounts.
    pub accounts_file: Option<PathBuf>,
    /// Serve the built-in demo relying party at `/demo`.
    #[serde(default)]
    pub relying_party: bool,
}

/// `portvakt.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The issuer identifier (OIDC Discovery §2), e.g. `https://login.example.se`.
    pub issuer: String,
    /// Development or production.
    #[serde(default)]
    pub profile: Profile,
    /// Address to listen on.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Where the embedded default keeps its SQLite file.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Folder of client files, relative to the main file.
    #[serde(default = "default_clients_dir")]
    pub clients_dir: PathBuf,
    /// `[database]`.
    #[serde(default)]
    pub database: DatabaseSettings,
    /// `[redis]`.
    pub redis: Option<RedisSettings>,
    /// `[tokens]`.
    #[serde(default)]
    pub tokens: TokenSettings,
    /// `[keys]`.
    #[serde(default)]
    pub keys: KeySettings,
    /// `[login]`.
    #[serde(default)]
    pub login: LoginSettings,
    /// `[sessions]`.
    #[serde(default)]
    pub sessions: SessionSettings,
    /// `[http]`.
    #[serde(default)]
    pub http: HttpSettings,
    /// `[methods.<id>]`.
    #[serde(default = "default_methods")]
    pub methods: BTreeMap<String, MethodSettings>,
    /// `[notify]`.
    #[serde(default)]
    pub notify: NotifySettings,
    /// `[demo]`.
    #[serde(default)]
    pub demo: DemoSettings,
    /// Reverse proxies whose `X-Forwarded-For` is believed (S31): addresses or CIDR
    /// networks.
    #[serde(default)]
    pub trusted_proxies: Vec<crate::address::Network>,
    /// The organisation's own networks (CIDR), for rules that differ inside and outside
    /// them (the password reset's `where`, docs/password-reset.md).
    #[serde(default)]
    pub internal_networks: Vec<crate::address::Network>,
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}

fn default_clients_dir() -> PathBuf {
    PathBuf::from("clients")
}

impl Settings {
    /// True when the issuer is plain http (development on localhost only).
    pub fn is_plain_http(&self) -> bool {
        self.issuer.starts_with("http://")
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn an_smtp_url_with_a_password_is_not_printed() {
        let mut email = EmailSettings::outbox();
        email.smtp_url = Some("smtps://login:hemligt@mail.example.se".into());
        let printed = format!("{email:?}");
        assert!(!printed.contains("hemligt"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
    }
}
