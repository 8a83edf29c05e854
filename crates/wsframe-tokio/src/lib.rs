//! # wsframe-tokio
//!
//! An async WebSocket (RFC 6455) for tokio over any `AsyncRead + AsyncWrite + Unpin`
//! stream, built on the sans-IO [`wsframe`] core. A [`WebSocketStream`] is a
//! [`Stream`] of [`Message`]s and a [`Sink`] of them; [`split`](WebSocketStream::split)
//! gives halves for two tasks. This crate owns the socket, the buffers and the clock;
//! every protocol rule (framing, masking, UTF-8, close codes, limits, the handshake
//! checks) is the core's.
//!
//! - **Handshake**: [`accept`]/[`accept_with`] (the core parses and answers; the
//!   [`ServerOptions`] pick the subprotocol, check `Origin` with 403, refuse a request
//!   with a chosen status through [`ServerOptions::check_request`] and a [`Refusal`],
//!   and may answer plain HTTP), [`connect`]/[`connect_with`] for `ws://` URLs and
//!   (feature `rustls`, Mozilla's roots from `webpki-roots`) `wss://` ones,
//!   [`WebSocketStream::client`] over any stream, and [`WebSocketStream::from_upgraded`]
//!   when an HTTP server did the handshake; [`upgrade::answer`] lets hyper or axum
//!   answer an upgrade request with the core's 101/400/403/426/431. The options and
//!   their defaults are the std layer's ([`wsframe_std`]).
//! - **Messages**: text as [`Utf8Bytes`] (validated once, by the core, as it arrived),
//!   payloads as [`bytes::Bytes`].
//! - **Bounded memory**: no read buffer while idle (the socket is read into the stack of
//!   the `poll` call), nothing allocated from a length in a frame header, a write buffer
//!   bounded by [`StreamOptions::write_buffer`] with a real `poll_ready`, at most one
//!   owed pong.
//! - **Timers**: handshake timeout, close-handshake timeout, optional keepalive and idle
//!   timeout ([`StreamOptions`]).
//! - **HTTP/2** (feature `http2`): WebSockets as streams of an HTTP/2 connection
//!   (RFC 8441 extended CONNECT), a hyper server and an h2 client that falls back to
//!   HTTP/1.1; see the `http2` module.
//!
//! ## Cancel safety
//!
//! `Stream::poll_next` (`StreamExt::next`) is cancel safe: received bytes stay in the
//! connection and a message is either returned whole or not at all. The `Sink` methods
//! are cancel safe as for any `Sink` (`SinkExt::send` cancelled before the message was
//! taken loses nothing; after, the message is buffered and goes out with the next flush,
//! close or send). [`accept`], [`accept_with`], [`connect`], [`connect_with`] and
//! [`WebSocketStream::client`] are not: cancelling them drops the stream mid-handshake.
//!
//! ## An echo server
//!
//! ```no_run
//! use futures_util::{future, StreamExt, TryStreamExt};
//! use tokio::net::TcpListener;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let listener = TcpListener::bind("127.0.0.1:9001").await?;
//! loop {
//!     let (socket, _) = listener.accept().await?;
//!     tokio::spawn(async move {
//!         let Ok(ws) = wsframe_tokio::accept(socket).await else { return };
//!         // Pongs and the close reply are sent while reading. `forward` hands each text
//!         // or binary message to the write half and flushes when no more are ready,
//!         // so a burst of messages goes back in one write.
//!         let (read, write) = ws.split();
//!         let echo = read.try_filter(|m| future::ready(m.is_data()));
//!         let _ = echo.forward(write).await;
//!     });
//! }
//! # }
//! ```
//!
//! ## A client
//!
//! ```no_run
//! use futures_util::{SinkExt, StreamExt};
//! use wsframe_tokio::Message;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), wsframe_tokio::Error> {
//! let mut ws = wsframe_tokio::connect("ws://127.0.0.1:9001/").await?;
//! ws.send(Message::text("hello")).await?;
//! assert_eq!(ws.next().await.transpose()?, Some(Message::text("hello")));
//! ws.close().await?;
//! // The stream ends once the server's close reply arrives.
//! while ws.next().await.is_some() {}
//! # Ok(())
//! # }
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "axum")]
pub mod axum;
mod client_stream;
mod deflate;
mod error;
mod handshake;
#[cfg(feature = "http2")]
pub mod http2;
mod message;
mod options;
mod random;
mod read;
pub mod split;
#[cfg(feature = "rustls")]
pub mod tls;
pub mod upgrade;
mod write;

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_sink::Sink;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use wsframe::{Connection, ReadyState, Role};

pub use client_stream::ClientStream;
pub use error::Error;
pub use message::{CloseFrame, Message, Utf8Bytes};
pub use options::{Keepalive, StreamOptions};
pub use split::{ReadHalf, WriteHalf};
#[cfg(feature = "rustls")]
pub use tls::connect_tls;
#[cfg(feature = "rustls")]
pub use tokio_rustls;
pub use wsframe;
#[cfg(feature = "deflate")]
pub use wsframe_std::{wsframe_deflate, DeflateConfig};
pub use wsframe_std::{
    ClientOptions, HttpRequest, HttpResponse, OpeningRequest, Refusal, ServerOptions,
};

use handshake::Opened;

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
use read::ReadState;
use write::Inner;

/// A WebSocket over an async stream, either role: a [`Stream`] of received messages and
/// a [`Sink`] of messages to send.
///
/// Reading answers pings and the peer's close by itself; keep polling the stream (it
/// also runs the timers) until it ends with `None`, which comes after the closing
/// handshake (or an error).
#[derive(Debug)]
pub struct WebSocketStream<S> {
    inner: Inner<S>,
    read: ReadState,
    protocol: Option<String>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocketStream<S> {
    pub(crate) fn opened(io: S, opened: Opened) -> Self {
        Self {
            inner: Inner::new(
                io,
                opened.conn,
                StreamOptions::default(),
                opened.compression,
            ),
            read: ReadState::new(opened.rest),
            protocol: opened.protocol,
        }
    }

    /// Wraps a stream whose opening handshake is done (e.g. hyper's `Upgraded`), with
    /// the core's `config` for limits. Not async; a client's masking seed comes from the
    /// operating system.
    pub fn from_upgraded(io: S, role: Role, config: wsframe::Config) -> Result<Self, Error> {
        let conn = match role {
            Role::Server => Connection::server(config),
            Role::Client => Connection::client(config, random::mask_seed()?),
        };
        Ok(Self::opened(
            io,
            Opened {
                conn: conn.with_handshake_done(),
                protocol: None,
                rest: Vec::new(),
                compression: None,
            },
        ))
    }

    /// Server: reads the opening request on `io` and answers it as `options` say,
    /// within [`ServerOptions::handshake_timeout`]. Not cancel safe.
    pub async fn accept_with(io: S, options: &ServerOptions) -> Result<Self, Error> {
        // Boxed: the handshake's state (its buffers, the timeout) lives on the heap only
        // while it runs, so a task holding this future stays as small as one holding the
        // open stream.
        Box::pin(Self::accept_unboxed(io, options)).await
    }

    /// [`accept_with`](Self::accept_with) without the box, for callers that box it.
    async fn accept_unboxed(mut io: S, options: &ServerOptions) -> Result<Self, Error> {
        let opened = handshake::within(
            options.handshake_timeout,
            handshake::accept(&mut io, options),
        )
        .await?;
        Ok(Self::opened(io, opened))
    }

    /// Client: writes the opening request for `path` on `host` (the `Host` header, with
    /// `:port` unless default) and checks the server's answer, within
    /// [`ClientOptions::handshake_timeout`]. Not cancel safe.
    pub async fn client(
        mut io: S,
        host: &str,
        path: &str,
        options: &ClientOptions,
    ) -> Result<Self, Error> {
        // Boxed for the same reason as in `accept_with`.
        let opened = Box::pin(handshake::within(
            options.handshake_timeout,
            handshake::connect(&mut io, host, path, options),
        ))
        .await?;
        Ok(Self::opened(io, opened))
    }

    /// Replaces the buffer bound and timers (see [`StreamOptions`]).
    pub fn with_options(mut self, options: StreamOptions) -> Self {
        self.inner.options = options;
        self.read.restart_timers();
        self
    }

    /// The subprotocol agreed in the handshake, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The `Sec-WebSocket-Extensions` value agreed in the handshake (e.g.
    /// `permessage-deflate`), or `None` when no extension is in use.
    pub fn extensions(&self) -> Option<&str> {
        self.inner.compression.as_deref().map(deflate::agreed)
    }

    /// The connection's state, as the browser API names it.
    pub fn ready_state(&self) -> ReadyState {
        self.inner.conn.ready_state()
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        &self.inner.io
    }

    /// Bytes of encoded frames waiting for the socket.
    pub fn buffered_amount(&self) -> usize {
        self.inner.buffered()
    }

    /// Splits into a read half and a write half that two tasks can use at once; owed
    /// pongs and the close reply still reach the socket from either (see
    /// [`ReadHalf`] and the design in [`split`](mod@crate::split)).
    pub fn split(self) -> (ReadHalf<S>, WriteHalf<S>) {
        split::split(self.inner, self.read)
    }

    /// The next message: `StreamExt::next` under the name axum's `WebSocket` uses.
    /// Cancel safe.
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Sends one frame of a message that may span several frames (§5.4): the first call
    /// starts a message of `kind`, later calls continue it with the same `kind`, and
    /// `fin` ends it; whole messages and control frames may go in between only as the
    /// core allows (control frames yes, other data no). Sent uncompressed. Waits for
    /// room in the write buffer, then flushes. Cancel safe until the frame is buffered
    /// (then it goes out with the next flush).
    pub async fn send_fragment(
        &mut self,
        kind: wsframe::DataKind,
        payload: &[u8],
        fin: bool,
    ) -> Result<(), Error> {
        std::future::poll_fn(|cx| self.inner.poll_ready(cx)).await?;
        self.inner.encode_fragment(kind, payload, fin)?;
        std::future::poll_fn(|cx| self.inner.poll_flush(cx)).await?;
        Ok(())
    }

    /// Sends a close frame (1000) and flushes; keep reading until the stream ends to
    /// finish the closing handshake. Cancel safe: the close frame is buffered at the
    /// first poll and a later call only flushes.
    pub async fn close(&mut self) -> Result<(), Error> {
        std::future::poll_fn(|cx| self.inner.poll_close(cx)).await
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocketStream<S> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let waker = cx.waker().clone();
        let mut timer_cx = Context::from_waker(&waker);
        this.read.poll_next(&mut this.inner, cx, &mut timer_cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for WebSocketStream<S> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().inner.poll_ready(cx)
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        self.get_mut().inner.encode(&message)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().inner.poll_flush(cx).map_err(Error::from)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().inner.poll_close(cx)
    }
}

/// Server: accepts a connection with the default [`ServerOptions`] (no subprotocol, any
/// origin, the default limits, 10 s for the handshake). Not cancel safe.
pub async fn accept<S: AsyncRead + AsyncWrite + Unpin>(io: S) -> Result<WebSocketStream<S>, Error> {
    // The default options are boxed with the handshake: while it runs, the caller's
    // task holds a pointer and `io`, not the options.
    Box::pin(async move {
        let options = ServerOptions::default();
        WebSocketStream::accept_unboxed(io, &options).await
    })
    .await
}

/// Server: accepts a connection as `options` say. Not cancel safe.
pub async fn accept_with<S: AsyncRead + AsyncWrite + Unpin>(
    io: S,
    options: &ServerOptions,
) -> Result<WebSocketStream<S>, Error> {
    WebSocketStream::accept_with(io, options).await
}

/// Client: connects to a `ws://host[:port]/path` URL over TCP, or (feature `rustls`)
/// a `wss://` one over TLS trusting the Mozilla roots of the `webpki-roots` crate, with
/// the default [`ClientOptions`]. Not cancel safe.
pub async fn connect(url: &str) -> Result<WebSocketStream<ClientStream>, Error> {
    connect_with(url, &ClientOptions::default()).await
}

/// Client: connects to a `ws://` URL over TCP, or a `wss://` one over TLS, as `options`
/// say (subprotocols, origin, headers, limits, handshake timeout). `wss://` needs the
/// feature `rustls` (without it: [`Error::Url`]) and trusts the Mozilla roots of the
/// `webpki-roots` crate; for other roots (a private CA, a test certificate, the
/// platform's store) use `connect_tls` with `tls::client_config`. Not cancel safe.
pub async fn connect_with(
    url: &str,
    options: &ClientOptions,
) -> Result<WebSocketStream<ClientStream>, Error> {
    if url.starts_with("wss://") {
        #[cfg(feature = "rustls")]
        return tls::connect_wss(url, options, tls::default_config()?, |tls| {
            ClientStream::Tls(Box::new(tls))
        })
        .await;
        #[cfg(not(feature = "rustls"))]
        return Err(Error::Url(WSS_NEEDS_RUSTLS));
    }
    let target = Target::parse(url, "ws", 80)?;
    let io = handshake::within(options.handshake_timeout, async {
        Ok(TcpStream::connect((target.host.as_str(), target.port)).await?)
    })
    .await?;
    io.set_nodelay(true)?;
    WebSocketStream::client(
        ClientStream::Plain(io),
        &target.authority,
        &target.path,
        options,
    )
    .await
}

/// The answer to a `wss://` URL without TLS support.
#[cfg(not(feature = "rustls"))]
const WSS_NEEDS_RUSTLS: &str = "wss:// needs the feature `rustls` of wsframe-tokio";

/// Where a `ws://` (or `wss://`) URL points.
struct Target {
    host: String,
    port: u16,
    /// `Host` header value: host, with the port unless it is the default.
    authority: String,
    path: String,
}

impl Target {
    /// Parses `url`, whose scheme must be `scheme` (`ws` or `wss`, with `default_port`).
    fn parse(url: &str, scheme: &'static str, default_port: u16) -> Result<Self, Error> {
        let uri: http::Uri = url.parse().map_err(|_| Error::Url("not a uri"))?;
        if uri.scheme_str() != Some(scheme) {
            return Err(Error::Url(if scheme == "ws" {
                "scheme must be ws or wss"
            } else {
                "scheme must be wss"
            }));
        }
        let authority = uri.authority().ok_or(Error::Url("no host"))?;
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        Ok(Self {
            host: host.to_owned(),
            port: authority.port_u16().unwrap_or(default_port),
            authority: authority.as_str().to_owned(),
            path: uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let target = Target::parse("wss://[::1]:8443/chat?x=1", "wss", 443).unwrap();
        assert_eq!(
            (target.host.as_str(), target.port, target.authority.as_str()),
            ("::1", 8443, "[::1]:8443")
        );
        assert_eq!(target.path, "/chat?x=1");
        assert_eq!(Target::parse("ws://a", "ws", 80).unwrap().path, "/");
        assert!(matches!(
            Target::parse("http://a/", "ws", 80),
            Err(Error::Url(_))
        ));
    }

    #[cfg(not(feature = "rustls"))]
    #[tokio::test]
    async fn wss_names_the_feature_it_needs() {
        let result = connect("wss://127.0.0.1:1/").await;
        let Err(Error::Url(why)) = result else {
            panic!("{result:?}")
        };
        assert_eq!(why, WSS_NEEDS_RUSTLS);
        assert!(why.contains("`rustls`"));
    }
}
