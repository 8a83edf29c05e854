//! The echo server over real smoltcp TCP on an in-memory device, driven by a client
//! socket on the same interface.

use wsframe::{CloseCode, DataKind, ReadyState};
use wsframe_embedded::selftest;
use wsframe_embedded::server::ServerConfig;
use wsframe_embedded::testbed::{socket_slots, Received, TcpBuffers, Testbed, WsClient};

const UPGRADE: &str = "Host: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";

fn with_testbed(config: ServerConfig, f: impl FnOnce(&mut Testbed<'_>)) {
    let mut slots = socket_slots();
    let mut buffers = Box::new(TcpBuffers::new());
    let mut tb = Testbed::new(&mut slots, &mut buffers, config);
    f(&mut tb);
}

fn opened(tb: &mut Testbed<'_>, seed: u8) -> WsClient {
    let mut client = WsClient::new([seed; 32]);
    client.open(tb, "/echo").unwrap();
    client
}

#[test]
fn handshake_opens_the_connection() {
    with_testbed(ServerConfig::default(), |tb| {
        tb.connect().unwrap();
        tb.send(format!("GET /echo HTTP/1.1\r\n{UPGRADE}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").as_bytes()).unwrap();
        let mut buf = [0u8; 512];
        let mut len = 0;
        while !buf[..len].ends_with(b"\r\n\r\n") {
            let n = tb.recv(&mut buf[len..]).unwrap();
            assert!(n > 0, "server closed during the handshake");
            len += n;
        }
        let text = std::str::from_utf8(&buf[..len]).unwrap();
        assert!(
            text.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
            "{text}"
        );
        assert!(text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        assert_eq!(tb.server.ready_state(), ReadyState::Open);
        assert_eq!(tb.server.stats().accepted, 1);
    });
}

#[test]
fn echoes_text_and_binary_of_every_length_class() {
    with_testbed(ServerConfig::default(), |tb| {
        let mut client = opened(tb, 1);
        let mut buf = vec![0u8; 8192];
        // 7-bit, 16-bit (126..=65535) lengths; 4000 bytes is larger than every buffer
        // on the way, so it is echoed in pieces.
        for len in [0usize, 1, 125, 126, 127, 300, 1500, 4000] {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
            client.send(tb, DataKind::Binary, &payload, true).unwrap();
            let got = client.next(tb, &mut buf).unwrap();
            assert_eq!(got, Some(Received::Message(DataKind::Binary, len)));
            assert_eq!(buf[..len], payload[..], "binary of {len} bytes");

            let text: String = (0..len)
                .map(|i| char::from(b'a' + (i % 26) as u8))
                .collect();
            client
                .send(tb, DataKind::Text, text.as_bytes(), true)
                .unwrap();
            let got = client.next(tb, &mut buf).unwrap();
            assert_eq!(got, Some(Received::Message(DataKind::Text, len)));
            assert_eq!(&buf[..len], text.as_bytes());
        }
        assert_eq!(tb.server.stats().messages, 16);
    });
}

#[test]
fn echoes_a_fragmented_message_with_a_ping_inside() {
    with_testbed(ServerConfig::default(), |tb| {
        let mut client = opened(tb, 2);
        let mut buf = [0u8; 256];
        // "héllo" split inside the two-byte é.
        let text = "héllo wörld".as_bytes();
        client.send(tb, DataKind::Text, &text[..2], false).unwrap();
        client.ping(tb, b"mid").unwrap();
        client.send(tb, DataKind::Text, &text[2..7], false).unwrap();
        client.send(tb, DataKind::Text, &text[7..], true).unwrap();
        assert_eq!(client.next(tb, &mut buf).unwrap(), Some(Received::Pong(3)));
        assert_eq!(client.last_pong(), b"mid");
        let got = client.next(tb, &mut buf).unwrap();
        assert_eq!(got, Some(Received::Message(DataKind::Text, text.len())));
        assert_eq!(&buf[..text.len()], text);
    });
}

#[test]
fn answers_ping_with_pong() {
    with_testbed(ServerConfig::default(), |tb| {
        let mut client = opened(tb, 3);
        let mut buf = [0u8; 256];
        let payload = [0x5a; 125];
        client.ping(tb, &payload).unwrap();
        assert_eq!(
            client.next(tb, &mut buf).unwrap(),
            Some(Received::Pong(125))
        );
        assert_eq!(client.last_pong(), payload);
    });
}

#[test]
fn closes_cleanly_and_listens_again() {
    with_testbed(ServerConfig::default(), |tb| {
        let mut client = opened(tb, 4);
        let mut buf = [0u8; 64];
        client.close(tb, CloseCode::GOING_AWAY).unwrap();
        assert_eq!(
            client.next(tb, &mut buf).unwrap(),
            Some(Received::Close(Some(1001)))
        );
        // The server closes TCP first (RFC 6455 §7.1.1).
        assert_eq!(tb.recv_to_end(&mut buf).unwrap(), 0);
        tb.close_client().unwrap();
        tb.run_until(|tb| tb.server.ready_state() == ReadyState::Closed)
            .unwrap();
        let mut client = opened(tb, 5);
        client.send(tb, DataKind::Text, b"again", true).unwrap();
        let got = client.next(tb, &mut buf).unwrap();
        assert_eq!(got, Some(Received::Message(DataKind::Text, 5)));
    });
}

fn http_reply(tb: &mut Testbed<'_>, request: &str) -> String {
    tb.connect().unwrap();
    tb.send(request.as_bytes()).unwrap();
    let mut buf = [0u8; 1024];
    let n = tb.recv_to_end(&mut buf).unwrap();
    tb.close_client().unwrap();
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

#[test]
fn bad_requests_get_400_and_426() {
    with_testbed(ServerConfig::default(), |tb| {
        let reply = http_reply(
            tb,
            &format!("GET / HTTP/1.1\r\n{UPGRADE}Sec-WebSocket-Version: 13\r\n\r\n"),
        );
        assert!(reply.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{reply}");
        let reply = http_reply(
            tb,
            &format!("GET / HTTP/1.1\r\n{UPGRADE}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"),
        );
        assert!(
            reply.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
            "{reply}"
        );
        assert!(reply.contains("Sec-WebSocket-Version: 13\r\n"));
        let reply = http_reply(tb, "POST / HTTP/1.1\r\nHost: h\r\n\r\n");
        assert!(reply.starts_with("HTTP/1.1 400 "), "{reply}");
        // A request larger than the server's input buffer.
        let long = "x".repeat(1500);
        let reply = http_reply(
            tb,
            &format!("GET / HTTP/1.1\r\n{UPGRADE}X-Long: {long}\r\n\r\n"),
        );
        assert!(reply.starts_with("HTTP/1.1 431 "), "{reply}");
        assert_eq!(tb.server.stats().rejected, 4);
        assert_eq!(tb.server.stats().accepted, 0);
    });
}

#[test]
fn oversized_message_is_refused_with_1009() {
    let mut config = ServerConfig::default();
    config.ws.max_message_len = 1000;
    config.ws.max_frame_len = 1000;
    with_testbed(config, |tb| {
        let mut buf = vec![0u8; 2048];
        // One frame too large.
        let mut client = opened(tb, 6);
        client.send(tb, DataKind::Binary, &[1; 1001], true).unwrap();
        assert_eq!(
            client.next(tb, &mut buf).unwrap(),
            Some(Received::Close(Some(1009)))
        );
        assert_eq!(tb.recv_to_end(&mut buf).unwrap(), 0);
        tb.close_client().unwrap();
        // Fragments adding up to too much: the first one is echoed, then 1009.
        let mut client = opened(tb, 7);
        client.send(tb, DataKind::Binary, &[2; 600], false).unwrap();
        client.send(tb, DataKind::Binary, &[3; 600], true).unwrap();
        assert_eq!(
            client.next(tb, &mut buf).unwrap(),
            Some(Received::Close(Some(1009)))
        );
        tb.close_client().unwrap();
        assert_eq!(tb.server.stats().failed, 2);
    });
}

#[test]
fn three_clients_in_a_row() {
    with_testbed(ServerConfig::default(), |tb| {
        let mut buf = [0u8; 64];
        for i in 0..3u8 {
            let mut client = opened(tb, 10 + i);
            let msg = [b'0' + i; 3];
            client.send(tb, DataKind::Text, &msg, true).unwrap();
            let got = client.next(tb, &mut buf).unwrap();
            assert_eq!(got, Some(Received::Message(DataKind::Text, 3)));
            assert_eq!(buf[..3], msg);
            client.close(tb, CloseCode::NORMAL).unwrap();
            assert_eq!(
                client.next(tb, &mut buf).unwrap(),
                Some(Received::Close(Some(1000)))
            );
            tb.close_client().unwrap();
        }
        let stats = tb.server.stats();
        assert_eq!(
            (stats.connections, stats.accepted, stats.messages),
            (3, 3, 3)
        );
    });
}

#[test]
fn a_handshake_that_never_completes_is_dropped() {
    with_testbed(ServerConfig::default(), |tb| {
        tb.connect().unwrap();
        tb.send(b"GET / HTTP/1.1\r\nHost: h\r\n").unwrap();
        let start = tb.now();
        let mut buf = [0u8; 64];
        // The server resets the connection after its 5 s handshake timeout.
        let n = tb.recv(&mut buf).unwrap();
        assert_eq!(n, 0);
        let waited = tb.now() - start;
        assert!(waited.secs() >= 5 && waited.secs() < 7, "{waited}");
        assert_eq!(tb.server.stats().handshake_timeouts, 1);
        tb.close_client().unwrap();
        // And a well-behaved client is served afterwards.
        let mut client = opened(tb, 20);
        client.send(tb, DataKind::Text, b"ok", true).unwrap();
        assert_eq!(
            client.next(tb, &mut buf).unwrap(),
            Some(Received::Message(DataKind::Text, 2))
        );
    });
}

#[test]
fn the_self_test_scenario_passes() {
    let mut slots = socket_slots();
    let mut buffers = Box::new(TcpBuffers::new());
    selftest::run(&mut slots, &mut buffers).unwrap();
}

#[test]
fn a_request_split_across_segments_is_answered() {
    with_testbed(ServerConfig::default(), |tb| {
        tb.connect().unwrap();
        let request = format!("GET / HTTP/1.1\r\n{UPGRADE}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        let mut request = request.into_bytes();
        // A masked empty text frame right behind the request.
        request.extend_from_slice(b"\x81\x80\x01\x02\x03\x04");
        // In pieces that each travel as their own segment, with time in between.
        for piece in request.chunks(7) {
            tb.send(piece).unwrap();
            tb.advance(5);
        }
        let mut buf = [0u8; 512];
        let mut len = 0;
        // The 101 and then the echo of the empty text message.
        while !buf[..len].ends_with(b"\r\n\r\n\x81\x00") {
            let n = tb.recv(&mut buf[len..]).unwrap();
            assert!(
                n > 0,
                "server closed: {:?}",
                String::from_utf8_lossy(&buf[..len])
            );
            len += n;
        }
        assert!(buf.starts_with(b"HTTP/1.1 101 "));
        assert_eq!(tb.server.stats().messages, 1);
    });
}

fn idle_config() -> ServerConfig {
    ServerConfig {
        idle_timeout: Some(smoltcp::time::Duration::from_secs(10)),
        ..ServerConfig::default()
    }
}

#[test]
fn an_idle_connection_is_closed_with_1001_counting_from_the_last_message() {
    with_testbed(idle_config(), |tb| {
        let mut client = opened(tb, 30);
        let mut buf = [0u8; 64];
        tb.advance(8_000);
        client.send(tb, DataKind::Text, b"here", true).unwrap();
        let got = client.next(tb, &mut buf).unwrap();
        assert_eq!(got, Some(Received::Message(DataKind::Text, 4)));
        let heard = tb.now();
        // Pings do not count as activity.
        tb.advance(5_000);
        client.ping(tb, b"p").unwrap();
        assert_eq!(client.next(tb, &mut buf).unwrap(), Some(Received::Pong(1)));
        let got = client.next(tb, &mut buf).unwrap();
        assert_eq!(got, Some(Received::Close(Some(1001))));
        let waited = tb.now() - heard;
        assert!(waited.secs() >= 10 && waited.secs() < 11, "{waited}");
        // The client answered the close: the server closes TCP and serves the next one.
        assert_eq!(tb.recv_to_end(&mut buf).unwrap(), 0);
        tb.close_client().unwrap();
        let stats = tb.server.stats();
        assert_eq!((stats.idle_timeouts, stats.close_timeouts), (1, 0));
        let mut client = opened(tb, 31);
        client.send(tb, DataKind::Text, b"next", true).unwrap();
        let got = client.next(tb, &mut buf).unwrap();
        assert_eq!(got, Some(Received::Message(DataKind::Text, 4)));
    });
}

#[test]
fn an_unanswered_idle_close_is_dropped_after_the_close_timeout() {
    with_testbed(idle_config(), |tb| {
        let _client = opened(tb, 32);
        let mut buf = [0u8; 64];
        // The close frame, unmasked: 1001 and "idle timeout". The client never answers.
        let n = tb.recv(&mut buf).unwrap();
        assert_eq!(&buf[..4], [0x88, 14, 0x03, 0xe9]);
        assert_eq!(&buf[4..n], b"idle timeout");
        let sent = tb.now();
        // Then the server drops the connection after its 2 s close timeout.
        assert_eq!(tb.recv(&mut buf).unwrap(), 0);
        let waited = tb.now() - sent;
        assert!(waited.secs() >= 2 && waited.secs() < 3, "{waited}");
        let stats = tb.server.stats();
        assert_eq!((stats.idle_timeouts, stats.close_timeouts), (1, 1));
        tb.close_client().unwrap();
        let mut client = opened(tb, 33);
        client.send(tb, DataKind::Text, b"next", true).unwrap();
        let got = client.next(tb, &mut buf).unwrap();
        assert_eq!(got, Some(Received::Message(DataKind::Text, 4)));
    });
}

#[test]
fn without_an_idle_timeout_a_silent_connection_stays_open() {
    with_testbed(ServerConfig::default(), |tb| {
        let mut client = opened(tb, 34);
        let mut buf = [0u8; 64];
        tb.advance(15_000);
        client.send(tb, DataKind::Text, b"still", true).unwrap();
        let got = client.next(tb, &mut buf).unwrap();
        assert_eq!(got, Some(Received::Message(DataKind::Text, 5)));
        assert_eq!(tb.server.stats().idle_timeouts, 0);
    });
}
