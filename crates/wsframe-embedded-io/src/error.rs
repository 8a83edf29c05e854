//! The one error type of this crate, generic over the stream's error.

use core::convert::Infallible;
use core::fmt;

use wsframe::SendError;

/// What can go wrong on a WebSocket over an `embedded-io` stream.
///
/// `E` is the stream's error type. Protocol rules are the core's: a violation by the
/// peer arrives as [`Error::Protocol`] after the failing close frame (1002, 1007 or
/// 1009) or the HTTP rejection (400, 426, 431) was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error<E> {
    /// The stream failed.
    Io(E),
    /// The peer broke a protocol rule or sent a bad handshake; what the core owes the
    /// peer for it has been written.
    Protocol(wsframe::Error),
    /// A frame could not be sent (e.g. a control payload over 125 bytes, a fragment out
    /// of order, or the connection is no longer open).
    Send(SendError),
    /// The connection is closed: the closing handshake is complete or an earlier error
    /// ended it. Close the stream.
    Closed,
    /// The stream ended before the closing handshake.
    ConnectionReset,
    /// The stream accepted no bytes of a write.
    WriteZero,
    /// The buffer cannot hold what must be read whole: an opening handshake (answered
    /// with 431 by the core when it is a request) or a control frame (at most 131
    /// bytes); give [`accept`](crate::WebSocket::accept) a buffer of at least 256 bytes.
    BufferTooSmall,
    /// A send was cancelled after part of its frame was written, so the stream is no
    /// longer framed correctly; close it.
    Interrupted,
    /// A heartbeat ping went unanswered for the pong timeout
    /// ([`KeepAlive`](crate::KeepAlive)): the peer is taken as gone and the connection
    /// was dropped without a closing handshake. Close the stream.
    PongTimeout,
    /// The reply to this side's close frame did not come within the close timeout
    /// ([`KeepAlive`](crate::KeepAlive)). Close the stream.
    CloseTimeout,
    /// [`recv`](crate::WebSocket::recv) was given another buffer than the one the
    /// connection was opened with (which holds bytes received but not consumed yet).
    OtherBuffer,
}

impl<E> Error<E> {
    /// The close code a protocol violation by the peer maps to (1002, 1007, 1009).
    pub fn close_code(&self) -> Option<wsframe::CloseCode> {
        match self {
            Self::Protocol(e) => e.close_code(),
            _ => None,
        }
    }

    /// Widens an error of the stream-independent part of this crate.
    pub(crate) fn from_engine(error: Error<Infallible>) -> Self {
        match error {
            Error::Io(never) => match never {},
            Error::Protocol(e) => Self::Protocol(e),
            Error::Send(e) => Self::Send(e),
            Error::Closed => Self::Closed,
            Error::ConnectionReset => Self::ConnectionReset,
            Error::WriteZero => Self::WriteZero,
            Error::BufferTooSmall => Self::BufferTooSmall,
            Error::Interrupted => Self::Interrupted,
            Error::PongTimeout => Self::PongTimeout,
            Error::CloseTimeout => Self::CloseTimeout,
            Error::OtherBuffer => Self::OtherBuffer,
        }
    }
}

impl<E> From<wsframe::Error> for Error<E> {
    fn from(e: wsframe::Error) -> Self {
        match e {
            wsframe::Error::Closed => Self::Closed,
            e => Self::Protocol(e),
        }
    }
}

impl<E> From<SendError> for Error<E> {
    fn from(e: SendError) -> Self {
        Self::Send(e)
    }
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "stream error: {e:?}"),
            Self::Protocol(e) => write!(f, "{e}"),
            Self::Send(e) => write!(f, "cannot send: {e}"),
            Self::Closed => f.write_str("connection closed"),
            Self::ConnectionReset => f.write_str("stream ended before the closing handshake"),
            Self::WriteZero => f.write_str("stream accepted no bytes"),
            Self::BufferTooSmall => {
                f.write_str("buffer too small for a handshake or control frame")
            }
            Self::Interrupted => f.write_str("a send was cancelled midway; the stream is unusable"),
            Self::PongTimeout => f.write_str("no pong within the pong timeout"),
            Self::CloseTimeout => f.write_str("the close frame went unanswered"),
            Self::OtherBuffer => f.write_str("not the buffer the connection was opened with"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for Error<E> {}
