//! # wsframe-std
//!
//! A blocking WebSocket (RFC 6455) over any `Read + Write` stream, for servers and
//! clients, built on the sans-IO [`wsframe`] core. This crate only moves bytes between
//! the stream and a [`wsframe::Connection`]: every protocol rule (framing, masking,
//! UTF-8, close codes, limits, the handshake checks) is the core's.
//!
//! What it adds: whole messages ([`Message`]), pongs and the close reply written as
//! soon as they are owed, the handshake driven over the stream with a time limit, a
//! subprotocol choice and origin policy ([`ServerOptions`]), randomness for the client's
//! key and masks (from the operating system), and an optional handler for plain HTTP
//! requests so one port can serve a page and its WebSocket.
//!
//! With the default `deflate` feature, permessage-deflate (RFC 7692) is available on
//! both sides ([`ServerOptions::permessage_deflate`], [`ClientOptions::permessage_deflate`]):
//! negotiation and the codec are [`wsframe_deflate`]'s; received messages are inflated
//! within the message limit and inflated text is checked with the core's UTF-8 validator.
//!
//! ## An echo server
//!
//! ```no_run
//! use std::net::TcpListener;
//! use wsframe_std::{Message, WebSocket};
//!
//! fn main() -> std::io::Result<()> {
//!     let listener = TcpListener::bind("127.0.0.1:9001")?;
//!     for stream in listener.incoming() {
//!         let stream = stream?;
//!         std::thread::spawn(move || {
//!             let Ok(mut ws) = WebSocket::accept(stream) else { return };
//!             // Pings are answered and the close is echoed inside `read`.
//!             while let Ok(message) = ws.read() {
//!                 let sent = match message {
//!                     Message::Text(text) => ws.send_text(&text),
//!                     Message::Binary(data) => ws.send_binary(&data),
//!                     _ => Ok(()),
//!                 };
//!                 if sent.is_err() {
//!                     break;
//!                 }
//!             }
//!         });
//!     }
//!     Ok(())
//! }
//! ```
//!
//! ## A client
//!
//! ```no_run
//! use std::net::TcpStream;
//! use wsframe_std::{ClientOptions, Message, WebSocket};
//!
//! let stream = TcpStream::connect("127.0.0.1:9001")?;
//! let mut ws = WebSocket::connect(stream, "127.0.0.1:9001", "/", &ClientOptions::default())?;
//! ws.send_text("hello")?;
//! assert_eq!(ws.read()?, Message::Text("hello".into()));
//! ws.close(Some(wsframe::CloseCode::NORMAL), "done")?;
//! while !matches!(ws.read()?, Message::Close { .. }) {}
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "deflate")]
mod deflate;
mod error;
mod keepalive;
mod options;

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use wsframe::handshake::{client, server};
use wsframe::{
    CloseCode, Connection, DataKind, Event, HandshakeError, ReadyState, Role, MAX_HEADER_LEN,
};

pub use error::Error;
pub use keepalive::KeepAlive;
pub use options::{
    ClientOptions, HttpHandler, HttpRequest, HttpResponse, OpeningRequest, OriginCheck,
    ProtocolSelector, Refusal, RequestCheck, ServerOptions,
};
pub use wsframe;
#[cfg(feature = "deflate")]
pub use wsframe_deflate::{self, DeflateConfig};

/// The smallest input buffer; bigger handshake limits get a bigger one.
const INPUT_CAPACITY: usize = 64 * 1024;
/// Room for any frame the core owes (a control frame is at most 131 bytes, an HTTP
/// rejection under 256).
const OWED_CAPACITY: usize = 512;

/// A whole message or control frame received from the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message (valid UTF-8, checked by the core).
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// A ping; the pong has already been sent (with the default `auto_pong`).
    Ping(Vec<u8>),
    /// A pong.
    Pong(Vec<u8>),
    /// The peer's close frame; the reply has already been sent if this side had not
    /// closed first. The closing handshake is complete once this arrives after
    /// [`WebSocket::close`].
    Close {
        /// The status code; `None` when the frame had no body (1005 in the browser API).
        code: Option<CloseCode>,
        /// The reason, empty when absent.
        reason: String,
    },
}

/// A WebSocket over a blocking stream, either role.
#[derive(Debug)]
pub struct WebSocket<S> {
    stream: S,
    conn: Connection,
    /// Received bytes; `input[start..end]` is not consumed yet.
    input: Vec<u8>,
    start: usize,
    end: usize,
    /// Frames being written.
    out: Vec<u8>,
    /// The pieces of the message being received.
    message: Vec<u8>,
    protocol: Option<String>,
    /// A frame of a fragmented message was sent and its last one was not yet.
    sending_fragments: bool,
    /// permessage-deflate, when negotiated.
    compression: Option<Box<Compression>>,
    /// Heartbeat, idle and close timers (all off unless set).
    timers: keepalive::Timers,
}

impl<S: Read + Write> WebSocket<S> {
    fn new(stream: S, conn: Connection) -> Self {
        let capacity = INPUT_CAPACITY.max(conn.config().handshake.max_bytes + 1);
        Self {
            stream,
            conn,
            input: vec![0; capacity],
            start: 0,
            end: 0,
            out: Vec::new(),
            message: Vec::new(),
            protocol: None,
            sending_fragments: false,
            compression: None,
            timers: keepalive::Timers::default(),
        }
    }

    /// Wraps a stream whose opening handshake was done elsewhere (e.g. by an HTTP
    /// server that hands over the upgraded connection). A client needs `mask_seed`
    /// from a strong random source; a server ignores it.
    pub fn from_upgraded(stream: S, role: Role, config: wsframe::Config) -> Result<Self, Error> {
        let conn = match role {
            Role::Server => Connection::server(config),
            Role::Client => Connection::client(config, random()?),
        };
        Ok(Self::new(stream, conn.with_handshake_done()))
    }

    /// Server: reads the opening request and accepts it with the default options (no
    /// subprotocol, any origin, default limits, 10 s handshake limit).
    pub fn accept(stream: S) -> Result<Self, Error> {
        Self::accept_with(stream, &ServerOptions::default())
    }

    /// Server: reads the opening request and answers it as `options` say: 101 with the
    /// chosen subprotocol, 403 for a refused origin, the status of a
    /// [`ServerOptions::check_request`] refusal, the core's 400/426/431 for a bad
    /// request, or the HTTP handler's answer for a plain HTTP request. permessage-deflate
    /// is accepted when offered and [`ServerOptions::permessage_deflate`] is set; other
    /// extensions are declined.
    pub fn accept_with(stream: S, options: &ServerOptions) -> Result<Self, Error> {
        let mut ws = Self::new(stream, Connection::server(options.config));
        let started = Instant::now();
        loop {
            let received = ws.conn.receive(&mut ws.input[ws.start..ws.end]);
            match received {
                Ok(got) => match got.event {
                    Some(Event::Request(request)) => {
                        let consumed = got.consumed;
                        let mut owed = [0u8; OWED_CAPACITY];
                        if !options.allows_origin(request.origin) {
                            let n = ws.conn.reject(&server::Rejection::Forbidden, &mut owed)?;
                            ws.stream.write_all(&owed[..n])?;
                            ws.stream.flush()?;
                            return Err(Error::Handshake(HandshakeError::OriginRefused));
                        }
                        let header = |name: &str| request.header(name);
                        let opening = OpeningRequest::new(request.path, request.origin, &header);
                        if let Some(refusal) = options.refusal(&opening) {
                            let answer = refusal.reject(&mut ws.conn)?;
                            ws.stream.write_all(&answer)?;
                            ws.stream.flush()?;
                            return Err(Error::Refused(refusal.status));
                        }
                        let offered: Vec<&str> = request.protocols().collect();
                        let protocol = options.choose_protocol(&offered);
                        #[cfg(feature = "deflate")]
                        let compression = options.permessage_deflate.as_ref().and_then(|c| {
                            deflate::Compression::server(request.extensions(), c).map(Box::new)
                        });
                        #[cfg(feature = "deflate")]
                        let extensions = compression.as_ref().map(|c| c.agreed());
                        #[cfg(not(feature = "deflate"))]
                        let extensions = None;
                        let response = server::Response {
                            protocol: protocol.as_deref(),
                            extensions,
                            ..server::Response::default()
                        };
                        let mut head = vec![
                            0u8;
                            OWED_CAPACITY
                                + protocol.as_ref().map_or(0, String::len)
                                + extensions.map_or(0, str::len)
                        ];
                        let n = ws.conn.accept(&request, &response, &mut head)?;
                        ws.start += consumed;
                        ws.stream.write_all(&head[..n])?;
                        ws.stream.flush()?;
                        ws.protocol = protocol;
                        #[cfg(feature = "deflate")]
                        if compression.is_some() {
                            ws.conn.set_allowed_rsv(wsframe::frame::RSV1);
                            ws.compression = compression;
                        }
                        return Ok(ws);
                    }
                    Some(_) => return Err(Error::Closed),
                    None => ws.handshake_fill(started, options.handshake_timeout)?,
                },
                Err(wsframe::Error::Handshake(
                    e @ (HandshakeError::MissingUpgrade | HandshakeError::MissingConnection),
                )) if options.http.is_some() => {
                    ws.answer_http(options, e)?;
                    return Err(Error::HttpAnswered);
                }
                Err(e) => {
                    // The core owes the HTTP rejection.
                    ws.flush_owed()?;
                    return Err(e.into());
                }
            }
        }
    }

    /// The request was well-formed HTTP but not an upgrade: let the handler answer it
    /// instead of the core's 400.
    fn answer_http(&mut self, options: &ServerOptions, error: HandshakeError) -> Result<(), Error> {
        self.conn.abort();
        let Some(response) = options.answer_http(&self.input[self.start..self.end]) else {
            return Err(Error::Handshake(error));
        };
        self.stream.write_all(&response)?;
        self.stream.flush()?;
        Ok(())
    }

    /// Client: writes the opening request for `path` on `host` (the `Host` header:
    /// host, and `:port` unless default) and waits for the server's 101, which the core
    /// checks (§4.1). The key and the masking seed come from the operating system's
    /// random source.
    pub fn connect(
        stream: S,
        host: &str,
        path: &str,
        options: &ClientOptions,
    ) -> Result<Self, Error> {
        let mut ws = Self::new(stream, Connection::client(options.config, random()?));
        let protocols: Vec<&str> = options.protocols.iter().map(String::as_str).collect();
        let headers: Vec<(&str, &str)> = options
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        #[cfg(feature = "deflate")]
        let offer = options
            .permessage_deflate
            .as_ref()
            .map(|c| wsframe_deflate::Offer(c).to_string());
        #[cfg(feature = "deflate")]
        let extensions = offer.as_deref();
        #[cfg(not(feature = "deflate"))]
        let extensions = None;
        let request = client::Request {
            protocols: &protocols,
            extensions,
            origin: options.origin.as_deref(),
            headers: &headers,
            ..client::Request::new(host, path, random()?)
        };
        let mut head = vec![
            0u8;
            1024 + path.len()
                + host.len()
                + options_len(options)
                + extensions.map_or(0, str::len)
        ];
        let n = ws.conn.write_request(&request, &mut head)?;
        ws.stream.write_all(&head[..n])?;
        ws.stream.flush()?;
        let started = Instant::now();
        loop {
            let got = ws.conn.receive(&mut ws.input[ws.start..ws.end])?;
            match got.event {
                Some(Event::Opened(response)) => {
                    ws.protocol = response.protocol.map(str::to_owned);
                    #[cfg(feature = "deflate")]
                    let answer = match &options.permessage_deflate {
                        Some(c) => deflate::Compression::client(response.extensions(), c),
                        None => Ok(None),
                    };
                    ws.start += got.consumed;
                    #[cfg(feature = "deflate")]
                    match answer {
                        Ok(Some(compression)) => {
                            ws.conn.set_allowed_rsv(wsframe::frame::RSV1);
                            ws.compression = Some(Box::new(compression));
                        }
                        Ok(None) => {}
                        Err(e) => {
                            // RFC 7692 §5: the client fails the connection.
                            // 1002 may be sent, so this cannot be refused.
                            let _ = ws.conn.fail_with(CloseCode::PROTOCOL_ERROR);
                            ws.flush_owed()?;
                            return Err(Error::DeflateNegotiation(e));
                        }
                    }
                    return Ok(ws);
                }
                Some(_) => return Err(Error::Closed),
                None => ws.handshake_fill(started, options.handshake_timeout)?,
            }
        }
    }

    /// Reads the next message or control frame.
    ///
    /// Owed frames (the pong for a ping, the reply to a close, the close that fails the
    /// connection on a protocol error) are written before this returns. After the
    /// closing handshake, or after an error that ended the connection, it returns
    /// [`Error::Closed`]. A read timeout on the stream returns [`Error::Io`] and keeps
    /// every received byte: calling again resumes.
    pub fn read(&mut self) -> Result<Message, Error> {
        loop {
            self.flush_owed()?;
            if self.conn.ready_state() == ReadyState::Closed {
                return Err(Error::Closed);
            }
            let received = self.conn.receive(&mut self.input[self.start..self.end]);
            let got = match received {
                Ok(got) => got,
                Err(e) => {
                    // A protocol error leaves the failing close frame owed.
                    let _ = self.flush_owed();
                    return Err(e.into());
                }
            };
            self.start += got.consumed;
            match got.event {
                Some(Event::Data(data)) => {
                    self.timers.message(Instant::now());
                    if data.compressed {
                        let limit = self.conn.config().max_message_len;
                        let inflated = inflate(
                            self.compression.as_deref_mut(),
                            data.kind,
                            data.payload,
                            data.end_of_message,
                            limit,
                            &mut self.message,
                        );
                        if let Err(e) = inflated {
                            return Err(self.fail_extension(e));
                        }
                    } else {
                        self.message.extend_from_slice(data.payload);
                    }
                    if data.end_of_message {
                        let kind = data.kind;
                        let payload = std::mem::take(&mut self.message);
                        return Ok(match kind {
                            DataKind::Binary => Message::Binary(payload),
                            // The core (or, for compressed text, `inflate`) validated
                            // the text; a failure here is a bug.
                            DataKind::Text => {
                                Message::Text(String::from_utf8(payload).map_err(|_| {
                                    Error::Protocol(wsframe::ProtocolError::InvalidUtf8)
                                })?)
                            }
                        });
                    }
                }
                Some(Event::Ping(payload)) => {
                    let payload = payload.to_vec();
                    self.flush_owed()?;
                    return Ok(Message::Ping(payload));
                }
                Some(Event::Pong(payload)) => {
                    self.timers.pong();
                    return Ok(Message::Pong(payload.to_vec()));
                }
                Some(Event::Close(close)) => {
                    let message = Message::Close {
                        code: close.code,
                        reason: close.reason.to_owned(),
                    };
                    self.flush_owed()?;
                    return Ok(message);
                }
                Some(Event::Request(_) | Event::Opened(_)) => return Err(Error::Closed),
                None => {
                    self.run_timers()?;
                    match self.fill() {
                        Ok(true) => {}
                        Ok(false) => {
                            self.conn.abort();
                            return Err(Error::ConnectionReset);
                        }
                        Err(Error::Io(e)) if is_timeout(&e) => {
                            self.run_timers()?;
                            return Err(Error::Io(e));
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }

    /// Fails the connection for an error found while inflating.
    fn fail_extension(&mut self, error: Error) -> Error {
        self.message = Vec::new();
        // 1002, 1007 and 1009 may all be sent, so this cannot be refused.
        #[cfg(feature = "deflate")]
        let _ = self.conn.fail_with(Compression::failure_code(&error));
        #[cfg(not(feature = "deflate"))]
        let _ = self.conn.fail_with(CloseCode::PROTOCOL_ERROR);
        let _ = self.flush_owed();
        error
    }

    /// The `Sec-WebSocket-Extensions` value agreed in the handshake (e.g.
    /// `permessage-deflate`), or `None` when no extension is in use.
    pub fn extensions(&self) -> Option<&str> {
        #[cfg(feature = "deflate")]
        if let Some(c) = &self.compression {
            return Some(c.agreed());
        }
        None
    }

    /// Sends a text message as one frame (compressed when permessage-deflate is in use
    /// and the message is long enough).
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.send(DataKind::Text, text.as_bytes(), true)
    }

    /// Sends a binary message as one frame (compressed like [`send_text`](Self::send_text)).
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send(DataKind::Binary, data, true)
    }

    /// Sends one frame of a fragmented message: the first call starts a message of
    /// `kind`, later calls continue it with the same `kind`, and `fin` ends it (§5.4).
    /// Fragmented messages are sent uncompressed.
    pub fn send_fragment(
        &mut self,
        kind: DataKind,
        payload: &[u8],
        fin: bool,
    ) -> Result<(), Error> {
        self.send(kind, payload, fin)
    }

    fn send(&mut self, kind: DataKind, payload: &[u8], fin: bool) -> Result<(), Error> {
        self.flush_owed()?;
        #[cfg(feature = "deflate")]
        if fin && !self.sending_fragments {
            if let Some(compression) = self.compression.as_mut() {
                if let Some(compressed) = compression.compress(payload)? {
                    let needed = compressed.len() + MAX_HEADER_LEN;
                    if self.out.len() < needed {
                        self.out.resize(needed, 0);
                    }
                    let n = self.conn.send_compressed(kind, compressed, &mut self.out)?;
                    compression.shrink(4 * INPUT_CAPACITY);
                    return self.write_out(n);
                }
            }
        }
        let needed = payload.len() + MAX_HEADER_LEN;
        if self.out.len() < needed {
            self.out.resize(needed, 0);
        }
        let n = self.conn.send_fragment(kind, payload, fin, &mut self.out)?;
        self.sending_fragments = !fin;
        self.write_out(n)
    }

    /// Sends a ping (at most 125 bytes of payload).
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.flush_owed()?;
        let mut frame = [0u8; OWED_CAPACITY];
        let n = self.conn.send_ping(payload, &mut frame)?;
        self.stream.write_all(&frame[..n])?;
        self.stream.flush()?;
        Ok(())
    }

    /// Sends an unsolicited pong (a heartbeat).
    pub fn pong(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.flush_owed()?;
        let mut frame = [0u8; OWED_CAPACITY];
        let n = self.conn.send_pong(payload, &mut frame)?;
        self.stream.write_all(&frame[..n])?;
        self.stream.flush()?;
        Ok(())
    }

    /// Starts the closing handshake with `code` (or an empty close with `None`) and a
    /// reason of at most 123 bytes. Keep calling [`read`](Self::read) until it returns
    /// [`Message::Close`]: that is the peer's reply.
    pub fn close(&mut self, code: Option<CloseCode>, reason: &str) -> Result<(), Error> {
        self.flush_owed()?;
        let mut frame = [0u8; OWED_CAPACITY];
        let n = self.conn.send_close(code, reason, &mut frame)?;
        self.timers.close_sent(Instant::now());
        self.stream.write_all(&frame[..n])?;
        self.stream.flush()?;
        Ok(())
    }

    /// Sets the heartbeat, idle and close timers ([`KeepAlive`]), counting from now.
    /// They run inside [`read`](Self::read), which needs a read timeout on the stream
    /// to notice them while the peer is silent.
    ///
    /// ```no_run
    /// use std::net::TcpStream;
    /// use std::time::Duration;
    /// use wsframe_std::{Error, KeepAlive, Message, WebSocket};
    ///
    /// let stream = TcpStream::connect("127.0.0.1:9001")?;
    /// let mut ws = WebSocket::connect(stream, "127.0.0.1:9001", "/", &Default::default())?;
    /// ws.get_ref().set_read_timeout(Some(Duration::from_millis(250)))?;
    /// ws.set_keepalive(KeepAlive {
    ///     ping_interval: Some(Duration::from_secs(20)),
    ///     pong_timeout: Some(Duration::from_secs(5)),
    ///     ..KeepAlive::default()
    /// });
    /// loop {
    ///     match ws.read() {
    ///         Ok(Message::Text(text)) => println!("{text}"),
    ///         Ok(_) => {}
    ///         // The read timeout: the timers ran; keep reading.
    ///         Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {}
    ///         // Error::PongTimeout: the peer vanished; the connection is dropped.
    ///         Err(e) => break,
    ///     }
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_keepalive(&mut self, keepalive: KeepAlive) {
        self.timers.set(keepalive, Instant::now());
    }

    /// The timers in force.
    pub fn keepalive(&self) -> KeepAlive {
        self.timers.settings
    }

    /// Does what the timers say is due: a heartbeat ping, the idle close, or dropping a
    /// peer that answered neither a ping nor a close in time.
    fn run_timers(&mut self) -> Result<(), Error> {
        let now = Instant::now();
        match self.timers.due(now) {
            keepalive::Due::Nothing => Ok(()),
            keepalive::Due::Ping => {
                self.ping(&[])?;
                self.timers.pinged(now);
                Ok(())
            }
            keepalive::Due::IdleClose => self.close(Some(CloseCode::GOING_AWAY), "idle timeout"),
            keepalive::Due::PongTimeout => {
                self.conn.abort();
                Err(Error::PongTimeout)
            }
            keepalive::Due::CloseTimeout => {
                self.conn.abort();
                Err(Error::CloseTimeout)
            }
        }
    }

    fn write_out(&mut self, n: usize) -> Result<(), Error> {
        self.stream.write_all(&self.out[..n])?;
        self.stream.flush()?;
        // Do not keep a huge buffer after one large message.
        if self.out.len() > 4 * INPUT_CAPACITY {
            self.out = Vec::new();
        }
        Ok(())
    }

    /// Writes whatever the core owes the peer.
    fn flush_owed(&mut self) -> Result<(), Error> {
        let mut owed = [0u8; OWED_CAPACITY];
        let mut wrote = false;
        while let Some(n) = self.conn.poll_transmit(&mut owed)? {
            self.stream.write_all(&owed[..n])?;
            wrote = true;
        }
        if wrote {
            self.stream.flush()?;
        }
        Ok(())
    }

    /// Reads more of the handshake. A read timeout of the stream only ends it when
    /// the handshake has no time limit of its own or that limit has passed.
    fn handshake_fill(&mut self, started: Instant, limit: Option<Duration>) -> Result<(), Error> {
        loop {
            if limit.is_some_and(|limit| started.elapsed() >= limit) {
                self.conn.abort();
                return Err(Error::HandshakeTimeout);
            }
            match self.fill() {
                Ok(true) => return Ok(()),
                Ok(false) => {
                    self.conn.abort();
                    return Err(Error::ConnectionReset);
                }
                Err(Error::Io(e)) if limit.is_some() && is_timeout(&e) => {}
                Err(e) => {
                    self.conn.abort();
                    return Err(e);
                }
            }
        }
    }

    /// Reads more bytes after the unconsumed ones; `false` at the end of the stream.
    fn fill(&mut self) -> Result<bool, Error> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.input.len() {
            self.input.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        loop {
            match self.stream.read(&mut self.input[self.end..]) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The subprotocol agreed in the handshake, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The connection's state, as the browser API names it.
    pub fn ready_state(&self) -> ReadyState {
        self.conn.ready_state()
    }

    /// The underlying stream, e.g. to set timeouts.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The underlying stream, mutably. Writing to it directly corrupts the framing.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }
}

#[cfg(feature = "deflate")]
pub use deflate::Compression;

/// Without the `deflate` feature there is never a compression state.
#[cfg(not(feature = "deflate"))]
#[derive(Debug)]
enum Compression {}

/// Inflates a piece of a compressed message onto `message`.
#[cfg(feature = "deflate")]
fn inflate(
    compression: Option<&mut Compression>,
    kind: DataKind,
    piece: &[u8],
    end: bool,
    limit: u64,
    message: &mut Vec<u8>,
) -> Result<(), Error> {
    match compression {
        Some(c) => c.inflate(kind, piece, end, limit, message),
        // The core delivers compressed data only once RSV1 is allowed, after negotiation.
        None => Err(Error::Closed),
    }
}

#[cfg(not(feature = "deflate"))]
fn inflate(
    compression: Option<&mut Compression>,
    _: DataKind,
    _: &[u8],
    _: bool,
    _: u64,
    _: &mut Vec<u8>,
) -> Result<(), Error> {
    // Without the feature RSV1 is never allowed, so the core never delivers this.
    match compression {
        Some(never) => match *never {},
        None => Err(Error::Closed),
    }
}

/// Upper bound of the bytes the offer adds to the request head.
fn options_len(options: &ClientOptions) -> usize {
    options.protocols.iter().map(|p| p.len() + 2).sum::<usize>()
        + options.origin.as_ref().map_or(0, String::len)
        + options
            .headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum::<usize>()
}

/// A read timeout of the stream (its kind differs between platforms).
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// `N` bytes from the operating system's random source: the 16-byte key nonce and the
/// 32-byte seed of the masking keys.
fn random<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| Error::Io(io::Error::other(e.to_string())))?;
    Ok(bytes)
}
