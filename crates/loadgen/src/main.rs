//! `portvakt-load`: whole password logins against a running Portvakt, as a relying party
//! and a browser would do them (authorization request with PKCE → login page → form POST
//! → code → token), at a fixed concurrency for a fixed time. With `--pid` it also reads
//! the server's resident memory and CPU time from `/proc`, during the run and after an
//! idle period, so memory under login load is measured, not guessed
//! (docs/performance.md). It sends traffic only where `--issuer` points: run it against
//! a server on loopback.

mod flow;
mod proc_stats;

use clap::Parser;
use flow::{FlowConfig, Step};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Whole login flows against a running server.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The issuer, e.g. `http://localhost:8080`. Only loopback servers are for load.
    #[arg(long, default_value = "http://localhost:8080")]
    issuer: String,
    /// The client that starts each flow.
    #[arg(long, default_value = "dexter")]
    client_id: String,
    /// Its secret (client_secret_basic).
    #[arg(long, default_value = "dexter-dev-secret")]
    client_secret: String,
    /// A redirect URI registered for the client (never fetched).
    #[arg(long, default_value = "http://localhost:8080/demo/callback")]
    redirect_uri: String,
    /// Who signs in.
    #[arg(long, default_value = "anna")]
    username: String,
    /// With this password.
    #[arg(long, default_value = "Demo-losen1")]
    password: String,
    /// Flows in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// The server's process id: its resident memory and CPU time are reported.
    #[arg(long)]
    pid: Option<u32>,
    /// After the run, wait this long and read the server's memory again (seconds).
    #[arg(long, default_value_t = 10)]
    idle_after: u64,
    /// Give each worker its own client address in `X-Forwarded-For` (from the
    /// documentation range 198.51.100.0/24), as users on separate devices would have.
    /// The server must trust the generator's address as a proxy (`trusted_proxies`);
    /// otherwise every flow comes from one address and meets its per-address limits.
    #[arg(long)]
    forwarded_for: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let host = url::Url::parse(&args.issuer)?
        .host_str()
        .unwrap_or("")
        .to_owned();
    anyhow::ensure!(
        host == "localhost" || host.starts_with("127.") || host == "[::1]",
        "load goes to loopback servers only, not {host}"
    );
    let config = Arc::new(FlowConfig {
        issuer: args.issuer.clone(),
        client_id: args.client_id.clone(),
        client_secret: args.client_secret.clone(),
        redirect_uri: args.redirect_uri.clone(),
        username: args.username.clone(),
        password: args.password.clone(),
    });
    let before = args.pid.map(proc_stats::read).transpose()?;
    let sampler = args.pid.map(proc_stats::Sampler::start);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.duration);
    let mut workers = Vec::new();
    for i in 0..args.concurrency {
        let config = config.clone();
        let client_ip = args
            .forwarded_for
            .then(|| format!("198.51.100.{}", i % 254 + 1));
        workers.push(tokio::spawn(async move {
            let mut timings = flow::Timings::default();
            while Instant::now() < deadline {
                flow::run(&config, client_ip.as_deref(), &mut timings).await;
            }
            timings
        }));
    }
    let mut all = flow::Timings::default();
    for w in workers {
        all.merge(w.await?);
    }
    let elapsed = started.elapsed();
    let peak = sampler.map(proc_stats::Sampler::stop);
    let after_load = args.pid.map(proc_stats::read).transpose()?;
    println!(
        "flows: {} ok, {} failed in {:.1} s at concurrency {}: {:.1} flows/s",
        all.ok,
        all.failed,
        elapsed.as_secs_f64(),
        args.concurrency,
        all.ok as f64 / elapsed.as_secs_f64()
    );
    for step in Step::ALL {
        if let Some((p50, p99)) = all.percentiles(step) {
            println!(
                "  {:<10} p50 {:>7.1} ms  p99 {:>7.1} ms",
                step.name(),
                p50.as_secs_f64() * 1000.0,
                p99.as_secs_f64() * 1000.0
            );
        }
    }
    if let (Some(before), Some(after), Some(peak)) = (before, after_load, peak) {
        let cpu = after.cpu_secs - before.cpu_secs;
        println!(
            "server: resident {:.0} MB before, peak {:.0} MB during, {:.0} MB at the end",
            mb(before.rss_bytes),
            mb(peak),
            mb(after.rss_bytes)
        );
        println!(
            "server: {:.1} CPU s, {:.2} ms CPU per flow",
            cpu,
            if all.ok > 0 {
                cpu * 1000.0 / all.ok as f64
            } else {
                0.0
            }
        );
        if let Some(pid) = args.pid {
            tokio::time::sleep(Duration::from_secs(args.idle_after)).await;
            let idle = proc_stats::read(pid)?;
            println!(
                "server: resident {:.0} MB after {} s idle",
                mb(idle.rss_bytes),
                args.idle_after
            );
        }
    }
    if !all.errors.is_empty() {
        println!("first errors:");
        for e in all.errors.iter().take(5) {
            println!("  {e}");
        }
    }
    Ok(())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}
