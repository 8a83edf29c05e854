//! The write side: the core, the socket and one bounded buffer of encoded frames.
//!
//! Only whole frames enter the buffer, so an owed control frame (a pong, the close
//! reply) can always be appended between two data frames (§5.4 allows control frames
//! inside a fragmented message). At most one owed frame sits in the buffer at a time;
//! the core keeps at most one more (the pong of the latest ping, §5.5.3), so a peer that
//! pings faster than this side can write cannot grow memory.
//!
//! A server's large data payload is not copied: its header goes into the buffer and
//! the payload (the message's own `Bytes`) waits in a queue, anchored at the buffer's
//! length when it was encoded. A write gathers the buffer's pieces and the payloads
//! between them into one vectored write, so frames keep their order: a pong or close
//! reply appended later lands behind every payload queued before it. The queue is
//! bounded in count ([`MAX_PAYLOADS`], then payloads are copied) and, with the buffer,
//! in bytes (`StreamOptions::write_buffer`, which `poll_ready` waits on).

use std::collections::VecDeque;
use std::io::{self, IoSlice};
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
/// A server's data payload from this size on is queued and written from the message
/// itself (vectored, after its header) instead of being copied into the buffer: at
/// 64 KiB the copy and the buffer's growth cost more than a slice more in the write.
const UNCOPIED_MIN: usize = 16 * 1024;
/// Payloads queued uncopied at most; past it they are copied into the buffer. With
/// `write_buffer` the queue holds at most `write_buffer / UNCOPIED_MIN + 1` anyway (8 + 1
/// by default); this bounds it, and the slices of one vectored write (`2 × 32 + 1`,
/// under any system's `IOV_MAX`), whatever the option says.
pub(crate) const MAX_PAYLOADS: usize = 32;
/// A drained queue keeps room for this many payloads; a larger one is given back.
const KEEP_PAYLOADS: usize = 4;

/// A data payload written from the message itself, after `out[..at]`.
#[derive(Debug)]
struct Payload {
    at: usize,
    bytes: Bytes,
}

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
    /// Payloads not copied (a server's large data frames), in order, each after the
    /// part of `out` before its anchor; what of them is not on the socket yet. At most
    /// [`MAX_PAYLOADS`], each non-empty.
    payloads: VecDeque<Payload>,
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
            payloads: VecDeque::new(),
            owed_end: 0,
            shut_down: false,
        }
    }

    /// Bytes waiting for the socket.
    pub(crate) fn buffered(&self) -> usize {
        self.out.len() - self.written + self.payloads.iter().map(|p| p.bytes.len()).sum::<usize>()
    }

    /// Whether the queue of uncopied payloads is full: `poll_ready` then waits for it
    /// to drain.
    fn payloads_full(&self) -> bool {
        self.payloads.len() >= MAX_PAYLOADS
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
            self.out.extend_from_slice(&frame[..n]);
            self.owed_end = self.out.len();
        }
    }

    /// Writes buffered frames until the socket would block or the buffer is empty.
    pub(crate) fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            self.queue_owed();
            if self.written == self.out.len() && self.payloads.is_empty() {
                self.out.clear();
                self.written = 0;
                self.owed_end = 0;
                if self.out.capacity() > KEEP_CAPACITY {
                    self.out = Vec::new();
                }
                if self.payloads.capacity() > KEEP_PAYLOADS {
                    self.payloads = VecDeque::new();
                }
                return Poll::Ready(Ok(()));
            }
            // The buffer's pieces with the payloads between them, in order.
            let mut slices = [IoSlice::new(&[]); 2 * MAX_PAYLOADS + 1];
            let mut count = 0;
            let mut from = self.written;
            for payload in &self.payloads {
                if payload.at > from {
                    slices[count] = IoSlice::new(&self.out[from..payload.at]);
                    count += 1;
                    from = payload.at;
                }
                slices[count] = IoSlice::new(&payload.bytes);
                count += 1;
            }
            if from < self.out.len() {
                slices[count] = IoSlice::new(&self.out[from..]);
                count += 1;
            }
            let io = Pin::new(&mut self.io);
            let n = ready!(if count == 1 {
                io.poll_write(cx, &slices[0])
            } else {
                io.poll_write_vectored(cx, &slices[..count])
            })?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.advance(n);
        }
    }

    /// Marks `n` more bytes written: the buffer up to the first payload's anchor, then
    /// that payload, and so on.
    fn advance(&mut self, mut n: usize) {
        while n > 0 {
            let head_end = self.payloads.front().map_or(self.out.len(), |p| p.at);
            let from_head = n.min(head_end - self.written);
            self.written += from_head;
            n -= from_head;
            let Some(payload) = self.payloads.front_mut() else {
                break;
            };
            if n == 0 || payload.at != self.written {
                break;
            }
            let from_payload = n.min(payload.bytes.len());
            payload.bytes.advance(from_payload);
            n -= from_payload;
            if payload.bytes.is_empty() {
                self.payloads.pop_front();
            }
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
        let full = |inner: &Self| {
            inner.payloads_full()
                || (inner.buffered() > 0 && inner.buffered() >= inner.options.write_buffer)
        };
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
            for payload in &mut self.payloads {
                payload.at -= self.written;
            }
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
        if let Some((kind, payload)) = self.as_payload(message) {
            let start = self.out.len();
            self.out.resize(start + MAX_HEADER_LEN, 0);
            let written =
                self.conn
                    .send_header(kind, true, payload.len() as u64, &mut self.out[start..]);
            return self
                .written_or_undo(start, written.map(|(n, _)| n))
                .map(|()| {
                    let at = self.out.len();
                    self.payloads.push_back(Payload { at, bytes: payload });
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
        let start = self.out.len();
        self.out.resize(start + payload.len() + MAX_HEADER_LEN, 0);
        let written = self
            .conn
            .send_fragment(kind, payload, fin, &mut self.out[start..]);
        self.written_or_undo(start, written)
    }

    /// The kind and payload of a message whose payload is queued, not copied: a
    /// server's (so not masked) uncompressed data message of at least [`UNCOPIED_MIN`]
    /// bytes, while the queue has room.
    fn as_payload(&self, message: &Message) -> Option<(DataKind, Bytes)> {
        let (kind, payload) = match message {
            Message::Text(t) => (DataKind::Text, t.shared()),
            Message::Binary(b) => (DataKind::Binary, b),
            _ => return None,
        };
        (self.conn.role() == Role::Server && payload.len() >= UNCOPIED_MIN && !self.payloads_full())
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

#[cfg(test)]
mod tests {
    use std::task::Waker;

    use tokio::io::ReadBuf;
    use wsframe::{Config, Event};

    use super::*;

    /// A socket that takes at most `limit` bytes per write and `budget` in all (then it
    /// would block), and keeps them.
    struct Sink {
        limit: usize,
        budget: usize,
        written: Vec<u8>,
        calls: usize,
    }

    impl AsyncRead for Sink {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Poll::Pending
        }
    }

    impl AsyncWrite for Sink {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.poll_write_vectored(cx, &[IoSlice::new(buf)])
        }
        fn poll_write_vectored(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            let this = self.get_mut();
            let limit = this.limit.min(this.budget);
            if limit == 0 {
                return Poll::Pending;
            }
            this.calls += 1;
            let mut n = 0;
            for buf in bufs {
                let take = buf.len().min(limit - n);
                this.written.extend_from_slice(&buf[..take]);
                n += take;
            }
            this.budget -= n;
            Poll::Ready(Ok(n))
        }
        fn is_write_vectored(&self) -> bool {
            true
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// A server on a socket that takes `budget` bytes, at most `limit` per write.
    fn server(limit: usize, budget: usize, write_buffer: usize) -> Inner<Sink> {
        let options = StreamOptions {
            write_buffer,
            ..StreamOptions::default()
        };
        let sink = Sink {
            limit,
            budget,
            written: Vec::new(),
            calls: 0,
        };
        Inner::new(
            sink,
            Connection::server(Config::default()).with_handshake_done(),
            options,
            None,
        )
    }

    /// `len` bytes that differ with `seed`, so a payload out of place shows.
    fn pattern(len: usize, seed: u8) -> Bytes {
        (0..len).map(|i| (i % 251) as u8 ^ seed).collect()
    }

    /// The frames a client reads from `bytes`: ("data", payload) or ("pong", payload).
    fn frames(bytes: &mut [u8]) -> Vec<(&'static str, Vec<u8>)> {
        let mut client = Connection::client(Config::default(), [1; 32]).with_handshake_done();
        let mut pos = 0;
        let mut out = Vec::new();
        while pos < bytes.len() {
            let got = client.receive(&mut bytes[pos..]).unwrap();
            pos += got.consumed;
            match got.event {
                Some(Event::Data(d)) => out.push(("data", d.payload.to_vec())),
                Some(Event::Pong(p)) => out.push(("pong", p.to_vec())),
                Some(other) => panic!("unexpected {other:?}"),
                None => assert!(got.consumed > 0, "stuck at {pos}"),
            }
        }
        out
    }

    fn write_all(inner: &mut Inner<Sink>) {
        inner.io.budget = usize::MAX;
        let mut cx = Context::from_waker(Waker::noop());
        while inner.buffered() > 0 || inner.conn.wants_transmit() {
            assert!(inner.poll_write_out(&mut cx).is_ready());
        }
    }

    /// A server with a ping's pong owed, as the read side leaves it.
    fn owe_pong(inner: &mut Inner<Sink>, payload: &[u8]) {
        let mut client = Connection::client(Config::default(), [2; 32]).with_handshake_done();
        let mut ping = [0u8; 256];
        let n = client.send_ping(payload, &mut ping).unwrap();
        let got = inner.conn.receive(&mut ping[..n]).unwrap();
        assert!(matches!(got.event, Some(Event::Ping(_))));
        inner.queue_owed();
    }

    #[test]
    fn large_payloads_are_queued_not_copied_and_leave_in_order_with_pongs() {
        // Every way of cutting the writes: one byte per write up to all at once.
        for limit in [1, 2, 13, 1000, 16 * 1024 + 3, 70_000, usize::MAX] {
            let mut inner = server(limit, 0, usize::MAX);
            inner.encode(&Message::Binary(pattern(20_000, 1))).unwrap();
            owe_pong(&mut inner, b"one");
            inner.encode(&Message::Binary(pattern(30, 2))).unwrap();
            inner.encode(&Message::Binary(pattern(40_000, 3))).unwrap();
            inner
                .encode(&Message::Binary(pattern(16 * 1024, 4)))
                .unwrap();
            owe_pong(&mut inner, b"two");
            // Only headers, the small frame and the pongs are in the buffer.
            assert!(inner.out.len() < 100, "{} bytes copied", inner.out.len());
            assert_eq!(inner.payloads.len(), 3);
            write_all(&mut inner);
            if limit == usize::MAX {
                // One vectored write for all of it, and one for the second pong, which
                // the core keeps until the first is written (one owed frame buffered).
                assert_eq!(inner.io.calls, 2);
            }
            assert_eq!(
                frames(&mut inner.io.written),
                vec![
                    ("data", pattern(20_000, 1).to_vec()),
                    ("pong", b"one".to_vec()),
                    ("data", pattern(30, 2).to_vec()),
                    ("data", pattern(40_000, 3).to_vec()),
                    ("data", pattern(16 * 1024, 4).to_vec()),
                    ("pong", b"two".to_vec()),
                ],
                "writes of at most {limit} bytes"
            );
            // The buffer never held a payload, and the drained queue keeps little.
            assert!(inner.out.capacity() < 1024, "{limit}");
            assert!(inner.payloads.capacity() <= KEEP_PAYLOADS);
        }
    }

    #[test]
    fn frames_encoded_while_a_payload_is_half_written_follow_it() {
        let mut cx = Context::from_waker(Waker::noop());
        // The header and part of the payload go out, then the socket would block.
        let mut inner = server(3000, 5000, usize::MAX);
        inner.encode(&Message::text("first")).unwrap();
        inner.encode(&Message::Binary(pattern(20_000, 1))).unwrap();
        assert!(inner.poll_write_out(&mut cx).is_pending());
        assert_eq!(inner.io.written.len(), 5000);
        owe_pong(&mut inner, b"p");
        inner.encode(&Message::Binary(pattern(17_000, 2))).unwrap();
        // Reclaiming the written front of the buffer moves the anchors with it.
        assert!(inner.poll_ready(&mut cx).is_ready());
        inner.encode(&Message::text("after")).unwrap();
        inner.io.limit = 777;
        write_all(&mut inner);
        assert_eq!(
            frames(&mut inner.io.written),
            vec![
                ("data", b"first".to_vec()),
                ("data", pattern(20_000, 1).to_vec()),
                ("pong", b"p".to_vec()),
                ("data", pattern(17_000, 2).to_vec()),
                ("data", b"after".to_vec()),
            ]
        );
    }

    #[test]
    fn the_queue_is_bounded_in_count_and_bytes() {
        let mut cx = Context::from_waker(Waker::noop());
        // No byte bound to speak of: the count bounds the queue.
        let mut inner = server(usize::MAX, 0, usize::MAX);
        let messages: Vec<Bytes> = (0..MAX_PAYLOADS + 8)
            .map(|i| pattern(16 * 1024 + i, i as u8))
            .collect();
        for (i, m) in messages.iter().enumerate() {
            // `poll_ready` turns away the message past the bound while nothing drains.
            let ready = inner.poll_ready(&mut cx).is_ready();
            assert_eq!(ready, i < MAX_PAYLOADS, "message {i}");
            // A sender that ignores it gets its payload copied instead.
            inner.encode(&Message::Binary(m.clone())).unwrap();
            assert!(inner.payloads.len() <= MAX_PAYLOADS);
        }
        assert_eq!(inner.payloads.len(), MAX_PAYLOADS);
        assert!(
            inner.out.len() > 8 * 16 * 1024,
            "the ones past the bound are copied"
        );
        write_all(&mut inner);
        let expected: Vec<_> = messages.iter().map(|m| ("data", m.to_vec())).collect();
        assert_eq!(frames(&mut inner.io.written), expected);

        // The byte bound: ready while under it, then waits for the socket.
        let mut inner = server(usize::MAX, 0, 40_000);
        assert!(inner.poll_ready(&mut cx).is_ready());
        inner.encode(&Message::Binary(pattern(20_000, 1))).unwrap();
        assert!(inner.poll_ready(&mut cx).is_ready());
        inner.encode(&Message::Binary(pattern(20_000, 2))).unwrap();
        assert!(inner.poll_ready(&mut cx).is_pending());
        assert_eq!(inner.payloads.len(), 2);
        inner.io.budget = usize::MAX;
        assert!(inner.poll_ready(&mut cx).is_ready());
        assert_eq!(inner.buffered(), 0);
    }
}
