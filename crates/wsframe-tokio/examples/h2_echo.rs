//! An echo server for WebSockets over HTTP/2 (RFC 8441) behind TLS, for browsers.
//!
//! ```text
//! cargo run -p wsframe-tokio --features http2 --example h2_echo -- --listen 127.0.0.1:8443
//! ```
//!
//! A hyper server over TLS with a self-signed certificate made at start, speaking
//! HTTP/2 or HTTP/1.1 as ALPN chooses, with one service for both: `/` is a small
//! page, `/stats` says how many WebSockets arrived over HTTP/2 and how many over
//! HTTP/1.1, and every other path is a WebSocket echo (permessage-deflate accepted)
//! answered by `upgrade::answer`: the extended CONNECT over HTTP/2, the upgrade over
//! HTTP/1.1. Prints `listening on URL` once ready; ends on Ctrl-C or SIGTERM.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::rustls::{self, pki_types};
use tokio_rustls::TlsAcceptor;
use wsframe_tokio::upgrade::{answer, Answer};
use wsframe_tokio::{DeflateConfig, ServerOptions, WebSocketStream};

const PAGE: &str = "<!doctype html><meta charset=utf-8><title>wsframe h2 echo</title>\
<p>WebSockets over HTTP/2: open <code>new WebSocket(`wss://${location.host}/echo`)</code>.";

#[derive(Default)]
struct Stats {
    http2: AtomicUsize,
    http1: AtomicUsize,
}

async fn echo<S: AsyncRead + AsyncWrite + Unpin>(mut ws: WebSocketStream<S>) {
    while let Some(Ok(message)) = ws.next().await {
        if message.is_data() && ws.send(message).await.is_err() {
            break;
        }
    }
}

fn text(status: u16, kind: &'static str, body: String) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(kind),
    );
    response
}

// ring builds without more than a C compiler; its provider lacks post-quantum key
// exchange, which a local test server does not need.
#[allow(deprecated)]
fn tls_config() -> Result<rustls::ServerConfig, Box<dyn std::error::Error>> {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])?;
    let key = pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// One service for both versions: the page, `/stats`, and on any other path a
/// WebSocket answered by the core (the upgrade over HTTP/1.1, the extended CONNECT over
/// HTTP/2).
async fn route(
    mut request: hyper::Request<hyper::body::Incoming>,
    options: Arc<ServerOptions>,
    stats: Arc<Stats>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    match request.uri().path() {
        "/" | "/index.html" => {
            return Ok(text(200, "text/html; charset=utf-8", PAGE.into()));
        }
        "/stats" => {
            let body = format!(
                "{{\"http2\":{},\"http1\":{}}}",
                stats.http2.load(Ordering::SeqCst),
                stats.http1.load(Ordering::SeqCst)
            );
            return Ok(text(200, "application/json", body));
        }
        _ => {}
    }
    let http2 = request.version() == hyper::Version::HTTP_2;
    Ok(match answer(&request, &options) {
        Answer::Upgrade { response, upgrade } => {
            let upgraded = hyper::upgrade::on(&mut request);
            tokio::spawn(async move {
                let Ok(upgraded) = upgraded.await else { return };
                let counter = if http2 { &stats.http2 } else { &stats.http1 };
                counter.fetch_add(1, Ordering::SeqCst);
                echo(upgrade.into_stream(TokioIo::new(upgraded))).await;
            });
            response.map(|()| Full::new(Bytes::new()))
        }
        Answer::Refuse(response) => response.map(|body| Full::new(Bytes::from(body))),
    })
}

async fn serve<S>(io: S, http2: bool, options: Arc<ServerOptions>, stats: Arc<Stats>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service =
        hyper::service::service_fn(move |request| route(request, options.clone(), stats.clone()));
    if http2 {
        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .enable_connect_protocol()
            // A stream's window well below the connection's, so one stalled WebSocket
            // cannot hold the connection's window.
            .initial_stream_window_size(256 * 1024)
            .initial_connection_window_size(4 * 1024 * 1024)
            .serve_connection(TokioIo::new(io), service)
            .await;
    } else {
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades()
            .await;
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut listen = "127.0.0.1:8443".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next().ok_or("--listen needs an address")?,
            _ => return Err(format!("unknown argument {arg} (usage: --listen ADDR)").into()),
        }
    }
    let listener = TcpListener::bind(&listen).await?;
    let acceptor = TlsAcceptor::from(Arc::new(tls_config()?));
    let stats = Arc::new(Stats::default());
    // permessage-deflate accepted, as browsers offer it.
    let options = Arc::new(ServerOptions::default().permessage_deflate(DeflateConfig::default()));
    println!("listening on https://{}", listener.local_addr()?);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        let (tcp, _) = tokio::select! {
            accepted = listener.accept() => accepted?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = term.recv() => return Ok(()),
        };
        tcp.set_nodelay(true)?;
        let acceptor = acceptor.clone();
        let stats = stats.clone();
        let options = options.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let http2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            serve(tls, http2, options, stats).await;
        });
    }
}
