//! The stream end to end over `tokio::io::duplex` and TCP: handshake both roles,
//! messages, owed frames, errors, split halves, cancel safety and backpressure.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use wsframe::{CloseCode, Config, Connection, Event, ProtocolError, Role};
use wsframe_tokio::{
    ClientOptions, CloseFrame, Error, HttpResponse, Message, Refusal, ServerOptions, StreamOptions,
    WebSocketStream,
};

/// A server and a client connected through an in-memory pipe.
async fn pair(
    server: ServerOptions,
    client: ClientOptions,
) -> (WebSocketStream<DuplexStream>, WebSocketStream<DuplexStream>) {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let server = tokio::spawn(async move { wsframe_tokio::accept_with(a, &server).await });
    let client = WebSocketStream::client(b, "example.com", "/chat", &client)
        .await
        .unwrap();
    (server.await.unwrap().unwrap(), client)
}

/// The peer's side without this crate: the core's own encoder and decoder.
struct RawPeer {
    io: DuplexStream,
    conn: Connection,
    input: Vec<u8>,
}

impl RawPeer {
    /// A client peer whose handshake was done elsewhere, and the server stream.
    fn server_and_peer(options: StreamOptions) -> (WebSocketStream<DuplexStream>, Self) {
        let (a, b) = tokio::io::duplex(64 * 1024);
        let server = WebSocketStream::from_upgraded(a, Role::Server, Config::default())
            .unwrap()
            .with_options(options);
        let peer = Self {
            io: b,
            conn: Connection::client(Config::default(), [7; 32]).with_handshake_done(),
            input: Vec::new(),
        };
        (server, peer)
    }

    async fn send(&mut self, encode: impl FnOnce(&mut Connection, &mut [u8]) -> usize) {
        let mut out = vec![0u8; 1 << 16];
        let n = encode(&mut self.conn, &mut out);
        self.io.write_all(&out[..n]).await.unwrap();
    }

    /// The next whole control frame or data piece, as (opcode-ish tag, payload).
    async fn next(&mut self) -> Option<(&'static str, Vec<u8>)> {
        loop {
            let got = self.conn.receive(&mut self.input);
            if let Ok(got) = got {
                let consumed = got.consumed;
                let event = match got.event {
                    Some(Event::Data(d)) => Some(("data", d.payload.to_vec())),
                    Some(Event::Ping(p)) => Some(("ping", p.to_vec())),
                    Some(Event::Pong(p)) => Some(("pong", p.to_vec())),
                    Some(Event::Close(c)) => {
                        Some(("close", c.code.map_or(0, |c| c.0).to_be_bytes().to_vec()))
                    }
                    _ => None,
                };
                self.input.drain(..consumed);
                if event.is_some() {
                    return event;
                }
            } else {
                return None;
            }
            let mut buf = [0u8; 4096];
            let n = self.io.read(&mut buf).await.unwrap();
            if n == 0 {
                return None;
            }
            self.input.extend_from_slice(&buf[..n]);
        }
    }
}

#[tokio::test]
async fn messages_flow_both_ways_and_the_close_handshake_ends_both_streams() {
    let (mut server, mut client) = pair(ServerOptions::default(), ClientOptions::default()).await;
    client.send(Message::text("héllo")).await.unwrap();
    client
        .send(Message::binary(vec![0u8, 1, 2, 255]))
        .await
        .unwrap();
    assert_eq!(
        server.next().await.unwrap().unwrap(),
        Message::text("héllo")
    );
    assert_eq!(
        server.next().await.unwrap().unwrap(),
        Message::binary(vec![0u8, 1, 2, 255])
    );
    // A ping is answered inside the server's `next`.
    client
        .send(Message::Ping(Bytes::from_static(b"p")))
        .await
        .unwrap();
    assert_eq!(
        server.next().await.unwrap().unwrap(),
        Message::Ping(Bytes::from_static(b"p"))
    );
    assert_eq!(
        client.next().await.unwrap().unwrap(),
        Message::Pong(Bytes::from_static(b"p"))
    );
    // A 300 KiB message crosses a 64 KiB pipe in pieces.
    let big: Vec<u8> = (0..300 * 1024).map(|i| (i % 251) as u8).collect();
    let send = async {
        client.send(Message::binary(big.clone())).await.unwrap();
        client
    };
    let (mut client, got) = tokio::join!(send, server.next());
    assert_eq!(got.unwrap().unwrap(), Message::binary(big));

    client
        .send(Message::close(CloseCode::GOING_AWAY, "bye"))
        .await
        .unwrap();
    assert_eq!(
        server.next().await.unwrap().unwrap(),
        Message::Close(Some(CloseFrame {
            code: CloseCode::GOING_AWAY,
            reason: "bye".into()
        }))
    );
    assert!(server.next().await.is_none());
    // The reply echoes the code (§5.5.1); then the client's stream ends too.
    assert!(matches!(
        client.next().await.unwrap().unwrap(),
        Message::Close(Some(CloseFrame {
            code: CloseCode::GOING_AWAY,
            ..
        }))
    ));
    assert!(client.next().await.is_none());
    assert!(matches!(
        client.send(Message::text("late")).await,
        Err(Error::Closed)
    ));
}

#[tokio::test]
async fn the_server_picks_a_subprotocol_with_the_callback() {
    let server = ServerOptions::default().protocols(&["chat", "superchat"]);
    let client = ClientOptions {
        protocols: vec!["superchat".into(), "chat".into()],
        ..ClientOptions::default()
    };
    let (server, client) = pair(server, client).await;
    assert_eq!(server.protocol(), Some("superchat"));
    assert_eq!(client.protocol(), Some("superchat"));
}

#[tokio::test]
async fn a_refused_origin_gets_403_and_a_bad_request_the_cores_status() {
    let (a, mut b) = tokio::io::duplex(4096);
    let options = ServerOptions::default().origin(|o| o == Some("https://good.example"));
    let server = tokio::spawn(async move { wsframe_tokio::accept_with(a, &options).await });
    b.write_all(
        b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
          Origin: https://evil.example\r\n\r\n",
    )
    .await
    .unwrap();
    let mut answer = String::new();
    b.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 403 "), "{answer}");
    assert!(matches!(
        server.await.unwrap(),
        Err(Error::Handshake(wsframe::HandshakeError::OriginRefused))
    ));

    // Version 8: the core's 426 with the version it speaks (§4.4).
    let (a, mut b) = tokio::io::duplex(4096);
    let server = tokio::spawn(async move { wsframe_tokio::accept(a).await });
    b.write_all(
        b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
    )
    .await
    .unwrap();
    let mut answer = String::new();
    b.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 426 "), "{answer}");
    assert!(answer.contains("Sec-WebSocket-Version: 13\r\n"), "{answer}");
    assert!(matches!(server.await.unwrap(), Err(Error::Handshake(_))));
}

#[tokio::test]
async fn a_plain_http_request_goes_to_the_handler() {
    let (a, mut b) = tokio::io::duplex(4096);
    let options = ServerOptions::default().http_handler(|request| HttpResponse {
        status: 200,
        content_type: "text/plain".into(),
        body: format!("you asked for {}", request.path).into_bytes(),
    });
    let server = tokio::spawn(async move { wsframe_tokio::accept_with(a, &options).await });
    b.write_all(b"GET /page HTTP/1.1\r\nHost: h\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    b.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with("you asked for /page"), "{answer}");
    assert!(matches!(server.await.unwrap(), Err(Error::HttpAnswered)));
}

#[tokio::test]
async fn a_protocol_error_sends_the_cores_close_code_and_ends_the_stream() {
    let (mut server, mut peer) = RawPeer::server_and_peer(StreamOptions::default());
    // An unmasked frame from a client breaks §5.1: 1002.
    peer.io.write_all(b"\x81\x02hi").await.unwrap();
    assert!(matches!(
        server.next().await,
        Some(Err(Error::Protocol(ProtocolError::UnmaskedFrame)))
    ));
    assert!(server.next().await.is_none());
    assert_eq!(
        peer.next().await,
        Some(("close", 1002u16.to_be_bytes().to_vec()))
    );
    // The server shut its write side down.
    assert_eq!(peer.next().await, None);
}

#[tokio::test]
async fn invalid_utf8_fails_with_1007_and_delivers_no_text() {
    let (mut server, mut peer) = RawPeer::server_and_peer(StreamOptions::default());
    peer.send(|c, out| {
        c.send_fragment(wsframe::DataKind::Text, b"ok \xff", true, out)
            .unwrap()
    })
    .await;
    assert!(matches!(
        server.next().await,
        Some(Err(Error::Protocol(ProtocolError::InvalidUtf8)))
    ));
    assert_eq!(
        peer.next().await,
        Some(("close", 1007u16.to_be_bytes().to_vec()))
    );
}

#[tokio::test]
async fn connect_reaches_a_tcp_server_by_url() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let mut ws = wsframe_tokio::accept(socket).await.unwrap();
        while let Some(Ok(message)) = ws.next().await {
            if message.is_data() {
                ws.send(message).await.unwrap();
            }
        }
    });
    let mut ws = wsframe_tokio::connect(&format!("ws://127.0.0.1:{port}/echo?x=1"))
        .await
        .unwrap();
    for i in 0..50 {
        ws.send(Message::text(format!("message {i}")))
            .await
            .unwrap();
        assert_eq!(
            ws.next().await.unwrap().unwrap(),
            Message::text(format!("message {i}"))
        );
    }
    ws.close().await.unwrap();
    assert!(matches!(
        ws.next().await.unwrap().unwrap(),
        Message::Close(Some(CloseFrame {
            code: CloseCode::NORMAL,
            ..
        }))
    ));
    assert!(ws.next().await.is_none());
    server.await.unwrap();
    assert!(matches!(
        wsframe_tokio::connect("http://127.0.0.1/").await,
        Err(Error::Url(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_halves_work_from_two_tasks() {
    let (server, client) = pair(ServerOptions::default(), ClientOptions::default()).await;
    // The server echoes with its halves in two tasks joined by a channel.
    let (mut server_read, mut server_write) = server.split();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Message>(4);
    let reader = tokio::spawn(async move {
        while let Some(Ok(message)) = server_read.next().await {
            if message.is_data() && tx.send(message).await.is_err() {
                break;
            }
        }
    });
    let writer = tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            server_write.send(message).await.unwrap();
        }
        server_write.close().await.unwrap();
    });
    // The client sends and receives from two tasks too; it closes once every echo is in.
    let (mut client_read, mut client_write) = client.split();
    const N: usize = 2000;
    let (all_in, wait_all_in) = tokio::sync::oneshot::channel::<()>();
    let sender = tokio::spawn(async move {
        for i in 0..N {
            let payload = vec![(i % 256) as u8; i % 700];
            client_write.send(Message::binary(payload)).await.unwrap();
            if i % 100 == 0 {
                client_write
                    .send(Message::Ping(Bytes::new()))
                    .await
                    .unwrap();
            }
        }
        wait_all_in.await.unwrap();
        client_write.close().await.unwrap();
    });
    let mut received = 0;
    let mut pongs = 0;
    let mut all_in = Some(all_in);
    while let Some(message) = client_read.next().await {
        match message.unwrap() {
            Message::Binary(data) => {
                assert_eq!(data, vec![(received % 256) as u8; received % 700]);
                received += 1;
            }
            Message::Pong(_) => pongs += 1,
            Message::Close(_) => {}
            other => panic!("unexpected {other:?}"),
        }
        if received == N && pongs == N / 100 {
            if let Some(all_in) = all_in.take() {
                all_in.send(()).unwrap();
            }
        }
    }
    assert_eq!(received, N);
    assert_eq!(pongs, N / 100);
    sender.await.unwrap();
    reader.await.unwrap();
    writer.await.unwrap();
}

#[tokio::test]
async fn a_read_only_half_still_answers_pings() {
    let (server, mut peer) = RawPeer::server_and_peer(StreamOptions::default());
    let (mut read, _write) = server.split();
    let reader = tokio::spawn(async move {
        let mut pings = 0;
        while let Some(Ok(message)) = read.next().await {
            if matches!(message, Message::Ping(_)) {
                pings += 1;
            }
        }
        pings
    });
    for i in 0..3u8 {
        peer.send(|c, out| c.send_ping(&[i], out).unwrap()).await;
        assert_eq!(peer.next().await, Some(("pong", vec![i])));
    }
    peer.send(|c, out| c.send_close(Some(CloseCode::NORMAL), "", out).unwrap())
        .await;
    assert_eq!(
        peer.next().await,
        Some(("close", 1000u16.to_be_bytes().to_vec()))
    );
    assert_eq!(reader.await.unwrap(), 3);
}

#[tokio::test]
async fn next_is_cancel_safe_in_select() {
    let (mut server, mut peer) = RawPeer::server_and_peer(StreamOptions::default());
    let writer = tokio::spawn(async move {
        // Messages dribble in a few bytes at a time, so most `next` calls are
        // cancelled with a message half received.
        let mut frames = Vec::new();
        for i in 0..40u32 {
            let text = format!("message number {i}");
            let mut out = [0u8; 64];
            let n = peer.conn.send_text(&text, &mut out).unwrap();
            frames.extend_from_slice(&out[..n]);
        }
        for piece in frames.chunks(3) {
            peer.io.write_all(piece).await.unwrap();
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        peer
    });
    let mut got = Vec::new();
    let mut cancelled = 0;
    while got.len() < 40 {
        tokio::select! {
            message = server.next() => got.push(message.unwrap().unwrap()),
            _ = tokio::task::yield_now() => cancelled += 1,
        }
    }
    for (i, message) in got.iter().enumerate() {
        assert_eq!(*message, Message::text(format!("message number {i}")));
    }
    assert!(cancelled > 0);
    writer.await.unwrap();
}

#[tokio::test]
async fn split_read_half_is_cancel_safe_in_select() {
    let (server, mut client) = pair(ServerOptions::default(), ClientOptions::default()).await;
    let (mut read, mut write) = server.split();
    let sender = tokio::spawn(async move {
        for i in 0..200u32 {
            client.send(Message::text(i.to_string())).await.unwrap();
            if i % 7 == 0 {
                tokio::task::yield_now().await;
            }
        }
        client
    });
    let mut next = 0u32;
    let mut ticks = 0;
    while next < 200 {
        tokio::select! {
            message = read.next() => {
                assert_eq!(message.unwrap().unwrap(), Message::text(next.to_string()));
                next += 1;
            }
            // The write half is polled in the same select, as a timer-driven sender.
            _ = async { tokio::task::yield_now().await; write.flush().await } => ticks += 1,
        }
    }
    assert!(ticks > 0);
    sender.await.unwrap();
}

#[tokio::test]
async fn a_peer_that_never_reads_makes_the_sender_wait_with_memory_bounded() {
    let (a, _b) = tokio::io::duplex(16 * 1024);
    let options = StreamOptions {
        write_buffer: 64 * 1024,
        ..StreamOptions::default()
    };
    let mut server = WebSocketStream::from_upgraded(a, Role::Server, Config::default())
        .unwrap()
        .with_options(options);
    let message = Message::binary(vec![1u8; 10 * 1024]);
    let mut sent = 0;
    let mut max_buffered = 0;
    loop {
        let fed =
            tokio::time::timeout(Duration::from_millis(50), server.feed(message.clone())).await;
        max_buffered = max_buffered.max(server.buffered_amount());
        match fed {
            Ok(result) => {
                result.unwrap();
                sent += 1;
                assert!(sent < 1000, "the sink never pushed back");
            }
            Err(_) => break,
        }
    }
    // The pipe holds 16 KiB, the buffer its bound plus the last message.
    assert!(sent >= 6, "{sent}");
    assert!(max_buffered <= 64 * 1024 + 10 * 1024 + 14, "{max_buffered}");
    // Still waiting: poll_ready stays pending.
    assert!(
        tokio::time::timeout(Duration::from_millis(50), server.feed(message.clone()))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_control_payload_over_125_bytes_is_refused() {
    let (mut server, _peer) = RawPeer::server_and_peer(StreamOptions::default());
    let result = server
        .send(Message::Ping(Bytes::from(vec![0u8; 126])))
        .await;
    assert!(matches!(
        result,
        Err(Error::Send(wsframe::SendError::ControlFrameTooLong))
    ));
}

#[cfg(feature = "deflate")]
#[tokio::test]
async fn permessage_deflate_is_agreed_when_both_sides_want_it() {
    use wsframe_tokio::DeflateConfig;
    // Off by default on the server: the client's offer is declined.
    let client = ClientOptions {
        permessage_deflate: Some(DeflateConfig::default()),
        ..ClientOptions::default()
    };
    let (server, _client) = pair(ServerOptions::default(), client.clone()).await;
    assert_eq!(server.extensions(), None);

    let server = ServerOptions::default().permessage_deflate(DeflateConfig::default());
    let (mut server, mut client) = pair(server, client).await;
    assert!(server
        .extensions()
        .unwrap()
        .starts_with("permessage-deflate"));
    assert_eq!(client.extensions(), server.extensions());
    let text = "a compressible line of text. ".repeat(2000);
    for _ in 0..3 {
        client.send(Message::text(text.clone())).await.unwrap();
        let got = server.next().await.unwrap().unwrap();
        assert_eq!(got, Message::text(text.clone()));
        server.send(got).await.unwrap();
        assert_eq!(
            client.next().await.unwrap().unwrap(),
            Message::text(text.clone())
        );
        client.send(Message::binary(vec![9u8; 5])).await.unwrap();
        assert_eq!(
            server.next().await.unwrap().unwrap(),
            Message::binary(vec![9u8; 5])
        );
    }
}

#[tokio::test]
async fn a_zero_write_buffer_sends_one_message_at_a_time() {
    let (mut server, mut client) = pair(ServerOptions::default(), ClientOptions::default()).await;
    client = client.with_options(StreamOptions {
        write_buffer: 0,
        ..StreamOptions::default()
    });
    for i in 0..20 {
        client.send(Message::text(i.to_string())).await.unwrap();
        assert_eq!(client.buffered_amount(), 0);
        assert_eq!(
            server.next().await.unwrap().unwrap(),
            Message::text(i.to_string())
        );
    }
}

#[tokio::test]
async fn fragments_go_out_in_order_with_control_frames_between() {
    let (mut server, mut client) = pair(ServerOptions::default(), ClientOptions::default()).await;
    client
        .send_fragment(wsframe::DataKind::Text, b"frag \xe2\x82", false)
        .await
        .unwrap();
    client
        .send(Message::Ping(Bytes::from_static(b"mid")))
        .await
        .unwrap();
    // The core refuses a whole message inside a fragmented one (§5.4).
    assert!(matches!(
        client.send(Message::text("interloper")).await,
        Err(Error::Send(wsframe::SendError::FragmentOrder))
    ));
    client
        .send_fragment(wsframe::DataKind::Text, b"\xac end", true)
        .await
        .unwrap();
    assert_eq!(
        server.next().await.unwrap().unwrap(),
        Message::Ping(Bytes::from_static(b"mid"))
    );
    assert_eq!(
        server.next().await.unwrap().unwrap(),
        Message::text("frag € end")
    );
    assert_eq!(
        client.next().await.unwrap().unwrap(),
        Message::Pong(Bytes::from_static(b"mid"))
    );
}

#[tokio::test]
async fn the_request_check_refuses_with_its_status_over_tcp() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let options = std::sync::Arc::new(ServerOptions::default().check_request(|request| {
        match (request.path, request.header("authorization")) {
            ("/busy", _) => Err(Refusal::new(429).reason("slow down")),
            // Not a refusal status: the core refuses to write it, the client gets 500.
            ("/wrong", _) => Err(Refusal::new(200)),
            (_, Some(b"Bearer ok")) => Ok(()),
            (_, Some(_)) => Err(Refusal::new(403).reason("bad token")),
            (_, None) => Err(Refusal::new(401)),
        }
    }));
    let server_options = options.clone();
    let server = tokio::spawn(async move {
        let mut results = Vec::new();
        for _ in 0..5 {
            let (socket, _) = listener.accept().await.unwrap();
            match wsframe_tokio::accept_with(socket, &server_options).await {
                Ok(mut ws) => {
                    results.push(Ok(()));
                    while let Some(Ok(message)) = ws.next().await {
                        if message.is_data() {
                            ws.send(message).await.unwrap();
                        }
                    }
                }
                Err(e) => results.push(Err(e.to_string())),
            }
        }
        results
    });
    for (path, auth, line, body) in [
        ("/", None, "HTTP/1.1 401 Unauthorized", "Unauthorized"),
        (
            "/",
            Some("Bearer no"),
            "HTTP/1.1 403 Forbidden",
            "bad token",
        ),
        ("/busy", None, "HTTP/1.1 429 Too Many Requests", "slow down"),
        (
            "/wrong",
            None,
            "HTTP/1.1 500 Internal Server Error",
            "Internal Server Error",
        ),
    ] {
        let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let auth = auth.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{auth}\r\n"
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        tokio::time::timeout(Duration::from_secs(10), tcp.read_to_string(&mut answer))
            .await
            .unwrap()
            .unwrap();
        let (head, got) = answer.split_once("\r\n\r\n").unwrap();
        assert_eq!(head.lines().next(), Some(line), "{answer}");
        assert!(head.contains("Connection: close"), "{answer}");
        assert_eq!(got, body);
    }
    // The check lets a request with the token through.
    let client = ClientOptions {
        headers: vec![("Authorization".into(), "Bearer ok".into())],
        ..ClientOptions::default()
    };
    let mut ws = wsframe_tokio::connect_with(&format!("ws://127.0.0.1:{port}/"), &client)
        .await
        .unwrap();
    ws.send(Message::text("in")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("in"));
    ws.close().await.unwrap();
    while ws.next().await.is_some() {}
    let results = server.await.unwrap();
    assert_eq!(
        results,
        [
            Err("request refused with 401".to_owned()),
            Err("request refused with 403".to_owned()),
            Err("request refused with 429".to_owned()),
            Err("request refused with 200".to_owned()),
            Ok(()),
        ]
    );
}

#[tokio::test]
async fn large_masked_messages_arrive_whole_and_in_order() {
    let (mut server, mut client) = pair(ServerOptions::default(), ClientOptions::default()).await;
    let binary: Vec<u8> = (0..300_001u32).map(|i| (i * 7 % 251) as u8).collect();
    // Two-byte and three-byte characters, cut into frames in the middle of one.
    let text = "é€".repeat(40_000);
    let cut = 100_001;
    assert!(!text.is_char_boundary(cut));
    let sent = (binary.clone(), text.clone());
    let sender = tokio::spawn(async move {
        client.send(Message::binary(sent.0)).await.unwrap();
        let bytes = sent.1.as_bytes();
        let text_kind = wsframe::DataKind::Text;
        client
            .send_fragment(text_kind, &bytes[..cut], false)
            .await
            .unwrap();
        client
            .send_fragment(text_kind, &bytes[cut..], true)
            .await
            .unwrap();
        client.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
        client
    });
    assert_eq!(
        server.next().await.unwrap().unwrap(),
        Message::binary(binary)
    );
    assert_eq!(
        server.next().await.unwrap().unwrap(),
        Message::text(text.as_str())
    );
    assert_eq!(
        server.next().await.unwrap().unwrap(),
        Message::binary(vec![1u8, 2, 3])
    );
    sender.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn fed_messages_wait_for_the_flush_but_a_pong_takes_them_along() {
    let (mut server, mut peer) = RawPeer::server_and_peer(StreamOptions::default());
    server.feed(Message::binary(vec![5u8; 3])).await.unwrap();
    let server = tokio::spawn(async move {
        let first = server.next().await;
        (server, first)
    });
    // Reading does not write data frames out: they wait for a flush.
    let quiet = tokio::time::timeout(Duration::from_secs(5), peer.next()).await;
    assert!(quiet.is_err(), "{quiet:?}");
    // An owed pong goes out at once, behind the data frame already buffered.
    peer.send(|c, out| c.send_ping(b"x", out).unwrap()).await;
    assert_eq!(peer.next().await, Some(("data", vec![5u8; 3])));
    assert_eq!(peer.next().await, Some(("pong", b"x".to_vec())));
    let (mut server, first) = server.await.unwrap();
    assert_eq!(
        first.unwrap().unwrap(),
        Message::Ping(Bytes::from_static(b"x"))
    );
    // A flush sends what was fed.
    server.feed(Message::binary(vec![6u8; 2])).await.unwrap();
    server.flush().await.unwrap();
    assert_eq!(peer.next().await, Some(("data", vec![6u8; 2])));
}

/// `len` bytes that differ with `seed`, so that a frame out of place shows.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ seed).collect()
}

#[tokio::test]
async fn large_frames_leave_whole_and_in_order_around_owed_frames() {
    // A pipe much smaller than the frames: every write is partial.
    let (a, b) = tokio::io::duplex(1000);
    let server = tokio::spawn(async move {
        let mut server = wsframe_tokio::accept_with(a, &ServerOptions::default())
            .await
            .unwrap();
        // Fed, not flushed: its payload waits behind its header when the ping comes.
        server
            .feed(Message::binary(pattern(20_000, 1)))
            .await
            .unwrap();
        let ping = server.next().await.unwrap().unwrap();
        assert_eq!(ping, Message::Ping(Bytes::from_static(b"p")));
        server.feed(Message::text("é".repeat(9_000))).await.unwrap();
        server.feed(Message::binary(&b"small"[..])).await.unwrap();
        server
            .send(Message::binary(pattern(40_000, 2)))
            .await
            .unwrap();
        server
    });
    let mut client = WebSocketStream::client(b, "example.com", "/", &ClientOptions::default())
        .await
        .unwrap();
    client
        .send(Message::Ping(Bytes::from_static(b"p")))
        .await
        .unwrap();
    let mut received = Vec::new();
    for _ in 0..5 {
        received.push(client.next().await.unwrap().unwrap());
    }
    assert_eq!(
        received,
        vec![
            Message::binary(pattern(20_000, 1)),
            Message::Pong(Bytes::from_static(b"p")),
            Message::text("é".repeat(9_000)),
            Message::binary(&b"small"[..]),
            Message::binary(pattern(40_000, 2)),
        ]
    );
    let mut server = server.await.unwrap();
    client.close().await.unwrap();
    assert!(server.next().await.is_none_or(|m| m.is_ok()));
}
