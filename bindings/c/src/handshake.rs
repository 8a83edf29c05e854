//! The opening handshake (RFC 6455 §4): the server's request parser, 101 response
//! and rejections; the client's request writer and response check. Conversions only;
//! the rules are the core's `handshake`.
//!
//! Parsed requests and responses point into the caller's input and keep the head's
//! position (`head`, `head_len`): functions that need more of the request parse the
//! head again with the core, so nothing is copied or stored here.

use core::ffi::c_char;

use core_ws::handshake::{client, server, HandshakeLimits, Status, MAX_HEADERS};
use core_ws::HandshakeError;

use crate::{bytes, bytes_mut, get, opt_text, put, status, text, wsf_error, wsf_str};

/// The most extra headers a response or client request may carry.
pub const WSF_MAX_EXTRA_HEADERS: usize = 16;
/// The most subprotocols a client request may offer.
pub const WSF_MAX_PROTOCOLS: usize = 16;

/// Caps on a received handshake (§10.4). Pass NULL where a function takes limits to
/// use the defaults (8192 bytes, 32 headers).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wsf_handshake_limits {
    /// The most bytes the HTTP head may take, blank line included.
    pub max_bytes: usize,
    /// The most header lines (at most 64).
    pub max_headers: usize,
}

impl wsf_handshake_limits {
    pub(crate) fn from_core(l: HandshakeLimits) -> Self {
        Self {
            max_bytes: l.max_bytes,
            max_headers: l.max_headers,
        }
    }

    pub(crate) fn to_core(self) -> HandshakeLimits {
        HandshakeLimits {
            max_bytes: self.max_bytes,
            max_headers: self.max_headers,
        }
    }
}

/// One extra header line: name (a token) and value (printable ASCII).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wsf_header {
    /// The header name.
    pub name: wsf_str,
    /// The header value.
    pub value: wsf_str,
}

/// A client's opening request, checked against §4.2.1. Every string points into the
/// parsed input, which must stay unchanged while the request is used.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wsf_request {
    /// The request target, e.g. `/chat?room=1`.
    pub path: wsf_str,
    /// The Host header.
    pub host: wsf_str,
    /// The Sec-WebSocket-Key header.
    pub key: wsf_str,
    /// The Origin header; `ptr` is NULL when absent.
    pub origin: wsf_str,
    /// The whole HTTP head in the input (used by the functions taking a request).
    pub head: *const u8,
    /// Its length, blank line included; the WebSocket stream starts after it.
    pub head_len: usize,
}

/// The server's acceptance (§4.2.2). All fields may be empty/NULL; pass NULL for no
/// subprotocol, no extensions, no extra headers.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wsf_response {
    /// The chosen subprotocol, one the client offered; `ptr` NULL for none.
    pub protocol: wsf_str,
    /// The accepted extensions as a header value; `ptr` NULL for none.
    pub extensions: wsf_str,
    /// Extra headers (e.g. Set-Cookie), `header_count` of them, at most
    /// `WSF_MAX_EXTRA_HEADERS`.
    pub headers: *const wsf_header,
    /// The number of extra headers.
    pub header_count: usize,
}

/// A client's opening request (§4.1).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wsf_client_request {
    /// The Host header value (host, and `:port` when not the default).
    pub host: wsf_str,
    /// The request target, starting with `/`.
    pub path: wsf_str,
    /// 16 fresh random bytes for Sec-WebSocket-Key.
    pub nonce: [u8; 16],
    /// Offered subprotocols in order of preference, `protocol_count` of them (at most
    /// `WSF_MAX_PROTOCOLS`, 128 bytes together).
    pub protocols: *const wsf_str,
    /// The number of offered subprotocols.
    pub protocol_count: usize,
    /// The Sec-WebSocket-Extensions offer; `ptr` NULL for none.
    pub extensions: wsf_str,
    /// The Origin header; `ptr` NULL for none.
    pub origin: wsf_str,
    /// Extra headers, `header_count` of them (at most `WSF_MAX_EXTRA_HEADERS`).
    pub headers: *const wsf_header,
    /// The number of extra headers.
    pub header_count: usize,
}

/// A server's accepted response, checked against §4.1. Points into the parsed input.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wsf_client_response {
    /// The chosen subprotocol; `ptr` NULL when none.
    pub protocol: wsf_str,
    /// The whole HTTP head in the input.
    pub head: *const u8,
    /// Its length; the WebSocket stream starts after it.
    pub head_len: usize,
}

/// Limits from a nullable pointer.
///
/// # Safety
/// A non-NULL `limits` must point to a `wsf_handshake_limits`.
unsafe fn limits(limits: *const wsf_handshake_limits) -> HandshakeLimits {
    // SAFETY: forwarded from the caller.
    unsafe { limits.as_ref() }.map_or_else(HandshakeLimits::default, |l| l.to_core())
}

/// Limits for parsing a head that was parsed and checked before.
const AGAIN: HandshakeLimits = HandshakeLimits {
    max_bytes: usize::MAX,
    max_headers: MAX_HEADERS,
};

impl wsf_request {
    pub(crate) fn from_core(r: &server::Request<'_>, head: *const u8, head_len: usize) -> Self {
        Self {
            path: wsf_str::from_str(r.path),
            host: wsf_str::from_str(r.host),
            key: wsf_str::from_str(r.key),
            origin: wsf_str::from_opt(r.origin),
            head,
            head_len,
        }
    }

    /// The core's view of this request, from its head.
    ///
    /// # Safety
    /// `head` must be readable for `head_len` bytes for `'a`.
    pub(crate) unsafe fn view<'a>(&self) -> Result<server::Request<'a>, wsf_error> {
        // SAFETY: forwarded from the caller.
        let head = unsafe { bytes(self.head, self.head_len) }?;
        match server::Request::parse(head, &AGAIN)? {
            Status::Complete { value, .. } => Ok(value),
            Status::Partial => Err(wsf_error::WSF_ERR_INVALID_ARGUMENT),
        }
    }
}

/// Stores the extra headers of a C array into `store`.
///
/// # Safety
/// `ptr` must be readable for `count` headers whose strings are readable.
unsafe fn extra_headers<'a>(
    ptr: *const wsf_header,
    count: usize,
    store: &'a mut [(&'a str, &'a str); WSF_MAX_EXTRA_HEADERS],
) -> Result<&'a [(&'a str, &'a str)], wsf_error> {
    if count > WSF_MAX_EXTRA_HEADERS {
        return Err(wsf_error::WSF_ERR_INVALID_ARGUMENT);
    }
    if count > 0 && ptr.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    for (i, slot) in store.iter_mut().take(count).enumerate() {
        // SAFETY: i < count, and the caller promises `count` readable headers.
        let h = unsafe { &*ptr.add(i) };
        // SAFETY: the caller promises readable strings.
        *slot = unsafe { (text(h.name)?, text(h.value)?) };
    }
    Ok(&store[..count])
}

/// Parses and checks a client's opening request at the start of `buf` (§4.2.1).
///
/// Returns `WSF_OK` with `*out` filled and `*head_len` = the request's length (the
/// WebSocket stream starts there); `WSF_NEED_MORE` until the blank line arrives; or the
/// handshake error (answer it with `wsf_rejection_write_for_error`). `limits` may be
/// NULL for the defaults.
///
/// # Safety
/// `buf` must be readable for `len` bytes and stay unchanged while `*out` is used;
/// `limits` NULL or valid; `out` and `head_len` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_request_parse(
    buf: *const u8,
    len: usize,
    limits: *const wsf_handshake_limits,
    out: *mut wsf_request,
    head_len: *mut usize,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { request_parse(buf, len, limits, out, head_len) })
}

unsafe fn request_parse(
    buf: *const u8,
    len: usize,
    lim: *const wsf_handshake_limits,
    out: *mut wsf_request,
    head_len: *mut usize,
) -> Result<(), wsf_error> {
    if out.is_null() || head_len.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_request_parse`.
    let (input, lim) = unsafe { (bytes(buf, len)?, limits(lim)) };
    match server::Request::parse(input, &lim)? {
        Status::Complete { value, head_len: n } => {
            // SAFETY: both checked non-NULL; writable by the caller's promise.
            unsafe {
                put(out, wsf_request::from_core(&value, input.as_ptr(), n))?;
                put(head_len, n)
            }
        }
        Status::Partial => Err(wsf_error::WSF_NEED_MORE),
    }
}

/// The `index`-th offered subprotocol (0-based, in the client's order, across all
/// Sec-WebSocket-Protocol lines). Returns false when there is no such entry or an
/// argument is invalid.
///
/// # Safety
/// `request` must be a request filled by this library whose input is unchanged; `out`
/// writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_request_protocol(
    request: *const wsf_request,
    index: usize,
    out: *mut wsf_str,
) -> bool {
    // SAFETY: checked and used as the caller promised above.
    let found = unsafe { get(request).and_then(|r| r.view()) }
        .ok()
        .and_then(|r| r.protocols().nth(index).map(wsf_str::from_str));
    // SAFETY: as above.
    found.is_some_and(|s| unsafe { put(out, s) }.is_ok())
}

/// The name of the `index`-th offered extension (0-based, in order); parameters are in
/// the raw header (`wsf_request_header` with "Sec-WebSocket-Extensions"). Returns
/// false when there is no such entry or an argument is invalid.
///
/// # Safety
/// As for `wsf_request_protocol`.
#[no_mangle]
pub unsafe extern "C" fn wsf_request_extension(
    request: *const wsf_request,
    index: usize,
    out: *mut wsf_str,
) -> bool {
    // SAFETY: checked and used as the caller promised above.
    let found = unsafe { get(request).and_then(|r| r.view()) }
        .ok()
        .and_then(|r| r.extensions().nth(index).map(|e| wsf_str::from_str(e.name)));
    // SAFETY: as above.
    found.is_some_and(|s| unsafe { put(out, s) }.is_ok())
}

/// The value of header `name` (case-insensitive; the first line of that name), e.g.
/// "Cookie". Returns false when absent or an argument is invalid.
///
/// # Safety
/// As for `wsf_request_protocol`; `name` readable.
#[no_mangle]
pub unsafe extern "C" fn wsf_request_header(
    request: *const wsf_request,
    name: wsf_str,
    out: *mut wsf_str,
) -> bool {
    // SAFETY: checked and used as the caller promised above.
    let found = unsafe { get(request).and_then(|r| Ok((r.view()?, text(name)?))) }
        .ok()
        .and_then(|(r, name)| r.header(name))
        .map(|v| wsf_str {
            ptr: v.as_ptr().cast::<c_char>(),
            len: v.len(),
        });
    // SAFETY: as above.
    found.is_some_and(|s| unsafe { put(out, s) }.is_ok())
}

/// Converts a response and hands the core's view to `f`.
///
/// # Safety
/// A non-NULL `response` must be valid, with readable strings and headers.
pub(crate) unsafe fn with_response<T>(
    response: *const wsf_response,
    f: impl FnOnce(&server::Response<'_>) -> Result<T, wsf_error>,
) -> Result<T, wsf_error> {
    // SAFETY: forwarded from the caller.
    let Some(r) = (unsafe { response.as_ref() }) else {
        return f(&server::Response::default());
    };
    let mut store = [("", ""); WSF_MAX_EXTRA_HEADERS];
    // SAFETY: forwarded from the caller.
    let core = unsafe {
        server::Response {
            protocol: opt_text(r.protocol)?,
            extensions: opt_text(r.extensions)?,
            headers: extra_headers(r.headers, r.header_count, &mut store)?,
        }
    };
    f(&core)
}

/// Writes the 101 response accepting `request` into `out` (§4.2.2); `response` may be
/// NULL (no subprotocol, extensions or extra headers). `*out_len` is its length.
/// Fails with `WSF_ERR_PROTOCOL_NOT_OFFERED` for a subprotocol the client did not
/// offer, `WSF_ERR_INVALID_ARGUMENT` for a bad header, `WSF_ERR_BUFFER_TOO_SMALL`.
///
/// For a connection, use `wsf_conn_accept` instead.
///
/// # Safety
/// `request` as for `wsf_request_protocol`; `response` NULL or valid; `out` writable
/// for `cap` bytes; `out_len` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_response_write(
    request: *const wsf_request,
    response: *const wsf_response,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { response_write(request, response, out, cap, out_len) })
}

unsafe fn response_write(
    request: *const wsf_request,
    response: *const wsf_response,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), wsf_error> {
    if out_len.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_response_write`.
    let (request, out) = unsafe { (get(request)?.view()?, bytes_mut(out, cap)?) };
    // SAFETY: forwarded from `wsf_response_write`.
    let n = unsafe { with_response(response, |r| Ok(r.write(&request, out)?)) }?;
    // SAFETY: checked non-NULL.
    unsafe { put(out_len, n) }
}

/// The core's rejection for a status and reason.
///
/// # Safety
/// `reason` must be readable.
pub(crate) unsafe fn rejection<'a>(
    http_status: u16,
    reason: wsf_str,
) -> Result<server::Rejection<'a>, wsf_error> {
    Ok(match http_status {
        // SAFETY: forwarded from the caller.
        400 => server::Rejection::BadRequest(unsafe { opt_text(reason) }?.unwrap_or("bad request")),
        403 => server::Rejection::Forbidden,
        426 => server::Rejection::UpgradeRequired,
        431 => server::Rejection::TooLarge,
        _ => return Err(wsf_error::WSF_ERR_INVALID_ARGUMENT),
    })
}

/// Writes a complete HTTP response refusing a handshake: `status` 400 (with `reason`
/// as the body; `ptr` NULL for a default), 403, 426 (with Sec-WebSocket-Version: 13)
/// or 431. Other statuses are `WSF_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `reason` readable; `out` writable for `cap` bytes; `out_len` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_rejection_write(
    http_status: u16,
    reason: wsf_str,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { rejection_write(http_status, reason, out, cap, out_len) })
}

unsafe fn rejection_write(
    http_status: u16,
    reason: wsf_str,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), wsf_error> {
    if out_len.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_rejection_write`.
    let (r, out) = unsafe { (rejection(http_status, reason)?, bytes_mut(out, cap)?) };
    let n = r.write(out)?;
    // SAFETY: checked non-NULL.
    unsafe { put(out_len, n) }
}

/// Writes the HTTP response refusing a request that failed `wsf_request_parse` with
/// `err` (the core picks the status: 400, 426 or 431). `WSF_ERR_INVALID_ARGUMENT` when
/// `err` is not a handshake error.
///
/// # Safety
/// `out` writable for `cap` bytes; `out_len` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_rejection_write_for_error(
    err: core::ffi::c_int,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { rejection_for_error(err, out, cap, out_len) })
}

unsafe fn rejection_for_error(
    err: core::ffi::c_int,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), wsf_error> {
    if out_len.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    let error: HandshakeError =
        crate::error::handshake_error(err).ok_or(wsf_error::WSF_ERR_INVALID_ARGUMENT)?;
    // SAFETY: forwarded from `wsf_rejection_write_for_error`.
    let out = unsafe { bytes_mut(out, cap) }?;
    let n = server::Rejection::for_error(error).write(out)?;
    // SAFETY: checked non-NULL.
    unsafe { put(out_len, n) }
}

/// Converts a client request and hands the core's view to `f`.
///
/// # Safety
/// `request` must point to a valid `wsf_client_request` with readable arrays/strings.
pub(crate) unsafe fn with_client_request<T>(
    request: *const wsf_client_request,
    f: impl FnOnce(&client::Request<'_>) -> Result<T, wsf_error>,
) -> Result<T, wsf_error> {
    // SAFETY: forwarded from the caller.
    let r = unsafe { get(request) }?;
    if r.protocol_count > WSF_MAX_PROTOCOLS {
        return Err(wsf_error::WSF_ERR_INVALID_ARGUMENT);
    }
    if r.protocol_count > 0 && r.protocols.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    let mut protocols = [""; WSF_MAX_PROTOCOLS];
    for (i, slot) in protocols.iter_mut().take(r.protocol_count).enumerate() {
        // SAFETY: i < protocol_count; the caller promises that many readable strings.
        *slot = unsafe { text(*r.protocols.add(i)) }?;
    }
    let mut store = [("", ""); WSF_MAX_EXTRA_HEADERS];
    // SAFETY: forwarded from the caller.
    let core = unsafe {
        client::Request {
            host: text(r.host)?,
            path: text(r.path)?,
            nonce: r.nonce,
            protocols: &protocols[..r.protocol_count],
            extensions: opt_text(r.extensions)?,
            origin: opt_text(r.origin)?,
            headers: extra_headers(r.headers, r.header_count, &mut store)?,
        }
    };
    f(&core)
}

/// Writes a client's opening request into `out` (§4.1); `*out_len` is its length.
/// `WSF_ERR_INVALID_ARGUMENT` for a path, host, subprotocol or header that cannot be
/// sent. For a connection, use `wsf_conn_write_request`.
///
/// # Safety
/// `request` valid; `out` writable for `cap` bytes; `out_len` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_client_request_write(
    request: *const wsf_client_request,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { client_request_write(request, out, cap, out_len) })
}

unsafe fn client_request_write(
    request: *const wsf_client_request,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), wsf_error> {
    if out_len.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_client_request_write`.
    let out = unsafe { bytes_mut(out, cap) }?;
    // SAFETY: forwarded from `wsf_client_request_write`.
    let n = unsafe { with_client_request(request, |r| Ok(r.write(out)?)) }?;
    // SAFETY: checked non-NULL.
    unsafe { put(out_len, n) }
}

/// Parses the server's response at the start of `buf` and checks it against the
/// `request` that was sent (§4.1: status 101, Upgrade, Connection, the accept value,
/// offered subprotocol and extensions). Returns like `wsf_request_parse`.
///
/// # Safety
/// `buf` readable for `len` bytes and unchanged while `*out` is used; `request` valid;
/// `limits` NULL or valid; `out` and `head_len` writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_client_response_parse(
    buf: *const u8,
    len: usize,
    request: *const wsf_client_request,
    limits: *const wsf_handshake_limits,
    out: *mut wsf_client_response,
    head_len: *mut usize,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { client_response_parse(buf, len, request, limits, out, head_len) })
}

unsafe fn client_response_parse(
    buf: *const u8,
    len: usize,
    request: *const wsf_client_request,
    lim: *const wsf_handshake_limits,
    out: *mut wsf_client_response,
    head_len: *mut usize,
) -> Result<(), wsf_error> {
    if out.is_null() || head_len.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_client_response_parse`.
    let (input, lim) = unsafe { (bytes(buf, len)?, limits(lim)) };
    // SAFETY: forwarded from `wsf_client_response_parse`.
    let parsed =
        unsafe { with_client_request(request, |r| Ok(client::Response::parse(input, r, &lim)?)) }?;
    match parsed {
        Status::Complete { value, head_len: n } => {
            // SAFETY: both checked non-NULL; writable by the caller's promise.
            unsafe {
                put(
                    out,
                    wsf_client_response::from_core(&value, input.as_ptr(), n),
                )?;
                put(head_len, n)
            }
        }
        Status::Partial => Err(wsf_error::WSF_NEED_MORE),
    }
}

impl wsf_client_response {
    /// The core's view of this response, parsed again from its head and checked
    /// against `request` (the request that was sent), handed to `f`.
    ///
    /// # Safety
    /// `head` readable for `head_len` bytes; `request` as for `with_client_request`.
    #[cfg(feature = "deflate")]
    pub(crate) unsafe fn with_view<T>(
        &self,
        request: *const wsf_client_request,
        f: impl FnOnce(&client::Response<'_>) -> Result<T, wsf_error>,
    ) -> Result<T, wsf_error> {
        // SAFETY: forwarded from the caller.
        let head = unsafe { bytes(self.head, self.head_len) }?;
        // SAFETY: forwarded from the caller.
        unsafe {
            with_client_request(request, |r| {
                match client::Response::parse(head, r, &AGAIN)? {
                    Status::Complete { value, .. } => f(&value),
                    Status::Partial => Err(wsf_error::WSF_ERR_INVALID_ARGUMENT),
                }
            })
        }
    }

    pub(crate) fn from_core(r: &client::Response<'_>, head: *const u8, head_len: usize) -> Self {
        Self {
            protocol: wsf_str::from_opt(r.protocol),
            head,
            head_len,
        }
    }
}
