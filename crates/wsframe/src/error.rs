//! Error types, one per layer, each knowing what to tell the peer.
//!
//! - [`ProtocolError`]: a frame or message broke RFC 6455; [`ProtocolError::close_code`]
//!   is the code for the close frame that fails the connection (§7.1.7).
//! - [`HandshakeError`]: the opening handshake (§4) failed;
//!   [`HandshakeError::http_status`] is the status a server answers with.
//! - [`SendError`]: the caller asked for something the protocol or the buffer forbids.
//! - [`Error`]: what [`Connection`](crate::Connection) returns, wrapping the above.

use core::fmt;

use crate::close::CloseCode;

/// A violation of RFC 6455 by the peer, found while reading frames.
///
/// Every variant maps to exactly one close code ([`close_code`](Self::close_code)):
/// 1002 for framing and sequencing errors, 1007 for invalid UTF-8 and 1009 for
/// frames or messages over the configured limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The opcode is one of the reserved values 0x3–0x7 or 0xB–0xF (§5.2).
    ReservedOpcode(u8),
    /// An RSV bit is set that no negotiated extension defines (§5.2).
    ReservedBits(u8),
    /// A control frame has FIN clear (§5.5: control frames MUST NOT be fragmented).
    FragmentedControlFrame,
    /// A control frame's payload is longer than 125 bytes (§5.5).
    ControlFrameTooLong,
    /// The payload length uses a longer form than needed (§5.2: "the minimal number of bytes MUST be used").
    NonMinimalLength,
    /// A 64-bit payload length has its most significant bit set (§5.2).
    LengthTopBitSet,
    /// A client sent an unmasked frame (§5.1: the server MUST close the connection).
    UnmaskedFrame,
    /// A server sent a masked frame (§5.1: the client MUST close the connection).
    MaskedFrame,
    /// A continuation frame arrived with no fragmented message in progress (§5.4).
    UnexpectedContinuation,
    /// A new text or binary frame arrived inside a fragmented message (§5.4).
    ExpectedContinuation,
    /// A text message or close reason is not valid UTF-8 (§8.1).
    InvalidUtf8,
    /// A close frame has a 1-byte payload (§5.5.1: a body starts with a 2-byte code).
    InvalidClosePayload,
    /// A close frame carries a code that may not appear on the wire (§7.4).
    InvalidCloseCode(u16),
    /// A frame's payload is larger than the configured frame limit (§10.4).
    FrameTooLarge,
    /// A frame's payload length does not fit this target's `usize`.
    LengthOverflow,
    /// A message grew larger than the configured message limit (§10.4).
    MessageTooLarge,
    /// A message has more fragments than the configured limit (§10.4).
    TooManyFragments,
}

impl ProtocolError {
    /// The close code to send when failing the connection for this error.
    ///
    /// ```
    /// use wsframe::{CloseCode, ProtocolError};
    /// assert_eq!(ProtocolError::InvalidUtf8.close_code(), CloseCode::INVALID_PAYLOAD);
    /// assert_eq!(ProtocolError::MessageTooLarge.close_code(), CloseCode::MESSAGE_TOO_BIG);
    /// ```
    pub const fn close_code(self) -> CloseCode {
        match self {
            Self::InvalidUtf8 => CloseCode::INVALID_PAYLOAD,
            Self::FrameTooLarge
            | Self::LengthOverflow
            | Self::MessageTooLarge
            | Self::TooManyFragments => CloseCode::MESSAGE_TOO_BIG,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReservedOpcode(op) => write!(f, "reserved opcode {op:#x}"),
            Self::ReservedBits(bits) => write!(f, "reserved bits set ({bits:#05b})"),
            Self::FragmentedControlFrame => f.write_str("fragmented control frame"),
            Self::ControlFrameTooLong => f.write_str("control frame longer than 125 bytes"),
            Self::NonMinimalLength => f.write_str("payload length not minimally encoded"),
            Self::LengthTopBitSet => f.write_str("64-bit payload length has its top bit set"),
            Self::UnmaskedFrame => f.write_str("unmasked frame from a client"),
            Self::MaskedFrame => f.write_str("masked frame from a server"),
            Self::UnexpectedContinuation => f.write_str("continuation frame without a message"),
            Self::ExpectedContinuation => f.write_str("new message inside a fragmented message"),
            Self::InvalidUtf8 => f.write_str("invalid utf-8"),
            Self::InvalidClosePayload => f.write_str("close payload of one byte"),
            Self::InvalidCloseCode(code) => write!(f, "close code {code} not allowed on the wire"),
            Self::FrameTooLarge => f.write_str("frame over the size limit"),
            Self::LengthOverflow => f.write_str("frame length does not fit in memory"),
            Self::MessageTooLarge => f.write_str("message over the size limit"),
            Self::TooManyFragments => f.write_str("message over the fragment limit"),
        }
    }
}

impl core::error::Error for ProtocolError {}

/// Why an opening handshake (§4) failed.
///
/// On the server side each variant knows the HTTP status to answer with
/// ([`http_status`](Self::http_status)); on the client side the connection is simply
/// failed (§4.1: "the client MUST _Fail the WebSocket Connection_").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The bytes are not a well-formed HTTP/1.1 message.
    MalformedHttp,
    /// The request method is not GET (§4.2.1 item 1).
    MethodNotGet,
    /// The HTTP version is older than 1.1 (§4.2.1 item 1).
    HttpVersion,
    /// There is no Host header (§4.2.1 item 2).
    MissingHost,
    /// The Upgrade header does not list `websocket` (§4.2.1 item 3, §4.1).
    MissingUpgrade,
    /// The Connection header does not list `upgrade` (§4.2.1 item 4, §4.1).
    MissingConnection,
    /// Sec-WebSocket-Key is absent, repeated, or not base64 of 16 bytes (§4.2.1 item 5).
    InvalidKey,
    /// Sec-WebSocket-Version is not 13 (§4.2.1 item 6; answered with 426, §4.4).
    UnsupportedVersion,
    /// A header value that must be text is not valid UTF-8.
    InvalidHeaderValue,
    /// More Sec-WebSocket-Protocol or Sec-WebSocket-Extensions headers than can be kept.
    TooManyOfferHeaders,
    /// An extension header does not follow the §9.1 grammar.
    InvalidExtensionSyntax,
    /// The handshake is larger than the configured byte cap (431).
    TooLarge,
    /// The handshake has more headers than the configured cap (431).
    TooManyHeaders,
    /// The origin was refused by the application (403, §4.2.2 / §10.2).
    OriginRefused,
    /// The server answered with a status other than 101 (§4.1).
    NotSwitchingProtocols(u16),
    /// Sec-WebSocket-Accept is missing or does not match the key (§4.1 item 4).
    AcceptMismatch,
    /// The server chose a subprotocol that was not offered (§4.1 item 6).
    ProtocolNotOffered,
    /// The server chose an extension that was not offered (§4.1 item 5).
    ExtensionNotOffered,
    /// A value passed by the caller (header name or value, protocol token) is not valid to send.
    InvalidArgument,
    /// The output buffer is too small for the handshake message.
    BufferTooSmall,
}

impl HandshakeError {
    /// The HTTP status a server sends when rejecting a request for this reason.
    ///
    /// ```
    /// use wsframe::HandshakeError;
    /// assert_eq!(HandshakeError::UnsupportedVersion.http_status(), 426);
    /// assert_eq!(HandshakeError::TooLarge.http_status(), 431);
    /// ```
    pub const fn http_status(self) -> u16 {
        match self {
            Self::UnsupportedVersion => 426,
            Self::TooLarge | Self::TooManyHeaders => 431,
            Self::OriginRefused => 403,
            Self::InvalidArgument | Self::BufferTooSmall => 500,
            _ => 400,
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MalformedHttp => "malformed http",
            Self::MethodNotGet => "method is not GET",
            Self::HttpVersion => "http version older than 1.1",
            Self::MissingHost => "missing host header",
            Self::MissingUpgrade => "upgrade header does not name websocket",
            Self::MissingConnection => "connection header does not name upgrade",
            Self::InvalidKey => "invalid sec-websocket-key",
            Self::UnsupportedVersion => "unsupported sec-websocket-version",
            Self::InvalidHeaderValue => "header value is not valid utf-8",
            Self::TooManyOfferHeaders => "too many protocol or extension headers",
            Self::InvalidExtensionSyntax => "invalid sec-websocket-extensions syntax",
            Self::TooLarge => "handshake too large",
            Self::TooManyHeaders => "too many headers",
            Self::OriginRefused => "origin refused",
            Self::NotSwitchingProtocols(_) => "server did not switch protocols",
            Self::AcceptMismatch => "sec-websocket-accept mismatch",
            Self::ProtocolNotOffered => "subprotocol was not offered",
            Self::ExtensionNotOffered => "extension was not offered",
            Self::InvalidArgument => "invalid header name or value",
            Self::BufferTooSmall => "output buffer too small",
        })
    }
}

impl core::error::Error for HandshakeError {}

/// Why a frame could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SendError {
    /// The output buffer is too small; `needed` bytes would fit the frame.
    BufferTooSmall {
        /// Bytes the frame needs in the output buffer.
        needed: usize,
    },
    /// A control frame payload over 125 bytes (§5.5).
    ControlFrameTooLong,
    /// The close code may not be sent (§7.4: 1005, 1006, 1015 and unassigned codes).
    InvalidCloseCode(u16),
    /// A continuation was requested with no message in progress, or a new message
    /// while one is still in progress (§5.4).
    FragmentOrder,
    /// The connection is not open for this kind of frame (a close was sent, or it is closed).
    NotOpen,
    /// The handshake has not finished.
    Connecting,
    /// A frame needs an RSV bit that no negotiated extension allows.
    ExtensionNotNegotiated,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferTooSmall { needed } => {
                write!(f, "output buffer too small ({needed} bytes needed)")
            }
            Self::ControlFrameTooLong => f.write_str("control frame payload longer than 125 bytes"),
            Self::InvalidCloseCode(code) => write!(f, "close code {code} may not be sent"),
            Self::FragmentOrder => f.write_str("fragment out of order"),
            Self::NotOpen => f.write_str("connection is not open"),
            Self::Connecting => f.write_str("handshake not finished"),
            Self::ExtensionNotNegotiated => f.write_str("extension not negotiated"),
        }
    }
}

impl core::error::Error for SendError {}

/// What [`Connection::receive`](crate::Connection::receive) can fail with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The peer broke the framing rules; a close frame is owed (see
    /// [`Connection::poll_transmit`](crate::Connection::poll_transmit)).
    Protocol(ProtocolError),
    /// The opening handshake failed; a server owes the HTTP rejection.
    Handshake(HandshakeError),
    /// Input arrived after the connection closed or after the peer's close frame.
    Closed,
}

impl Error {
    /// The close code this error sends to the peer, if it sends one.
    pub const fn close_code(self) -> Option<CloseCode> {
        match self {
            Self::Protocol(e) => Some(e.close_code()),
            _ => None,
        }
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Self::Protocol(e)
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Self::Handshake(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Protocol(e) => write!(f, "protocol error: {e}"),
            Self::Handshake(e) => write!(f, "handshake error: {e}"),
            Self::Closed => f.write_str("connection closed"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Protocol(e) => Some(e),
            Self::Handshake(e) => Some(e),
            Self::Closed => None,
        }
    }
}
