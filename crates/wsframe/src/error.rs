//! Error types, one per layer, each knowing what to tell the peer.
//!
//! - [`ProtocolError`]: a frame or message broke RFC 6455; [`ProtocolError::close_code`]
//!   is the code for the close frame that fails the connection (§7.1.7).
//! - [`HandshakeError`]: the opening handshake (§4) failed;
//!   [`HandshakeError::http_status`] is the status a server answers with.
//! - [`SendError`]: the caller asked for something the protocol or the buffer forbids.
//! - [`Error`]: what [`Connection`](crate::Connection) returns, wrapping the above.
//!
//! ## Texts
//!
//! Each enum's `message()` is the one source of its texts: a short lowercase
//! description of the variant, the same whatever value the variant carries. `Display`
//! prints it, followed by ` (value)` for a variant that carries one; the server's HTTP
//! refusals ([`Rejection`](crate::handshake::server::Rejection)) carry it as their body;
//! the C and JavaScript bindings take their texts from it. Each enum's `ALL` lists every
//! variant once (a carried value as 0), so a binding can generate or test its table:
//!
//! ```
//! use wsframe::{HandshakeError, ProtocolError, SendError};
//! assert_eq!(ProtocolError::InvalidUtf8.message(), "invalid utf-8");
//! assert_eq!(ProtocolError::ReservedOpcode(3).to_string(), "reserved opcode (0x3)");
//! assert_eq!(SendError::InvalidCloseCode(1005).to_string(), "close code may not be sent (1005)");
//! for e in HandshakeError::ALL {
//!     assert_eq!(e.to_string(), e.message());
//! }
//! ```

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
    /// Every variant once, in declaration order; a carried value is 0.
    pub const ALL: [Self; 17] = [
        Self::ReservedOpcode(0),
        Self::ReservedBits(0),
        Self::FragmentedControlFrame,
        Self::ControlFrameTooLong,
        Self::NonMinimalLength,
        Self::LengthTopBitSet,
        Self::UnmaskedFrame,
        Self::MaskedFrame,
        Self::UnexpectedContinuation,
        Self::ExpectedContinuation,
        Self::InvalidUtf8,
        Self::InvalidClosePayload,
        Self::InvalidCloseCode(0),
        Self::FrameTooLarge,
        Self::LengthOverflow,
        Self::MessageTooLarge,
        Self::TooManyFragments,
    ];

    /// A short lowercase description, without the value a variant carries.
    ///
    /// ```
    /// use wsframe::ProtocolError;
    /// assert_eq!(ProtocolError::InvalidCloseCode(1005).message(), "close code not allowed on the wire");
    /// ```
    pub const fn message(self) -> &'static str {
        match self {
            Self::ReservedOpcode(_) => "reserved opcode",
            Self::ReservedBits(_) => "reserved bits set",
            Self::FragmentedControlFrame => "fragmented control frame",
            Self::ControlFrameTooLong => "control frame longer than 125 bytes",
            Self::NonMinimalLength => "payload length not minimally encoded",
            Self::LengthTopBitSet => "64-bit payload length has its top bit set",
            Self::UnmaskedFrame => "unmasked frame from a client",
            Self::MaskedFrame => "masked frame from a server",
            Self::UnexpectedContinuation => "continuation frame without a message",
            Self::ExpectedContinuation => "new message inside a fragmented message",
            Self::InvalidUtf8 => "invalid utf-8",
            Self::InvalidClosePayload => "close payload of one byte",
            Self::InvalidCloseCode(_) => "close code not allowed on the wire",
            Self::FrameTooLarge => "frame over the size limit",
            Self::LengthOverflow => "frame length does not fit in memory",
            Self::MessageTooLarge => "message over the size limit",
            Self::TooManyFragments => "message over the fragment limit",
        }
    }

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
        f.write_str(self.message())?;
        match self {
            Self::ReservedOpcode(op) => write!(f, " ({op:#x})"),
            Self::ReservedBits(bits) => write!(f, " ({bits:#05b})"),
            Self::InvalidCloseCode(code) => write!(f, " ({code})"),
            _ => Ok(()),
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
    /// Every variant once, in declaration order; a carried value is 0.
    pub const ALL: [Self; 20] = [
        Self::MalformedHttp,
        Self::MethodNotGet,
        Self::HttpVersion,
        Self::MissingHost,
        Self::MissingUpgrade,
        Self::MissingConnection,
        Self::InvalidKey,
        Self::UnsupportedVersion,
        Self::InvalidHeaderValue,
        Self::TooManyOfferHeaders,
        Self::InvalidExtensionSyntax,
        Self::TooLarge,
        Self::TooManyHeaders,
        Self::OriginRefused,
        Self::NotSwitchingProtocols(0),
        Self::AcceptMismatch,
        Self::ProtocolNotOffered,
        Self::ExtensionNotOffered,
        Self::InvalidArgument,
        Self::BufferTooSmall,
    ];

    /// A short lowercase description, without the value a variant carries; also the
    /// body of the server's refusal.
    ///
    /// ```
    /// use wsframe::HandshakeError;
    /// assert_eq!(HandshakeError::MethodNotGet.message(), "method is not GET");
    /// ```
    pub const fn message(self) -> &'static str {
        match self {
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
        }
    }

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
        f.write_str(self.message())?;
        match self {
            Self::NotSwitchingProtocols(status) if *status != 0 => write!(f, " ({status})"),
            _ => Ok(()),
        }
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

impl SendError {
    /// Every variant once, in declaration order; a carried value is 0.
    pub const ALL: [Self; 7] = [
        Self::BufferTooSmall { needed: 0 },
        Self::ControlFrameTooLong,
        Self::InvalidCloseCode(0),
        Self::FragmentOrder,
        Self::NotOpen,
        Self::Connecting,
        Self::ExtensionNotNegotiated,
    ];

    /// A short lowercase description, without the value a variant carries.
    ///
    /// ```
    /// use wsframe::SendError;
    /// assert_eq!(SendError::BufferTooSmall { needed: 9 }.message(), "output buffer too small");
    /// assert_eq!(
    ///     SendError::BufferTooSmall { needed: 9 }.to_string(),
    ///     "output buffer too small (9 bytes needed)"
    /// );
    /// ```
    pub const fn message(self) -> &'static str {
        match self {
            Self::BufferTooSmall { .. } => "output buffer too small",
            Self::ControlFrameTooLong => "control frame payload longer than 125 bytes",
            Self::InvalidCloseCode(_) => "close code may not be sent",
            Self::FragmentOrder => "fragment out of order",
            Self::NotOpen => "connection is not open",
            Self::Connecting => "handshake not finished",
            Self::ExtensionNotNegotiated => "extension not negotiated",
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())?;
        match self {
            Self::BufferTooSmall { needed } => write!(f, " ({needed} bytes needed)"),
            Self::InvalidCloseCode(code) => write!(f, " ({code})"),
            _ => Ok(()),
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
    /// The text of [`Error::Closed`].
    pub const CLOSED_MESSAGE: &'static str = "connection closed";

    /// The wrapped error's [`message`](ProtocolError::message), or
    /// [`CLOSED_MESSAGE`](Self::CLOSED_MESSAGE).
    pub const fn message(self) -> &'static str {
        match self {
            Self::Protocol(e) => e.message(),
            Self::Handshake(e) => e.message(),
            Self::Closed => Self::CLOSED_MESSAGE,
        }
    }

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
            Self::Closed => f.write_str(Self::CLOSED_MESSAGE),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    /// The position of a variant in declaration order. Exhaustive: a new variant does
    /// not compile until it is placed here, and then the `ALL` test fails until the
    /// list has it too.
    fn protocol_index(e: ProtocolError) -> usize {
        use ProtocolError::*;
        match e {
            ReservedOpcode(_) => 0,
            ReservedBits(_) => 1,
            FragmentedControlFrame => 2,
            ControlFrameTooLong => 3,
            NonMinimalLength => 4,
            LengthTopBitSet => 5,
            UnmaskedFrame => 6,
            MaskedFrame => 7,
            UnexpectedContinuation => 8,
            ExpectedContinuation => 9,
            InvalidUtf8 => 10,
            InvalidClosePayload => 11,
            InvalidCloseCode(_) => 12,
            FrameTooLarge => 13,
            LengthOverflow => 14,
            MessageTooLarge => 15,
            TooManyFragments => 16,
        }
    }

    fn handshake_index(e: HandshakeError) -> usize {
        use HandshakeError::*;
        match e {
            MalformedHttp => 0,
            MethodNotGet => 1,
            HttpVersion => 2,
            MissingHost => 3,
            MissingUpgrade => 4,
            MissingConnection => 5,
            InvalidKey => 6,
            UnsupportedVersion => 7,
            InvalidHeaderValue => 8,
            TooManyOfferHeaders => 9,
            InvalidExtensionSyntax => 10,
            TooLarge => 11,
            TooManyHeaders => 12,
            OriginRefused => 13,
            NotSwitchingProtocols(_) => 14,
            AcceptMismatch => 15,
            ProtocolNotOffered => 16,
            ExtensionNotOffered => 17,
            InvalidArgument => 18,
            BufferTooSmall => 19,
        }
    }

    fn send_index(e: SendError) -> usize {
        use SendError::*;
        match e {
            BufferTooSmall { .. } => 0,
            ControlFrameTooLong => 1,
            InvalidCloseCode(_) => 2,
            FragmentOrder => 3,
            NotOpen => 4,
            Connecting => 5,
            ExtensionNotNegotiated => 6,
        }
    }

    /// Texts are short, lowercase (but for the method name), distinct, and safe as an
    /// HTTP body.
    fn check_texts(texts: impl Iterator<Item = &'static str>) {
        let mut seen = std::vec::Vec::new();
        for text in texts {
            assert!(!text.is_empty() && text.len() <= 60, "{text:?}");
            assert!(text.bytes().all(|b| (b' '..=b'~').contains(&b)), "{text:?}");
            assert_eq!(text.replace("GET", "get"), text.to_lowercase(), "{text:?}");
            assert!(!seen.contains(&text), "{text:?} twice");
            seen.push(text);
        }
    }

    #[test]
    fn all_lists_every_variant_in_order() {
        for (i, e) in ProtocolError::ALL.into_iter().enumerate() {
            assert_eq!(protocol_index(e), i, "{e:?}");
        }
        for (i, e) in HandshakeError::ALL.into_iter().enumerate() {
            assert_eq!(handshake_index(e), i, "{e:?}");
        }
        for (i, e) in SendError::ALL.into_iter().enumerate() {
            assert_eq!(send_index(e), i, "{e:?}");
        }
        check_texts(ProtocolError::ALL.into_iter().map(ProtocolError::message));
        check_texts(HandshakeError::ALL.into_iter().map(HandshakeError::message));
        check_texts(SendError::ALL.into_iter().map(SendError::message));
    }

    #[test]
    fn display_is_the_message_then_the_value() {
        for e in ProtocolError::ALL {
            assert!(e.to_string().starts_with(e.message()), "{e:?}");
        }
        assert_eq!(
            ProtocolError::ReservedBits(4).to_string(),
            "reserved bits set (0b100)"
        );
        assert_eq!(
            ProtocolError::InvalidCloseCode(1005).to_string(),
            "close code not allowed on the wire (1005)"
        );
        assert_eq!(ProtocolError::InvalidUtf8.to_string(), "invalid utf-8");
        assert_eq!(
            HandshakeError::NotSwitchingProtocols(200).to_string(),
            "server did not switch protocols (200)"
        );
        for e in SendError::ALL {
            assert!(e.to_string().starts_with(e.message()), "{e:?}");
        }
        assert_eq!(
            Error::Protocol(ProtocolError::MaskedFrame).to_string(),
            "protocol error: masked frame from a server"
        );
        assert_eq!(Error::Closed.to_string(), Error::Closed.message());
        assert_eq!(
            Error::Handshake(HandshakeError::InvalidKey).message(),
            "invalid sec-websocket-key"
        );
    }
}
