//! Large messages through the read side's three ways in (the stack buffer, straight into
//! the message inside a large frame, a buffer sized like the last large message) with
//! the input cut at every byte, control frames between them and their pongs written.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use wsframe::{Config, Connection, DataKind, Event, Role};
use wsframe_tokio::{Message, WebSocketStream};

/// A socket that hands out its input in the given pieces, each after a read that would
/// block (and wakes at once), and keeps what is written to it.
struct Script {
    pieces: Vec<Vec<u8>>,
    next: usize,
    at: usize,
    paused: bool,
    /// At most this many bytes per read.
    max_read: usize,
    written: Vec<u8>,
}

impl AsyncRead for Script {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some(piece) = this.pieces.get(this.next) else {
            return Poll::Pending;
        };
        if !this.paused {
            this.paused = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let n = (piece.len() - this.at)
            .min(buf.remaining())
            .min(this.max_read);
        buf.put_slice(&piece[this.at..this.at + n]);
        this.at += n;
        if this.at == piece.len() {
            this.next += 1;
            this.at = 0;
            this.paused = false;
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Script {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().written.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// `len` bytes that differ with `seed`, so that a byte out of place shows.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ seed).collect()
}

/// A client's frames: what it sends, and the messages the server must deliver.
fn conversation() -> (Vec<u8>, Vec<Message>) {
    let mut client = Connection::client(Config::default(), [9; 32]).with_handshake_done();
    let mut bytes = Vec::new();
    let mut out = vec![0u8; 1 << 16];
    let mut push = |n: usize, out: &[u8]| bytes.extend_from_slice(&out[..n]);
    // Two- and three-byte characters, the fragments cut inside one.
    let text = "é€".repeat(1_700);
    let cut = 3_001;
    assert!(!text.is_char_boundary(cut));
    let (a, d) = (pattern(8_200, 1), pattern(8_400, 2));
    let f = "€".repeat(4_000);
    push(client.send_binary(&a, &mut out).unwrap(), &out);
    push(client.send_ping(b"p1", &mut out).unwrap(), &out);
    let t = text.as_bytes();
    push(
        client
            .send_fragment(DataKind::Text, &t[..cut], false, &mut out)
            .unwrap(),
        &out,
    );
    push(client.send_ping(b"p2", &mut out).unwrap(), &out);
    push(
        client
            .send_fragment(DataKind::Text, &t[cut..], true, &mut out)
            .unwrap(),
        &out,
    );
    push(client.send_binary(&d, &mut out).unwrap(), &out);
    // Text larger than the buffer sized after the last message: it grows.
    push(client.send_text(&f, &mut out).unwrap(), &out);
    push(client.send_ping(b"p3", &mut out).unwrap(), &out);
    push(client.send_binary(b"small", &mut out).unwrap(), &out);
    let expected = vec![
        Message::binary(a),
        Message::Ping(Bytes::from_static(b"p1")),
        Message::Ping(Bytes::from_static(b"p2")),
        Message::text(text.as_str()),
        Message::binary(d),
        Message::text(f.as_str()),
        Message::Ping(Bytes::from_static(b"p3")),
        Message::binary(&b"small"[..]),
    ];
    (bytes, expected)
}

/// Runs the server over `pieces`, checks every message and the pongs it wrote.
fn check(
    pieces: Vec<Vec<u8>>,
    max_read: usize,
    expected: &[Message],
    rt: &tokio::runtime::Runtime,
) {
    let script = Script {
        pieces,
        next: 0,
        at: 0,
        paused: false,
        max_read,
        written: Vec::new(),
    };
    let mut ws = WebSocketStream::from_upgraded(script, Role::Server, Config::default()).unwrap();
    let cuts: Vec<usize> = ws.get_ref().pieces.iter().map(Vec::len).collect();
    rt.block_on(async {
        for (i, want) in expected.iter().enumerate() {
            let got = ws.next().await.unwrap().unwrap();
            assert!(
                &got == want,
                "message {i} differs, pieces {cuts:?}, reads of {max_read}"
            );
        }
    });
    let mut client = Connection::client(Config::default(), [1; 32]).with_handshake_done();
    let mut written = ws.get_ref().written.clone();
    let mut pos = 0;
    let mut pongs = Vec::new();
    while pos < written.len() {
        let got = client.receive(&mut written[pos..]).unwrap();
        pos += got.consumed;
        match got.event {
            Some(Event::Pong(p)) => pongs.push(p.to_vec()),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(pongs, [b"p1", b"p2", b"p3"], "pieces {cuts:?}");
}

#[test]
fn large_messages_arrive_whole_with_the_input_cut_at_every_byte() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (bytes, expected) = conversation();
    // All at once, one byte per read, and odd read sizes.
    for max_read in [usize::MAX, 1, 4_099, 13_001] {
        check(vec![bytes.clone()], max_read, &expected, &rt);
    }
    // Two pieces cut at every byte, with a read that would block between them.
    for cut in 1..bytes.len() {
        check(
            vec![bytes[..cut].to_vec(), bytes[cut..].to_vec()],
            usize::MAX,
            &expected,
            &rt,
        );
    }
}
