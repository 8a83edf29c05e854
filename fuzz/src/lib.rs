//! Shared pieces of the fuzz targets: reading a configuration and chunk sizes from the
//! front of the fuzzer's input, and a driver that feeds a [`Connection`] the way a
//! transport does (keep unconsumed bytes, append the next read) while checking the
//! invariants every input must keep.

use wsframe::handshake::{client, server, HandshakeLimits};
use wsframe::{Config, Connection, DataKind, Event};

/// The client's fixed offer in the handshake targets; its accept value is the one of
/// RFC 6455 §1.3 (`s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`).
pub fn client_request() -> client::Request<'static> {
    client::Request {
        protocols: &["chat", "superchat"],
        extensions: Some("permessage-deflate; client_max_window_bits"),
        ..client::Request::new("server.example.com", "/chat", *b"the sample nonce")
    }
}

/// Takes the first byte of `data` (0 when empty) and returns it with the rest.
pub fn take_byte(data: &[u8]) -> (u8, &[u8]) {
    match data {
        [first, rest @ ..] => (*first, rest),
        [] => (0, data),
    }
}

/// Reads a chunk plan from the front of `data`: one byte with the number of chunk
/// sizes (0–31), then one byte per size. Returns the sizes and the rest of `data`.
pub fn take_chunk_sizes(data: &[u8]) -> (Vec<usize>, &[u8]) {
    let (count, rest) = take_byte(data);
    let count = usize::from(count % 32).min(rest.len());
    let (sizes, rest) = rest.split_at(count);
    (sizes.iter().map(|&s| usize::from(s)).collect(), rest)
}

/// Cuts `stream` into pieces of the given sizes (0 allowed); the rest goes in the last.
pub fn split<'a>(stream: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut chunks = Vec::with_capacity(sizes.len() + 1);
    let mut rest = stream;
    for &size in sizes {
        let (piece, tail) = rest.split_at(size.min(rest.len()));
        chunks.push(piece);
        rest = tail;
    }
    chunks.push(rest);
    chunks
}

/// Limits small enough that a fuzzer reaches them.
pub fn small_config() -> Config {
    Config {
        max_frame_len: 64,
        max_message_len: 200,
        max_fragments: 6,
        handshake: HandshakeLimits {
            max_bytes: 400,
            max_headers: 8,
        },
        ..Config::default()
    }
}

/// Handshake limits picked by one input byte (including a header cap above the hard
/// ceiling, which must be clamped, and zero).
pub fn handshake_limits(choice: u8) -> HandshakeLimits {
    let max_bytes = match choice & 0b11 {
        0 => HandshakeLimits::default().max_bytes,
        1 => 64,
        2 => 300,
        _ => 1 << 16,
    };
    let max_headers = match (choice >> 2) & 0b111 {
        0 => HandshakeLimits::default().max_headers,
        1 => 0,
        2 => 3,
        3 => wsframe::handshake::MAX_HEADERS,
        4 => 1000,
        _ => 8,
    };
    HandshakeLimits {
        max_bytes,
        max_headers,
    }
}

/// What the application sees, whole: messages and control frames in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// The server got a request (and accepted it) / the client got the 101.
    Handshake,
    /// A whole data message.
    Message(DataKind, Vec<u8>),
    /// A ping's payload.
    Ping(Vec<u8>),
    /// A pong's payload.
    Pong(Vec<u8>),
    /// A close frame's code and reason.
    Close(Option<u16>, String),
}

/// The outcome of a whole stream: must not depend on how it was split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Everything delivered, in order.
    pub seen: Vec<Seen>,
    /// The error that ended reading, if any.
    pub error: Option<wsframe::Error>,
    /// Every byte the connection wrote for the peer (101 response, pongs, closes).
    pub transmitted: Vec<u8>,
    /// Input bytes never consumed (0 after an error).
    pub unconsumed: usize,
}

/// A connection as configured by the flag byte of the `connection` target.
pub struct Setup {
    /// Server or client.
    pub server: bool,
    /// Start with the opening handshake (otherwise it is already done).
    pub handshake: bool,
    /// The configuration.
    pub config: Config,
    /// RSV bits allowed as if an extension had been negotiated.
    pub allowed_rsv: u8,
}

impl Setup {
    /// Reads a setup from one byte.
    pub fn from_byte(flags: u8) -> Self {
        let mut config = if flags & 0b100 != 0 {
            small_config()
        } else {
            Config::default()
        };
        let allowed_rsv = if flags & 0b1000 != 0 {
            wsframe::frame::RSV1
        } else {
            0
        };
        config.auto_pong = flags & 0b1_0000 == 0;
        Self {
            server: flags & 1 == 0,
            handshake: flags & 0b10 != 0,
            config,
            allowed_rsv,
        }
    }

    /// A fresh connection; a client has written its request already.
    pub fn connect(&self) -> Connection {
        let mut conn = if self.server {
            Connection::server(self.config)
        } else {
            let mut conn = Connection::client(self.config, [0x5a; 32]);
            let mut out = [0u8; 1024];
            conn.write_request(&client_request(), &mut out)
                .expect("the fixed request fits");
            conn
        };
        conn.set_allowed_rsv(self.allowed_rsv);
        if self.handshake {
            conn
        } else {
            conn.with_handshake_done()
        }
    }
}

/// Feeds `chunks` in order, as a transport would, and checks on the way that
///
/// - every event consumes input (no loop can spin), and nothing beyond the input;
/// - whole text messages are UTF-8 (unless compressed), messages respect the size and fragment limits,
///   control payloads are at most 125 bytes;
/// - what the connection owes the peer always fits a 512-byte buffer;
/// - after an error, more input is refused.
pub fn drive(conn: &mut Connection, config: &Config, chunks: &[&[u8]]) -> Outcome {
    let mut buf: Vec<u8> = Vec::new();
    let mut message: Vec<u8> = Vec::new();
    let mut fragments: u64 = 0;
    let mut frame_len: u64 = 0;
    let mut outcome = Outcome {
        seen: Vec::new(),
        error: None,
        transmitted: Vec::new(),
        unconsumed: 0,
    };
    let mut out = [0u8; 512];
    'chunks: for chunk in chunks {
        buf.extend_from_slice(chunk);
        // Every event consumes at least one byte, so this bound is never the reason
        // the loop stops while events keep coming.
        let max_steps = buf.len() + 2;
        let mut steps = 0;
        loop {
            steps += 1;
            assert!(steps <= max_steps, "receive made no progress");
            let len = buf.len();
            let received = match conn.receive(&mut buf) {
                Ok(received) => received,
                Err(e) => {
                    outcome.error = Some(e);
                    drain(conn, &mut out, &mut outcome.transmitted);
                    assert!(
                        conn.receive(&mut [0x81, 0x00]).is_err(),
                        "input accepted after an error"
                    );
                    break 'chunks;
                }
            };
            assert!(received.consumed <= len);
            let consumed = received.consumed;
            let Some(event) = received.event else {
                buf.drain(..consumed);
                drain(conn, &mut out, &mut outcome.transmitted);
                break;
            };
            assert!(consumed > 0, "an event that consumed nothing");
            match event {
                Event::Request(request) => {
                    let n = conn
                        .accept(&request, &server::Response::default(), &mut out)
                        .expect("a 101 fits 512 bytes");
                    outcome.transmitted.extend_from_slice(&out[..n]);
                    outcome.seen.push(Seen::Handshake);
                }
                Event::Opened(_) => outcome.seen.push(Seen::Handshake),
                Event::Data(data) => {
                    frame_len += data.payload.len() as u64;
                    assert!(frame_len <= config.max_frame_len);
                    if data.end_of_frame {
                        fragments += 1;
                        frame_len = 0;
                    }
                    message.extend_from_slice(data.payload);
                    assert!(message.len() as u64 <= config.max_message_len);
                    assert!(fragments <= u64::from(config.max_fragments));
                    if data.end_of_message {
                        // A compressed message is validated after inflating, above the core.
                        if data.kind == DataKind::Text && !data.compressed {
                            assert!(core::str::from_utf8(&message).is_ok(), "invalid text");
                        }
                        outcome
                            .seen
                            .push(Seen::Message(data.kind, core::mem::take(&mut message)));
                        fragments = 0;
                    }
                }
                Event::Ping(p) => {
                    assert!(p.len() <= 125);
                    outcome.seen.push(Seen::Ping(p.to_vec()));
                }
                Event::Pong(p) => {
                    assert!(p.len() <= 125);
                    outcome.seen.push(Seen::Pong(p.to_vec()));
                }
                Event::Close(c) => {
                    outcome
                        .seen
                        .push(Seen::Close(c.code.map(|c| c.0), c.reason.to_string()));
                }
            }
            buf.drain(..consumed);
            drain(conn, &mut out, &mut outcome.transmitted);
        }
    }
    if outcome.error.is_none() {
        outcome.unconsumed = buf.len();
    }
    outcome
}

fn drain(conn: &mut Connection, out: &mut [u8], transmitted: &mut Vec<u8>) {
    // At most a rejection or pong, then a close: bounded.
    for _ in 0..4 {
        match conn.poll_transmit(out).expect("owed bytes fit 512 bytes") {
            Some(n) => transmitted.extend_from_slice(&out[..n]),
            None => {
                assert!(!conn.wants_transmit());
                return;
            }
        }
    }
    panic!("poll_transmit never ran dry");
}
