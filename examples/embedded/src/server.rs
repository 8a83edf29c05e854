//! A WebSocket echo server on one smoltcp TCP socket, with fixed buffers.
//!
//! [`EchoServer`] moves bytes between a smoltcp socket and a [`wsframe::Connection`];
//! every protocol decision (the handshake and its 400/426 rejections, framing,
//! fragmentation, pong, close replies, the 1009 for oversized messages) is the core's.
//! What the server adds is what the core leaves to the adapter: the socket lifecycle
//! (listen, close, abort, listen again) and the clock (a handshake that never completes
//! is cut off, a connection that carries nothing is closed when configured, and a
//! closing handshake or TCP close that never ends is cut off).
//!
//! Messages are echoed piece by piece as they arrive (a piece becomes a fragment), so a
//! message larger than the buffers is still echoed, up to the core's
//! `max_message_len`, beyond which the core fails the connection with 1009.

use smoltcp::iface::{SocketHandle, SocketSet};
use smoltcp::socket::tcp;
use smoltcp::time::{Duration, Instant};
use wsframe::handshake::server::Response;
use wsframe::{CloseCode, Config, Connection, Error, Event, ReadyState, MAX_HEADER_LEN};

/// The most bytes of one control frame on the wire (125-byte payload, masked header).
const MAX_CONTROL_FRAME: usize = 131;

/// How the server behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerConfig {
    /// The TCP port to listen on (not 0).
    pub port: u16,
    /// How long a client may take from connecting to a complete opening handshake.
    pub handshake_timeout: Duration,
    /// Close (1001, "idle timeout") a connection that has received no data frame for
    /// this long; `None` (the default) never does. Each of the 4 sockets of a small
    /// board is worth freeing from a client that holds it and says nothing.
    pub idle_timeout: Option<Duration>,
    /// How long the closing handshake this server started may wait for the client's
    /// close frame, and how long the TCP close may take once the WebSocket is closed.
    pub close_timeout: Duration,
    /// The core's limits; `max_message_len` is the size that earns a 1009. The
    /// handshake's `max_bytes` is capped to the input buffer.
    pub ws: Config,
}

impl Default for ServerConfig {
    /// Port 80, 5 s for the handshake, no idle timeout, 2 s for the close, and no limit on frames,
    /// messages or fragments: the echo streams each piece as it arrives and holds no
    /// message, so no size needs a bigger buffer.
    fn default() -> Self {
        let ws = Config {
            max_frame_len: u64::MAX,
            max_message_len: u64::MAX,
            max_fragments: u32::MAX,
            ..Config::default()
        };
        Self {
            port: 80,
            handshake_timeout: Duration::from_secs(5),
            idle_timeout: None,
            close_timeout: Duration::from_secs(2),
            ws,
        }
    }
}

/// What the server has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// TCP connections taken from the listening socket.
    pub connections: u32,
    /// Opening handshakes accepted.
    pub accepted: u32,
    /// Opening handshakes refused with an HTTP error.
    pub rejected: u32,
    /// Whole messages echoed.
    pub messages: u32,
    /// Connections failed for a protocol error (a close frame with 1002/1007/1009).
    pub failed: u32,
    /// Handshakes cut off for taking too long.
    pub handshake_timeouts: u32,
    /// Connections closed (1001) for carrying nothing for the idle timeout.
    pub idle_timeouts: u32,
    /// Closing handshakes this server started that the client never answered.
    pub close_timeouts: u32,
}

/// Where the server is in its socket's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The socket listens (or is about to) for the next client.
    Listening,
    /// A client is connected; `since` is when it connected, `heard` when its last
    /// data frame arrived (or it connected), `closing` when this server was first seen
    /// waiting for its close frame to be answered.
    Connected {
        since: Instant,
        heard: Instant,
        closing: Option<Instant>,
    },
    /// The WebSocket is closed and the socket's FIN is on its way.
    Closing { since: Instant },
    /// The socket was aborted; the reset goes out before listening again.
    Aborted,
}

/// A WebSocket echo server on one smoltcp TCP socket, one client at a time; give each
/// of several sockets listening on the same port its own server to serve several
/// clients at once.
///
/// `RX` bytes hold received, not yet processed input (at least 256: a control frame
/// arrives whole and the opening request must fit); `TX` bytes hold output waiting for
/// room in the socket (at least `RX + 14` so the echo of a full input buffer fits).
#[derive(Debug)]
pub struct EchoServer<const RX: usize, const TX: usize> {
    handle: SocketHandle,
    config: ServerConfig,
    phase: Phase,
    conn: Connection,
    rx: [u8; RX],
    rx_len: usize,
    tx: [u8; TX],
    tx_start: usize,
    tx_end: usize,
    stats: Stats,
}

impl<const RX: usize, const TX: usize> EchoServer<RX, TX> {
    const SIZES_OK: () = assert!(RX >= 256 && TX >= RX + MAX_HEADER_LEN + MAX_CONTROL_FRAME);

    /// A server for the TCP socket `handle` (owned by the caller's [`SocketSet`]).
    pub fn new(handle: SocketHandle, mut config: ServerConfig) -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::SIZES_OK;
        config.ws.handshake.max_bytes = config.ws.handshake.max_bytes.min(RX);
        Self {
            handle,
            config,
            phase: Phase::Listening,
            conn: Connection::server(config.ws),
            rx: [0; RX],
            rx_len: 0,
            tx: [0; TX],
            tx_start: 0,
            tx_end: 0,
            stats: Stats::default(),
        }
    }

    /// What the server has done so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The state of the current client's WebSocket (`Closed` when there is none).
    pub fn ready_state(&self) -> ReadyState {
        match self.phase {
            Phase::Connected { .. } => self.conn.ready_state(),
            _ => ReadyState::Closed,
        }
    }

    /// Whether the socket waits for a client.
    pub fn is_listening(&self, sockets: &SocketSet<'_>) -> bool {
        self.phase == Phase::Listening && sockets.get::<tcp::Socket>(self.handle).is_listening()
    }

    /// Does all the work that can be done now: call it after every `Interface::poll`.
    pub fn poll(&mut self, now: Instant, sockets: &mut SocketSet<'_>) {
        let socket = sockets.get_mut::<tcp::Socket>(self.handle);
        match self.phase {
            Phase::Aborted => {
                self.phase = Phase::Listening;
            }
            Phase::Listening => {
                if !socket.is_open() && socket.listen(self.config.port).is_err() {
                    return;
                }
                if socket.is_active() {
                    self.phase = Phase::Connected {
                        since: now,
                        heard: now,
                        closing: None,
                    };
                    self.conn = Connection::server(self.config.ws);
                    self.rx_len = 0;
                    self.tx_start = 0;
                    self.tx_end = 0;
                    self.stats.connections += 1;
                    self.serve(now, socket);
                }
            }
            Phase::Connected { .. } => self.serve(now, socket),
            Phase::Closing { since } => {
                self.flush(socket);
                let done = matches!(socket.state(), tcp::State::Closed | tcp::State::TimeWait);
                if done || now - since > self.config.close_timeout {
                    // TIME-WAIT would keep the port for 10 s: drop it and listen again.
                    socket.abort();
                    self.phase = Phase::Listening;
                    if socket.listen(self.config.port).is_err() {
                        self.phase = Phase::Aborted;
                    }
                }
            }
        }
    }

    fn serve(&mut self, now: Instant, socket: &mut tcp::Socket<'_>) {
        let Phase::Connected {
            since,
            mut heard,
            mut closing,
        } = self.phase
        else {
            return;
        };
        if !socket.is_active() {
            // Reset by the peer.
            self.conn.abort();
            self.phase = Phase::Listening;
            return;
        }
        self.flush(socket);
        if self.rx_len < RX && socket.can_recv() {
            if let Ok(n) = socket.recv_slice(&mut self.rx[self.rx_len..]) {
                self.rx_len += n;
            }
        }
        if self.process() {
            heard = now;
        }
        self.flush(socket);

        let state = self.conn.ready_state();
        if state == ReadyState::Closing {
            closing.get_or_insert(now);
        }
        let idle = self
            .config
            .idle_timeout
            .is_some_and(|limit| now - heard > limit);
        self.phase = Phase::Connected {
            since,
            heard,
            closing,
        };
        if state == ReadyState::Closed && self.tx_start == self.tx_end {
            socket.close();
            self.phase = Phase::Closing { since: now };
        } else if state == ReadyState::Connecting && now - since > self.config.handshake_timeout {
            self.stats.handshake_timeouts += 1;
            self.conn.abort();
            socket.abort();
            self.phase = Phase::Aborted;
        } else if closing.is_some_and(|at| now - at > self.config.close_timeout) {
            self.stats.close_timeouts += 1;
            self.conn.abort();
            socket.abort();
            self.phase = Phase::Aborted;
        } else if state == ReadyState::Open && idle {
            let out = &mut self.tx[self.tx_end..];
            // No room now (the socket is full): tried again on the next poll.
            if let Ok(n) = self
                .conn
                .send_close(Some(CloseCode::GOING_AWAY), "idle timeout", out)
            {
                self.tx_end += n;
                self.stats.idle_timeouts += 1;
                self.flush(socket);
            }
        } else if socket.state() == tcp::State::CloseWait
            && !socket.can_recv()
            && !self.conn.wants_transmit()
        {
            // The peer closed its side without a closing handshake.
            self.conn.abort();
            socket.close();
            self.phase = Phase::Closing { since: now };
        }
    }

    /// Feeds buffered input to the core while there is room for what it may produce;
    /// returns whether a data frame arrived.
    fn process(&mut self) -> bool {
        let mut pos = 0;
        let mut data = false;
        loop {
            while self.conn.wants_transmit() {
                match self.conn.poll_transmit(&mut self.tx[self.tx_end..]) {
                    Ok(Some(n)) => self.tx_end += n,
                    // No room: the rest waits for the socket to drain.
                    Ok(None) | Err(_) => break,
                }
            }
            if TX - self.tx_end < RX + MAX_HEADER_LEN + MAX_CONTROL_FRAME {
                break;
            }
            let received = match self.conn.receive(&mut self.rx[pos..self.rx_len]) {
                Ok(received) => received,
                Err(Error::Handshake(_)) => {
                    // The core owes the HTTP rejection; the next round writes it.
                    self.stats.rejected += 1;
                    continue;
                }
                Err(Error::Protocol(_)) => {
                    // The core owes the close frame with the error's code.
                    self.stats.failed += 1;
                    continue;
                }
                Err(_) => break,
            };
            pos += received.consumed;
            let out = &mut self.tx[self.tx_end..];
            let written = match received.event {
                None => break,
                Some(Event::Request(request)) => {
                    let written = self.conn.accept(&request, &Response::default(), out);
                    if written.is_ok() {
                        self.stats.accepted += 1;
                    }
                    written.ok()
                }
                Some(Event::Data(piece)) => {
                    data = true;
                    if piece.end_of_message {
                        self.stats.messages += 1;
                    }
                    self.conn
                        .send_fragment(piece.kind, piece.payload, piece.end_of_message, out)
                        .ok()
                }
                // Pongs and close replies are owed by the core and written above.
                Some(_) => None,
            };
            match written {
                Some(n) => self.tx_end += n,
                None if self.conn.ready_state() == ReadyState::Connecting => {
                    // The 101 did not fit: give up on this client.
                    self.conn.abort();
                }
                None => {}
            }
        }
        self.rx.copy_within(pos..self.rx_len, 0);
        self.rx_len -= pos;
        data
    }

    fn flush(&mut self, socket: &mut tcp::Socket<'_>) {
        if self.tx_start < self.tx_end && socket.can_send() {
            if let Ok(n) = socket.send_slice(&self.tx[self.tx_start..self.tx_end]) {
                self.tx_start += n;
            }
        }
        if self.tx_start == self.tx_end {
            self.tx_start = 0;
            self.tx_end = 0;
        } else if self.tx_start > 0 && TX - self.tx_end < RX + MAX_HEADER_LEN + MAX_CONTROL_FRAME {
            self.tx.copy_within(self.tx_start..self.tx_end, 0);
            self.tx_end -= self.tx_start;
            self.tx_start = 0;
        }
    }
}
