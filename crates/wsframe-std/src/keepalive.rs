//! Heartbeat, idle and close timers of an open connection.
//!
//! The core has no clock (it is sans-IO); this layer owns the stream and reads the
//! time, so it decides when a ping is due, when a missing pong means the peer is gone,
//! when a connection that carries nothing has been idle too long and when a close that
//! was never answered has waited long enough. Every timer is off by default.

use std::time::{Duration, Instant};

/// Timers of an open connection, all off by default
/// ([`WebSocket::set_keepalive`](crate::WebSocket::set_keepalive)).
///
/// The timers are checked each time [`read`](crate::WebSocket::read) reads from the
/// stream or the stream's read times out, so the stream needs a read timeout no longer
/// than the precision wanted (e.g. `TcpStream::set_read_timeout(Some(250 ms))`);
/// `read` then returns the timeout as [`Error::Io`](crate::Error::Io) as before and
/// may be called again.
///
/// ```
/// use std::time::Duration;
/// use wsframe_std::KeepAlive;
///
/// let keepalive = KeepAlive {
///     ping_interval: Some(Duration::from_secs(30)),
///     pong_timeout: Some(Duration::from_secs(10)),
///     idle_timeout: Some(Duration::from_secs(300)),
///     close_timeout: Some(Duration::from_secs(5)),
/// };
/// assert_eq!(KeepAlive::default().ping_interval, None);
/// # let _ = keepalive;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeepAlive {
    /// Send a ping when this long has passed since the last ping (the heartbeat).
    pub ping_interval: Option<Duration>,
    /// How long a ping may wait for a pong (any pong) before the peer is taken as gone:
    /// the connection is then dropped without a closing handshake and `read` returns
    /// [`Error::PongTimeout`](crate::Error::PongTimeout). `None` with a ping interval
    /// waits one interval.
    pub pong_timeout: Option<Duration>,
    /// Close (1001, "idle timeout") a connection that has received no message for this
    /// long; pings and pongs do not count.
    pub idle_timeout: Option<Duration>,
    /// How long this side waits for the reply to its close frame before dropping the
    /// connection with [`Error::CloseTimeout`](crate::Error::CloseTimeout).
    pub close_timeout: Option<Duration>,
}

/// What a timer asks of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    /// Nothing now.
    Nothing,
    /// Send a heartbeat ping.
    Ping,
    /// The connection has been idle too long: start the closing handshake.
    IdleClose,
    /// A ping went unanswered: the peer is gone.
    PongTimeout,
    /// The close frame went unanswered.
    CloseTimeout,
}

/// The state of the timers of one connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct Timers {
    pub(crate) settings: KeepAlive,
    /// When the last heartbeat ping went out, and whether it is still unanswered.
    last_ping: Option<Instant>,
    awaiting_pong: bool,
    /// When the last message arrived (or the timers were set).
    last_message: Option<Instant>,
    /// When this side sent its close frame.
    close_sent: Option<Instant>,
}

impl Timers {
    /// Starts the timers with `settings` at `now`.
    pub(crate) fn set(&mut self, settings: KeepAlive, now: Instant) {
        *self = Self {
            settings,
            last_ping: Some(now),
            last_message: Some(now),
            close_sent: self.close_sent,
            awaiting_pong: false,
        };
    }

    /// A message arrived.
    pub(crate) fn message(&mut self, now: Instant) {
        self.last_message = Some(now);
    }

    /// A pong arrived: the peer is there.
    pub(crate) fn pong(&mut self) {
        self.awaiting_pong = false;
    }

    /// A heartbeat ping went out.
    pub(crate) fn pinged(&mut self, now: Instant) {
        self.last_ping = Some(now);
        self.awaiting_pong = true;
    }

    /// This side sent its close frame.
    pub(crate) fn close_sent(&mut self, now: Instant) {
        self.close_sent.get_or_insert(now);
    }

    /// What is due at `now`; the most final answer wins.
    pub(crate) fn due(&self, now: Instant) -> Due {
        let s = &self.settings;
        let since =
            |t: Option<Instant>| t.map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
        if let (Some(limit), Some(_)) = (s.close_timeout, self.close_sent) {
            if since(self.close_sent) >= limit {
                return Due::CloseTimeout;
            }
        }
        if let Some(interval) = s.ping_interval {
            let pong_limit = s.pong_timeout.unwrap_or(interval);
            if self.awaiting_pong && since(self.last_ping) >= pong_limit {
                return Due::PongTimeout;
            }
        }
        if self.close_sent.is_some() {
            // Closing: only the close timeout still matters.
            return Due::Nothing;
        }
        if let Some(limit) = s.idle_timeout {
            if since(self.last_message) >= limit {
                return Due::IdleClose;
            }
        }
        if let Some(interval) = s.ping_interval {
            if !self.awaiting_pong && since(self.last_ping) >= interval {
                return Due::Ping;
            }
        }
        Due::Nothing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn timers(settings: KeepAlive) -> (Timers, Instant) {
        let now = Instant::now();
        let mut t = Timers::default();
        t.set(settings, now);
        (t, now)
    }

    #[test]
    fn off_by_default() {
        let (t, now) = timers(KeepAlive::default());
        assert_eq!(t.due(now + 1000 * S), Due::Nothing);
    }

    #[test]
    fn ping_then_pong_deadline() {
        let (mut t, now) = timers(KeepAlive {
            ping_interval: Some(10 * S),
            pong_timeout: Some(3 * S),
            ..KeepAlive::default()
        });
        assert_eq!(t.due(now + 9 * S), Due::Nothing);
        assert_eq!(t.due(now + 10 * S), Due::Ping);
        t.pinged(now + 10 * S);
        assert_eq!(t.due(now + 12 * S), Due::Nothing);
        assert_eq!(t.due(now + 13 * S), Due::PongTimeout);
        t.pong();
        assert_eq!(t.due(now + 19 * S), Due::Nothing);
        assert_eq!(t.due(now + 20 * S), Due::Ping);
    }

    #[test]
    fn pong_deadline_defaults_to_the_interval() {
        let (mut t, now) = timers(KeepAlive {
            ping_interval: Some(5 * S),
            ..KeepAlive::default()
        });
        t.pinged(now + 5 * S);
        assert_eq!(t.due(now + 9 * S), Due::Nothing);
        assert_eq!(t.due(now + 10 * S), Due::PongTimeout);
    }

    #[test]
    fn idle_counts_messages_only() {
        let (mut t, now) = timers(KeepAlive {
            idle_timeout: Some(60 * S),
            ..KeepAlive::default()
        });
        t.pong();
        assert_eq!(t.due(now + 60 * S), Due::IdleClose);
        t.message(now + 50 * S);
        assert_eq!(t.due(now + 60 * S), Due::Nothing);
        assert_eq!(t.due(now + 110 * S), Due::IdleClose);
    }

    #[test]
    fn closing_waits_for_the_close_timeout_only() {
        let (mut t, now) = timers(KeepAlive {
            idle_timeout: Some(S),
            close_timeout: Some(2 * S),
            ..KeepAlive::default()
        });
        t.close_sent(now + S);
        assert_eq!(t.due(now + 2 * S), Due::Nothing);
        assert_eq!(t.due(now + 3 * S), Due::CloseTimeout);
    }
}
