//! The WebSocket type, written once for the async and the blocking traits: the macro
//! below is expanded in the crate root (over `embedded_io_async`) and in
//! [`blocking`](crate::blocking) (over `embedded_io`); the only difference is `.await`.

macro_rules! websocket {
    ($io:ident, ($($async:tt)?), ($($await:tt)*)) => {
        use wsframe::handshake::client;
        use wsframe::{CloseCode, Config, Connection, DataKind, ReadyState};

        use crate::engine::{Engine, Failure, Next};
        use crate::{Error, KeepAlive, Message};

        /// A WebSocket over a stream, either role, with a receive buffer from the caller.
        ///
        /// The buffer given to the constructor holds received bytes: the opening
        /// handshake (so it must be at least as large as the request or response head;
        /// 1 KiB is plenty for most clients), then each message returned by
        /// [`recv`](Self::recv), whole when it fits and in [`Piece`](crate::Piece)s
        /// otherwise. Pass the same buffer to every `recv` and write nothing into it: it
        /// keeps bytes received but not consumed yet between calls (another buffer is
        /// refused with [`Error::OtherBuffer`]). As the message borrows only the buffer, it can be
        /// sent on while held, e.g. echoed without a copy. Sending uses a 256-byte
        /// buffer inside the value (pongs, close replies, a client's masking).
        #[derive(Debug)]
        pub struct WebSocket<T> {
            io: T,
            engine: Engine,
        }

        impl<T: $io::Read + $io::Write> WebSocket<T> {
            /// Server: reads the opening request into `buf` and answers it: 101 when the
            /// core accepts it, otherwise the core's 400, 426 or 431 (then the error is
            /// returned). No subprotocol is chosen and extensions are declined.
            pub $($async)? fn accept(io: T, buf: &mut [u8], config: Config) -> Result<Self, Error<T::Error>> {
                Self::accept_with(io, buf, config, &[]) $($await)*
            }

            /// Server: like [`accept`](Self::accept), choosing the first subprotocol the
            /// client offered that is in `protocols`.
            pub $($async)? fn accept_with(
                io: T,
                buf: &mut [u8],
                config: Config,
                protocols: &[&str],
            ) -> Result<Self, Error<T::Error>> {
                let conn = Connection::server(fit_handshake(config, buf.len()));
                let mut ws = Self::from_upgraded(io, buf, conn, 0);
                ws.run(buf, |e, buf| e.accept_step(buf, protocols)) $($await)* ?;
                Ok(ws)
            }

            /// Client: writes the opening `request` (its nonce, like `mask_seed`, must
            /// come from a strong random source: §4.1, §10.3) and reads the server's
            /// response, which the core checks (§4.1).
            pub $($async)? fn connect(
                io: T,
                buf: &mut [u8],
                config: Config,
                request: &client::Request<'_>,
                mask_seed: [u8; 32],
            ) -> Result<Self, Error<T::Error>> {
                let conn = Connection::client(fit_handshake(config, buf.len()), mask_seed);
                let mut ws = Self::from_upgraded(io, buf, conn, 0);
                ws.engine.write_request(buf, request).map_err(Error::from_engine)?;
                let mut written = 0;
                loop {
                    let bytes = ws.engine.request_bytes(buf, written);
                    if bytes.is_empty() {
                        break;
                    }
                    let n = ws.io.write(bytes) $($await)* .map_err(Error::Io)?;
                    if n == 0 {
                        return Err(Error::WriteZero);
                    }
                    written += n;
                }
                ws.io.flush() $($await)* .map_err(Error::Io)?;
                ws.engine.request_sent();
                ws.run(buf, Engine::connect_step) $($await)* ?;
                Ok(ws)
            }

            /// Wraps a stream whose opening handshake was done elsewhere (e.g. by an
            /// HTTP server that hands over the upgraded connection): `conn` is
            /// `Connection::server(config).with_handshake_done()` or a client's, and
            /// `buf[..received]` holds bytes already read after the handshake; pass
            /// `buf` to every [`recv`](Self::recv).
            pub fn from_upgraded(io: T, buf: &mut [u8], conn: Connection, received: usize) -> Self {
                Self {
                    io,
                    engine: Engine::new(conn, buf, received),
                }
            }

            /// Receives the next message, piece of a large message, or control frame
            /// into `buf`, the buffer the connection was opened with.
            ///
            /// Owed frames are written first and as they arise: the pong for a ping,
            /// the reply to a close, the close frame that fails the connection when the
            /// peer breaks a rule (then the error is returned). Close frames are
            /// flushed at once, pongs before `recv` waits for more input (one flush
            /// for a burst of pings). After the closing
            /// handshake it returns [`Error::Closed`]; close the stream then.
            ///
            /// Cancel-safe when the stream's `read` and `write` are (embassy-net's
            /// `TcpSocket` is): dropping the call (e.g. a `select` with a timer that
            /// fired) loses nothing; the next call resumes where this one stopped.
            pub $($async)? fn recv<'m>(&mut self, buf: &'m mut [u8]) -> Result<Message<'m>, Error<T::Error>> {
                self.engine.check_buffer(buf).map_err(Error::from_engine)?;
                self.run(buf, Engine::recv_step) $($await)* ?;
                self.engine.message(buf).map_err(Error::from_engine)
            }

            /// Sends a text message as one frame (written, not flushed: see
            /// [`send_fragment`](Self::send_fragment)).
            pub $($async)? fn send_text(&mut self, text: &str) -> Result<(), Error<T::Error>> {
                self.send_fragment(DataKind::Text, text.as_bytes(), true) $($await)*
            }

            /// Sends a binary message as one frame (written, not flushed).
            pub $($async)? fn send_binary(&mut self, data: &[u8]) -> Result<(), Error<T::Error>> {
                self.send_fragment(DataKind::Binary, data, true) $($await)*
            }

            /// Sends one frame of a message: the first call starts a message of `kind`,
            /// later calls continue it with the same `kind`, and `fin` ends it (§5.4).
            /// This streams a message of any size, e.g. the pieces [`recv`](Self::recv)
            /// returns.
            ///
            /// The frame is written, not flushed: stream sockets (embassy-net's
            /// `TcpSocket`, tokio's `TcpStream`) send it without a flush, and embassy's
            /// flush would wait for the peer's acknowledgement of every frame. Call
            /// [`flush`](Self::flush) for a stream that buffers writes. Control frames
            /// (close replies, [`ping`](Self::ping), [`close`](Self::close)) are
            /// flushed; the pongs [`recv`](Self::recv) owes, before it waits for input.
            ///
            /// Not cancel-safe: a send dropped after part of a large frame was written
            /// leaves the stream unframed, and every later call returns
            /// [`Error::Interrupted`]. Frames up to 242 bytes are finished by the next
            /// call instead.
            pub $($async)? fn send_fragment(
                &mut self,
                kind: DataKind,
                payload: &[u8],
                fin: bool,
            ) -> Result<(), Error<T::Error>> {
                self.run(&mut [], |e, _| Ok(e.before_send()?.unwrap_or(Next::Done))) $($await)* ?;
                self.engine.begin_data(kind, payload, fin).map_err(Error::from_engine)?;
                while let Some(bytes) = self.engine.send_bytes(payload) {
                    let n = self.io.write(bytes) $($await)* .map_err(Error::Io)?;
                    self.engine.sent(n).map_err(Error::from_engine)?;
                }
                Ok(())
            }

            /// Writes what is owed and flushes the stream.
            pub $($async)? fn flush(&mut self) -> Result<(), Error<T::Error>> {
                self.engine.want_flush();
                self.run(&mut [], |e, _| e.flush_step()) $($await)*
            }

            /// Sends a ping (at most 125 bytes of payload).
            pub $($async)? fn ping(&mut self, payload: &[u8]) -> Result<(), Error<T::Error>> {
                self.control(|c, out| c.send_ping(payload, out)) $($await)*
            }

            /// Sends an unsolicited pong (a heartbeat).
            pub $($async)? fn pong(&mut self, payload: &[u8]) -> Result<(), Error<T::Error>> {
                self.control(|c, out| c.send_pong(payload, out)) $($await)*
            }

            /// Starts the closing handshake with `code` (or an empty close with `None`)
            /// and a reason of at most 123 bytes. Keep calling [`recv`](Self::recv)
            /// until it returns [`Message::Close`], the peer's reply.
            pub $($async)? fn close(&mut self, code: Option<CloseCode>, reason: &str) -> Result<(), Error<T::Error>> {
                self.control(|c, out| c.send_close(code, reason, out)) $($await)*
            }

            /// Sets the heartbeat, idle and close timers ([`KeepAlive`]), counting from
            /// now on `clock`: a function returning a monotonic count of milliseconds
            /// (on embassy, `|| embassy_time::Instant::now().as_millis()`).
            ///
            /// [`recv`](Self::recv) runs the timers: it sends the heartbeat ping or
            /// the idle close (1001) when due, and returns [`Error::PongTimeout`] or
            /// [`Error::CloseTimeout`] when the peer is overdue. As a read that waits
            /// for bytes wakes for nothing else, wake `recv` at
            /// [`next_deadline`](Self::next_deadline): race it against a timer (it is
            /// cancel-safe) and call it again when the timer wins; over a blocking
            /// stream, give the stream a read timeout and call `recv` again after it.
            pub fn set_keepalive(&mut self, keepalive: KeepAlive, clock: fn() -> u64) {
                self.engine.set_keepalive(keepalive, clock);
            }

            /// The timers' settings (all off until [`set_keepalive`](Self::set_keepalive)).
            pub fn keepalive(&self) -> KeepAlive {
                self.engine.keepalive()
            }

            /// The reading of the keepalive clock at which [`recv`](Self::recv) has a
            /// timer to act on next; `None` when no timer is set.
            pub fn next_deadline(&self) -> Option<u64> {
                self.engine.next_deadline()
            }

            /// The connection's state, as the browser API names it.
            pub fn ready_state(&self) -> ReadyState {
                self.engine.conn.ready_state()
            }

            /// The stream, e.g. to close it after the closing handshake.
            pub fn into_inner(self) -> T {
                self.io
            }

            /// The stream. Writing to it directly corrupts the framing.
            pub fn get_mut(&mut self) -> &mut T {
                &mut self.io
            }

            $($async)? fn control(
                &mut self,
                write: impl FnOnce(&mut Connection, &mut [u8]) -> Result<usize, wsframe::SendError>,
            ) -> Result<(), Error<T::Error>> {
                self.run(&mut [], |e, _| Ok(e.before_send()?.unwrap_or(Next::Done))) $($await)* ?;
                self.engine.begin_control(write).map_err(Error::from_engine)?;
                self.run(&mut [], |e, _| Ok(e.after_send().unwrap_or(Next::Done))) $($await)*
            }

            /// Takes the IO steps the engine asks for until it is done; reads go into
            /// `buf` (sends never read and pass an empty one).
            $($async)? fn run(
                &mut self,
                buf: &mut [u8],
                mut step: impl FnMut(&mut Engine, &mut [u8]) -> Result<Next, Failure>,
            ) -> Result<(), Error<T::Error>> {
                loop {
                    match step(&mut self.engine, buf).map_err(Error::from_engine)? {
                        Next::Read => {
                            let n = self.io.read(self.engine.read_space(buf)) $($await)* .map_err(Error::Io)?;
                            self.engine.filled(n).map_err(Error::from_engine)?;
                        }
                        Next::Write => {
                            let n = self.io.write(self.engine.out_bytes()) $($await)* .map_err(Error::Io)?;
                            self.engine.wrote(n).map_err(Error::from_engine)?;
                        }
                        Next::Flush => {
                            self.io.flush() $($await)* .map_err(Error::Io)?;
                            self.engine.flushed();
                        }
                        Next::Done => return Ok(()),
                    }
                }
            }
        }

        /// The handshake head must fit in the buffer: past its size the core answers
        /// 431 (a server) or fails (a client) instead of waiting forever.
        fn fit_handshake(mut config: Config, buf_len: usize) -> Config {
            config.handshake.max_bytes = config.handshake.max_bytes.min(buf_len);
            config
        }
    };
}

pub(crate) use websocket;
