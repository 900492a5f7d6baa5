//! Account import from CSV (`portvakt users import`, demo accounts).
//!
//! Columns (header row required, any order, all optional but one identifier):
//! `username, password, name, given_name, family_name, email, email_verified, phone,
//! phone_verified, personnummer, customer_number, org_number, pin, otp_codes`.
//! `pin` is the PIN of PIN + one-time code (4–8 digits, stored as argon2id);
//! `otp_codes` a code list, four-digit codes separated by spaces (stored hashed, S41).

use anyhow::{Context, bail};
use portvakt_core::account::Account;
use portvakt_core::config::PasswordIdentifier;
use portvakt_core::identity::{OrgNumber, Personnummer};
use portvakt_core::otp;
use portvakt_core::ports::{AccountRepo, CodeListRepo, StoreError};
use portvakt_core::secret::Secret;
use portvakt_core::time::UnixTime;
use portvakt_web::hashing::PasswordHasher;
use serde::Deserialize;
use std::path::Path;

/// One CSV row. No `Debug`: it holds a password.
#[derive(Deserialize)]
struct Row {
    username: Option<String>,
    password: Option<String>,
    name: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    email: Option<String>,
    email_verified: Option<String>,
    phone: Option<String>,
    phone_verified: Option<String>,
    personnummer: Option<String>,
    customer_number: Option<String>,
    org_number: Option<String>,
    pin: Option<String>,
    otp_codes: Option<String>,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Accounts created.
    pub created: usize,
    /// Rows skipped because an identifier was taken, with line numbers and the field.
    pub skipped: Vec<(usize, &'static str)>,
}

fn present(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The known columns; any other is an error (a misspelt column would be lost silently).
const COLUMNS: [&str; 14] = [
    "username",
    "password",
    "name",
    "given_name",
    "family_name",
    "email",
    "email_verified",
    "phone",
    "phone_verified",
    "personnummer",
    "customer_number",
    "org_number",
    "pin",
    "otp_codes",
];

fn flag(v: Option<String>, line: usize, column: &str) -> anyhow::Result<bool> {
    match present(v).map(|s| s.to_lowercase()).as_deref() {
        None | Some("false" | "0" | "no" | "nej") => Ok(false),
        Some("true" | "1" | "yes" | "ja") => Ok(true),
        Some(other) => bail!("line {line}: {column} must be true or false, not {other:?}"),
    }
}

/// Today's date in Sweden, for personnummer century resolution.
pub fn today() -> (u32, u32, u32) {
    portvakt_core::time::stockholm_ymd(UnixTime::now())
}

/// Builds an account from a row (without its password).
fn account_from(row: &mut Row, line: usize) -> anyhow::Result<Account> {
    let mut a = Account::new(UnixTime::now());
    a.username = present(row.username.take()).map(|u| PasswordIdentifier::Username.normalize(&u));
    a.customer_number = present(row.customer_number.take())
        .map(|c| PasswordIdentifier::CustomerNumber.normalize(&c));
    a.personnummer = present(row.personnummer.take())
        .map(|p| Personnummer::parse(&p, today()))
        .transpose()
        .map_err(|e| anyhow::anyhow!("line {line}: personnummer: {e}"))?;
    a.org_number = present(row.org_number.take())
        .map(|o| OrgNumber::parse(&o))
        .transpose()
        .map_err(|e| anyhow::anyhow!("line {line}: org_number: {e}"))?;
    if a.username.is_none()
        && a.customer_number.is_none()
        && a.personnummer.is_none()
        && a.org_number.is_none()
    {
        bail!("line {line}: needs username, customer_number, personnummer or org_number");
    }
    a.name = present(row.name.take());
    a.given_name = present(row.given_name.take());
    a.family_name = present(row.family_name.take());
    a.email = present(row.email.take());
    a.email_verified =
        flag(row.email_verified.take(), line, "email_verified")? && a.email.is_some();
    a.phone = present(row.phone.take())
        .map(|p| portvakt_core::phone::mobile_e164(&p))
        .transpose()
        .map_err(|e| anyhow::anyhow!("line {line}: phone: {e}"))?;
    a.phone_verified =
        flag(row.phone_verified.take(), line, "phone_verified")? && a.phone.is_some();
    Ok(a)
}

/// The secrets of a row, checked, not yet hashed. No `Debug`.
struct Secrets {
    password: Option<Secret>,
    pin: Option<Secret>,
    codes: Vec<String>,
}

fn secrets_from(row: &mut Row, line: usize) -> anyhow::Result<Secrets> {
    let pin = present(row.pin.take());
    if let Some(pin) = &pin
        && !otp::valid_pin(pin)
    {
        bail!("line {line}: pin must be 4 to 8 digits");
    }
    let codes: Vec<String> = present(row.otp_codes.take())
        .map(|c| c.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let mut seen = std::collections::BTreeSet::new();
    for code in &codes {
        if code.len() != otp::CODE_DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            bail!("line {line}: otp_codes must be four-digit codes separated by spaces");
        }
        if !seen.insert(code) {
            bail!("line {line}: otp_codes has a code twice");
        }
    }
    Ok(Secrets {
        password: present(row.password.take()).map(Secret::new),
        pin: pin.map(Secret::new),
        codes,
    })
}

/// Imports every row of `path`. Rows whose identifier is taken are skipped and
/// reported; any malformed row stops the import before anything is written.
pub async fn import(
    path: &Path,
    repo: &dyn AccountRepo,
    code_lists: &dyn CodeListRepo,
    hasher: &PasswordHasher,
) -> anyhow::Result<ImportReport> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    // Swedish spreadsheets save CSV with semicolons.
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains(';') && !first_line.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let unknown: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: header row", path.display()))?
        .iter()
        .filter(|h| !COLUMNS.contains(h))
        .map(str::to_owned)
        .collect();
    if !unknown.is_empty() {
        bail!(
            "{}: unknown column(s) {}; the columns are {}",
            path.display(),
            unknown.join(", "),
            COLUMNS.join(", ")
        );
    }
    let mut rows = Vec::new();
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        let line = i + 2;
        let mut row = row.with_context(|| format!("{}: line {line}", path.display()))?;
        let account = account_from(&mut row, line)?;
        let secrets = secrets_from(&mut row, line)?;
        if !secrets.codes.is_empty() && account.personnummer.is_none() {
            bail!("line {line}: otp_codes need a personnummer (PIN + one-time code)");
        }
        rows.push((line, account, secrets));
    }
    let mut report = ImportReport::default();
    for (line, mut account, secrets) in rows {
        if let Some(pw) = secrets.password {
            account.password_hash = Some(hasher.hash_password(pw.expose()).await?);
        }
        if let Some(pin) = secrets.pin {
            account.pin_hash = Some(hasher.hash(&pin).await?);
        }
        match repo.insert_account(&account).await {
            Ok(()) => {
                report.created += 1;
                if !secrets.codes.is_empty() {
                    let hashes: Vec<String> = secrets
                        .codes
                        .iter()
                        .map(|c| otp::list_code_hash(&account.id, c))
                        .collect();
                    code_lists
                        .replace_code_list(&account.id, &hashes, UnixTime::now())
                        .await?;
                }
            }
            Err(StoreError::Conflict(field)) => report.skipped.push((line, field)),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(report)
}
