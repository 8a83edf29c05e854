//! WebAssembly bindings of the wsframe core: the engine of the `wsframe` npm package.
//!
//! This crate converts types and moves bytes; every protocol rule lives in the core.
//!
//! Hot paths keep bytes in wasm memory. A [`Conn`] owns an input buffer and an output
//! buffer inside linear memory: JavaScript reserves room in the input buffer
//! ([`Conn::reserve`]), copies socket data there once, and [`Conn::poll`] parses and
//! unmasks it in place; events point into that buffer ([`Conn::ev_ptr`],
//! [`Conn::ev_len`]) so JavaScript reads them through views over `wasmMemory().buffer`.
//! Outgoing payloads are written by JavaScript straight into the output buffer
//! ([`Conn::send_buf`]) and framed in place. Any call that may allocate
//! ([`Conn::reserve`], [`Conn::send_buf`], [`Conn::transmit`], handshake calls) may grow
//! memory, after which views must be re-derived.
//!
//! On wasm32 the crate is `no_std` (with a small allocator of its own, `heap.rs`): a
//! panic, which would be a bug, traps without formatting its message, so
//! the formatting machinery stays out of the module (about a ninth of it).
//!
//! Errors cross the boundary as numbers (kind, close code or HTTP status, message index,
//! detail: see `js_err`), invalid arguments as their message; the JavaScript layer
//! turns them into typed errors.

#![warn(missing_docs)]
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;

#[cfg(target_arch = "wasm32")]
mod heap;

/// A small allocator of power-of-two blocks (see the module).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: heap::Heap = heap::Heap::new();

/// A panic (a bug: nothing here panics on purpose) traps; its message is not formatted.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

use wasm_bindgen::prelude::*;
use wsframe::frame::{encode_frame, MAX_CONTROL_PAYLOAD};
use wsframe::handshake::{client, server, HandshakeLimits, Status};
use wsframe::{
    CloseCode, Config, Connection, DataKind, DecodeRules, Decoded, Error, Event, FrameHeader,
    HandshakeError, OpCode, ProtocolError, ReadyState, Role, SendError, MAX_HEADER_LEN,
};

/// The module's linear memory, for views over [`Conn`] buffers.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Error kinds, as the JavaScript layer decodes them.
const KIND_PROTOCOL: u64 = 1;
const KIND_HANDSHAKE: u64 = 2;
const KIND_SEND: u64 = 3;
const KIND_CLOSED: u64 = 4;

/// An error for JavaScript as one number: `kind << 40 | number << 24 | message << 16 |
/// detail` (below 2^53, so exact). `number` is the close code or HTTP status, `message`
/// an index into the JavaScript layer's table of the kind's messages and `detail` the
/// value some messages show. Texts live in JavaScript: here they would cost a tenth of
/// the module (the strings and the code that builds them).
fn js_err(kind: u64, number: u16, message: u8, detail: u16) -> JsValue {
    let code = kind << 40 | u64::from(number) << 24 | u64::from(message) << 16;
    // Exact: below 2^53.
    JsValue::from_f64((code | u64::from(detail)) as f64)
}

/// The message index of a protocol error, in the order of `PROTOCOL_MESSAGES` in
/// js/codec.mjs (0: a variant added to the core later), and its detail.
fn protocol_err(e: ProtocolError) -> JsValue {
    let (message, detail) = match e {
        ProtocolError::ReservedOpcode(op) => (1, u16::from(op & 0xf)),
        ProtocolError::ReservedBits(bits) => (2, u16::from(bits & 7)),
        ProtocolError::InvalidCloseCode(close) => (3, close),
        ProtocolError::FragmentedControlFrame => (4, 0),
        ProtocolError::ControlFrameTooLong => (5, 0),
        ProtocolError::NonMinimalLength => (6, 0),
        ProtocolError::LengthTopBitSet => (7, 0),
        ProtocolError::UnmaskedFrame => (8, 0),
        ProtocolError::MaskedFrame => (9, 0),
        ProtocolError::UnexpectedContinuation => (10, 0),
        ProtocolError::ExpectedContinuation => (11, 0),
        ProtocolError::InvalidUtf8 => (12, 0),
        ProtocolError::InvalidClosePayload => (13, 0),
        ProtocolError::FrameTooLarge => (14, 0),
        ProtocolError::LengthOverflow => (15, 0),
        ProtocolError::MessageTooLarge => (16, 0),
        ProtocolError::TooManyFragments => (17, 0),
        _ => (0, 0),
    };
    js_err(KIND_PROTOCOL, e.close_code().0, message, detail)
}

/// A handshake error: its HTTP status and the index of `HANDSHAKE_MESSAGES`.
fn handshake_err(e: HandshakeError) -> JsValue {
    let message = match e {
        HandshakeError::MalformedHttp => 1,
        HandshakeError::MethodNotGet => 2,
        HandshakeError::HttpVersion => 3,
        HandshakeError::MissingHost => 4,
        HandshakeError::MissingUpgrade => 5,
        HandshakeError::MissingConnection => 6,
        HandshakeError::InvalidKey => 7,
        HandshakeError::UnsupportedVersion => 8,
        HandshakeError::InvalidHeaderValue => 9,
        HandshakeError::TooManyOfferHeaders => 10,
        HandshakeError::InvalidExtensionSyntax => 11,
        HandshakeError::TooLarge => 12,
        HandshakeError::TooManyHeaders => 13,
        HandshakeError::OriginRefused => 14,
        HandshakeError::NotSwitchingProtocols(_) => 15,
        HandshakeError::AcceptMismatch => 16,
        HandshakeError::ProtocolNotOffered => 17,
        HandshakeError::ExtensionNotOffered => 18,
        HandshakeError::InvalidArgument => 19,
        HandshakeError::BufferTooSmall => 20,
        _ => 0,
    };
    js_err(KIND_HANDSHAKE, e.http_status(), message, 0)
}

/// A send error: the index of `SEND_MESSAGES` and its detail.
fn send_err(e: SendError) -> JsValue {
    let (message, detail) = match e {
        SendError::InvalidCloseCode(code) => (1, code),
        SendError::BufferTooSmall { .. } => (2, 0),
        SendError::ControlFrameTooLong => (3, 0),
        SendError::FragmentOrder => (4, 0),
        SendError::NotOpen => (5, 0),
        SendError::Connecting => (6, 0),
        SendError::ExtensionNotNegotiated => (7, 0),
        _ => (0, 0),
    };
    js_err(KIND_SEND, 0, message, detail)
}

/// An invalid argument: thrown as its message, which JavaScript makes a `TypeError`.
fn arg_err(message: &str) -> JsValue {
    JsValue::from_str(message)
}

fn conn_err(e: Error) -> JsValue {
    match e {
        Error::Protocol(e) => protocol_err(e),
        Error::Handshake(e) => handshake_err(e),
        _ => js_err(KIND_CLOSED, 0, 0, 0),
    }
}

/// A JavaScript number as a `u64` limit: negative and NaN become 0, +∞ the maximum.
fn limit(value: f64) -> u64 {
    // A float-to-int `as` saturates, which is the intended meaning for a limit.
    value as u64
}

/// Event codes returned by [`Conn::poll`].
const EV_NONE: u32 = 0;
const EV_REQUEST: u32 = 1;
const EV_OPENED: u32 = 2;
const EV_DATA: u32 = 3;
const EV_PING: u32 = 4;
const EV_PONG: u32 = 5;
const EV_CLOSE: u32 = 6;

/// Data event flags, from [`Conn::ev_flags`].
const FLAG_TEXT: u32 = 1;
const FLAG_END_OF_FRAME: u32 = 2;
const FLAG_END_OF_MESSAGE: u32 = 4;
const FLAG_COMPRESSED: u32 = 8;

/// Room kept in the output buffer for control frames and handshake rejections.
const MIN_OUT: usize = 512;

/// A WebSocket connection (either role) with its buffers in wasm memory.
#[wasm_bindgen]
pub struct Conn {
    conn: Connection,
    limits: HandshakeLimits,
    /// Received bytes not yet consumed are `input[start..end]`.
    input: Vec<u8>,
    start: usize,
    end: usize,
    out: Vec<u8>,
    /// The last output written: `out[out_start..out_end]`.
    out_start: usize,
    out_end: usize,
    /// The last event's bytes: an address in linear memory and a length.
    ev_ptr: usize,
    ev_len: usize,
    ev_flags: u32,
    close_code: u16,
    /// The handshake head received (a server keeps it between the request event and
    /// accept/reject) and where its fields are, as offsets into it: see
    /// [`handshake_info`](Self::handshake_info).
    head: Vec<u8>,
    info: Vec<u32>,
    /// Client: the Sec-WebSocket-Accept value of the request written, to find the
    /// response's fields again.
    accept: [u8; 28],
}

#[wasm_bindgen]
impl Conn {
    fn new(conn: Connection, config: Config) -> Self {
        Self {
            conn,
            limits: config.handshake,
            input: Vec::new(),
            start: 0,
            end: 0,
            out: vec![0; MIN_OUT],
            out_start: 0,
            out_end: 0,
            ev_ptr: 0,
            ev_len: 0,
            ev_flags: 0,
            close_code: 0,
            head: Vec::new(),
            info: Vec::new(),
            accept: [0; 28],
        }
    }

    fn config(max_payload: f64, max_message: f64, auto_pong: bool, max_handshake: usize) -> Config {
        let mut config = Config {
            max_frame_len: limit(max_payload),
            max_message_len: limit(max_message),
            auto_pong,
            ..Config::default()
        };
        if max_handshake > 0 {
            config.handshake.max_bytes = max_handshake;
        }
        config
    }

    /// A server connection. With `handshake_done` the opening handshake happened
    /// elsewhere; otherwise the request is expected first.
    pub fn server(
        max_payload: f64,
        max_message: f64,
        auto_pong: bool,
        max_handshake: usize,
        handshake_done: bool,
    ) -> Conn {
        let config = Self::config(max_payload, max_message, auto_pong, max_handshake);
        let mut conn = Connection::server(config);
        if handshake_done {
            conn = conn.with_handshake_done();
        }
        Self::new(conn, config)
    }

    /// A client connection; `seed` (16 random bytes) keys the masks. With
    /// `handshake_done` frames flow at once.
    pub fn client(
        max_payload: f64,
        max_message: f64,
        auto_pong: bool,
        max_handshake: usize,
        seed: &[u8],
        handshake_done: bool,
    ) -> Result<Conn, JsValue> {
        let seed: [u8; 16] = seed
            .try_into()
            .map_err(|_| arg_err("seed must be 16 bytes"))?;
        let config = Self::config(max_payload, max_message, auto_pong, max_handshake);
        let mut conn = Connection::client(config, seed);
        if handshake_done {
            conn = conn.with_handshake_done();
        }
        Ok(Self::new(conn, config))
    }

    /// Makes room for `n` more received bytes and returns their address; write them
    /// there, then call [`commit`](Self::commit). May grow memory.
    pub fn reserve(&mut self, n: usize) -> usize {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.start > 0 && self.end + n > self.input.len() {
            self.input.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let needed = self.end.saturating_add(n);
        if needed > self.input.len() {
            self.input.resize(needed, 0);
        }
        self.input.as_ptr() as usize + self.end
    }

    /// Marks `n` bytes written at the address [`reserve`](Self::reserve) returned.
    pub fn commit(&mut self, n: usize) {
        self.end = self.end.saturating_add(n).min(self.input.len());
    }

    /// Bytes received and not consumed yet.
    pub fn pending(&self) -> usize {
        self.end - self.start
    }

    /// Reads the next event from the received bytes: one of 0 (need more input),
    /// 1 request, 2 opened, 3 data, 4 ping, 5 pong, 6 close. Throws on a protocol or
    /// handshake error; what is owed to the peer then comes from
    /// [`transmit`](Self::transmit).
    pub fn poll(&mut self) -> Result<u32, JsValue> {
        let base = self.input.as_ptr() as usize;
        let input = &mut self.input[self.start..self.end];
        let received = self.conn.receive(input).map_err(conn_err)?;
        let consumed = received.consumed;
        let mut head = None;
        let mut close_code = 0;
        let mut flags = 0;
        let (code, bytes): (u32, &[u8]) = match received.event {
            None => (EV_NONE, &[]),
            Some(Event::Data(data)) => {
                if data.kind == DataKind::Text {
                    flags |= FLAG_TEXT;
                }
                if data.end_of_frame {
                    flags |= FLAG_END_OF_FRAME;
                }
                if data.end_of_message {
                    flags |= FLAG_END_OF_MESSAGE;
                }
                if data.compressed {
                    flags |= FLAG_COMPRESSED;
                }
                (EV_DATA, data.payload)
            }
            Some(Event::Ping(payload)) => (EV_PING, payload),
            Some(Event::Pong(payload)) => (EV_PONG, payload),
            Some(Event::Close(close)) => {
                close_code = close.code.map_or(0, |c| c.0);
                (EV_CLOSE, close.reason.as_bytes())
            }
            // Their fields are found again in the kept head when asked for: the frame
            // path above runs measurably slower when these arms build them.
            Some(Event::Request(_)) => {
                head = Some(consumed);
                (EV_REQUEST, &[])
            }
            Some(Event::Opened(_)) => {
                head = Some(consumed);
                (EV_OPENED, &[])
            }
        };
        self.ev_ptr = if bytes.is_empty() {
            base
        } else {
            bytes.as_ptr() as usize
        };
        self.ev_len = bytes.len();
        self.ev_flags = flags;
        self.close_code = close_code;
        if let Some(len) = head {
            self.head.clear();
            self.head
                .extend_from_slice(&self.input[self.start..self.start + len]);
        }
        self.start += consumed;
        Ok(code)
    }

    /// The address of the last event's bytes (payload or close reason).
    pub fn ev_ptr(&self) -> usize {
        self.ev_ptr
    }

    /// The length of the last event's bytes.
    pub fn ev_len(&self) -> usize {
        self.ev_len
    }

    /// The last data event's flags: 1 text, 2 end of frame, 4 end of message, 8
    /// compressed (the message's first frame had RSV1).
    pub fn ev_flags(&self) -> u32 {
        self.ev_flags
    }

    /// Payload bytes of the current frame still to come after the last data event (0
    /// when it ended its frame), to size a message buffer once. A number: exact up to
    /// 2^53, far beyond any payload limit.
    pub fn frame_remaining(&self) -> f64 {
        // u64 to f64 rounds only above 2^53.
        self.conn.frame_remaining() as f64
    }

    /// The last close event's status code, 0 when the close frame had none.
    pub fn close_code(&self) -> u16 {
        self.close_code
    }

    /// Writes everything the protocol owes the peer (pong, close reply, failing close,
    /// handshake rejection) into the output buffer; returns its length (0 when
    /// nothing is owed). Read it at [`out_ptr`](Self::out_ptr).
    pub fn transmit(&mut self) -> Result<usize, JsValue> {
        let mut len = 0;
        loop {
            if self.out.len() < len + MIN_OUT {
                self.out.resize(len + MIN_OUT, 0);
            }
            match self.conn.poll_transmit(&mut self.out[len..]) {
                Ok(Some(n)) => len += n,
                Ok(None) => break,
                Err(e) => return Err(send_err(e)),
            }
        }
        self.set_out(0, len);
        Ok(len)
    }

    fn set_out(&mut self, start: usize, end: usize) {
        self.out_start = start;
        self.out_end = end;
    }

    /// The address of the last output written.
    pub fn out_ptr(&self) -> usize {
        self.out.as_ptr() as usize + self.out_start
    }

    /// The length of the last output written.
    pub fn out_len(&self) -> usize {
        self.out_end - self.out_start
    }

    /// Makes room for an outgoing payload of `len` bytes and returns its address;
    /// write the payload there, then call [`send`](Self::send). May grow memory.
    pub fn send_buf(&mut self, len: usize) -> usize {
        let needed = MAX_HEADER_LEN.saturating_add(len);
        if self.out.len() < needed {
            self.out.resize(needed, 0);
        }
        self.out.as_ptr() as usize + MAX_HEADER_LEN
    }

    /// Frames the `len` payload bytes written at [`send_buf`](Self::send_buf) as a
    /// data frame (a client's are masked in place); returns the frame length, at
    /// [`out_ptr`](Self::out_ptr).
    pub fn send(&mut self, text: bool, fin: bool, len: usize) -> Result<usize, JsValue> {
        let kind = if text {
            DataKind::Text
        } else {
            DataKind::Binary
        };
        let end = MAX_HEADER_LEN.saturating_add(len);
        let buf = self
            .out
            .get_mut(..end)
            .ok_or_else(|| arg_err("payload not written with send_buf"))?;
        let start = self
            .conn
            .send_in_place(kind, fin, buf, MAX_HEADER_LEN)
            .map_err(send_err)?;
        self.set_out(start, end);
        Ok(end - start)
    }

    /// Server only: frames a payload of `len` bytes that stays in JavaScript, writing
    /// just the header (at [`out_ptr`](Self::out_ptr)); returns the header length. The
    /// payload then goes to the socket after the header, untouched: a server does not
    /// mask.
    pub fn send_header(&mut self, text: bool, fin: bool, len: usize) -> Result<usize, JsValue> {
        if self.conn.role() != Role::Server {
            return Err(arg_err("only a server sends payloads without masking"));
        }
        let kind = if text {
            DataKind::Text
        } else {
            DataKind::Binary
        };
        let end = MAX_HEADER_LEN.saturating_add(len);
        if self.out.len() < end {
            self.out.resize(end, 0);
        }
        // The header goes in front of `out[MAX_HEADER_LEN..end]`; a server's payload
        // bytes are not read or written, so they need not be there.
        let start = self
            .conn
            .send_in_place(kind, fin, &mut self.out[..end], MAX_HEADER_LEN)
            .map_err(send_err)?;
        self.set_out(start, MAX_HEADER_LEN);
        Ok(MAX_HEADER_LEN - start)
    }

    fn control(&mut self, opcode: OpCode, payload: &[u8]) -> Result<usize, JsValue> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(send_err(SendError::ControlFrameTooLong));
        }
        let out = &mut self.out[..];
        let n = match opcode {
            OpCode::Ping => self.conn.send_ping(payload, out),
            _ => self.conn.send_pong(payload, out),
        }
        .map_err(send_err)?;
        self.set_out(0, n);
        Ok(n)
    }

    /// Writes a ping; returns the frame length.
    pub fn ping(&mut self, payload: &[u8]) -> Result<usize, JsValue> {
        self.control(OpCode::Ping, payload)
    }

    /// Writes an unsolicited pong; returns the frame length.
    pub fn pong(&mut self, payload: &[u8]) -> Result<usize, JsValue> {
        self.control(OpCode::Pong, payload)
    }

    /// Writes a close frame (`code` 0 for none); returns the frame length.
    pub fn close(&mut self, code: u16, reason: &str) -> Result<usize, JsValue> {
        let code = (code != 0).then_some(CloseCode(code));
        let n = self
            .conn
            .send_close(code, reason, &mut self.out[..])
            .map_err(send_err)?;
        self.set_out(0, n);
        Ok(n)
    }

    /// Frames a whole message that a negotiated extension transformed (permessage-deflate)
    /// as one frame with RSV1; returns the frame length, at [`out_ptr`](Self::out_ptr).
    pub fn send_compressed(&mut self, text: bool, payload: &[u8]) -> Result<usize, JsValue> {
        let kind = if text {
            DataKind::Text
        } else {
            DataKind::Binary
        };
        let needed = MAX_HEADER_LEN.saturating_add(payload.len());
        if self.out.len() < needed {
            self.out.resize(needed, 0);
        }
        let n = self
            .conn
            .send_compressed(kind, payload, &mut self.out)
            .map_err(send_err)?;
        self.set_out(0, n);
        Ok(n)
    }

    /// Allows the RSV bits a negotiated extension defines (4 = RSV1 for
    /// permessage-deflate) from the next frame on.
    pub fn set_allowed_rsv(&mut self, rsv: u8) {
        self.conn.set_allowed_rsv(rsv);
    }

    /// Fails the connection for a reason found outside the core (1007 for compressed
    /// data that does not inflate to valid text, 1009 for a message inflating past the
    /// limit): the close frame is then owed through [`transmit`](Self::transmit).
    pub fn fail(&mut self, code: u16) -> Result<(), JsValue> {
        self.conn.fail_with(CloseCode(code)).map_err(send_err)
    }

    /// 0 connecting, 1 open, 2 closing, 3 closed (the browser API's numbering).
    pub fn ready_state(&self) -> u8 {
        match self.conn.ready_state() {
            ReadyState::Connecting => 0,
            ReadyState::Open => 1,
            ReadyState::Closing => 2,
            ReadyState::Closed => 3,
        }
    }

    /// Whether [`transmit`](Self::transmit) has something to write.
    pub fn wants_transmit(&self) -> bool {
        self.conn.wants_transmit()
    }

    /// Marks the connection closed (transport ended, timeout).
    pub fn abort(&mut self) {
        self.conn.abort();
    }

    // ----- opening handshake -----

    /// The address of the handshake head kept by the last request (server) or opened
    /// (client) event.
    pub fn head_ptr(&self) -> usize {
        self.head.as_ptr() as usize
    }

    /// Finds the fields of the handshake head kept by the last request (server) or
    /// opened (client) event and returns their number (0 before such an event): `u32`
    /// values at [`info_ptr`](Self::info_ptr), with strings as `offset, length` into
    /// the head (offset `u32::MAX` for an absent one). A request is `[head length, path,
    /// host, key, origin, n, n protocols, m, m extension names]`; a response is `[head
    /// length, protocol, extensions]`. The codec's `parseRequest` reads a request this way.
    pub fn handshake_info(&mut self) -> usize {
        let at = self.head.as_ptr() as usize;
        self.info = if self.head.is_empty() {
            Vec::new()
        } else if self.conn.role() == Role::Server {
            match server::Request::parse(&self.head, &self.limits) {
                Ok(Status::Complete { value, head_len }) => request_info(&value, at, head_len),
                _ => Vec::new(),
            }
        } else {
            // The core checked the response against the offer already.
            let offer = OfferOf {
                accept: self.accept,
                protocols: None,
            };
            match client::Response::parse(&self.head, &offer, &self.limits) {
                Ok(Status::Complete { value, head_len }) => {
                    let extensions = value
                        .header("sec-websocket-extensions")
                        .and_then(|v| core::str::from_utf8(v).ok());
                    let mut info = vec![len32(head_len)];
                    info.extend_from_slice(&span_or_none(at, value.protocol));
                    info.extend_from_slice(&span_or_none(at, extensions));
                    info
                }
                _ => Vec::new(),
            }
        };
        self.info.len()
    }

    /// The address of the values [`handshake_info`](Self::handshake_info) found.
    pub fn info_ptr(&self) -> usize {
        self.info.as_ptr() as usize
    }

    /// Server: accepts the request with an optional subprotocol; the 101 response is
    /// at [`out_ptr`](Self::out_ptr). Returns its length.
    /// `extensions` is the `Sec-WebSocket-Extensions` answer of a negotiated extension.
    /// `""` stands for none.
    pub fn accept(&mut self, protocol: &str, extensions: &str) -> Result<usize, JsValue> {
        let head = core::mem::take(&mut self.head);
        let result = match server::Request::parse(&head, &self.limits) {
            Ok(Status::Complete { value, .. }) => {
                let response = server::Response {
                    protocol: none_if_empty(protocol),
                    extensions: none_if_empty(extensions),
                    ..server::Response::default()
                };
                self.out.resize(self.out.len().max(4096), 0);
                self.conn
                    .accept(&value, &response, &mut self.out)
                    .map_err(handshake_err)
            }
            Ok(Status::Partial) => Err(arg_err("no request received")),
            Err(e) => Err(handshake_err(e)),
        };
        self.head = head;
        let n = result?;
        self.set_out(0, n);
        Ok(n)
    }

    /// Server: refuses the request with status 400, 403, 426 or 431; the response is
    /// at [`out_ptr`](Self::out_ptr). Returns its length.
    pub fn reject(&mut self, status: u16) -> Result<usize, JsValue> {
        let rejection = rejection(status)?;
        let n = self
            .conn
            .reject(&rejection, &mut self.out)
            .map_err(handshake_err)?;
        self.set_out(0, n);
        Ok(n)
    }

    /// Client: writes the opening request; it is at [`out_ptr`](Self::out_ptr).
    /// `protocols` are joined by commas; `origin` and `extensions` (the
    /// `Sec-WebSocket-Extensions` offer) are `""` for none; `headers` alternates names
    /// and values, each followed by a NUL byte.
    // The JavaScript boundary takes flat arguments rather than a struct.
    #[allow(clippy::too_many_arguments)]
    pub fn write_request(
        &mut self,
        host: &str,
        path: &str,
        nonce: &[u8],
        protocols: &str,
        origin: &str,
        extensions: &str,
        headers: &str,
    ) -> Result<usize, JsValue> {
        let nonce: [u8; 16] = nonce
            .try_into()
            .map_err(|_| arg_err("nonce must be 16 bytes"))?;
        let protocols = split_list(protocols);
        let mut fields = split_on(headers, 0);
        let mut pairs = Vec::new();
        while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
            pairs.push((name, value));
        }
        let request = client::Request {
            protocols: &protocols,
            origin: none_if_empty(origin),
            extensions: none_if_empty(extensions),
            headers: &pairs,
            ..client::Request::new(host, path, nonce)
        };
        let size = 512
            + host.len()
            + path.len()
            + extensions.len()
            + origin.len()
            + headers.len()
            + 4 * pairs.len()
            + 2 * protocols.len()
            + protocols.iter().map(|p| p.len()).sum::<usize>();
        if self.out.len() < size {
            self.out.resize(size, 0);
        }
        let n = self
            .conn
            .write_request(&request, &mut self.out)
            .map_err(handshake_err)?;
        self.accept = request.expected_accept();
        self.set_out(0, n);
        Ok(n)
    }
}

fn rejection(status: u16) -> Result<server::Rejection<'static>, JsValue> {
    Ok(match status {
        400 => server::Rejection::BadRequest("bad request"),
        403 => server::Rejection::Forbidden,
        426 => server::Rejection::UpgradeRequired,
        431 => server::Rejection::TooLarge,
        _ => return Err(arg_err("rejection status must be 400, 403, 426 or 431")),
    })
}

// ----- the codec: frames, masks, handshake messages -----
//
// Results that are several values cross the boundary as arrays of numbers (offsets into
// the caller's input for strings): wasm-bindgen's glue for structs, string arrays and
// optional strings would double the module.

/// `None` for `""`, the boundary's way of saying "none".
fn none_if_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// The pieces of `s` between the ASCII separator `sep`: `str::split` with a byte, whose
/// general pattern search would add a kilobyte to the module.
fn split_on(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    core::iter::from_fn(move || {
        let r = rest?;
        match r.bytes().position(|b| b == sep) {
            Some(i) => {
                // `sep` is ASCII, so both sides are on character boundaries.
                rest = r.get(i + 1..);
                r.get(..i)
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// A comma-separated list of tokens (subprotocols) as a vector of its items.
fn split_list(list: &str) -> Vec<&str> {
    split_on(list, b',').filter(|p| !p.is_empty()).collect()
}

/// Decodes the frame header at the start of `buf` as an endpoint of the given role
/// would (`server` true: frames come from a client and must be masked). Returns `[]`
/// plus the bytes needed as `[0, needed]` when incomplete, else `[1, fin, rsv, opcode,
/// masked, mask key (big-endian), payload length low 32 bits, high 32 bits, header
/// length]`. Throws a protocol error with its close code on a violation.
#[wasm_bindgen(js_name = decodeHeader)]
pub fn decode_header(
    buf: &[u8],
    server: bool,
    allowed_rsv: u8,
    max_payload: f64,
) -> Result<Vec<u32>, JsValue> {
    let rules = DecodeRules {
        role: if server { Role::Server } else { Role::Client },
        allowed_rsv,
        max_payload_len: limit(max_payload),
    };
    Ok(
        match FrameHeader::decode(buf, &rules).map_err(protocol_err)? {
            Decoded::Partial { needed } => vec![0, u32::try_from(needed).unwrap_or(u32::MAX)],
            Decoded::Complete { header, header_len } => vec![
                1,
                u32::from(header.fin),
                u32::from(header.rsv),
                u32::from(header.opcode.as_u8()),
                u32::from(header.mask.is_some()),
                header.mask.map_or(0, u32::from_be_bytes),
                // Splitting the u64 into halves: truncation is the point.
                header.payload_len as u32,
                (header.payload_len >> 32) as u32,
                // At most 14.
                header_len as u32,
            ],
        },
    )
}

/// Encodes a whole frame; `masked` with `mask_key` (big-endian) masks the payload.
#[wasm_bindgen(js_name = encodeFrame)]
pub fn encode_frame_js(
    fin: bool,
    rsv: u8,
    opcode: u8,
    masked: bool,
    mask_key: u32,
    payload: &[u8],
) -> Result<Vec<u8>, JsValue> {
    let opcode = OpCode::from_u8(opcode).map_err(protocol_err)?;
    if rsv > 7 {
        return Err(arg_err("rsv must be 0 to 7"));
    }
    let mut header = FrameHeader::new(opcode, fin, 0);
    header.rsv = rsv;
    header.mask = masked.then(|| mask_key.to_be_bytes());
    let mut out = vec![0; MAX_HEADER_LEN + payload.len()];
    let n = encode_frame(header, payload, &mut out).map_err(send_err)?;
    out.truncate(n);
    Ok(out)
}

/// A buffer in wasm memory for masking without copying across the boundary.
#[wasm_bindgen]
pub struct MaskBuffer {
    buf: Vec<u8>,
}

#[wasm_bindgen]
impl MaskBuffer {
    /// An empty buffer.
    #[wasm_bindgen(constructor)]
    pub fn new() -> MaskBuffer {
        MaskBuffer { buf: Vec::new() }
    }

    /// Makes room for `len` bytes; returns their address. May grow memory.
    pub fn reserve(&mut self, len: usize) -> usize {
        if self.buf.len() < len {
            self.buf.resize(len, 0);
        }
        self.buf.as_ptr() as usize
    }

    /// Masks the first `len` bytes in place.
    pub fn apply(&mut self, len: usize, mask_key: u32, offset: usize) {
        let len = len.min(self.buf.len());
        wsframe::apply_mask(&mut self.buf[..len], mask_key.to_be_bytes(), offset);
    }
}

impl Default for MaskBuffer {
    fn default() -> Self {
        Self::new()
    }
}

/// The Sec-WebSocket-Accept value for a Sec-WebSocket-Key.
#[wasm_bindgen(js_name = acceptKey)]
pub fn accept_key(key: &str) -> JsValue {
    let accept = wsframe::accept_key(key.as_bytes());
    // Base64 is ASCII.
    JsValue::from_str(core::str::from_utf8(&accept).unwrap_or_default())
}

/// A length or offset as a `u32` (wasm32 addresses fit).
fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Where `part` lies in memory relative to the address `at` (the start of the buffer it
/// is a slice of): `[offset, length]`.
fn span(at: usize, part: &str) -> [u32; 2] {
    [
        len32((part.as_ptr() as usize).wrapping_sub(at)),
        len32(part.len()),
    ]
}

/// [`span`], or `[u32::MAX, 0]` for `None`.
fn span_or_none(at: usize, part: Option<&str>) -> [u32; 2] {
    part.map_or([u32::MAX, 0], |p| span(at, p))
}

/// A request's fields as [`Conn::handshake_info`] gives them, for a request parsed from
/// the buffer at address `at`.
fn request_info(request: &server::Request<'_>, at: usize, head_len: usize) -> Vec<u32> {
    let mut out = vec![len32(head_len)];
    for field in [request.path, request.host, request.key] {
        out.extend_from_slice(&span(at, field));
    }
    out.extend_from_slice(&span_or_none(at, request.origin));
    // Each list is its length, then its items.
    let count = out.len();
    out.push(0);
    for p in request.protocols() {
        out[count] += 1;
        out.extend_from_slice(&span(at, p));
    }
    let count = out.len();
    out.push(0);
    for e in request.extensions() {
        out[count] += 1;
        out.extend_from_slice(&span(at, e.name));
    }
    out
}

/// Writes a refusal with status 400, 403, 426 or 431.
#[wasm_bindgen(js_name = buildRejection)]
pub fn build_rejection(status: u16) -> Result<Vec<u8>, JsValue> {
    let mut out = vec![0; 512];
    let n = rejection(status)?.write(&mut out).map_err(handshake_err)?;
    out.truncate(n);
    Ok(out)
}

/// Writes a client's opening request; `protocols` joined by commas, `origin` `""` for
/// none.
#[wasm_bindgen(js_name = buildRequest)]
pub fn build_request(
    host: &str,
    path: &str,
    nonce: &[u8],
    protocols: &str,
    origin: &str,
) -> Result<Vec<u8>, JsValue> {
    let nonce: [u8; 16] = nonce
        .try_into()
        .map_err(|_| arg_err("nonce must be 16 bytes"))?;
    let protocols = split_list(protocols);
    let request = client::Request {
        protocols: &protocols,
        origin: none_if_empty(origin),
        ..client::Request::new(host, path, nonce)
    };
    let mut out = vec![0; 1024 + host.len() + path.len() + origin.len() + protocols.len() * 64];
    let n = request.write(&mut out).map_err(handshake_err)?;
    out.truncate(n);
    Ok(out)
}

/// What a request offered, to check a response against: `protocols` joined by commas
/// and no extensions, or, with `protocols` `None`, any protocol and extension (for a
/// response checked before). One type for both uses: one copy of the response parser.
struct OfferOf<'a> {
    accept: [u8; 28],
    protocols: Option<&'a str>,
}

impl client::Offer for OfferOf<'_> {
    fn expected_accept(&self) -> [u8; 28] {
        self.accept
    }
    fn offered_protocol(&self, protocol: &str) -> bool {
        self.protocols
            .is_none_or(|list| split_on(list, b',').any(|p| !p.is_empty() && p == protocol))
    }
    fn offered_extension(&self, _name: &str) -> bool {
        self.protocols.is_none()
    }
}

/// Checks a server's response (RFC 6455 §4.1) to a request made with `nonce` and
/// `protocols` (joined by commas; no extensions). Returns `[]` while incomplete, else
/// `[head length, protocol offset, protocol length]` (offset `u32::MAX` without one).
#[wasm_bindgen(js_name = parseResponse)]
pub fn parse_response(buf: &[u8], nonce: &[u8], protocols: &str) -> Result<Vec<u32>, JsValue> {
    let nonce: [u8; 16] = nonce
        .try_into()
        .map_err(|_| arg_err("nonce must be 16 bytes"))?;
    let offer = OfferOf {
        accept: client::Request::new("h", "/", nonce).expected_accept(),
        protocols: Some(protocols),
    };
    match client::Response::parse(buf, &offer, &HandshakeLimits::default())
        .map_err(handshake_err)?
    {
        Status::Partial => Ok(Vec::new()),
        Status::Complete { value, head_len } => {
            let [offset, len] = span_or_none(buf.as_ptr() as usize, value.protocol);
            Ok(vec![
                u32::try_from(head_len).unwrap_or(u32::MAX),
                offset,
                len,
            ])
        }
    }
}
