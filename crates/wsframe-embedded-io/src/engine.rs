//! What the async and the blocking WebSocket share: the buffer bookkeeping around the
//! core and the next IO step to take.
//!
//! The engine never touches the stream. Each operation is a loop of "ask the engine
//! for the next step, do that one read, write or flush, report the result". Every
//! byte read, every pending byte owed to the peer and every decoded event lives here
//! between steps, which is what makes [`recv`](crate::WebSocket::recv) cancel-safe.

use core::convert::Infallible;

use wsframe::handshake::{client, server};
use wsframe::{CloseCode, CloseFrame, Connection, DataKind, Event, ReadyState, MAX_HEADER_LEN};

use crate::keepalive::{Due, KeepAlive, Timers};
use crate::message::{Message, Piece};

/// Room for every frame the core owes (a control frame takes at most 131 bytes, a
/// handshake rejection under 256) and for the 101 response with a short subprotocol;
/// also the chunk in which a client masks a large payload.
pub(crate) const OUT_LEN: usize = 256;

pub(crate) type Failure = crate::Error<Infallible>;

/// The IO step an operation needs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Read into [`Engine::read_space`], then report with [`Engine::filled`].
    Read,
    /// Write [`Engine::out_bytes`], then report with [`Engine::wrote`].
    Write,
    /// Flush the stream, then report with [`Engine::flushed`].
    Flush,
    /// The operation is complete.
    Done,
}

/// A decoded event whose bytes are still in the buffer: positions instead of borrows,
/// so the engine can keep it across IO steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ready {
    Data {
        kind: DataKind,
        start: usize,
        end: usize,
        first: bool,
        last: bool,
    },
    Ping((usize, usize)),
    Pong((usize, usize)),
    Close(Option<CloseCode>, (usize, usize)),
}

/// The bytes of the message being gathered: `buf[start..end]`, before the unconsumed
/// input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Gathered {
    kind: DataKind,
    start: usize,
    end: usize,
}

/// A data frame larger than [`OUT_LEN`] being written: its header went out through
/// `out`, its payload follows from the caller's slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sending {
    /// The client's masking key; a server writes the payload as it is.
    mask: Option<[u8; 4]>,
    /// Payload bytes written (server) or masked into `out` (client).
    done: usize,
}

/// The connection and its output buffer; the caller's receive buffer is passed to
/// every call.
#[derive(Debug)]
pub(crate) struct Engine {
    pub(crate) conn: Connection,
    /// Where the caller's receive buffer is (address and length): every call must get
    /// the same one, as it holds bytes received but not consumed yet.
    buf_at: (usize, usize),
    /// In the receive buffer, `buf[start..end]` is not consumed yet; before `start`,
    /// the message being gathered and the bytes of the event last returned.
    start: usize,
    end: usize,
    gathered: Option<Gathered>,
    /// A piece of the message being received was already returned.
    continuing: bool,
    ready: Option<Ready>,
    /// Bytes to write: `out[out_pos..out_len]`.
    out: [u8; OUT_LEN],
    out_pos: usize,
    out_len: usize,
    /// Written bytes not flushed yet.
    unflushed: bool,
    /// An error to return once what the core owes for it is written.
    failed: Option<wsframe::Error>,
    /// A data frame is being written; if its operation is dropped midway, the stream
    /// is no longer framed and every later call fails.
    sending: Option<Sending>,
    /// The heartbeat, idle and close timers, and the caller's clock (milliseconds)
    /// that runs them; without a clock they are off.
    timers: Timers,
    clock: Option<fn() -> u64>,
}

impl Engine {
    pub(crate) fn new(conn: Connection, buf: &[u8], received: usize) -> Self {
        let end = received.min(buf.len());
        Self {
            conn,
            buf_at: (buf.as_ptr() as usize, buf.len()),
            start: 0,
            end,
            gathered: None,
            continuing: false,
            ready: None,
            out: [0; OUT_LEN],
            out_pos: 0,
            out_len: 0,
            unflushed: false,
            failed: None,
            sending: None,
            timers: Timers::default(),
            clock: None,
        }
    }

    /// Checks that `buf` is the receive buffer the connection was opened with.
    pub(crate) fn check_buffer(&self, buf: &[u8]) -> Result<(), Failure> {
        if (buf.as_ptr() as usize, buf.len()) == self.buf_at {
            Ok(())
        } else {
            Err(Failure::OtherBuffer)
        }
    }

    // ----- IO steps -----

    /// Where in `buf` the next read goes.
    pub(crate) fn read_space<'m>(&self, buf: &'m mut [u8]) -> &'m mut [u8] {
        buf.get_mut(self.end..).unwrap_or_default()
    }

    /// `n` bytes were read into [`read_space`](Self::read_space); 0 is the end of the
    /// stream.
    pub(crate) fn filled(&mut self, n: usize) -> Result<(), Failure> {
        if n == 0 {
            if self.conn.ready_state() == ReadyState::Closed {
                return Err(Failure::Closed);
            }
            self.conn.abort();
            return Err(Failure::ConnectionReset);
        }
        self.end = (self.end + n).min(self.buf_at.1);
        Ok(())
    }

    /// What to write next.
    pub(crate) fn out_bytes(&self) -> &[u8] {
        self.out.get(self.out_pos..self.out_len).unwrap_or_default()
    }

    /// `n` bytes of [`out_bytes`](Self::out_bytes) were written.
    pub(crate) fn wrote(&mut self, n: usize) -> Result<(), Failure> {
        if n == 0 {
            return Err(Failure::WriteZero);
        }
        self.out_pos = (self.out_pos + n).min(self.out_len);
        self.unflushed = true;
        Ok(())
    }

    /// The stream was flushed.
    pub(crate) fn flushed(&mut self) {
        self.unflushed = false;
    }

    /// Writes what is queued in `out` and, with `flush`, flushes the stream; `None`
    /// once done.
    fn drain(&self, flush: bool) -> Option<Next> {
        if self.out_pos < self.out_len {
            Some(Next::Write)
        } else if flush && self.unflushed {
            Some(Next::Flush)
        } else {
            None
        }
    }

    fn queue(&mut self, n: usize) {
        self.out_pos = 0;
        self.out_len = n;
    }

    /// Queues what the core owes the peer (a pong, a close reply, a failing close, a
    /// handshake rejection), then the pending error. Without `flush` the stream is left
    /// unflushed, except before the error.
    fn owed(&mut self, flush: bool) -> Result<Option<Next>, Failure> {
        if self.sending.is_some() {
            return Err(Failure::Interrupted);
        }
        if let Some(next) = self.drain(flush || self.failed.is_some()) {
            return Ok(Some(next));
        }
        // The buffer fits every frame the core owes, so this cannot fail.
        if let Some(n) = self.conn.poll_transmit(&mut self.out)? {
            self.queue(n);
            return Ok(Some(Next::Write));
        }
        match self.failed.take() {
            Some(e) => Err(e.into()),
            None => Ok(None),
        }
    }

    // ----- timers -----

    /// Starts the timers, counting from now on `clock`.
    pub(crate) fn set_keepalive(&mut self, keepalive: KeepAlive, clock: fn() -> u64) {
        self.timers.set(keepalive, clock());
        self.clock = Some(clock);
    }

    /// The timers' settings.
    pub(crate) fn keepalive(&self) -> KeepAlive {
        self.timers.settings
    }

    /// The reading of the clock at which a timer falls due next.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.clock.and(self.timers.next_deadline())
    }

    /// Acts on the timer that is due, if any: queues a heartbeat ping or the idle
    /// close, or ends the connection when a pong or the reply to a close is overdue.
    fn timer_step(&mut self) -> Result<Option<Next>, Failure> {
        let Some(clock) = self.clock else {
            return Ok(None);
        };
        let now = clock();
        match self.conn.ready_state() {
            ReadyState::Open => {}
            ReadyState::Closing => self.timers.close_sent(now),
            // Not open yet, or closed: no timer applies.
            _ => return Ok(None),
        }
        match self.timers.due(now) {
            Due::Nothing => Ok(None),
            Due::Ping => {
                let n = self.conn.send_ping(b"", &mut self.out)?;
                self.queue(n);
                self.timers.pinged(now);
                Ok(Some(Next::Write))
            }
            Due::IdleClose => {
                let reason = "idle timeout";
                let n = self
                    .conn
                    .send_close(Some(CloseCode::GOING_AWAY), reason, &mut self.out)?;
                self.queue(n);
                self.timers.close_sent(now);
                Ok(Some(Next::Write))
            }
            Due::PongTimeout => {
                self.conn.abort();
                Err(Failure::PongTimeout)
            }
            Due::CloseTimeout => {
                self.conn.abort();
                Err(Failure::CloseTimeout)
            }
        }
    }

    // ----- receiving -----

    /// The next step of [`recv`](crate::WebSocket::recv); at [`Next::Done`] take the
    /// event with [`message`](Self::message).
    pub(crate) fn recv_step(&mut self, buf: &mut [u8]) -> Result<Next, Failure> {
        loop {
            // Pongs are flushed only before waiting for input (below): embassy-net's
            // flush waits for the peer's acknowledgement, so a flush per pong answered
            // 300 pings a second under QEMU, and one per read keeps up with a flood.
            // Close frames go out at once.
            let open = self.conn.ready_state() == ReadyState::Open;
            if let Some(next) = self.owed(!open)? {
                return Ok(next);
            }
            if self.ready.is_some() {
                return Ok(Next::Done);
            }
            if let Some(next) = self.timer_step()? {
                return Ok(next);
            }
            if self.conn.ready_state() == ReadyState::Closed {
                return Err(Failure::Closed);
            }
            let base = buf.as_ptr() as usize;
            let input = buf.get_mut(self.start..self.end).unwrap_or_default();
            let got = match self.conn.receive(input) {
                Ok(got) => got,
                Err(e) => {
                    // The core owes the failing close frame: write it first.
                    self.failed = Some(e);
                    continue;
                }
            };
            let consumed = got.consumed;
            // Positions instead of borrows, so the buffer can be used again below.
            let event = got.event.map(|event| match event {
                Event::Data(data) => {
                    let (start, end) = span(base, data.payload);
                    Ok((data.kind, start, end, data.end_of_message))
                }
                Event::Ping(p) => Err(Some(Ready::Ping(span(base, p)))),
                Event::Pong(p) => Err(Some(Ready::Pong(span(base, p)))),
                Event::Close(CloseFrame { code, reason }) => {
                    Err(Some(Ready::Close(code, span(base, reason.as_bytes()))))
                }
                // Handshake events do not occur once open.
                Event::Request(_) | Event::Opened(_) => Err(None),
            });
            self.start += consumed;
            match event {
                None => {
                    let next = self.need_input(buf)?;
                    if next == Next::Read && self.unflushed {
                        return Ok(Next::Flush);
                    }
                    return Ok(next);
                }
                Some(Ok((kind, start, end, last))) => {
                    // Data counts against the idle timeout; control frames do not.
                    if let Some(clock) = self.clock {
                        self.timers.message(clock());
                    }
                    self.gather(buf, kind, start, end, last);
                }
                Some(Err(Some(control))) => {
                    if let Ready::Pong(_) = control {
                        self.timers.pong();
                    }
                    self.ready = Some(control);
                }
                Some(Err(None)) => return Err(Failure::Closed),
            }
        }
    }

    /// Adds a data piece to the message being gathered: a message is returned whole
    /// when it fits in the buffer, in pieces otherwise.
    fn gather(&mut self, buf: &mut [u8], kind: DataKind, start: usize, end: usize, last: bool) {
        let gathered = match self.gathered {
            Some(g) => {
                // Move the piece down over the frame header between the two.
                let len = end - start;
                if start != g.end {
                    buf.copy_within(start..end, g.end);
                }
                Gathered {
                    end: g.end + len,
                    ..g
                }
            }
            None => Gathered { kind, start, end },
        };
        if last {
            self.deliver(gathered, true);
        } else {
            self.gathered = Some(gathered);
        }
    }

    fn deliver(&mut self, g: Gathered, last: bool) {
        self.ready = Some(Ready::Data {
            kind: g.kind,
            start: g.start,
            end: g.end,
            first: !self.continuing,
            last,
        });
        self.continuing = !last;
        self.gathered = None;
    }

    /// Makes room for a read, or returns what was gathered when the buffer is full.
    fn need_input(&mut self, buf: &mut [u8]) -> Result<Next, Failure> {
        if self.end == buf.len() {
            let keep = self.gathered.map_or(self.start, |g| g.start);
            if keep > 0 {
                buf.copy_within(keep..self.end, 0);
                self.start -= keep;
                self.end -= keep;
                if let Some(g) = self.gathered.as_mut() {
                    g.start -= keep;
                    g.end -= keep;
                }
            }
        }
        if self.end < buf.len() {
            return Ok(Next::Read);
        }
        match self.gathered {
            Some(g) if g.end > g.start => {
                self.deliver(g, false);
                Ok(Next::Done)
            }
            // The unconsumed input is a control frame or handshake larger than the
            // buffer.
            _ => {
                self.conn.abort();
                Err(Failure::BufferTooSmall)
            }
        }
    }

    /// The event [`recv_step`](Self::recv_step) finished with, in `buf`.
    pub(crate) fn message<'m>(&mut self, buf: &'m [u8]) -> Result<Message<'m>, Failure> {
        let bytes = |s: usize, e: usize| buf.get(s..e).unwrap_or_default();
        Ok(match self.ready.take().ok_or(Failure::Closed)? {
            Ready::Data {
                kind,
                start,
                end,
                first,
                last,
            } => {
                let payload = bytes(start, end);
                let piece = Piece {
                    kind,
                    payload,
                    first,
                    last,
                };
                match (first && last, kind) {
                    (true, DataKind::Binary) => Message::Binary(payload),
                    // The core validated the text; the fallback never happens.
                    (true, DataKind::Text) => {
                        core::str::from_utf8(payload).map_or(Message::Piece(piece), Message::Text)
                    }
                    (false, _) => Message::Piece(piece),
                }
            }
            Ready::Ping((s, e)) => Message::Ping(bytes(s, e)),
            Ready::Pong((s, e)) => Message::Pong(bytes(s, e)),
            Ready::Close(code, (s, e)) => Message::Close(CloseFrame {
                code,
                // The core validated the reason as UTF-8.
                reason: core::str::from_utf8(bytes(s, e)).unwrap_or_default(),
            }),
        })
    }

    // ----- sending -----

    /// Starts a data frame; then call [`send_step`](Self::send_step) until done.
    pub(crate) fn begin_data(
        &mut self,
        kind: DataKind,
        payload: &[u8],
        fin: bool,
    ) -> Result<(), Failure> {
        if payload.len() + MAX_HEADER_LEN <= OUT_LEN {
            let n = self.conn.send_fragment(kind, payload, fin, &mut self.out)?;
            self.queue(n);
        } else {
            let len = payload.len() as u64;
            let (n, mask) = self.conn.send_header(kind, fin, len, &mut self.out)?;
            self.queue(n);
            self.sending = Some(Sending { mask, done: 0 });
        }
        Ok(())
    }

    /// Queues a control frame the caller sends (ping, pong, close).
    pub(crate) fn begin_control(
        &mut self,
        write: impl FnOnce(&mut Connection, &mut [u8]) -> Result<usize, wsframe::SendError>,
    ) -> Result<(), Failure> {
        let n = write(&mut self.conn, &mut self.out)?;
        self.queue(n);
        Ok(())
    }

    /// The bytes of the frame being sent to write next (from `out` or, for a server's
    /// large payload, straight from `payload`), or `None` when it is all written.
    pub(crate) fn send_bytes<'p>(&'p mut self, payload: &'p [u8]) -> Option<&'p [u8]> {
        if self.out_pos < self.out_len {
            return self.out.get(self.out_pos..self.out_len);
        }
        let sending = self.sending.as_mut()?;
        let rest = payload.get(sending.done..).unwrap_or_default();
        if rest.is_empty() {
            self.sending = None;
            return None;
        }
        match sending.mask {
            None => Some(rest),
            Some(key) => {
                let n = rest.len().min(OUT_LEN);
                let chunk = self.out.get_mut(..n)?;
                chunk.copy_from_slice(rest.get(..n)?);
                wsframe::apply_mask(chunk, key, sending.done);
                sending.done += n;
                self.queue(n);
                self.out.get(..n)
            }
        }
    }

    /// `n` bytes of [`send_bytes`](Self::send_bytes) were written.
    pub(crate) fn sent(&mut self, n: usize) -> Result<(), Failure> {
        if n == 0 {
            return Err(Failure::WriteZero);
        }
        // Data frames are not flushed (see `WebSocket::send_fragment`).
        if self.out_pos < self.out_len {
            self.out_pos = (self.out_pos + n).min(self.out_len);
        } else if let Some(sending) = self.sending.as_mut() {
            sending.done += n;
        }
        Ok(())
    }

    /// Before a send: what is owed first, and no frame half written.
    pub(crate) fn before_send(&mut self) -> Result<Option<Next>, Failure> {
        self.owed(true)
    }

    /// After a control frame: write it and flush.
    pub(crate) fn after_send(&mut self) -> Option<Next> {
        self.drain(true)
    }

    /// Writes what is owed and flushes the stream.
    pub(crate) fn flush_step(&mut self) -> Result<Next, Failure> {
        if let Some(next) = self.owed(true)? {
            return Ok(next);
        }
        Ok(Next::Done)
    }

    /// Makes the next [`flush_step`](Self::flush_step) flush the stream.
    pub(crate) fn want_flush(&mut self) {
        self.unflushed = true;
    }

    // ----- the opening handshake -----

    /// The next step of a server's handshake: read the request, answer with 101 (the
    /// first of `protocols` the client offered) or the core's rejection.
    pub(crate) fn accept_step(
        &mut self,
        buf: &mut [u8],
        protocols: &[&str],
    ) -> Result<Next, Failure> {
        loop {
            if let Some(next) = self.owed(true)? {
                return Ok(next);
            }
            match self.conn.ready_state() {
                ReadyState::Open => return Ok(Next::Done),
                ReadyState::Connecting => {}
                _ => return Err(Failure::Closed),
            }
            let input = buf.get_mut(self.start..self.end).unwrap_or_default();
            match self.conn.receive(input) {
                Ok(got) => match got.event {
                    Some(Event::Request(request)) => {
                        let protocol = request
                            .protocols()
                            .find(|offered| protocols.contains(offered));
                        let response = server::Response {
                            protocol,
                            ..server::Response::default()
                        };
                        let n = self.conn.accept(&request, &response, &mut self.out);
                        let n = n.map_err(|e| Failure::Protocol(e.into()))?;
                        self.start += got.consumed;
                        self.queue(n);
                    }
                    Some(_) => return Err(Failure::Closed),
                    None => {
                        self.start += got.consumed;
                        return self.need_input(buf);
                    }
                },
                Err(e) => self.failed = Some(e),
            }
        }
    }

    /// Writes a client's opening request into the buffer; the caller writes
    /// [`request_bytes`](Self::request_bytes) and then runs
    /// [`connect_step`](Self::connect_step).
    pub(crate) fn write_request(
        &mut self,
        buf: &mut [u8],
        request: &client::Request<'_>,
    ) -> Result<(), Failure> {
        let n = self
            .conn
            .write_request(request, buf)
            .map_err(|e| Failure::Protocol(e.into()))?;
        self.start = 0;
        self.end = n;
        Ok(())
    }

    /// The request written by [`write_request`](Self::write_request), from `from` on.
    pub(crate) fn request_bytes<'m>(&self, buf: &'m [u8], from: usize) -> &'m [u8] {
        buf.get(from..self.end).unwrap_or_default()
    }

    /// The request is written: the buffer is free for the response.
    pub(crate) fn request_sent(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// The next step of a client's handshake: read the response, which the core checks.
    pub(crate) fn connect_step(&mut self, buf: &mut [u8]) -> Result<Next, Failure> {
        loop {
            if let Some(next) = self.owed(true)? {
                return Ok(next);
            }
            match self.conn.ready_state() {
                ReadyState::Open => return Ok(Next::Done),
                ReadyState::Connecting => {}
                _ => return Err(Failure::Closed),
            }
            let input = buf.get_mut(self.start..self.end).unwrap_or_default();
            match self.conn.receive(input) {
                Ok(got) => {
                    self.start += got.consumed;
                    match got.event {
                        Some(Event::Opened(_)) => return Ok(Next::Done),
                        Some(_) => return Err(Failure::Closed),
                        None => return self.need_input(buf),
                    }
                }
                Err(e) => self.failed = Some(e),
            }
        }
    }
}

/// Where `part` lies in the buffer that starts at address `base`. Every event the core
/// returns borrows from the input it was given, a part of the buffer.
fn span(base: usize, part: &[u8]) -> (usize, usize) {
    let start = (part.as_ptr() as usize).wrapping_sub(base);
    (start, start + part.len())
}
