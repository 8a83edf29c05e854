//! The heartbeat, idle and close timers ([`KeepAlive`]) over TCP on 127.0.0.1, against
//! a raw peer that answers nothing and against this crate's client. Every socket has a
//! read timeout and every loop a deadline, so no test can hang.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use wsframe_std::wsframe::{CloseCode, Config, Connection, Role};
use wsframe_std::{ClientOptions, Error, KeepAlive, Message, WebSocket};

const TICK: Duration = Duration::from_millis(20);
/// Far more than any timer below: only a broken timer reaches it.
const DEADLINE: Duration = Duration::from_secs(10);

/// A server WebSocket over a fresh TCP pair (handshake done) and the raw client socket.
fn pair() -> (WebSocket<TcpStream>, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    peer.set_read_timeout(Some(DEADLINE)).unwrap();
    let (stream, _) = listener.accept().unwrap();
    stream.set_read_timeout(Some(TICK)).unwrap();
    let ws = WebSocket::from_upgraded(stream, Role::Server, Config::default()).unwrap();
    (ws, peer)
}

/// Reads until `read` returns something other than a read timeout, within DEADLINE.
fn read_past_timeouts(ws: &mut WebSocket<TcpStream>) -> (Result<Message, Error>, Duration) {
    let started = Instant::now();
    loop {
        match ws.read() {
            Err(Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                assert!(started.elapsed() < DEADLINE, "no timer fired");
            }
            other => return (other, started.elapsed()),
        }
    }
}

/// Reads exactly `n` bytes from the raw peer.
fn read_n(peer: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    peer.read_exact(&mut buf).unwrap();
    buf
}

#[test]
fn off_by_default_read_times_out_without_sending_anything() {
    let (mut ws, mut peer) = pair();
    assert_eq!(ws.keepalive(), KeepAlive::default());
    for _ in 0..10 {
        assert!(matches!(ws.read(), Err(Error::Io(_))));
    }
    peer.set_read_timeout(Some(TICK)).unwrap();
    let mut byte = [0u8; 1];
    assert!(peer.read(&mut byte).is_err(), "nothing was sent");
}

#[test]
fn unanswered_ping_drops_a_vanished_peer() {
    let (mut ws, mut peer) = pair();
    ws.set_keepalive(KeepAlive {
        ping_interval: Some(Duration::from_millis(100)),
        pong_timeout: Some(Duration::from_millis(200)),
        ..KeepAlive::default()
    });
    let (result, took) = read_past_timeouts(&mut ws);
    assert!(matches!(result, Err(Error::PongTimeout)), "{result:?}");
    assert!(took >= Duration::from_millis(300), "{took:?}");
    // The peer saw the heartbeat: an unmasked empty ping.
    assert_eq!(read_n(&mut peer, 2), b"\x89\x00");
    assert!(matches!(ws.read(), Err(Error::Closed)));
}

#[test]
fn answered_pings_keep_the_connection_until_the_idle_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let client = thread::spawn(move || {
        let stream = TcpStream::connect(&addr).unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut ws = WebSocket::connect(stream, &addr, "/", &ClientOptions::default()).unwrap();
        ws.send_text("hello").unwrap();
        // Pings are answered inside read; the server closes for idleness.
        let mut pings = 0;
        loop {
            match ws.read().unwrap() {
                Message::Ping(_) => pings += 1,
                Message::Close { code, reason } => return (pings, code, reason),
                other => panic!("{other:?}"),
            }
        }
    });
    let (stream, _) = listener.accept().unwrap();
    stream.set_read_timeout(Some(TICK)).unwrap();
    let mut ws = WebSocket::accept(stream).unwrap();
    ws.set_keepalive(KeepAlive {
        ping_interval: Some(Duration::from_millis(100)),
        pong_timeout: Some(Duration::from_millis(2000)),
        idle_timeout: Some(Duration::from_millis(800)),
        close_timeout: Some(Duration::from_secs(5)),
    });
    let (first, _) = read_past_timeouts(&mut ws);
    assert_eq!(first.unwrap(), Message::Text("hello".into()));
    // Pongs come back (each clears the deadline) until the idle close is answered.
    let mut pongs = 0;
    let reply = loop {
        match read_past_timeouts(&mut ws).0 {
            Ok(Message::Pong(_)) => pongs += 1,
            other => break other,
        }
    };
    assert_eq!(
        reply.unwrap(),
        Message::Close {
            code: Some(CloseCode::GOING_AWAY),
            // The reply echoes the code (§5.5.1), not the reason.
            reason: String::new()
        }
    );
    let (pings, code, reason) = client.join().unwrap();
    assert!(pongs >= 3, "{pongs} pongs");
    assert_eq!(pings, pongs);
    assert_eq!(
        (code, reason.as_str()),
        (Some(CloseCode::GOING_AWAY), "idle timeout")
    );
}

#[test]
fn unanswered_close_is_dropped_after_the_close_timeout() {
    let (mut ws, mut peer) = pair();
    ws.set_keepalive(KeepAlive {
        idle_timeout: Some(Duration::from_millis(100)),
        close_timeout: Some(Duration::from_millis(300)),
        ..KeepAlive::default()
    });
    let (result, took) = read_past_timeouts(&mut ws);
    assert!(matches!(result, Err(Error::CloseTimeout)), "{result:?}");
    assert!(took >= Duration::from_millis(400), "{took:?}");
    // The close frame the peer never answered: 1001 "idle timeout".
    let frame = read_n(&mut peer, 2 + 2 + 12);
    assert_eq!(&frame[..4], b"\x88\x0e\x03\xe9");
    assert_eq!(&frame[4..], b"idle timeout");
}

#[test]
fn messages_reset_the_idle_timer() {
    let (mut server, mut peer) = pair();
    server.set_keepalive(KeepAlive {
        idle_timeout: Some(Duration::from_millis(400)),
        ..KeepAlive::default()
    });
    // A masked client frame every 100 ms for 1 s keeps the server from idling out.
    let mut client = Connection::client(Config::default(), [7; 32]).with_handshake_done();
    let mut frame = [0u8; 64];
    for i in 0..10 {
        let n = client.send_text("tick", &mut frame).unwrap();
        peer.write_all(&frame[..n]).unwrap();
        let (got, _) = read_past_timeouts(&mut server);
        assert_eq!(got.unwrap(), Message::Text("tick".into()), "message {i}");
        thread::sleep(Duration::from_millis(100));
    }
    // Then silence: the idle close comes, and the server keeps reading for the reply.
    peer.set_read_timeout(Some(TICK)).unwrap();
    let started = Instant::now();
    let mut got = Vec::new();
    while got.len() < 16 {
        assert!(started.elapsed() < DEADLINE, "no idle close");
        assert!(matches!(server.read(), Err(Error::Io(_))));
        let mut buf = [0u8; 64];
        if let Ok(n) = peer.read(&mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
    }
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(&got[..4], b"\x88\x0e\x03\xe9");
    let n = client
        .send_close(Some(CloseCode::GOING_AWAY), "", &mut frame)
        .unwrap();
    peer.write_all(&frame[..n]).unwrap();
    let (reply, _) = read_past_timeouts(&mut server);
    assert!(
        matches!(
            reply,
            Ok(Message::Close {
                code: Some(CloseCode::GOING_AWAY),
                ..
            })
        ),
        "{reply:?}"
    );
    assert!(matches!(server.read(), Err(Error::Closed)));
}
