//! What the async layer adds to the handshake options: the write buffer bound and the
//! timers the core leaves to adapters (it owns no clock).
//!
//! The handshake options themselves ([`ServerOptions`](crate::ServerOptions),
//! [`ClientOptions`](crate::ClientOptions)) are the std layer's, so both layers have
//! the same limits and defaults (frame and message 16 MiB, 131072 fragments, 8 KiB and
//! 32 headers of handshake, 10 s to finish it).

use std::time::Duration;

/// Per-connection behaviour of a [`WebSocketStream`](crate::WebSocketStream): all
/// timers are off or generous by default.
///
/// ```
/// use std::time::Duration;
/// use wsframe_tokio::{Keepalive, StreamOptions};
/// let options = StreamOptions {
///     keepalive: Some(Keepalive { interval: Duration::from_secs(20), timeout: Duration::from_secs(10) }),
///     ..StreamOptions::default()
/// };
/// assert_eq!(options.close_timeout, Some(Duration::from_secs(5)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamOptions {
    /// Bytes of encoded frames that may wait for the socket before
    /// [`poll_ready`](futures_sink::Sink::poll_ready) waits for them to drain (default
    /// 128 KiB). One message is encoded whole, so the buffer holds at most this plus one
    /// message (and one owed control frame). A server writes data payloads of 16 KiB or
    /// more from the messages themselves, uncopied; they count here, and `poll_ready`
    /// also waits while 32 of them are queued.
    pub write_buffer: usize,
    /// How long to wait for the peer's close frame after this side sent one
    /// (default 5 s); then the stream ends with [`Error::CloseTimeout`](crate::Error::CloseTimeout).
    pub close_timeout: Option<Duration>,
    /// Send pings and fail the connection with 1011 when a pong does not come in time
    /// (default off).
    pub keepalive: Option<Keepalive>,
    /// Close the connection with 1001 when nothing arrives for this long (default off).
    pub idle_timeout: Option<Duration>,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            write_buffer: 128 * 1024,
            close_timeout: Some(Duration::from_secs(5)),
            keepalive: None,
            idle_timeout: None,
        }
    }
}

/// Pings every `interval` of silence from the peer; a connection whose pong does not
/// arrive within `timeout` of the ping is failed with close code 1011 (internal error:
/// the endpoint can no longer serve the connection, §7.4.1), and the stream returns
/// [`Error::KeepaliveTimeout`](crate::Error::KeepaliveTimeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    /// Silence after which a ping is sent.
    pub interval: Duration,
    /// How long the pong may take.
    pub timeout: Duration,
}
