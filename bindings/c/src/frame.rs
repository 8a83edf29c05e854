//! Frame level (RFC 6455 §5): header decode/encode, masking, the accept key, close
//! payloads. Conversions only; the rules are the core's `frame`, `mask` and `close`.

use core::ffi::c_char;

use core_ws::frame::encode_frame;
use core_ws::{CloseCode, CloseFrame, DecodeRules, Decoded, FrameHeader, OpCode, Role};

use crate::error::needed;
use crate::{bytes, bytes_mut, get, put, status, text, wsf_error, wsf_str};

/// The longest frame header: 2 bytes, 8 of extended length, 4 of mask key.
pub const WSF_MAX_HEADER_LEN: usize = 14;
/// The largest control frame (header and 125 payload bytes): enough output for any
/// `poll_transmit`, ping, pong or close.
pub const WSF_MAX_CONTROL_FRAME_LEN: usize = 131;
/// The length of a `Sec-WebSocket-Accept` value.
pub const WSF_ACCEPT_KEY_LEN: usize = 28;
/// The longest close payload (code and 123 bytes of reason).
pub const WSF_MAX_CLOSE_PAYLOAD: usize = 125;

/// Frame opcodes (§5.2), the values of `wsf_frame_header.opcode`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wsf_opcode {
    /// Continues a fragmented message.
    WSF_OPCODE_CONTINUATION = 0x0,
    /// A text frame.
    WSF_OPCODE_TEXT = 0x1,
    /// A binary frame.
    WSF_OPCODE_BINARY = 0x2,
    /// A close frame.
    WSF_OPCODE_CLOSE = 0x8,
    /// A ping.
    WSF_OPCODE_PING = 0x9,
    /// A pong.
    WSF_OPCODE_PONG = 0xA,
}

/// Endpoint roles, the values of `wsf_decode_rules.role`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wsf_role {
    /// A server: frames it receives must be masked.
    WSF_ROLE_SERVER = 0,
    /// A client: frames it receives must not be masked.
    WSF_ROLE_CLIENT = 1,
}

/// The reserved bits of a header, as in `wsf_frame_header.rsv`.
pub const WSF_RSV1: u8 = 0b100;
/// RSV2.
pub const WSF_RSV2: u8 = 0b010;
/// RSV3.
pub const WSF_RSV3: u8 = 0b001;

/// A frame header (§5.2).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wsf_frame_header {
    /// FIN: the last frame of a message.
    pub fin: bool,
    /// RSV1..3 as bits `0b100`, `0b010`, `0b001`.
    pub rsv: u8,
    /// A `wsf_opcode` value.
    pub opcode: u8,
    /// Whether `mask_key` is used.
    pub masked: bool,
    /// The masking key, when `masked`.
    pub mask_key: [u8; 4],
    /// The payload length.
    pub payload_len: u64,
}

/// What `wsf_frame_decode` accepts.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wsf_decode_rules {
    /// The receiving endpoint, a `wsf_role` value.
    pub role: u8,
    /// The RSV bits negotiated extensions define; 0 without extensions.
    pub allowed_rsv: u8,
    /// The largest payload accepted (`UINT64_MAX` for no limit).
    pub max_payload_len: u64,
}

fn opcode(value: u8) -> Result<OpCode, wsf_error> {
    OpCode::from_u8(value).map_err(|_| wsf_error::WSF_ERR_INVALID_ARGUMENT)
}

pub(crate) fn role(value: u8) -> Result<Role, wsf_error> {
    match value {
        0 => Ok(Role::Server),
        1 => Ok(Role::Client),
        _ => Err(wsf_error::WSF_ERR_INVALID_ARGUMENT),
    }
}

impl wsf_frame_header {
    fn to_core(self) -> Result<FrameHeader, wsf_error> {
        if self.rsv > 0b111 {
            return Err(wsf_error::WSF_ERR_INVALID_ARGUMENT);
        }
        Ok(FrameHeader {
            fin: self.fin,
            rsv: self.rsv,
            opcode: opcode(self.opcode)?,
            mask: self.masked.then_some(self.mask_key),
            payload_len: self.payload_len,
        })
    }

    fn from_core(h: FrameHeader) -> Self {
        Self {
            fin: h.fin,
            rsv: h.rsv,
            opcode: h.opcode.as_u8(),
            masked: h.mask.is_some(),
            mask_key: h.mask.unwrap_or_default(),
            payload_len: h.payload_len,
        }
    }
}

/// Decodes the frame header at the start of `buf` and checks it against `rules` (all
/// header rules of §5.2 and §5.5: reserved opcodes and bits, control frame rules,
/// minimal lengths, masking by role, the size limit).
///
/// Returns `WSF_OK` with `*header` filled and `*size` = the header's length;
/// `WSF_NEED_MORE` with `*size` = the bytes still needed; or the violation.
///
/// # Safety
/// `buf` must be readable for `len` bytes; `rules` must point to a `wsf_decode_rules`;
/// `header` and `size` must be writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_frame_decode(
    buf: *const u8,
    len: usize,
    rules: *const wsf_decode_rules,
    header: *mut wsf_frame_header,
    size: *mut usize,
) -> wsf_error {
    // SAFETY: each pointer is checked and used as the caller promised above.
    status(unsafe { frame_decode(buf, len, rules, header, size) })
}

unsafe fn frame_decode(
    buf: *const u8,
    len: usize,
    rules: *const wsf_decode_rules,
    header: *mut wsf_frame_header,
    size: *mut usize,
) -> Result<(), wsf_error> {
    if header.is_null() || size.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_frame_decode`.
    let (input, rules) = unsafe { (bytes(buf, len)?, get(rules)?) };
    let rules = DecodeRules {
        role: role(rules.role)?,
        allowed_rsv: rules.allowed_rsv,
        max_payload_len: rules.max_payload_len,
    };
    match FrameHeader::decode(input, &rules)? {
        Decoded::Complete {
            header: h,
            header_len,
        } => {
            // SAFETY: both checked non-NULL; the caller promises they are writable.
            unsafe {
                put(header, wsf_frame_header::from_core(h))?;
                put(size, header_len)
            }
        }
        Decoded::Partial { needed } => {
            // SAFETY: as above.
            unsafe { put(size, needed) }?;
            Err(wsf_error::WSF_NEED_MORE)
        }
    }
}

/// Encodes `header` (its `payload_len` as given) into `out`; `*out_len` is the
/// header's length. With `WSF_ERR_BUFFER_TOO_SMALL`, `*out_len` is the size needed
/// (at most `WSF_MAX_HEADER_LEN`).
///
/// # Safety
/// `header` must point to a `wsf_frame_header`; `out` must be writable for `cap`
/// bytes; `out_len` must be writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_frame_encode(
    header: *const wsf_frame_header,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: each pointer is checked and used as the caller promised above.
    status(unsafe { frame_encode(header, out, cap, out_len) })
}

unsafe fn frame_encode(
    header: *const wsf_frame_header,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), wsf_error> {
    if out_len.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_frame_encode`.
    let (h, out) = unsafe { (get(header)?.to_core()?, bytes_mut(out, cap)?) };
    let written = h.encode(out).map_err(|e| (needed(&e), e));
    // SAFETY: checked non-NULL, writable by the caller's promise.
    unsafe { report(out_len, written) }
}

/// Writes a whole frame: `header` (its `payload_len` is replaced by `len`) followed
/// by the payload, masked while copying when `header->masked`. `*out_len` is the
/// frame's length, or the size needed with `WSF_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `header` must point to a `wsf_frame_header`; `payload` must be readable for `len`
/// bytes; `out` writable for `cap` bytes and not overlapping `payload`; `out_len`
/// writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_frame_write(
    header: *const wsf_frame_header,
    payload: *const u8,
    len: usize,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: each pointer is checked and used as the caller promised above.
    status(unsafe { frame_write(header, payload, len, out, cap, out_len) })
}

unsafe fn frame_write(
    header: *const wsf_frame_header,
    payload: *const u8,
    len: usize,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), wsf_error> {
    if out_len.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_frame_write`.
    let (h, payload, out) = unsafe {
        (
            get(header)?.to_core()?,
            bytes(payload, len)?,
            bytes_mut(out, cap)?,
        )
    };
    let written = encode_frame(h, payload, out).map_err(|e| (needed(&e), e));
    // SAFETY: checked non-NULL, writable by the caller's promise.
    unsafe { report(out_len, written) }
}

/// Stores a written length, or the needed size of a too-small buffer, and converts
/// the error.
///
/// # Safety
/// `out_len` must be non-NULL and writable.
pub(crate) unsafe fn report<E: Into<wsf_error>>(
    out_len: *mut usize,
    written: Result<usize, (usize, E)>,
) -> Result<(), wsf_error> {
    let (n, result) = match written {
        Ok(n) => (n, Ok(())),
        Err((needed, e)) => (needed, Err(e.into())),
    };
    // SAFETY: forwarded from the caller.
    unsafe { put(out_len, n) }?;
    result
}

/// XORs `len` bytes at `buf` with the masking key `key` (4 bytes), as if `buf`
/// started at byte `offset` of the payload (§5.3). Masking twice restores the data.
///
/// # Safety
/// `buf` must be writable for `len` bytes; `key` readable for 4 bytes.
#[no_mangle]
pub unsafe extern "C" fn wsf_mask(
    buf: *mut u8,
    len: usize,
    key: *const u8,
    offset: usize,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { mask(buf, len, key, offset) })
}

unsafe fn mask(buf: *mut u8, len: usize, key: *const u8, offset: usize) -> Result<(), wsf_error> {
    if key.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_mask`.
    let (buf, key) = unsafe { (bytes_mut(buf, len)?, bytes(key, 4)?) };
    let key = [key[0], key[1], key[2], key[3]];
    core_ws::apply_mask(buf, key, offset);
    Ok(())
}

/// Computes the `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key` (§4.2.2) into
/// `out`, which must hold `WSF_ACCEPT_KEY_LEN` (28) bytes; no NUL is written.
///
/// # Safety
/// `key` must be readable for `key_len` bytes; `out` writable for 28 bytes.
#[no_mangle]
pub unsafe extern "C" fn wsf_accept_key(
    key: *const c_char,
    key_len: usize,
    out: *mut u8,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { accept(key, key_len, out) })
}

unsafe fn accept(key: *const c_char, key_len: usize, out: *mut u8) -> Result<(), wsf_error> {
    if out.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_accept_key`.
    let (key, out) = unsafe {
        (
            bytes(key.cast(), key_len)?,
            bytes_mut(out, WSF_ACCEPT_KEY_LEN)?,
        )
    };
    out.copy_from_slice(&core_ws::accept_key(key));
    Ok(())
}

/// A close frame's payload (§5.5.1).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wsf_close {
    /// The status code, 0 when the payload is empty (applications report 1005).
    pub code: u16,
    /// The reason, UTF-8, empty when absent; points into the parsed payload.
    pub reason: wsf_str,
}

/// Parses a close payload: empty, or a code that may be sent plus a UTF-8 reason.
/// Fails with `WSF_ERR_INVALID_CLOSE_PAYLOAD`, `WSF_ERR_INVALID_CLOSE_CODE`,
/// `WSF_ERR_INVALID_UTF8` or `WSF_ERR_CONTROL_FRAME_TOO_LONG`.
///
/// # Safety
/// `payload` must be readable for `len` bytes (and stay unchanged while `out->reason`
/// is used); `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_close_parse(
    payload: *const u8,
    len: usize,
    out: *mut wsf_close,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { close_parse(payload, len, out) })
}

unsafe fn close_parse(
    payload: *const u8,
    len: usize,
    out: *mut wsf_close,
) -> Result<(), wsf_error> {
    if out.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_close_parse`.
    let payload = unsafe { bytes(payload, len) }?;
    let close = CloseFrame::parse(payload)?;
    // SAFETY: checked non-NULL, writable by the caller's promise.
    unsafe { put(out, wsf_close::from_core(&close)) }
}

impl wsf_close {
    pub(crate) fn from_core(close: &CloseFrame<'_>) -> Self {
        Self {
            code: close.code.map_or(0, |c| c.0),
            reason: wsf_str::from_str(close.reason),
        }
    }
}

/// Writes a close payload: `code` (0 for none, then `reason` must be empty) and a
/// UTF-8 reason of at most 123 bytes. `*out_len` is its length (0 to 125), or the
/// size needed with `WSF_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `reason` must be readable for its length; `out` writable for `cap` bytes; `out_len`
/// writable.
#[no_mangle]
pub unsafe extern "C" fn wsf_close_write(
    code: u16,
    reason: wsf_str,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> wsf_error {
    // SAFETY: checked and used as the caller promised above.
    status(unsafe { close_write(code, reason, out, cap, out_len) })
}

unsafe fn close_write(
    code: u16,
    reason: wsf_str,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), wsf_error> {
    if out_len.is_null() {
        return Err(wsf_error::WSF_ERR_NULL_POINTER);
    }
    // SAFETY: forwarded from `wsf_close_write`.
    let (reason, out) = unsafe { (text(reason)?, bytes_mut(out, cap)?) };
    let close = CloseFrame {
        code: close_code(code),
        reason,
    };
    let written = close.write(out).map_err(|e| (needed(&e), e));
    // SAFETY: checked non-NULL, writable by the caller's promise.
    unsafe { report(out_len, written) }
}

/// 0 is "no code" in the C API.
pub(crate) fn close_code(code: u16) -> Option<CloseCode> {
    (code != 0).then_some(CloseCode(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_the_core() {
        assert_eq!(WSF_MAX_HEADER_LEN, core_ws::MAX_HEADER_LEN);
        assert_eq!(
            WSF_MAX_CONTROL_FRAME_LEN,
            2 + 4 + core_ws::frame::MAX_CONTROL_PAYLOAD
        );
        assert_eq!(WSF_MAX_CLOSE_PAYLOAD, core_ws::close::MAX_CLOSE_PAYLOAD);
        assert_eq!(
            (WSF_RSV1, WSF_RSV2, WSF_RSV3),
            (
                core_ws::frame::RSV1,
                core_ws::frame::RSV2,
                core_ws::frame::RSV3
            )
        );
        for op in [
            wsf_opcode::WSF_OPCODE_CONTINUATION,
            wsf_opcode::WSF_OPCODE_TEXT,
            wsf_opcode::WSF_OPCODE_BINARY,
            wsf_opcode::WSF_OPCODE_CLOSE,
            wsf_opcode::WSF_OPCODE_PING,
            wsf_opcode::WSF_OPCODE_PONG,
        ] {
            assert_eq!(OpCode::from_u8(op as u8).map(OpCode::as_u8), Ok(op as u8));
        }
    }
}
