//! permessage-deflate (RFC 7692) for C, in a library built with the `deflate` feature
//! (the header declares these functions when `WSF_HAVE_DEFLATE` is defined).
//!
//! Conversions only: negotiation and the codec are wsframe-deflate's, the RSV1 bit and
//! the failing close are the core's (`wsf_conn_set_allowed_rsv`,
//! `wsf_conn_send_compressed`, `wsf_conn_fail_with`), and inflated text is checked with
//! the core's UTF-8 validator.
//!
//! Unlike the rest of the library, a compression context is allocated (zlib-rs with the
//! Rust allocator): it is created by a successful negotiation and released with
//! `wsf_deflate_free`. Outputs go into caller buffers; when one is too small the bytes
//! already produced are held in the context until the same call is repeated with a
//! large enough buffer (the compression windows have moved on, so they cannot be
//! produced again).

use core::ffi::{c_char, c_int};
use core::fmt::{self, Display, Write};

use core_ws::{DataKind, Role, Utf8Validator};
use wsframe_deflate::{
    accept_response, negotiate, Agreed, DeflateConfig, Offer, PerMessageDeflate,
};

use crate::conn::kind;
use crate::frame::report;
use crate::handshake::{wsf_client_request, wsf_client_response, wsf_request};
use crate::{bytes, bytes_mut, get, put, status, wsf_error};

/// What this endpoint asks for (client) or accepts (server); fill with
/// `wsf_deflate_config_default` and adjust.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wsf_deflate_config {
    /// Have the server reset its compression context after every message
    /// (server_no_context_takeover, §7.1.1.1): a server saves memory, a client asks
    /// for it.
    pub server_no_context_takeover: bool,
    /// Have the client reset its compression context after every message (§7.1.1.2).
    pub client_no_context_takeover: bool,
    /// The largest window the server may compress with, 8 to 15 (§7.1.2.1).
    pub server_max_window_bits: u8,
    /// The largest window the client may compress with, 8 to 15 (§7.1.2.2).
    pub client_max_window_bits: u8,
    /// The compression level, 0 (store) to 9 (smallest); default 6.
    pub level: u8,
    /// Messages shorter than this are not worth compressing
    /// (`wsf_deflate_should_compress`); default 64.
    pub min_size: usize,
}

impl wsf_deflate_config {
    fn to_core(self) -> DeflateConfig {
        DeflateConfig {
            server_no_context_takeover: self.server_no_context_takeover,
            client_no_context_takeover: self.client_no_context_takeover,
            server_max_window_bits: self.server_max_window_bits,
            client_max_window_bits: self.client_max_window_bits,
            level: self.level,
            min_size: self.min_size,
        }
    }
}

/// The parameters both ends agreed on.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct wsf_deflate_params {
    /// The server resets its context after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its context after each message.
    pub client_no_context_takeover: bool,
    /// The server's window, 8 to 15.
    pub server_max_window_bits: u8,
    /// The client's window, 8 to 15.
    pub client_max_window_bits: u8,
}

impl wsf_deflate_params {
    fn from_core(a: &Agreed) -> Self {
        Self {
            server_no_context_takeover: a.server_no_context_takeover,
            client_no_context_takeover: a.client_no_context_takeover,
            server_max_window_bits: a.server_max_window_bits,
            client_max_window_bits: a.client_max_window_bits,
        }
    }
}

/// Bytes produced by the codec, delivered into the caller's buffer.
#[derive(Debug, Default)]
struct Outbox {
    bytes: Vec<u8>,
    /// The call (input length, end of message) whose output waits for a larger buffer.
    held: Option<(usize, bool)>,
}

/// Scratch capacity kept between messages; more is released after a large message.
const KEEP: usize = 64 * 1024;

impl Outbox {
    /// A held output answering the call `key`: `Some` when one is held (an error when
    /// `key` is not the call that produced it).
    fn retry(
        &mut self,
        key: (usize, bool),
        out: &mut [u8],
    ) -> Option<Result<usize, (usize, wsf_error)>> {
        match self.held {
            None => None,
            Some(held) if held == key => Some(self.deliver(key, out)),
            Some(_) => Some(Err((self.bytes.len(), wsf_error::WSF_ERR_INVALID_ARGUMENT))),
        }
    }

    /// Copies the produced bytes into `out`, or holds them for the same call again.
    fn deliver(&mut self, key: (usize, bool), out: &mut [u8]) -> Result<usize, (usize, wsf_error)> {
        let n = self.bytes.len();
        let Some(dest) = out.get_mut(..n) else {
            self.held = Some(key);
            return Err((n, wsf_error::WSF_ERR_BUFFER_TOO_SMALL));
        };
        dest.copy_from_slice(&self.bytes);
        self.held = None;
        self.bytes.clear();
        if self.bytes.capacity() > KEEP {
            self.bytes = Vec::new();
        }
        Ok(n)
    }
}

/// The permessage-deflate state of one connection. Opaque; created by
/// `wsf_deflate_negotiate` or `wsf_deflate_accept_response`, released with
/// `wsf_deflate_free`. Used by one thread at a time.
pub struct wsf_deflate {
    codec: PerMessageDeflate,
    /// Checks the inflated text of the message being received.
    utf8: Utf8Validator,
    /// Bytes of the message being received inflated so far (counts against its limit).
    inflated: usize,
    /// A received message is in progress (its first piece was inflated).
    receiving: bool,
    compressed: Outbox,
    decompressed: Outbox,
}

impl wsf_deflate {
    fn create(agreed: &Agreed, role: Role, config: &DeflateConfig) -> *mut Self {
        Box::into_raw(Box::new(Self {
            codec: PerMessageDeflate::new(agreed, role, config),
            utf8: Utf8Validator::new(),
            inflated: 0,
            receiving: false,
            compressed: Outbox::default(),
            decompressed: Outbox::default(),
        }))
    }
}

/// Writes `value` into `out` as far as it fits, counting every byte.
struct Fill<'a> {
    out: &'a mut [u8],
    len: usize,
}

impl Write for Fill<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.saturating_add(s.len());
        if let Some(dest) = self.out.get_mut(self.len..end) {
            dest.copy_from_slice(s.as_bytes());
        }
        self.len = end;
        Ok(())
    }
}

/// Writes a header value into `out`: its length, or the length needed.
fn write_value(value: impl Display, out: &mut [u8]) -> Result<usize, (usize, wsf_error)> {
    let mut fill = Fill { out, len: 0 };
    // `Fill` never fails, nor do the extension's `Display` impls.
    let _ = write!(fill, "{value}");
    if fill.len > fill.out.len() {
        Err((fill.len, wsf_error::WSF_ERR_BUFFER_TOO_SMALL))
    } else {
        Ok(fill.len)
    }
}

/// The configuration from a nullable pointer.
///
/// # Safety
/// A non-NULL `config` must point to a `wsf_deflate_config`.
unsafe fn config(config: *const wsf_deflate_config) -> DeflateConfig {
    // SAFETY: forwarded from the caller.
    unsafe { config.as_ref() }.map_or_else(DeflateConfig::default, |c| c.to_core())
}

/// Fills `out` with the defaults: full windows both ways, context takeover, level 6,
/// no compression below 64 bytes.
///
/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_deflate_config_default(out: *mut wsf_deflate_config) -> wsf_error {
    let d = DeflateConfig::default();
    let c = wsf_deflate_config {
        server_no_context_takeover: d.server_no_context_takeover,
        client_no_context_takeover: d.client_no_context_takeover,
        server_max_window_bits: d.server_max_window_bits,
        client_max_window_bits: d.client_max_window_bits,
        level: d.level,
        min_size: d.min_size,
    };
    // SAFETY: checked for NULL by `put`; writable by the caller's promise.
    status(unsafe { put(out, c) })
}

/// Server: picks the first permessage-deflate offer of `request` that `config` (NULL
/// for the defaults) can accept (RFC 7692 §5.1). When one is accepted, `*out` is a new
/// compression context for the connection, `header[0..*header_len)` the
/// Sec-WebSocket-Extensions value to answer with (the `extensions` of the
/// `wsf_response`; not NUL-terminated) and `*params` (may be NULL) what was agreed;
/// then allow RSV1 with `wsf_conn_set_allowed_rsv`. When every offer is declined (or
/// there is none), `WSF_OK` with `*out` NULL and `*header_len` 0: answer without
/// extensions. With `WSF_ERR_BUFFER_TOO_SMALL`, `*header_len` is the size needed (128
/// bytes always fit) and nothing is created.
///
/// # Safety
/// `request` from `wsf_request_parse` or a `WSF_EVENT_REQUEST` with its input
/// unchanged; `config` NULL or valid; `header` writable for `cap` bytes; `header_len`
/// and `out` writable; `params` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_deflate_negotiate(
    request: *const wsf_request,
    config: *const wsf_deflate_config,
    header: *mut c_char,
    cap: usize,
    header_len: *mut usize,
    params: *mut wsf_deflate_params,
    out: *mut *mut wsf_deflate,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { server_negotiate(request, config, header, cap, header_len, params, out) })
}

unsafe fn server_negotiate(
    request: *const wsf_request,
    config: *const wsf_deflate_config,
    header: *mut c_char,
    cap: usize,
    header_len: *mut usize,
    params: *mut wsf_deflate_params,
    out: *mut *mut wsf_deflate,
) -> Result<(), wsf_error> {
    if header_len.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: writable by the caller's promise; NULL is refused.
    unsafe { put(out, core::ptr::null_mut()) }?;
    // SAFETY: forwarded from `wsf_deflate_negotiate`.
    let (request, header, config) = unsafe {
        (
            get(request)?.view()?,
            bytes_mut(header.cast(), cap)?,
            self::config(config),
        )
    };
    let Some(agreed) = negotiate(request.extensions(), &config) else {
        // SAFETY: checked non-NULL.
        return unsafe { put(header_len, 0) };
    };
    // SAFETY: checked non-NULL.
    unsafe { report(header_len, write_value(agreed, header)) }?;
    if !params.is_null() {
        // SAFETY: non-NULL and writable by the caller's promise.
        unsafe { put(params, wsf_deflate_params::from_core(&agreed)) }?;
    }
    // SAFETY: checked non-NULL above.
    unsafe { put(out, wsf_deflate::create(&agreed, Role::Server, &config)) }
}

/// Client: writes the offer for `config` (NULL for the defaults) into `out`, the
/// Sec-WebSocket-Extensions value for the `extensions` of a `wsf_client_request` (not
/// NUL-terminated). `*out_len` is its length, or the size needed with
/// `WSF_ERR_BUFFER_TOO_SMALL` (128 bytes always fit).
///
/// # Safety
/// `config` NULL or valid; `out` writable for `cap` bytes; `out_len` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_deflate_offer_write(
    config: *const wsf_deflate_config,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    if out_len.is_null() {
        return wsf_error::WSF_ERR_NULL_POINTER;
    }
    // SAFETY: forwarded from the caller.
    let (config, out) = match unsafe { bytes_mut(out.cast(), cap) } {
        // SAFETY: forwarded from the caller.
        Ok(out) => (unsafe { self::config(config) }, out),
        Err(e) => return e,
    };
    // SAFETY: checked non-NULL.
    status(unsafe { report(out_len, write_value(Offer(&config), out)) })
}

/// Client: checks the server's answer (`response`, from `wsf_client_response_parse` or
/// a `WSF_EVENT_OPENED`, with its input unchanged) to the offer made with `config`
/// (the same configuration as for `wsf_deflate_offer_write`) in `request` (the request
/// that was sent). When the server accepted, `*out` is a new compression context and
/// `*params` (may be NULL) what was agreed; allow RSV1 with
/// `wsf_conn_set_allowed_rsv`. When it declined, `WSF_OK` with `*out` NULL.
/// `WSF_ERR_DEFLATE_NEGOTIATION` when the answer is invalid or does not honour the
/// offer: fail the connection (close the transport).
///
/// # Safety
/// `response`, `request` valid; `config` NULL or valid; `out` writable; `params` NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_deflate_accept_response(
    response: *const wsf_client_response,
    request: *const wsf_client_request,
    config: *const wsf_deflate_config,
    params: *mut wsf_deflate_params,
    out: *mut *mut wsf_deflate,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { client_accept(response, request, config, params, out) })
}

unsafe fn client_accept(
    response: *const wsf_client_response,
    request: *const wsf_client_request,
    config: *const wsf_deflate_config,
    params: *mut wsf_deflate_params,
    out: *mut *mut wsf_deflate,
) -> Result<(), wsf_error> {
    // SAFETY: writable by the caller's promise; NULL is refused.
    unsafe { put(out, core::ptr::null_mut()) }?;
    // SAFETY: forwarded from `wsf_deflate_accept_response`.
    let (response, config) = unsafe { (get(response)?, self::config(config)) };
    // SAFETY: forwarded from `wsf_deflate_accept_response`.
    let agreed = unsafe {
        response.with_view(request, |r| {
            accept_response(r.extensions(), &config)
                .map_err(|_| wsf_error::WSF_ERR_DEFLATE_NEGOTIATION)
        })
    }?;
    let Some(agreed) = agreed else {
        return Ok(());
    };
    if !params.is_null() {
        // SAFETY: non-NULL and writable by the caller's promise.
        unsafe { put(params, wsf_deflate_params::from_core(&agreed)) }?;
    }
    // SAFETY: checked non-NULL above.
    unsafe { put(out, wsf_deflate::create(&agreed, Role::Client, &config)) }
}

/// Releases a compression context; NULL is ignored.
///
/// # Safety
/// `deflate` NULL or from this library, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn wsf_deflate_free(deflate: *mut wsf_deflate) {
    if !deflate.is_null() {
        // SAFETY: created by `Box::into_raw` in `wsf_deflate::create`, released once.
        drop(unsafe { Box::from_raw(deflate) });
    }
}

/// The context behind a pointer.
///
/// # Safety
/// A non-NULL `d` must come from this library and not be used elsewhere during `'a`.
unsafe fn context<'a>(d: *mut wsf_deflate) -> Result<&'a mut wsf_deflate, wsf_error> {
    // SAFETY: forwarded from the caller.
    unsafe { d.as_mut() }.ok_or(wsf_error::WSF_ERR_NULL_POINTER)
}

/// Whether a message of `len` bytes is worth compressing (the configuration's
/// `min_size`); send shorter ones as they are. False for NULL.
///
/// # Safety
/// `deflate` NULL or from this library.
#[no_mangle]
pub unsafe extern "C" fn wsf_deflate_should_compress(
    deflate: *const wsf_deflate,
    len: usize,
) -> bool {
    // SAFETY: forwarded from the caller.
    unsafe { deflate.as_ref() }.is_some_and(|d| d.codec.should_compress(len))
}

/// Compresses a whole message (RFC 7692 §7.2.1) into `out`; send its `*out_len` bytes
/// with `wsf_conn_send_compressed`. Every compressed message must be sent, in order:
/// the peer's window follows ours. With `WSF_ERR_BUFFER_TOO_SMALL`, `*out_len` is the
/// size needed and the result is held: call again with the same message and a buffer
/// that large (another call meanwhile is `WSF_ERR_INVALID_ARGUMENT`).
/// `WSF_ERR_COMPRESSION_FAILED` if the compressor fails.
///
/// # Safety
/// `deflate` from this library; `message` readable for `len` bytes; `out` writable for
/// `cap` bytes; `out_len` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_deflate_compress(
    deflate: *mut wsf_deflate,
    message: *const u8,
    len: usize,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    if out_len.is_null() {
        return wsf_error::WSF_ERR_NULL_POINTER;
    }
    // SAFETY: forwarded from the caller.
    let args = unsafe {
        context(deflate).and_then(|d| Ok((d, bytes(message, len)?, bytes_mut(out, cap)?)))
    };
    let (d, message, out) = match args {
        Ok(a) => a,
        Err(e) => return e,
    };
    let key = (message.len(), true);
    let written = match d.compressed.retry(key, out) {
        Some(held) => held,
        None => {
            d.compressed.bytes.clear();
            match d.codec.compress(message, &mut d.compressed.bytes) {
                Ok(()) => d.compressed.deliver(key, out),
                Err(_) => Err((0, wsf_error::WSF_ERR_COMPRESSION_FAILED)),
            }
        }
    };
    // SAFETY: checked non-NULL.
    status(unsafe { report(out_len, written) })
}

/// Inflates one piece of a compressed message (a `WSF_EVENT_DATA` with `compressed`
/// set: pass its `data_kind`, `payload` and `end_of_message`) into `out`; `*out_len` is
/// the number of message bytes it yields. The inflated message counts against
/// `max_message_len` as it is produced (`WSF_ERR_MESSAGE_TOO_LARGE`, 1009, before the
/// excess is stored); text is checked for UTF-8 (`WSF_ERR_INVALID_UTF8`, 1007); data
/// that does not inflate is `WSF_ERR_INVALID_COMPRESSED_DATA` (1007). On these errors
/// fail the connection: `wsf_conn_fail_with(conn, wsf_error_close_code(err))`. With
/// `WSF_ERR_BUFFER_TOO_SMALL`, `*out_len` is the size needed and the bytes are held:
/// call again with the same piece and a buffer that large.
///
/// # Safety
/// `deflate` from this library; `piece` readable for `len` bytes; `out` writable for
/// `cap` bytes; `out_len` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_deflate_decompress(
    deflate: *mut wsf_deflate,
    kind: c_int,
    piece: *const u8,
    len: usize,
    end_of_message: bool,
    max_message_len: u64,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    if out_len.is_null() {
        return wsf_error::WSF_ERR_NULL_POINTER;
    }
    // SAFETY: forwarded from the caller.
    let args = unsafe {
        context(deflate).and_then(|d| {
            Ok((
                d,
                self::kind(kind)?,
                bytes(piece, len)?,
                bytes_mut(out, cap)?,
            ))
        })
    };
    let (d, kind, piece, out) = match args {
        Ok(a) => a,
        Err(e) => return e,
    };
    let key = (piece.len(), end_of_message);
    let written = match d.decompressed.retry(key, out) {
        Some(held) => held,
        None => d
            .inflate(kind, piece, end_of_message, max_message_len)
            .map_err(|e| (0, e))
            .and_then(|()| d.decompressed.deliver(key, out)),
    };
    // SAFETY: checked non-NULL.
    status(unsafe { report(out_len, written) })
}

impl wsf_deflate {
    /// Inflates `piece` into `self.decompressed`, applying the limit and, for text,
    /// the core's UTF-8 check.
    fn inflate(
        &mut self,
        kind: DataKind,
        piece: &[u8],
        end_of_message: bool,
        max_message_len: u64,
    ) -> Result<(), wsf_error> {
        if !self.receiving {
            self.receiving = true;
            self.inflated = 0;
            self.utf8.reset();
        }
        let limit = usize::try_from(max_message_len).unwrap_or(usize::MAX);
        let buf = &mut self.decompressed.bytes;
        buf.clear();
        self.codec
            .decompress(
                piece,
                end_of_message,
                limit.saturating_sub(self.inflated),
                buf,
            )
            .map_err(|e| match e {
                wsframe_deflate::DeflateError::TooBig => wsf_error::WSF_ERR_MESSAGE_TOO_LARGE,
                wsframe_deflate::DeflateError::Corrupt => {
                    wsf_error::WSF_ERR_INVALID_COMPRESSED_DATA
                }
                _ => wsf_error::WSF_ERR_COMPRESSION_FAILED,
            })?;
        self.inflated = self.inflated.saturating_add(buf.len());
        if kind == DataKind::Text
            && (self.utf8.feed(buf).is_err() || end_of_message && !self.utf8.is_complete())
        {
            return Err(wsf_error::WSF_ERR_INVALID_UTF8);
        }
        if end_of_message {
            self.receiving = false;
        }
        Ok(())
    }
}
