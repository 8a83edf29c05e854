//! The read side: socket bytes into the core, whole messages out.
//!
//! Memory while idle is none on the heap: the socket is read into a buffer on the stack
//! of the `poll` call, so a connection waiting for its peer holds no read buffer at all.
//! An incomplete frame header or control frame at the end of a read (the core delivers
//! control frames whole, at most 131 bytes, and consumes data payloads as they come) is
//! kept on the heap until the next read, not inline: the stream stays small for the
//! many connections that have none. Bytes left after a message was delivered, before the next `poll`, are
//! kept on the heap exactly as long as they are unread. A message grows with the bytes
//! that arrive: nothing is allocated from a length announced in a header.

use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};
use tokio_util::io::poll_read_buf;
use wsframe::{CloseCode, DataKind, Event, ReadyState};

use crate::deflate;
use crate::message::{CloseFrame, Message, Utf8Bytes};
use crate::write::Inner;
use crate::{Error, StreamOptions};

/// Bytes read from the socket per `poll_read`, on the stack.
const READ_CHUNK: usize = 16 * 1024;
/// Once this much of a message arrived, the rest of its frame is read straight into it
/// (`poll_read_payload`). Half a stack read: a full one less the frame header (16,370
/// bytes of a 64 KiB frame) must qualify, or the frame is read in 16 KiB steps.
const DIRECT_MIN: usize = READ_CHUNK / 2;
/// Bytes read at least per step straight into a large message (`poll_read_payload`):
/// a 64 KiB message then takes two reads, not five.
const DIRECT_STEP: usize = 64 * 1024;
/// Bound on an incomplete frame header (14 bytes) or control frame (131 bytes) kept
/// between reads.
const PARTIAL: usize = 256;

/// The state of the read side.
#[derive(Debug)]
pub(crate) struct ReadState {
    /// An incomplete frame header or control frame, at most `PARTIAL` bytes; empty
    /// (unallocated) otherwise.
    partial: Vec<u8>,
    /// Received bytes after a delivered message, not yet given to the core.
    pending: Vec<u8>,
    pending_start: usize,
    /// The message being received.
    message: BytesMut,
    /// The inflated message being received, with permessage-deflate.
    inflated: Vec<u8>,
    /// The stream has ended (closing handshake over, or an error); `None` is next.
    done: bool,
    timers: Timers,
}

impl ReadState {
    /// The timers' settings changed ([`WebSocketStream::with_options`]): silence is
    /// counted from now.
    ///
    /// [`WebSocketStream::with_options`]: crate::WebSocketStream::with_options
    pub(crate) fn restart_timers(&mut self) {
        self.timers.last_received = Instant::now();
    }

    pub(crate) fn new(pending: Vec<u8>) -> Self {
        Self {
            partial: Vec::new(),
            pending,
            pending_start: 0,
            message: BytesMut::new(),
            inflated: Vec::new(),
            done: false,
            timers: Timers::new(),
        }
    }

    /// The next message, driving owed frames to the socket and the timers on the way.
    pub(crate) fn poll_next<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        inner: &mut Inner<S>,
        io_cx: &mut Context<'_>,
        timer_cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Message, Error>>> {
        loop {
            if self.done {
                // Say goodbye: owed frames out, then the write side down. A failing
                // socket has nothing more to say.
                return match inner.poll_shutdown(io_cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(_) => Poll::Ready(None),
                };
            }
            if let Poll::Ready(e) = self.timers.poll(inner, timer_cx) {
                self.done = inner.conn.ready_state() == ReadyState::Closed;
                return Poll::Ready(Some(deliver(inner, io_cx, Err(e))));
            }
            // Owed frames (and a keepalive ping) go out whether or not the write side
            // is busy; a socket that would block keeps them buffered and wakes this
            // side when writable. Data frames alone wait for the sink's flush (or its
            // full buffer), so a burst of sends leaves in one write, not one each.
            inner.queue_owed();
            if inner.owes() {
                if let Poll::Ready(Err(e)) = inner.poll_write_out(io_cx) {
                    inner.conn.abort();
                    self.done = true;
                    return Poll::Ready(Some(Err(e.into())));
                }
            }
            if inner.conn.ready_state() == ReadyState::Closed {
                self.done = true;
                continue;
            }
            if self.pending_start < self.pending.len() {
                let mut pending = std::mem::take(&mut self.pending);
                let start = self.pending_start;
                let (used, step) = self.process(inner, &mut pending[start..]);
                let at = start + used;
                if let Some(step) = step {
                    if at < pending.len() {
                        self.pending = pending;
                        self.pending_start = at;
                    } else {
                        self.pending_start = 0;
                    }
                    return Poll::Ready(Some(deliver(inner, io_cx, step)));
                }
                self.pending_start = 0;
                if let Err(e) = self.keep_partial(&pending[at..]) {
                    return Poll::Ready(Some(Err(e)));
                }
                continue;
            }
            let kept = self.partial.len();
            if kept == 0 {
                match self.poll_read_payload(inner, io_cx) {
                    Direct::NotInFrame => {}
                    Direct::More => continue,
                    Direct::Done(step) => return step,
                }
            }
            // Not zero-filled: `ReadBuf` tracks which bytes the socket wrote.
            let mut chunk = [MaybeUninit::<u8>::uninit(); READ_CHUNK];
            let mut buf = ReadBuf::uninit(&mut chunk);
            buf.put_slice(&self.partial);
            match Pin::new(&mut inner.io).poll_read(io_cx, &mut buf) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => {
                    inner.conn.abort();
                    self.done = true;
                    return Poll::Ready(Some(Err(e.into())));
                }
                Poll::Ready(Ok(())) => {}
            }
            let total = buf.filled().len();
            if total == kept {
                inner.conn.abort();
                self.done = true;
                return Poll::Ready(Some(Err(Error::ConnectionReset)));
            }
            self.timers.received(&inner.options);
            self.partial = Vec::new();
            let input = buf.filled_mut();
            let (used, step) = self.process(inner, input);
            if let Some(step) = step {
                if used < total {
                    self.pending = input[used..total].to_vec();
                    self.pending_start = 0;
                }
                return Poll::Ready(Some(deliver(inner, io_cx, step)));
            }
            if let Err(e) = self.keep_partial(&input[used..total]) {
                return Poll::Ready(Some(Err(e)));
            }
        }
    }

    /// Inside a large uncompressed frame (at least `DIRECT_MIN` bytes of its message
    /// arrived), reads its payload straight into the message, so it is copied once,
    /// socket to message, in steps of `DIRECT_STEP` or as large as the message already
    /// is. The read stops at the frame's end, so every byte read is this frame's
    /// payload, and it reserves at most one step past what has arrived: memory grows
    /// with what the peer sent, never with a length announced in a header.
    fn poll_read_payload<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        inner: &mut Inner<S>,
        io_cx: &mut Context<'_>,
    ) -> Direct {
        let arrived = self.message.len();
        let remaining = inner.conn.frame_remaining();
        if arrived < DIRECT_MIN || remaining == 0 || inner.compression.is_some() {
            return Direct::NotInFrame;
        }
        // At most a usize, so the u64 fits.
        let want = remaining.min(arrived.max(DIRECT_STEP) as u64) as usize;
        self.message.reserve(want);
        let mut room = (&mut self.message).limit(want);
        let n = match poll_read_buf(Pin::new(&mut inner.io), io_cx, &mut room) {
            Poll::Pending => return Direct::Done(Poll::Pending),
            Poll::Ready(Err(e)) => {
                inner.conn.abort();
                self.done = true;
                return Direct::Done(Poll::Ready(Some(Err(e.into()))));
            }
            Poll::Ready(Ok(0)) => {
                inner.conn.abort();
                self.done = true;
                return Direct::Done(Poll::Ready(Some(Err(Error::ConnectionReset))));
            }
            Poll::Ready(Ok(n)) => n,
        };
        self.timers.received(&inner.options);
        let got = inner.conn.receive(&mut self.message[arrived..arrived + n]);
        let step = match got {
            Err(e) => {
                self.message = BytesMut::new();
                self.done = true;
                inner.queue_owed();
                Err(e.into())
            }
            // The core unmasks and checks the payload in place and, inside a frame,
            // delivers all of it: the message now ends with these `n` bytes.
            Ok(got) => match got.event {
                Some(Event::Data(data)) if got.consumed == n && data.payload.len() == n => {
                    if !data.end_of_message {
                        return Direct::More;
                    }
                    let kind = data.kind;
                    Ok(data_message(
                        kind,
                        std::mem::take(&mut self.message).freeze(),
                    ))
                }
                _ => {
                    self.done = true;
                    Err(Error::Io(io::Error::other("payload not delivered whole")))
                }
            },
        };
        Direct::Done(Poll::Ready(Some(deliver(inner, io_cx, step))))
    }

    /// Before `piece` bytes of an uncompressed frame join the message: when the rest of
    /// the frame will be read straight into it (`poll_read_payload`), makes the room that
    /// read would make now, so the message is not grown (and copied) again there.
    fn reserve_for_frame<S>(&mut self, inner: &Inner<S>, piece: usize) {
        let arrived = self.message.len() + piece;
        let remaining = inner.conn.frame_remaining();
        if arrived >= DIRECT_MIN && remaining > 0 {
            // At most a usize, so the u64 fits.
            let ahead = remaining.min(arrived.max(DIRECT_STEP) as u64) as usize;
            self.message.reserve(piece + ahead);
        }
    }

    /// Keeps what the core could not use yet (an incomplete header or control frame).
    fn keep_partial(&mut self, rest: &[u8]) -> Result<(), Error> {
        // The heap copy is no longer needed: idle connections hold no read buffer.
        self.pending = Vec::new();
        if rest.len() > PARTIAL {
            // The core consumes data as it comes and control frames are at most 131
            // bytes, so this would be a broken invariant, not a peer's doing.
            self.done = true;
            return Err(Error::Io(io::Error::other(
                "unconsumed input over 256 bytes",
            )));
        }
        self.partial = rest.to_vec();
        Ok(())
    }

    /// Gives `input` to the core until a message is complete; returns the bytes used
    /// and the message or error, or `None` when the core needs more input.
    fn process<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        inner: &mut Inner<S>,
        input: &mut [u8],
    ) -> (usize, Option<Result<Message, Error>>) {
        let mut pos = 0;
        loop {
            let got = match inner.conn.receive(&mut input[pos..]) {
                Ok(got) => got,
                Err(e) => {
                    // A protocol error leaves the failing close frame owed; `done`
                    // sends it and ends the stream.
                    self.message = BytesMut::new();
                    self.done = true;
                    inner.queue_owed();
                    return (pos, Some(Err(e.into())));
                }
            };
            pos += got.consumed;
            let message = match got.event {
                None => return (pos, None),
                Some(Event::Data(data)) => {
                    let payload = if data.compressed {
                        let Some(compression) = inner.compression.as_deref_mut() else {
                            // The core delivers compressed data only once RSV1 is
                            // allowed, after negotiation.
                            self.done = true;
                            return (pos, Some(Err(Error::Closed)));
                        };
                        let limit = inner.conn.config().max_message_len;
                        let inflated = deflate::inflate(
                            compression,
                            data.kind,
                            data.payload,
                            data.end_of_message,
                            limit,
                            &mut self.inflated,
                        );
                        if let Err((e, code)) = inflated {
                            self.inflated = Vec::new();
                            self.done = true;
                            // 1002, 1007 and 1009 are all sendable: not refused.
                            let _ = inner.conn.fail_with(code);
                            inner.queue_owed();
                            return (pos, Some(Err(e)));
                        }
                        if !data.end_of_message {
                            continue;
                        }
                        Bytes::from(std::mem::take(&mut self.inflated))
                    } else {
                        self.reserve_for_frame(inner, data.payload.len());
                        self.message.extend_from_slice(data.payload);
                        if !data.end_of_message {
                            continue;
                        }
                        std::mem::take(&mut self.message).freeze()
                    };
                    data_message(data.kind, payload)
                }
                Some(Event::Ping(payload)) => Message::Ping(Bytes::copy_from_slice(payload)),
                Some(Event::Pong(payload)) => {
                    self.timers.ponged();
                    Message::Pong(Bytes::copy_from_slice(payload))
                }
                Some(Event::Close(close)) => Message::Close(close.code.map(|code| CloseFrame {
                    code,
                    reason: close.reason.into(),
                })),
                Some(Event::Request(_) | Event::Opened(_)) => {
                    self.done = true;
                    return (pos, Some(Err(Error::Closed)));
                }
            };
            // A pong or close reply may be owed now.
            inner.queue_owed();
            return (pos, Some(Ok(message)));
        }
    }
}

/// What a read straight into the message did.
enum Direct {
    /// No large frame in progress: read into the stack buffer instead.
    NotInFrame,
    /// Payload read; the message is not complete.
    More,
    /// What `poll_next` returns.
    Done(Poll<Option<Result<Message, Error>>>),
}

/// A whole received message of `kind`.
fn data_message(kind: DataKind, payload: Bytes) -> Message {
    match kind {
        DataKind::Binary => Message::Binary(payload),
        // The core validated every piece and the end of the text (§8.1); inflated
        // text, the core's validator after inflating.
        DataKind::Text => Message::Text(Utf8Bytes::from_validated(payload)),
    }
}

/// Returns `step` after starting to write what it left owed (a pong, the close reply or
/// the failing close), so the peer gets it without waiting for the next poll. A socket
/// that would block keeps it buffered; a failed one shows at the next poll.
fn deliver<S: AsyncRead + AsyncWrite + Unpin>(
    inner: &mut Inner<S>,
    io_cx: &mut Context<'_>,
    step: Result<Message, Error>,
) -> Result<Message, Error> {
    if inner.owes() {
        let _ = inner.poll_flush(io_cx);
    }
    step
}

/// The clock of one connection: keepalive, idle and close-handshake deadlines, with one
/// `Sleep` (allocated the first time a deadline is armed) for the nearest.
#[derive(Debug)]
struct Timers {
    sleep: Option<Pin<Box<Sleep>>>,
    last_received: Instant,
    /// When the keepalive ping went out, while its pong is awaited.
    ping_sent: Option<Instant>,
    /// When this side's close frame was seen sent.
    closing_since: Option<Instant>,
}

impl Timers {
    fn new() -> Self {
        Self {
            sleep: None,
            last_received: Instant::now(),
            ping_sent: None,
            closing_since: None,
        }
    }

    /// Bytes arrived. The time is read only when a timer counts from it: a clock read
    /// per message was 3–4% of a small echo's server time.
    fn received(&mut self, options: &StreamOptions) {
        if options.idle_timeout.is_some() || options.keepalive.is_some() {
            self.last_received = Instant::now();
        }
    }

    fn ponged(&mut self) {
        self.ping_sent = None;
    }

    /// Acts on every deadline that has passed; `Ready` with the error that ends the
    /// connection, else arms the sleep for the nearest deadline.
    fn poll<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        inner: &mut Inner<S>,
        cx: &mut Context<'_>,
    ) -> Poll<Error> {
        let options = inner.options;
        let state = inner.conn.ready_state();
        let counting = match state {
            ReadyState::Closing => options.close_timeout.is_some(),
            ReadyState::Open => options.idle_timeout.is_some() || options.keepalive.is_some(),
            _ => false,
        };
        if !counting {
            // No deadline applies: no clock read (none is armed that this poll would
            // change either).
            return Poll::Pending;
        }
        loop {
            let now = Instant::now();
            let mut next: Option<Instant> = None;
            let mut arm = |deadline: Instant| {
                next = Some(next.map_or(deadline, |n| n.min(deadline)));
            };
            if inner.conn.ready_state() == ReadyState::Closing {
                let since = *self.closing_since.get_or_insert(now);
                if let Some(limit) = options.close_timeout {
                    if now >= since + limit {
                        inner.conn.abort();
                        return Poll::Ready(Error::CloseTimeout);
                    }
                    arm(since + limit);
                }
            }
            if inner.conn.ready_state() == ReadyState::Open {
                if let Some(idle) = options.idle_timeout {
                    if now >= self.last_received + idle {
                        // 1001: this endpoint is going away from a silent peer.
                        let _ = inner.conn.fail_with(CloseCode::GOING_AWAY);
                        inner.queue_owed();
                        return Poll::Ready(Error::IdleTimeout);
                    }
                    arm(self.last_received + idle);
                }
                if let Some(keepalive) = options.keepalive {
                    match self.ping_sent {
                        Some(sent) if now >= sent + keepalive.timeout => {
                            let _ = inner.conn.fail_with(CloseCode::INTERNAL_ERROR);
                            inner.queue_owed();
                            return Poll::Ready(Error::KeepaliveTimeout);
                        }
                        Some(sent) => arm(sent + keepalive.timeout),
                        None if now >= self.last_received + keepalive.interval => {
                            // Ignored when the socket is gone; the read then fails.
                            if inner.encode(&Message::Ping(Bytes::new())).is_ok() {
                                inner.mark_owed();
                                self.ping_sent = Some(now);
                                arm(now + keepalive.timeout);
                            }
                        }
                        None => arm(self.last_received + keepalive.interval),
                    }
                }
            }
            let Some(deadline) = next else {
                return Poll::Pending;
            };
            let sleep = match &mut self.sleep {
                Some(sleep) => {
                    if sleep.deadline() != deadline {
                        sleep.as_mut().reset(deadline);
                    }
                    sleep
                }
                None => self
                    .sleep
                    .insert(Box::pin(tokio::time::sleep_until(deadline))),
            };
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}
