//! The async WebSocket over tokio streams through `embedded-io-adapters`: both roles over
//! a TCP socket, `recv` cancelled by a timer, and a send dropped midway.

use std::time::Duration;

use embedded_io_adapters::tokio_1::FromTokio;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use wsframe::handshake::client::Request;
use wsframe::{CloseCode, Config, DataKind};
use wsframe_embedded_io::{Error, Message, WebSocket};

/// Bounds every test: a hang fails instead of blocking CI.
const LIMIT: Duration = Duration::from_secs(20);

fn big(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// A server that echoes piece by piece with a 1 KiB buffer.
async fn echo_server(stream: TcpStream) -> Result<(), Error<std::io::Error>> {
    let mut buf = [0u8; 1024];
    let mut ws = WebSocket::accept(FromTokio::new(stream), &mut buf, Config::default()).await?;
    loop {
        let (kind, payload, fin) = match ws.recv(&mut buf).await? {
            Message::Binary(d) => (DataKind::Binary, d, true),
            Message::Text(t) => (DataKind::Text, t.as_bytes(), true),
            Message::Piece(p) => (p.kind, p.payload, p.last),
            Message::Close(_) => return Ok(()),
            _ => continue,
        };
        ws.send_fragment(kind, payload, fin).await?;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn client_and_server_over_tcp() {
    tokio::time::timeout(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            echo_server(stream).await
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let mut buf = [0u8; 2048];
        let request = Request::new("localhost", "/", [1; 16]);
        let io = FromTokio::new(stream);
        let mut ws = WebSocket::connect(io, &mut buf, Config::default(), &request, [2; 32])
            .await
            .unwrap();
        let payload = big(100_000);
        ws.send_binary(&payload).await.unwrap();
        // The echo comes back as 1 KiB frames, gathered into pieces of at most 2 KiB.
        let mut echoed = Vec::new();
        let mut frames = 0;
        while echoed.len() < payload.len() {
            match ws.recv(&mut buf).await.unwrap() {
                Message::Piece(p) => echoed.extend_from_slice(p.payload),
                Message::Binary(d) => echoed.extend_from_slice(d),
                other => panic!("{other:?}"),
            }
            frames += 1;
        }
        assert_eq!(echoed, payload);
        assert!(frames > 10, "{frames}");
        ws.ping(b"are you there").await.unwrap();
        assert_eq!(
            ws.recv(&mut buf).await.unwrap(),
            Message::Pong(b"are you there")
        );
        ws.close(Some(CloseCode::GOING_AWAY), "done").await.unwrap();
        let Message::Close(close) = ws.recv(&mut buf).await.unwrap() else {
            panic!("close expected")
        };
        assert_eq!(close.code, Some(CloseCode::GOING_AWAY));
        assert!(matches!(ws.recv(&mut buf).await, Err(Error::Closed)));
        server.await.unwrap().unwrap();
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn recv_cancelled_by_a_timer_loses_nothing() {
    tokio::time::timeout(LIMIT, async {
        let (server_io, mut client_io) = tokio::io::duplex(64 * 1024);
        // A client that writes the request and frames a few bytes at a time, slowly.
        let writer = tokio::spawn(async move {
            let mut peer = wsframe::Connection::client(Config::default(), [4; 32]);
            let request = Request::new("h", "/", [6; 16]);
            let mut bytes = vec![0u8; 4096];
            let mut n = peer.write_request(&request, &mut bytes).unwrap();
            let mut peer = peer.with_handshake_done();
            for i in 0..20u8 {
                n += peer.send_binary(&[i; 100], &mut bytes[n..]).unwrap();
                n += peer.send_ping(&[i], &mut bytes[n..]).unwrap();
            }
            for chunk in bytes[..n].chunks(3) {
                client_io.write_all(chunk).await.unwrap();
                tokio::time::sleep(Duration::from_micros(300)).await;
            }
            // Keep the pipe open until the server has read everything.
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let mut buf = [0u8; 512];
        let io = FromTokio::new(server_io);
        let mut ws = WebSocket::accept(io, &mut buf, Config::default())
            .await
            .unwrap();
        let mut timeouts = 0;
        let mut next = 0u8;
        let mut pings = 0u8;
        while next < 20 || pings < 20 {
            tokio::select! {
                got = ws.recv(&mut buf) => match got.unwrap() {
                    Message::Binary(d) => {
                        assert_eq!(d, &[next; 100]);
                        next += 1;
                    }
                    Message::Ping(p) => {
                        assert_eq!(p, &[pings]);
                        pings += 1;
                    }
                    other => panic!("{other:?}"),
                },
                _ = tokio::time::sleep(Duration::from_micros(200)) => timeouts += 1,
            }
        }
        assert!(timeouts > 3, "the timer never won: {timeouts}");
        writer.abort();
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn a_send_dropped_midway_makes_later_calls_fail() {
    tokio::time::timeout(LIMIT, async {
        let (server_io, client_io) = tokio::io::duplex(512);
        let mut buf = [0u8; 512];
        let conn = wsframe::Connection::server(Config::default()).with_handshake_done();
        let mut ws = WebSocket::from_upgraded(FromTokio::new(server_io), &mut buf, conn, 0);
        // Nobody reads the pipe: the 10 KB frame blocks after 512 bytes.
        let payload = big(10_000);
        let sent = tokio::time::timeout(Duration::from_millis(50), ws.send_binary(&payload)).await;
        assert!(sent.is_err(), "the send should have blocked");
        assert!(matches!(ws.send_text("x").await, Err(Error::Interrupted)));
        assert!(matches!(ws.recv(&mut buf).await, Err(Error::Interrupted)));
        drop(client_io);
    })
    .await
    .unwrap();
}
