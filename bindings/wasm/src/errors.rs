//! Errors as the numbers calls return, for the JavaScript layer to turn into typed errors.
//!
//! An error is one number (see [`js_err`]): its kind, the close code or HTTP status, the
//! index of its text and a value the text shows. The texts are the core's (`message()` of
//! each error enum, listed in the order of the enum's `ALL`), in the JavaScript tables of
//! `js/tables.mjs`, which `cargo test -p wsframe-wasm` renders from this module and the
//! core and compares with the committed file. Texts in the module would cost a tenth of it
//! (the strings and the code that formats them).

use super::Code;
use wsframe::{CloseCode, Error, HandshakeError, ProtocolError, SendError};

/// Error kinds, as the JavaScript layer decodes them.
pub(crate) const KIND_PROTOCOL: u64 = 1;
pub(crate) const KIND_HANDSHAKE: u64 = 2;
pub(crate) const KIND_SEND: u64 = 3;
pub(crate) const KIND_CLOSED: u64 = 4;
pub(crate) const KIND_ARGUMENT: u64 = 5;
/// Wasm memory could not grow: the connection fails with [`CLOSE_OUT_OF_MEMORY`].
pub(crate) const KIND_MEMORY: u64 = 6;

/// The close code of a connection that failed because memory could not grow (§7.4.1:
/// an unexpected condition).
pub(crate) const CLOSE_OUT_OF_MEMORY: CloseCode = CloseCode(1011);

/// Invalid arguments: indices into [`ARGUMENT_MESSAGES`]. JavaScript makes them a
/// `TypeError`.
pub(crate) const ARG_NONCE: u8 = 1;
pub(crate) const ARG_RSV: u8 = 2;
pub(crate) const ARG_NOT_WRITTEN: u8 = 3;
pub(crate) const ARG_NO_REQUEST: u8 = 4;
pub(crate) const ARG_REJECTION: u8 = 5;

/// The binding's own texts (for its arguments), by the indices above; index 0 is the
/// text of an index JavaScript does not know.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const ARGUMENT_MESSAGES: [&str; 6] = [
    "invalid argument",
    "nonce must be 16 bytes",
    "rsv must be 0 to 7",
    "payload not written with send_buf",
    "no request received",
    "rejection status must be 400, 403, 426 or 431",
];

/// An error for JavaScript as one number: `kind << 40 | number << 24 | message << 16 |
/// detail` (below 2^53, so exact). `number` is the close code or HTTP status, `message`
/// the index of the text in the kind's table and `detail` the value the text shows.
pub(crate) fn js_err(kind: u64, number: u16, message: u8, detail: u16) -> Code {
    let code = kind << 40 | u64::from(number) << 24 | u64::from(message) << 16;
    // Exact: below 2^53.
    (code | u64::from(detail)) as f64
}

/// The index of `e`'s variant in `all` (the core's list of every variant) plus one; 0
/// for a variant the list does not have, whose text JavaScript shows as the kind's
/// generic one.
fn index<T>(all: &[T], e: &T) -> u8 {
    let variant = core::mem::discriminant(e);
    all.iter()
        .position(|a| core::mem::discriminant(a) == variant)
        .and_then(|i| u8::try_from(i + 1).ok())
        .unwrap_or(0)
}

/// A protocol error, with its close code and the value its text shows.
#[inline(never)]
pub(crate) fn protocol_err(e: ProtocolError) -> Code {
    let detail = match e {
        ProtocolError::ReservedOpcode(op) => u16::from(op),
        ProtocolError::ReservedBits(bits) => u16::from(bits),
        ProtocolError::InvalidCloseCode(code) => code,
        _ => 0,
    };
    let message = index(&ProtocolError::ALL, &e);
    js_err(KIND_PROTOCOL, e.close_code().0, message, detail)
}

/// A handshake error, with the HTTP status a server answers it with.
#[inline(never)]
pub(crate) fn handshake_err(e: HandshakeError) -> Code {
    let detail = match e {
        HandshakeError::NotSwitchingProtocols(status) => status,
        _ => 0,
    };
    let message = index(&HandshakeError::ALL, &e);
    js_err(KIND_HANDSHAKE, e.http_status(), message, detail)
}

/// A send error, with the value its text shows.
#[inline(never)]
pub(crate) fn send_err(e: SendError) -> Code {
    let detail = match e {
        SendError::InvalidCloseCode(code) => code,
        SendError::BufferTooSmall { needed } => u16::try_from(needed).unwrap_or(u16::MAX),
        _ => 0,
    };
    js_err(KIND_SEND, 0, index(&SendError::ALL, &e), detail)
}

/// An invalid argument (an index of [`ARGUMENT_MESSAGES`]).
pub(crate) fn arg_err(message: u8) -> Code {
    js_err(KIND_ARGUMENT, 0, message, 0)
}

/// Memory could not grow.
pub(crate) fn memory_err() -> Code {
    js_err(KIND_MEMORY, CLOSE_OUT_OF_MEMORY.0, 0, 0)
}

/// An error of a connection's receive path.
#[inline(never)]
pub(crate) fn conn_err(e: Error) -> Code {
    match e {
        Error::Protocol(e) => protocol_err(e),
        Error::Handshake(e) => handshake_err(e),
        _ => js_err(KIND_CLOSED, 0, 0, 0),
    }
}
