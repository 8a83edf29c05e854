//! The write side: the core, the socket and one bounded buffer of encoded frames.
//!
//! Only whole frames enter the buffer, so an owed control frame (a pong, the close
//! reply) can always be appended between two data frames (§5.4 allows control frames
//! inside a fragmented message). At most one owed frame sits in the buffer at a time;
//! the core keeps at most one more (the pong of the latest ping, §5.5.3), so a peer that
//! pings faster than this side can write cannot grow memory.
//!
//! A server's large data frame is not copied: its header ends the buffer and its
//! payload (the message's own `Bytes`) follows as the buffer's tail, and both leave in
//! one vectored write. Anything encoded after it first moves the tail into the buffer,
//! so frames keep their order.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite};
use wsframe::{Connection, DataKind, ReadyState, Role, MAX_HEADER_LEN};

use crate::deflate::{self, Compression};
use crate::message::Message;
use crate::{Error, StreamOptions};

/// Room for any control frame the core owes (at most 131 bytes).
const OWED_CAPACITY: usize = 256;
/// A drained buffer keeps this much capacity; a larger one (after a large message) is
/// given back.
const KEEP_CAPACITY: usize = 4096;
/// A server's data payload from this size on is written from the message itself
/// (vectored, after its header) instead of being copied into the buffer: at 64 KiB the
/// copy and the buffer's growth cost more than the second slice of the write.
const TAIL_MIN: usize = 16 * 1024;

/// The core, the socket and the frames waiting for it. Everything that encodes or
/// writes a frame, for either the read or the write side, goes through here.
#[derive(Debug)]
pub(crate) struct Inner<S> {
    pub(crate) io: S,
    pub(crate) conn: Connection,
    pub(crate) options: StreamOptions,
    /// Encoded frames; `out[written..]` is not on the socket yet.
    out: Vec<u8>,
    written: usize,
    /// The payload of the frame whose header ends `out`, not copied (a server's large
    /// data frame); what of it is not on the socket yet. Empty when none.
    tail: Bytes,
    /// End of the last frame the read side sends by itself (an owed pong or close
    /// reply, a keepalive ping) still in `out`, 0 when none: reading writes out up to
    /// here, and leaves the data frames after it for the sink's flush.
    owed_end: usize,
    /// The write side of the socket was shut down.
    shut_down: bool,
    /// permessage-deflate, when agreed: inflates for the read side, deflates here.
    pub(crate) compression: Option<Box<Compression>>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Inner<S> {
    pub(crate) fn new(
        io: S,
        conn: Connection,
        options: StreamOptions,
        compression: Option<Box<Compression>>,
    ) -> Self {
        Self {
            compression,
            io,
            conn,
            options,
            out: Vec::new(),
            written: 0,
            tail: Bytes::new(),
            owed_end: 0,
            shut_down: false,
        }
    }

    /// Bytes waiting for the socket.
    pub(crate) fn buffered(&self) -> usize {
        self.out.len() - self.written + self.tail.len()
    }

    /// Moves the tail into the buffer, before anything is appended after it.
    fn settle_tail(&mut self) {
        if !self.tail.is_empty() {
            self.out.extend_from_slice(&self.tail);
            self.tail = Bytes::new();
        }
    }

    /// Whether a frame the read side sends by itself is waiting, in the buffer or in the
    /// core: then reading writes the buffer out, else data frames wait for a flush.
    pub(crate) fn owes(&self) -> bool {
        self.owed_end > self.written || self.conn.wants_transmit()
    }

    /// Marks everything buffered as owed (the keepalive ping just encoded).
    pub(crate) fn mark_owed(&mut self) {
        self.owed_end = self.out.len();
    }

    /// Moves what the core owes the peer into the buffer, unless an owed frame is still
    /// waiting there (then the core keeps it, replacing an older pong with a newer one).
    pub(crate) fn queue_owed(&mut self) {
        if self.owed_end > self.written {
            return;
        }
        let mut frame = [0u8; OWED_CAPACITY];
        // The buffer fits every control frame, so this cannot fail.
        if let Ok(Some(n)) = self.conn.poll_transmit(&mut frame) {
            self.settle_tail();
            self.out.extend_from_slice(&frame[..n]);
            self.owed_end = self.out.len();
        }
    }

    /// Writes buffered frames until the socket would block or the buffer is empty.
    pub(crate) fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            self.queue_owed();
            let head = &self.out[self.written..];
            if head.is_empty() && self.tail.is_empty() {
                self.out.clear();
                self.written = 0;
                self.owed_end = 0;
                if self.out.capacity() > KEEP_CAPACITY {
                    self.out = Vec::new();
                }
                return Poll::Ready(Ok(()));
            }
            let io = Pin::new(&mut self.io);
            let n = ready!(if self.tail.is_empty() {
                io.poll_write(cx, head)
            } else {
                io.poll_write_vectored(cx, &[io::IoSlice::new(head), io::IoSlice::new(&self.tail)])
            })?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            let from_head = n.min(head.len());
            self.written += from_head;
            self.tail.advance(n - from_head);
        }
    }

    /// Writes everything buffered and flushes the socket.
    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_write_out(cx))?;
        Pin::new(&mut self.io).poll_flush(cx)
    }

    /// Writes everything buffered, then shuts the socket's write side down once.
    pub(crate) fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_flush(cx))?;
        if !self.shut_down {
            ready!(Pin::new(&mut self.io).poll_shutdown(cx))?;
            self.shut_down = true;
        }
        Poll::Ready(Ok(()))
    }

    /// Backpressure: ready when the buffer is below its bound, writing to get there.
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if self.conn.ready_state() == ReadyState::Closed {
            return Poll::Ready(Err(Error::Closed));
        }
        // With a bound of 0 every message waits for the previous one to be written.
        let full =
            |inner: &Self| inner.buffered() > 0 && inner.buffered() >= inner.options.write_buffer;
        if full(self) {
            // Errors surface here: the socket is gone.
            if let Poll::Ready(Err(e)) = self.poll_write_out(cx) {
                return Poll::Ready(Err(e.into()));
            }
            // Still full: `poll_write_out` returned `Pending` and registered the waker.
            if full(self) {
                return Poll::Pending;
            }
        }
        // Reclaim the written front before appending more.
        if self.written > 0 && self.written >= self.out.len() / 2 {
            self.out.drain(..self.written);
            self.owed_end = self.owed_end.saturating_sub(self.written);
            self.written = 0;
        }
        Poll::Ready(Ok(()))
    }

    /// Starts the closing handshake with 1000 unless a close was sent or received,
    /// then writes everything buffered.
    pub(crate) fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if self.conn.ready_state() == ReadyState::Open {
            self.encode(&Message::close(wsframe::CloseCode::NORMAL, ""))?;
        }
        self.poll_flush(cx).map_err(Error::from)
    }

    /// Encodes a message into the buffer through the core, compressed when
    /// permessage-deflate is agreed and the message is long enough to gain.
    pub(crate) fn encode(&mut self, message: &Message) -> Result<(), Error> {
        self.settle_tail();
        if let Some(compression) = self.compression.as_deref_mut() {
            let data = match message {
                Message::Text(t) => Some((DataKind::Text, t.as_bytes())),
                Message::Binary(b) => Some((DataKind::Binary, &b[..])),
                _ => None,
            };
            if let Some((kind, payload)) = data {
                if let Some(compressed) = deflate::compress(compression, payload)? {
                    let start = self.out.len();
                    self.out
                        .resize(start + compressed.len() + MAX_HEADER_LEN, 0);
                    let written =
                        self.conn
                            .send_compressed(kind, compressed, &mut self.out[start..]);
                    deflate::shrink(compression, 4 * KEEP_CAPACITY);
                    return self.written_or_undo(start, written);
                }
            }
        }
        if let Some((kind, payload)) = self.as_tail(message) {
            let start = self.out.len();
            self.out.resize(start + MAX_HEADER_LEN, 0);
            let written =
                self.conn
                    .send_header(kind, true, payload.len() as u64, &mut self.out[start..]);
            return self
                .written_or_undo(start, written.map(|(n, _)| n))
                .map(|()| {
                    self.tail = payload;
                });
        }
        let start = self.out.len();
        let payload_len = match message {
            Message::Text(t) => t.len(),
            Message::Binary(b) | Message::Ping(b) | Message::Pong(b) => b.len(),
            Message::Close(c) => c.as_ref().map_or(0, |c| c.reason.len() + 2),
        };
        self.out.resize(start + payload_len + MAX_HEADER_LEN, 0);
        let out = &mut self.out[start..];
        let written = match message {
            // Whole messages: the core refuses them inside a fragmented one (§5.4).
            Message::Text(t) => self.conn.send_text(t, out),
            Message::Binary(b) => self.conn.send_binary(b, out),
            Message::Ping(b) => self.conn.send_ping(b, out),
            Message::Pong(b) => self.conn.send_pong(b, out),
            Message::Close(c) => match c {
                Some(c) => self.conn.send_close(Some(c.code), &c.reason, out),
                None => self.conn.send_close(None, "", out),
            },
        };
        self.written_or_undo(start, written)
    }

    /// Encodes one frame of a message that may span several (§5.4), uncompressed; the
    /// core checks the order of fragments.
    pub(crate) fn encode_fragment(
        &mut self,
        kind: DataKind,
        payload: &[u8],
        fin: bool,
    ) -> Result<(), Error> {
        self.settle_tail();
        let start = self.out.len();
        self.out.resize(start + payload.len() + MAX_HEADER_LEN, 0);
        let written = self
            .conn
            .send_fragment(kind, payload, fin, &mut self.out[start..]);
        self.written_or_undo(start, written)
    }

    /// The kind and payload of a message sent as the buffer's tail: a server's (so not
    /// masked) uncompressed data message of at least [`TAIL_MIN`] bytes.
    fn as_tail(&self, message: &Message) -> Option<(DataKind, Bytes)> {
        let (kind, payload) = match message {
            Message::Text(t) => (DataKind::Text, t.shared()),
            Message::Binary(b) => (DataKind::Binary, b),
            _ => return None,
        };
        (self.conn.role() == Role::Server && payload.len() >= TAIL_MIN)
            .then(|| (kind, payload.clone()))
    }

    /// Keeps the `n` bytes of a frame encoded at `start`, or drops what a failed
    /// encoding left.
    fn written_or_undo(
        &mut self,
        start: usize,
        written: Result<usize, wsframe::SendError>,
    ) -> Result<(), Error> {
        match written {
            Ok(n) => {
                self.out.truncate(start + n);
                Ok(())
            }
            Err(e) => {
                self.out.truncate(start);
                Err(e.into())
            }
        }
    }
}
