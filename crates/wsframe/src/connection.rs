//! The sans-IO connection state machine, for either role (RFC 6455 §4–§7).
//!
//! A [`Connection`] never touches a socket, a clock or an allocator. The caller:
//!
//! 1. passes received bytes to [`receive`](Connection::receive), which consumes a prefix
//!    and returns at most one [`Event`] borrowing the caller's buffer (payloads are
//!    unmasked in place: zero copies);
//! 2. asks [`poll_transmit`](Connection::poll_transmit) for the bytes the protocol owes
//!    the peer — the pong for a ping, the reply to a close, the close frame that fails a
//!    connection, a handshake rejection — so no obligation is hidden in a queue;
//! 3. writes its own frames with the `send_*` methods into caller buffers.
//!
//! The lifecycle is one enum ([`ReadyState`] is its public summary, named as in the
//! browser API). Data may arrive split at any byte: the result does not depend on where,
//! except that data events then carry smaller pieces. Control frames (at most 131 bytes)
//! are delivered whole, so keep unconsumed input and append to it; an input buffer of a
//! few hundred bytes is enough for any frame stream.
//!
//! Timeouts (a handshake that never completes, a close reply that never comes) are the
//! adapter's: it owns the clock.
//!
//! ```
//! use wsframe::{Config, Connection, Event, handshake::server::Response};
//!
//! let mut conn = Connection::server(Config::default());
//! let mut input = *b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
//!     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n\
//!     \x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
//! let mut out = [0u8; 256];
//!
//! // The request arrives; accept it.
//! let consumed = {
//!     let got = conn.receive(&mut input).unwrap();
//!     let Some(Event::Request(request)) = got.event else { panic!() };
//!     let n = conn.accept(&request, &Response::default(), &mut out).unwrap();
//!     assert!(out[..n].starts_with(b"HTTP/1.1 101"));
//!     got.consumed
//! };
//!
//! // The bytes after the request are the first frame: echo it.
//! let rest = &mut input[consumed..];
//! let got = conn.receive(rest).unwrap();
//! let Some(Event::Data(data)) = got.event else { panic!() };
//! assert_eq!(&*data.payload, b"Hello");
//! let n = conn.send_fragment(data.kind, data.payload, data.end_of_message, &mut out).unwrap();
//! assert_eq!(&out[..n], b"\x81\x05Hello");
//! ```

use crate::close::{CloseCode, CloseFrame, MAX_CLOSE_PAYLOAD};
use crate::error::{Error, HandshakeError, ProtocolError, SendError};
use crate::frame::{
    encode_frame, encode_in_front, DecodeRules, Decoded, FrameHeader, OpCode, Role,
    MAX_CONTROL_PAYLOAD, RSV1,
};
use crate::handshake::{client, extensions::Extensions, server, HandshakeLimits, Status};
use crate::mask::apply_mask;
use crate::utf8::Utf8Validator;
use chacha20::cipher::StreamCipherCore as _;
use chacha20::rand_core::SeedableRng as _;
use chacha20::{variants::Legacy, ChaChaCore, R12};

/// Limits and options of a connection. The defaults are safe for a server exposed to
/// the internet; raise them for bulk transfers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The largest frame payload accepted (default 16 MiB); larger frames fail with 1009
    /// as soon as their header is read.
    pub max_frame_len: u64,
    /// The largest message accepted, all fragments together (default 16 MiB; 1009).
    pub max_message_len: u64,
    /// The most frames one message may have (default 131072; 1009). Bounds a stream
    /// of empty continuation frames.
    pub max_fragments: u32,
    /// Caps on the opening handshake.
    pub handshake: HandshakeLimits,
    /// Answer pings with pongs through [`Connection::poll_transmit`] (default true).
    pub auto_pong: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_frame_len: 16 << 20,
            max_message_len: 16 << 20,
            max_fragments: 1 << 17,
            handshake: HandshakeLimits::default(),
            auto_pong: true,
        }
    }
}

/// The kind of a data message (§5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataKind {
    /// UTF-8 text (validated before delivery).
    Text,
    /// Arbitrary bytes.
    Binary,
}

impl DataKind {
    const fn opcode(self) -> OpCode {
        match self {
            Self::Text => OpCode::Text,
            Self::Binary => OpCode::Binary,
        }
    }
}

/// A piece of a data message, unmasked in the caller's buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct Data<'a> {
    /// Text or binary, from the message's first frame.
    pub kind: DataKind,
    /// The payload bytes of this piece (for text: valid UTF-8 so far, possibly ending
    /// inside a code point that the next piece completes).
    pub payload: &'a mut [u8],
    /// This piece ends its frame.
    pub end_of_frame: bool,
    /// This piece ends the message (its frame had FIN set).
    pub end_of_message: bool,
    /// The message's first frame had RSV1 set: with permessage-deflate (RFC 7692) the
    /// payload is compressed, and text is validated only after inflating.
    pub compressed: bool,
}

/// Something that happened on the connection.
#[derive(Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// Server: a valid opening request; answer with [`Connection::accept`] or
    /// [`Connection::reject`].
    Request(server::Request<'a>),
    /// Client: the server accepted; the connection is open.
    Opened(client::Response<'a>),
    /// A piece of a text or binary message.
    Data(Data<'a>),
    /// A ping with its payload; with `auto_pong` the pong is already owed.
    Ping(&'a [u8]),
    /// A pong with its payload.
    Pong(&'a [u8]),
    /// The peer's close frame; the reply is owed unless this endpoint closed first.
    Close(CloseFrame<'a>),
}

/// The result of [`Connection::receive`].
#[derive(Debug, PartialEq, Eq)]
pub struct Received<'a> {
    /// How many bytes at the start of the input were used; keep the rest and append
    /// newly read bytes after it.
    pub consumed: usize,
    /// The event, or `None` when more input is needed.
    pub event: Option<Event<'a>>,
}

/// The connection's state as the browser API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadyState {
    /// The opening handshake is in progress.
    Connecting,
    /// Messages flow both ways.
    Open,
    /// A close frame was sent or received; the closing handshake is in progress.
    Closing,
    /// Nothing more is sent or received; close the transport.
    Closed,
}

/// The most bytes kept of the client's offer (its subprotocols and the names of its
/// extensions, together) to check the server's answer against.
const OFFER_CAPACITY: usize = 128;

/// The client's offer, kept while waiting for the response (§4.1: the chosen
/// subprotocol and extensions must have been offered). Only the names are kept: an
/// extension's parameters are the extension's to check, not the handshake's.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StoredOffer {
    accept: [u8; 28],
    /// The offered subprotocols, then the offered extensions' names, each list
    /// comma-separated.
    names: heapless::String<OFFER_CAPACITY, u8>,
    /// Where the extensions' names start in `names`.
    protocols_end: u8,
}

impl StoredOffer {
    /// The offer of `request`; `None` when its names exceed [`OFFER_CAPACITY`].
    fn of(request: &client::Request<'_>) -> Option<Self> {
        let mut names = heapless::String::new();
        for (i, p) in request.protocols.iter().enumerate() {
            if i > 0 {
                names.push(',').ok()?;
            }
            names.push_str(p).ok()?;
        }
        let protocols_end = u8::try_from(names.len()).ok()?;
        let offered = Extensions::new(request.extensions.unwrap_or("")).flatten();
        for (i, extension) in offered.enumerate() {
            if i > 0 {
                names.push(',').ok()?;
            }
            names.push_str(extension.name).ok()?;
        }
        Some(Self {
            accept: request.expected_accept(),
            names,
            protocols_end,
        })
    }

    fn protocols(&self) -> &str {
        self.names
            .get(..usize::from(self.protocols_end))
            .unwrap_or("")
    }

    fn extensions(&self) -> &str {
        self.names
            .get(usize::from(self.protocols_end)..)
            .unwrap_or("")
    }
}

impl client::Offer for StoredOffer {
    fn expected_accept(&self) -> [u8; 28] {
        self.accept
    }
    fn offered_protocol(&self, protocol: &str) -> bool {
        crate::handshake::list_items(self.protocols()).any(|p| p == protocol)
    }
    fn offered_extension(&self, name: &str) -> bool {
        crate::handshake::list_items(self.extensions()).any(|e| e.eq_ignore_ascii_case(name))
    }
}

/// The lifecycle: every transition is in this file, on this enum.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Server: waiting for the request.
    AwaitRequest,
    /// Server: request delivered, waiting for accept/reject.
    AwaitDecision,
    /// Client: the request is not written yet.
    ClientStart,
    /// Client: request written, waiting for the response (the offer is in
    /// [`ClientSide::Offered`]).
    AwaitResponse,
    /// Server: the request was bad; the HTTP rejection is owed.
    Rejecting(HandshakeError),
    Open,
    /// This endpoint sent a close frame and waits for the peer's (§7.1.2).
    CloseSent,
    /// The peer sent a close frame; the reply with this code is owed (§5.5.1).
    CloseOwed(Option<CloseCode>),
    /// The peer broke the protocol; the close frame failing the connection is owed (§7.1.7).
    Failing(CloseCode),
    Closed,
}

/// What only a client keeps beside [`State`]: the offer it made, until the response
/// is checked, then its masking keys. The two are never needed at once, so they share
/// the space, which a server's connection carries too (192 bytes; apart they took 280).
#[derive(Clone)]
enum ClientSide {
    /// The request was written: the offer waits for the response (§4.1), the seed for
    /// the first frame.
    Offered(StoredOffer, [u8; 32]),
    /// Open (or not yet offering): the keys of its frames (§5.3).
    Masking(MaskKeys),
}

impl core::fmt::Debug for ClientSide {
    /// Without the seed, a secret.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Offered(offer, _) => f
                .debug_tuple("Offered")
                .field(offer)
                .finish_non_exhaustive(),
            Self::Masking(keys) => f.debug_tuple("Masking").field(keys).finish(),
        }
    }
}

/// Where the reader is within the frame stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recv {
    /// The next byte starts a frame header.
    Header,
    /// Inside a data frame's payload.
    Payload(PayloadState),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PayloadState {
    kind: DataKind,
    remaining: u64,
    mask: Option<[u8; 4]>,
    /// Payload bytes of this frame already delivered, modulo 4 (the mask phase).
    phase: u8,
    fin: bool,
    compressed: bool,
}

/// What a frame header starts.
enum Next {
    /// A data frame: its payload state and header length.
    Data(PayloadState, usize),
    /// A control frame, delivered whole once it is complete.
    Control(FrameHeader, usize),
    /// The header is not complete.
    Partial,
}

/// A fragmented message being received (§5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Incoming {
    kind: DataKind,
    len: u64,
    fragments: u32,
    compressed: bool,
}

/// Masking keys for a client's frames (§5.3: unpredictable, "derived from a strong
/// source of entropy"; §10.3).
///
/// The ChaCha12 stream of `rand`'s `StdRng` (`chacha20`'s `ChaCha12Rng`: 64-bit block
/// counter, stream 0) keyed with the caller's seed: the core has no random source of its
/// own. Every connection carries this field, so it keeps one 64-byte block (16 keys) and
/// the seed instead of the generator's 256-byte buffer: 112 bytes instead of 328, and
/// the core is rebuilt from the seed for each block (a few nanoseconds per 16 keys).
#[derive(Clone, PartialEq, Eq)]
struct MaskKeys {
    seed: [u8; 32],
    /// The stream's next block.
    next_block: u64,
    block: [u8; 64],
    /// Keys of `block` already used; 16 when it is spent.
    used: u8,
}

/// Keys in one 64-byte ChaCha block.
const KEYS_PER_BLOCK: u8 = 16;

impl MaskKeys {
    fn new(seed: [u8; 32]) -> Self {
        Self {
            seed,
            next_block: 0,
            block: [0; 64],
            used: KEYS_PER_BLOCK,
        }
    }

    /// The next key; a spent block is refilled through `refill` (the connection's
    /// [`RoleOps::refill_keys`], so that only programs making clients link ChaCha12).
    #[inline(always)]
    fn next_key(&mut self, refill: fn(&mut Self)) -> [u8; 4] {
        if self.used >= KEYS_PER_BLOCK {
            refill(self);
        }
        // The remainder keeps the index in the block whatever `refill` did.
        let at = usize::from(self.used % KEYS_PER_BLOCK) * 4;
        self.used = self.used % KEYS_PER_BLOCK + 1;
        let mut key = [0; 4];
        key.copy_from_slice(&self.block[at..at + 4]);
        key
    }

    fn refill(&mut self) {
        let mut core = ChaChaCore::<R12, Legacy>::from_seed(self.seed);
        core.set_block_pos(self.next_block);
        core.write_keystream_block((&mut self.block).into());
        // 2^64 blocks are never reached; wrapping keeps the arithmetic panic-free.
        self.next_block = self.next_block.wrapping_add(1);
        self.used = 0;
    }
}

impl core::fmt::Debug for MaskKeys {
    /// The position only: the seed and the block are secrets.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MaskKeys")
            .field("next_block", &self.next_block)
            .field("used", &self.used)
            .finish_non_exhaustive()
    }
}

/// One WebSocket connection, either role, from handshake to close.
#[derive(Debug, Clone)]
pub struct Connection {
    config: Config,
    state: State,
    recv: Recv,
    incoming: Option<Incoming>,
    utf8: Utf8Validator,
    /// The message this endpoint is sending in fragments, if any.
    outgoing: Option<DataKind>,
    /// The payload of the latest ping, owed a pong (§5.5.3: only the latest needs one).
    pong: Option<heapless::Vec<u8, MAX_CONTROL_PAYLOAD, u8>>,
    /// A client's offer or masking keys; `None` for a server.
    client: Option<ClientSide>,
    /// RSV bits that negotiated extensions define ([`set_allowed_rsv`](Self::set_allowed_rsv)).
    allowed_rsv: u8,
    /// This endpoint's role and what it does differently: [`SERVER`] or [`CLIENT`].
    ops: &'static RoleOps,
}

/// A role, with the work only that role does: chosen by the constructor and called
/// through these pointers, so that a program making only servers links neither the
/// client's response parsing nor its masking-key generator (ChaCha12, about 0.8 KB of
/// flash), and one making only clients does not link the request parsing.
#[derive(Debug)]
struct RoleOps {
    role: Role,
    /// [`Connection::receive_request`] or [`Connection::receive_response`].
    read_handshake: for<'b> fn(&mut Connection, &'b mut [u8]) -> Result<Received<'b>, Error>,
    /// Refills a client's masking keys; a server has none, so never calls it.
    refill_keys: fn(&mut MaskKeys),
}

static SERVER: RoleOps = RoleOps {
    role: Role::Server,
    read_handshake: Connection::receive_request,
    refill_keys: |_| {},
};

static CLIENT: RoleOps = RoleOps {
    role: Role::Client,
    read_handshake: Connection::receive_response,
    refill_keys: MaskKeys::refill,
};

impl Connection {
    /// A server connection waiting for the client's opening request.
    pub fn server(config: Config) -> Self {
        Self::new(config, State::AwaitRequest, None, &SERVER)
    }

    /// A client connection; write the request with [`write_request`](Self::write_request).
    ///
    /// `mask_seed` keys the ChaCha12 stream the masking keys are drawn from, so it must
    /// come from a strong random source: it makes them unpredictable to the network
    /// (§5.3, §10.3). The operating system's (`getrandom`) on a host,
    /// `crypto.getRandomValues` in a browser or Node.js, a hardware RNG on a
    /// microcontroller. Never reuse a seed.
    ///
    /// ```
    /// use wsframe::{Config, Connection, DataKind};
    /// // A fixed seed only for the example.
    /// let mut client = Connection::client(Config::default(), [7; 32]).with_handshake_done();
    /// let mut out = [0u8; 32];
    /// let n = client.send_text("Hello", &mut out).unwrap();
    /// // FIN + text, then the mask bit with the length, the 4-byte key and the masked payload.
    /// assert_eq!(&out[..2], &[0x81, 0x85]);
    /// assert_eq!(n, 2 + 4 + 5);
    /// ```
    pub fn client(config: Config, mask_seed: [u8; 32]) -> Self {
        Self::new(
            config,
            State::ClientStart,
            Some(ClientSide::Masking(MaskKeys::new(mask_seed))),
            &CLIENT,
        )
    }

    fn new(
        config: Config,
        state: State,
        client: Option<ClientSide>,
        ops: &'static RoleOps,
    ) -> Self {
        Self {
            ops,
            config,
            state,
            recv: Recv::Header,
            incoming: None,
            utf8: Utf8Validator::new(),
            outgoing: None,
            pong: None,
            client,
            allowed_rsv: 0,
        }
    }

    /// Skips the opening handshake, for when it was done elsewhere (e.g. by an HTTP
    /// server that hands over the upgraded stream).
    pub fn with_handshake_done(mut self) -> Self {
        self.state = State::Open;
        self
    }

    /// This endpoint's role.
    pub fn role(&self) -> Role {
        self.ops.role
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The lifecycle state.
    pub fn ready_state(&self) -> ReadyState {
        match self.state {
            State::AwaitRequest
            | State::AwaitDecision
            | State::ClientStart
            | State::AwaitResponse => ReadyState::Connecting,
            State::Open => ReadyState::Open,
            State::Rejecting(_) | State::CloseSent | State::CloseOwed(_) | State::Failing(_) => {
                ReadyState::Closing
            }
            State::Closed => ReadyState::Closed,
        }
    }

    /// Payload bytes of the current data frame not delivered yet: after a
    /// [`Data`](Event::Data) piece that does not end its frame, how many more of this
    /// frame are coming (so a caller can size the message buffer once); 0 between frames.
    pub fn frame_remaining(&self) -> u64 {
        match self.recv {
            Recv::Payload(p) => p.remaining,
            Recv::Header => 0,
        }
    }

    /// Whether [`poll_transmit`](Self::poll_transmit) has bytes to write.
    pub fn wants_transmit(&self) -> bool {
        matches!(
            self.state,
            State::Rejecting(_) | State::CloseOwed(_) | State::Failing(_)
        ) || (self.pong.is_some() && matches!(self.state, State::Open | State::CloseSent))
    }

    // ----- receiving -----

    /// Consumes bytes from the start of `input` and returns at most one event.
    ///
    /// Call it again with the unconsumed rest until it returns no event, then read
    /// more. Data payloads are unmasked in place inside `input`.
    ///
    /// On a protocol violation the error names the close code, the connection owes the
    /// failing close frame ([`poll_transmit`](Self::poll_transmit)) and accepts no more
    /// input. After the peer's close frame, or once closed, any further bytes are refused
    /// with [`Error::Closed`] (an empty input is simply no event).
    #[inline]
    pub fn receive<'b>(&mut self, input: &'b mut [u8]) -> Result<Received<'b>, Error> {
        match &self.state {
            // The frame path is inlined into the caller's read loop and converts its
            // errors where they arise, so the (large) `Received` is built in place
            // instead of being moved out of a differently laid out `Result`.
            State::Open | State::CloseSent => self.receive_frames(input),
            _ => self.receive_other(input),
        }
    }

    /// [`receive`](Self::receive) outside the open states: the handshake and after close.
    #[inline(never)]
    fn receive_other<'b>(&mut self, input: &'b mut [u8]) -> Result<Received<'b>, Error> {
        match &self.state {
            State::AwaitRequest | State::AwaitResponse => (self.ops.read_handshake)(self, input),
            State::AwaitDecision | State::ClientStart => Ok(Received {
                consumed: 0,
                event: None,
            }),
            _ if input.is_empty() => Ok(Received {
                consumed: 0,
                event: None,
            }),
            // Rejecting, CloseOwed, Failing, Closed. (`receive` keeps the open states to
            // itself, so the frame path is not compiled a second time here.)
            _ => Err(Error::Closed),
        }
    }

    #[cold]
    fn fail(&mut self, error: ProtocolError) -> Error {
        self.state = match self.state {
            // The close frame went out already: nothing more to send.
            State::CloseSent => State::Closed,
            _ => State::Failing(error.close_code()),
        };
        self.incoming = None;
        self.recv = Recv::Header;
        Error::Protocol(error)
    }

    fn receive_request<'b>(&mut self, input: &'b mut [u8]) -> Result<Received<'b>, Error> {
        let input: &'b [u8] = input;
        match server::Request::parse(input, &self.config.handshake) {
            Ok(Status::Partial) => Ok(Received {
                consumed: 0,
                event: None,
            }),
            Ok(Status::Complete { value, head_len }) => {
                self.state = State::AwaitDecision;
                Ok(Received {
                    consumed: head_len,
                    event: Some(Event::Request(value)),
                })
            }
            Err(e) => {
                self.state = State::Rejecting(e);
                Err(Error::Handshake(e))
            }
        }
    }

    fn receive_response<'b>(&mut self, input: &'b mut [u8]) -> Result<Received<'b>, Error> {
        let (State::AwaitResponse, Some(ClientSide::Offered(offer, seed))) =
            (&self.state, &self.client)
        else {
            return Err(Error::Closed);
        };
        let seed = *seed;
        let input: &'b [u8] = input;
        match client::Response::parse(input, offer, &self.config.handshake) {
            Ok(Status::Partial) => Ok(Received {
                consumed: 0,
                event: None,
            }),
            Ok(Status::Complete { value, head_len }) => {
                self.client = Some(ClientSide::Masking(MaskKeys::new(seed)));
                self.state = State::Open;
                Ok(Received {
                    consumed: head_len,
                    event: Some(Event::Opened(value)),
                })
            }
            Err(e) => {
                // §4.1: the client fails the connection; there is nothing to send.
                self.state = State::Closed;
                Err(Error::Handshake(e))
            }
        }
    }

    fn rules(&self) -> DecodeRules {
        DecodeRules {
            role: self.ops.role,
            allowed_rsv: self.allowed_rsv,
            max_payload_len: self.config.max_frame_len,
        }
    }

    #[inline]
    fn receive_frames<'b>(&mut self, input: &'b mut [u8]) -> Result<Received<'b>, Error> {
        // One call of the (inlined) payload step for both cases, so it is compiled once.
        let (p, start) = match self.recv {
            Recv::Payload(p) => (p, 0),
            Recv::Header => match self.start_frame(input) {
                Ok(Next::Data(p, header_len)) => (p, header_len),
                Ok(Next::Control(header, header_len)) => {
                    return self.control(header, header_len, input)
                }
                Ok(Next::Partial) => {
                    return Ok(Received {
                        consumed: 0,
                        event: None,
                    })
                }
                Err(e) => return Err(e),
            },
        };
        self.payload(p, input, start)
    }

    /// Reads the frame header at the start of `input` and starts or continues the
    /// message of a data frame.
    #[inline(always)]
    fn start_frame(&mut self, input: &[u8]) -> Result<Next, Error> {
        let (header, header_len) = match FrameHeader::decode(input, &self.rules()) {
            Ok(Decoded::Complete { header, header_len }) => (header, header_len),
            Ok(Decoded::Partial { .. }) => return Ok(Next::Partial),
            Err(e) => return Err(self.fail(e)),
        };
        let started = match header.opcode {
            OpCode::Close | OpCode::Ping | OpCode::Pong if header.rsv != 0 => {
                Err(ProtocolError::ReservedBits(header.rsv))
            }
            OpCode::Close | OpCode::Ping | OpCode::Pong => {
                return Ok(Next::Control(header, header_len))
            }
            OpCode::Text => self.start_message(DataKind::Text, &header),
            OpCode::Binary => self.start_message(DataKind::Binary, &header),
            OpCode::Continuation => self.continue_message(&header),
        };
        let (kind, compressed) = match started {
            Ok(message) => message,
            Err(e) => return Err(self.fail(e)),
        };
        let p = PayloadState {
            kind,
            remaining: header.payload_len,
            mask: header.mask,
            phase: 0,
            fin: header.fin,
            compressed,
        };
        Ok(Next::Data(p, header_len))
    }

    /// §5.4: a text or binary frame starts a message only when none is in progress.
    /// Its RSV1 bit (already allowed by the decoder) marks a compressed message
    /// (RFC 7692 §6).
    fn start_message(
        &mut self,
        kind: DataKind,
        header: &FrameHeader,
    ) -> Result<(DataKind, bool), ProtocolError> {
        if self.incoming.is_some() {
            return Err(ProtocolError::ExpectedContinuation);
        }
        if header.payload_len > self.config.max_message_len {
            return Err(ProtocolError::MessageTooLarge);
        }
        let compressed = header.rsv & RSV1 != 0;
        self.incoming = Some(Incoming {
            kind,
            len: header.payload_len,
            fragments: 1,
            compressed,
        });
        Ok((kind, compressed))
    }

    /// §5.4: a continuation frame belongs to the message in progress; the limits are
    /// checked before any of its payload is read (§10.4). RSV bits belong to a message's
    /// first frame only (RFC 7692 §6.1), so a continuation frame carrying one fails.
    fn continue_message(
        &mut self,
        header: &FrameHeader,
    ) -> Result<(DataKind, bool), ProtocolError> {
        if header.rsv != 0 {
            return Err(ProtocolError::ReservedBits(header.rsv));
        }
        let message = self
            .incoming
            .as_mut()
            .ok_or(ProtocolError::UnexpectedContinuation)?;
        message.len = message
            .len
            .checked_add(header.payload_len)
            .filter(|total| *total <= self.config.max_message_len)
            .ok_or(ProtocolError::MessageTooLarge)?;
        // Saturating: with `max_fragments` at u32::MAX the count must not wrap to 0.
        message.fragments = message.fragments.saturating_add(1);
        if message.fragments > self.config.max_fragments {
            return Err(ProtocolError::TooManyFragments);
        }
        Ok((message.kind, message.compressed))
    }

    // Inlined into the frame path: the payload state then stays in registers instead
    // of being stored piecewise and reloaded whole (a store-forwarding stall).
    #[inline(always)]
    fn payload<'b>(
        &mut self,
        mut p: PayloadState,
        input: &'b mut [u8],
        start: usize,
    ) -> Result<Received<'b>, Error> {
        let available = input.len().saturating_sub(start);
        let n = usize::try_from(p.remaining).map_or(available, |r| r.min(available));
        if n == 0 && p.remaining > 0 {
            self.recv = Recv::Payload(p);
            return Ok(Received {
                consumed: start,
                event: None,
            });
        }
        // In range (`n <= available`); `get` keeps a panic path out of the frame path.
        let chunk = input.get_mut(start..start + n).unwrap_or_default();
        if let Some(key) = p.mask {
            apply_mask(chunk, key, usize::from(p.phase));
        }
        // n <= remaining, so this cannot underflow; n % 4 fits in a u8.
        p.remaining -= n as u64;
        p.phase = ((usize::from(p.phase) + n) % 4) as u8;
        let end_of_frame = p.remaining == 0;
        let end_of_message = end_of_frame && p.fin;
        if p.kind == DataKind::Text && !p.compressed {
            // §8.1: fail as soon as the text can no longer be valid. Compressed text is
            // checked by the extension after inflating, with the same validator.
            if self.utf8.feed(chunk).is_err() || (end_of_message && !self.utf8.is_complete()) {
                return Err(self.fail(ProtocolError::InvalidUtf8));
            }
        }
        if end_of_frame {
            self.recv = Recv::Header;
            if p.fin {
                self.incoming = None;
                self.utf8.reset();
            }
        } else {
            self.recv = Recv::Payload(p);
        }
        Ok(Received {
            consumed: start + n,
            event: Some(Event::Data(Data {
                kind: p.kind,
                payload: chunk,
                end_of_frame,
                end_of_message,
                compressed: p.compressed,
            })),
        })
    }

    /// Control frames (§5.5) are delivered whole; they may sit between the fragments of
    /// a message (§5.4).
    fn control<'b>(
        &mut self,
        header: FrameHeader,
        header_len: usize,
        input: &'b mut [u8],
    ) -> Result<Received<'b>, Error> {
        // The decoder bounded control payloads to 125 bytes.
        let len = header.payload_len_usize().unwrap_or(usize::MAX);
        let total = header_len.saturating_add(len);
        let Some(frame) = input.get_mut(..total) else {
            return Ok(Received {
                consumed: 0,
                event: None,
            });
        };
        let payload = frame.get_mut(header_len..).unwrap_or_default();
        if let Some(key) = header.mask {
            apply_mask(payload, key, 0);
        }
        let payload: &'b [u8] = payload;
        let event = match header.opcode {
            OpCode::Ping => {
                if self.config.auto_pong && matches!(self.state, State::Open) {
                    let mut pong = heapless::Vec::new();
                    // At most 125 bytes, the capacity.
                    let _ = pong.extend_from_slice(payload);
                    self.pong = Some(pong);
                }
                Event::Ping(payload)
            }
            OpCode::Pong => Event::Pong(payload),
            _ => {
                let close = match CloseFrame::parse(payload) {
                    Ok(close) => close,
                    Err(e) => return Err(self.fail(e)),
                };
                self.state = match self.state {
                    // §5.5.1: reply with a close frame, echoing the status code.
                    State::Open => State::CloseOwed(close.code),
                    // Our close was answered: the closing handshake is complete.
                    _ => State::Closed,
                };
                Event::Close(close)
            }
        };
        Ok(Received {
            consumed: total,
            event: Some(event),
        })
    }

    // ----- handshake -----

    /// Server: accepts the request delivered by [`Event::Request`], writing the 101
    /// response into `out`. The connection is open afterwards.
    pub fn accept(
        &mut self,
        request: &server::Request<'_>,
        response: &server::Response<'_>,
        out: &mut [u8],
    ) -> Result<usize, HandshakeError> {
        if !matches!(self.state, State::AwaitDecision) {
            return Err(HandshakeError::InvalidArgument);
        }
        let n = response.write(request, out)?;
        self.state = State::Open;
        Ok(n)
    }

    /// Server: refuses the request delivered by [`Event::Request`] (e.g. 403 for an
    /// origin the application does not allow). The connection is closed afterwards.
    pub fn reject(
        &mut self,
        rejection: &server::Rejection<'_>,
        out: &mut [u8],
    ) -> Result<usize, HandshakeError> {
        if !matches!(self.state, State::AwaitDecision) {
            return Err(HandshakeError::InvalidArgument);
        }
        let n = rejection.write(out)?;
        self.state = State::Closed;
        Ok(n)
    }

    /// Client: writes the opening request into `out` and waits for the response.
    ///
    /// The subprotocols and the offered extensions' names are kept (up to 128 bytes
    /// together, with a comma between two names of one list) to check the server's
    /// choice; a longer offer is [`HandshakeError::InvalidArgument`].
    pub fn write_request(
        &mut self,
        request: &client::Request<'_>,
        out: &mut [u8],
    ) -> Result<usize, HandshakeError> {
        let (State::ClientStart, Some(ClientSide::Masking(keys))) = (&self.state, &self.client)
        else {
            return Err(HandshakeError::InvalidArgument);
        };
        let seed = keys.seed;
        let offer = StoredOffer::of(request).ok_or(HandshakeError::InvalidArgument)?;
        let n = request.write(out)?;
        self.client = Some(ClientSide::Offered(offer, seed));
        self.state = State::AwaitResponse;
        Ok(n)
    }

    // ----- sending -----

    /// Writes what the protocol owes the peer into `out`: a handshake rejection, a
    /// pong, the reply to a close, or the close frame failing the connection. Returns
    /// `None` when nothing is owed. 131 bytes of `out` fit any control frame.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Result<Option<usize>, SendError> {
        if let State::Rejecting(error) = self.state {
            let n = server::Rejection::for_error(error)
                .write(out)
                .map_err(|_| SendError::BufferTooSmall { needed: 256 })?;
            self.state = State::Closed;
            return Ok(Some(n));
        }
        if matches!(self.state, State::Open | State::CloseSent) {
            if let Some(pong) = self.pong.take() {
                let written = self.write_frame(OpCode::Pong, true, 0, &pong, out);
                if written.is_err() {
                    // Keep the obligation for a call with a larger buffer.
                    self.pong = Some(pong);
                }
                return written.map(Some);
            }
        }
        let close = match self.state {
            State::CloseOwed(code) => CloseFrame { code, reason: "" },
            State::Failing(code) => CloseFrame {
                code: Some(code),
                reason: "",
            },
            _ => return Ok(None),
        };
        let n = self.write_close(&close, out)?;
        self.state = State::Closed;
        self.pong = None;
        Ok(Some(n))
    }

    // Inlined into the data path (see `send_data`); its other callers are control frames.
    #[inline]
    fn write_frame(
        &mut self,
        opcode: OpCode,
        fin: bool,
        rsv: u8,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        let mut header = self.next_header(opcode, fin, 0);
        header.rsv = rsv;
        encode_frame(header, payload, out)
    }

    /// The header of this endpoint's next frame: a client's carries the next masking key
    /// (§5.3). Always inlined: as a call it makes the wasm module 0.2 KB larger.
    #[inline(always)]
    fn next_header(&mut self, opcode: OpCode, fin: bool, payload_len: u64) -> FrameHeader {
        let mut header = FrameHeader::new(opcode, fin, payload_len);
        header.mask = self.mask_key();
        header
    }

    /// A client's next masking key, `None` for a server.
    #[inline(always)]
    fn mask_key(&mut self) -> Option<[u8; 4]> {
        match &mut self.client {
            None => None,
            Some(ClientSide::Masking(keys)) => Some(keys.next_key(self.ops.refill_keys)),
            Some(ClientSide::Offered(..)) => self.first_mask_key(),
        }
    }

    /// Nothing is sent before the response (`SendError::Connecting`); were it, the keys
    /// would start from the seed all the same. Out of line: never taken.
    #[cold]
    #[inline(never)]
    fn first_mask_key(&mut self) -> Option<[u8; 4]> {
        let Some(ClientSide::Offered(_, seed)) = self.client else {
            return None;
        };
        let mut keys = MaskKeys::new(seed);
        let key = keys.next_key(self.ops.refill_keys);
        self.client = Some(ClientSide::Masking(keys));
        Some(key)
    }

    fn write_close(&mut self, close: &CloseFrame<'_>, out: &mut [u8]) -> Result<usize, SendError> {
        let mut payload = [0u8; MAX_CLOSE_PAYLOAD];
        let len = close.write(&mut payload)?;
        self.write_frame(
            OpCode::Close,
            true,
            0,
            payload.get(..len).unwrap_or_default(),
            out,
        )
    }

    fn check_open(&self) -> Result<(), SendError> {
        match self.ready_state() {
            ReadyState::Open => Ok(()),
            ReadyState::Connecting => Err(SendError::Connecting),
            _ => Err(SendError::NotOpen),
        }
    }

    /// Picks the opcode for the next frame of an outgoing message and checks the order
    /// of fragments (§5.4).
    fn data_opcode(&self, kind: DataKind) -> Result<OpCode, SendError> {
        self.check_open()?;
        match self.outgoing {
            None => Ok(kind.opcode()),
            Some(current) if current == kind => Ok(OpCode::Continuation),
            Some(_) => Err(SendError::FragmentOrder),
        }
    }

    fn after_data(&mut self, kind: DataKind, fin: bool) {
        self.outgoing = if fin { None } else { Some(kind) };
    }

    /// Writes a whole text message as one frame.
    // `send_text` and `send_binary` are inlined into the caller with the whole write path
    // (state checks, header, copy): as calls, a 14-byte frame took 6-8 ns, of which the
    // two nested calls, their stack-passed arguments and the results passed back through
    // memory were half; inlined, 4 ns.
    #[inline]
    pub fn send_text(&mut self, text: &str, out: &mut [u8]) -> Result<usize, SendError> {
        self.send_whole(DataKind::Text, text.as_bytes(), false, out)
    }

    /// Writes a whole binary message as one frame.
    #[inline]
    pub fn send_binary(&mut self, data: &[u8], out: &mut [u8]) -> Result<usize, SendError> {
        self.send_whole(DataKind::Binary, data, false, out)
    }

    /// A whole message as one frame; refused while a fragmented message is being sent.
    #[inline(always)]
    fn send_whole(
        &mut self,
        kind: DataKind,
        payload: &[u8],
        compressed: bool,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        if self.outgoing.is_some() {
            return Err(SendError::FragmentOrder);
        }
        self.send_data(kind, payload, true, compressed, out)
    }

    /// The one data-frame path: every `send_*` of a data frame comes here. Always
    /// inlined, so each of them is a single function with no call before the copy.
    #[inline(always)]
    fn send_data(
        &mut self,
        kind: DataKind,
        payload: &[u8],
        fin: bool,
        compressed: bool,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        if compressed && self.allowed_rsv & RSV1 == 0 {
            return Err(SendError::ExtensionNotNegotiated);
        }
        let opcode = self.data_opcode(kind)?;
        // RFC 7692 §6: RSV1 marks a compressed message on its first frame only.
        let rsv = if compressed && opcode != OpCode::Continuation {
            RSV1
        } else {
            0
        };
        let n = self.write_frame(opcode, fin, rsv, payload, out)?;
        self.after_data(kind, fin);
        Ok(n)
    }

    /// Writes one frame of a message that may span several (§5.4): the first call
    /// starts a message of `kind`, later calls continue it with the same `kind`, and
    /// `fin` ends it. Control frames may be sent in between.
    ///
    /// For text, the concatenation of all fragments must be UTF-8; a code point may be
    /// split between fragments.
    pub fn send_fragment(
        &mut self,
        kind: DataKind,
        payload: &[u8],
        fin: bool,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        self.send_data(kind, payload, fin, false, out)
    }

    /// Writes one frame of a message whose payload a negotiated extension transformed
    /// (permessage-deflate, RFC 7692 §6): the message's first frame carries RSV1, later
    /// frames do not. Fails with [`SendError::ExtensionNotNegotiated`] unless RSV1 is
    /// allowed on this connection ([`set_allowed_rsv`](Self::set_allowed_rsv)).
    pub fn send_compressed_fragment(
        &mut self,
        kind: DataKind,
        payload: &[u8],
        fin: bool,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        self.send_data(kind, payload, fin, true, out)
    }

    /// Writes a whole compressed message as one frame with RSV1 set (RFC 7692 §6).
    pub fn send_compressed(
        &mut self,
        kind: DataKind,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        self.send_whole(kind, payload, true, out)
    }

    /// Like [`send_fragment`](Self::send_fragment) for a payload already in place at
    /// `buf[payload_start..]`: the header goes into the spare bytes in front of it (leave
    /// [`MAX_HEADER_LEN`](crate::MAX_HEADER_LEN)), a client's payload is masked in place.
    /// Returns where the frame starts in `buf`; the frame runs to the end of `buf`.
    pub fn send_in_place(
        &mut self,
        kind: DataKind,
        fin: bool,
        buf: &mut [u8],
        payload_start: usize,
    ) -> Result<usize, SendError> {
        let opcode = self.data_opcode(kind)?;
        let header = self.next_header(opcode, fin, 0);
        let start = encode_in_front(header, buf, payload_start)?;
        self.after_data(kind, fin);
        Ok(start)
    }

    /// Like [`send_fragment`](Self::send_fragment) for a payload the caller sends
    /// itself right after the header (a vectored write, no copy of the payload): writes
    /// only the header of a frame of `payload_len` bytes into `out`
    /// ([`MAX_HEADER_LEN`](crate::MAX_HEADER_LEN) bytes always fit). Returns the header
    /// length and, for a client, the key the payload must be masked with before it is
    /// sent (§5.3: [`apply_mask`]`(payload, key, 0)`).
    ///
    /// ```
    /// use wsframe::{Config, Connection, DataKind};
    /// let mut server = Connection::server(Config::default()).with_handshake_done();
    /// let mut header = [0u8; wsframe::MAX_HEADER_LEN];
    /// let (n, key) = server.send_header(DataKind::Binary, true, 70_000, &mut header).unwrap();
    /// // A 64-bit length form; a server does not mask.
    /// assert_eq!(&header[..n], &[0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
    /// assert_eq!(key, None);
    /// ```
    pub fn send_header(
        &mut self,
        kind: DataKind,
        fin: bool,
        payload_len: u64,
        out: &mut [u8],
    ) -> Result<(usize, Option<[u8; 4]>), SendError> {
        let opcode = self.data_opcode(kind)?;
        let header = self.next_header(opcode, fin, payload_len);
        let n = header.encode(out)?;
        self.after_data(kind, fin);
        Ok((n, header.mask))
    }

    fn send_control(
        &mut self,
        opcode: OpCode,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        if !matches!(self.state, State::Open | State::CloseSent) {
            return Err(if self.ready_state() == ReadyState::Connecting {
                SendError::Connecting
            } else {
                SendError::NotOpen
            });
        }
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(SendError::ControlFrameTooLong);
        }
        self.write_frame(opcode, true, 0, payload, out)
    }

    /// Writes a ping (§5.5.2); at most 125 bytes of payload.
    pub fn send_ping(&mut self, payload: &[u8], out: &mut [u8]) -> Result<usize, SendError> {
        self.send_control(OpCode::Ping, payload, out)
    }

    /// Writes an unsolicited pong (§5.5.3: a unidirectional heartbeat).
    pub fn send_pong(&mut self, payload: &[u8], out: &mut [u8]) -> Result<usize, SendError> {
        self.send_control(OpCode::Pong, payload, out)
    }

    /// Starts the closing handshake (§7.1.2), or answers the peer's close with this code
    /// instead of the echo. `code` must be sendable (§7.4); `None` sends an empty close.
    pub fn send_close(
        &mut self,
        code: Option<CloseCode>,
        reason: &str,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        let next = match self.state {
            State::Open => State::CloseSent,
            State::CloseOwed(_) => State::Closed,
            State::AwaitRequest
            | State::AwaitDecision
            | State::ClientStart
            | State::AwaitResponse => return Err(SendError::Connecting),
            _ => return Err(SendError::NotOpen),
        };
        let n = self.write_close(&CloseFrame { code, reason }, out)?;
        self.state = next;
        self.outgoing = None;
        Ok(n)
    }

    /// Allows the RSV bits that a negotiated extension defines (e.g. [`RSV1`] for
    /// permessage-deflate, RFC 7692 §6), from the next frame on; none are allowed until
    /// then (§5.2). Call it when the handshake settles the extensions; this is the only
    /// way to allow them.
    ///
    /// ```
    /// use wsframe::{frame::RSV1, Config, Connection, DataKind, Error, ProtocolError};
    /// let mut conn = Connection::server(Config::default()).with_handshake_done();
    /// // A masked, empty binary frame with RSV1 set (a compressed message).
    /// let frame = *b"\xc2\x80\x00\x00\x00\x00";
    /// assert_eq!(
    ///     conn.receive(&mut frame.clone()).unwrap_err(),
    ///     Error::Protocol(ProtocolError::ReservedBits(RSV1))
    /// );
    /// let mut conn = Connection::server(Config::default()).with_handshake_done();
    /// conn.set_allowed_rsv(RSV1);
    /// let mut input = frame;
    /// let got = conn.receive(&mut input).unwrap();
    /// assert!(matches!(got.event, Some(wsframe::Event::Data(d)) if d.compressed));
    /// let mut out = [0u8; 8];
    /// let n = conn.send_compressed(DataKind::Binary, b"", &mut out).unwrap();
    /// assert_eq!(&out[..n], b"\xc2\x00");
    /// ```
    pub fn set_allowed_rsv(&mut self, rsv: u8) {
        self.allowed_rsv = rsv & 0b111;
    }

    /// Fails the connection for a reason found above the core, such as compressed data
    /// that does not inflate (1007) or inflates past the limit (1009): the close frame
    /// with `code` is owed through [`poll_transmit`](Self::poll_transmit) and no more
    /// input is accepted (§7.1.7). Does nothing once a close frame was received or the
    /// connection is closed. A code that may not be sent (§7.4) is refused with
    /// [`SendError::InvalidCloseCode`] and changes nothing.
    pub fn fail_with(&mut self, code: CloseCode) -> Result<(), SendError> {
        // §7.4: the owed close frame must carry a code that may be sent.
        if !code.is_sendable() {
            return Err(SendError::InvalidCloseCode(code.0));
        }
        self.incoming = None;
        self.recv = Recv::Header;
        match self.state {
            State::Open => self.state = State::Failing(code),
            State::CloseSent => self.state = State::Closed,
            _ => {}
        }
        Ok(())
    }

    /// Marks the connection closed, e.g. when the transport ended or a timeout expired.
    pub fn abort(&mut self) {
        self.state = State::Closed;
        self.pong = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_remaining_counts_down_over_pieces() {
        let mut conn = Connection::server(Config::default()).with_handshake_done();
        assert_eq!(conn.frame_remaining(), 0);
        // A masked (zero key) binary frame of 10 bytes, arriving as header + 4, then 6.
        let mut first = *b"\x82\x8a\x00\x00\x00\x00abcd";
        let got = conn.receive(&mut first).unwrap();
        assert!(
            matches!(got.event, Some(Event::Data(ref d)) if d.payload == b"abcd" && !d.end_of_frame)
        );
        assert_eq!(conn.frame_remaining(), 6);
        let mut rest = *b"efghij";
        let got = conn.receive(&mut rest).unwrap();
        assert!(
            matches!(got.event, Some(Event::Data(ref d)) if d.payload == b"efghij" && d.end_of_frame)
        );
        assert_eq!(conn.frame_remaining(), 0);
    }

    #[test]
    fn mask_keys_are_the_seeded_chacha12_stream() {
        use chacha20::rand_core::Rng as _;
        use chacha20::ChaCha12Rng;
        let seed: [u8; 32] = core::array::from_fn(|i| i as u8);
        let mut client = Connection::client(Config::default(), seed).with_handshake_done();
        let mut reference = ChaCha12Rng::from_seed(seed);
        let mut out = [0u8; 16];
        // Past several 16-key blocks, through every sending call that masks.
        for i in 0..150 {
            let key = match i % 3 {
                0 => {
                    client.send_binary(b"ab", &mut out).unwrap();
                    [out[2], out[3], out[4], out[5]]
                }
                1 => {
                    client.send_ping(b"", &mut out).unwrap();
                    [out[2], out[3], out[4], out[5]]
                }
                _ => {
                    let (_, key) = client
                        .send_header(DataKind::Text, true, 3, &mut out)
                        .unwrap();
                    key.unwrap()
                }
            };
            assert_eq!(key, reference.next_u32().to_le_bytes(), "frame {i}");
        }
        // Another seed, another stream.
        let mut other = Connection::client(Config::default(), [1; 32]).with_handshake_done();
        let (_, key) = other
            .send_header(DataKind::Text, true, 3, &mut out)
            .unwrap();
        let mut first = ChaCha12Rng::from_seed(seed);
        assert_ne!(key.unwrap(), first.next_u32().to_le_bytes());
        // A clone continues the same stream from the same place.
        let mut copy = client.clone();
        for _ in 0..70 {
            let (_, a) = client
                .send_header(DataKind::Text, true, 3, &mut out)
                .unwrap();
            let (_, b) = copy.send_header(DataKind::Text, true, 3, &mut out).unwrap();
            assert_eq!(a, b);
        }
    }

    #[test]
    fn fragment_count_does_not_overflow_without_a_limit() {
        let config = Config {
            max_fragments: u32::MAX,
            ..Config::default()
        };
        let mut conn = Connection::server(config).with_handshake_done();
        // An empty binary frame without FIN (masked with a zero key) starts a message.
        let mut first = *b"\x02\x80\x00\x00\x00\x00";
        assert!(conn.receive(&mut first).unwrap().event.is_some());
        // As if u32::MAX frames had arrived: one more must neither panic nor wrap.
        conn.incoming.as_mut().unwrap().fragments = u32::MAX;
        let mut more = *b"\x00\x80\x00\x00\x00\x00";
        let got = conn.receive(&mut more).unwrap();
        assert!(matches!(got.event, Some(Event::Data(_))));
        assert_eq!(conn.incoming.unwrap().fragments, u32::MAX);
    }

    #[test]
    fn the_stored_offer_keeps_protocols_and_extension_names() {
        use crate::handshake::client::Offer as _;
        let protocols = ["chat", "superchat"];
        let request = client::Request {
            protocols: &protocols,
            extensions: Some("permessage-deflate; client_max_window_bits, x-webkit"),
            ..client::Request::new("h", "/", [5; 16])
        };
        let offer = StoredOffer::of(&request).unwrap();
        assert_eq!(offer.expected_accept(), request.expected_accept());
        assert!(offer.offered_protocol("chat") && offer.offered_protocol("superchat"));
        assert!(!offer.offered_protocol("x-webkit") && !offer.offered_protocol("super"));
        assert!(offer.offered_extension("Permessage-Deflate"));
        assert!(offer.offered_extension("x-webkit"));
        // A parameter is not an extension, nor is a protocol.
        assert!(!offer.offered_extension("client_max_window_bits"));
        assert!(!offer.offered_extension("chat"));

        // Nothing offered: nothing may be chosen.
        let bare = StoredOffer::of(&client::Request::new("h", "/", [5; 16])).unwrap();
        assert!(!bare.offered_protocol("chat") && !bare.offered_extension("x"));

        // Names beyond the capacity are refused before anything is written.
        let long = [
            core::str::from_utf8(&[b'p'; OFFER_CAPACITY - 1]).unwrap(),
            "q",
        ];
        let too_long = client::Request {
            protocols: &long,
            ..client::Request::new("h", "/", [5; 16])
        };
        assert!(StoredOffer::of(&too_long).is_none());
        let fits = [long[0]];
        let request = client::Request {
            protocols: &fits,
            extensions: Some("xy"),
            ..client::Request::new("h", "/", [5; 16])
        };
        assert!(StoredOffer::of(&request).is_none());
        let request = client::Request {
            protocols: &fits,
            extensions: Some("x"),
            ..client::Request::new("h", "/", [5; 16])
        };
        assert!(StoredOffer::of(&request).unwrap().offered_extension("x"));
        let request = client::Request {
            protocols: &fits,
            ..client::Request::new("h", "/", [5; 16])
        };
        assert!(StoredOffer::of(&request).unwrap().offered_protocol(fits[0]));
        let mut client = Connection::client(Config::default(), [1; 32]);
        let mut out = [0u8; 512];
        assert_eq!(
            client.write_request(&too_long, &mut out),
            Err(HandshakeError::InvalidArgument)
        );
        assert_eq!(client.ready_state(), ReadyState::Connecting);
    }

    #[test]
    fn mask_keys_start_from_the_seed_after_the_handshake() {
        use chacha20::rand_core::Rng as _;
        use chacha20::ChaCha12Rng;
        let seed = [9; 32];
        let mut client = Connection::client(Config::default(), seed);
        let request = client::Request::new("h", "/", [5; 16]);
        let mut out = [0u8; 512];
        client.write_request(&request, &mut out).unwrap();
        // Waiting for the response: the offer holds the space, and nothing is sent.
        assert!(matches!(client.client, Some(ClientSide::Offered(..))));
        assert_eq!(
            client.send_binary(b"x", &mut out),
            Err(SendError::Connecting)
        );
        let mut response = [0u8; 256];
        let head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
            Connection: Upgrade\r\nSec-WebSocket-Accept: ";
        let accept = request.expected_accept();
        let n = head.len() + accept.len() + 4;
        response[..head.len()].copy_from_slice(head);
        response[head.len()..n - 4].copy_from_slice(&accept);
        response[n - 4..n].copy_from_slice(b"\r\n\r\n");
        let got = client.receive(&mut response[..n]).unwrap();
        assert!(matches!(got.event, Some(Event::Opened(_))));
        assert_eq!(client.ready_state(), ReadyState::Open);
        let mut reference = ChaCha12Rng::from_seed(seed);
        for _ in 0..20 {
            let (_, key) = client
                .send_header(DataKind::Binary, true, 1, &mut out)
                .unwrap();
            assert_eq!(key, Some(reference.next_u32().to_le_bytes()));
        }
    }
}
