//! WebSockets over HTTP/2 (RFC 8441): each WebSocket is one stream of an HTTP/2
//! connection, opened with an extended CONNECT (`:protocol = websocket`) and accepted
//! with 200. The core checks the request and negotiates the answer exactly as for
//! HTTP/1.1 ([`wsframe::handshake::http2`]); this module moves fields between the core
//! and hyper (server) or h2 (client), and runs the same [`WebSocketStream`] on the
//! stream.
//!
//! - **Server**: serve HTTP/2 with hyper with extended CONNECT enabled
//!   (`hyper::server::conn::http2::Builder::enable_connect_protocol`; `axum::serve`
//!   enables it) and answer with [`upgrade::answer`](crate::upgrade::answer), as for
//!   HTTP/1.1: for an HTTP/2 request it answers the extended CONNECT with 200 or the
//!   core's refusal, and `hyper::upgrade::on` gives the stream. The axum extractor
//!   ([`crate::axum`], on a route that takes CONNECT, e.g. `any`) does the same.
//! - **Client**: [`Http2Client::handshake`] starts HTTP/2 on a connection (after TLS
//!   ALPN chose `h2`), waits for the server's settings and says whether the server
//!   advertises `SETTINGS_ENABLE_CONNECT_PROTOCOL`; [`Http2Client::open`] then opens
//!   WebSockets on it, as many as the server allows at once. [`connect_with_fallback`]
//!   uses HTTP/1.1 when the server speaks only HTTP/1.1 or does not advertise the
//!   setting.
//!
//! Flow control is HTTP/2's, per stream: a stream's received bytes give their window
//! back only once the WebSocket has read them, so a reader that falls behind holds back
//! its own stream only, as long as the connection window is larger than a stream's
//! (see [`Http2Client::handshake`]; for hyper, its `initial_stream_window_size` and
//! `initial_connection_window_size`). A WebSocket's close maps to the end of its stream
//! and a reset stream to [`Error::Io`] (RFC 8441 §6).
//!
//! ## A server
//!
//! One service for both versions: over HTTP/1.1 the upgrade, over HTTP/2 the extended
//! CONNECT.
//!
//! ```no_run
//! use futures_util::{SinkExt, StreamExt};
//! use hyper::server::conn::http2;
//! use hyper_util::rt::{TokioExecutor, TokioIo};
//! use wsframe_tokio::upgrade::{answer, Answer};
//! use wsframe_tokio::ServerOptions;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! let (socket, _) = listener.accept().await?; // TLS with ALPN "h2" goes here
//! let service = hyper::service::service_fn(|mut request| async move {
//!     let response = match answer(&request, &ServerOptions::default()) {
//!         Answer::Upgrade { response, upgrade } => {
//!             let upgraded = hyper::upgrade::on(&mut request);
//!             tokio::spawn(async move {
//!                 let Ok(upgraded) = upgraded.await else { return };
//!                 let mut ws = upgrade.into_stream(TokioIo::new(upgraded));
//!                 while let Some(Ok(message)) = ws.next().await {
//!                     if message.is_data() && ws.send(message).await.is_err() {
//!                         break;
//!                     }
//!                 }
//!             });
//!             response.map(|()| String::new())
//!         }
//!         Answer::Refuse(response) => response,
//!     };
//!     let body = |text: String| http_body_util::Full::new(bytes::Bytes::from(text));
//!     Ok::<_, std::convert::Infallible>(response.map(body))
//! });
//! http2::Builder::new(TokioExecutor::new())
//!     .enable_connect_protocol()
//!     .serve_connection(TokioIo::new(socket), service)
//!     .await
//!     .ok();
//! # Ok(())
//! # }
//! ```
//!
//! ## A client
//!
//! ```no_run
//! use futures_util::{SinkExt, StreamExt};
//! use tokio::io::{AsyncRead, AsyncWrite};
//! use wsframe_tokio::{http2::Http2Client, ClientOptions, Error, Message};
//!
//! /// Two WebSockets on one connection; `tls` is a TLS stream whose ALPN chose `h2`.
//! async fn two(tls: impl AsyncRead + AsyncWrite + Unpin + Send + 'static) -> Result<(), Error> {
//!     let Some(client) = Http2Client::handshake(tls, true, "example.com").await? else {
//!         return Ok(()); // no RFC 8441 there: use HTTP/1.1 on a new connection
//!     };
//!     let mut chat = client.open("/chat", &ClientOptions::default()).await?;
//!     let mut feed = client.open("/feed", &ClientOptions::default()).await?;
//!     chat.send(Message::text("hello")).await?;
//!     let _ = (chat.next().await, feed.next().await);
//!     Ok(())
//! }
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use wsframe::handshake::http2::{self as core_http2, ConnectRequest, ConnectResponse};
use wsframe::handshake::{client, server};
use wsframe::{Connection, HandshakeError};

use crate::deflate;
use crate::handshake::{within, Opened};
use crate::upgrade::{Answer, Upgrade};
use crate::{ClientOptions, Error, OpeningRequest, Refusal, ServerOptions, WebSocketStream};

/// Whether a request asks for a WebSocket over HTTP/2: a CONNECT with `:protocol`
/// (RFC 8441 §4). Route other requests as plain HTTP;
/// [`upgrade::answer`](crate::upgrade::answer) checks the rest.
pub fn is_websocket_request<B>(request: &http::Request<B>) -> bool {
    request.method() == http::Method::CONNECT
        && request.extensions().get::<hyper::ext::Protocol>().is_some()
}

/// The request's fields as the core reads them: pseudo-header fields first.
fn request_fields<B>(request: &http::Request<B>) -> Vec<(&str, &[u8])> {
    let uri = request.uri();
    let mut fields: Vec<(&str, &[u8])> = vec![(":method", request.method().as_str().as_bytes())];
    if let Some(protocol) = request.extensions().get::<hyper::ext::Protocol>() {
        fields.push((":protocol", protocol.as_ref()));
    }
    if let Some(scheme) = uri.scheme_str() {
        fields.push((":scheme", scheme.as_bytes()));
    }
    if let Some(authority) = uri.authority() {
        fields.push((":authority", authority.as_str().as_bytes()));
    }
    if let Some(path) = uri.path_and_query() {
        fields.push((":path", path.as_str().as_bytes()));
    }
    fields.extend(
        request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes())),
    );
    fields
}

/// The answer to an HTTP/2 request, for [`upgrade::answer`](crate::upgrade::answer):
/// the core checks the extended CONNECT and the options decide as for HTTP/1.1 (origin
/// with 403, subprotocol, permessage-deflate); 200 with the core's fields, or the core's
/// refusal (400, 403, 426 with `sec-websocket-version: 13`) with the error's text.
pub(crate) fn answer<B>(request: &http::Request<B>, options: &ServerOptions) -> Answer {
    let fields = request_fields(request);
    let decided = ConnectRequest::parse(&fields)
        .map_err(Refused::Core)
        .and_then(|connect| {
            if !options.allows_origin(connect.origin) {
                return Err(Refused::Core(HandshakeError::OriginRefused));
            }
            let header = |name: &str| {
                fields
                    .iter()
                    .find(|(field, _)| field.eq_ignore_ascii_case(name))
                    .map(|(_, value)| *value)
            };
            if let Some(refusal) =
                options.refusal(&OpeningRequest::new(connect.path, connect.origin, &header))
            {
                return Err(Refused::Chosen(refusal));
            }
            let offered: Vec<&str> = connect.protocols().collect();
            let protocol = options.choose_protocol(&offered);
            let compression = deflate::server(options, connect.extensions());
            let answer = server::Response {
                protocol: protocol.as_deref(),
                extensions: compression.as_deref().map(deflate::agreed),
                ..server::Response::default()
            };
            let mut response = http::Response::builder().status(core_http2::ACCEPTED);
            for (name, value) in answer.http2_fields(&connect)? {
                response = response.header(name, value);
            }
            let response = response
                .body(())
                .map_err(|_| HandshakeError::InvalidArgument)?;
            Ok((response, protocol, compression))
        });
    match decided {
        Ok((response, protocol, compression)) => {
            let mut conn = Connection::server(options.config).with_handshake_done();
            if compression.is_some() {
                deflate::allow_compressed_frames(&mut conn);
            }
            Answer::Upgrade {
                response,
                upgrade: Box::new(Upgrade::new(conn, protocol, compression)),
            }
        }
        Err(refused) => Answer::Refuse(refusal(&refused)),
    }
}

/// Why an HTTP/2 request is refused.
enum Refused {
    /// The core's check or the origin policy failed.
    Core(HandshakeError),
    /// The options' request check refused it.
    Chosen(Refusal),
}

impl From<HandshakeError> for Refused {
    fn from(error: HandshakeError) -> Self {
        Self::Core(error)
    }
}

/// The core's refusal as an HTTP/2 response: for an error, with the error's text; for
/// a chosen status, with its reason (the core's rules: 400–599 and one line, else 500).
fn refusal(refused: &Refused) -> http::Response<String> {
    let (rejection, body) = match refused {
        Refused::Core(error) => (server::Rejection::for_error(*error), error.to_string()),
        Refused::Chosen(chosen) => {
            let rejection = server::Rejection::Status {
                status: chosen.status,
                reason: chosen.reason.as_deref(),
            };
            // The core's writer decides what is valid; its body is the one to send.
            let mut out = vec![0u8; 256 + chosen.reason.as_ref().map_or(0, String::len)];
            match rejection.write(&mut out) {
                Ok(n) => {
                    let (response, _) = crate::upgrade::parse_response(&out[..n]);
                    (rejection, response.into_body())
                }
                Err(_) => {
                    let fallback = server::Rejection::Status {
                        status: 500,
                        reason: None,
                    };
                    (fallback, "Internal Server Error".to_owned())
                }
            }
        }
    };
    let mut response = http::Response::new(body);
    *response.status_mut() =
        http::StatusCode::from_u16(rejection.status()).unwrap_or(http::StatusCode::BAD_REQUEST);
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain"),
    );
    for (name, value) in rejection.http2_fields() {
        headers.insert(*name, http::HeaderValue::from_static(value));
    }
    response
}

/// Windows a client asks for: a stream's 256 KiB is well below the connection's
/// 4 MiB, so up to 15 streams whose readers fall behind cannot hold back the others.
const STREAM_WINDOW: u32 = 256 * 1024;
const CONNECTION_WINDOW: u32 = 4 * 1024 * 1024;

/// A client's HTTP/2 connection on which the server accepts WebSockets. Cheap to
/// clone; every clone opens streams on the same connection, which a spawned task
/// drives until the last clone and stream are dropped.
#[derive(Debug, Clone)]
pub struct Http2Client {
    send: h2::client::SendRequest<Bytes>,
    scheme: &'static str,
    authority: String,
}

impl Http2Client {
    /// Starts HTTP/2 on `io` (after TLS ALPN chose `h2`, or with prior knowledge),
    /// spawns the task that drives the connection, and waits one PING round trip so the
    /// server's SETTINGS (its first frame) have been read. `Ok(None)` when the server
    /// does not advertise `SETTINGS_ENABLE_CONNECT_PROTOCOL` (RFC 8441 §3: then a client
    /// must not use `:protocol`); the connection is dropped. `tls` picks the `:scheme`
    /// (`https` or `http`); `authority` is `host[:port]`. Not cancel safe.
    pub async fn handshake<S>(io: S, tls: bool, authority: &str) -> Result<Option<Self>, Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (send, mut connection) = h2::client::Builder::new()
            // WebSockets have no use for server push.
            .enable_push(false)
            .initial_window_size(STREAM_WINDOW)
            .initial_connection_window_size(CONNECTION_WINDOW)
            .handshake::<_, Bytes>(io)
            .await
            .map_err(h2_error)?;
        let mut ping = connection
            .ping_pong()
            .ok_or_else(|| Error::Io(io::Error::other("http/2 ping taken")))?;
        tokio::spawn(async move {
            // Ends when the connection closes; its errors reach the streams.
            let _ = connection.await;
        });
        ping.ping(h2::Ping::opaque()).await.map_err(h2_error)?;
        if !send.is_extended_connect_protocol_enabled() {
            return Ok(None);
        }
        Ok(Some(Self {
            send,
            scheme: if tls { "https" } else { "http" },
            authority: authority.to_owned(),
        }))
    }

    /// Opens a WebSocket on a new stream for `path` as `options` say (subprotocols,
    /// origin, headers, limits), within [`ClientOptions::handshake_timeout`]. Not cancel
    /// safe.
    pub async fn open(
        &self,
        path: &str,
        options: &ClientOptions,
    ) -> Result<WebSocketStream<Http2Stream>, Error> {
        let (io, opened) =
            within(options.handshake_timeout, self.open_stream(path, options)).await?;
        Ok(WebSocketStream::opened(io, opened))
    }

    /// The extended CONNECT and its answer, checked by the core.
    async fn open_stream(
        &self,
        path: &str,
        options: &ClientOptions,
    ) -> Result<(Http2Stream, Opened), Error> {
        let protocols: Vec<&str> = options.protocols.iter().map(String::as_str).collect();
        let headers: Vec<(&str, &str)> = options
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let deflate_offer = deflate::offer(options);
        let offer = client::Request {
            protocols: &protocols,
            extensions: deflate_offer.as_deref(),
            origin: options.origin.as_deref(),
            headers: &headers,
            // HTTP/2 has no key (RFC 8441 §5): the nonce is not sent.
            ..client::Request::new(&self.authority, path, [0; 16])
        };
        let mut builder = http::Request::builder().version(http::Version::HTTP_2);
        let mut uri = http::Uri::builder();
        for (name, value) in core_http2::request_fields(&offer, self.scheme)? {
            builder = match name {
                ":method" => builder.method(value),
                ":scheme" => {
                    uri = uri.scheme(value);
                    builder
                }
                ":authority" => {
                    uri = uri.authority(value);
                    builder
                }
                ":path" => {
                    uri = uri.path_and_query(value);
                    builder
                }
                ":protocol" => builder.extension(h2::ext::Protocol::from(value)),
                _ => builder.header(name, value),
            };
        }
        let uri = uri.build().map_err(|_| Error::Url("not a valid uri"))?;
        let request = builder
            .uri(uri)
            .body(())
            .map_err(|_| Error::Handshake(HandshakeError::InvalidArgument))?;
        let mut send = self.send.clone().ready().await.map_err(h2_error)?;
        let (response, stream) = send.send_request(request, false).map_err(h2_error)?;
        let response = response.await.map_err(h2_error)?;
        let fields: Vec<(&str, &[u8])> = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect();
        let answer = ConnectResponse::parse(response.status().as_u16(), &fields, &offer)?;
        let protocol = answer.protocol.map(str::to_owned);
        // A refused answer drops the stream, which resets it (RFC 7692 §5: fail).
        let compression = deflate::client(options, answer.extensions())?;
        drop(fields);
        let io = Http2Stream {
            send: stream,
            recv: response.into_body(),
            pending: Bytes::new(),
        };
        let mut conn =
            Connection::client(options.config, crate::random::mask_seed()?).with_handshake_done();
        if compression.is_some() {
            deflate::allow_compressed_frames(&mut conn);
        }
        let opened = Opened {
            conn,
            protocol,
            rest: Vec::new(),
            compression,
        };
        Ok((io, opened))
    }
}

/// An h2 error as an I/O error: a reset stream or a failed connection ends the
/// WebSocket like a failed socket.
fn h2_error(error: h2::Error) -> Error {
    Error::Io(stream_error(error))
}

/// One HTTP/2 stream as a byte stream: DATA frames in and out, within the stream's
/// flow-control window. Received bytes give their window back as they are read.
#[derive(Debug)]
pub struct Http2Stream {
    send: h2::SendStream<Bytes>,
    recv: h2::RecvStream,
    /// The part of the last DATA frame not read yet.
    pending: Bytes,
}

impl AsyncRead for Http2Stream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        while this.pending.is_empty() {
            match ready!(this.recv.poll_data(cx)) {
                // The peer ended the stream: end of input.
                None => return Poll::Ready(Ok(())),
                Some(Ok(data)) => this.pending = data,
                Some(Err(e)) => return Poll::Ready(Err(stream_error(e))),
            }
        }
        let n = this.pending.len().min(buf.remaining());
        buf.put_slice(&this.pending[..n]);
        this.pending.advance(n);
        // The window grows back only by what the WebSocket has read.
        let _ = this.recv.flow_control().release_capacity(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Http2Stream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let send = &mut self.send;
        // Ask for the window to cover `buf`; send what the window allows now.
        send.reserve_capacity(buf.len());
        loop {
            match ready!(send.poll_capacity(cx)) {
                Some(Ok(0)) => continue,
                Some(Ok(n)) => {
                    let n = n.min(buf.len());
                    send.send_data(Bytes::copy_from_slice(&buf[..n]), false)
                        .map_err(stream_error)?;
                    return Poll::Ready(Ok(n));
                }
                Some(Err(e)) => return Poll::Ready(Err(stream_error(e))),
                None => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::BrokenPipe,
                        "http/2 stream closed",
                    )))
                }
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Sent DATA is queued on the connection, which its task writes out.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // END_STREAM: the orderly end of this side (RFC 8441 §6).
        self.send.reserve_capacity(0);
        Poll::Ready(
            self.send
                .send_data(Bytes::new(), true)
                .or_else(|e| {
                    if e.is_reset() || e.is_go_away() {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })
                .map_err(stream_error),
        )
    }
}

fn stream_error(error: h2::Error) -> io::Error {
    if error.is_io() {
        if let Some(io) = error.into_io() {
            return io;
        }
        return io::Error::other("http/2 connection failed");
    }
    let kind = if error.is_reset() {
        io::ErrorKind::ConnectionReset
    } else {
        io::ErrorKind::Other
    };
    io::Error::new(kind, error)
}

/// The stream a WebSocket of [`connect_with_fallback`] runs on: an HTTP/2 stream, or
/// a whole connection speaking HTTP/1.1.
#[derive(Debug)]
pub enum Transport<S> {
    /// A stream of an HTTP/2 connection (RFC 8441).
    Http2(Http2Stream),
    /// A connection that did the HTTP/1.1 upgrade (RFC 6455 §4).
    Http1(S),
}

impl<S: AsyncRead + Unpin> AsyncRead for Transport<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Http2(s) => Pin::new(s).poll_read(cx, buf),
            Self::Http1(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Transport<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Http2(s) => Pin::new(s).poll_write(cx, buf),
            Self::Http1(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Http2(s) => Pin::new(s).poll_flush(cx),
            Self::Http1(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Http2(s) => Pin::new(s).poll_shutdown(cx),
            Self::Http1(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

impl<S> Transport<S> {
    /// Whether the WebSocket runs on an HTTP/2 stream.
    pub fn is_http2(&self) -> bool {
        matches!(self, Self::Http2(_))
    }
}

/// Client: a WebSocket over HTTP/2 when the server offers it, else over HTTP/1.1.
///
/// `open(offer_h2)` makes a connection to the server and says whether it speaks
/// HTTP/2 on it (for TLS: offer ALPN `h2` and `http/1.1` when `offer_h2`, only
/// `http/1.1` otherwise, and report whether `h2` was chosen). When the server speaks
/// HTTP/2 but does not advertise extended CONNECT, that connection is dropped and a
/// second one is opened with `offer_h2 = false`. `tls` picks `https`/`http` for
/// HTTP/2's `:scheme`; `authority` is `host[:port]`. Not cancel safe.
pub async fn connect_with_fallback<S, F, Fut>(
    mut open: F,
    tls: bool,
    authority: &str,
    path: &str,
    options: &ClientOptions,
) -> Result<WebSocketStream<Transport<S>>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    F: FnMut(bool) -> Fut,
    Fut: Future<Output = io::Result<(S, bool)>>,
{
    let (io, speaks_h2) = open(true).await?;
    let io = if speaks_h2 {
        let client = within(
            options.handshake_timeout,
            Http2Client::handshake(io, tls, authority),
        )
        .await?;
        if let Some(client) = client {
            let (io, opened) =
                within(options.handshake_timeout, client.open_stream(path, options)).await?;
            return Ok(WebSocketStream::opened(Transport::Http2(io), opened));
        }
        open(false).await?.0
    } else {
        io
    };
    WebSocketStream::client(Transport::Http1(io), authority, path, options).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect(path: &str) -> http::Request<()> {
        let mut request = http::Request::builder()
            .method("CONNECT")
            .version(http::Version::HTTP_2)
            .uri(format!("https://example.com{path}"))
            .header("sec-websocket-version", "13")
            .header("x-token", "t")
            .body(())
            .unwrap();
        request
            .extensions_mut()
            .insert(hyper::ext::Protocol::from_static("websocket"));
        request
    }

    #[test]
    fn the_request_check_refuses_an_extended_connect_with_its_status() {
        let options = ServerOptions::default().check_request(|request| {
            match (request.path, request.header("X-Token")) {
                ("/limited", Some(b"t")) => Err(Refusal::new(429).reason("slow down")),
                ("/wrong", _) => Err(Refusal::new(99)),
                _ => Ok(()),
            }
        });
        let Answer::Refuse(response) = answer(&connect("/limited"), &options) else {
            panic!("accepted");
        };
        assert_eq!(response.status(), 429);
        assert_eq!(response.body(), "slow down");
        let Answer::Refuse(response) = answer(&connect("/wrong"), &options) else {
            panic!("accepted");
        };
        assert_eq!(response.status(), 500);
        assert!(matches!(
            answer(&connect("/open"), &options),
            Answer::Upgrade { .. }
        ));
    }
}
