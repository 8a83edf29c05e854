//! The sans-IO connection (RFC 6455 §4–§7) in caller-owned storage. Conversions only;
//! the state machine is the core's `Connection`.
//!
//! The caller reads bytes from its transport, passes them to `wsf_conn_receive`
//! (one event per call, pointing into the caller's buffer, payloads unmasked in place),
//! writes whatever `wsf_conn_poll_transmit` produces (pongs, close replies, failing
//! closes, handshake rejections) and sends its own frames with the `wsf_conn_send_*`
//! functions into its own buffers.

use core::ffi::{c_char, c_int, c_void};
use core::mem::{align_of, size_of};

use core_ws::{CloseCode, Config, Connection, DataKind, Event, ReadyState};

use crate::error::needed;
use crate::frame::{close_code, report};
use crate::handshake::{
    rejection, with_client_request, with_response, wsf_client_request, wsf_client_response,
    wsf_handshake_limits, wsf_request, wsf_response,
};
use crate::{bytes, bytes_mut, get, put, status, text, wsf_close, wsf_error, wsf_str};

/// A connection. Opaque: its storage is the caller's (`wsf_conn_size`,
/// `wsf_conn_align`); it owns no resources, so there is nothing to free, and the
/// storage may be reused or released at any time.
pub struct wsf_conn {
    inner: Connection,
}

/// Bytes of storage that hold a connection on every target this library builds for
/// (checked when it is compiled), for static allocation where `wsf_conn_size()` cannot
/// be called at compile time, e.g.
/// `static union { uint64_t align; unsigned char bytes[WSF_CONN_STORAGE_SIZE]; } s;`.
pub const WSF_CONN_STORAGE_SIZE: usize = 1024;
/// The length of a client's masking seed (`wsf_conn_init_client`).
pub const WSF_MASK_SEED_LEN: usize = 32;
/// An alignment that suits a connection on every target (that of `uint64_t`).
pub const WSF_CONN_STORAGE_ALIGN: usize = 8;

const _: () = assert!(
    size_of::<wsf_conn>() <= WSF_CONN_STORAGE_SIZE
        && align_of::<wsf_conn>() <= WSF_CONN_STORAGE_ALIGN
        && align_of::<wsf_conn>() <= align_of::<u64>()
);

/// Limits and options of a connection; fill with `wsf_config_default` and adjust.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wsf_config {
    /// The largest frame payload accepted (default 16 MiB; larger fails with 1009).
    pub max_frame_len: u64,
    /// The largest message, all fragments together (default 16 MiB; 1009).
    pub max_message_len: u64,
    /// The most frames one message may have (default 131072; 1009).
    pub max_fragments: u32,
    /// Caps on the opening handshake.
    pub handshake: wsf_handshake_limits,
    /// Owe a pong for every ping, through `wsf_conn_poll_transmit` (default true).
    pub auto_pong: bool,
}

impl wsf_config {
    fn to_core(self) -> Config {
        Config {
            max_frame_len: self.max_frame_len,
            max_message_len: self.max_message_len,
            max_fragments: self.max_fragments,
            handshake: self.handshake.to_core(),
            auto_pong: self.auto_pong,
        }
    }
}

/// What `wsf_conn_receive` found.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wsf_event_type {
    /// Nothing complete yet: read more input and append it to the unconsumed rest.
    WSF_EVENT_NONE = 0,
    /// Server: a valid opening request (`request`); answer with `wsf_conn_accept` or
    /// `wsf_conn_reject` before passing more input.
    WSF_EVENT_REQUEST = 1,
    /// Client: the server accepted (`response`); the connection is open.
    WSF_EVENT_OPENED = 2,
    /// A piece of a text or binary message (`data_kind`, `payload`, `end_of_frame`,
    /// `end_of_message`). Text pieces are valid UTF-8 so far; a code point may continue
    /// in the next piece.
    WSF_EVENT_DATA = 3,
    /// A ping (`payload`); with `auto_pong` the pong is owed already.
    WSF_EVENT_PING = 4,
    /// A pong (`payload`).
    WSF_EVENT_PONG = 5,
    /// The peer's close frame (`close`); the reply is owed unless this end closed first.
    WSF_EVENT_CLOSE = 6,
}

/// The kind of a data message (§5.6); also the `kind` argument of the send functions.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wsf_data_kind {
    /// UTF-8 text.
    WSF_DATA_TEXT = 1,
    /// Arbitrary bytes.
    WSF_DATA_BINARY = 2,
}

/// The connection's state, named as in the browser API.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wsf_ready_state {
    /// The opening handshake is in progress.
    WSF_STATE_CONNECTING = 0,
    /// Messages flow both ways.
    WSF_STATE_OPEN = 1,
    /// The closing handshake is in progress.
    WSF_STATE_CLOSING = 2,
    /// Nothing more is sent or received: close the transport.
    WSF_STATE_CLOSED = 3,
}

/// One result of `wsf_conn_receive`. Pointers point into the caller's input buffer
/// and are valid while it is unchanged.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wsf_event {
    /// How many bytes at the start of the input were used; keep the rest and append
    /// newly read bytes after it.
    pub consumed: usize,
    /// What happened; selects the fields below that are set.
    pub event_type: wsf_event_type,
    /// `WSF_EVENT_DATA`: text or binary.
    pub data_kind: wsf_data_kind,
    /// `WSF_EVENT_DATA`: this piece ends its frame.
    pub end_of_frame: bool,
    /// `WSF_EVENT_DATA`: this piece ends the message.
    pub end_of_message: bool,
    /// `WSF_EVENT_DATA`: the message's first frame had RSV1 set. With permessage-deflate
    /// the payload is compressed (inflate it with `wsf_deflate_decompress`), and its
    /// text was not checked for UTF-8 yet (the inflated text is).
    pub compressed: bool,
    /// `WSF_EVENT_DATA`, `_PING`, `_PONG`: the payload (unmasked, in the input).
    pub payload: *mut u8,
    /// Its length.
    pub payload_len: usize,
    /// `WSF_EVENT_CLOSE`: the peer's code (0 for none) and reason.
    pub close: wsf_close,
    /// `WSF_EVENT_REQUEST`: the opening request.
    pub request: wsf_request,
    /// `WSF_EVENT_OPENED`: the server's response.
    pub response: wsf_client_response,
}

impl wsf_event {
    const EMPTY: Self = Self {
        consumed: 0,
        event_type: wsf_event_type::WSF_EVENT_NONE,
        data_kind: wsf_data_kind::WSF_DATA_BINARY,
        end_of_frame: false,
        end_of_message: false,
        compressed: false,
        payload: core::ptr::null_mut(),
        payload_len: 0,
        close: wsf_close {
            code: 0,
            reason: wsf_str::NONE,
        },
        request: wsf_request {
            path: wsf_str::NONE,
            host: wsf_str::NONE,
            key: wsf_str::NONE,
            origin: wsf_str::NONE,
            head: core::ptr::null(),
            head_len: 0,
        },
        response: wsf_client_response {
            protocol: wsf_str::NONE,
            head: core::ptr::null(),
            head_len: 0,
        },
    };
}

/// Fills `out` with the default configuration (safe for a server exposed to the
/// internet).
///
/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_config_default(out: *mut wsf_config) -> wsf_error {
    let d = Config::default();
    let config = wsf_config {
        max_frame_len: d.max_frame_len,
        max_message_len: d.max_message_len,
        max_fragments: d.max_fragments,
        handshake: wsf_handshake_limits::from_core(d.handshake),
        auto_pong: d.auto_pong,
    };
    // SAFETY: checked for NULL by `put`; writable by the caller's promise.
    status(unsafe { put(out, config) })
}

/// The bytes of storage a connection needs.
#[no_mangle]
pub extern "C" fn wsf_conn_size() -> usize {
    size_of::<wsf_conn>()
}

/// The alignment a connection's storage needs.
#[no_mangle]
pub extern "C" fn wsf_conn_align() -> usize {
    align_of::<wsf_conn>()
}

/// Places `inner` in the caller's storage.
///
/// # Safety
/// A non-NULL `storage` must be writable for `size` bytes.
unsafe fn init(storage: *mut c_void, size: usize, inner: Connection) -> *mut wsf_conn {
    let conn = storage.cast::<wsf_conn>();
    if conn.is_null() || size < size_of::<wsf_conn>() || !conn.is_aligned() {
        return core::ptr::null_mut();
    }
    // SAFETY: non-NULL, aligned, and at least size_of::<wsf_conn>() writable bytes;
    // `write` does not drop the bytes that were there.
    unsafe { conn.write(wsf_conn { inner }) };
    conn
}

/// The configuration from a nullable pointer.
///
/// # Safety
/// A non-NULL `config` must point to a `wsf_config`.
unsafe fn config(config: *const wsf_config) -> Config {
    // SAFETY: forwarded from the caller.
    unsafe { config.as_ref() }.map_or_else(Config::default, |c| c.to_core())
}

/// Starts a server connection in `storage` (`size` bytes, at least
/// `wsf_conn_size`, aligned to `wsf_conn_align`), waiting for the opening
/// request. `config` may be NULL for the defaults. Returns the connection (at
/// `storage`), or NULL when `storage` is NULL, too small or misaligned.
///
/// # Safety
/// `storage` writable for `size` bytes and used for nothing else while the connection
/// lives; `config` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_init_server(
    storage: *mut c_void,
    size: usize,
    config: *const wsf_config,
) -> *mut wsf_conn {
    // SAFETY: forwarded from the caller.
    unsafe { init(storage, size, Connection::server(self::config(config))) }
}

/// Starts a client connection in `storage` like `wsf_conn_init_server`; write the
/// request with `wsf_conn_write_request`. `mask_seed` (`WSF_MASK_SEED_LEN`, 32 bytes)
/// keys the ChaCha12 stream the masking keys are drawn from, so it must come from a
/// strong random source: it makes the keys unpredictable (§5.3, §10.3). On a host,
/// `getrandom(2)`, `arc4random_buf` or `BCryptGenRandom`; on a microcontroller, its
/// hardware RNG. Never reuse a seed. Returns NULL also when `mask_seed` is NULL.
///
/// # Safety
/// As for `wsf_conn_init_server`; `mask_seed` readable for 32 bytes.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_init_client(
    storage: *mut c_void,
    size: usize,
    config: *const wsf_config,
    mask_seed: *const u8,
) -> *mut wsf_conn {
    if mask_seed.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: non-NULL, WSF_MASK_SEED_LEN readable bytes by the caller's promise.
    let Ok(seed) = (unsafe { bytes(mask_seed, WSF_MASK_SEED_LEN) }) else {
        return core::ptr::null_mut();
    };
    let mut key = [0u8; WSF_MASK_SEED_LEN];
    key.copy_from_slice(seed);
    // SAFETY: forwarded from the caller.
    unsafe { init(storage, size, Connection::client(self::config(config), key)) }
}

/// The connection behind a pointer.
///
/// # Safety
/// A non-NULL `conn` must come from `wsf_conn_init_*` and not be used elsewhere
/// during `'a`.
unsafe fn conn<'a>(conn: *mut wsf_conn) -> Result<&'a mut Connection, wsf_error> {
    // SAFETY: forwarded from the caller.
    unsafe { conn.as_mut() }
        .map(|c| &mut c.inner)
        .ok_or(wsf_error::WSF_ERR_NULL_POINTER)
}

/// Skips the opening handshake, for a stream upgraded elsewhere (e.g. by an HTTP
/// server). Only while connecting and before any input; `WSF_ERR_INVALID_ARGUMENT`
/// otherwise.
///
/// # Safety
/// `conn` from `wsf_conn_init_*`.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_set_handshake_done(conn: *mut wsf_conn) -> wsf_error {
    // SAFETY: forwarded from the caller.
    status(unsafe { self::conn(conn) }.and_then(|c| {
        if c.ready_state() != ReadyState::Connecting {
            return Err(wsf_error::WSF_ERR_INVALID_ARGUMENT);
        }
        *c = c.clone().with_handshake_done();
        Ok(())
    }))
}

/// The lifecycle state; `WSF_STATE_CLOSED` for NULL.
///
/// # Safety
/// `conn` NULL or from `wsf_conn_init_*`.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_ready_state(conn: *const wsf_conn) -> wsf_ready_state {
    // SAFETY: forwarded from the caller.
    match unsafe { conn.as_ref() }.map(|c| c.inner.ready_state()) {
        Some(ReadyState::Connecting) => wsf_ready_state::WSF_STATE_CONNECTING,
        Some(ReadyState::Open) => wsf_ready_state::WSF_STATE_OPEN,
        Some(ReadyState::Closing) => wsf_ready_state::WSF_STATE_CLOSING,
        _ => wsf_ready_state::WSF_STATE_CLOSED,
    }
}

/// Whether `wsf_conn_poll_transmit` has bytes to write; false for NULL.
///
/// # Safety
/// `conn` NULL or from `wsf_conn_init_*`.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_wants_transmit(conn: *const wsf_conn) -> bool {
    // SAFETY: forwarded from the caller.
    unsafe { conn.as_ref() }.is_some_and(|c| c.inner.wants_transmit())
}

/// Marks the connection closed (the transport ended, or a timeout expired).
///
/// # Safety
/// `conn` NULL or from `wsf_conn_init_*`.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_abort(conn: *mut wsf_conn) {
    // SAFETY: forwarded from the caller.
    if let Ok(c) = unsafe { self::conn(conn) } {
        c.abort();
    }
}

/// Consumes bytes from the start of `input` and reports at most one event in
/// `*event`. Call again with the unconsumed rest (`input + event->consumed`) until the
/// event is `WSF_EVENT_NONE`, then read more and append. Data payloads are unmasked in
/// place in `input`; control frames are delivered whole, so keep unconsumed bytes.
///
/// On a protocol error the return value names it (its close code:
/// `wsf_error_close_code`), the failing close frame
/// is owed (`wsf_conn_poll_transmit`) and no more input is taken; a bad opening
/// request owes the HTTP rejection the same way. After the peer's close frame, input
/// is refused with `WSF_ERR_CLOSED`.
///
/// # Safety
/// `conn` from `wsf_conn_init_*`; `input` writable for `len` bytes; `event` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_receive(
    conn: *mut wsf_conn,
    input: *mut u8,
    len: usize,
    event: *mut wsf_event,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { receive(conn, input, len, event) })
}

unsafe fn receive(
    conn: *mut wsf_conn,
    input: *mut u8,
    len: usize,
    event: *mut wsf_event,
) -> Result<(), wsf_error> {
    if event.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_conn_receive`.
    let (c, input) = unsafe { (self::conn(conn)?, bytes_mut(input, len)?) };
    let head = input.as_ptr();
    let got = c.receive(input);
    let got = match got {
        Ok(got) => got,
        Err(e) => {
            // SAFETY: checked non-NULL, writable by the caller's promise.
            unsafe { put(event, wsf_event::EMPTY) }?;
            return Err(e.into());
        }
    };
    let mut out = wsf_event {
        consumed: got.consumed,
        ..wsf_event::EMPTY
    };
    match got.event {
        None => {}
        Some(Event::Request(r)) => {
            out.event_type = wsf_event_type::WSF_EVENT_REQUEST;
            out.request = wsf_request::from_core(&r, head, got.consumed);
        }
        Some(Event::Opened(r)) => {
            out.event_type = wsf_event_type::WSF_EVENT_OPENED;
            out.response = wsf_client_response::from_core(&r, head, got.consumed);
        }
        Some(Event::Data(d)) => {
            out.event_type = wsf_event_type::WSF_EVENT_DATA;
            out.data_kind = match d.kind {
                DataKind::Text => wsf_data_kind::WSF_DATA_TEXT,
                DataKind::Binary => wsf_data_kind::WSF_DATA_BINARY,
            };
            out.end_of_frame = d.end_of_frame;
            out.end_of_message = d.end_of_message;
            out.compressed = d.compressed;
            out.payload = d.payload.as_mut_ptr();
            out.payload_len = d.payload.len();
        }
        Some(Event::Ping(p)) => {
            out.event_type = wsf_event_type::WSF_EVENT_PING;
            // The payload lies in the caller's writable input.
            out.payload = p.as_ptr().cast_mut();
            out.payload_len = p.len();
        }
        Some(Event::Pong(p)) => {
            out.event_type = wsf_event_type::WSF_EVENT_PONG;
            out.payload = p.as_ptr().cast_mut();
            out.payload_len = p.len();
        }
        Some(Event::Close(close)) => {
            out.event_type = wsf_event_type::WSF_EVENT_CLOSE;
            out.close = wsf_close::from_core(&close);
        }
    }
    // SAFETY: checked non-NULL, writable by the caller's promise.
    unsafe { put(event, out) }
}

/// Writes what the protocol owes the peer into `out`: a handshake rejection, a pong,
/// the reply to a close, or the close frame failing the connection. `*out_len` is 0
/// when nothing is owed. `WSF_MAX_CONTROL_FRAME_LEN` (131) bytes fit any frame; a
/// rejection needs up to 256. With `WSF_ERR_BUFFER_TOO_SMALL`, `*out_len` is the size
/// needed and the obligation stays.
///
/// # Safety
/// `conn` from `wsf_conn_init_*`; `out` writable for `cap` bytes; `out_len` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_poll_transmit(
    conn: *mut wsf_conn,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { poll_transmit(conn, out, cap, out_len) })
}

unsafe fn poll_transmit(
    conn: *mut wsf_conn,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), wsf_error> {
    if out_len.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_conn_poll_transmit`.
    let (c, out) = unsafe { (self::conn(conn)?, bytes_mut(out, cap)?) };
    let written = c
        .poll_transmit(out)
        .map(|n| n.unwrap_or(0))
        .map_err(|e| (needed(&e), e));
    // SAFETY: checked non-NULL.
    unsafe { report(out_len, written) }
}

/// Server: accepts the request of a `WSF_EVENT_REQUEST` event, writing the 101
/// response into `out` (`response` may be NULL: no subprotocol, extensions or extra
/// headers). The connection is open afterwards. `WSF_ERR_INVALID_ARGUMENT` when no
/// request is waiting for an answer.
///
/// # Safety
/// `conn` from `wsf_conn_init_*`; `request` from the event, with the input unchanged;
/// `response` NULL or valid; `out` writable for `cap` bytes; `out_len` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_accept(
    conn: *mut wsf_conn,
    request: *const wsf_request,
    response: *const wsf_response,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { accept(conn, request, response, out, cap, out_len) })
}

unsafe fn accept(
    conn: *mut wsf_conn,
    request: *const wsf_request,
    response: *const wsf_response,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), wsf_error> {
    if out_len.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_conn_accept`.
    let (c, request, out) = unsafe {
        (
            self::conn(conn)?,
            get(request)?.view()?,
            bytes_mut(out, cap)?,
        )
    };
    // SAFETY: forwarded from `wsf_conn_accept`.
    let n = unsafe { with_response(response, |r| Ok(c.accept(&request, r, out)?)) }?;
    // SAFETY: checked non-NULL.
    unsafe { put(out_len, n) }
}

/// Server: refuses the request of a `WSF_EVENT_REQUEST` event with `http_status` 400
/// (with `reason`; `ptr` NULL for a default), 403, 426 or 431, written into `out`.
/// The connection is closed afterwards: close the transport once it is sent.
///
/// # Safety
/// `conn` from `wsf_conn_init_*`; `reason` readable; `out` writable for `cap` bytes;
/// `out_len` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_reject(
    conn: *mut wsf_conn,
    http_status: u16,
    reason: wsf_str,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { reject(conn, http_status, reason, out, cap, out_len) })
}

unsafe fn reject(
    conn: *mut wsf_conn,
    http_status: u16,
    reason: wsf_str,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), wsf_error> {
    if out_len.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_conn_reject`.
    let (c, r, out) = unsafe {
        (
            self::conn(conn)?,
            rejection(http_status, reason)?,
            bytes_mut(out, cap)?,
        )
    };
    let n = c.reject(&r, out)?;
    // SAFETY: checked non-NULL.
    unsafe { put(out_len, n) }
}

/// Client: writes the opening request into `out` and waits for the response (which
/// arrives as `WSF_EVENT_OPENED`). The offered subprotocols and extensions (up to 128
/// bytes each) are kept to check the server's choice.
///
/// # Safety
/// `conn` from `wsf_conn_init_*`; `request` valid; `out` writable for `cap` bytes;
/// `out_len` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_write_request(
    conn: *mut wsf_conn,
    request: *const wsf_client_request,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { write_request(conn, request, out, cap, out_len) })
}

unsafe fn write_request(
    conn: *mut wsf_conn,
    request: *const wsf_client_request,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), wsf_error> {
    if out_len.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_conn_write_request`.
    let (c, out) = unsafe { (self::conn(conn)?, bytes_mut(out, cap)?) };
    // SAFETY: forwarded from `wsf_conn_write_request`.
    let n = unsafe { with_client_request(request, |r| Ok(c.write_request(r, out)?)) }?;
    // SAFETY: checked non-NULL.
    unsafe { put(out_len, n) }
}

/// The data kind of a C argument.
pub(crate) fn kind(kind: c_int) -> Result<DataKind, wsf_error> {
    match kind {
        1 => Ok(DataKind::Text),
        2 => Ok(DataKind::Binary),
        _ => Err(wsf_error::WSF_ERR_INVALID_ARGUMENT),
    }
}

/// Runs a send on the connection with the output buffer and reports its length.
///
/// # Safety
/// As for the `wsf_conn_send_*` functions.
unsafe fn send(
    conn: *mut wsf_conn,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
    f: impl FnOnce(&mut Connection, &mut [u8]) -> Result<usize, core_ws::SendError>,
) -> wsf_error {
    if out_len.is_null() {
        return wsf_error::WSF_ERR_NULL_POINTER;
    }
    // SAFETY: forwarded from the caller.
    let args = unsafe { self::conn(conn).and_then(|c| Ok((c, bytes_mut(out, cap)?))) };
    let (c, out) = match args {
        Ok(args) => args,
        Err(e) => return e,
    };
    let written = f(c, out).map_err(|e| (needed(&e), e));
    // SAFETY: checked non-NULL, writable by the caller's promise.
    status(unsafe { report(out_len, written) })
}

/// Writes a whole text message as one frame into `out`; `text` must be UTF-8
/// (`WSF_ERR_INVALID_TEXT`). `*out_len` is the frame's length, or the size needed
/// with `WSF_ERR_BUFFER_TOO_SMALL` (payload + `WSF_MAX_HEADER_LEN` always fits).
///
/// # Safety
/// `conn` from `wsf_conn_init_*`; `text` readable for `len` bytes; `out` writable for
/// `cap` bytes and not overlapping `text`; `out_len` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_send_text(
    conn: *mut wsf_conn,
    text: *const c_char,
    len: usize,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: forwarded from the caller.
    let s = match unsafe { self::text(wsf_str { ptr: text, len }) } {
        Ok(s) => s,
        Err(e) => return e,
    };
    // SAFETY: forwarded from the caller.
    unsafe { send(conn, out, cap, out_len, |c, out| c.send_text(s, out)) }
}

/// Writes a whole binary message as one frame; otherwise as `wsf_conn_send_text`.
///
/// # Safety
/// As for `wsf_conn_send_text`.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_send_binary(
    conn: *mut wsf_conn,
    data: *const u8,
    len: usize,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: forwarded from the caller.
    let data = match unsafe { bytes(data, len) } {
        Ok(d) => d,
        Err(e) => return e,
    };
    // SAFETY: forwarded from the caller.
    unsafe { send(conn, out, cap, out_len, |c, out| c.send_binary(data, out)) }
}

/// Writes one frame of a message that may span several (§5.4): the first call starts
/// a message of `kind` (`WSF_DATA_TEXT` or `WSF_DATA_BINARY`), later calls continue it
/// with the same `kind`, and `fin` ends it (`WSF_ERR_FRAGMENT_ORDER` otherwise).
/// Control frames may be sent in between. For text, the fragments together must be
/// UTF-8; a code point may be split between them.
///
/// # Safety
/// As for `wsf_conn_send_text`.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_send_fragment(
    conn: *mut wsf_conn,
    kind: c_int,
    payload: *const u8,
    len: usize,
    fin: bool,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: forwarded from the caller.
    let args = unsafe { self::kind(kind).and_then(|k| Ok((k, bytes(payload, len)?))) };
    let (k, payload) = match args {
        Ok(a) => a,
        Err(e) => return e,
    };
    // SAFETY: forwarded from the caller.
    unsafe {
        send(conn, out, cap, out_len, |c, out| {
            c.send_fragment(k, payload, fin, out)
        })
    }
}

/// Like `wsf_conn_send_fragment` for a payload already at `buf + payload_start`
/// (running to `buf + len`): the header goes into the spare bytes in front of it
/// (leave `WSF_MAX_HEADER_LEN`), a client's payload is masked in place. `*frame_start`
/// is where the frame starts in `buf`; it runs to `buf + len`.
///
/// # Safety
/// `conn` from `wsf_conn_init_*`; `buf` writable for `len` bytes; `frame_start`
/// writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_send_in_place(
    conn: *mut wsf_conn,
    kind: c_int,
    fin: bool,
    buf: *mut u8,
    len: usize,
    payload_start: usize,
    frame_start: *mut usize,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { send_in_place(conn, kind, fin, buf, len, payload_start, frame_start) })
}

unsafe fn send_in_place(
    conn: *mut wsf_conn,
    kind: c_int,
    fin: bool,
    buf: *mut u8,
    len: usize,
    payload_start: usize,
    frame_start: *mut usize,
) -> Result<(), wsf_error> {
    if frame_start.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_conn_send_in_place`.
    let (c, buf) = unsafe { (self::conn(conn)?, bytes_mut(buf, len)?) };
    let start = c.send_in_place(self::kind(kind)?, fin, buf, payload_start)?;
    // SAFETY: checked non-NULL.
    unsafe { put(frame_start, start) }
}

/// Writes a ping (§5.5.2) with at most 125 bytes of payload
/// (`WSF_ERR_CONTROL_PAYLOAD_TOO_LONG`).
///
/// # Safety
/// As for `wsf_conn_send_text`.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_send_ping(
    conn: *mut wsf_conn,
    payload: *const u8,
    len: usize,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: forwarded from the caller.
    let payload = match unsafe { bytes(payload, len) } {
        Ok(p) => p,
        Err(e) => return e,
    };
    // SAFETY: forwarded from the caller.
    unsafe { send(conn, out, cap, out_len, |c, out| c.send_ping(payload, out)) }
}

/// Writes an unsolicited pong (§5.5.3, a heartbeat); at most 125 bytes of payload.
///
/// # Safety
/// As for `wsf_conn_send_text`.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_send_pong(
    conn: *mut wsf_conn,
    payload: *const u8,
    len: usize,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: forwarded from the caller.
    let payload = match unsafe { bytes(payload, len) } {
        Ok(p) => p,
        Err(e) => return e,
    };
    // SAFETY: forwarded from the caller.
    unsafe { send(conn, out, cap, out_len, |c, out| c.send_pong(payload, out)) }
}

/// Starts the closing handshake (§7.1.2), or answers the peer's close with this code
/// instead of the echo. `code` 0 sends an empty close (then `reason` must be empty);
/// otherwise it must be sendable (§7.4) and `reason` UTF-8 of at most 123 bytes.
///
/// # Safety
/// As for `wsf_conn_send_text`, with `reason` readable.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_send_close(
    conn: *mut wsf_conn,
    code: u16,
    reason: wsf_str,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: forwarded from the caller.
    let reason = match unsafe { text(reason) } {
        Ok(r) => r,
        Err(e) => return e,
    };
    // SAFETY: forwarded from the caller.
    unsafe {
        send(conn, out, cap, out_len, |c, out| {
            c.send_close(close_code(code), reason, out)
        })
    }
}

/// Allows the RSV bits a negotiated extension defines (`WSF_RSV1` for
/// permessage-deflate), from the next frame on; call it once the handshake agreed on
/// the extension. Frames with other RSV bits keep failing the connection (1002).
///
/// # Safety
/// `conn` from `wsf_conn_init_*`.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_set_allowed_rsv(conn: *mut wsf_conn, rsv: u8) -> wsf_error {
    // SAFETY: forwarded from the caller.
    status(unsafe { self::conn(conn) }.map(|c| c.set_allowed_rsv(rsv)))
}

/// Fails the connection for a reason found above the library, such as compressed data
/// that does not inflate (1007) or inflates past the limit (1009): the close frame with
/// `code` (e.g. `wsf_error_close_code(err)`) is owed through `wsf_conn_poll_transmit`
/// and no more input is taken. Does nothing once the peer's close arrived or the
/// connection is closed. `WSF_ERR_CLOSE_CODE_NOT_SENDABLE` for a code that may not be
/// sent (§7.4).
///
/// # Safety
/// `conn` from `wsf_conn_init_*`.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_fail_with(conn: *mut wsf_conn, code: u16) -> wsf_error {
    // SAFETY: forwarded from the caller.
    status(unsafe { self::conn(conn) }.and_then(|c| Ok(c.fail_with(CloseCode(code))?)))
}

/// Writes a whole message whose payload a negotiated extension transformed (the output
/// of `wsf_deflate_compress`) as one frame with RSV1 set (RFC 7692 §6).
/// `WSF_ERR_EXTENSION_NOT_NEGOTIATED` unless `wsf_conn_set_allowed_rsv` allowed RSV1;
/// otherwise as `wsf_conn_send_binary`.
///
/// # Safety
/// As for `wsf_conn_send_text`.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_send_compressed(
    conn: *mut wsf_conn,
    kind: c_int,
    payload: *const u8,
    len: usize,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: forwarded from the caller.
    let args = unsafe { self::kind(kind).and_then(|k| Ok((k, bytes(payload, len)?))) };
    let (k, payload) = match args {
        Ok(a) => a,
        Err(e) => return e,
    };
    // SAFETY: forwarded from the caller.
    unsafe {
        send(conn, out, cap, out_len, |c, out| {
            c.send_compressed(k, payload, out)
        })
    }
}

/// Like `wsf_conn_send_fragment` for a transformed (compressed) message spread over
/// several frames: the message's first frame carries RSV1, later ones do not.
/// `WSF_ERR_EXTENSION_NOT_NEGOTIATED` unless RSV1 is allowed.
///
/// # Safety
/// As for `wsf_conn_send_text`.
#[no_mangle]
pub unsafe extern "C" fn wsf_conn_send_compressed_fragment(
    conn: *mut wsf_conn,
    kind: c_int,
    payload: *const u8,
    len: usize,
    fin: bool,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: forwarded from the caller.
    let args = unsafe { self::kind(kind).and_then(|k| Ok((k, bytes(payload, len)?))) };
    let (k, payload) = match args {
        Ok(a) => a,
        Err(e) => return e,
    };
    // SAFETY: forwarded from the caller.
    unsafe {
        send(conn, out, cap, out_len, |c, out| {
            c.send_compressed_fragment(k, payload, fin, out)
        })
    }
}
