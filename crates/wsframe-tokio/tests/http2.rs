//! WebSockets over HTTP/2 (RFC 8441): our client against our hyper server over TLS
//! with ALPN, many WebSockets on one connection, flow control per stream, the
//! fallback to HTTP/1.1, and bad requests.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_rustls::rustls::{self, pki_types};
use tokio_rustls::{TlsAcceptor, TlsConnector};
use wsframe::CloseCode;
use wsframe_tokio::http2::{self, Http2Client};
use wsframe_tokio::upgrade::{answer, Answer};
use wsframe_tokio::{ClientOptions, DeflateConfig, Error, Message, ServerOptions};

const LIMIT: Duration = Duration::from_secs(20);

struct Tls {
    server: Arc<rustls::ServerConfig>,
    client: Arc<rustls::ClientConfig>,
}

// ring builds without a C toolchain beyond cc; its provider lacks post-quantum key
// exchange, which a loopback test does not need.
#[allow(deprecated)]
fn tls(server_alpn: &[&[u8]]) -> Tls {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let der = cert.cert.der().clone();
    let key = pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let mut server = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der.clone()], key)
        .unwrap();
    server.alpn_protocols = server_alpn.iter().map(|p| p.to_vec()).collect();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der).unwrap();
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Tls {
        server: Arc::new(server),
        client: Arc::new(client),
    }
}

/// What the server saw of each WebSocket.
#[derive(Debug)]
struct Seen {
    path: String,
    http2: bool,
    /// How the server's read loop ended: `None` after a clean close.
    error: Option<String>,
}

struct Server {
    addr: std::net::SocketAddr,
    seen: mpsc::UnboundedReceiver<Seen>,
    connections: Arc<AtomicUsize>,
}

/// Echoes every data message; reports how the WebSocket ended.
async fn echo<S>(
    mut ws: wsframe_tokio::WebSocketStream<S>,
    path: String,
    http2: bool,
    seen: mpsc::UnboundedSender<Seen>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut error = None;
    while let Some(message) = ws.next().await {
        match message {
            Ok(message) if message.is_data() => {
                if let Err(e) = ws.send(message).await {
                    error = Some(e.to_string());
                    break;
                }
            }
            Ok(_) => {}
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
    }
    let _ = seen.send(Seen { path, http2, error });
}

/// Answers `request` with the core through `upgrade::answer` (either HTTP version) and
/// runs `serve` on the WebSocket once hyper hands the stream over.
fn respond<B, F, Fut>(
    request: &mut http::Request<B>,
    options: &ServerOptions,
    serve: F,
) -> http::Response<Full<Bytes>>
where
    F: FnOnce(wsframe_tokio::WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>) -> Fut
        + Send
        + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    match answer(request, options) {
        Answer::Upgrade { response, upgrade } => {
            let upgraded = hyper::upgrade::on(request);
            tokio::spawn(async move {
                if let Ok(upgraded) = upgraded.await {
                    serve(upgrade.into_stream(TokioIo::new(upgraded))).await;
                }
            });
            response.map(|()| Full::new(Bytes::new()))
        }
        Answer::Refuse(response) => response.map(|body| Full::new(Bytes::from(body))),
    }
}

/// A TLS server: HTTP/2 through hyper (with extended CONNECT when `connect_protocol`)
/// when ALPN picks `h2`, the HTTP/1.1 upgrade otherwise.
async fn server(tls: &Tls, connect_protocol: bool) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TlsAcceptor::from(tls.server.clone());
    let (report, seen) = mpsc::unbounded_channel();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            let report = report.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                if tls.get_ref().1.alpn_protocol() != Some(b"h2") {
                    if let Ok(ws) = wsframe_tokio::accept(tls).await {
                        echo(ws, "/".into(), false, report).await;
                    }
                    return;
                }
                let options = Arc::new(
                    ServerOptions::default()
                        .protocols(&["chat"])
                        .permessage_deflate(DeflateConfig::default()),
                );
                let service = hyper::service::service_fn(move |mut request| {
                    let report = report.clone();
                    let options = options.clone();
                    async move {
                        let path = request.uri().path().to_owned();
                        Ok::<_, Infallible>(respond(&mut request, &options, move |ws| {
                            echo(ws, path, true, report)
                        }))
                    }
                });
                let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
                // A stream's window well below the connection's: a stalled stream
                // cannot use up the connection window.
                builder
                    .initial_stream_window_size(256 * 1024)
                    .initial_connection_window_size(4 * 1024 * 1024);
                if connect_protocol {
                    builder.enable_connect_protocol();
                }
                let _ = builder.serve_connection(TokioIo::new(tls), service).await;
            });
        }
    });
    Server {
        addr,
        seen,
        connections,
    }
}

/// A TLS connection to `server` offering `alpn`; whether `h2` was chosen.
async fn dial(
    tls: &Tls,
    addr: std::net::SocketAddr,
    alpn: &[&[u8]],
) -> std::io::Result<(tokio_rustls::client::TlsStream<TcpStream>, bool)> {
    let mut config = (*tls.client).clone();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let tcp = TcpStream::connect(addr).await?;
    let name = pki_types::ServerName::try_from("localhost").unwrap();
    let stream = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await?;
    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
    Ok((stream, h2))
}

async fn h2_client(tls: &Tls, addr: std::net::SocketAddr) -> Option<Http2Client> {
    let (io, h2) = dial(tls, addr, &[b"h2"]).await.unwrap();
    assert!(h2, "the server chose h2");
    Http2Client::handshake(io, true, &format!("localhost:{}", addr.port()))
        .await
        .unwrap()
}

fn payload(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + seed) as u8).collect()
}

/// Echoes text and binary of several sizes on `ws`, then closes with `code`.
async fn exchange<S>(ws: &mut wsframe_tokio::WebSocketStream<S>, seed: usize, code: u16)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    for len in [0, 1, 125, 126, 65_535, 65_536, 300_000] {
        let text = "é".repeat(len / 2) + &"x".repeat(len % 2);
        ws.send(Message::text(text.clone())).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::text(text));
        let data = Bytes::from(payload(len, seed));
        ws.send(Message::binary(data.clone())).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::binary(data));
    }
    ws.send(Message::close(CloseCode(code), "done"))
        .await
        .unwrap();
    match ws.next().await {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode(code)),
        other => panic!("expected the close echo, got {other:?}"),
    }
    assert!(ws.next().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_websockets_on_one_connection() {
    let tls = tls(&[b"h2"]);
    let mut server = server(&tls, true).await;
    let client = h2_client(&tls, server.addr)
        .await
        .expect("extended CONNECT");
    const STREAMS: usize = 16;
    let mut tasks = Vec::new();
    for i in 0..STREAMS {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            // Every other WebSocket negotiates permessage-deflate, as over HTTP/1.1.
            let deflate = i % 2 == 0;
            let options = ClientOptions {
                protocols: vec!["chat".into()],
                permessage_deflate: deflate.then(DeflateConfig::default),
                ..ClientOptions::default()
            };
            let mut ws = client.open(&format!("/ws/{i}"), &options).await.unwrap();
            assert_eq!(ws.protocol(), Some("chat"));
            assert_eq!(
                ws.extensions()
                    .is_some_and(|e| e.starts_with("permessage-deflate")),
                deflate,
                "{:?}",
                ws.extensions()
            );
            exchange(&mut ws, i, 4000 + i as u16).await;
        }));
    }
    for task in tasks {
        timeout(LIMIT, task).await.unwrap().unwrap();
    }
    let mut paths = Vec::new();
    for _ in 0..STREAMS {
        let seen = timeout(LIMIT, server.seen.recv()).await.unwrap().unwrap();
        assert!(seen.http2 && seen.error.is_none(), "{seen:?}");
        paths.push(seen.path);
    }
    paths.sort();
    let mut expected: Vec<String> = (0..STREAMS).map(|i| format!("/ws/{i}")).collect();
    expected.sort();
    assert_eq!(paths, expected);
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        1,
        "one TCP connection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_reader_does_not_stall_other_streams() {
    let tls = tls(&[b"h2"]);
    let server = server(&tls, true).await;
    let client = h2_client(&tls, server.addr).await.unwrap();
    let options = ClientOptions::default();
    let slow = client.open("/slow", &options).await.unwrap();
    let (mut slow_read, mut slow_write) = slow.split();
    // 2 MiB towards an echo nobody reads: far more than the windows of both
    // directions of this stream (256 KiB each), less than the connection's (4 MiB).
    const MESSAGES: usize = 32;
    let writer = tokio::spawn(async move {
        for i in 0..MESSAGES {
            let data = Bytes::from(payload(64 * 1024, i));
            slow_write.send(Message::binary(data)).await.unwrap();
        }
        slow_write
    });
    // Give the flood time to fill the stream's windows.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !writer.is_finished(),
        "the slow stream's writer waits for its window"
    );
    let mut fast = client.open("/fast", &options).await.unwrap();
    timeout(Duration::from_secs(10), exchange(&mut fast, 7, 1000))
        .await
        .expect("another stream runs while one is stalled");
    // Nothing of the stalled stream was lost.
    for i in 0..MESSAGES {
        let message = timeout(LIMIT, slow_read.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(message, Message::binary(Bytes::from(payload(64 * 1024, i))));
    }
    timeout(LIMIT, writer).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn falls_back_to_http1() {
    // h2 without extended CONNECT: a second connection speaks HTTP/1.1.
    let tls_both = tls(&[b"h2", b"http/1.1"]);
    let mut server = server(&tls_both, false).await;
    let addr = server.addr;
    assert!(h2_client(&tls_both, addr).await.is_none());
    let tls_ref = &tls_both;
    let mut ws = http2::connect_with_fallback(
        |offer_h2| async move {
            let alpn: &[&[u8]] = if offer_h2 {
                &[b"h2", b"http/1.1"]
            } else {
                &[b"http/1.1"]
            };
            dial(tls_ref, addr, alpn).await
        },
        true,
        &format!("localhost:{}", addr.port()),
        "/",
        &ClientOptions::default(),
    )
    .await
    .unwrap();
    assert!(!ws.get_ref().is_http2());
    exchange(&mut ws, 1, 1000).await;
    let seen = timeout(LIMIT, server.seen.recv()).await.unwrap().unwrap();
    assert!(!seen.http2 && seen.error.is_none(), "{seen:?}");

    // With extended CONNECT the same call stays on HTTP/2.
    let mut server = self::server(&tls_both, true).await;
    let addr = server.addr;
    let mut ws = http2::connect_with_fallback(
        |_| dial(tls_ref, addr, &[b"h2", b"http/1.1"]),
        true,
        &format!("localhost:{}", addr.port()),
        "/h2",
        &ClientOptions::default(),
    )
    .await
    .unwrap();
    assert!(ws.get_ref().is_http2());
    exchange(&mut ws, 2, 1000).await;
    let seen = timeout(LIMIT, server.seen.recv()).await.unwrap().unwrap();
    assert!(seen.http2 && seen.error.is_none(), "{seen:?}");
}

/// A raw h2 client for requests our client would never send.
async fn raw_h2(tls: &Tls, addr: std::net::SocketAddr) -> h2::client::SendRequest<Bytes> {
    let (io, _) = dial(tls, addr, &[b"h2"]).await.unwrap();
    let (send, mut connection) = h2::client::handshake(io).await.unwrap();
    let mut ping = connection.ping_pong().unwrap();
    tokio::spawn(async move {
        let _ = connection.await;
    });
    ping.ping(h2::Ping::opaque()).await.unwrap();
    send
}

fn connect_request(uri: &str, version: &str, protocol: bool) -> http::Request<()> {
    let mut request = http::Request::builder()
        .method("CONNECT")
        .uri(uri)
        .header("sec-websocket-version", version);
    if protocol {
        request = request.extension(h2::ext::Protocol::from_static("websocket"));
    }
    request.body(()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests() {
    let tls = tls(&[b"h2"]);
    let mut server = server(&tls, true).await;
    let authority = format!("localhost:{}", server.addr.port());
    let mut send = raw_h2(&tls, server.addr).await;

    // A CONNECT without :protocol is not a WebSocket request (a plain CONNECT has
    // only :authority).
    let plain = connect_request(&authority, "13", false);
    let (response, _) = send.send_request(plain, false).unwrap();
    let response = timeout(LIMIT, response).await.unwrap().unwrap();
    assert_eq!(response.status(), 400);

    // Version 8: 426 naming version 13.
    let uri = format!("https://{authority}/v8");
    let (response, _) = send
        .send_request(connect_request(&uri, "8", true), false)
        .unwrap();
    let response = timeout(LIMIT, response).await.unwrap().unwrap();
    assert_eq!(response.status(), 426);
    assert_eq!(response.headers()["sec-websocket-version"], "13");

    // A stream reset in the middle of a message: the server's WebSocket ends with an
    // error, and the connection's other streams go on.
    let uri = format!("https://{authority}/reset");
    let (response, mut stream) = send
        .send_request(connect_request(&uri, "13", true), false)
        .unwrap();
    let response = timeout(LIMIT, response).await.unwrap().unwrap();
    assert_eq!(response.status(), 200);
    // A masked binary frame announcing 1000 bytes, and 10 of them.
    let mut frame = vec![0x82, 0xfe, 0x03, 0xe8, 1, 2, 3, 4];
    frame.extend([0u8; 10]);
    stream.send_data(Bytes::from(frame), false).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stream.send_reset(h2::Reason::CANCEL);
    let seen = timeout(LIMIT, server.seen.recv()).await.unwrap().unwrap();
    assert_eq!(seen.path, "/reset");
    assert!(
        seen.error.is_some(),
        "the reset ends the server's WebSocket with an error: {seen:?}"
    );

    let client = h2_client(&tls, server.addr).await.unwrap();
    let mut ws = client
        .open("/after", &ClientOptions::default())
        .await
        .unwrap();
    exchange(&mut ws, 3, 1000).await;
    assert!(matches!(
        client
            .open(
                "/after",
                &ClientOptions {
                    protocols: vec!["a b".into()],
                    ..ClientOptions::default()
                }
            )
            .await,
        Err(Error::Handshake(_))
    ));
}

/// The axum extractor over HTTP/2 (h2c with prior knowledge: `axum::serve` enables
/// extended CONNECT), on an `any` route so that CONNECT reaches it; our client only
/// speaks HTTP/2 on this connection.
#[cfg(feature = "axum")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_extractor_over_http2() {
    use wsframe_tokio::axum::{WebSocket, WebSocketUpgrade};

    async fn handler(ws: WebSocketUpgrade) -> axum::response::Response {
        ws.protocols(&["chat"])
            .on_upgrade(|mut socket: WebSocket| async move {
                while let Some(Ok(message)) = socket.next().await {
                    if message.is_data() && socket.send(message).await.is_err() {
                        break;
                    }
                }
            })
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/ws", axum::routing::any(handler));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let client = Http2Client::handshake(tcp, false, &addr.to_string())
        .await
        .unwrap()
        .expect("axum::serve enables extended CONNECT");
    let options = ClientOptions {
        protocols: vec!["chat".into()],
        ..ClientOptions::default()
    };
    let mut ws = client.open("/ws", &options).await.unwrap();
    assert_eq!(ws.protocol(), Some("chat"));
    ws.send(Message::text("hi")).await.unwrap();
    let reply = timeout(LIMIT, ws.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(reply, Message::text("hi"));
    ws.close().await.unwrap();
    while timeout(LIMIT, ws.next()).await.unwrap().is_some() {}
    // A bad request gets the core's refusal from the extractor too.
    let bad = ClientOptions {
        protocols: vec!["chat".into()],
        headers: vec![(
            "sec-websocket-extensions".into(),
            "permessage-deflate; =x".into(),
        )],
        ..ClientOptions::default()
    };
    assert!(matches!(
        client.open("/ws", &bad).await,
        Err(Error::Handshake(
            wsframe::HandshakeError::NotSwitchingProtocols(400)
        ))
    ));
    server.abort();
}
