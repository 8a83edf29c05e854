//! The heartbeat, idle and close timers ([`KeepAlive`]) on a server over an in-memory
//! tokio pipe, against a raw peer, on a clock the test moves by hand: every timer is
//! checked at the reading it falls due and one millisecond before, without waiting.
//! Each `recv` that should block is cut off by a short real timeout (it is cancel-safe),
//! and every test is bounded.

use std::cell::Cell;
use std::time::Duration;

use embedded_io_adapters::tokio_1::FromTokio;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use wsframe::{CloseCode, Config, Connection};
use wsframe_embedded_io::{Error, KeepAlive, Message, WebSocket};

/// Bounds every test: a hang fails instead of blocking CI.
const LIMIT: Duration = Duration::from_secs(20);
/// How long a `recv` that has nothing to return is given before it is cut off.
const BLOCKED: Duration = Duration::from_millis(50);

thread_local! {
    /// The test's clock, in milliseconds; each test runs on its own thread.
    static NOW: Cell<u64> = const { Cell::new(0) };
}

fn clock() -> u64 {
    NOW.with(Cell::get)
}

fn set_clock(ms: u64) {
    NOW.with(|now| now.set(ms));
}

type Server = WebSocket<FromTokio<DuplexStream>>;

/// A server WebSocket (handshake done) and the raw peer's end of the pipe.
fn pair(buf: &mut [u8]) -> (Server, DuplexStream) {
    let (server_io, peer) = tokio::io::duplex(4096);
    let conn = Connection::server(Config::default()).with_handshake_done();
    (
        WebSocket::from_upgraded(FromTokio::new(server_io), buf, conn, 0),
        peer,
    )
}

/// A client frame (masked with a zero key, which leaves the payload as it is).
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let len = u8::try_from(payload.len()).unwrap();
    assert!(len < 126);
    let mut f = vec![0x80 | opcode, 0x80 | len, 0, 0, 0, 0];
    f.extend_from_slice(payload);
    f
}

/// Reads one unmasked server frame of at most 125 bytes: (opcode, payload).
async fn read_frame(peer: &mut DuplexStream) -> (u8, Vec<u8>) {
    let mut head = [0u8; 2];
    peer.read_exact(&mut head).await.unwrap();
    let mut payload = vec![0; usize::from(head[1] & 0x7f)];
    peer.read_exact(&mut payload).await.unwrap();
    (head[0] & 0x0f, payload)
}

/// `recv` has nothing to return: it blocks until cut off.
async fn blocks(ws: &mut Server, buf: &mut [u8]) {
    let got = tokio::time::timeout(BLOCKED, ws.recv(buf)).await;
    assert!(got.is_err(), "recv returned {got:?}");
}

/// Whether the peer has nothing to read.
async fn nothing_sent(peer: &mut DuplexStream) -> bool {
    let mut byte = [0u8; 1];
    tokio::time::timeout(BLOCKED, peer.read(&mut byte))
        .await
        .is_err()
}

#[tokio::test(flavor = "current_thread")]
async fn off_by_default_nothing_is_sent_and_recv_just_waits() {
    tokio::time::timeout(LIMIT, async {
        set_clock(0);
        let mut buf = [0u8; 512];
        let (mut ws, mut peer) = pair(&mut buf);
        assert_eq!(ws.keepalive(), KeepAlive::default());
        assert_eq!(ws.next_deadline(), None);
        // Timers set to nothing are off too, with a clock.
        ws.set_keepalive(KeepAlive::default(), clock);
        assert_eq!(ws.next_deadline(), None);
        set_clock(u64::MAX / 2);
        blocks(&mut ws, &mut buf).await;
        assert!(nothing_sent(&mut peer).await);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn heartbeat_pings_and_drops_a_peer_that_stops_answering() {
    tokio::time::timeout(LIMIT, async {
        set_clock(1_000);
        let mut buf = [0u8; 512];
        let (mut ws, mut peer) = pair(&mut buf);
        let keepalive = KeepAlive {
            ping_interval_ms: Some(1_000),
            pong_timeout_ms: Some(500),
            ..KeepAlive::default()
        };
        ws.set_keepalive(keepalive, clock);
        assert_eq!(ws.keepalive(), keepalive);
        assert_eq!(ws.next_deadline(), Some(2_000));

        set_clock(1_999);
        blocks(&mut ws, &mut buf).await;
        assert!(nothing_sent(&mut peer).await);

        // Due: the ping goes out (and is flushed) while recv waits for input.
        set_clock(2_000);
        blocks(&mut ws, &mut buf).await;
        assert_eq!(read_frame(&mut peer).await, (0x9, vec![]));
        assert_eq!(ws.next_deadline(), Some(2_500));

        // The pong comes in time: the next ping is an interval after the last one.
        set_clock(2_400);
        peer.write_all(&frame(0xA, b"")).await.unwrap();
        assert_eq!(ws.recv(&mut buf).await.unwrap(), Message::Pong(b""));
        assert_eq!(ws.next_deadline(), Some(3_000));
        set_clock(2_999);
        blocks(&mut ws, &mut buf).await;
        assert!(nothing_sent(&mut peer).await);

        // The second ping is never answered.
        set_clock(3_000);
        blocks(&mut ws, &mut buf).await;
        assert_eq!(read_frame(&mut peer).await, (0x9, vec![]));
        set_clock(3_499);
        blocks(&mut ws, &mut buf).await;
        set_clock(3_500);
        assert!(matches!(ws.recv(&mut buf).await, Err(Error::PongTimeout)));
        // Dropped without a closing handshake: nothing more is sent, nothing is read.
        assert!(nothing_sent(&mut peer).await);
        assert!(matches!(ws.recv(&mut buf).await, Err(Error::Closed)));
    })
    .await
    .unwrap();
}

/// The idle cases' timers: close after 1 s without a message, drop 300 ms after that.
const IDLE_1S_CLOSE_300MS: KeepAlive = KeepAlive {
    idle_timeout_ms: Some(1_000),
    close_timeout_ms: Some(300),
    ping_interval_ms: None,
    pong_timeout_ms: None,
};

#[tokio::test(flavor = "current_thread")]
async fn idle_connection_is_closed_with_1001_and_dropped_when_the_close_goes_unanswered() {
    tokio::time::timeout(LIMIT, async {
        set_clock(0);
        let mut buf = [0u8; 512];
        let (mut ws, mut peer) = pair(&mut buf);
        ws.set_keepalive(IDLE_1S_CLOSE_300MS, clock);
        // A message restarts the idle timer; pings and pongs do not.
        set_clock(600);
        peer.write_all(&frame(0x1, b"hi")).await.unwrap();
        assert_eq!(ws.recv(&mut buf).await.unwrap(), Message::Text("hi"));
        assert_eq!(ws.next_deadline(), Some(1_600));
        set_clock(1_500);
        peer.write_all(&frame(0x9, b"p")).await.unwrap();
        assert_eq!(ws.recv(&mut buf).await.unwrap(), Message::Ping(b"p"));
        assert_eq!(read_frame(&mut peer).await, (0xA, b"p".to_vec()));
        assert_eq!(ws.next_deadline(), Some(1_600));

        set_clock(1_600);
        blocks(&mut ws, &mut buf).await;
        let (opcode, payload) = read_frame(&mut peer).await;
        assert_eq!(opcode, 0x8);
        assert_eq!(payload[..2], CloseCode::GOING_AWAY.0.to_be_bytes());
        assert_eq!(&payload[2..], b"idle timeout");
        assert_eq!(ws.next_deadline(), Some(1_900));
        set_clock(1_899);
        blocks(&mut ws, &mut buf).await;
        set_clock(1_900);
        assert!(matches!(ws.recv(&mut buf).await, Err(Error::CloseTimeout)));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn idle_close_answered_completes_the_closing_handshake() {
    tokio::time::timeout(LIMIT, async {
        set_clock(0);
        let mut buf = [0u8; 512];
        let (mut ws, mut peer) = pair(&mut buf);
        ws.set_keepalive(IDLE_1S_CLOSE_300MS, clock);
        set_clock(1_000);
        blocks(&mut ws, &mut buf).await;
        let (opcode, payload) = read_frame(&mut peer).await;
        assert_eq!(opcode, 0x8);
        peer.write_all(&frame(0x8, &payload[..2])).await.unwrap();
        match ws.recv(&mut buf).await.unwrap() {
            Message::Close(close) => assert_eq!(close.code, Some(CloseCode::GOING_AWAY)),
            other => panic!("{other:?}"),
        }
        // Closed: no timer is left to fire.
        set_clock(10_000);
        assert!(matches!(ws.recv(&mut buf).await, Err(Error::Closed)));
    })
    .await
    .unwrap();
}

#[test]
fn blocking_websocket_runs_the_timers_after_a_read_timeout() {
    use std::io::Read;
    use std::net::{TcpListener, TcpStream};
    use wsframe_embedded_io::blocking;

    set_clock(0);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    peer.set_read_timeout(Some(LIMIT)).unwrap();
    let (stream, _) = listener.accept().unwrap();
    stream.set_read_timeout(Some(BLOCKED)).unwrap();
    let mut buf = [0u8; 512];
    let conn = Connection::server(Config::default()).with_handshake_done();
    let io = embedded_io_adapters::std::FromStd::new(stream);
    let mut ws = blocking::WebSocket::from_upgraded(io, &mut buf, conn, 0);
    ws.set_keepalive(
        KeepAlive {
            ping_interval_ms: Some(100),
            ..KeepAlive::default()
        },
        clock,
    );
    // The read times out (the stream's error), the clock moves, the next call pings.
    assert!(matches!(ws.recv(&mut buf), Err(Error::Io(_))));
    set_clock(100);
    assert!(matches!(ws.recv(&mut buf), Err(Error::Io(_))));
    let mut ping = [0u8; 2];
    peer.read_exact(&mut ping).unwrap();
    assert_eq!(ping, [0x89, 0x00]);
    // The pong deadline defaults to the interval.
    set_clock(200);
    assert!(matches!(ws.recv(&mut buf), Err(Error::PongTimeout)));
}
