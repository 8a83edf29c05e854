//! Every cap on what a peer can make the connection hold, and the inputs no other test
//! covers: each limit refuses before the bytes it protects against are buffered, with
//! the close code or HTTP status of docs/bad-input.md.

mod common;

use common::{drive, frame};
use wsframe::handshake::{client, server, HandshakeLimits, Status, MAX_HEADERS};
use wsframe::{Config, Connection, Error, HandshakeError, OpCode, ProtocolError, ReadyState};

const KEY: Option<[u8; 4]> = Some([1, 2, 3, 4]);

const REQUEST: &str = "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

const RESPONSE: &str = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";

/// Feeds a request to a fresh server and returns the error and the rejection sent.
fn reject(config: Config, request: &[u8]) -> (Error, Vec<u8>) {
    let mut conn = Connection::server(config);
    let mut bytes = request.to_vec();
    let error = conn.receive(&mut bytes).expect_err("refused");
    let mut out = [0u8; 512];
    let n = conn
        .poll_transmit(&mut out)
        .unwrap()
        .expect("a rejection is owed");
    assert_eq!(conn.ready_state(), ReadyState::Closed);
    (error, out[..n].to_vec())
}

fn status_line(response: &[u8]) -> &str {
    let end = response.iter().position(|&b| b == b'\r').unwrap();
    std::str::from_utf8(&response[..end]).unwrap()
}

#[test]
fn header_count_cap_is_431_and_clamped_to_the_array() {
    let extra: String = (0..MAX_HEADERS).map(|i| format!("X-{i}: v\r\n")).collect();
    let request = format!("{REQUEST}{extra}\r\n");
    // A cap above the ceiling cannot make the parser hold more than MAX_HEADERS.
    let mut config = Config::default();
    config.handshake.max_headers = 10_000;
    let (error, sent) = reject(config, request.as_bytes());
    assert_eq!(error, Error::Handshake(HandshakeError::TooManyHeaders));
    assert!(status_line(&sent).starts_with("HTTP/1.1 431 "), "{sent:?}");
    // The default cap is 32 headers: 5 + 28 is refused, 5 + 27 is fine.
    let extra: String = (0..28).map(|i| format!("X-{i}: v\r\n")).collect();
    let (error, _) = reject(
        Config::default(),
        format!("{REQUEST}{extra}\r\n").as_bytes(),
    );
    assert_eq!(error, Error::Handshake(HandshakeError::TooManyHeaders));
    let extra: String = (0..27).map(|i| format!("X-{i}: v\r\n")).collect();
    let limits = HandshakeLimits::default();
    let request = format!("{REQUEST}{extra}\r\n");
    assert!(matches!(
        server::Request::parse(request.as_bytes(), &limits),
        Ok(Status::Complete { .. })
    ));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "80 parses of up to 8 KiB; the cap is checked under Miri by the unit tests"
)]
fn handshake_byte_cap_is_431_before_the_head_ends() {
    // The default is 8 KiB: a head that never ends is refused once it reaches the cap,
    // however it is split.
    let mut conn = Connection::server(Config::default());
    let mut head = format!("{REQUEST}X-Pad: ").into_bytes();
    let mut refused_at = None;
    for step in 0..100 {
        head.extend_from_slice(&[b'a'; 100]);
        match conn.receive(&mut head) {
            Ok(received) => assert_eq!(received.event, None),
            Err(e) => {
                assert_eq!(e, Error::Handshake(HandshakeError::TooLarge));
                refused_at = Some(step);
                break;
            }
        }
    }
    let refused_at = refused_at.expect("refused within 10 KB");
    assert!(
        head.len() >= 8 * 1024 && head.len() < 8 * 1024 + 100,
        "{refused_at}"
    );
    let mut out = [0u8; 512];
    let n = conn.poll_transmit(&mut out).unwrap().unwrap();
    assert!(status_line(&out[..n]).starts_with("HTTP/1.1 431 "));
}

#[test]
fn client_response_caps() {
    let request = client::Request::new("server.example.com", "/chat", *b"the sample nonce");
    let limits = HandshakeLimits {
        max_bytes: 200,
        max_headers: 5,
    };
    let long = format!("{RESPONSE}X-Pad: {}\r\n\r\n", "a".repeat(200));
    assert_eq!(
        client::Response::parse(long.as_bytes(), &request, &limits),
        Err(HandshakeError::TooLarge)
    );
    assert_eq!(
        client::Response::parse(&long.as_bytes()[..200], &request, &limits),
        Err(HandshakeError::TooLarge)
    );
    let many = format!("{RESPONSE}A: 1\r\nB: 2\r\nC: 3\r\n\r\n");
    assert_eq!(
        client::Response::parse(many.as_bytes(), &request, &limits),
        Err(HandshakeError::TooManyHeaders)
    );
    // Through the connection: the client fails and owes nothing.
    let config = Config {
        handshake: limits,
        ..Config::default()
    };
    let mut conn = Connection::client(config, [0; 32]);
    let mut out = [0u8; 512];
    conn.write_request(&request, &mut out).unwrap();
    let mut bytes = long.into_bytes();
    assert_eq!(
        conn.receive(&mut bytes),
        Err(Error::Handshake(HandshakeError::TooLarge))
    );
    assert_eq!(conn.poll_transmit(&mut out), Ok(None));
    assert_eq!(conn.ready_state(), ReadyState::Closed);
}

#[test]
fn header_values_that_are_not_text_are_400() {
    // HTTP allows obs-text (0x80-0xFF) in values; the request view hands out `&str`,
    // so values that are not UTF-8 are refused.
    for (from, to) in [
        ("Host: h", "Host: h\\xff"),
        ("\r\n", "\r\nOrigin: http://\\xff\r\n"),
    ] {
        let mut request = REQUEST.replacen(from, to, 1).into_bytes();
        let at = request.windows(4).position(|w| w == b"\\xff").unwrap();
        request.splice(at..at + 4, [0xff]);
        request.extend_from_slice(b"\r\n");
        let (error, sent) = reject(Config::default(), &request);
        assert_eq!(error, Error::Handshake(HandshakeError::InvalidHeaderValue));
        assert!(status_line(&sent).starts_with("HTTP/1.1 400 "));
    }
}

#[test]
fn too_many_protocol_headers_are_400() {
    let lines: String = (0..9)
        .map(|i| format!("Sec-WebSocket-Protocol: p{i}\r\n"))
        .collect();
    let (error, sent) = reject(
        Config::default(),
        format!("{REQUEST}{lines}\r\n").as_bytes(),
    );
    assert_eq!(error, Error::Handshake(HandshakeError::TooManyOfferHeaders));
    assert!(status_line(&sent).starts_with("HTTP/1.1 400 "));
    // Eight lines are kept.
    let lines: String = (0..8)
        .map(|i| format!("Sec-WebSocket-Protocol: p{i}\r\n"))
        .collect();
    let request = format!("{REQUEST}{lines}\r\n");
    let Ok(Status::Complete { value, .. }) =
        server::Request::parse(request.as_bytes(), &HandshakeLimits::default())
    else {
        panic!("eight protocol lines are fine")
    };
    assert_eq!(value.protocols().count(), 8);
}

#[test]
fn message_limit_applies_from_the_continuation_header() {
    let config = Config {
        max_frame_len: 100,
        max_message_len: 150,
        ..Config::default()
    };
    let mut conn = Connection::server(config).with_handshake_done();
    let mut stream = frame(OpCode::Text, false, &[b'a'; 100], KEY);
    // Only the header of a 51-byte continuation: 151 bytes would be too many.
    stream.extend_from_slice(&frame(OpCode::Continuation, true, &[b'a'; 51], KEY)[..6]);
    let outcome = drive(&mut conn, &[&stream]);
    assert_eq!(
        outcome.error,
        Some(Error::Protocol(ProtocolError::MessageTooLarge))
    );
    assert_eq!(
        outcome.transmitted,
        frame(OpCode::Close, true, b"\x03\xf1", None)
    );
    // A first frame whose own length is over the message limit: refused at its header.
    let mut conn = Connection::server(Config {
        max_message_len: 50,
        ..config
    })
    .with_handshake_done();
    let header = &frame(OpCode::Binary, true, &[0; 60], KEY)[..6];
    assert_eq!(
        drive(&mut conn, &[header]).error,
        Some(Error::Protocol(ProtocolError::MessageTooLarge))
    );
}

/// The default fragment limit holds: 131072 frames are one message, one more is 1009.
#[test]
#[cfg_attr(miri, ignore = "131072 frames take too long under Miri")]
fn default_fragment_limit_stops_endless_empty_continuations() {
    let limit = Config::default().max_fragments;
    assert_eq!(limit, 1 << 17);
    let mut conn = Connection::server(Config::default()).with_handshake_done();
    let empty = frame(OpCode::Continuation, false, b"", KEY);
    let mut stream = frame(OpCode::Binary, false, b"", KEY);
    for _ in 1..limit {
        stream.extend_from_slice(&empty);
    }
    let outcome = drive(&mut conn, &[&stream]);
    assert_eq!(outcome.error, None);
    let outcome = drive(&mut conn, &[&empty]);
    assert_eq!(
        outcome.error,
        Some(Error::Protocol(ProtocolError::TooManyFragments))
    );
    assert_eq!(
        outcome.transmitted,
        frame(OpCode::Close, true, b"\x03\xf1", None)
    );
}

/// Lengths stay u64 until checked against the target's usize: on 32-bit targets a 4 GiB
/// frame is refused with 1009 even when no limit is configured; on 64-bit targets it is
/// accepted and streamed.
#[test]
fn frame_longer_than_usize_with_no_limits() {
    let config = Config {
        max_frame_len: u64::MAX,
        max_message_len: u64::MAX,
        ..Config::default()
    };
    let len: u64 = 1 << 32;
    let mut stream = vec![0x82, 0xFF];
    stream.extend_from_slice(&len.to_be_bytes());
    stream.extend_from_slice(&[0, 0, 0, 0]);
    stream.extend_from_slice(b"abc");
    let mut conn = Connection::server(config).with_handshake_done();
    let outcome = drive(&mut conn, &[&stream]);
    if usize::BITS < 64 {
        assert_eq!(
            outcome.error,
            Some(Error::Protocol(ProtocolError::LengthOverflow))
        );
        assert_eq!(
            outcome.transmitted,
            frame(OpCode::Close, true, b"\x03\xf1", None)
        );
    } else {
        assert_eq!(outcome.error, None);
        assert!(outcome.seen.is_empty(), "the message is not finished");
        assert_eq!(conn.ready_state(), ReadyState::Open);
    }
}

#[test]
fn bytes_after_the_peer_close_are_refused() {
    let mut conn = Connection::server(Config::default()).with_handshake_done();
    let mut stream = frame(OpCode::Close, true, b"\x03\xe8", KEY);
    let close_len = stream.len();
    stream.extend_from_slice(&frame(OpCode::Text, true, b"late", KEY));
    let got = conn.receive(&mut stream).unwrap();
    assert_eq!(got.consumed, close_len);
    assert!(matches!(got.event, Some(wsframe::Event::Close(_))));
    assert_eq!(conn.receive(&mut stream[close_len..]), Err(Error::Closed));
    // The echo is still owed, and nothing after it.
    let mut out = [0u8; 16];
    let n = conn.poll_transmit(&mut out).unwrap().unwrap();
    assert_eq!(&out[..n], frame(OpCode::Close, true, b"\x03\xe8", None));
    assert_eq!(conn.poll_transmit(&mut out), Ok(None));
    assert_eq!(conn.ready_state(), ReadyState::Closed);
}
