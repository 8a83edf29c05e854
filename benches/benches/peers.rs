//! wsframe's hot paths side by side with other WebSocket crates, through each crate's
//! public API, in one run (see BENCHMARKS.md at the repository root).
//!
//! Groups (criterion ids `group/implementation/parameter`):
//! - `unmask-aligned`, `unmask-offset3`: in-place (un)masking of 16 B to 1 MiB, with the
//!   buffer starting on a 64-byte boundary or 3 bytes after one; `copy_from_slice` is the
//!   physical reference (one read and one write per byte, like an unmask).
//! - `decode`: 1024 back-to-back masked 20-byte text frames ("Hello, world!!") read by a
//!   server through the full read path: bytes arrive from a stream (or are copied into the
//!   input buffer, for the sans-IO readers), the header is parsed, the payload unmasked and
//!   checked as UTF-8, and the message handed out.
//! - `encode-server`, `encode-client`: one 14-byte text frame or one 64 KiB binary frame
//!   written through each crate's connection-level send API (clients mask).
//! - `accept`: the Sec-WebSocket-Accept value for one key; `sha1_smol+base64` is the
//!   reference: the two crates `accept_key` is built on, called directly.

use std::hint::black_box;
use std::io::{Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BenchmarkId, Criterion, Throughput};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
const TEXT: &str = "Hello, world!!";
const FRAMES: usize = 1024;
const BIG: usize = 64 * 1024;

// ----- in-memory streams -----

/// Serves `data` over and over (it holds whole frames, so the stream stays valid) and
/// swallows writes.
struct Endless {
    data: &'static [u8],
    pos: usize,
}

impl Endless {
    fn new(data: &'static [u8]) -> Self {
        Self { data, pos: 0 }
    }

    fn fill(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos = (self.pos + n) % self.data.len();
        n
    }
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        Ok(self.fill(buf))
    }
}

impl Write for Endless {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl AsyncRead for Endless {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let n = this.fill(buf.initialize_unfilled());
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Endless {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A stream with nothing to read, for the encoders.
fn sink() -> Endless {
    Endless::new(&[0])
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("current-thread runtime")
}

/// A small non-cryptographic generator for embedded-websocket's client masks (a constant
/// zero key would let the compiler drop the XOR).
struct XorShift(u64);

impl rand_core::RngCore for XorShift {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand_core::impls::fill_bytes_via_next(self, dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// A buffer of `len + 64` bytes whose `start..start + len` slice begins `misalign` bytes
/// after a 64-byte boundary.
struct Placed {
    buf: Vec<u8>,
    start: usize,
    len: usize,
}

impl Placed {
    fn new(len: usize, misalign: usize) -> Self {
        let buf: Vec<u8> = (0..len + 128).map(|i| (i * 31 + 7) as u8).collect();
        let start = buf.as_ptr().align_offset(64) + misalign;
        Self { buf, start, len }
    }
    fn slice(&mut self) -> &mut [u8] {
        &mut self.buf[self.start..self.start + self.len]
    }
}

// ----- unmask -----

fn unmask<M: Measurement>(c: &mut Criterion<M>) {
    for (group_name, misalign) in [("unmask-aligned", 0), ("unmask-offset3", 3)] {
        let mut group = c.benchmark_group(group_name);
        for size in [16usize, 125, 1024, 64 * 1024, 1024 * 1024] {
            group.throughput(Throughput::Bytes(size as u64));
            let mut buf = Placed::new(size, misalign);
            group.bench_with_input(BenchmarkId::new("wsframe", size), &size, |b, _| {
                b.iter(|| wsframe::apply_mask(black_box(buf.slice()), black_box(KEY), 0))
            });
            group.bench_with_input(BenchmarkId::new("fastwebsockets", size), &size, |b, _| {
                b.iter(|| fastwebsockets::unmask(black_box(buf.slice()), black_box(KEY)))
            });
            let src = vec![0x5au8; size];
            group.bench_with_input(BenchmarkId::new("copy_from_slice", size), &size, |b, _| {
                b.iter(|| buf.slice().copy_from_slice(black_box(&src)))
            });
        }
        group.finish();
    }
}

// ----- decode -----

/// 1024 masked text frames "Hello, world!!" (20 bytes each), with varying keys.
fn masked_frames() -> &'static [u8] {
    let mut out = Vec::with_capacity(FRAMES * 20);
    for i in 0..FRAMES {
        let key = [i as u8, 0x5a, (i >> 8) as u8, 0xc3];
        out.extend_from_slice(&[0x81, 0x80 | TEXT.len() as u8]);
        out.extend_from_slice(&key);
        out.extend(TEXT.bytes().enumerate().map(|(j, b)| b ^ key[j % 4]));
    }
    assert_eq!(out.len(), FRAMES * 20);
    Box::leak(out.into_boxed_slice())
}

fn decode<M: Measurement>(c: &mut Criterion<M>) {
    let frames = masked_frames();
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(FRAMES as u64));

    group.bench_function(BenchmarkId::new("wsframe", FRAMES), |b| {
        let mut conn =
            wsframe::Connection::server(wsframe::Config::default()).with_handshake_done();
        let mut input = vec![0u8; frames.len()];
        b.iter(|| {
            // The read: bytes land in the input buffer.
            input.copy_from_slice(frames);
            let mut pos = 0;
            let mut messages = 0usize;
            while pos < input.len() {
                let got = conn.receive(&mut input[pos..]).expect("valid frames");
                pos += got.consumed;
                if let Some(wsframe::Event::Data(data)) = got.event {
                    black_box(&data.payload);
                    messages += usize::from(data.end_of_message);
                }
            }
            assert_eq!(messages, FRAMES);
        })
    });

    group.bench_function(BenchmarkId::new("tungstenite", FRAMES), |b| {
        let mut ws = tungstenite::WebSocket::from_raw_socket(
            Endless::new(frames),
            tungstenite::protocol::Role::Server,
            None,
        );
        b.iter(|| {
            for _ in 0..FRAMES {
                let msg = ws.read().expect("valid frames");
                black_box(&msg);
            }
        })
    });

    group.bench_function(BenchmarkId::new("fastwebsockets", FRAMES), |b| {
        let rt = runtime();
        let mut ws = fastwebsockets::WebSocket::after_handshake(
            Endless::new(frames),
            fastwebsockets::Role::Server,
        );
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..FRAMES {
                    let frame = ws.read_frame().await.expect("valid frames");
                    black_box(&frame.payload);
                }
            })
        })
    });

    group.bench_function(BenchmarkId::new("tokio-websockets", FRAMES), |b| {
        let rt = runtime();
        let mut ws = tokio_websockets::ServerBuilder::new().serve(Endless::new(frames));
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..FRAMES {
                    let msg = ws.next().await.expect("a message").expect("valid frames");
                    black_box(&msg);
                }
            })
        })
    });

    group.bench_function(BenchmarkId::new("embedded-websocket", FRAMES), |b| {
        let mut ws = embedded_websocket::WebSocketServer::new_server();
        let key = embedded_websocket::WebSocketKey::from("dGhlIHNhbXBsZSBub25jZQ==");
        let mut scratch = [0u8; 256];
        ws.server_accept(&key, None, &mut scratch)
            .expect("handshake");
        let mut input = vec![0u8; frames.len()];
        let mut to = [0u8; 64];
        b.iter(|| {
            input.copy_from_slice(frames);
            let mut pos = 0;
            let mut messages = 0usize;
            while pos < input.len() {
                let got = ws.read(&input[pos..], &mut to).expect("valid frames");
                pos += got.len_from;
                black_box(&to[..got.len_to]);
                messages += usize::from(got.end_of_message);
            }
            assert_eq!(messages, FRAMES);
        })
    });
    group.finish();
}

// ----- encode -----

fn encode<M: Measurement>(c: &mut Criterion<M>) {
    let big: &'static [u8] = Box::leak(vec![0xa5u8; BIG].into_boxed_slice());
    let big_bytes = bytes::Bytes::from_static(big);
    for client in [false, true] {
        let group_name = if client {
            "encode-client"
        } else {
            "encode-server"
        };
        let mut group = c.benchmark_group(group_name);
        for (size, text) in [(TEXT.len(), true), (BIG, false)] {
            group.throughput(Throughput::Bytes(size as u64));
            let payload: &'static [u8] = if text { TEXT.as_bytes() } else { big };
            let payload_bytes = if text {
                bytes::Bytes::from_static(TEXT.as_bytes())
            } else {
                big_bytes.clone()
            };

            group.bench_function(BenchmarkId::new("wsframe", size), |b| {
                let mut conn = if client {
                    wsframe::Connection::client(wsframe::Config::default(), [7; 32])
                } else {
                    wsframe::Connection::server(wsframe::Config::default())
                }
                .with_handshake_done();
                let mut out = vec![0u8; BIG + wsframe::MAX_HEADER_LEN];
                b.iter(|| {
                    let n = if text {
                        conn.send_text(black_box(TEXT), &mut out)
                    } else {
                        conn.send_binary(black_box(payload), &mut out)
                    }
                    .expect("room");
                    black_box(&out[..n]);
                })
            });

            if !text {
                // The payload is already where it will be sent from: only the header is
                // written in front of it (a client also masks it in place).
                group.bench_function(BenchmarkId::new("wsframe-in-place", size), |b| {
                    let mut conn = if client {
                        wsframe::Connection::client(wsframe::Config::default(), [7; 32])
                    } else {
                        wsframe::Connection::server(wsframe::Config::default())
                    }
                    .with_handshake_done();
                    let mut buf = vec![0xa5u8; BIG + wsframe::MAX_HEADER_LEN];
                    b.iter(|| {
                        let start = conn
                            .send_in_place(
                                wsframe::DataKind::Binary,
                                true,
                                black_box(&mut buf),
                                wsframe::MAX_HEADER_LEN,
                            )
                            .expect("room");
                        black_box(&buf[start..]);
                    })
                });
            }

            group.bench_function(BenchmarkId::new("tungstenite", size), |b| {
                let role = if client {
                    tungstenite::protocol::Role::Client
                } else {
                    tungstenite::protocol::Role::Server
                };
                let mut ws = tungstenite::WebSocket::from_raw_socket(sink(), role, None);
                b.iter(|| {
                    let msg = if text {
                        tungstenite::Message::Text(TEXT.into())
                    } else {
                        tungstenite::Message::Binary(payload_bytes.clone())
                    };
                    ws.send(black_box(msg)).expect("in-memory write");
                })
            });

            group.bench_function(BenchmarkId::new("fastwebsockets", size), |b| {
                let rt = runtime();
                let role = if client {
                    fastwebsockets::Role::Client
                } else {
                    fastwebsockets::Role::Server
                };
                let mut ws = fastwebsockets::WebSocket::after_handshake(sink(), role);
                // Client frames are masked in place in an owned copy, so the source is
                // copied first (the API takes the payload by value).
                let mut owned = payload.to_vec();
                b.iter(|| {
                    rt.block_on(async {
                        let frame_payload = if client {
                            fastwebsockets::Payload::BorrowedMut(&mut owned)
                        } else {
                            fastwebsockets::Payload::Borrowed(payload)
                        };
                        let opcode = if text {
                            fastwebsockets::OpCode::Text
                        } else {
                            fastwebsockets::OpCode::Binary
                        };
                        ws.write_frame(fastwebsockets::Frame::new(
                            true,
                            opcode,
                            None,
                            frame_payload,
                        ))
                        .await
                        .expect("in-memory write");
                    })
                })
            });

            group.bench_function(BenchmarkId::new("tokio-websockets", size), |b| {
                let rt = runtime();
                let mut ws = if client {
                    tokio_websockets::ClientBuilder::new().take_over(sink())
                } else {
                    tokio_websockets::ServerBuilder::new().serve(sink())
                };
                b.iter(|| {
                    rt.block_on(async {
                        let msg = if text {
                            tokio_websockets::Message::text(TEXT)
                        } else {
                            tokio_websockets::Message::binary(payload_bytes.clone())
                        };
                        ws.send(black_box(msg)).await.expect("in-memory write");
                    })
                })
            });

            group.bench_function(BenchmarkId::new("embedded-websocket", size), |b| {
                let mut out = vec![0u8; BIG + 14];
                let kind = if text {
                    embedded_websocket::WebSocketSendMessageType::Text
                } else {
                    embedded_websocket::WebSocketSendMessageType::Binary
                };
                if client {
                    let mut ws = embedded_websocket::WebSocketClient::new_client(XorShift(
                        0x9e37_79b9_7f4a_7c15,
                    ));
                    open_embedded_client(&mut ws);
                    b.iter(|| {
                        let n = ws
                            .write(kind, true, black_box(payload), &mut out)
                            .expect("room");
                        black_box(&out[..n]);
                    })
                } else {
                    let mut ws = embedded_websocket::WebSocketServer::new_server();
                    let key = embedded_websocket::WebSocketKey::from("dGhlIHNhbXBsZSBub25jZQ==");
                    ws.server_accept(&key, None, &mut out).expect("handshake");
                    b.iter(|| {
                        let n = ws
                            .write(kind, true, black_box(payload), &mut out)
                            .expect("room");
                        black_box(&out[..n]);
                    })
                }
            });
        }
        group.finish();
    }
}

/// Takes an embedded-websocket client through its handshake so that it can write frames.
fn open_embedded_client(ws: &mut embedded_websocket::WebSocketClient<XorShift>) {
    let options = embedded_websocket::WebSocketOptions {
        path: "/",
        host: "localhost",
        origin: "http://localhost",
        sub_protocols: None,
        additional_headers: None,
    };
    let mut request = [0u8; 512];
    let (_, key) = ws.client_connect(&options, &mut request).expect("request");
    let accept = wsframe::accept_key(key.as_bytes());
    let mut response = Vec::new();
    response.extend_from_slice(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ",
    );
    response.extend_from_slice(&accept);
    response.extend_from_slice(b"\r\n\r\n");
    ws.client_accept(&key, &response).expect("response");
}

// ----- Sec-WebSocket-Accept -----

fn accept<M: Measurement>(c: &mut Criterion<M>) {
    const REQUEST_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
    let mut group = c.benchmark_group("accept");
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("wsframe", 1), |b| {
        b.iter(|| wsframe::accept_key(black_box(REQUEST_KEY.as_bytes())))
    });
    group.bench_function(BenchmarkId::new("tungstenite", 1), |b| {
        b.iter(|| tungstenite::handshake::derive_accept_key(black_box(REQUEST_KEY.as_bytes())))
    });
    group.bench_function(BenchmarkId::new("sha1_smol+base64", 1), |b| {
        use base64::Engine as _;
        b.iter(|| {
            let mut sha = sha1_smol::Sha1::new();
            sha.update(black_box(REQUEST_KEY.as_bytes()));
            sha.update(wsframe::handshake::GUID);
            let mut out = [0u8; 28];
            base64::engine::general_purpose::STANDARD
                .encode_slice(sha.digest().bytes(), &mut out)
                .expect("28 bytes fit");
            out
        })
    });
    group.finish();
}

// ----- measurement -----

/// CPU time of the benchmarking thread (`CLOCK_THREAD_CPUTIME_ID`) instead of wall-clock
/// time: on a machine shared with other work, time spent preempted is not counted. Every
/// benchmark here runs on one thread (the async peers on a current-thread runtime).
struct ThreadCpuTime;

/// Formats durations like criterion's wall-clock measurement.
static WALL_TIME: WallTime = WallTime;

impl Measurement for ThreadCpuTime {
    type Intermediate = cpu_time::ThreadTime;
    type Value = std::time::Duration;

    fn start(&self) -> Self::Intermediate {
        cpu_time::ThreadTime::now()
    }
    fn end(&self, start: Self::Intermediate) -> Self::Value {
        start.elapsed()
    }
    fn add(&self, a: &Self::Value, b: &Self::Value) -> Self::Value {
        *a + *b
    }
    fn zero(&self) -> Self::Value {
        std::time::Duration::ZERO
    }
    fn to_f64(&self, value: &Self::Value) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL_TIME.formatter()
    }
}

fn run<M: Measurement>(mut c: Criterion<M>) {
    unmask(&mut c);
    decode(&mut c);
    encode(&mut c);
    accept(&mut c);
    c.final_summary();
}

/// Measures thread CPU time by default; set `WSFRAME_BENCH_WALL_TIME=1` for wall-clock
/// time (criterion's default), e.g. on a machine with nothing else running.
fn main() {
    if std::env::var_os("WSFRAME_BENCH_WALL_TIME").is_some_and(|v| v != "0") {
        run(Criterion::default().configure_from_args());
    } else {
        run(Criterion::default()
            .with_measurement(ThreadCpuTime)
            .configure_from_args());
    }
}
