//! The HTTP listener: accepts connections and serves the router on each, with the
//! slow-client defence that `axum::serve` does not offer. A connection must send a
//! whole header block within `http.header_read_timeout_secs` of opening, or of its
//! previous response (hyper's header-read timer), and the router answers 408 to a
//! request not done within `http.request_timeout_secs`. docs/configuration.md
//! (`[http]`) has the numbers.
//!
//! HTTP/1.1 only. Portvakt sits behind a TLS-terminating proxy or load balancer, and
//! browsers speak HTTP/2 only over TLS, so cleartext HTTP/2 (h2c) would serve no one
//! and would bring a second protocol without a header-read timer.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1::Builder;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use portvakt_core::config::HttpSettings;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;

/// How long open connections may take to finish after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting and
/// lets the requests in flight finish (at most [`DRAIN`]). Each request carries its peer
/// address as `ConnectInfo<SocketAddr>` (client-IP detection, S31).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: &HttpSettings,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(settings.header_read_timeout_secs));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(
            router
                .clone()
                .layer(axum::Extension(ConnectInfo::<SocketAddr>(peer))),
        );
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(tcp), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
    // Stop accepting at once: a load balancer then sees refused connections and moves
    // on, rather than connections that are never answered.
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the drain period; closing them");
    }
}
