//! The connection state machine against the rules of RFC 6455 §5–§7.

mod common;

use common::{drive, frame, Outcome, Seen};
use wsframe::handshake::{client, server};
use wsframe::{
    CloseCode, Config, Connection, DataKind, Error, Event, OpCode, ProtocolError, ReadyState,
    SendError,
};

const KEY: Option<[u8; 4]> = Some([0x37, 0xfa, 0x21, 0x3d]);

fn server_conn() -> Connection {
    Connection::server(Config::default()).with_handshake_done()
}

fn client_conn() -> Connection {
    Connection::client(Config::default(), [9; 32]).with_handshake_done()
}

fn concat(frames: &[Vec<u8>]) -> Vec<u8> {
    frames.concat()
}

fn feed(conn: &mut Connection, bytes: &[u8]) -> Outcome {
    drive(conn, &[bytes])
}

fn close_frame(code: u16) -> Vec<u8> {
    // What a server (unmasked) sends to fail or close.
    frame(OpCode::Close, true, &code.to_be_bytes(), None)
}

#[test]
fn fragmented_message_with_interleaved_ping() {
    // RFC 6455 §5.4: control frames MAY be injected in the middle of a fragmented message.
    let stream = concat(&[
        frame(OpCode::Text, false, b"Hel", KEY),
        frame(OpCode::Ping, true, b"hb", KEY),
        frame(OpCode::Continuation, true, b"lo", KEY),
    ]);
    let mut conn = server_conn();
    let outcome = feed(&mut conn, &stream);
    assert_eq!(
        outcome.seen,
        vec![
            Seen::Ping(b"hb".to_vec()),
            Seen::Message(DataKind::Text, b"Hello".to_vec())
        ]
    );
    assert_eq!(outcome.error, None);
    // The pong is owed and written unmasked by the server.
    assert_eq!(outcome.transmitted, frame(OpCode::Pong, true, b"hb", None));
}

#[test]
fn sequencing_errors_are_1002() {
    let cases = [
        (
            frame(OpCode::Continuation, true, b"x", KEY),
            ProtocolError::UnexpectedContinuation,
        ),
        (
            concat(&[
                frame(OpCode::Text, false, b"a", KEY),
                frame(OpCode::Binary, true, b"b", KEY),
            ]),
            ProtocolError::ExpectedContinuation,
        ),
        (
            frame(OpCode::Text, true, b"x", None),
            ProtocolError::UnmaskedFrame,
        ),
    ];
    for (stream, err) in cases {
        let mut conn = server_conn();
        let outcome = feed(&mut conn, &stream);
        assert_eq!(outcome.error, Some(Error::Protocol(err)));
        assert_eq!(outcome.transmitted, close_frame(1002), "{err:?}");
        assert_eq!(conn.ready_state(), ReadyState::Closed);
        // Nothing is accepted after the failure.
        assert_eq!(conn.receive(&mut stream.clone()), Err(Error::Closed));
    }
}

#[test]
fn invalid_utf8_fails_fast_with_1007() {
    // The first fragment already holds an impossible sequence: fail before the rest.
    let mut conn = server_conn();
    let outcome = feed(
        &mut conn,
        &frame(OpCode::Text, false, b"ok\xc0\xafmore", KEY),
    );
    assert_eq!(
        outcome.error,
        Some(Error::Protocol(ProtocolError::InvalidUtf8))
    );
    assert_eq!(outcome.transmitted, close_frame(1007));
    // A code point cut by the end of the message is invalid too.
    let mut conn = server_conn();
    let outcome = feed(
        &mut conn,
        &frame(OpCode::Text, true, &"é".as_bytes()[..1], KEY),
    );
    assert_eq!(
        outcome.error,
        Some(Error::Protocol(ProtocolError::InvalidUtf8))
    );
    // But a code point split across fragments is fine.
    let mut conn = server_conn();
    let e = "é".as_bytes();
    let stream = concat(&[
        frame(OpCode::Text, false, &e[..1], KEY),
        frame(OpCode::Continuation, true, &e[1..], KEY),
    ]);
    assert_eq!(
        feed(&mut conn, &stream).seen,
        vec![Seen::Message(DataKind::Text, e.to_vec())]
    );
}

#[test]
fn limits_are_1009_before_buffering() {
    let config = Config {
        max_frame_len: 200,
        max_message_len: 300,
        max_fragments: 3,
        ..Config::default()
    };
    // A frame over the limit is refused from its header alone: only 4 bytes are fed.
    let mut conn = Connection::server(config).with_handshake_done();
    let outcome = feed(&mut conn, &[0x82, 0xFE, 0x00, 0xC9]);
    assert_eq!(
        outcome.error,
        Some(Error::Protocol(ProtocolError::FrameTooLarge))
    );
    assert_eq!(outcome.transmitted, close_frame(1009));
    // A message over the limit, in fragments each under the frame limit.
    let mut conn = Connection::server(config).with_handshake_done();
    let stream = concat(&[
        frame(OpCode::Binary, false, &[0; 200], KEY),
        frame(OpCode::Continuation, false, &[0; 101], KEY),
    ]);
    assert_eq!(
        feed(&mut conn, &stream).error,
        Some(Error::Protocol(ProtocolError::MessageTooLarge))
    );
    // Empty continuation frames cannot go on forever.
    let mut conn = Connection::server(config).with_handshake_done();
    let mut frames = vec![frame(OpCode::Binary, false, b"", KEY)];
    frames.extend((0..5).map(|_| frame(OpCode::Continuation, false, b"", KEY)));
    let outcome = feed(&mut conn, &concat(&frames));
    assert_eq!(
        outcome.error,
        Some(Error::Protocol(ProtocolError::TooManyFragments))
    );
    assert_eq!(outcome.transmitted, close_frame(1009));
}

#[test]
fn peer_close_is_echoed_and_ends_the_connection() {
    let mut conn = server_conn();
    let stream = frame(OpCode::Close, true, b"\x0f\xa1bye", KEY);
    let outcome = feed(&mut conn, &stream);
    assert_eq!(outcome.seen, vec![Seen::Close(Some(4001), "bye".into())]);
    assert_eq!(
        outcome.transmitted,
        frame(OpCode::Close, true, &4001u16.to_be_bytes(), None)
    );
    assert_eq!(conn.ready_state(), ReadyState::Closed);
    // An empty close is answered with an empty close.
    let mut conn = server_conn();
    let outcome = feed(&mut conn, &frame(OpCode::Close, true, b"", KEY));
    assert_eq!(outcome.seen, vec![Seen::Close(None, String::new())]);
    assert_eq!(outcome.transmitted, frame(OpCode::Close, true, b"", None));
}

#[test]
fn bad_close_payloads() {
    let cases: [(&[u8], ProtocolError, u16); 4] = [
        (b"\x03", ProtocolError::InvalidClosePayload, 1002),
        (b"\x03\xed", ProtocolError::InvalidCloseCode(1005), 1002),
        (b"\x0b\xb8", ProtocolError::InvalidCloseCode(3000), 0),
        (b"\x03\xe8\xff\xfe", ProtocolError::InvalidUtf8, 1007),
    ];
    for (payload, err, code) in cases {
        let mut conn = server_conn();
        let outcome = feed(&mut conn, &frame(OpCode::Close, true, payload, KEY));
        if code == 0 {
            // 3000 is a valid registered code: accepted.
            assert_eq!(outcome.error, None);
            continue;
        }
        assert_eq!(outcome.error, Some(Error::Protocol(err)));
        assert_eq!(outcome.transmitted, close_frame(code));
    }
}

#[test]
fn our_close_then_theirs() {
    let mut conn = client_conn();
    let mut out = [0u8; 64];
    let n = conn
        .send_close(Some(CloseCode::NORMAL), "done", &mut out)
        .unwrap();
    assert_eq!(conn.ready_state(), ReadyState::Closing);
    // The frame is masked (client) and decodes at a server as close 1000 "done".
    let mut server = server_conn();
    let seen = feed(&mut server, &out[..n]).seen;
    assert_eq!(seen, vec![Seen::Close(Some(1000), "done".into())]);
    // No data may follow our close (§5.5.1).
    assert_eq!(conn.send_text("late", &mut out), Err(SendError::NotOpen));
    // Data from the peer is still delivered until its close arrives.
    let stream = concat(&[frame(OpCode::Text, true, b"last", None), close_frame(1000)]);
    let outcome = feed(&mut conn, &stream);
    assert_eq!(
        outcome.seen,
        vec![
            Seen::Message(DataKind::Text, b"last".to_vec()),
            Seen::Close(Some(1000), String::new())
        ]
    );
    assert!(outcome.transmitted.is_empty(), "no second close frame");
    assert_eq!(conn.ready_state(), ReadyState::Closed);
}

#[test]
fn only_the_latest_ping_is_answered_and_auto_pong_can_be_off() {
    let stream = concat(&[
        frame(OpCode::Ping, true, b"1", KEY),
        frame(OpCode::Ping, true, b"2", KEY),
    ]);
    let mut conn = server_conn();
    let mut buf = stream.clone();
    let first = conn.receive(&mut buf).unwrap().consumed;
    conn.receive(&mut buf[first..]).unwrap();
    let mut out = [0u8; 64];
    let n = conn.poll_transmit(&mut out).unwrap().unwrap();
    assert_eq!(&out[..n], frame(OpCode::Pong, true, b"2", None));
    assert_eq!(conn.poll_transmit(&mut out), Ok(None));

    let mut conn = Connection::server(Config {
        auto_pong: false,
        ..Config::default()
    })
    .with_handshake_done();
    let outcome = feed(&mut conn, &stream);
    assert_eq!(outcome.seen.len(), 2);
    assert!(outcome.transmitted.is_empty());
}

#[test]
fn send_rules() {
    let mut conn = server_conn();
    let mut out = [0u8; 300];
    assert_eq!(
        conn.send_ping(&[0; 126], &mut out),
        Err(SendError::ControlFrameTooLong)
    );
    assert_eq!(
        conn.send_fragment(DataKind::Text, b"a", false, &mut out),
        Ok(3)
    );
    assert_eq!(
        conn.send_binary(b"b", &mut out),
        Err(SendError::FragmentOrder)
    );
    assert_eq!(
        conn.send_fragment(DataKind::Binary, b"b", true, &mut out),
        Err(SendError::FragmentOrder)
    );
    // Continuation frames carry opcode 0.
    assert_eq!(
        conn.send_fragment(DataKind::Text, b"b", true, &mut out),
        Ok(3)
    );
    assert_eq!(&out[..3], b"\x80\x01b");
    assert_eq!(
        conn.send_text("xyz", &mut out[..4]),
        Err(SendError::BufferTooSmall { needed: 5 })
    );
    assert_eq!(
        conn.send_close(Some(CloseCode(1005)), "", &mut out),
        Err(SendError::InvalidCloseCode(1005))
    );
    let fresh = &mut Connection::server(Config::default());
    assert_eq!(fresh.send_text("x", &mut out), Err(SendError::Connecting));
}

#[test]
fn zero_copy_send_in_place() {
    let mut conn = client_conn();
    let mut buf = vec![0u8; wsframe::MAX_HEADER_LEN + 300];
    buf[wsframe::MAX_HEADER_LEN..].fill(b'z');
    let start = conn
        .send_in_place(DataKind::Binary, true, &mut buf, wsframe::MAX_HEADER_LEN)
        .unwrap();
    let mut server = server_conn();
    assert_eq!(
        feed(&mut server, &buf[start..]).seen,
        vec![Seen::Message(DataKind::Binary, vec![b'z'; 300])]
    );
}

#[test]
fn header_only_sends_match_whole_frames_in_both_roles() {
    // Two connections with the same seed draw the same masking keys: one writes whole
    // frames, the other headers with the payload masked by the caller, as in a
    // vectored write. The bytes on the wire must be the same.
    for client in [false, true] {
        let (mut whole, mut parts) = if client {
            (client_conn(), client_conn())
        } else {
            (server_conn(), server_conn())
        };
        let mut wire_whole = Vec::new();
        let mut wire_parts = Vec::new();
        let mut out = vec![0u8; 70_100];
        for (size, fin) in [
            (0usize, false),
            (125, false),
            (126, true),
            (65535, true),
            (65536, true),
        ] {
            let payload: Vec<u8> = (0..size).map(|i| i as u8).collect();
            let n = whole
                .send_fragment(DataKind::Binary, &payload, fin, &mut out)
                .unwrap();
            wire_whole.extend_from_slice(&out[..n]);
            let mut header = [0u8; wsframe::MAX_HEADER_LEN];
            let (n, key) = parts
                .send_header(DataKind::Binary, fin, size as u64, &mut header)
                .unwrap();
            assert_eq!(key.is_some(), client, "only a client's payload is masked");
            let mut sent = payload.clone();
            if let Some(key) = key {
                wsframe::apply_mask(&mut sent, key, 0);
            }
            wire_parts.extend_from_slice(&header[..n]);
            wire_parts.extend_from_slice(&sent);
        }
        assert_eq!(wire_whole, wire_parts);
        // The message ended with the third frame: a continuation now breaks the order,
        // and a header that does not fit is refused.
        let mut header = [0u8; wsframe::MAX_HEADER_LEN];
        assert_eq!(
            parts.send_header(DataKind::Binary, true, 1, &mut header[..1]),
            Err(SendError::BufferTooSmall {
                needed: if client { 6 } else { 2 }
            })
        );
        let mut started = if client { client_conn() } else { server_conn() };
        started
            .send_header(DataKind::Text, false, 3, &mut header)
            .unwrap();
        assert_eq!(
            started.send_header(DataKind::Binary, true, 3, &mut header),
            Err(SendError::FragmentOrder)
        );
    }
    let fresh = &mut Connection::server(Config::default());
    let mut header = [0u8; wsframe::MAX_HEADER_LEN];
    assert_eq!(
        fresh.send_header(DataKind::Text, true, 1, &mut header),
        Err(SendError::Connecting)
    );
}

#[test]
fn client_frames_round_trip_to_a_server() {
    let mut client = client_conn();
    let mut server = server_conn();
    let mut wire = Vec::new();
    let mut out = vec![0u8; 70_000];
    for size in [0usize, 125, 126, 65535, 65536] {
        let payload = vec![b'q'; size];
        let n = client.send_binary(&payload, &mut out).unwrap();
        wire.extend_from_slice(&out[..n]);
    }
    let n = client.send_text("κόσμε", &mut out).unwrap();
    wire.extend_from_slice(&out[..n]);
    let seen = feed(&mut server, &wire).seen;
    let sizes: Vec<usize> = seen
        .iter()
        .map(|s| match s {
            Seen::Message(_, p) => p.len(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(sizes, [0, 125, 126, 65535, 65536, "κόσμε".len()]);
}

#[test]
fn full_handshake_both_roles_in_memory() {
    let mut client = Connection::client(Config::default(), [1; 32]);
    let mut server = Connection::server(Config::default());
    let request = client::Request {
        protocols: &["chat", "superchat"],
        ..client::Request::new("localhost", "/ws", [5; 16])
    };
    let mut to_server = vec![0u8; 512];
    let n = client.write_request(&request, &mut to_server).unwrap();
    to_server.truncate(n);
    assert_eq!(client.ready_state(), ReadyState::Connecting);

    let mut to_client = vec![0u8; 512];
    let got = server.receive(&mut to_server).unwrap();
    assert_eq!(got.consumed, n);
    let Some(Event::Request(req)) = got.event else {
        panic!("request expected")
    };
    let chosen = req.protocols().find(|p| *p == "superchat");
    let n = server
        .accept(
            &req,
            &server::Response {
                protocol: chosen,
                ..Default::default()
            },
            &mut to_client,
        )
        .unwrap();
    assert_eq!(server.ready_state(), ReadyState::Open);
    // The server's first frame travels in the same read as the 101.
    let m = server.send_text("hi", &mut to_client[n..]).unwrap();
    to_client.truncate(n + m);

    let got = client.receive(&mut to_client).unwrap();
    let consumed = got.consumed;
    let Some(Event::Opened(response)) = got.event else {
        panic!("opened expected")
    };
    assert_eq!(response.protocol, Some("superchat"));
    assert_eq!(client.ready_state(), ReadyState::Open);
    let outcome = feed(&mut client, &to_client[consumed..]);
    assert_eq!(
        outcome.seen,
        vec![Seen::Message(DataKind::Text, b"hi".to_vec())]
    );
}

#[test]
fn client_refuses_unoffered_protocol() {
    let mut client = Connection::client(Config::default(), [1; 32]);
    let request = client::Request::new("h", "/", [5; 16]);
    let mut buf = [0u8; 512];
    client.write_request(&request, &mut buf).unwrap();
    let accept = request.expected_accept();
    let mut reply = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Protocol: chat\r\n\r\n",
        std::str::from_utf8(&accept).unwrap()
    )
    .into_bytes();
    assert_eq!(
        client.receive(&mut reply),
        Err(Error::Handshake(
            wsframe::HandshakeError::ProtocolNotOffered
        ))
    );
    assert_eq!(client.ready_state(), ReadyState::Closed);
}

#[test]
fn bad_requests_get_http_rejections() {
    let cases: [(&str, &str); 3] = [
        ("POST / HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 400 "),
        (
            "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
            "HTTP/1.1 426 ",
        ),
        ("GET / HTTP/1.1\r\nHost: h\r\nX: 1\r\nX: 2\r\nX: 3\r\nX: 4\r\nX: 5\r\nX: 6\r\nX: 7\r\nX: 8\r\n\r\n", "HTTP/1.1 431 "),
    ];
    for (request, status) in cases {
        let mut config = Config::default();
        config.handshake.max_headers = 8;
        let mut conn = Connection::server(config);
        let mut bytes = request.as_bytes().to_vec();
        assert!(matches!(conn.receive(&mut bytes), Err(Error::Handshake(_))));
        let mut out = [0u8; 512];
        let n = conn.poll_transmit(&mut out).unwrap().unwrap();
        assert!(
            out[..n].starts_with(status.as_bytes()),
            "{}",
            String::from_utf8_lossy(&out[..n])
        );
        assert_eq!(conn.ready_state(), ReadyState::Closed);
    }
}

#[test]
fn oversized_request_is_refused_before_it_completes() {
    let mut config = Config::default();
    config.handshake.max_bytes = 64;
    let mut conn = Connection::server(config);
    let mut bytes = b"GET / HTTP/1.1\r\nHost: h\r\nX-Padding: ".to_vec();
    bytes.resize(80, b'a');
    assert_eq!(
        conn.receive(&mut bytes),
        Err(Error::Handshake(wsframe::HandshakeError::TooLarge))
    );
}

fn with_rsv1(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes[0] |= 0x40;
    bytes
}

#[test]
fn rsv1_marks_compressed_messages_once_negotiated() {
    // Not negotiated: RSV1 is a protocol error (§5.2).
    let mut conn = server_conn();
    let outcome = feed(&mut conn, &with_rsv1(frame(OpCode::Text, true, b"x", KEY)));
    assert_eq!(
        outcome.error,
        Some(Error::Protocol(ProtocolError::ReservedBits(0b100)))
    );

    // Negotiated: the message is delivered as compressed and its bytes are not UTF-8
    // checked here (they are deflate data; the extension checks the inflated text).
    let mut conn = server_conn();
    conn.set_allowed_rsv(wsframe::frame::RSV1);
    let stream = concat(&[
        with_rsv1(frame(OpCode::Text, false, b"\xf2\x48", KEY)),
        frame(OpCode::Continuation, true, b"\xcd\xc9\xc9\x07\x00", KEY),
    ]);
    let mut buf = stream.clone();
    let got = conn.receive(&mut buf).unwrap();
    let Some(Event::Data(data)) = got.event else {
        panic!()
    };
    assert!(data.compressed);
    let outcome = feed(&mut conn, &stream[got.consumed..]);
    assert_eq!(outcome.error, None);
    assert_eq!(
        outcome.seen,
        vec![Seen::Message(
            DataKind::Text,
            b"\xcd\xc9\xc9\x07\x00".to_vec()
        )]
    );

    // RFC 7692 §6.1: never on a continuation frame or a control frame.
    for bad in [
        concat(&[
            frame(OpCode::Binary, false, b"a", KEY),
            with_rsv1(frame(OpCode::Continuation, true, b"b", KEY)),
        ]),
        with_rsv1(frame(OpCode::Ping, true, b"", KEY)),
    ] {
        let mut conn = server_conn();
        conn.set_allowed_rsv(wsframe::frame::RSV1);
        let outcome = feed(&mut conn, &bad);
        assert_eq!(
            outcome.error,
            Some(Error::Protocol(ProtocolError::ReservedBits(0b100)))
        );
        assert_eq!(outcome.transmitted, close_frame(1002));
    }
}

#[test]
fn compressed_sends_set_rsv1_on_the_first_frame_only() {
    let mut conn = server_conn();
    let mut out = [0u8; 64];
    assert_eq!(
        conn.send_compressed(DataKind::Text, b"z", &mut out),
        Err(SendError::ExtensionNotNegotiated)
    );
    conn.set_allowed_rsv(wsframe::frame::RSV1);
    let n = conn
        .send_compressed_fragment(DataKind::Binary, b"ab", false, &mut out)
        .unwrap();
    assert_eq!(&out[..n], b"\x42\x02ab");
    let n = conn
        .send_compressed_fragment(DataKind::Binary, b"c", true, &mut out)
        .unwrap();
    assert_eq!(&out[..n], b"\x80\x01c");
    let n = conn
        .send_compressed(DataKind::Text, b"d", &mut out)
        .unwrap();
    assert_eq!(&out[..n], b"\xc1\x01d");
}

#[test]
fn failing_from_above_the_core() {
    let mut conn = server_conn();
    assert_eq!(
        conn.fail_with(CloseCode::NO_STATUS),
        Err(SendError::InvalidCloseCode(1005))
    );
    assert_eq!(conn.ready_state(), ReadyState::Open);
    conn.fail_with(CloseCode::INVALID_PAYLOAD).unwrap();
    let mut out = [0u8; 16];
    let n = conn.poll_transmit(&mut out).unwrap().unwrap();
    assert_eq!(&out[..n], close_frame(1007));
    assert_eq!(conn.ready_state(), ReadyState::Closed);
    assert_eq!(conn.receive(&mut [0x81, 0x80]), Err(Error::Closed));
}
