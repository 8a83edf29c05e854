//! One smoltcp interface over a [`MemoryDevice`] carrying a client socket to an
//! [`EchoServer`], with a simulated clock. No allocation: it runs in host tests and in
//! the self-test firmware image alike.
//!
//! [`Testbed`] moves raw bytes for the client (so tests can send anything, including
//! bad requests); [`WsClient`] speaks WebSocket over it with the core's client role.
//! Every wait is bounded by a number of steps (one simulated millisecond each).

use smoltcp::iface::{Config as IfaceConfig, Interface, SocketHandle, SocketSet, SocketStorage};
use smoltcp::socket::tcp;
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{EthernetAddress, IpAddress, IpCidr};
use wsframe::handshake::client::Request;
use wsframe::{CloseCode, Connection, DataKind, Error, Event};

use crate::memdev::MemoryDevice;
use crate::server::{EchoServer, ServerConfig};

/// Why a testbed operation failed.
pub type Fail = &'static str;

/// The server's input buffer in the testbed.
pub const SERVER_RX: usize = 1024;
/// The server's output buffer in the testbed.
pub const SERVER_TX: usize = 1280;
/// The echo server the testbed runs.
pub type TestServer = EchoServer<SERVER_RX, SERVER_TX>;
/// The device the testbed runs on.
pub type TestDevice = MemoryDevice<8, 1514>;

/// The most steps one operation may take (simulated milliseconds).
pub const MAX_STEPS: u32 = 20_000;

/// TCP buffers of the two sockets.
#[derive(Debug)]
pub struct TcpBuffers {
    server_rx: [u8; 2048],
    server_tx: [u8; 2048],
    client_rx: [u8; 2048],
    client_tx: [u8; 2048],
}

impl TcpBuffers {
    /// Zeroed buffers.
    pub const fn new() -> Self {
        Self {
            server_rx: [0; 2048],
            server_tx: [0; 2048],
            client_rx: [0; 2048],
            client_tx: [0; 2048],
        }
    }
}

impl Default for TcpBuffers {
    fn default() -> Self {
        Self::new()
    }
}

/// Socket slots for the testbed's two sockets.
pub const fn socket_slots<'a>() -> [SocketStorage<'a>; 2] {
    [SocketStorage::EMPTY, SocketStorage::EMPTY]
}

/// An interface, its in-memory device, the server and one client socket.
pub struct Testbed<'a> {
    device: TestDevice,
    iface: Interface,
    sockets: SocketSet<'a>,
    /// The server under test.
    pub server: TestServer,
    client: SocketHandle,
    port: u16,
    next_local_port: u16,
    now: Instant,
}

impl<'a> Testbed<'a> {
    /// Builds the testbed on the caller's storage.
    pub fn new(
        slots: &'a mut [SocketStorage<'a>; 2],
        buffers: &'a mut TcpBuffers,
        config: ServerConfig,
    ) -> Self {
        let now = Instant::from_millis(0);
        let mut device = TestDevice::new();
        let hw = EthernetAddress([0x02, 0, 0, 0, 0, 1]);
        let mut iface = Interface::new(IfaceConfig::new(hw.into()), &mut device, now);
        iface.update_ip_addrs(|addrs| {
            let _ = addrs.push(IpCidr::new(IpAddress::v4(127, 0, 0, 1), 8));
        });
        let TcpBuffers {
            server_rx,
            server_tx,
            client_rx,
            client_tx,
        } = buffers;
        let mut sockets = SocketSet::new(&mut slots[..]);
        let server_socket = tcp::Socket::new(
            tcp::SocketBuffer::new(&mut server_rx[..]),
            tcp::SocketBuffer::new(&mut server_tx[..]),
        );
        let client_socket = tcp::Socket::new(
            tcp::SocketBuffer::new(&mut client_rx[..]),
            tcp::SocketBuffer::new(&mut client_tx[..]),
        );
        let server_handle = sockets.add(server_socket);
        let client = sockets.add(client_socket);
        Self {
            device,
            iface,
            sockets,
            server: TestServer::new(server_handle, config),
            client,
            port: config.port,
            next_local_port: 49152,
            now,
        }
    }

    /// The simulated time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// One round: the interface, then the server, then one simulated millisecond.
    pub fn step(&mut self) {
        self.iface
            .poll(self.now, &mut self.device, &mut self.sockets);
        self.server.poll(self.now, &mut self.sockets);
        self.now += Duration::from_millis(1);
    }

    /// Steps for `ms` simulated milliseconds.
    pub fn advance(&mut self, ms: u32) {
        for _ in 0..ms {
            self.step();
        }
    }

    /// Steps until `done` holds, at most [`MAX_STEPS`] times.
    pub fn run_until(&mut self, mut done: impl FnMut(&mut Self) -> bool) -> Result<(), Fail> {
        for _ in 0..MAX_STEPS {
            if done(self) {
                return Ok(());
            }
            self.step();
        }
        Err("timed out")
    }

    fn client(&mut self) -> &mut tcp::Socket<'a> {
        self.sockets.get_mut::<tcp::Socket>(self.client)
    }

    /// The client socket's TCP state.
    pub fn client_state(&mut self) -> tcp::State {
        self.client().state()
    }

    /// Connects the client socket to the server (once it listens).
    pub fn connect(&mut self) -> Result<(), Fail> {
        let client = self.client;
        self.run_until(|tb| {
            tb.server.is_listening(&tb.sockets) && !tb.sockets.get::<tcp::Socket>(client).is_open()
        })?;
        let local = self.next_local_port;
        self.next_local_port = self.next_local_port.wrapping_add(1).max(49152);
        let port = self.port;
        let cx = self.iface.context();
        self.sockets
            .get_mut::<tcp::Socket>(client)
            .connect(cx, (IpAddress::v4(127, 0, 0, 1), port), local)
            .map_err(|_| "connect refused")?;
        self.run_until(|tb| tb.client().may_send())
    }

    /// Queues all of `bytes` on the client socket.
    pub fn send(&mut self, mut bytes: &[u8]) -> Result<(), Fail> {
        for _ in 0..MAX_STEPS {
            if bytes.is_empty() {
                return Ok(());
            }
            let sent = self.client().send_slice(bytes).map_err(|_| "send failed")?;
            bytes = &bytes[sent..];
            self.step();
        }
        Err("send timed out")
    }

    /// Receives at least one byte into `buf`; `Ok(0)` when the server closed.
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<usize, Fail> {
        for _ in 0..MAX_STEPS {
            let socket = self.client();
            if socket.can_recv() {
                return socket.recv_slice(buf).map_err(|_| "recv failed");
            }
            if !socket.may_recv() {
                return Ok(0);
            }
            self.step();
        }
        Err("recv timed out")
    }

    /// Receives until the server closes the connection; returns how many bytes came
    /// (at most `buf.len()` are kept).
    pub fn recv_to_end(&mut self, buf: &mut [u8]) -> Result<usize, Fail> {
        let mut len = 0;
        let mut scratch = [0u8; 64];
        loop {
            let into = if len < buf.len() {
                &mut buf[len..]
            } else {
                &mut scratch[..]
            };
            match self.recv(into)? {
                0 => return Ok(len.min(buf.len())),
                n => len += n,
            }
        }
    }

    /// Closes the client's side and waits until the connection is gone.
    pub fn close_client(&mut self) -> Result<(), Fail> {
        self.client().close();
        self.run_until(|tb| {
            matches!(tb.client_state(), tcp::State::Closed | tcp::State::TimeWait)
        })?;
        // Like the server, do not keep the port in TIME-WAIT.
        self.client().abort();
        Ok(())
    }
}

/// What the [`WsClient`] received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// A whole message of this many bytes, now at the start of the caller's buffer.
    Message(DataKind, usize),
    /// A pong of this many bytes, see [`WsClient::last_pong`].
    Pong(usize),
    /// The server's close frame with its code.
    Close(Option<u16>),
}

/// A WebSocket client on the testbed's client socket, using the core's client role.
#[derive(Debug)]
pub struct WsClient {
    conn: Connection,
    input: [u8; 512],
    len: usize,
    out: [u8; 4200],
    /// Bytes of the message in progress already in the caller's buffer.
    message_len: usize,
    pong: [u8; 125],
    pong_len: usize,
}

impl WsClient {
    /// A client with its masking seed. A fixed seed is fine for these tests; a device
    /// takes it from its hardware RNG (on the STM32 family, the `RNG` peripheral; on
    /// the RP2040, the ring oscillator's `ROSC` random bit), a fresh one per connection.
    pub fn new(seed: [u8; 32]) -> Self {
        let config = wsframe::Config {
            max_message_len: 1 << 16,
            ..wsframe::Config::default()
        };
        Self {
            conn: Connection::client(config, seed),
            input: [0; 512],
            len: 0,
            out: [0; 4200],
            message_len: 0,
            pong: [0; 125],
            pong_len: 0,
        }
    }

    /// Connects and completes the opening handshake.
    pub fn open(&mut self, tb: &mut Testbed<'_>, path: &str) -> Result<(), Fail> {
        tb.connect()?;
        let request = Request::new("127.0.0.1", path, [7; 16]);
        let n = self
            .conn
            .write_request(&request, &mut self.out)
            .map_err(|_| "request")?;
        tb.send(&self.out[..n])?;
        let mut sink = [0u8; 0];
        match self.next(tb, &mut sink)? {
            None => Ok(()),
            Some(_) => Err("unexpected frame before open"),
        }
    }

    /// Sends one frame of a message (`fin` ends it).
    pub fn send(
        &mut self,
        tb: &mut Testbed<'_>,
        kind: DataKind,
        payload: &[u8],
        fin: bool,
    ) -> Result<(), Fail> {
        let n = self
            .conn
            .send_fragment(kind, payload, fin, &mut self.out)
            .map_err(|_| "encode")?;
        tb.send(&self.out[..n])
    }

    /// Sends a ping.
    pub fn ping(&mut self, tb: &mut Testbed<'_>, payload: &[u8]) -> Result<(), Fail> {
        let n = self
            .conn
            .send_ping(payload, &mut self.out)
            .map_err(|_| "encode")?;
        tb.send(&self.out[..n])
    }

    /// Starts the closing handshake.
    pub fn close(&mut self, tb: &mut Testbed<'_>, code: CloseCode) -> Result<(), Fail> {
        let n = self
            .conn
            .send_close(Some(code), "", &mut self.out)
            .map_err(|_| "encode")?;
        tb.send(&self.out[..n])
    }

    /// The payload of the latest pong.
    pub fn last_pong(&self) -> &[u8] {
        &self.pong[..self.pong_len]
    }

    /// Receives the next message, pong or close; a message is gathered in `buf` (pass
    /// the same buffer again after a pong arrived in the middle of a message). Returns
    /// `None` when the opening handshake completed.
    pub fn next(&mut self, tb: &mut Testbed<'_>, buf: &mut [u8]) -> Result<Option<Received>, Fail> {
        loop {
            let mut pos = 0;
            let mut result = None;
            while result.is_none() {
                let got = match self.conn.receive(&mut self.input[pos..self.len]) {
                    Ok(got) => got,
                    Err(Error::Protocol(_)) => return Err("server broke the protocol"),
                    Err(Error::Handshake(_)) => return Err("handshake refused"),
                    Err(_) => return Err("connection closed"),
                };
                pos += got.consumed;
                result = match got.event {
                    None => break,
                    Some(Event::Opened(_)) => Some(None),
                    Some(Event::Data(data)) => {
                        let end = self.message_len + data.payload.len();
                        buf.get_mut(self.message_len..end)
                            .ok_or("message larger than buffer")?
                            .copy_from_slice(data.payload);
                        self.message_len = end;
                        if data.end_of_message {
                            self.message_len = 0;
                            Some(Some(Received::Message(data.kind, end)))
                        } else {
                            None
                        }
                    }
                    Some(Event::Pong(payload)) => {
                        // Control payloads are at most 125 bytes.
                        let n = payload.len().min(self.pong.len());
                        self.pong[..n].copy_from_slice(&payload[..n]);
                        self.pong_len = n;
                        Some(Some(Received::Pong(n)))
                    }
                    Some(Event::Close(close)) => {
                        Some(Some(Received::Close(close.code.map(u16::from))))
                    }
                    Some(Event::Ping(_) | Event::Request(_)) => None,
                };
            }
            self.input.copy_within(pos..self.len, 0);
            self.len -= pos;
            if let Some(result) = result {
                // Answer what the protocol owes (the close reply).
                while let Ok(Some(n)) = self.conn.poll_transmit(&mut self.out) {
                    tb.send(&self.out[..n])?;
                }
                return Ok(result);
            }
            let n = tb.recv(&mut self.input[self.len..])?;
            if n == 0 {
                return Err("server closed the connection");
            }
            self.len += n;
        }
    }
}
