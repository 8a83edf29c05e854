//! # wsframe-embedded-io
//!
//! A WebSocket (RFC 6455) server and client over any [`embedded_io_async`] stream
//! ([`WebSocket`]) or blocking [`embedded_io`] stream ([`blocking::WebSocket`]):
//! `no_std`, no allocator, no executor dependency, buffers from the caller. It runs on
//! embassy-net's `TcpSocket`, esp-hal / esp-wifi sockets, or anything else that
//! implements the traits. Every protocol rule (framing, masking, UTF-8, close codes,
//! limits, the handshake checks) is the [`wsframe`] core's; this crate moves bytes
//! between the stream and a [`wsframe::Connection`].
//!
//! - [`WebSocket::accept`] reads the opening request and answers it (101, or the core's
//!   400/426/431); [`WebSocket::connect`] writes a request and checks the response;
//!   [`WebSocket::from_upgraded`] takes a stream whose HTTP part another server did.
//! - [`WebSocket::recv`] returns the next [`Message`], borrowed from the caller's buffer
//!   (only the buffer, so it can be sent on while held): a whole message when it fits,
//!   [`Piece`]s of it otherwise, so the buffer bounds memory but not message size.
//!   Pongs and the close reply are written on the way.
//! - `send_text`, `send_binary`, `send_fragment` (stream a message of any size),
//!   `ping`, `pong`, `close`; [`WebSocket::into_inner`] gives the stream back. Data
//!   frames are written but not flushed (socket streams send without a flush, and
//!   embassy-net's flush waits for the peer's acknowledgement); control frames are
//!   flushed (the pongs `recv` owes, once it has no input left to process), and
//!   [`WebSocket::flush`] flushes on request.
//!
//! Memory per connection: the caller's buffer plus `size_of::<WebSocket<T>>()`: the
//! core's connection state, a 256-byte output buffer, the timers and the stream (824
//! bytes on thumbv7em with embassy-net's `TcpSocket` by reference, 80 of them the
//! timers). The embassy image in `examples/embedded` serves each connection in 5,360
//! bytes of RAM, TCP buffers included.
//!
//! ## Cancel safety
//!
//! Firmware often waits for a message or a timer, whichever comes first (a `select`).
//! [`recv`](WebSocket::recv) is cancel-safe when the stream's `read` and `write` are:
//! all its state (bytes read, a pong half written, a decoded event) is kept in the
//! `WebSocket`, so a dropped call loses nothing and the next one resumes. Sends are
//! not: a send dropped after part of a large frame was written leaves the stream
//! unusable, and later calls say so with [`Error::Interrupted`]. The handshakes consume
//! the stream; dropping one (a timeout on `accept`) just drops the connection.
//!
//! ## An echo server and a client
//!
//! Here both ends run over an in-memory tokio pipe through `embedded-io-adapters`; on a
//! board `io` is e.g. an `embassy_net::tcp::TcpSocket` that accepted a connection.
//!
//! ```
//! use embedded_io_adapters::tokio_1::FromTokio;
//! use wsframe::handshake::client::Request;
//! use wsframe::{Config, DataKind};
//! use wsframe_embedded_io::{Message, WebSocket};
//!
//! async fn echo<T: embedded_io_async::Read + embedded_io_async::Write>(
//!     io: T,
//! ) -> Result<(), wsframe_embedded_io::Error<T::Error>> {
//!     let mut buf = [0u8; 1024];
//!     let mut ws = WebSocket::accept(io, &mut buf, Config::default()).await?;
//!     loop {
//!         // Messages larger than the buffer arrive in pieces and are echoed as
//!         // fragments, so no message size needs a bigger buffer.
//!         let (kind, payload, fin) = match ws.recv(&mut buf).await? {
//!             Message::Text(text) => (DataKind::Text, text.as_bytes(), true),
//!             Message::Binary(data) => (DataKind::Binary, data, true),
//!             Message::Piece(piece) => (piece.kind, piece.payload, piece.last),
//!             Message::Close(_) => return Ok(()), // the reply is already sent
//!             Message::Ping(_) | Message::Pong(_) => continue,
//!         };
//!         // Sent straight from the receive buffer.
//!         ws.send_fragment(kind, payload, fin).await?;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (server_io, client_io) = tokio::io::duplex(4096);
//! let server = echo(FromTokio::new(server_io));
//! let client = async {
//!     let mut buf = [0u8; 1024];
//!     // The nonce and the mask seed come from the board's random number generator.
//!     let request = Request::new("example.com", "/", [7; 16]);
//!     let io = FromTokio::new(client_io);
//!     let mut ws = WebSocket::connect(io, &mut buf, Config::default(), &request, [9; 32]).await?;
//!     ws.send_text("hello").await?;
//!     assert_eq!(ws.recv(&mut buf).await?, Message::Text("hello"));
//!     ws.close(Some(wsframe::CloseCode::NORMAL), "").await?;
//!     assert!(matches!(ws.recv(&mut buf).await?, Message::Close(_)));
//!     Ok::<_, wsframe_embedded_io::Error<std::io::Error>>(())
//! };
//! let (served, done) = tokio::join!(server, client);
//! served.unwrap();
//! done.unwrap();
//! # }
//! ```
//!
//! ## Heartbeat and timeouts
//!
//! [`KeepAlive`] (all off by default) pings the peer every interval and drops it when a
//! pong is overdue (a peer that vanished without a FIN), closes a connection that
//! carried no data for too long (1001), and drops one whose close went unanswered. The
//! crate owns no clock: [`set_keepalive`](WebSocket::set_keepalive) takes a function
//! returning milliseconds, `recv` acts on the timers, and the caller wakes `recv` at
//! [`next_deadline`](WebSocket::next_deadline) by racing it against a timer (`recv` is
//! cancel-safe). On embassy that is `embassy_time::with_deadline` around `recv`, as the
//! embassy image in `examples/embedded` does; here with tokio, where the client never
//! reads, so it never answers the server's ping:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use embedded_io_adapters::tokio_1::FromTokio;
//! use wsframe::handshake::client::Request;
//! use wsframe::Config;
//! use wsframe_embedded_io::{Error, KeepAlive, Message, WebSocket};
//!
//! /// Milliseconds since the first call: the clock the timers run on.
//! fn millis() -> u64 {
//!     static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
//!     let elapsed = START.get_or_init(Instant::now).elapsed().as_millis();
//!     u64::try_from(elapsed).unwrap_or(u64::MAX)
//! }
//!
//! async fn serve<T: embedded_io_async::Read + embedded_io_async::Write>(
//!     io: T,
//! ) -> Result<(), Error<T::Error>> {
//!     let mut buf = [0u8; 1024];
//!     let mut ws = WebSocket::accept(io, &mut buf, Config::default()).await?;
//!     let keepalive = KeepAlive {
//!         ping_interval_ms: Some(50),
//!         pong_timeout_ms: Some(50),
//!         ..KeepAlive::default()
//!     };
//!     ws.set_keepalive(keepalive, millis);
//!     loop {
//!         let deadline = ws.next_deadline();
//!         let timer = async move {
//!             match deadline {
//!                 Some(at) => tokio::time::sleep(Duration::from_millis(at - millis().min(at))).await,
//!                 None => std::future::pending().await,
//!             }
//!         };
//!         tokio::select! {
//!             got = ws.recv(&mut buf) => {
//!                 if let Message::Close(_) = got? {
//!                     return Ok(());
//!                 }
//!             }
//!             // The next `recv` acts on the timer that fell due.
//!             () = timer => {}
//!         }
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (server_io, client_io) = tokio::io::duplex(4096);
//! let client = async {
//!     let mut buf = [0u8; 1024];
//!     let request = Request::new("example.com", "/", [7; 16]);
//!     let io = FromTokio::new(client_io);
//!     let ws = WebSocket::connect(io, &mut buf, Config::default(), &request, [9; 32]).await;
//!     // Holds the connection without reading from it, so no pong is ever sent.
//!     tokio::time::sleep(Duration::from_millis(500)).await;
//!     ws.map(|_| ())
//! };
//! let (served, connected) = tokio::join!(serve(FromTokio::new(server_io)), client);
//! assert!(connected.is_ok());
//! assert!(matches!(served, Err(Error::PongTimeout)));
//! # }
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod engine;
mod error;
mod keepalive;
mod message;
mod websocket;

pub use error::Error;
pub use keepalive::KeepAlive;
pub use message::{Message, Piece};
pub use wsframe;

pub use asynch::WebSocket;

/// The [`WebSocket`] over the async `embedded_io_async` traits.
mod asynch {
    crate::websocket::websocket!(embedded_io_async, (async), (.await));
}

/// The same [`WebSocket`](blocking::WebSocket) over the blocking `embedded_io` traits.
pub mod blocking {
    crate::websocket::websocket!(embedded_io, (), ());
}
