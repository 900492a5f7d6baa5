//! `portvakt bankid-simulator` and `portvakt bankid-check` (docs/bankid.md).

use anyhow::Context;

/// `portvakt bankid-simulator`: serves until stopped.
pub(crate) async fn bankid_simulator(
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
pub(crate) async fn bankid_check(
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
