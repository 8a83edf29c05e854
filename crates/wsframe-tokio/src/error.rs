//! The error of every async operation.

use std::fmt;
use std::io;

use wsframe::{HandshakeError, ProtocolError, SendError};

/// What a [`WebSocketStream`](crate::WebSocketStream) operation can fail with.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The stream failed; the connection is over.
    Io(io::Error),
    /// The peer broke RFC 6455; the close frame failing the connection (with
    /// [`ProtocolError::close_code`]) is on its way.
    Protocol(ProtocolError),
    /// The opening handshake failed. A server has written the HTTP rejection.
    Handshake(HandshakeError),
    /// The frame could not be sent (e.g. a control payload over 125 bytes, or a close
    /// was already sent or received).
    Send(SendError),
    /// The stream ended before the closing handshake (1006 in the browser API).
    ConnectionReset,
    /// The opening handshake took longer than its limit.
    HandshakeTimeout,
    /// The peer did not answer this side's close frame in time; the stream ends.
    CloseTimeout,
    /// No pong came within the keepalive limit after a ping; the connection was failed
    /// with 1011.
    KeepaliveTimeout,
    /// Nothing arrived within the idle limit; the connection was closed with 1001.
    IdleTimeout,
    /// The [`ServerOptions::check_request`](crate::ServerOptions::check_request)
    /// callback refused the request with this status; the response has been written.
    Refused(u16),
    /// The request was plain HTTP and the server's HTTP handler answered it. There is no
    /// WebSocket.
    HttpAnswered,
    /// The connection is closed.
    Closed,
    /// A compressed message did not inflate (1007) or inflated past the message limit
    /// (1009); the close frame failing the connection is on its way.
    #[cfg(feature = "deflate")]
    Deflate(wsframe_std::wsframe_deflate::DeflateError),
    /// The server's permessage-deflate answer does not match the client's offer
    /// (RFC 7692 §5); the client failed the connection with 1002.
    #[cfg(feature = "deflate")]
    DeflateNegotiation(wsframe_std::wsframe_deflate::NegotiationError),
    /// The URL given to [`connect`](crate::connect) is not a `ws://` URL this crate can
    /// reach (or a `wss://` one while the feature `rustls` is off).
    Url(&'static str),
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
            Self::CloseTimeout => f.write_str("closing handshake timed out"),
            Self::KeepaliveTimeout => f.write_str("no pong within the keepalive limit"),
            Self::IdleTimeout => f.write_str("idle timeout"),
            Self::Refused(status) => write!(f, "request refused with {status}"),
            Self::HttpAnswered => f.write_str("plain http request answered"),
            Self::Closed => f.write_str("connection closed"),
            Self::Url(why) => write!(f, "bad url: {why}"),
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
        match e {
            SendError::NotOpen => Self::Closed,
            e => Self::Send(e),
        }
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
