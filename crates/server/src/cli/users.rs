//! `portvakt users`: accounts, one at a time or from CSV.

use crate::sql_only;
use anyhow::bail;
use clap::Subcommand;
use portvakt::accounts_csv;
use portvakt_core::account::Account;
use portvakt_core::config::Config;
use portvakt_core::config::PasswordIdentifier;
use portvakt_core::identity::{OrgNumber, Personnummer};
use portvakt_core::ids::AccountId;
use portvakt_core::ports::{AccountRepo, AuditLog, CodeListRepo};
use portvakt_core::random::random_token;
use portvakt_core::time::UnixTime;
use portvakt_store::SqlStore;
use portvakt_web::hashing::PasswordHasher;
use std::path::PathBuf;

#[derive(Subcommand)]
pub(crate) enum UsersCommand {
    /// Add one account.
    Add(Box<AddUser>),
    /// Import accounts from CSV (see docs/configuration.md for the columns).
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// List accounts (identity numbers masked).
    List {
        /// How many.
        #[arg(long, default_value_t = 100)]
        limit: u64,
        /// Skip this many.
        #[arg(long, default_value_t = 0)]
        offset: u64,
    },
    /// Set (or reset) an account's password: from stdin, or generated and shown once.
    SetPassword {
        /// Id, username or customer number.
        who: String,
        /// Read the password from stdin (one line).
        #[arg(long, conflicts_with = "generate_password")]
        password_stdin: bool,
        /// Generate a password and print it once.
        #[arg(long)]
        generate_password: bool,
    },
    /// Set an account's PIN for PIN + one-time code: from stdin, or generated and shown
    /// once.
    SetPin {
        /// Id, username, customer number or personnummer.
        who: String,
        /// Read the PIN from stdin (one line, 4–8 digits).
        #[arg(long, conflicts_with = "generate_pin")]
        pin_stdin: bool,
        /// Generate a four-digit PIN and print it once.
        #[arg(long)]
        generate_pin: bool,
    },
    /// Set (or with "" remove) an account's mobile number, used for SMS codes. Any
    /// Swedish form (070-123 45 67) or +country…; stored as E.164.
    SetMobile {
        /// Id, username, customer number or personnummer.
        who: String,
        /// The number.
        number: String,
    },
    /// Lock an account: no login, and its sessions end at their next use.
    Lock {
        /// Id, username or customer number.
        who: String,
    },
    /// Unlock an account.
    Unlock {
        /// Id, username or customer number.
        who: String,
    },
    /// Show one account by id, username or customer number.
    Show {
        /// Id, username or customer number.
        who: String,
    },
}

/// A new account. Identity numbers are not taken as arguments (they would land in shell
/// history and `ps`); import them from a file with `users import`.
#[derive(clap::Args)]
pub(crate) struct AddUser {
    #[arg(long)]
    username: Option<String>,
    #[arg(long)]
    customer_number: Option<String>,
    #[arg(long)]
    org_number: Option<String>,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    given_name: Option<String>,
    #[arg(long)]
    family_name: Option<String>,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    /// Read the password from stdin (one line).
    #[arg(long, conflicts_with = "generate_password")]
    password_stdin: bool,
    /// Generate a password and print it once.
    #[arg(long)]
    generate_password: bool,
}

/// The minimum length of a password set from the command line.
const MIN_PASSWORD: usize = 8;

/// A password from stdin or generated; `None` when neither was asked for.
fn new_password(from_stdin: bool, generate: bool) -> anyhow::Result<Option<String>> {
    if generate {
        return Ok(Some(random_token(12)));
    }
    if !from_stdin {
        return Ok(None);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let pw = line.trim_end_matches(['\n', '\r']).to_owned();
    anyhow::ensure!(
        pw.chars().count() >= MIN_PASSWORD,
        "the password must have at least {MIN_PASSWORD} characters"
    );
    Ok(Some(pw))
}

/// A PIN anyone would try first: one digit repeated (1111), or consecutive digits up or
/// down (1234, 4321).
fn easy_pin(pin: &str) -> bool {
    let d: Vec<i16> = pin
        .bytes()
        .map(|b| i16::from(b) - i16::from(b'0'))
        .collect();
    let steps: Vec<i16> = d.windows(2).map(|w| w[1] - w[0]).collect();
    steps.iter().all(|s| *s == 0) || steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1)
}

/// An account by id, username, customer number or personnummer (any written form).
pub(crate) async fn find_account(sql: &SqlStore, who: &str) -> anyhow::Result<Account> {
    if let Some(a) = sql.find_account(&AccountId(who.to_owned())).await? {
        return Ok(a);
    }
    let as_pnr = portvakt_core::normalize::identity_number(who);
    if let Ok(pnr) = Personnummer::parse(&as_pnr, accounts_csv::today())
        && let Some(a) = sql.find_by_personnummer(&pnr).await?
    {
        return Ok(a);
    }
    if let Some(a) = sql
        .find_by_username(&PasswordIdentifier::Username.normalize(who))
        .await?
    {
        return Ok(a);
    }
    sql.find_by_customer_number(&PasswordIdentifier::CustomerNumber.normalize(who))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account {who}"))
}

fn masked(a: &Account) -> String {
    a.personnummer
        .as_ref()
        .map(|p| format!("{}-****", &p.as_str()[..8]))
        .unwrap_or_default()
}

pub(crate) async fn users(config: &Config, command: UsersCommand) -> anyhow::Result<()> {
    let sql = sql_only(config).await?;
    let hasher = PasswordHasher::new(&config.settings.login)?;
    match command {
        UsersCommand::Add(u) => {
            let mut a = Account::new(UnixTime::now());
            a.username = u
                .username
                .map(|x| PasswordIdentifier::Username.normalize(&x));
            a.customer_number = u
                .customer_number
                .map(|x| PasswordIdentifier::CustomerNumber.normalize(&x));
            a.org_number = u
                .org_number
                .map(|o| OrgNumber::parse(&o))
                .transpose()
                .map_err(|e| anyhow::anyhow!("org number: {e}"))?;
            if a.username.is_none()
                && a.customer_number.is_none()
                && a.personnummer.is_none()
                && a.org_number.is_none()
            {
                bail!(
                    "give at least one of --username, --customer-number, --org-number (personnummer: use `users import`, so the number stays out of shell history)"
                );
            }
            a.name = u.name;
            a.given_name = u.given_name;
            a.family_name = u.family_name;
            a.email = u.email;
            a.phone = u
                .phone
                .map(|p| portvakt_core::phone::mobile_e164(&p))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--phone: {e}"))?;
            let password = new_password(u.password_stdin, u.generate_password)?;
            if let Some(pw) = &password {
                a.password_hash = Some(hasher.hash_password(pw).await?);
            }
            sql.insert_account(&a).await?;
            println!("created account {}", a.id);
            match (password, u.generate_password) {
                (Some(pw), true) => println!("password (shown once): {pw}"),
                (None, _) => eprintln!(
                    "note: the account has no password and cannot sign in with one; set it with `portvakt users set-password {}`",
                    a.id
                ),
                _ => {}
            }
        }
        UsersCommand::Import { file } => {
            let report = accounts_csv::import(&file, &sql, &sql, &hasher).await?;
            println!("created {} account(s)", report.created);
            for (line, field) in report.skipped {
                println!("skipped line {line}: {field} already in use");
            }
        }
        UsersCommand::List { limit, offset } => {
            println!("id\tusername\tcustomer_number\tpersonnummer\tname\tlocked");
            for a in sql.list_accounts(limit, offset).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    a.id,
                    a.username.clone().unwrap_or_default(),
                    a.customer_number.clone().unwrap_or_default(),
                    masked(&a),
                    a.name.clone().unwrap_or_default(),
                    a.is_locked()
                );
            }
        }
        UsersCommand::SetPassword {
            who,
            password_stdin,
            generate_password,
        } => {
            let a = find_account(&sql, &who).await?;
            let Some(pw) = new_password(password_stdin, generate_password)? else {
                bail!("give --password-stdin or --generate-password");
            };
            let hash = hasher.hash_password(&pw).await?;
            sql.set_password(&a.id, &hash, UnixTime::now()).await?;
            println!(
                "password set for account {}; its sessions, grants and tokens are revoked",
                a.id
            );
            if generate_password {
                println!("password (shown once): {pw}");
            }
        }
        UsersCommand::SetPin {
            who,
            pin_stdin,
            generate_pin,
        } => {
            let a = find_account(&sql, &who).await?;
            if a.personnummer.is_none() {
                bail!(
                    "account {} has no personnummer, so it cannot sign in with PIN + one-time code",
                    a.id
                );
            }
            let pin = if generate_pin {
                loop {
                    let pin = portvakt_core::otp::new_code();
                    if !easy_pin(pin.expose()) {
                        break pin;
                    }
                }
            } else if pin_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                let pin = line.trim().to_owned();
                if !portvakt_core::otp::valid_pin(&pin) {
                    bail!("a PIN is 4 to 8 digits");
                }
                portvakt_core::secret::Secret::new(pin)
            } else {
                bail!("give --pin-stdin or --generate-pin");
            };
            let hash = hasher.hash(&pin).await?;
            sql.set_pin(&a.id, Some(&hash), UnixTime::now()).await?;
            sql.record(
                &portvakt_core::audit::AuditEvent::now(portvakt_core::audit::AuditKind::PinChanged)
                    .account(&a.id)
                    .detail(format!("by {}", super::operator())),
            )
            .await?;
            if easy_pin(pin.expose()) {
                eprintln!("warning: the PIN is easy to guess (repeated or consecutive digits)");
            }
            println!(
                "PIN set for {} ({})",
                a.name.as_deref().unwrap_or("account without a name"),
                a.id
            );
            if generate_pin {
                println!("PIN (shown once): {}", pin.expose());
            }
        }
        UsersCommand::SetMobile { who, number } => {
            let a = find_account(&sql, &who).await?;
            let phone = match number.trim() {
                "" => None,
                typed => Some(
                    portvakt_core::phone::mobile_e164(typed)
                        .map_err(|e| anyhow::anyhow!("{typed}: {e}"))?,
                ),
            };
            sql.set_phone(&a.id, phone.as_deref(), UnixTime::now())
                .await?;
            match phone {
                Some(p) => println!("mobile of account {} set to {p}", a.id),
                None => println!("mobile of account {} removed", a.id),
            }
        }
        UsersCommand::Lock { who } => {
            let a = find_account(&sql, &who).await?;
            let now = UnixTime::now();
            sql.set_locked(&a.id, Some(now), now).await?;
            println!("account {} locked", a.id);
        }
        UsersCommand::Unlock { who } => {
            let a = find_account(&sql, &who).await?;
            let now = UnixTime::now();
            sql.set_locked(&a.id, None, now).await?;
            sql.clear_failures(&a.id).await?;
            println!(
                "account {} unlocked; its login-failure counters start again",
                a.id
            );
        }
        UsersCommand::Show { who } => {
            let a = find_account(&sql, &who).await?;
            println!("id:              {}", a.id);
            println!(
                "username:        {}",
                a.username.clone().unwrap_or_default()
            );
            println!(
                "customer number: {}",
                a.customer_number.clone().unwrap_or_default()
            );
            println!("personnummer:    {}", masked(&a));
            println!(
                "org number:      {}",
                a.org_number.as_ref().map(|o| o.as_str()).unwrap_or("")
            );
            println!("name:            {}", a.name.clone().unwrap_or_default());
            println!(
                "e-mail:          {} (verified: {})",
                a.email.clone().unwrap_or_default(),
                a.email_verified
            );
            println!(
                "mobile:          {} (verified: {})",
                a.phone.clone().unwrap_or_default(),
                a.phone_verified
            );
            println!("password set:    {}", a.password_hash.is_some());
            println!("PIN set:         {}", a.pin_hash.is_some());
            println!("list codes left: {}", sql.list_codes_left(&a.id).await?);
            for line in pin_otp_state(config, &a).await? {
                println!("{line}");
            }
            println!(
                "locked:          {}",
                if a.is_locked() {
                    "by an administrator (users unlock)"
                } else {
                    "not by an administrator"
                }
            );
            println!("created:         {}", a.created_at.0);
        }
    }
    Ok(())
}

/// Each method's lockout by failures, and today's SMS block of PIN + one-time code, as
/// lines for `users show`. They live in the ephemeral store: readable from here with
/// Redis; the in-process store is in the server's memory, and the lines say so.
async fn pin_otp_state(config: &Config, a: &Account) -> anyhow::Result<Vec<String>> {
    use portvakt_core::config::MethodSettings;
    use portvakt_core::ephemeral::Ephemeral;
    use portvakt_core::lock::{DailyQuota, FailureLockout};
    use portvakt_core::time::SystemClock;
    let methods: Vec<(&String, &portvakt_core::config::PinOtpSettings)> = config
        .settings
        .methods
        .iter()
        .filter_map(|(id, m)| match m {
            MethodSettings::PinOtp(p) => Some((id, p)),
            _ => None,
        })
        .collect();
    let Some(store) = super::shared_ephemeral(config).await? else {
        return Ok(vec![
            "lockouts, SMS today: not visible here (the in-process store lives in the server; configure [redis])".into(),
        ]);
    };
    let store = Ephemeral::new(store);
    let mut lines = Vec::new();
    for (id, m) in &config.settings.methods {
        if let MethodSettings::Password { .. } = m {
            let lockout =
                FailureLockout::new(store.clone(), std::sync::Arc::new(SystemClock), 1, None);
            let state = match lockout.check(a, id).await? {
                Some(portvakt_core::lock::Block::MethodLockout { until: Some(t), .. }) => {
                    format!("by failures until {} (Unix time)", t.0)
                }
                Some(_) => "by failures, until unlocked".to_owned(),
                None => "no".to_owned(),
            };
            lines.push(format!("locked out ({id}): {state}"));
        }
    }
    let Some(pnr) = &a.personnummer else {
        return Ok(lines);
    };
    for (id, m) in methods {
        let clock = std::sync::Arc::new(SystemClock);
        let quota = DailyQuota::new(store.clone(), clock.clone(), "sms", m.sms_per_day);
        let who = portvakt_web::login::pin_otp::quota_subject(pnr);
        let sms = match quota.blocked(&who).await? {
            Some(_) => format!(
                "blocked until midnight ({} of {} used)",
                m.sms_per_day, m.sms_per_day
            ),
            None => "not blocked".to_owned(),
        };
        lines.push(format!("SMS today ({id}): {sms}"));
        let lockout = FailureLockout::new(store.clone(), clock, m.lockout_failures.max(1), None);
        let locked = lockout.check(a, id).await?.is_some();
        lines.push(format!("locked out ({id}): {locked}"));
    }
    Ok(lines)
}
