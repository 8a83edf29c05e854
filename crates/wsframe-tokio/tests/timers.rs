//! Every timer, with tokio's paused clock: time advances only when all tasks wait, so
//! these take no wall-clock time and cannot race.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;
use wsframe::{CloseCode, Config, Connection, Event, Role};
use wsframe_tokio::{
    ClientOptions, Error, Keepalive, Message, ServerOptions, StreamOptions, WebSocketStream,
};

/// Reads frames with the core until `want` matches one; returns it.
async fn read_until(
    io: &mut tokio::io::DuplexStream,
    conn: &mut Connection,
    mut want: impl FnMut(&Event<'_>) -> Option<u16>,
) -> Option<u16> {
    let mut input = Vec::new();
    loop {
        if let Ok(got) = conn.receive(&mut input) {
            let consumed = got.consumed;
            let found = got.event.as_ref().and_then(&mut want);
            let none = got.event.is_none();
            input.drain(..consumed);
            if found.is_some() {
                return found;
            }
            if !none {
                continue;
            }
        } else {
            return None;
        }
        let mut buf = [0u8; 1024];
        let n = io.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        input.extend_from_slice(&buf[..n]);
    }
}

#[tokio::test(start_paused = true)]
async fn a_silent_client_times_out_the_handshake() {
    let (a, _b) = tokio::io::duplex(1024);
    let options = ServerOptions::default().handshake_timeout(Some(Duration::from_secs(3)));
    let started = Instant::now();
    let result = wsframe_tokio::accept_with(a, &options).await;
    assert!(matches!(result, Err(Error::HandshakeTimeout)));
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    // The client side has the same default limit as the std layer: 10 s.
    let (a, _b) = tokio::io::duplex(1024);
    let started = Instant::now();
    let result = WebSocketStream::client(a, "h", "/", &ClientOptions::default()).await;
    assert!(matches!(result, Err(Error::HandshakeTimeout)));
    assert_eq!(started.elapsed(), Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn an_unanswered_close_ends_the_stream_after_the_close_timeout() {
    let (a, _peer) = tokio::io::duplex(1024);
    let options = StreamOptions {
        close_timeout: Some(Duration::from_secs(2)),
        ..StreamOptions::default()
    };
    let mut ws = WebSocketStream::from_upgraded(a, Role::Server, Config::default())
        .unwrap()
        .with_options(options);
    ws.close().await.unwrap();
    let started = Instant::now();
    assert!(matches!(ws.next().await, Some(Err(Error::CloseTimeout))));
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert!(ws.next().await.is_none());
}

#[tokio::test(start_paused = true)]
async fn keepalive_pings_and_fails_with_1011_without_a_pong() {
    let (a, mut peer_io) = tokio::io::duplex(1024);
    let options = StreamOptions {
        keepalive: Some(Keepalive {
            interval: Duration::from_secs(20),
            timeout: Duration::from_secs(5),
        }),
        ..StreamOptions::default()
    };
    let ws = WebSocketStream::from_upgraded(a, Role::Server, Config::default())
        .unwrap()
        .with_options(options);
    let mut peer = Connection::client(Config::default(), [1; 16]).with_handshake_done();
    // The peer never answers; the stream is read by a task of its own.
    let reader = tokio::spawn(async move {
        let mut ws = ws;
        let started = Instant::now();
        let result = ws.next().await;
        (result, started.elapsed())
    });
    let started = Instant::now();
    let ping = read_until(&mut peer_io, &mut peer, |e| {
        matches!(e, Event::Ping(_)).then_some(0)
    })
    .await;
    assert_eq!(ping, Some(0));
    assert_eq!(started.elapsed(), Duration::from_secs(20));
    let close = read_until(&mut peer_io, &mut peer, |e| match e {
        Event::Close(c) => c.code.map(|c| c.0),
        _ => None,
    })
    .await;
    assert_eq!(close, Some(1011));
    let (result, elapsed) = reader.await.unwrap();
    assert!(matches!(result, Some(Err(Error::KeepaliveTimeout))));
    assert_eq!(elapsed, Duration::from_secs(25));
}

#[tokio::test(start_paused = true)]
async fn keepalive_stays_quiet_while_pongs_come_back() {
    let (a, mut peer_io) = tokio::io::duplex(1024);
    let options = StreamOptions {
        keepalive: Some(Keepalive {
            interval: Duration::from_secs(20),
            timeout: Duration::from_secs(5),
        }),
        ..StreamOptions::default()
    };
    let mut ws = WebSocketStream::from_upgraded(a, Role::Server, Config::default())
        .unwrap()
        .with_options(options);
    let reader = tokio::spawn(async move {
        let mut pongs = 0;
        while let Some(Ok(message)) = ws.next().await {
            if matches!(message, Message::Pong(_)) {
                pongs += 1;
            }
            if pongs == 3 {
                ws.close().await.unwrap();
            }
        }
        pongs
    });
    let mut peer = Connection::client(Config::default(), [1; 16]).with_handshake_done();
    let mut pings = 0;
    // Answer three pings, then the server closes.
    loop {
        let got = read_until(&mut peer_io, &mut peer, |e| match e {
            Event::Ping(_) => Some(0),
            Event::Close(c) => Some(c.code.map_or(1, |c| c.0)),
            _ => None,
        })
        .await;
        match got {
            Some(0) => {
                pings += 1;
                let mut out = [0u8; 64];
                let n = peer.send_pong(b"", &mut out).unwrap();
                peer_io.write_all(&out[..n]).await.unwrap();
            }
            Some(code) => {
                assert_eq!(code, CloseCode::NORMAL.0);
                let mut out = [0u8; 64];
                if let Ok(Some(n)) = peer.poll_transmit(&mut out) {
                    peer_io.write_all(&out[..n]).await.unwrap();
                }
                break;
            }
            None => panic!("stream ended"),
        }
    }
    assert_eq!(pings, 3);
    assert_eq!(reader.await.unwrap(), 3);
}

#[tokio::test(start_paused = true)]
async fn an_idle_peer_is_closed_with_1001_after_the_idle_timeout() {
    let (a, mut peer_io) = tokio::io::duplex(1024);
    let options = StreamOptions {
        idle_timeout: Some(Duration::from_secs(60)),
        ..StreamOptions::default()
    };
    let mut ws = WebSocketStream::from_upgraded(a, Role::Server, Config::default())
        .unwrap()
        .with_options(options);
    let mut peer = Connection::client(Config::default(), [1; 16]).with_handshake_done();
    // Traffic at 50 s keeps it alive until 110 s.
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(50)).await;
        let mut out = [0u8; 64];
        let n = peer.send_text("still here", &mut out).unwrap();
        peer_io.write_all(&out[..n]).await.unwrap();
        let close = read_until(&mut peer_io, &mut peer, |e| match e {
            Event::Close(c) => c.code.map(|c| c.0),
            _ => None,
        })
        .await;
        assert_eq!(close, Some(1001));
    });
    let started = Instant::now();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::text("still here")
    );
    assert!(matches!(ws.next().await, Some(Err(Error::IdleTimeout))));
    assert_eq!(started.elapsed(), Duration::from_secs(110));
    assert!(ws.next().await.is_none());
}

#[tokio::test(start_paused = true)]
async fn without_timers_an_idle_connection_waits_forever() {
    let (a, _peer) = tokio::io::duplex(1024);
    let mut ws = WebSocketStream::from_upgraded(a, Role::Server, Config::default()).unwrap();
    // A day of silence: no ping, no close, no error.
    let waited = tokio::time::timeout(Duration::from_secs(86_400), ws.next()).await;
    assert!(waited.is_err());
    assert_eq!(ws.ready_state(), wsframe::ReadyState::Open);
    let _ = ws.send(Message::text("x")).await;
}
