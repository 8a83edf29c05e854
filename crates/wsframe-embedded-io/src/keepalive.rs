//! Heartbeat, idle and close timers of an open connection, over the caller's clock.
//!
//! The core is sans-IO and `embedded-io` has no clock, so the caller hands in one: a
//! function returning a monotonic count of milliseconds (on embassy,
//! `embassy_time::Instant::now().as_millis()`). The timers are checked whenever
//! [`recv`](crate::WebSocket::recv) runs; as nothing wakes a read that waits for bytes,
//! the caller also wakes `recv` at [`next_deadline`](crate::WebSocket::next_deadline)
//! (a `select` with a timer: `recv` is cancel-safe). Every timer is off by default.

/// Timers of an open connection, all off by default; durations in milliseconds of the
/// clock given to [`set_keepalive`](crate::WebSocket::set_keepalive).
///
/// ```
/// use wsframe_embedded_io::KeepAlive;
///
/// let keepalive = KeepAlive {
///     ping_interval_ms: Some(30_000),
///     pong_timeout_ms: Some(10_000),
///     idle_timeout_ms: Some(300_000),
///     close_timeout_ms: Some(5_000),
/// };
/// assert_eq!(KeepAlive::default().ping_interval_ms, None);
/// # let _ = keepalive;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeepAlive {
    /// Send an (empty) ping when this long has passed since the last one and it was
    /// answered: the heartbeat.
    pub ping_interval_ms: Option<u32>,
    /// How long a ping may wait for a pong (any pong) before the peer is taken as gone:
    /// the connection is then dropped without a closing handshake and `recv` returns
    /// [`Error::PongTimeout`](crate::Error::PongTimeout). `None` with a ping interval
    /// waits one interval.
    pub pong_timeout_ms: Option<u32>,
    /// Close (1001, "idle timeout") a connection that has received no data frame for
    /// this long; pings and pongs do not count.
    pub idle_timeout_ms: Option<u32>,
    /// How long this side waits for the reply to its close frame before dropping the
    /// connection with [`Error::CloseTimeout`](crate::Error::CloseTimeout).
    pub close_timeout_ms: Option<u32>,
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

/// The state of the timers of one connection; instants are readings of the caller's
/// clock.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Timers {
    pub(crate) settings: KeepAlive,
    /// When the last heartbeat ping went out (or the timers were set).
    last_ping: u64,
    /// The last heartbeat ping is still unanswered.
    awaiting_pong: bool,
    /// When the last data frame arrived (or the timers were set).
    last_message: u64,
    /// When this side was first seen closing.
    close_sent: Option<u64>,
}

impl Timers {
    /// Starts the timers with `settings` at `now`.
    pub(crate) fn set(&mut self, settings: KeepAlive, now: u64) {
        *self = Self {
            settings,
            last_ping: now,
            awaiting_pong: false,
            last_message: now,
            close_sent: self.close_sent,
        };
    }

    /// A data frame arrived.
    pub(crate) fn message(&mut self, now: u64) {
        self.last_message = now;
    }

    /// A pong arrived: the peer is there.
    pub(crate) fn pong(&mut self) {
        self.awaiting_pong = false;
    }

    /// A heartbeat ping went out.
    pub(crate) fn pinged(&mut self, now: u64) {
        self.last_ping = now;
        self.awaiting_pong = true;
    }

    /// This side sent its close frame (the first call counts).
    pub(crate) fn close_sent(&mut self, now: u64) {
        self.close_sent.get_or_insert(now);
    }

    /// When each armed timer falls due, the most final first: [`due`](Self::due) and
    /// [`next_deadline`](Self::next_deadline) both read this list, so a deadline that
    /// has passed always has something due.
    fn deadlines(&self) -> [Option<(u64, Due)>; 4] {
        let s = &self.settings;
        let after = |from: u64, ms: Option<u32>| ms.map(|ms| from.saturating_add(u64::from(ms)));
        let close = self
            .close_sent
            .and_then(|at| after(at, s.close_timeout_ms))
            .map(|t| (t, Due::CloseTimeout));
        let pong_limit = s.pong_timeout_ms.or(s.ping_interval_ms);
        let pong = match (s.ping_interval_ms, self.awaiting_pong) {
            (Some(_), true) => after(self.last_ping, pong_limit).map(|t| (t, Due::PongTimeout)),
            _ => None,
        };
        if self.close_sent.is_some() {
            // Closing: no more pings or idle closes.
            return [close, pong, None, None];
        }
        let idle = after(self.last_message, s.idle_timeout_ms).map(|t| (t, Due::IdleClose));
        let ping = if self.awaiting_pong {
            None
        } else {
            after(self.last_ping, s.ping_interval_ms).map(|t| (t, Due::Ping))
        };
        [close, pong, idle, ping]
    }

    /// What is due at `now`; the most final answer wins.
    pub(crate) fn due(&self, now: u64) -> Due {
        self.deadlines()
            .into_iter()
            .flatten()
            .find(|&(at, _)| at <= now)
            .map_or(Due::Nothing, |(_, due)| due)
    }

    /// The earliest reading of the clock at which something falls due.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.deadlines()
            .into_iter()
            .flatten()
            .map(|(at, _)| at)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1000;

    fn timers(settings: KeepAlive) -> Timers {
        let mut t = Timers::default();
        t.set(settings, 5 * S);
        t
    }

    #[test]
    fn off_by_default() {
        let t = timers(KeepAlive::default());
        assert_eq!(t.due(u64::MAX), Due::Nothing);
        assert_eq!(t.next_deadline(), None);
    }

    #[test]
    fn ping_then_pong_deadline() {
        let mut t = timers(KeepAlive {
            ping_interval_ms: Some(10_000),
            pong_timeout_ms: Some(3_000),
            ..KeepAlive::default()
        });
        assert_eq!(t.next_deadline(), Some(15 * S));
        assert_eq!(t.due(15 * S - 1), Due::Nothing);
        assert_eq!(t.due(15 * S), Due::Ping);
        t.pinged(15 * S);
        assert_eq!(t.next_deadline(), Some(18 * S));
        assert_eq!(t.due(17 * S), Due::Nothing);
        assert_eq!(t.due(18 * S), Due::PongTimeout);
        t.pong();
        assert_eq!(t.next_deadline(), Some(25 * S));
        assert_eq!(t.due(24 * S), Due::Nothing);
        assert_eq!(t.due(25 * S), Due::Ping);
    }

    #[test]
    fn pong_deadline_defaults_to_the_interval() {
        let mut t = timers(KeepAlive {
            ping_interval_ms: Some(5_000),
            ..KeepAlive::default()
        });
        t.pinged(10 * S);
        assert_eq!(t.due(15 * S - 1), Due::Nothing);
        assert_eq!(t.due(15 * S), Due::PongTimeout);
    }

    #[test]
    fn idle_counts_data_only() {
        let mut t = timers(KeepAlive {
            idle_timeout_ms: Some(60_000),
            ..KeepAlive::default()
        });
        t.pong();
        assert_eq!(t.due(65 * S), Due::IdleClose);
        t.message(55 * S);
        assert_eq!(t.due(65 * S), Due::Nothing);
        assert_eq!(t.next_deadline(), Some(115 * S));
        assert_eq!(t.due(115 * S), Due::IdleClose);
    }

    #[test]
    fn closing_waits_for_the_close_timeout_only() {
        let mut t = timers(KeepAlive {
            ping_interval_ms: Some(1_000),
            idle_timeout_ms: Some(1_000),
            close_timeout_ms: Some(2_000),
            ..KeepAlive::default()
        });
        t.close_sent(6 * S);
        t.close_sent(7 * S);
        assert_eq!(t.next_deadline(), Some(8 * S));
        assert_eq!(t.due(8 * S - 1), Due::Nothing);
        assert_eq!(t.due(8 * S), Due::CloseTimeout);
    }

    #[test]
    fn a_clock_near_its_end_does_not_wrap() {
        let mut t = Timers::default();
        t.set(
            KeepAlive {
                ping_interval_ms: Some(1_000),
                ..KeepAlive::default()
            },
            u64::MAX - 10,
        );
        assert_eq!(t.next_deadline(), Some(u64::MAX));
        assert_eq!(t.due(u64::MAX - 1), Due::Nothing);
    }
}
