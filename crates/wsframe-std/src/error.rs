//! The error of every blocking operation.

use std::fmt;
use std::io;

use wsframe::{HandshakeError, ProtocolError, SendError};

/// What a [`WebSocket`](crate::WebSocket) operation can fail with.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The stream failed. A read timeout surfaces here as `WouldBlock` or `TimedOut`;
    /// the connection is unchanged and the call may be repeated.
    Io(io::Error),
    /// The peer broke RFC 6455; the close frame failing the connection (with
    /// [`ProtocolError::close_code`]) has been written. Drop the connection.
    Protocol(ProtocolError),
    /// The opening handshake failed. A server has written the HTTP rejection.
    Handshake(HandshakeError),
    /// The frame could not be sent (e.g. a control payload over 125 bytes, or a close
    /// was already sent).
    Send(SendError),
    /// The stream ended before the closing handshake (close code 1006 in the browser API).
    ConnectionReset,
    /// The handshake took longer than the configured limit.
    HandshakeTimeout,
    /// A heartbeat ping got no pong in time ([`KeepAlive`](crate::KeepAlive)): the peer
    /// is taken as gone and the connection was dropped without a closing handshake.
    PongTimeout,
    /// This side's close frame got no reply in time ([`KeepAlive`](crate::KeepAlive));
    /// the connection was dropped.
    CloseTimeout,
    /// The [`ServerOptions::check_request`](crate::ServerOptions::check_request)
    /// callback refused the request with this status; the response has been written.
    Refused(u16),
    /// The request was plain HTTP, not an upgrade, and the server's HTTP handler
    /// answered it. There is no WebSocket; drop the stream.
    HttpAnswered,
    /// The connection is closed: the closing handshake finished, or an earlier error
    /// ended it.
    Closed,
    /// A compressed message did not inflate (1007) or inflated past the message limit
    /// (1009); the close frame failing the connection has been written.
    #[cfg(feature = "deflate")]
    Deflate(wsframe_deflate::DeflateError),
    /// The server's permessage-deflate answer does not match the client's offer
    /// (RFC 7692 §5); the client has failed the connection.
    #[cfg(feature = "deflate")]
    DeflateNegotiation(wsframe_deflate::NegotiationError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "i/o error: {e}"),
            Self::Protocol(e) => write!(f, "protocol error: {e}"),
            Self::Handshake(e) => write!(f, "handshake error: {e}"),
            Self::Send(e) => write!(f, "send error: {e}"),
            Self::ConnectionReset => f.write_str("connection ended without a closing handshake"),
            Self::HandshakeTimeout => f.write_str("handshake timed out"),
            Self::PongTimeout => f.write_str("no pong before the heartbeat deadline"),
            Self::CloseTimeout => f.write_str("no reply to the close frame in time"),
            Self::Refused(status) => write!(f, "request refused with {status}"),
            Self::HttpAnswered => f.write_str("plain http request answered"),
            Self::Closed => f.write_str("connection closed"),
            #[cfg(feature = "deflate")]
            Self::Deflate(e) => write!(f, "permessage-deflate: {e}"),
            #[cfg(feature = "deflate")]
            Self::DeflateNegotiation(e) => write!(f, "permessage-deflate: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Protocol(e) => Some(e),
            Self::Handshake(e) => Some(e),
            Self::Send(e) => Some(e),
            #[cfg(feature = "deflate")]
            Self::Deflate(e) => Some(e),
            #[cfg(feature = "deflate")]
            Self::DeflateNegotiation(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Self {
        Self::Send(e)
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Self::Handshake(e)
    }
}

impl From<wsframe::Error> for Error {
    fn from(e: wsframe::Error) -> Self {
        match e {
            wsframe::Error::Protocol(e) => Self::Protocol(e),
            wsframe::Error::Handshake(e) => Self::Handshake(e),
            _ => Self::Closed,
        }
    }
}
