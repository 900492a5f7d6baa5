//! `portvakt`: the OpenID Connect provider and its administration commands.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use portvakt::accounts_csv;
use portvakt::database_url;
use portvakt_core::account::Account;
use portvakt_core::config::{self, Config, PasswordIdentifier};
use portvakt_core::identity::OrgNumber;
use portvakt_core::ids::AccountId;
use portvakt_core::ports::{AccountRepo, AuditLog, KeyRepo};
use portvakt_core::random::random_token;
use portvakt_core::time::UnixTime;
use portvakt_store::SqlStore;
use portvakt_web::hashing::PasswordHasher;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Portvakt, an OpenID Connect provider for Swedish services.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The main configuration file.
    #[arg(
        long,
        global = true,
        env = "PORTVAKT_CONFIG",
        default_value = "config/portvakt.toml"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve (the default).
    Serve,
    /// Apply database migrations.
    Migrate,
    /// Validate the configuration and print every problem with its file and key.
    CheckConfig,
    /// Signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Accounts.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Print the `sha256:…` hash of a client secret read from stdin (for client_secret_hash).
    HashSecret,
    /// Run the BankID simulator (RP API v6 over mutual TLS, and a simulated BankID app)
    /// for development; see docs/bankid.md.
    BankidSimulator {
        /// Where the RP API listens (HTTPS, client certificate required).
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: std::net::SocketAddr,
        /// Where the simulated app's page listens (plain HTTP, for a browser).
        #[arg(long, default_value = "127.0.0.1:8444")]
        app_listen: std::net::SocketAddr,
        /// Where to write the generated CA (`ca.pem`) and an RP client identity
        /// (`client.pem`) for the RP to use. Made anew at every start.
        #[arg(long, default_value = "bankid-simulator")]
        pki_dir: PathBuf,
    },
    /// Check the connection to BankID (or the simulator) with a client certificate:
    /// mutual TLS, the pinned CA and the API, without starting an order.
    BankidCheck {
        /// The RP API base, e.g. https://appapi2.test.bankid.com/rp/v6.0/
        #[arg(long)]
        url: url::Url,
        /// The CA BankID's server must chain to (PEM).
        #[arg(long)]
        ca: PathBuf,
        /// The client certificate as PKCS#12 (.p12/.pfx); password from
        /// BANKID_CERT_PASSWORD.
        #[arg(long, conflicts_with = "pem")]
        p12: Option<PathBuf>,
        /// The client certificate and key as PEM.
        #[arg(long)]
        pem: Option<PathBuf>,
    },
    /// Outbound messages: prove the configured gateways work.
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// The newest audit events.
    Audit {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Publish a new key per algorithm now; it starts signing after keys.activation_delay_secs.
    Rotate,
    /// List published keys.
    List,
    /// Stop a key signing now; it leaves the JWKS when the tokens it signed have expired
    /// (or at once with --immediately, for a key that leaked: its tokens stop verifying).
    Retire {
        /// The key's `kid` (see `keys list`).
        kid: String,
        /// Remove it from the JWKS now instead of after the longest token lifetime.
        #[arg(long)]
        immediately: bool,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
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
struct AddUser {
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

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let json = std::env::var("PORTVAKT_LOG_FORMAT").is_ok_and(|v| v == "json");
    // Colour only on a terminal: log files and journald get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Loads and checks the configuration; every problem is printed with its file and key.
fn load_config(path: &Path) -> anyhow::Result<Config> {
    let mut problems: Vec<String> = Vec::new();
    let config = match config::load(path) {
        Ok(c) => Some(c),
        Err(errors) => {
            problems.extend(errors.iter().map(ToString::to_string));
            None
        }
    };
    if let Some(c) = &config {
        problems.extend(portvakt::check_client_keys(c));
    }
    for p in &problems {
        eprintln!("{p}");
    }
    match config {
        Some(c) if problems.is_empty() => Ok(c),
        _ => anyhow::bail!(
            "the configuration has {} problem(s); nothing was started",
            problems.len()
        ),
    }
}

/// The database for an admin command, prepared as `serve` would: migrated automatically
/// only in the development profile, checked for pending migrations in production.
async fn sql_only(config: &Config) -> anyhow::Result<SqlStore> {
    let sql = connect(config).await?;
    portvakt::prepare_database(config, &sql).await?;
    Ok(sql)
}

async fn connect(config: &Config) -> anyhow::Result<SqlStore> {
    let url = database_url(config)?;
    SqlStore::connect(&url, 2)
        .await
        .context("connecting to the database")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_logging();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::HashSecret = command {
        let mut secret = String::new();
        std::io::stdin().read_to_string(&mut secret)?;
        let secret = secret.trim_end_matches(['\n', '\r']);
        anyhow::ensure!(
            secret.len() >= 32,
            "use a client secret of at least 32 random characters"
        );
        println!("sha256:{}", portvakt_core::random::token_hash(secret));
        return Ok(());
    }
    if let Command::BankidSimulator {
        listen,
        app_listen,
        pki_dir,
    } = command
    {
        return bankid_simulator(listen, app_listen, &pki_dir).await;
    }
    if let Command::BankidCheck { url, ca, p12, pem } = command {
        return bankid_check(url, &ca, p12.as_deref(), pem.as_deref()).await;
    }
    let config = load_config(&cli.config)?;
    match command {
        Command::Serve => {
            let listener = tokio::net::TcpListener::bind(&config.settings.listen)
                .await
                .with_context(|| format!("binding {}", config.settings.listen))?;
            tracing::info!(
                issuer = %config.settings.issuer,
                listen = %config.settings.listen,
                profile = ?config.settings.profile,
                "Portvakt is starting"
            );
            portvakt::serve(Arc::new(config), listener).await
        }
        Command::Migrate => {
            let sql = connect(&config).await?;
            sql.migrate().await?;
            // Keys too: instances starting together then find them instead of each
            // generating its own.
            portvakt_web::keys::KeyCache::load(Arc::new(sql.clone()), &config.settings).await?;
            println!(
                "migrations applied; signing keys present for {}",
                config.settings.keys.algorithms.join(", ")
            );
            Ok(())
        }
        Command::CheckConfig => {
            // The gateways' settings as their clients read them (a URL lettre cannot use).
            portvakt::gateways::gateways(&config, Arc::new(portvakt_store::MemoryStore::new()))?;
            for warning in long_sms_warnings(&config) {
                println!("{warning}");
            }
            println!(
                "configuration OK: {} client(s), {} login method(s), acr values {}",
                config.clients.len(),
                config.settings.methods.len(),
                config.acr_values_supported().join(", ")
            );
            Ok(())
        }
        Command::Keys(k) => keys(&config, k).await,
        Command::Notify(n) => notify(&config, n).await,
        Command::Users(u) => users(&config, u).await,
        Command::Audit { limit } => {
            let sql = sql_only(&config).await?;
            for e in sql.recent(limit).await? {
                println!(
                    "{}\t{}\taccount={}\tclient={}\tip={}\t{}",
                    e.at.0,
                    e.kind.as_str(),
                    e.account_id.map(|a| a.0).unwrap_or_default(),
                    e.client_id.map(|c| c.0).unwrap_or_default(),
                    e.ip.unwrap_or_default(),
                    e.detail.unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::HashSecret | Command::BankidSimulator { .. } | Command::BankidCheck { .. } => {
            Ok(())
        }
    }
}

#[derive(Subcommand)]
enum NotifyCommand {
    /// Send a test message through the configured gateway and print what it answered.
    #[command(group(clap::ArgGroup::new("to").required(true).args(["email", "sms"])))]
    Test {
        /// An e-mail address, through `[notify.email]`.
        #[arg(long)]
        email: Option<String>,
        /// A mobile number (any Swedish form, or +country…), through `[notify.sms]`.
        #[arg(long)]
        sms: Option<String>,
        /// The message's language, `sv` or `en`.
        #[arg(long, default_value = "sv")]
        lang: String,
        /// Write it in this client's name, with its senders (`[branding]`).
        #[arg(long)]
        client: Option<String>,
    },
}

/// `portvakt notify test`: an operator's first check after configuring SMTP or an SMS
/// gateway. Sends straight through the gateway (no send limits) and prints what it
/// answered; with the development outbox, also the message itself, since the outbox of
/// a server in another process is not this one's.
async fn notify(config: &Config, command: NotifyCommand) -> anyhow::Result<()> {
    use portvakt_core::i18n::Lang;
    use portvakt_core::notify::{Brand, EmailMessage, SmsMessage, mask_email, render};
    use portvakt_core::phone::MobileNumber;
    let NotifyCommand::Test {
        email,
        sms,
        lang,
        client,
    } = command;
    let lang = match lang.as_str() {
        "sv" => Lang::Sv,
        "en" => Lang::En,
        other => bail!("--lang {other}: messages are written in sv or en"),
    };
    let brand = match &client {
        None => Brand::portvakt(),
        Some(id) => config
            .clients
            .iter()
            .find(|c| c.client_id.as_str() == id)
            .with_context(|| format!("no client {id} in the configuration"))?
            .brand(),
    };
    // With Redis, a message for the outbox lands in the running server's /dev/outbox.
    let store: Arc<dyn portvakt_core::ports::EphemeralStore> = match &config.settings.redis {
        Some(r) => Arc::new(
            portvakt_store::RedisStore::connect(
                r.url.as_deref().unwrap_or_default(),
                &r.key_prefix,
            )
            .await
            .context("connecting to Redis")?,
        ),
        None => Arc::new(portvakt_store::MemoryStore::new()),
    };
    let gateways = portvakt::gateways::gateways(config, store)?;
    let outbox = gateways.outbox.is_some();
    if let Some(address) = email {
        let sender = gateways
            .email
            .context("no [notify.email] in the configuration")?;
        let message = render::email(&address, &EmailMessage::Test, lang, &brand);
        let receipt = sender
            .send(&message)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!(
            "sent to {}; the gateway answered: {}",
            mask_email(&address),
            receipt.answer
        );
        if outbox {
            println!("\nSubject: {}\n\n{}", message.subject(), message.text());
            println!("{}", outbox_note(config));
        }
    }
    if let Some(typed) = sms {
        let sender = gateways
            .sms
            .context("no [notify.sms] in the configuration")?;
        let number = MobileNumber::parse(&typed).map_err(|e| anyhow::anyhow!("--sms: {e}"))?;
        let message = render::sms(number.clone(), &SmsMessage::Test, lang, &brand);
        let receipt = sender
            .send(&message)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let (encoding, length, parts) = portvakt_core::notify::sms_length(message.text());
        println!(
            "sent to {}; the gateway answered: {}\n{length} characters in {}, {parts} SMS part(s)",
            number.masked(),
            receipt.answer,
            if encoding == portvakt_core::notify::SmsEncoding::Gsm7 {
                "GSM-7"
            } else {
                "UCS-2 (a character outside the GSM alphabet)"
            }
        );
        if outbox {
            println!("\n{}", message.text());
            println!("{}", outbox_note(config));
        }
    }
    Ok(())
}

/// Where a test message kept in the development outbox can be seen.
fn outbox_note(config: &Config) -> &'static str {
    if config.settings.redis.is_some() {
        "\nIt is in the development outbox: a running server shows it at /dev/outbox."
    } else {
        "\nThe development outbox of a running server is in that server's memory, and this \
         command is another process: the message is shown above, not at /dev/outbox. \
         (With [redis] configured, it appears there too.)"
    }
}

/// Clients whose name makes a login-code or reset-code SMS longer than one segment,
/// for `check-config` to warn about (a message still goes, in several parts).
fn long_sms_warnings(config: &Config) -> Vec<String> {
    use portvakt_core::i18n::Lang;
    use portvakt_core::notify::{SmsEncoding, SmsMessage, render, sms_length};
    use portvakt_core::phone::MobileNumber;
    use portvakt_core::secret::Secret;
    let Ok(number) = MobileNumber::parse("+46701234567") else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    for client in &config.clients {
        for message in [
            SmsMessage::LoginCode {
                code: Secret::new("0000"),
                valid_minutes: 10,
            },
            SmsMessage::ResetCode {
                code: Secret::new("000000"),
                valid_minutes: 10,
            },
        ] {
            for lang in [Lang::Sv, Lang::En] {
                let sms = render::sms(number.clone(), &message, lang, &client.brand());
                let (encoding, length, parts) = sms_length(sms.text());
                if parts > 1 {
                    warnings.push(format!(
                        "warning: {}: display_name makes a {} SMS {length} characters{}, {parts} parts",
                        client.file.display(),
                        message.purpose().as_str(),
                        if encoding == SmsEncoding::Ucs2 {
                            " in UCS-2 (a character outside the GSM alphabet)"
                        } else {
                            ""
                        }
                    ));
                }
            }
        }
    }
    warnings.dedup();
    warnings
}

async fn keys(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    let sql = sql_only(config).await?;
    let now = UnixTime::now();
    match command {
        KeysCommand::List => {
            for k in sql.list_keys(now).await? {
                println!(
                    "{}\t{}\tactive_from={}\tretired_at={}\texpires_at={}",
                    k.kid,
                    k.alg,
                    k.active_from.0,
                    k.retired_at.map(|t| t.0.to_string()).unwrap_or("-".into()),
                    k.expires_at.map(|t| t.0.to_string()).unwrap_or("-".into()),
                );
            }
        }
        KeysCommand::Retire { kid, immediately } => {
            let keys = sql.list_keys(now).await?;
            let Some(key) = keys.iter().find(|k| k.kid == kid) else {
                bail!("no published key {kid} (see `portvakt keys list`)");
            };
            if key.retired_at.is_some_and(|r| r <= now) && !immediately {
                bail!(
                    "key {kid} already stopped signing; --immediately removes it from the JWKS now"
                );
            }
            // A configured algorithm must keep a signer: rotate first.
            let configured = config.settings.keys.algorithms.contains(&key.alg);
            let other_signer = keys.iter().any(|k| {
                k.kid != kid && k.alg == key.alg && k.retired_at.is_none() && k.active_from <= now
            });
            if configured && !other_signer {
                bail!(
                    "key {kid} is the only {} key that signs; run `portvakt keys rotate` and wait for the new key to activate, or take {} out of keys.algorithms",
                    key.alg,
                    key.alg
                );
            }
            let expires = if immediately {
                now
            } else {
                now.plus(config.settings.tokens.longest_signed_lifetime())
            };
            sql.retire_key(&kid, now, expires).await?;
            println!(
                "key {kid} no longer signs and leaves the JWKS at {} (instances pick it up within keys.reload_secs)",
                expires.0
            );
        }
        KeysCommand::Rotate => {
            let plan = portvakt::rotate_keys(config, &sql).await?;
            for k in &plan.new_keys {
                println!(
                    "published {} key {} (signs from {})",
                    k.alg, k.kid, k.active_from.0
                );
            }
            for (kid, retired, expires) in &plan.retire {
                println!(
                    "key {kid} signs until {} and is published until {}",
                    retired.0, expires.0
                );
            }
        }
    }
    Ok(())
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

/// An account by id, username or customer number.
async fn find_account(sql: &SqlStore, who: &str) -> anyhow::Result<Account> {
    if let Some(a) = sql.find_account(&AccountId(who.to_owned())).await? {
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

async fn users(config: &Config, command: UsersCommand) -> anyhow::Result<()> {
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
            let report = accounts_csv::import(&file, &sql, &hasher).await?;
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
            println!("locked:          {}", a.is_locked());
            println!("created:         {}", a.created_at.0);
        }
    }
    Ok(())
}

/// `portvakt bankid-simulator`: serves until stopped.
async fn bankid_simulator(
    listen: std::net::SocketAddr,
    app_listen: std::net::SocketAddr,
    pki_dir: &std::path::Path,
) -> anyhow::Result<()> {
    use portvakt_bankid_simulator::{Simulator, TestPki, app_api, server, spawn_on};
    // Both ports first: a second start must fail before it overwrites the files of a
    // simulator that is already running.
    let rp = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let app = tokio::net::TcpListener::bind(app_listen)
        .await
        .with_context(|| format!("binding {app_listen}"))?;
    let pki = TestPki::generate("Portvakt BankID Simulator CA")?;
    let client = pki.issue_client("Portvakt development RP")?;
    std::fs::create_dir_all(pki_dir).with_context(|| format!("creating {}", pki_dir.display()))?;
    std::fs::write(pki_dir.join("ca.pem"), pki.ca_pem())?;
    write_private(&pki_dir.join("client.pem"), client.pem.as_bytes())?;
    let sim = Simulator::default();
    let running = spawn_on(sim.clone(), rp, Some(&pki))
        .map_err(|e| anyhow::anyhow!("starting the simulator on {listen}: {e}"))?;
    println!("BankID simulator (not BankID; for development and tests)");
    println!("  RP API:        {}", running.rp_api_url());
    println!("  server CA:     {}", pki_dir.join("ca.pem").display());
    println!("  client cert:   {}", pki_dir.join("client.pem").display());
    println!("  simulated app: http://{app_listen}/sim (and its JSON API, no certificate needed)");
    println!("A new CA and client certificate are made at every start: restart the RP too.");
    server::serve(app, app_api::router(sim), None).await;
    Ok(())
}

/// Writes a file only its owner can read (it holds a private key).
fn write_private(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    // `mode` applies only when the file is created: tighten an older one too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    Ok(())
}

/// `portvakt bankid-check`.
async fn bankid_check(
    url: url::Url,
    ca: &std::path::Path,
    p12: Option<&std::path::Path>,
    pem: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use portvakt_bankid::tls::{ClientIdentity, ServerCa};
    let read =
        |p: &std::path::Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let identity = match (p12, pem) {
        (Some(p12), _) => {
            let password = std::env::var("BANKID_CERT_PASSWORD")
                .context("set BANKID_CERT_PASSWORD to the PKCS#12 password")?;
            ClientIdentity::from_pkcs12(&read(p12)?, &password)?
        }
        (None, Some(pem)) => ClientIdentity::from_pem(&read(pem)?)?,
        (None, None) => anyhow::bail!("give --p12 or --pem"),
    };
    let client = portvakt_bankid::Client::new(portvakt_bankid::ClientConfig {
        base_url: url.clone(),
        identity,
        server_ca: ServerCa::from_pem(&read(ca)?)?,
        timeout: std::time::Duration::from_secs(10),
    })?;
    if let Err(e) = client.check_connection().await {
        let text = e.to_string();
        let hint = if text.contains("UnknownIssuer") || text.contains("BadSignature") {
            "\nHint: the server's certificate does not chain to the --ca file (wrong or stale CA file)."
        } else if [
            "UnknownCA",
            "CertificateUnknown",
            "BadCertificate",
            "DecryptError",
            "CertificateRequired",
        ]
        .iter()
        .any(|alert| text.contains(alert))
        {
            "\nHint: the server refused the client certificate (issued by another CA, expired, or stale)."
        } else {
            ""
        };
        anyhow::bail!("checking {url}: {text}{hint}");
    }
    println!("OK: {url} accepted the client certificate and answered as the RP API v6");
    Ok(())
}
