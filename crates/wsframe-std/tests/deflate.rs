//! permessage-deflate (RFC 7692) through this crate over TCP on 127.0.0.1: negotiation
//! both ways, compressed frames on the wire, the inflate limit (1009), corrupt data and
//! invalid inflated text (1007), and a client refusing a bad answer. Raw peers build
//! their frames with the core and wsframe-deflate. Every socket has a read timeout.
#![cfg(feature = "deflate")]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use wsframe_std::wsframe::frame::{encode_frame, FrameHeader, OpCode, RSV1};
use wsframe_std::wsframe::handshake::extensions::Extensions;
use wsframe_std::wsframe::{Config, DataKind, DecodeRules, Decoded, ProtocolError, Role};
use wsframe_std::wsframe_deflate::{negotiate, DeflateError, NegotiationError, PerMessageDeflate};
use wsframe_std::{ClientOptions, DeflateConfig, Error, Message, ServerOptions, WebSocket};

const TIMEOUT: Duration = Duration::from_secs(10);
const KEY: [u8; 4] = [1, 2, 3, 4];

fn spawn_server<T: Send + 'static>(
    server: impl FnOnce(TcpStream) -> T + Send + 'static,
) -> (String, JoinHandle<T>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        server(stream)
    });
    (addr, handle)
}

fn tcp(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream
}

fn compressing(min_size: usize) -> DeflateConfig {
    DeflateConfig {
        min_size,
        ..DeflateConfig::default()
    }
}

/// Echoes until the connection ends; returns how it ended.
fn echo(mut ws: WebSocket<TcpStream>) -> Error {
    loop {
        let sent = match ws.read() {
            Ok(Message::Text(t)) => ws.send_text(&t),
            Ok(Message::Binary(b)) => ws.send_binary(&b),
            Ok(_) => Ok(()),
            Err(e) => return e,
        };
        if let Err(e) = sent {
            return e;
        }
    }
}

/// A server with permessage-deflate (`config`) that echoes; `max_message` bytes at most.
fn deflate_server(config: DeflateConfig, max_message: u64) -> (String, JoinHandle<Error>) {
    spawn_server(move |stream| {
        let options = ServerOptions::default()
            .config(Config {
                max_message_len: max_message,
                max_frame_len: max_message,
                ..Config::default()
            })
            .permessage_deflate(config);
        echo(WebSocket::accept_with(stream, &options).unwrap())
    })
}

/// Reads bytes until the head ends; returns the head and whatever followed it.
fn read_head(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    for _ in 0..1000 {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            return (String::from_utf8(buf).unwrap(), rest);
        }
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "stream ended in the head");
        buf.extend_from_slice(&chunk[..n]);
    }
    panic!("no end of head");
}

/// A raw client: the opening handshake with `offer`; returns the response head.
fn raw_client(addr: &str, offer: &str) -> (TcpStream, String) {
    let mut stream = tcp(addr);
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Extensions: {offer}\r\n\r\n"
    )
    .unwrap();
    let (head, rest) = read_head(&mut stream);
    assert!(rest.is_empty());
    (stream, head)
}

/// One masked client frame.
fn client_frame(opcode: OpCode, fin: bool, rsv: u8, payload: &[u8]) -> Vec<u8> {
    let header = FrameHeader {
        rsv,
        mask: Some(KEY),
        ..FrameHeader::new(opcode, fin, payload.len() as u64)
    };
    let mut out = vec![0u8; payload.len() + 14];
    let n = encode_frame(header, payload, &mut out).unwrap();
    out.truncate(n);
    out
}

/// Reads one whole server frame: (header, payload).
fn read_frame(stream: &mut TcpStream, pending: &mut Vec<u8>) -> (FrameHeader, Vec<u8>) {
    let rules = DecodeRules {
        allowed_rsv: RSV1,
        max_payload_len: 1 << 30,
        ..DecodeRules::new(Role::Client)
    };
    let mut chunk = [0u8; 16 * 1024];
    for _ in 0..10_000 {
        if let Ok(Decoded::Complete { header, header_len }) = FrameHeader::decode(pending, &rules) {
            let len = usize::try_from(header.payload_len).unwrap();
            if pending.len() >= header_len + len {
                let payload = pending[header_len..header_len + len].to_vec();
                pending.drain(..header_len + len);
                return (header, payload);
            }
        }
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "stream ended before a whole frame");
        pending.extend_from_slice(&chunk[..n]);
    }
    panic!("no whole frame");
}

fn close_code(payload: &[u8]) -> u16 {
    u16::from_be_bytes([payload[0], payload[1]])
}

#[test]
fn both_ends_negotiate_and_messages_round_trip() {
    let (addr, server) = deflate_server(compressing(0), 64 << 20);
    let options = ClientOptions {
        permessage_deflate: Some(DeflateConfig::default()),
        ..ClientOptions::default()
    };
    let mut ws = WebSocket::connect(tcp(&addr), &addr, "/", &options).unwrap();
    assert_eq!(ws.extensions(), Some("permessage-deflate"));
    let json = r#"{"id":17,"user":"zoë","tags":["a","€","😀"],"ok":true}"#;
    for len in [0usize, 1, 125, 126, 65535, 65536, 1 << 20] {
        // Multi-byte text, compressible and not.
        let text: String = json.chars().cycle().take(len).collect();
        ws.send_text(&text).unwrap();
        assert_eq!(ws.read().unwrap(), Message::Text(text));
        let data: Vec<u8> = (0..len as u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        ws.send_binary(&data).unwrap();
        assert_eq!(ws.read().unwrap(), Message::Binary(data));
    }
    // Fragmented sends go uncompressed and still round-trip, then compression resumes.
    ws.send_fragment(DataKind::Text, "frag".as_bytes(), false)
        .unwrap();
    ws.send_fragment(DataKind::Text, "ment".as_bytes(), true)
        .unwrap();
    assert_eq!(ws.read().unwrap(), Message::Text("fragment".into()));
    ws.send_text(&json.repeat(10)).unwrap();
    assert_eq!(ws.read().unwrap(), Message::Text(json.repeat(10)));
    ws.close(None, "").unwrap();
    assert!(matches!(ws.read().unwrap(), Message::Close { .. }));
    assert!(matches!(server.join().unwrap(), Error::Closed));
}

#[test]
fn server_sends_rsv1_frames_that_inflate_and_reads_fragmented_compressed_messages() {
    let (addr, server) = deflate_server(compressing(0), 1 << 20);
    let offer = "permessage-deflate; server_no_context_takeover; client_max_window_bits";
    let (mut stream, head) = raw_client(&addr, offer);
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(
        head.contains(
            "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"
        ),
        "{head}"
    );
    let config = compressing(0);
    let agreed = negotiate(Extensions::new(offer).flatten(), &config).unwrap();
    let mut codec = PerMessageDeflate::new(&agreed, Role::Client, &config);
    let message = "Hello, Hello, Hello, wsframe! ünïcödé ".repeat(50);
    let mut wire = Vec::new();
    codec.compress(message.as_bytes(), &mut wire).unwrap();
    // RSV1 on the first of three frames only (§6.1).
    let (a, rest) = wire.split_at(wire.len() / 3);
    let (b, c) = rest.split_at(rest.len() / 2);
    let mut bytes = client_frame(OpCode::Text, false, RSV1, a);
    bytes.extend(client_frame(OpCode::Continuation, false, 0, b));
    bytes.extend(client_frame(OpCode::Ping, true, 0, b"mid"));
    bytes.extend(client_frame(OpCode::Continuation, true, 0, c));
    stream.write_all(&bytes).unwrap();
    let mut pending = Vec::new();
    let (pong, payload) = read_frame(&mut stream, &mut pending);
    assert_eq!(
        (pong.opcode, pong.rsv, &payload[..]),
        (OpCode::Pong, 0, &b"mid"[..])
    );
    // The echo is one compressed frame; the server resets its context, so every
    // echo inflates on its own.
    for _ in 0..2 {
        let (echo, payload) = read_frame(&mut stream, &mut pending);
        assert_eq!(
            (echo.opcode, echo.rsv, echo.fin),
            (OpCode::Text, RSV1, true)
        );
        assert!(payload.len() < message.len() / 4, "{}", payload.len());
        let mut fresh = PerMessageDeflate::new(&agreed, Role::Client, &config);
        let mut inflated = Vec::new();
        fresh
            .decompress(&payload, true, 1 << 20, &mut inflated)
            .unwrap();
        assert_eq!(inflated, message.as_bytes());
        let mut again = Vec::new();
        codec.compress(message.as_bytes(), &mut again).unwrap();
        stream
            .write_all(&client_frame(OpCode::Text, true, RSV1, &again))
            .unwrap();
    }
    let (echo, _) = read_frame(&mut stream, &mut pending);
    assert_eq!(echo.rsv, RSV1);
    stream
        .write_all(&client_frame(
            OpCode::Close,
            true,
            0,
            &1000u16.to_be_bytes(),
        ))
        .unwrap();
    let (close, payload) = read_frame(&mut stream, &mut pending);
    assert_eq!(
        (close.opcode, close.rsv, close_code(&payload)),
        (OpCode::Close, 0, 1000)
    );
    assert!(matches!(server.join().unwrap(), Error::Closed));
}

/// Sends one compressed client message to a deflate server; returns the server's close
/// code and how the server's read ended.
fn send_compressed_to_server(kind: OpCode, payload: &[u8], max_message: u64) -> (u16, Error) {
    let (addr, server) = deflate_server(compressing(0), max_message);
    let (mut stream, head) = raw_client(&addr, "permessage-deflate");
    assert!(head.contains("permessage-deflate"), "{head}");
    stream
        .write_all(&client_frame(kind, true, RSV1, payload))
        .unwrap();
    let mut pending = Vec::new();
    let (close, body) = read_frame(&mut stream, &mut pending);
    assert_eq!(close.opcode, OpCode::Close);
    (close_code(&body), server.join().unwrap())
}

fn compress_as_client(message: &[u8]) -> Vec<u8> {
    let config = compressing(0);
    let agreed = negotiate(Extensions::new("permessage-deflate").flatten(), &config).unwrap();
    let mut wire = Vec::new();
    PerMessageDeflate::new(&agreed, Role::Client, &config)
        .compress(message, &mut wire)
        .unwrap();
    wire
}

#[test]
fn a_decompression_bomb_fails_with_1009() {
    let bomb = compress_as_client(&vec![0u8; 16 << 20]);
    assert!(bomb.len() < 32 * 1024, "{}", bomb.len());
    let (code, end) = send_compressed_to_server(OpCode::Binary, &bomb, 1 << 20);
    assert_eq!(code, 1009);
    assert!(
        matches!(end, Error::Deflate(DeflateError::TooBig)),
        "{end:?}"
    );
}

#[test]
fn corrupt_data_fails_with_1007() {
    let (code, end) = send_compressed_to_server(OpCode::Binary, &[0xff; 8], 1 << 20);
    assert_eq!(code, 1007);
    assert!(
        matches!(end, Error::Deflate(DeflateError::Corrupt)),
        "{end:?}"
    );
}

#[test]
fn invalid_inflated_text_fails_with_1007() {
    // Valid DEFLATE whose content is not UTF-8 (the core cannot see it: it is compressed).
    let wire = compress_as_client(b"valid start then \xc0\xaf and more");
    let (code, end) = send_compressed_to_server(OpCode::Text, &wire, 1 << 20);
    assert_eq!(code, 1007);
    assert!(
        matches!(end, Error::Protocol(ProtocolError::InvalidUtf8)),
        "{end:?}"
    );
    // Text cut inside a code point is invalid too.
    let wire = compress_as_client("ab€".as_bytes().split_at(4).0);
    let (code, _) = send_compressed_to_server(OpCode::Text, &wire, 1 << 20);
    assert_eq!(code, 1007);
}

#[test]
fn rsv1_without_negotiation_is_a_protocol_error() {
    let (addr, server) = spawn_server(|stream| echo(WebSocket::accept(stream).unwrap()));
    let (mut stream, head) = raw_client(&addr, "permessage-deflate");
    // The default server declines every extension.
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("sec-websocket-extensions"),
        "{head}"
    );
    stream
        .write_all(&client_frame(
            OpCode::Text,
            true,
            RSV1,
            &compress_as_client(b"hi"),
        ))
        .unwrap();
    let mut pending = Vec::new();
    let (close, body) = read_frame(&mut stream, &mut pending);
    assert_eq!((close.opcode, close_code(&body)), (OpCode::Close, 1002));
    assert!(matches!(
        server.join().unwrap(),
        Error::Protocol(ProtocolError::ReservedBits(_))
    ));
}

#[test]
fn client_offer_declined_by_the_server_works_uncompressed() {
    let (addr, server) = spawn_server(|stream| echo(WebSocket::accept(stream).unwrap()));
    let options = ClientOptions {
        permessage_deflate: Some(compressing(0)),
        ..ClientOptions::default()
    };
    let mut ws = WebSocket::connect(tcp(&addr), &addr, "/", &options).unwrap();
    assert_eq!(ws.extensions(), None);
    let text = "x".repeat(1000);
    ws.send_text(&text).unwrap();
    assert_eq!(ws.read().unwrap(), Message::Text(text));
    ws.close(None, "").unwrap();
    assert!(matches!(ws.read().unwrap(), Message::Close { .. }));
    assert!(matches!(server.join().unwrap(), Error::Closed));
}

#[test]
fn client_applies_the_server_answer() {
    // The server shrinks the client's window and asks it to reset its context.
    let server_config = DeflateConfig {
        client_no_context_takeover: true,
        client_max_window_bits: 10,
        server_max_window_bits: 9,
        min_size: 0,
        ..DeflateConfig::default()
    };
    let (addr, server) = deflate_server(server_config, 1 << 20);
    let options = ClientOptions {
        permessage_deflate: Some(compressing(0)),
        ..ClientOptions::default()
    };
    let mut ws = WebSocket::connect(tcp(&addr), &addr, "/", &options).unwrap();
    assert_eq!(
        ws.extensions(),
        Some("permessage-deflate; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10")
    );
    for i in 0..20 {
        let text = format!("{{\"n\":{i},\"pad\":\"{}\"}}", "ab".repeat(i * 100));
        ws.send_text(&text).unwrap();
        assert_eq!(ws.read().unwrap(), Message::Text(text));
    }
    ws.close(None, "").unwrap();
    assert!(matches!(ws.read().unwrap(), Message::Close { .. }));
    assert!(matches!(server.join().unwrap(), Error::Closed));
}

#[test]
fn client_fails_the_connection_on_a_bad_answer() {
    let (addr, server) = spawn_server(|mut stream| {
        let (head, _) = read_head(&mut stream);
        assert!(
            head.contains(
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
            ),
            "{head}"
        );
        let key = head
            .lines()
            .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
            .unwrap();
        let accept = wsframe_std::wsframe::accept_key(key.as_bytes());
        // client_max_window_bits needs a value in an answer (RFC 7692 §7.1.2.2).
        write!(
            stream,
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\
             Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n",
            std::str::from_utf8(&accept).unwrap()
        )
        .unwrap();
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        bytes
    });
    let options = ClientOptions {
        permessage_deflate: Some(DeflateConfig::default()),
        ..ClientOptions::default()
    };
    let err = WebSocket::connect(tcp(&addr), &addr, "/", &options).unwrap_err();
    assert!(
        matches!(
            err,
            Error::DeflateNegotiation(NegotiationError::InvalidParameter)
        ),
        "{err:?}"
    );
    // The client failed the connection with a close frame (masked, code 1002).
    let bytes = server.join().unwrap();
    assert_eq!(bytes.first(), Some(&0x88));
    let rules = DecodeRules::new(Role::Server);
    let Ok(Decoded::Complete { header, header_len }) = FrameHeader::decode(&bytes, &rules) else {
        panic!("no close frame: {bytes:?}");
    };
    let mut body = bytes[header_len..].to_vec();
    wsframe_std::wsframe::apply_mask(&mut body, header.mask.unwrap(), 0);
    assert_eq!(close_code(&body), 1002);
}
