//! One error enum for the whole C API, grouped by kind in ranges of codes.
//!
//! The values are conversions of the core's errors; what each means for the peer (the
//! close code, the HTTP status) and its text are asked of the core, never decided here.

use core::ffi::{c_char, c_int};

use core_ws::{CloseCode, HandshakeError, ProtocolError, SendError};

/// The result of every fallible function. `WSF_OK` is 0; the other values are grouped
/// by kind (`wsf_error_kind`):
///
/// - 1: need more data (not a failure: read more bytes and call again);
/// - 100–199: protocol, the peer broke RFC 6455 (100–149 frames, 150–199 handshake);
/// - 200–299: usage, the caller passed something invalid or called at the wrong time;
/// - 300–399: limit, a configured cap was exceeded.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wsf_error {
    /// Success.
    WSF_OK = 0,
    /// The input ends before the item is complete.
    WSF_NEED_MORE = 1,

    /// A frame used a reserved opcode.
    WSF_ERR_RESERVED_OPCODE = 100,
    /// A frame set reserved bits no extension defines.
    WSF_ERR_RESERVED_BITS = 101,
    /// A control frame without FIN.
    WSF_ERR_FRAGMENTED_CONTROL_FRAME = 102,
    /// A control frame longer than 125 bytes.
    WSF_ERR_CONTROL_FRAME_TOO_LONG = 103,
    /// A payload length not in its shortest form.
    WSF_ERR_NON_MINIMAL_LENGTH = 104,
    /// A 64-bit payload length with its top bit set.
    WSF_ERR_LENGTH_TOP_BIT_SET = 105,
    /// An unmasked frame from a client.
    WSF_ERR_UNMASKED_FRAME = 106,
    /// A masked frame from a server.
    WSF_ERR_MASKED_FRAME = 107,
    /// A continuation frame with no message in progress.
    WSF_ERR_UNEXPECTED_CONTINUATION = 108,
    /// A new message inside a fragmented one.
    WSF_ERR_EXPECTED_CONTINUATION = 109,
    /// Text that is not UTF-8 (close code 1007).
    WSF_ERR_INVALID_UTF8 = 110,
    /// A close payload of one byte.
    WSF_ERR_INVALID_CLOSE_PAYLOAD = 111,
    /// A close code that may not be sent on the wire.
    WSF_ERR_INVALID_CLOSE_CODE = 112,
    /// Compressed data (permessage-deflate) that does not inflate (close code 1007).
    WSF_ERR_INVALID_COMPRESSED_DATA = 113,
    /// Another protocol violation.
    WSF_ERR_PROTOCOL = 149,

    /// The handshake is not valid HTTP/1.1.
    WSF_ERR_MALFORMED_HTTP = 150,
    /// The request method is not GET.
    WSF_ERR_METHOD_NOT_GET = 151,
    /// The HTTP version is older than 1.1.
    WSF_ERR_HTTP_VERSION = 152,
    /// The request has no Host header.
    WSF_ERR_MISSING_HOST = 153,
    /// The Upgrade header does not name websocket.
    WSF_ERR_MISSING_UPGRADE = 154,
    /// The Connection header does not name Upgrade.
    WSF_ERR_MISSING_CONNECTION = 155,
    /// The Sec-WebSocket-Key is not base64 of 16 bytes.
    WSF_ERR_INVALID_KEY = 156,
    /// The Sec-WebSocket-Version is not 13 (answer 426).
    WSF_ERR_UNSUPPORTED_VERSION = 157,
    /// A header value is not UTF-8.
    WSF_ERR_INVALID_HEADER_VALUE = 158,
    /// The Sec-WebSocket-Extensions value does not parse.
    WSF_ERR_INVALID_EXTENSION_SYNTAX = 159,
    /// The origin is refused (answer 403).
    WSF_ERR_ORIGIN_REFUSED = 160,
    /// The server answered with another status than 101.
    WSF_ERR_NOT_SWITCHING_PROTOCOLS = 161,
    /// The Sec-WebSocket-Accept value is wrong.
    WSF_ERR_ACCEPT_MISMATCH = 162,
    /// The server chose a subprotocol the client did not offer.
    WSF_ERR_PROTOCOL_NOT_OFFERED = 163,
    /// The server chose an extension the client did not offer.
    WSF_ERR_EXTENSION_NOT_OFFERED = 164,
    /// The server's permessage-deflate answer is invalid or does not honour the offer
    /// (RFC 7692 §5: the client fails the connection).
    WSF_ERR_DEFLATE_NEGOTIATION = 165,
    /// Another handshake failure.
    WSF_ERR_HANDSHAKE = 199,

    /// A required pointer is NULL.
    WSF_ERR_NULL_POINTER = 200,
    /// An argument is out of range or malformed (e.g. a header name that is not a
    /// token, an unknown opcode) or the call does not fit the connection's state.
    WSF_ERR_INVALID_ARGUMENT = 201,
    /// The output buffer is too small; where known, the size needed is reported.
    WSF_ERR_BUFFER_TOO_SMALL = 202,
    /// A text argument is not UTF-8.
    WSF_ERR_INVALID_TEXT = 203,
    /// A control frame payload (ping, pong, close reason) is too long to send.
    WSF_ERR_CONTROL_PAYLOAD_TOO_LONG = 204,
    /// The close code may not be sent (e.g. 1005, 1006), or a reason without a code.
    WSF_ERR_CLOSE_CODE_NOT_SENDABLE = 205,
    /// A fragment does not continue the message being sent, or a message starts
    /// before the previous one ended.
    WSF_ERR_FRAGMENT_ORDER = 206,
    /// The connection is not open (closing or closed).
    WSF_ERR_NOT_OPEN = 207,
    /// The opening handshake is not finished.
    WSF_ERR_CONNECTING = 208,
    /// The connection takes no more input.
    WSF_ERR_CLOSED = 209,
    /// A compressed frame was sent but no extension allows RSV1 on the connection.
    WSF_ERR_EXTENSION_NOT_NEGOTIATED = 210,
    /// The compressor failed (an internal error; close code 1011).
    WSF_ERR_COMPRESSION_FAILED = 211,

    /// A frame is over the configured size limit.
    WSF_ERR_FRAME_TOO_LARGE = 300,
    /// A frame length does not fit in this machine's memory.
    WSF_ERR_LENGTH_OVERFLOW = 301,
    /// A message is over the configured size limit.
    WSF_ERR_MESSAGE_TOO_LARGE = 302,
    /// A message has more frames than configured.
    WSF_ERR_TOO_MANY_FRAGMENTS = 303,
    /// The handshake is over its byte limit (answer 431).
    WSF_ERR_HANDSHAKE_TOO_LARGE = 304,
    /// The handshake has more headers than configured (answer 431).
    WSF_ERR_TOO_MANY_HEADERS = 305,
    /// Too many Sec-WebSocket-Protocol or -Extensions header lines.
    WSF_ERR_TOO_MANY_OFFER_HEADERS = 306,
}

/// The kinds of `wsf_error`, from `wsf_error_kind`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wsf_kind {
    /// `WSF_OK`.
    WSF_KIND_NONE = 0,
    /// `WSF_NEED_MORE`: read more input.
    WSF_KIND_NEED_MORE = 1,
    /// The peer broke the protocol.
    WSF_KIND_PROTOCOL = 2,
    /// The caller misused the API.
    WSF_KIND_USAGE = 3,
    /// A configured limit was exceeded.
    WSF_KIND_LIMIT = 4,
    /// Not a `wsf_error` value.
    WSF_KIND_UNKNOWN = 5,
}

use wsf_error::*;

/// Every value, for the reverse conversion from C's integer.
const ALL: [wsf_error; 53] = [
    WSF_OK,
    WSF_NEED_MORE,
    WSF_ERR_RESERVED_OPCODE,
    WSF_ERR_RESERVED_BITS,
    WSF_ERR_FRAGMENTED_CONTROL_FRAME,
    WSF_ERR_CONTROL_FRAME_TOO_LONG,
    WSF_ERR_NON_MINIMAL_LENGTH,
    WSF_ERR_LENGTH_TOP_BIT_SET,
    WSF_ERR_UNMASKED_FRAME,
    WSF_ERR_MASKED_FRAME,
    WSF_ERR_UNEXPECTED_CONTINUATION,
    WSF_ERR_EXPECTED_CONTINUATION,
    WSF_ERR_INVALID_UTF8,
    WSF_ERR_INVALID_CLOSE_PAYLOAD,
    WSF_ERR_INVALID_CLOSE_CODE,
    WSF_ERR_INVALID_COMPRESSED_DATA,
    WSF_ERR_PROTOCOL,
    WSF_ERR_MALFORMED_HTTP,
    WSF_ERR_METHOD_NOT_GET,
    WSF_ERR_HTTP_VERSION,
    WSF_ERR_MISSING_HOST,
    WSF_ERR_MISSING_UPGRADE,
    WSF_ERR_MISSING_CONNECTION,
    WSF_ERR_INVALID_KEY,
    WSF_ERR_UNSUPPORTED_VERSION,
    WSF_ERR_INVALID_HEADER_VALUE,
    WSF_ERR_INVALID_EXTENSION_SYNTAX,
    WSF_ERR_ORIGIN_REFUSED,
    WSF_ERR_NOT_SWITCHING_PROTOCOLS,
    WSF_ERR_ACCEPT_MISMATCH,
    WSF_ERR_PROTOCOL_NOT_OFFERED,
    WSF_ERR_EXTENSION_NOT_OFFERED,
    WSF_ERR_DEFLATE_NEGOTIATION,
    WSF_ERR_HANDSHAKE,
    WSF_ERR_NULL_POINTER,
    WSF_ERR_INVALID_ARGUMENT,
    WSF_ERR_BUFFER_TOO_SMALL,
    WSF_ERR_INVALID_TEXT,
    WSF_ERR_CONTROL_PAYLOAD_TOO_LONG,
    WSF_ERR_CLOSE_CODE_NOT_SENDABLE,
    WSF_ERR_FRAGMENT_ORDER,
    WSF_ERR_NOT_OPEN,
    WSF_ERR_CONNECTING,
    WSF_ERR_CLOSED,
    WSF_ERR_EXTENSION_NOT_NEGOTIATED,
    WSF_ERR_COMPRESSION_FAILED,
    WSF_ERR_FRAME_TOO_LARGE,
    WSF_ERR_LENGTH_OVERFLOW,
    WSF_ERR_MESSAGE_TOO_LARGE,
    WSF_ERR_TOO_MANY_FRAGMENTS,
    WSF_ERR_HANDSHAKE_TOO_LARGE,
    WSF_ERR_TOO_MANY_HEADERS,
    WSF_ERR_TOO_MANY_OFFER_HEADERS,
];

impl wsf_error {
    fn from_int(code: c_int) -> Option<Self> {
        ALL.iter().copied().find(|e| *e as c_int == code)
    }

    fn kind(self) -> wsf_kind {
        match self as u32 {
            0 => wsf_kind::WSF_KIND_NONE,
            1 => wsf_kind::WSF_KIND_NEED_MORE,
            100..=199 => wsf_kind::WSF_KIND_PROTOCOL,
            200..=299 => wsf_kind::WSF_KIND_USAGE,
            _ => wsf_kind::WSF_KIND_LIMIT,
        }
    }

    /// The core's protocol error this value stands for (payloads do not affect the
    /// close code, so any is fine).
    const fn as_protocol(self) -> Option<ProtocolError> {
        Some(match self {
            WSF_ERR_RESERVED_OPCODE => ProtocolError::ReservedOpcode(3),
            WSF_ERR_RESERVED_BITS => ProtocolError::ReservedBits(4),
            WSF_ERR_FRAGMENTED_CONTROL_FRAME => ProtocolError::FragmentedControlFrame,
            WSF_ERR_CONTROL_FRAME_TOO_LONG => ProtocolError::ControlFrameTooLong,
            WSF_ERR_NON_MINIMAL_LENGTH => ProtocolError::NonMinimalLength,
            WSF_ERR_LENGTH_TOP_BIT_SET => ProtocolError::LengthTopBitSet,
            WSF_ERR_UNMASKED_FRAME => ProtocolError::UnmaskedFrame,
            WSF_ERR_MASKED_FRAME => ProtocolError::MaskedFrame,
            WSF_ERR_UNEXPECTED_CONTINUATION => ProtocolError::UnexpectedContinuation,
            WSF_ERR_EXPECTED_CONTINUATION => ProtocolError::ExpectedContinuation,
            WSF_ERR_INVALID_UTF8 => ProtocolError::InvalidUtf8,
            WSF_ERR_INVALID_CLOSE_PAYLOAD => ProtocolError::InvalidClosePayload,
            WSF_ERR_INVALID_CLOSE_CODE => ProtocolError::InvalidCloseCode(1005),
            // The core's generic answer to a violation.
            WSF_ERR_PROTOCOL => ProtocolError::UnexpectedContinuation,
            WSF_ERR_FRAME_TOO_LARGE => ProtocolError::FrameTooLarge,
            WSF_ERR_LENGTH_OVERFLOW => ProtocolError::LengthOverflow,
            WSF_ERR_MESSAGE_TOO_LARGE => ProtocolError::MessageTooLarge,
            WSF_ERR_TOO_MANY_FRAGMENTS => ProtocolError::TooManyFragments,
            _ => return None,
        })
    }

    /// The core's handshake error this value stands for.
    const fn as_handshake(self) -> Option<HandshakeError> {
        Some(match self {
            WSF_ERR_MALFORMED_HTTP | WSF_ERR_HANDSHAKE => HandshakeError::MalformedHttp,
            WSF_ERR_METHOD_NOT_GET => HandshakeError::MethodNotGet,
            WSF_ERR_HTTP_VERSION => HandshakeError::HttpVersion,
            WSF_ERR_MISSING_HOST => HandshakeError::MissingHost,
            WSF_ERR_MISSING_UPGRADE => HandshakeError::MissingUpgrade,
            WSF_ERR_MISSING_CONNECTION => HandshakeError::MissingConnection,
            WSF_ERR_INVALID_KEY => HandshakeError::InvalidKey,
            WSF_ERR_UNSUPPORTED_VERSION => HandshakeError::UnsupportedVersion,
            WSF_ERR_INVALID_HEADER_VALUE => HandshakeError::InvalidHeaderValue,
            WSF_ERR_INVALID_EXTENSION_SYNTAX => HandshakeError::InvalidExtensionSyntax,
            WSF_ERR_ORIGIN_REFUSED => HandshakeError::OriginRefused,
            WSF_ERR_NOT_SWITCHING_PROTOCOLS => HandshakeError::NotSwitchingProtocols(0),
            WSF_ERR_ACCEPT_MISMATCH => HandshakeError::AcceptMismatch,
            WSF_ERR_PROTOCOL_NOT_OFFERED => HandshakeError::ProtocolNotOffered,
            WSF_ERR_EXTENSION_NOT_OFFERED => HandshakeError::ExtensionNotOffered,
            WSF_ERR_HANDSHAKE_TOO_LARGE => HandshakeError::TooLarge,
            WSF_ERR_TOO_MANY_HEADERS => HandshakeError::TooManyHeaders,
            WSF_ERR_TOO_MANY_OFFER_HEADERS => HandshakeError::TooManyOfferHeaders,
            _ => return None,
        })
    }

    /// The close code wsframe-deflate assigns to a permessage-deflate failure (only a
    /// library built with the `deflate` feature reports these errors).
    fn extension_close_code(self) -> Option<CloseCode> {
        #[cfg(feature = "deflate")]
        {
            use wsframe_deflate::DeflateError;
            match self {
                WSF_ERR_INVALID_COMPRESSED_DATA => Some(DeflateError::Corrupt.close_code()),
                WSF_ERR_COMPRESSION_FAILED => Some(DeflateError::Internal.close_code()),
                _ => None,
            }
        }
        #[cfg(not(feature = "deflate"))]
        {
            None
        }
    }

    /// The core's send error this value stands for.
    const fn as_send(self) -> Option<SendError> {
        Some(match self {
            WSF_ERR_BUFFER_TOO_SMALL => SendError::BufferTooSmall { needed: 0 },
            WSF_ERR_CONTROL_PAYLOAD_TOO_LONG => SendError::ControlFrameTooLong,
            WSF_ERR_CLOSE_CODE_NOT_SENDABLE => SendError::InvalidCloseCode(0),
            WSF_ERR_FRAGMENT_ORDER => SendError::FragmentOrder,
            WSF_ERR_NOT_OPEN => SendError::NotOpen,
            WSF_ERR_CONNECTING => SendError::Connecting,
            WSF_ERR_EXTENSION_NOT_NEGOTIATED => SendError::ExtensionNotNegotiated,
            _ => return None,
        })
    }

    /// This value's text: the core's `message()` of the error it stands for; the
    /// binding's own only for values no single core error is behind.
    const fn text(self) -> &'static str {
        match self {
            WSF_OK => "ok",
            WSF_NEED_MORE => "need more data",
            // The catch-alls for core errors added later.
            WSF_ERR_PROTOCOL => "protocol error",
            WSF_ERR_HANDSHAKE => "handshake error",
            // permessage-deflate and the C calling convention.
            WSF_ERR_INVALID_COMPRESSED_DATA => "invalid compressed data",
            WSF_ERR_COMPRESSION_FAILED => "compressor failure",
            WSF_ERR_DEFLATE_NEGOTIATION => "invalid permessage-deflate answer",
            WSF_ERR_NULL_POINTER => "null pointer",
            WSF_ERR_INVALID_ARGUMENT => "invalid argument",
            WSF_ERR_INVALID_TEXT => "text argument is not valid utf-8",
            WSF_ERR_CLOSED => core_ws::Error::CLOSED_MESSAGE,
            _ => {
                if let Some(e) = self.as_protocol() {
                    e.message()
                } else if let Some(e) = self.as_handshake() {
                    e.message()
                } else if let Some(e) = self.as_send() {
                    e.message()
                } else {
                    "unknown error"
                }
            }
        }
    }
}

/// Room for the longest text and its NUL.
const TEXT_CAPACITY: usize = 64;

/// Every value's [`text`](wsf_error::text) with a NUL after it, in the order of [`ALL`]:
/// built when the library is compiled, so `wsf_strerror` hands out static C strings
/// whose words are the core's.
static TEXTS: [[u8; TEXT_CAPACITY]; ALL.len()] = nul_terminated_texts();

const fn nul_terminated_texts() -> [[u8; TEXT_CAPACITY]; ALL.len()] {
    let mut table = [[0; TEXT_CAPACITY]; ALL.len()];
    let mut i = 0;
    while i < ALL.len() {
        let text = ALL[i].text().as_bytes();
        // Checked at compile time: a text too long, or with a NUL that would cut it
        // short, stops the build.
        assert!(text.len() < TEXT_CAPACITY, "an error text is too long");
        let mut j = 0;
        while j < text.len() {
            assert!(text[j] != 0, "an error text has a NUL byte");
            table[i][j] = text[j];
            j += 1;
        }
        i += 1;
    }
    table
}

impl From<ProtocolError> for wsf_error {
    fn from(e: ProtocolError) -> Self {
        match e {
            ProtocolError::ReservedOpcode(_) => WSF_ERR_RESERVED_OPCODE,
            ProtocolError::ReservedBits(_) => WSF_ERR_RESERVED_BITS,
            ProtocolError::FragmentedControlFrame => WSF_ERR_FRAGMENTED_CONTROL_FRAME,
            ProtocolError::ControlFrameTooLong => WSF_ERR_CONTROL_FRAME_TOO_LONG,
            ProtocolError::NonMinimalLength => WSF_ERR_NON_MINIMAL_LENGTH,
            ProtocolError::LengthTopBitSet => WSF_ERR_LENGTH_TOP_BIT_SET,
            ProtocolError::UnmaskedFrame => WSF_ERR_UNMASKED_FRAME,
            ProtocolError::MaskedFrame => WSF_ERR_MASKED_FRAME,
            ProtocolError::UnexpectedContinuation => WSF_ERR_UNEXPECTED_CONTINUATION,
            ProtocolError::ExpectedContinuation => WSF_ERR_EXPECTED_CONTINUATION,
            ProtocolError::InvalidUtf8 => WSF_ERR_INVALID_UTF8,
            ProtocolError::InvalidClosePayload => WSF_ERR_INVALID_CLOSE_PAYLOAD,
            ProtocolError::InvalidCloseCode(_) => WSF_ERR_INVALID_CLOSE_CODE,
            ProtocolError::FrameTooLarge => WSF_ERR_FRAME_TOO_LARGE,
            ProtocolError::LengthOverflow => WSF_ERR_LENGTH_OVERFLOW,
            ProtocolError::MessageTooLarge => WSF_ERR_MESSAGE_TOO_LARGE,
            ProtocolError::TooManyFragments => WSF_ERR_TOO_MANY_FRAGMENTS,
            _ => WSF_ERR_PROTOCOL,
        }
    }
}

impl From<HandshakeError> for wsf_error {
    fn from(e: HandshakeError) -> Self {
        match e {
            HandshakeError::MalformedHttp => WSF_ERR_MALFORMED_HTTP,
            HandshakeError::MethodNotGet => WSF_ERR_METHOD_NOT_GET,
            HandshakeError::HttpVersion => WSF_ERR_HTTP_VERSION,
            HandshakeError::MissingHost => WSF_ERR_MISSING_HOST,
            HandshakeError::MissingUpgrade => WSF_ERR_MISSING_UPGRADE,
            HandshakeError::MissingConnection => WSF_ERR_MISSING_CONNECTION,
            HandshakeError::InvalidKey => WSF_ERR_INVALID_KEY,
            HandshakeError::UnsupportedVersion => WSF_ERR_UNSUPPORTED_VERSION,
            HandshakeError::InvalidHeaderValue => WSF_ERR_INVALID_HEADER_VALUE,
            HandshakeError::TooManyOfferHeaders => WSF_ERR_TOO_MANY_OFFER_HEADERS,
            HandshakeError::InvalidExtensionSyntax => WSF_ERR_INVALID_EXTENSION_SYNTAX,
            HandshakeError::TooLarge => WSF_ERR_HANDSHAKE_TOO_LARGE,
            HandshakeError::TooManyHeaders => WSF_ERR_TOO_MANY_HEADERS,
            HandshakeError::OriginRefused => WSF_ERR_ORIGIN_REFUSED,
            HandshakeError::NotSwitchingProtocols(_) => WSF_ERR_NOT_SWITCHING_PROTOCOLS,
            HandshakeError::AcceptMismatch => WSF_ERR_ACCEPT_MISMATCH,
            HandshakeError::ProtocolNotOffered => WSF_ERR_PROTOCOL_NOT_OFFERED,
            HandshakeError::ExtensionNotOffered => WSF_ERR_EXTENSION_NOT_OFFERED,
            HandshakeError::InvalidArgument => WSF_ERR_INVALID_ARGUMENT,
            HandshakeError::BufferTooSmall => WSF_ERR_BUFFER_TOO_SMALL,
            _ => WSF_ERR_HANDSHAKE,
        }
    }
}

impl From<SendError> for wsf_error {
    fn from(e: SendError) -> Self {
        match e {
            SendError::BufferTooSmall { .. } => WSF_ERR_BUFFER_TOO_SMALL,
            SendError::ControlFrameTooLong => WSF_ERR_CONTROL_PAYLOAD_TOO_LONG,
            SendError::InvalidCloseCode(_) => WSF_ERR_CLOSE_CODE_NOT_SENDABLE,
            SendError::FragmentOrder => WSF_ERR_FRAGMENT_ORDER,
            SendError::NotOpen => WSF_ERR_NOT_OPEN,
            SendError::Connecting => WSF_ERR_CONNECTING,
            SendError::ExtensionNotNegotiated => WSF_ERR_EXTENSION_NOT_NEGOTIATED,
            _ => WSF_ERR_INVALID_ARGUMENT,
        }
    }
}

impl From<core_ws::Error> for wsf_error {
    fn from(e: core_ws::Error) -> Self {
        match e {
            core_ws::Error::Protocol(p) => p.into(),
            core_ws::Error::Handshake(h) => h.into(),
            _ => WSF_ERR_CLOSED,
        }
    }
}

/// The core's handshake error for a C error value, if it is one.
pub(crate) fn handshake_error(err: c_int) -> Option<HandshakeError> {
    wsf_error::from_int(err).and_then(wsf_error::as_handshake)
}

/// The size a `SendError::BufferTooSmall` asks for, 0 when unknown.
pub(crate) fn needed(e: &SendError) -> usize {
    match e {
        SendError::BufferTooSmall { needed } => *needed,
        _ => 0,
    }
}

/// A short lowercase description of `err` (a `wsf_error` value), as a static
/// NUL-terminated string; "unknown error" for other values.
#[no_mangle]
pub extern "C" fn wsf_strerror(err: c_int) -> *const c_char {
    ALL.iter()
        .position(|e| *e as c_int == err)
        .and_then(|i| TEXTS.get(i))
        .map_or(c"unknown error".as_ptr(), |text| text.as_ptr().cast())
}

/// The kind of `err` (a `wsf_error` value).
#[no_mangle]
pub extern "C" fn wsf_error_kind(err: c_int) -> wsf_kind {
    wsf_error::from_int(err).map_or(wsf_kind::WSF_KIND_UNKNOWN, wsf_error::kind)
}

/// The close code to send when failing a connection because of `err`:
/// 1002 (protocol error), 1007 (invalid UTF-8) or 1009 (too big) for errors in the
/// frame stream, as the core assigns them; for permessage-deflate errors (a library
/// built with it), 1007 for `WSF_ERR_INVALID_COMPRESSED_DATA` and 1011 for
/// `WSF_ERR_COMPRESSION_FAILED`, as wsframe-deflate assigns them; 1011 (internal error) for usage errors, if
/// the application gives up because of one. 0 when no close frame applies: `WSF_OK`,
/// `WSF_NEED_MORE`, and handshake errors (no WebSocket exists yet; answer with
/// `wsf_error_http_status` instead).
#[no_mangle]
pub extern "C" fn wsf_error_close_code(err: c_int) -> u16 {
    let Some(e) = wsf_error::from_int(err) else {
        return 0;
    };
    if let Some(p) = e.as_protocol() {
        return p.close_code().0;
    }
    if let Some(code) = e.extension_close_code() {
        return code.0;
    }
    match e.kind() {
        wsf_kind::WSF_KIND_USAGE => CloseCode::INTERNAL_ERROR.0,
        _ => 0,
    }
}

/// The HTTP status that refuses a handshake failing with `err`, as the core assigns
/// it (400, 403, 426, 431); 0 for errors that are not about a received handshake.
#[no_mangle]
pub extern "C" fn wsf_error_http_status(err: c_int) -> u16 {
    wsf_error::from_int(err)
        .and_then(wsf_error::as_handshake)
        .map_or(0, HandshakeError::http_status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::ffi::CStr;

    #[test]
    fn every_value_round_trips_and_has_a_kind() {
        for e in ALL {
            assert_eq!(wsf_error::from_int(e as c_int), Some(e));
            assert!(!strerror(e).is_empty());
            assert_ne!(e.kind(), wsf_kind::WSF_KIND_UNKNOWN);
        }
        assert_eq!(wsf_error::from_int(2), None);
        assert_eq!(wsf_error_kind(-1), wsf_kind::WSF_KIND_UNKNOWN);
    }

    fn strerror(e: wsf_error) -> &'static str {
        // SAFETY: wsf_strerror returns a pointer to a static NUL-terminated string.
        let text = unsafe { CStr::from_ptr(wsf_strerror(e as c_int)) };
        text.to_str().unwrap()
    }

    #[test]
    fn texts_come_from_the_core() {
        let mut from_core = 0;
        for e in ALL {
            let core = match e {
                // Catch-alls whose stand-in core error does not describe them.
                WSF_ERR_PROTOCOL | WSF_ERR_HANDSHAKE | WSF_ERR_INVALID_ARGUMENT => None,
                WSF_ERR_CLOSED => Some(core_ws::Error::Closed.message()),
                _ => e
                    .as_protocol()
                    .map(ProtocolError::message)
                    .or(e.as_handshake().map(HandshakeError::message))
                    .or(e.as_send().map(SendError::message)),
            };
            if let Some(core) = core {
                assert_eq!(strerror(e), core, "{e:?}");
                from_core += 1;
            }
        }
        // Every value but the binding's own ten.
        assert_eq!(from_core, ALL.len() - 10);
        // Every core text has a C value showing it.
        let texts: std::vec::Vec<&str> = ALL.iter().map(|e| strerror(*e)).collect();
        for text in ProtocolError::ALL
            .iter()
            .map(|e| e.message())
            .chain(SendError::ALL.iter().map(|e| e.message()))
        {
            assert!(texts.contains(&text), "{text:?} has no wsf_error");
        }
        assert_eq!(strerror(WSF_ERR_INVALID_UTF8), "invalid utf-8");
        assert_eq!(strerror(WSF_ERR_NULL_POINTER), "null pointer");
    }

    #[test]
    fn close_codes_come_from_the_core() {
        for e in ALL {
            let code = wsf_error_close_code(e as c_int);
            match e.kind() {
                wsf_kind::WSF_KIND_USAGE => assert_eq!(code, 1011),
                _ => {
                    let expected = e
                        .as_protocol()
                        .map(|p| p.close_code())
                        .or(e.extension_close_code())
                        .map_or(0, |c| c.0);
                    assert_eq!(code, expected, "{e:?}");
                }
            }
        }
        assert_eq!(wsf_error_close_code(WSF_ERR_INVALID_UTF8 as c_int), 1007);
        assert_eq!(
            wsf_error_close_code(WSF_ERR_MESSAGE_TOO_LARGE as c_int),
            1009
        );
        assert_eq!(wsf_error_close_code(WSF_ERR_MASKED_FRAME as c_int), 1002);
        let (corrupt, failed) = if cfg!(feature = "deflate") {
            (1007, 1011)
        } else {
            // Only a library built with deflate reports these.
            (0, 1011)
        };
        assert_eq!(
            wsf_error_close_code(WSF_ERR_INVALID_COMPRESSED_DATA as c_int),
            corrupt
        );
        assert_eq!(
            wsf_error_close_code(WSF_ERR_COMPRESSION_FAILED as c_int),
            failed
        );
        assert_eq!(
            wsf_error::from(SendError::ExtensionNotNegotiated),
            WSF_ERR_EXTENSION_NOT_NEGOTIATED
        );
    }

    #[test]
    fn conversions_keep_the_meaning() {
        for e in ALL {
            if let Some(p) = e.as_protocol() {
                if e != WSF_ERR_PROTOCOL {
                    assert_eq!(wsf_error::from(p), e);
                }
            }
            if let Some(h) = e.as_handshake() {
                if e != WSF_ERR_HANDSHAKE {
                    assert_eq!(wsf_error::from(h), e);
                }
            }
        }
    }
}
