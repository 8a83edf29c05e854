//! WebAssembly bindings of the wsframe core: the engine of the `wsframe` npm package.
//!
//! This crate converts types and moves bytes; every protocol rule lives in the core.
//!
//! Hot paths keep bytes in wasm memory. A [`Conn`] owns an input buffer and an output
//! buffer inside linear memory: JavaScript takes room in the input buffer
//! ([`Conn::append`]), copies socket data there once, and [`Conn::poll`] parses and
//! unmasks it in place; events point into that buffer (their address and length are in
//! the connection's registers, [`Conn::regs_ptr`]) so JavaScript reads them through
//! views over `wasmMemory().buffer`.
//! Outgoing payloads are written by JavaScript straight into the output buffer
//! ([`Conn::send_buf`]) and framed in place. Any call that may allocate
//! ([`Conn::append`], [`Conn::send_buf`], [`Conn::transmit`], handshake calls) may grow
//! memory, after which views must be re-derived.
//!
//! On wasm32 the crate is `no_std` (with talc as its allocator, below): a
//! panic, which would be a bug, traps without formatting its message, so
//! the formatting machinery stays out of the module (about a ninth of it).
//!
//! Every call returns a number: a fallible one returns its result, or an error as a
//! negative number (kind, close code or HTTP status, message index, detail: see
//! `js_err`), which the JavaScript layer turns into a typed error. Besides numbers only
//! the memory handle crosses the boundary ([`wasm_memory`]), so the module needs none of
//! wasm-bindgen's machinery for JavaScript values, results and returned arrays: typed
//! errors thrown from here (`js_sys::Error`) would bring it in, and cost each call a
//! JavaScript exception path where a negative number costs a comparison.

#![warn(missing_docs)]
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;

/// The allocator: talc, which grows linear memory as needed and merges freed blocks, so
/// the memory a large message used serves any size afterwards. Measured against
/// lol_alloc and dlmalloc with `scripts/codec-bench.mjs` (echoes of 16 B to 64 KiB through
/// two connections, server handshakes): the same speed within the noise; the module grows
/// by 2.3 KB with talc, 1.4 KB with lol_alloc (whose free list is searched linearly and
/// whose blocks never merge) and 8.6 KB with dlmalloc (over the 45,000-byte budget).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// A panic (a bug: nothing here panics on purpose) traps; its message is not formatted.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

mod errors;
#[cfg(test)]
mod js_tables;

use errors::{
    arg_err, conn_err, handshake_err, memory_err, protocol_err, send_err, ARG_NONCE,
    ARG_NOT_WRITTEN, ARG_NO_REQUEST, ARG_REJECTION, ARG_RSV, CLOSE_OUT_OF_MEMORY,
};
use wasm_bindgen::prelude::*;
use wsframe::frame::{self, MAX_CONTROL_PAYLOAD};
use wsframe::handshake::{client, server, HandshakeLimits, Status};
use wsframe::{
    CloseCode, Config, Connection, DataKind, DecodeRules, Decoded, Event, FrameHeader, OpCode,
    ReadyState, Role, SendError, MAX_HEADER_LEN,
};

/// The module's linear memory, for views over [`Conn`] buffers (its `buffer` changes
/// when memory grows): the one JavaScript value that crosses the boundary, typed with
/// js-sys. Linking js-sys costs the module 731 bytes (49,761 to 50,492), none of it for
/// this function: js-sys exports a description of each of its imports, and the closure
/// adapters those name stay in the function table, which the module keeps because the
/// core dispatches its handshake reader and key refill through function pointers (its
/// role table; with a `match` on the state there instead, the module with js-sys
/// measured 49,777 bytes).
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> js_sys::WebAssembly::Memory {
    wasm_bindgen::memory().unchecked_into()
}

/// An error as a call returns it: `-code`, with `code` from [`errors`].
type Code = f64;

/// A call's result as the number it returns: the value, or the error negated.
fn ret(result: Result<usize, Code>) -> f64 {
    match result {
        // Lengths and addresses of wasm32 memory: exact.
        Ok(n) => n as f64,
        Err(code) => -code,
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

/// Data event flags, in register [`R_EV_FLAGS`].
const FLAG_TEXT: u32 = 1;
const FLAG_END_OF_FRAME: u32 = 2;
const FLAG_END_OF_MESSAGE: u32 = 4;
const FLAG_COMPRESSED: u32 = 8;

/// Room for a handshake rejection or what the protocol owes (a pong, a close frame)
/// in the output buffer. The buffer is sized by each call for what it writes, so an idle
/// server connection that only sent headers keeps [`MAX_HEADER_LEN`] bytes.
const MIN_OUT: usize = 512;
/// The longest control frame: a masked header and 125 payload bytes (§5.5).
const MAX_CONTROL_FRAME: usize = 6 + MAX_CONTROL_PAYLOAD;

// The registers: what a call leaves for JavaScript to read, `u32` values at
// [`Conn::regs_ptr`], read from memory instead of with one call per value.

/// The address and length of the last event's bytes (payload or close reason).
const R_EV_PTR: usize = 0;
const R_EV_LEN: usize = 1;
/// The last data event's flags: 1 text, 2 end of frame, 4 end of message, 8 compressed
/// (the message's first frame had RSV1).
const R_EV_FLAGS: usize = 2;
/// The last close event's status code, 0 when the close frame had none.
const R_CLOSE_CODE: usize = 3;
/// The address of the last output written; its length is what the call returned.
const R_OUT_PTR: usize = 4;
/// The address of the handshake head kept by the last request (server) or opened
/// (client) event, and the address and number of its fields: `u32` values, strings as
/// `offset, length` into the head (offset `u32::MAX` for an absent one). A request is
/// `[head length, path, host, key, origin, n, n protocols, m, m extension names]`; a
/// response is `[head length, protocol, extensions]`. The codec's `parseRequest` and
/// `parseResponse` read a head this way.
const R_HEAD_PTR: usize = 5;
const R_INFO_PTR: usize = 6;
const R_INFO_LEN: usize = 7;
/// The masking key of the frame whose header the last [`Conn::send_header`] wrote
/// (big-endian; 0 for a server, which does not mask).
const R_MASK_KEY: usize = 8;
const REGS: usize = 9;

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
    regs: [u32; REGS],
    /// The handshake head received (a server keeps it between the request event and
    /// accept/reject) and where its fields are, as offsets into it.
    head: Vec<u8>,
    info: Vec<u32>,
}

#[wasm_bindgen]
impl Conn {
    // One copy for both roles' constructors.
    #[inline(never)]
    fn new(conn: Connection, config: Config) -> Self {
        Self {
            conn,
            limits: config.handshake,
            input: Vec::new(),
            start: 0,
            end: 0,
            out: Vec::new(),
            regs: [0; REGS],
            head: Vec::new(),
            info: Vec::new(),
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

    /// A client connection; `seed` (32 random bytes from `crypto.getRandomValues`, as
    /// eight big-endian words) keys the masks. With `handshake_done` frames flow at once.
    pub fn client(
        max_payload: f64,
        max_message: f64,
        auto_pong: bool,
        max_handshake: usize,
        seed: &[u32],
        handshake_done: bool,
    ) -> Conn {
        let config = Self::config(max_payload, max_message, auto_pong, max_handshake);
        let mut conn = Connection::client(config, seed_bytes(seed));
        if handshake_done {
            conn = conn.with_handshake_done();
        }
        Self::new(conn, config)
    }

    /// Takes `n` more received bytes: makes room for them and returns their address.
    /// Write them there before the next [`poll`](Self::poll). May grow memory; when it
    /// cannot, the connection fails with 1011 (see [`transmit`](Self::transmit)) and the
    /// memory error is returned.
    pub fn append(&mut self, n: usize) -> f64 {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if 0 < self.start
            && self.start < self.end
            && self.end <= self.input.len()
            && self.end + n > self.input.len()
        {
            // The unconsumed bytes move to the front (the bounds, always true, are
            // checked here so that the copy has no panic path).
            self.input.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let at = self.end;
        if fit(&mut self.input, at.saturating_add(n)).is_err() {
            return -self.out_of_memory();
        }
        self.end = at + n;
        ret(Ok(self.input.as_ptr() as usize + at))
    }

    /// Fails the connection because memory could not grow; returns the error.
    #[cold]
    fn out_of_memory(&mut self) -> Code {
        // Refused only when the connection is already closed: nothing is owed then.
        let _ = self.conn.fail_with(CLOSE_OUT_OF_MEMORY);
        memory_err()
    }

    /// Bytes received and not consumed yet.
    pub fn pending(&self) -> usize {
        self.end - self.start
    }

    /// Reads the next event from the received bytes: one of 0 (need more input),
    /// 1 request, 2 opened, 3 data, 4 ping, 5 pong, 6 close; or a protocol or
    /// handshake error, after which what is owed to the peer comes from
    /// [`transmit`](Self::transmit).
    pub fn poll(&mut self) -> f64 {
        let base = self.input.as_ptr() as usize;
        // `start <= end <= input.len()` always; `get` instead of indexing keeps panic
        // locations (and their file names) out of the module, here and below.
        let input = self.input.get_mut(self.start..self.end).unwrap_or_default();
        let received = match self.conn.receive(input) {
            Ok(received) => received,
            Err(e) => return -conn_err(e),
        };
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
                close_code = close.code.map_or(0, |c| u32::from(c.0));
                (EV_CLOSE, close.reason.as_bytes())
            }
            // Their fields are noted as offsets into the head, which is kept. Out of
            // line: built here, they make the frame path above measurably slower.
            Some(Event::Request(request)) => {
                self.info = request_info(&request, base + self.start, consumed);
                head = Some(consumed);
                (EV_REQUEST, &[])
            }
            Some(Event::Opened(response)) => {
                self.info = response_info(&response, base + self.start, consumed);
                head = Some(consumed);
                (EV_OPENED, &[])
            }
        };
        self.regs[R_EV_PTR] = len32(if bytes.is_empty() {
            base
        } else {
            bytes.as_ptr() as usize
        });
        self.regs[R_EV_LEN] = len32(bytes.len());
        self.regs[R_EV_FLAGS] = flags;
        self.regs[R_CLOSE_CODE] = close_code;
        if let Some(len) = head {
            self.head.clear();
            self.head.extend_from_slice(
                self.input
                    .get(self.start..self.start + len)
                    .unwrap_or_default(),
            );
            self.regs[R_HEAD_PTR] = len32(self.head.as_ptr() as usize);
            self.regs[R_INFO_PTR] = len32(self.info.as_ptr() as usize);
            self.regs[R_INFO_LEN] = len32(self.info.len());
        }
        self.start += consumed;
        if head.is_some() && self.start == self.end {
            // The handshake head was copied out; frames are shorter-lived and usually
            // smaller, so an idle connection does not keep a buffer of the head's size.
            self.input = Vec::new();
            self.start = 0;
            self.end = 0;
        }
        f64::from(code)
    }

    /// The address of the registers, `u32` values (see `R_EV_PTR` and the others):
    /// fixed for the connection's life.
    pub fn regs_ptr(&self) -> usize {
        self.regs.as_ptr() as usize
    }

    /// Payload bytes of the current frame still to come after the last data event (0
    /// when it ended its frame), to size a message buffer once. A number: exact up to
    /// 2^53, far beyond any payload limit.
    pub fn frame_remaining(&self) -> f64 {
        // u64 to f64 rounds only above 2^53.
        self.conn.frame_remaining() as f64
    }

    /// Writes everything the protocol owes the peer (pong, close reply, failing close,
    /// handshake rejection) into the output buffer; returns its length (0 when
    /// nothing is owed). Read it at the output registers (`R_OUT_PTR`).
    pub fn transmit(&mut self) -> f64 {
        let mut len = 0;
        // Each owed frame or rejection is written on the stack first and the output buffer
        // grown to fit it exactly: a buffer sized for the longest one would stay with an
        // idle connection that once answered a ping (512 bytes instead of the pong's).
        let mut owed = [0u8; MIN_OUT];
        loop {
            let n = match self.conn.poll_transmit(&mut owed) {
                Ok(Some(n)) => n,
                Ok(None) => break,
                Err(e) => return -send_err(e),
            };
            if fit(&mut self.out, len + n).is_err() {
                return -self.out_of_memory();
            }
            // Both in range: `fit` made the buffer `len + n` long, and `n` is at most
            // the stack buffer's length.
            if let (Some(to), Some(from)) = (self.out.get_mut(len..len + n), owed.get(..n)) {
                to.copy_from_slice(from);
            }
            len += n;
        }
        self.set_out(0);
        len as f64
    }

    /// Records that the output starts at `out[start]`.
    fn set_out(&mut self, start: usize) {
        self.regs[R_OUT_PTR] = len32(self.out.as_ptr() as usize + start);
    }

    /// Records the handshake message written at the start of `out` (the 101 response or
    /// the opening request) and returns its length. The buffer is cut to the message: it
    /// was sized for the longest one, and an open connection keeps its output buffer.
    fn handshake_written(&mut self, result: Result<usize, Code>) -> f64 {
        if let Ok(n) = result {
            self.out.truncate(n);
            self.out.shrink_to_fit();
        }
        self.written(result)
    }

    /// Records output written at the start of `out` and returns its length.
    fn written(&mut self, result: Result<usize, Code>) -> f64 {
        if result.is_ok() {
            self.set_out(0);
        }
        ret(result)
    }

    /// Makes room for an outgoing payload of `len` bytes and returns its address;
    /// write the payload there, then call [`send`](Self::send). May grow memory (or
    /// return the memory error, failing the connection with 1011).
    pub fn send_buf(&mut self, len: usize) -> f64 {
        let needed = MAX_HEADER_LEN.saturating_add(len);
        if fit(&mut self.out, needed).is_err() {
            return -self.out_of_memory();
        }
        ret(Ok(self.out.as_ptr() as usize + MAX_HEADER_LEN))
    }

    /// Frames the `len` payload bytes written at [`send_buf`](Self::send_buf) as a
    /// data frame (a client's are masked in place); returns the frame length, at
    /// the output registers (`R_OUT_PTR`).
    pub fn send(&mut self, text: bool, fin: bool, len: usize) -> f64 {
        let end = MAX_HEADER_LEN.saturating_add(len);
        let Some(buf) = self.out.get_mut(..end) else {
            return -arg_err(ARG_NOT_WRITTEN);
        };
        match self
            .conn
            .send_in_place(data_kind(text), fin, buf, MAX_HEADER_LEN)
        {
            Ok(start) => {
                self.set_out(start);
                (end - start) as f64
            }
            Err(e) => -send_err(e),
        }
    }

    /// Frames a payload of `len` bytes that stays in JavaScript, writing just the header
    /// (at the output registers, `R_OUT_PTR`); returns the header length. A server's
    /// payload then goes to the socket after the header, untouched; a client's is masked
    /// first with the key at register `R_MASK_KEY` (piece by piece through a small
    /// buffer, so that no message-sized buffer is needed in wasm memory). `len` is a
    /// number, so a payload past 4 GiB keeps its length.
    pub fn send_header(&mut self, text: bool, fin: bool, len: f64) -> f64 {
        if fit(&mut self.out, MAX_HEADER_LEN).is_err() {
            return -self.out_of_memory();
        }
        let result = self
            .conn
            .send_header(data_kind(text), fin, limit(len), &mut self.out);
        let result = result.map(|(n, key)| {
            self.regs[R_MASK_KEY] = key.map_or(0, u32::from_be_bytes);
            n
        });
        self.written(result.map_err(send_err))
    }

    /// Writes a ping (`ping` true) or an unsolicited pong; returns the frame length.
    pub fn control(&mut self, ping: bool, payload: &[u8]) -> f64 {
        if fit(&mut self.out, MAX_CONTROL_FRAME).is_err() {
            return -self.out_of_memory();
        }
        let out = &mut self.out[..];
        let result = if payload.len() > MAX_CONTROL_PAYLOAD {
            Err(SendError::ControlFrameTooLong)
        } else if ping {
            self.conn.send_ping(payload, out)
        } else {
            self.conn.send_pong(payload, out)
        };
        self.written(result.map_err(send_err))
    }

    /// Writes a close frame (`code` 0 for none); returns the frame length.
    pub fn close(&mut self, code: u16, reason: &str) -> f64 {
        let code = (code != 0).then_some(CloseCode(code));
        if fit(&mut self.out, MAX_CONTROL_FRAME).is_err() {
            return -self.out_of_memory();
        }
        let result = self.conn.send_close(code, reason, &mut self.out[..]);
        self.written(result.map_err(send_err))
    }

    /// Frames a whole message that a negotiated extension transformed (permessage-deflate)
    /// as one frame with RSV1; returns the frame length, at the output registers (`R_OUT_PTR`).
    pub fn send_compressed(&mut self, text: bool, payload: &[u8]) -> f64 {
        let needed = MAX_HEADER_LEN.saturating_add(payload.len());
        if fit(&mut self.out, needed).is_err() {
            return -self.out_of_memory();
        }
        let result = self
            .conn
            .send_compressed(data_kind(text), payload, &mut self.out);
        self.written(result.map_err(send_err))
    }

    /// Allows the RSV bits a negotiated extension defines (4 = RSV1 for
    /// permessage-deflate) from the next frame on.
    pub fn set_allowed_rsv(&mut self, rsv: u8) {
        self.conn.set_allowed_rsv(rsv);
    }

    /// Fails the connection for a reason found outside the core (1007 for compressed
    /// data that does not inflate to valid text, 1009 for a message inflating past the
    /// limit): the close frame is then owed through [`transmit`](Self::transmit).
    pub fn fail(&mut self, code: u16) -> f64 {
        ret(self
            .conn
            .fail_with(CloseCode(code))
            .map(|()| 0)
            .map_err(send_err))
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

    /// Server: accepts the request with an optional subprotocol; the 101 response is
    /// at the output registers (`R_OUT_PTR`). Returns its length.
    /// `extensions` is the `Sec-WebSocket-Extensions` answer of a negotiated extension.
    /// `""` stands for none.
    pub fn accept(&mut self, protocol: &str, extensions: &str) -> f64 {
        let head = core::mem::take(&mut self.head);
        let result = match server::Request::parse(&head, &self.limits) {
            Ok(Status::Complete { value, .. }) => {
                let response = server::Response {
                    protocol: none_if_empty(protocol),
                    extensions: none_if_empty(extensions),
                    ..server::Response::default()
                };
                // The response's fixed lines take about 200 bytes: room for them and the
                // two answers, and no more, since the buffer stays with the connection.
                let size = MIN_OUT + protocol.len() + extensions.len();
                let out = &mut self.out;
                fit(out, size).map_err(|()| memory_err()).and_then(|()| {
                    self.conn
                        .accept(&value, &response, out)
                        .map_err(handshake_err)
                })
            }
            Ok(Status::Partial) => Err(arg_err(ARG_NO_REQUEST)),
            Err(e) => Err(handshake_err(e)),
        };
        // After the answer the head is not needed: an open connection does not keep it.
        if result.is_err() {
            self.head = head;
        } else {
            self.info = Vec::new();
        }
        self.handshake_written(result)
    }

    /// Server: refuses the request with status 400, 403, 426 or 431; the response is
    /// at the output registers (`R_OUT_PTR`). Returns its length.
    pub fn reject(&mut self, status: u16) -> f64 {
        if fit(&mut self.out, MIN_OUT).is_err() {
            return -memory_err();
        }
        let result = rejection(status).and_then(|rejection| {
            self.conn
                .reject(&rejection, &mut self.out)
                .map_err(handshake_err)
        });
        self.written(result)
    }

    /// Client: writes the opening request; it is at the output registers. `fields` are
    /// the host, the path, the origin, the `Sec-WebSocket-Extensions` offer, the
    /// subprotocols joined by commas, then names and values of extra headers, each
    /// followed by a NUL byte (which no valid header contains); `""` stands for none.
    pub fn write_request(&mut self, fields: &str, nonce: &[u8]) -> f64 {
        let Ok(nonce) = <[u8; 16]>::try_from(nonce) else {
            return -arg_err(ARG_NONCE);
        };
        // Room for the fixed lines, plus each field with what separates it there.
        let size = 512 + 2 * fields.len();
        let mut fields = split_on(fields, 0);
        let mut strings = [""; 5];
        for s in &mut strings {
            *s = fields.next().unwrap_or_default();
        }
        let [host, path, origin, extensions, protocols] = strings;
        let protocols = split_list(protocols);
        let mut headers = Vec::new();
        while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
            headers.push((name, value));
        }
        let request = client::Request {
            protocols: &protocols,
            origin: none_if_empty(origin),
            extensions: none_if_empty(extensions),
            headers: &headers,
            ..client::Request::new(host, path, nonce)
        };
        if fit(&mut self.out, size.max(MIN_OUT)).is_err() {
            return -memory_err();
        }
        let result = self.conn.write_request(&request, &mut self.out);
        self.handshake_written(result.map_err(handshake_err))
    }
}

/// Buffers larger than this return to the size a call needs when it needs no more than
/// this: a large message does not keep its memory for the connection's life.
const KEEP: usize = 64 * 1024;

/// Makes `buf` exactly `len` bytes long when it is shorter, or when it is over
/// [`KEEP`] bytes and `len` is not (the bytes up to `len` are kept). Fails, leaving
/// `buf` as it was, when memory cannot grow: a failed allocation would otherwise trap
/// the instance that every connection shares. One copy of this code for every buffer.
#[inline(never)]
fn fit(buf: &mut Vec<u8>, len: usize) -> Result<(), ()> {
    if buf.len() < len {
        buf.try_reserve(len - buf.len()).map_err(|_| ())?;
        buf.resize(len, 0);
    } else if buf.len() > KEEP && len <= KEEP {
        buf.truncate(len);
        buf.shrink_to_fit();
    }
    Ok(())
}

/// A data frame's kind from the boundary's flag.
fn data_kind(text: bool) -> DataKind {
    if text {
        DataKind::Text
    } else {
        DataKind::Binary
    }
}

/// A client's masking seed from the big-endian words JavaScript passes (missing words
/// stay zero).
fn seed_bytes(words: &[u32]) -> [u8; 32] {
    let mut out = [0; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// The refusal with an HTTP status, for both the connection's and the codec's.
#[inline(never)]
fn rejection(status: u16) -> Result<server::Rejection<'static>, Code> {
    Ok(match status {
        400 => server::Rejection::BadRequest("bad request"),
        403 => server::Rejection::Forbidden,
        426 => server::Rejection::UpgradeRequired,
        431 => server::Rejection::TooLarge,
        _ => return Err(arg_err(ARG_REJECTION)),
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
    core::iter::from_fn(move || cut(&mut rest, sep))
}

/// The piece of `rest` before `sep`; `rest` becomes what follows (`None` after the last
/// piece). One copy for every caller.
#[inline(never)]
fn cut<'a>(rest: &mut Option<&'a str>, sep: u8) -> Option<&'a str> {
    let r = (*rest)?;
    match r.bytes().position(|b| b == sep) {
        Some(i) => {
            // `sep` is ASCII, so both sides are on character boundaries.
            *rest = r.get(i + 1..);
            r.get(..i)
        }
        None => {
            *rest = None;
            Some(r)
        }
    }
}

/// A comma-separated list of tokens (subprotocols) as a vector of its items.
fn split_list(list: &str) -> Vec<&str> {
    split_on(list, b',').filter(|p| !p.is_empty()).collect()
}

/// A buffer in wasm memory for the codec's calls: JavaScript writes their input into it
/// ([`reserve`](Self::reserve)) and reads their output from it, so no call copies
/// arrays across the boundary. Masking happens in place.
#[wasm_bindgen]
pub struct Codec {
    buf: Vec<u8>,
    /// A decoded header's fields, at [`vals_ptr`](Self::vals_ptr).
    vals: [u32; 9],
}

#[wasm_bindgen]
impl Codec {
    /// An empty buffer.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Codec {
        Codec {
            buf: Vec::new(),
            vals: [0; 9],
        }
    }

    /// Makes room for `len` bytes; returns their address, or the memory error when
    /// memory cannot grow. May grow memory.
    pub fn reserve(&mut self, len: usize) -> f64 {
        match fit(&mut self.buf, len) {
            Ok(()) => ret(Ok(self.buf.as_ptr() as usize)),
            Err(()) => -memory_err(),
        }
    }

    /// Masks the first `len` bytes in place.
    pub fn apply(&mut self, len: usize, mask_key: u32, offset: usize) {
        let len = len.min(self.buf.len());
        wsframe::apply_mask(&mut self.buf[..len], mask_key.to_be_bytes(), offset);
    }

    /// Decodes the frame header at the start of the first `len` bytes as an endpoint of
    /// the given role would (`server` true: frames come from a client and must be
    /// masked). The values at [`vals_ptr`](Self::vals_ptr) are then `[0, needed]` when
    /// incomplete, else `[1, fin, rsv, opcode, masked, mask key (big-endian), payload
    /// length low 32 bits, high 32 bits, header length]`; returns their number.
    pub fn decode_header(
        &mut self,
        len: usize,
        server: bool,
        allowed_rsv: u8,
        max_payload: f64,
    ) -> f64 {
        let rules = DecodeRules {
            role: if server { Role::Server } else { Role::Client },
            allowed_rsv,
            max_payload_len: limit(max_payload),
        };
        let buf = self.buf.get(..len).unwrap_or_default();
        match FrameHeader::decode(buf, &rules) {
            Ok(Decoded::Partial { needed }) => {
                self.vals[..2].copy_from_slice(&[0, len32(needed)]);
                2.0
            }
            Ok(Decoded::Complete { header, header_len }) => {
                self.vals = [
                    1,
                    u32::from(header.fin),
                    u32::from(header.rsv),
                    u32::from(header.opcode.as_u8()),
                    u32::from(header.mask.is_some()),
                    header.mask.map_or(0, u32::from_be_bytes),
                    // Splitting the u64 into halves: truncation is the point.
                    header.payload_len as u32,
                    (header.payload_len >> 32) as u32,
                    len32(header_len),
                ];
                9.0
            }
            Err(e) => -protocol_err(e),
        }
    }

    /// The address of the values [`decode_header`](Self::decode_header) wrote.
    pub fn vals_ptr(&self) -> usize {
        self.vals.as_ptr() as usize
    }

    /// Frames the payload written at offset [`MAX_HEADER_LEN`] (14) of the first `end`
    /// bytes: the header goes in front of it and `masked` with `mask_key` (big-endian)
    /// masks it in place. Returns the offset where the frame starts; it ends at `end`.
    pub fn encode_frame(
        &mut self,
        fin: bool,
        rsv: u8,
        opcode: u8,
        masked: bool,
        mask_key: u32,
        end: usize,
    ) -> f64 {
        let opcode = match OpCode::from_u8(opcode) {
            Ok(opcode) => opcode,
            Err(e) => return -protocol_err(e),
        };
        if rsv > 7 {
            return -arg_err(ARG_RSV);
        }
        let Some(buf) = self.buf.get_mut(..end) else {
            return -arg_err(ARG_NOT_WRITTEN);
        };
        let mut header = FrameHeader::new(opcode, fin, 0);
        header.rsv = rsv;
        header.mask = masked.then(|| mask_key.to_be_bytes());
        ret(frame::encode_in_front(header, buf, MAX_HEADER_LEN).map_err(send_err))
    }

    /// The Sec-WebSocket-Accept value for the Sec-WebSocket-Key in the first `len`
    /// bytes, written over the start of the buffer; returns its length (28).
    pub fn accept_key(&mut self, len: usize) -> f64 {
        if fit(&mut self.buf, len.max(28)).is_err() {
            return -memory_err();
        }
        let accept = wsframe::accept_key(self.buf.get(..len).unwrap_or_default());
        if let Some(out) = self.buf.get_mut(..28) {
            out.copy_from_slice(&accept);
        }
        28.0
    }

    /// Writes a refusal with status 400, 403, 426 or 431 at the start of the buffer;
    /// returns its length.
    pub fn build_rejection(&mut self, status: u16) -> f64 {
        if fit(&mut self.buf, MIN_OUT).is_err() {
            return -memory_err();
        }
        ret(rejection(status).and_then(|r| r.write(&mut self.buf).map_err(handshake_err)))
    }
}

impl Default for Codec {
    fn default() -> Self {
        Self::new()
    }
}

/// A length, offset or address as a `u32` (wasm32 addresses fit).
fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Handshake fields as the registers from [`R_INFO_PTR`] give them: strings as
/// `[offset, length]` relative to the address `at` where the head starts.
struct Info {
    at: usize,
    values: Vec<u32>,
}

impl Info {
    fn new(at: usize, head_len: usize) -> Self {
        Self {
            at,
            values: vec![len32(head_len)],
        }
    }

    /// A string's offset and length, or `[u32::MAX, 0]` for `None`.
    #[inline(never)]
    fn put(&mut self, part: Option<&str>) {
        let span = part.map_or([u32::MAX, 0], |p| {
            [
                len32((p.as_ptr() as usize).wrapping_sub(self.at)),
                len32(p.len()),
            ]
        });
        self.values.extend_from_slice(&span);
    }

    /// A list: its length, then its items.
    fn list<'a>(&mut self, items: impl Iterator<Item = &'a str>) {
        let count = self.values.len();
        self.values.push(0);
        for item in items {
            if let Some(n) = self.values.get_mut(count) {
                *n += 1;
            }
            self.put(Some(item));
        }
    }
}

/// A request's fields (see [`R_INFO_PTR`]), for a request parsed from the buffer at
/// address `at`.
#[cold]
#[inline(never)]
fn request_info(request: &server::Request<'_>, at: usize, head_len: usize) -> Vec<u32> {
    let mut info = Info::new(at, head_len);
    for field in [request.path, request.host, request.key] {
        info.put(Some(field));
    }
    info.put(request.origin);
    info.list(request.protocols());
    info.list(request.extensions().map(|e| e.name));
    info.values
}

/// A response's fields (see [`R_INFO_PTR`]), for a response parsed from the buffer at
/// address `at`.
#[cold]
#[inline(never)]
fn response_info(response: &client::Response<'_>, at: usize, head_len: usize) -> Vec<u32> {
    let extensions = response
        .header("sec-websocket-extensions")
        .and_then(|v| core::str::from_utf8(v).ok());
    let mut info = Info::new(at, head_len);
    info.put(response.protocol);
    info.put(extensions);
    info.values
}
