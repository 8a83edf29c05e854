//! The read side: socket bytes into the core, whole messages out.
//!
//! Memory while idle is none on the heap: the socket is read into a buffer on the stack
//! of the `poll` call, so a connection waiting for its peer holds no read buffer at all.
//! An incomplete frame header or control frame at the end of a read (the core delivers
//! control frames whole, at most 131 bytes, and consumes data payloads as they come) is
//! kept on the heap until the next read, not inline: the stream stays small for the
//! many connections that have none. Bytes left after a message was delivered, before the next `poll`, are
//! kept on the heap exactly as long as they are unread.
//!
//! Large messages are read with as few reads as the peers make, without a buffer kept
//! while idle:
//! - Inside a large frame (its message at least [`DIRECT_MIN`] bytes by the header),
//!   the rest of the frame is read straight into the message, in one read when it is at
//!   most [`DIRECT_STEP`] (or the size already arrived), together with the next frame's
//!   header ([`MAX_HEADER_LEN`] bytes more), so a burst of large frames takes one read
//!   each. The frame's length was checked against the configured maximum before any of
//!   it was buffered (the core, §10.4), and the room reserved grows with what arrived.
//! - After a large message, the next read goes into a new buffer of that size (at most
//!   [`DIRECT_STEP`]) instead of the 16 KiB on the stack, and a large frame found at its
//!   start becomes the message where it lies: a peer that sends large messages one at
//!   a time gets one read per message. A read that would block drops the buffer.

use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};
use tokio_util::io::poll_read_buf;
use wsframe::{CloseCode, DataKind, Event, ReadyState, MAX_HEADER_LEN};

use crate::deflate;
use crate::message::{CloseFrame, Message, Utf8Bytes};
use crate::write::Inner;
use crate::{Error, StreamOptions};

/// Bytes read from the socket per `poll_read`, on the stack.
const READ_CHUNK: usize = 16 * 1024;
/// A frame whose message is at least this long by its header (the part arrived and the
/// frame's rest) is read straight into the message (`poll_read_payload`); a message this
/// long makes the next read go into a buffer of its size (`poll_read_fresh`). Half a
/// stack read: smaller messages cost little to copy, and many fit in one stack read.
const DIRECT_MIN: usize = READ_CHUNK / 2;
/// Bytes read at least per step straight into a large message (`poll_read_payload`),
/// and at most into a new buffer after one (`poll_read_fresh`): a 64 KiB message then
/// takes one read.
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
    /// Received bytes not yet given to the core: left after a delivered message, or
    /// read into a new buffer after a large one (`poll_read_fresh`).
    pending: BytesMut,
    pending_start: usize,
    /// The message being received.
    message: BytesMut,
    /// The inflated message being received, with permessage-deflate.
    inflated: Vec<u8>,
    /// The length of the last message when it was large (at least [`DIRECT_MIN`]),
    /// else 0: the size of the next read's buffer (`poll_read_fresh`).
    expect: usize,
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
            pending: BytesMut::from(&pending[..]),
            pending_start: 0,
            message: BytesMut::new(),
            inflated: Vec::new(),
            expect: 0,
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
                let (used, step) = self.process(inner, &mut pending[start..], true);
                let at = start + used;
                self.pending_start = 0;
                match step {
                    Processed::Step(step) => {
                        if at < pending.len() {
                            self.pending = pending;
                            self.pending_start = at;
                        }
                        return Poll::Ready(Some(deliver(inner, io_cx, step)));
                    }
                    Processed::Adopt {
                        from,
                        kind,
                        end_of_message,
                    } => {
                        // The piece `pending[start + from..at]` becomes the message where
                        // it lies; what follows it (at most the next frame's start) is
                        // copied, so the message does not keep it.
                        if at < pending.len() {
                            self.pending = BytesMut::from(&pending[at..]);
                        }
                        pending.truncate(at);
                        pending.advance(start + from);
                        self.message = pending;
                        if end_of_message {
                            let message = self.finish(kind);
                            return Poll::Ready(Some(deliver(inner, io_cx, Ok(message))));
                        }
                        continue;
                    }
                    Processed::NeedMore => {}
                }
                if let Err(e) = self.keep_partial(&pending[at..]) {
                    return Poll::Ready(Some(Err(e)));
                }
                continue;
            }
            let kept = self.partial.len();
            if kept == 0 {
                let direct = match self.poll_read_payload(inner, io_cx) {
                    Direct::NotInFrame => self.poll_read_fresh(inner, io_cx),
                    direct => direct,
                };
                match direct {
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
            let (used, step) = self.process(inner, input, false);
            if let Processed::Step(step) = step {
                if used < total {
                    self.pending = BytesMut::from(&input[used..total]);
                    self.pending_start = 0;
                }
                return Poll::Ready(Some(deliver(inner, io_cx, step)));
            }
            if let Err(e) = self.keep_partial(&input[used..total]) {
                return Poll::Ready(Some(Err(e)));
            }
        }
    }

    /// Inside a large uncompressed frame (see [`direct_want`]), reads its payload
    /// straight into the message, so it is copied once, socket to message, and with it
    /// the next frame's header when this frame ends within the read. Bytes past the
    /// frame's end wait in `pending` for the core.
    fn poll_read_payload<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        inner: &mut Inner<S>,
        io_cx: &mut Context<'_>,
    ) -> Direct {
        let arrived = self.message.len();
        if inner.compression.is_some() {
            return Direct::NotInFrame;
        }
        let Some(want) = direct_want(arrived, inner.conn.frame_remaining()) else {
            return Direct::NotInFrame;
        };
        self.message.reserve(want);
        let mut room = (&mut self.message).limit(want);
        let n = match poll_read_buf(Pin::new(&mut inner.io), io_cx, &mut room) {
            Poll::Ready(Ok(n)) if n > 0 => n,
            Poll::Pending if arrived == 0 => {
                // Nothing of the message arrived: a header alone allocates nothing
                // while the payload is awaited.
                self.message = BytesMut::new();
                return Direct::Done(Poll::Pending);
            }
            polled => return self.read_failed(inner, polled),
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
            // delivers all of it up to the frame's end: the message now ends with
            // these `used` bytes.
            Ok(got) => match got.event {
                Some(Event::Data(data)) if data.payload.len() == got.consumed => {
                    let (used, kind, end) = (got.consumed, data.kind, data.end_of_message);
                    if used < n {
                        self.pending = BytesMut::from(&self.message[arrived + used..arrived + n]);
                        self.pending_start = 0;
                    }
                    self.message.truncate(arrived + used);
                    if !end {
                        return Direct::More;
                    }
                    Ok(self.finish(kind))
                }
                _ => {
                    self.done = true;
                    Err(Error::Io(io::Error::other("payload not delivered whole")))
                }
            },
        };
        Direct::Done(Poll::Ready(Some(deliver(inner, io_cx, step))))
    }

    /// Between messages, after a large one: reads into a new buffer of its size (at most
    /// [`DIRECT_STEP`], and the next frame's header beside) instead of the stack, so a
    /// whole large message arrives in one read and becomes the message where it lies
    /// (`Processed::Adopt`). The buffer is dropped when the read would block: a waiting
    /// connection holds none.
    fn poll_read_fresh<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        inner: &mut Inner<S>,
        io_cx: &mut Context<'_>,
    ) -> Direct {
        if self.expect == 0
            || !self.message.is_empty()
            || inner.conn.frame_remaining() != 0
            || inner.compression.is_some()
        {
            return Direct::NotInFrame;
        }
        let mut fresh = BytesMut::with_capacity(self.expect.min(DIRECT_STEP) + 2 * MAX_HEADER_LEN);
        match poll_read_buf(Pin::new(&mut inner.io), io_cx, &mut fresh) {
            Poll::Ready(Ok(n)) if n > 0 => {}
            polled => return self.read_failed(inner, polled),
        }
        self.timers.received(&inner.options);
        self.pending = fresh;
        self.pending_start = 0;
        Direct::More
    }

    /// What a read straight into a buffer that gave no bytes returns: waiting, or the
    /// end of the stream with the socket's error (0 bytes: the peer reset it).
    fn read_failed<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        inner: &mut Inner<S>,
        polled: Poll<io::Result<usize>>,
    ) -> Direct {
        let e = match polled {
            Poll::Pending => return Direct::Done(Poll::Pending),
            Poll::Ready(Err(e)) => e.into(),
            Poll::Ready(Ok(_)) => Error::ConnectionReset,
        };
        inner.conn.abort();
        self.done = true;
        Direct::Done(Poll::Ready(Some(Err(e))))
    }

    /// The whole received message of `kind` (in `message`); a large one sizes the next
    /// read (`poll_read_fresh`).
    fn finish(&mut self, kind: DataKind) -> Message {
        let payload = std::mem::take(&mut self.message).freeze();
        self.expect = if payload.len() >= DIRECT_MIN {
            payload.len()
        } else {
            0
        };
        data_message(kind, payload)
    }

    /// Before `piece` bytes of an uncompressed frame join the message: when the rest of
    /// the frame will be read straight into it (`poll_read_payload`), makes the room that
    /// read would make now, so the message is not grown (and copied) again there.
    fn reserve_for_frame<S>(&mut self, inner: &Inner<S>, piece: usize) {
        let arrived = self.message.len() + piece;
        if let Some(ahead) = direct_want(arrived, inner.conn.frame_remaining()) {
            self.message.reserve(piece + ahead);
        }
    }

    /// Keeps what the core could not use yet (an incomplete header or control frame).
    fn keep_partial(&mut self, rest: &[u8]) -> Result<(), Error> {
        // The heap copy is no longer needed: idle connections hold no read buffer.
        self.pending = BytesMut::new();
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
    /// and what came of them. With `adopt` (the caller owns `input` and can make part of
    /// it the message), the first piece of a large frame of an uncompressed message is
    /// not copied but handed back where it lies.
    fn process<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        inner: &mut Inner<S>,
        input: &mut [u8],
        adopt: bool,
    ) -> (usize, Processed) {
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
                    return (pos, Processed::Step(Err(e.into())));
                }
            };
            pos += got.consumed;
            let message = match got.event {
                None => return (pos, Processed::NeedMore),
                Some(Event::Data(data)) => {
                    if data.compressed {
                        let Some(compression) = inner.compression.as_deref_mut() else {
                            // The core delivers compressed data only once RSV1 is
                            // allowed, after negotiation.
                            self.done = true;
                            return (pos, Processed::Step(Err(Error::Closed)));
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
                            return (pos, Processed::Step(Err(e)));
                        }
                        if !data.end_of_message {
                            continue;
                        }
                        data_message(data.kind, Bytes::from(std::mem::take(&mut self.inflated)))
                    } else {
                        let piece = data.payload.len();
                        if adopt
                            && self.message.is_empty()
                            && large(piece, inner.conn.frame_remaining())
                        {
                            let adopted = Processed::Adopt {
                                from: pos - piece,
                                kind: data.kind,
                                end_of_message: data.end_of_message,
                            };
                            return (pos, adopted);
                        }
                        self.reserve_for_frame(inner, piece);
                        self.message.extend_from_slice(data.payload);
                        if !data.end_of_message {
                            continue;
                        }
                        self.finish(data.kind)
                    }
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
                    return (pos, Processed::Step(Err(Error::Closed)));
                }
            };
            // A pong or close reply may be owed now.
            inner.queue_owed();
            return (pos, Processed::Step(Ok(message)));
        }
    }
}

/// What the core made of some input (`ReadState::process`).
enum Processed {
    /// The input is used up (or ends in an incomplete frame header or control frame).
    NeedMore,
    /// A message or an error for the caller.
    Step(Result<Message, Error>),
    /// The first piece of a large frame starting a message, uncopied: the input from
    /// `from` to the bytes used.
    Adopt {
        from: usize,
        kind: DataKind,
        end_of_message: bool,
    },
}

/// Bytes to read straight into the message inside a data frame with `remaining` bytes
/// to come, of a message of which `arrived` bytes arrived: `None` when the message is
/// small (under [`DIRECT_MIN`] by the header) or between frames; else the rest of the
/// frame and the next frame's header, or a step of [`DIRECT_STEP`] (at least the size
/// already arrived) when the frame is longer. The room reserved so grows with what
/// arrived, never to more than twice it from a length announced in a header.
fn direct_want(arrived: usize, remaining: u64) -> Option<usize> {
    if remaining == 0 || !large(arrived, remaining) {
        return None;
    }
    let step = arrived.max(DIRECT_STEP);
    // At most a usize: the rest of the frame is below `step` here.
    Some(match usize::try_from(remaining) {
        Ok(rest) if rest <= step => rest + MAX_HEADER_LEN,
        _ => step,
    })
}

/// Whether a message of which `arrived` bytes arrived and `remaining` more of the
/// current frame are announced is large: at least [`DIRECT_MIN`].
fn large(arrived: usize, remaining: u64) -> bool {
    u64::try_from(arrived).map_or(true, |a| a.saturating_add(remaining) >= DIRECT_MIN as u64)
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
