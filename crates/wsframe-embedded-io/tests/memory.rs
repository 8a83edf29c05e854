//! The blocking WebSocket over an in-memory stream that hands out its input a few bytes
//! at a time and records what is written.

use std::convert::Infallible;

use wsframe::handshake::client::Request;
use wsframe::{CloseCode, Config, Connection, DataKind, Event};
use wsframe_embedded_io::blocking::WebSocket;
use wsframe_embedded_io::{Error, Message, Piece};

const REQUEST: &[u8] =
    b"GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// Input given `chunk` bytes per read; output collected.
#[derive(Debug)]
struct Script {
    input: Vec<u8>,
    pos: usize,
    chunk: usize,
    output: Vec<u8>,
    /// How much of `output` had been written at each flush.
    flushes: Vec<usize>,
}

impl Script {
    fn new(input: Vec<u8>, chunk: usize) -> Self {
        Self {
            input,
            pos: 0,
            chunk,
            output: Vec::new(),
            flushes: Vec::new(),
        }
    }
}

impl embedded_io::ErrorType for Script {
    type Error = Infallible;
}

impl embedded_io::Read for Script {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        let n = buf.len().min(self.chunk).min(self.input.len() - self.pos);
        buf[..n].copy_from_slice(&self.input[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl embedded_io::Write for Script {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        // Accept a few bytes at a time too, so partial writes are exercised.
        let n = buf.len().min(7);
        self.output.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> Result<(), Infallible> {
        self.flushes.push(self.output.len());
        Ok(())
    }
}

/// Frames as a client sends them (masked), encoded by the core.
struct Peer(Connection);

impl Peer {
    fn new() -> Self {
        Self(Connection::client(Config::default(), [3; 32]).with_handshake_done())
    }
    fn frame(&mut self, kind: DataKind, payload: &[u8], fin: bool) -> Vec<u8> {
        let mut out = vec![0; payload.len() + 14];
        let n = self.0.send_fragment(kind, payload, fin, &mut out).unwrap();
        out.truncate(n);
        out
    }
    fn ping(&mut self, payload: &[u8]) -> Vec<u8> {
        let mut out = [0; 200];
        let n = self.0.send_ping(payload, &mut out).unwrap();
        out[..n].to_vec()
    }
    fn close(&mut self, code: CloseCode, reason: &str) -> Vec<u8> {
        let mut out = [0; 200];
        let n = self.0.send_close(Some(code), reason, &mut out).unwrap();
        out[..n].to_vec()
    }
}

/// Decodes what a server wrote after its 101 response: (opcode byte, payload) pairs.
fn server_frames(output: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let head_end = output.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(output.starts_with(b"HTTP/1.1 101"));
    let mut rest = output[head_end..].to_vec();
    let mut client = Connection::client(Config::default(), [0; 32]).with_handshake_done();
    let mut frames = Vec::new();
    let mut pos = 0;
    while pos < rest.len() {
        let first = rest[pos];
        let got = client.receive(&mut rest[pos..]).unwrap();
        pos += got.consumed;
        match got.event {
            Some(Event::Data(d)) => frames.push((first, d.payload.to_vec())),
            Some(Event::Ping(p)) | Some(Event::Pong(p)) => frames.push((first, p.to_vec())),
            Some(Event::Close(c)) => frames.push((first, c.code.unwrap().0.to_be_bytes().to_vec())),
            _ => break,
        }
    }
    frames
}

#[test]
fn echo_ping_and_close_at_every_read_size() {
    let mut peer = Peer::new();
    let mut input = REQUEST.to_vec();
    input.extend(peer.frame(DataKind::Text, "héllo".as_bytes(), true));
    input.extend(peer.ping(b"p"));
    input.extend(peer.frame(DataKind::Binary, &[1, 2], false));
    input.extend(peer.ping(b"q"));
    input.extend(peer.frame(DataKind::Binary, &[3], true));
    input.extend(peer.close(CloseCode::NORMAL, "bye"));
    for chunk in 1..=input.len() {
        let mut buf = [0u8; 512];
        let io = Script::new(input.clone(), chunk);
        let mut ws = WebSocket::accept(io, &mut buf, Config::default()).unwrap();
        assert_eq!(ws.recv(&mut buf).unwrap(), Message::Text("héllo"));
        ws.send_text("héllo").unwrap();
        assert_eq!(ws.recv(&mut buf).unwrap(), Message::Ping(b"p"));
        // The ping inside the fragmented message comes first; the fragments are
        // gathered into one message.
        assert_eq!(ws.recv(&mut buf).unwrap(), Message::Ping(b"q"));
        assert_eq!(ws.recv(&mut buf).unwrap(), Message::Binary(&[1, 2, 3]));
        let Message::Close(close) = ws.recv(&mut buf).unwrap() else {
            panic!("close expected")
        };
        assert_eq!((close.code, close.reason), (Some(CloseCode::NORMAL), "bye"));
        assert_eq!(ws.recv(&mut buf).unwrap_err(), Error::Closed);
        let frames = server_frames(&ws.into_inner().output);
        assert_eq!(
            frames,
            [
                (0x81, "héllo".as_bytes().to_vec()),
                (0x8a, b"p".to_vec()),
                (0x8a, b"q".to_vec()),
                (0x88, 1000u16.to_be_bytes().to_vec()),
            ],
            "read size {chunk}"
        );
    }
}

#[test]
fn messages_larger_than_the_buffer_come_in_pieces() {
    let mut peer = Peer::new();
    let text: String = "añb€c😀".repeat(300);
    let mut input = REQUEST.to_vec();
    // One frame, then the same text in three fragments.
    input.extend(peer.frame(DataKind::Text, text.as_bytes(), true));
    let third = text.len() / 3;
    let bytes = text.as_bytes();
    input.extend(peer.frame(DataKind::Text, &bytes[..third], false));
    input.extend(peer.frame(DataKind::Text, &bytes[third..2 * third], false));
    input.extend(peer.frame(DataKind::Text, &bytes[2 * third..], true));
    for chunk in [1, 5, 64, 1000] {
        let mut buf = [0u8; 300];
        let io = Script::new(input.clone(), chunk);
        let mut ws = WebSocket::accept(io, &mut buf, Config::default()).unwrap();
        for _ in 0..2 {
            let mut message = Vec::new();
            let mut pieces = 0;
            loop {
                let Message::Piece(Piece {
                    kind,
                    payload,
                    first,
                    last,
                }) = ws.recv(&mut buf).unwrap()
                else {
                    panic!("pieces expected")
                };
                assert_eq!(kind, DataKind::Text);
                assert_eq!(first, pieces == 0);
                assert!(payload.len() <= 300);
                message.extend_from_slice(payload);
                pieces += 1;
                if last {
                    break;
                }
            }
            assert!(pieces >= text.len() / 300, "{pieces} pieces");
            assert_eq!(message, text.as_bytes(), "read size {chunk}");
        }
    }
}

#[test]
fn a_protocol_error_sends_its_close_code_first() {
    let mut input = REQUEST.to_vec();
    // An unmasked frame from a client (§5.1): 1002.
    input.extend(b"\x81\x02hi");
    let mut buf = [0u8; 512];
    let mut ws = WebSocket::accept(Script::new(input, 100), &mut buf, Config::default()).unwrap();
    let error = ws.recv(&mut buf).unwrap_err();
    assert_eq!(error.close_code(), Some(CloseCode::PROTOCOL_ERROR));
    assert_eq!(ws.recv(&mut buf).unwrap_err(), Error::Closed);
    let frames = server_frames(&ws.into_inner().output);
    assert_eq!(frames, [(0x88, 1002u16.to_be_bytes().to_vec())]);
}

#[test]
fn a_request_larger_than_the_buffer_gets_431() {
    let mut buf = [0u8; 64];
    let mut io = Script::new(REQUEST.to_vec(), 10);
    let error = WebSocket::accept(&mut io, &mut buf, Config::default()).unwrap_err();
    assert!(
        matches!(error, Error::Protocol(wsframe::Error::Handshake(_))),
        "{error:?}"
    );
    assert!(io.output.starts_with(b"HTTP/1.1 431"));
}

#[test]
fn a_bad_request_gets_the_cores_answer() {
    let request = String::from_utf8(REQUEST.to_vec())
        .unwrap()
        .replace("Version: 13", "Version: 8");
    let mut buf = [0u8; 512];
    let mut io = Script::new(request.into_bytes(), 1000);
    assert!(WebSocket::accept(&mut io, &mut buf, Config::default()).is_err());
    assert!(io.output.starts_with(b"HTTP/1.1 426"));
}

#[test]
fn the_stream_ending_early_is_a_reset() {
    let mut buf = [0u8; 512];
    let mut ws = WebSocket::accept(
        Script::new(REQUEST.to_vec(), 1000),
        &mut buf,
        Config::default(),
    )
    .unwrap();
    assert_eq!(ws.recv(&mut buf).unwrap_err(), Error::ConnectionReset);
}

#[test]
fn from_upgraded_uses_bytes_already_read() {
    let mut peer = Peer::new();
    let frame = peer.frame(DataKind::Binary, b"early", true);
    let mut buf = [0u8; 128];
    buf[..frame.len()].copy_from_slice(&frame);
    let conn = Connection::server(Config::default()).with_handshake_done();
    let mut ws = WebSocket::from_upgraded(Script::new(Vec::new(), 1), &mut buf, conn, frame.len());
    assert_eq!(ws.recv(&mut buf).unwrap(), Message::Binary(b"early"));
}

#[test]
fn a_client_masks_large_payloads_in_chunks() {
    // The server's 101 for the request the client writes, computed by the core.
    let nonce = [5u8; 16];
    let request = Request::new("h", "/", nonce);
    let mut server = Connection::server(Config::default());
    let mut head = vec![0u8; 512];
    let n = request.write(&mut head).unwrap();
    let mut response = vec![0u8; 512];
    let got = server.receive(&mut head[..n]).unwrap();
    let Some(Event::Request(r)) = got.event else {
        panic!()
    };
    let m = server
        .accept(&r, &Default::default(), &mut response)
        .unwrap();
    response.truncate(m);

    let payload: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();
    let mut buf = [0u8; 512];
    let io = Script::new(response, 3);
    let mut ws = WebSocket::connect(io, &mut buf, Config::default(), &request, [9; 32]).unwrap();
    ws.send_binary(&payload).unwrap();
    ws.send_text("small").unwrap();
    let output = ws.into_inner().output;
    let mut wire = output[output.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..].to_vec();
    let got = server.receive(&mut wire).unwrap();
    let consumed = got.consumed;
    let Some(Event::Data(d)) = got.event else {
        panic!()
    };
    assert_eq!(&*d.payload, &payload[..]);
    let got = server.receive(&mut wire[consumed..]).unwrap();
    let Some(Event::Data(d)) = got.event else {
        panic!()
    };
    assert_eq!(&*d.payload, b"small");
}

#[test]
fn recv_refuses_another_buffer() {
    let mut peer = Peer::new();
    let mut input = REQUEST.to_vec();
    input.extend(peer.frame(DataKind::Text, b"kept", true));
    let mut buf = [0u8; 512];
    let mut other = [0u8; 512];
    let mut ws = WebSocket::accept(Script::new(input, 1000), &mut buf, Config::default()).unwrap();
    assert_eq!(ws.recv(&mut other).unwrap_err(), Error::OtherBuffer);
    assert_eq!(ws.recv(&mut buf[..100]).unwrap_err(), Error::OtherBuffer);
    // Nothing was lost: the frame read with the request is still there.
    assert_eq!(ws.recv(&mut buf).unwrap(), Message::Text("kept"));
}

#[test]
fn a_message_can_be_echoed_while_held() {
    let mut peer = Peer::new();
    let mut input = REQUEST.to_vec();
    input.extend(peer.frame(DataKind::Binary, &[7; 700], true));
    let mut buf = [0u8; 512];
    let mut ws = WebSocket::accept(Script::new(input, 64), &mut buf, Config::default()).unwrap();
    let mut pieces = 0;
    loop {
        let Message::Piece(piece) = ws.recv(&mut buf).unwrap() else {
            panic!("pieces expected")
        };
        ws.send_fragment(piece.kind, piece.payload, piece.last)
            .unwrap();
        pieces += 1;
        if piece.last {
            break;
        }
    }
    assert!(pieces >= 2);
    let frames = server_frames(&ws.into_inner().output);
    let echoed: Vec<u8> = frames.iter().flat_map(|(_, p)| p.clone()).collect();
    assert_eq!(echoed, [7; 700]);
    assert_eq!(frames[0].0, 0x02);
    assert_eq!(frames.last().unwrap().0, 0x80);
}

#[test]
fn control_frames_are_flushed_and_data_frames_on_request() {
    let mut peer = Peer::new();
    let mut input = REQUEST.to_vec();
    input.extend(peer.ping(b"p"));
    let mut buf = [0u8; 512];
    let mut ws = WebSocket::accept(Script::new(input, 1000), &mut buf, Config::default()).unwrap();
    let after_101 = ws.get_mut().output.len();
    assert_eq!(ws.get_mut().flushes, [after_101]);
    assert_eq!(ws.recv(&mut buf).unwrap(), Message::Ping(b"p"));
    let after_pong = ws.get_mut().output.len();
    assert!(after_pong > after_101, "the pong is written at once");
    // Flushed before anything else goes out (or before `recv` waits for input).
    ws.send_binary(&[1; 300]).unwrap();
    assert_eq!(ws.get_mut().flushes, [after_101, after_pong]);
    ws.send_text("short").unwrap();
    assert_eq!(ws.get_mut().flushes.len(), 2, "data frames are not flushed");
    ws.flush().unwrap();
    let all = ws.get_mut().output.len();
    assert_eq!(ws.get_mut().flushes, [after_101, after_pong, all]);
    ws.close(None, "").unwrap();
    assert_eq!(ws.get_mut().flushes.len(), 4);
}

#[test]
fn a_burst_of_pings_is_answered_with_one_flush_before_the_next_read() {
    let mut peer = Peer::new();
    let mut input = REQUEST.to_vec();
    for i in 0..5u8 {
        input.extend(peer.ping(&[i]));
    }
    let mut buf = [0u8; 512];
    let mut ws = WebSocket::accept(Script::new(input, 1000), &mut buf, Config::default()).unwrap();
    for i in 0..5u8 {
        assert_eq!(ws.recv(&mut buf).unwrap(), Message::Ping(&[i]));
    }
    assert_eq!(ws.get_mut().flushes.len(), 1, "only the 101 so far");
    // No input is left: the pongs are flushed, then the read finds the stream's end.
    assert_eq!(ws.recv(&mut buf).unwrap_err(), Error::ConnectionReset);
    let script = ws.into_inner();
    assert_eq!(script.flushes.len(), 2);
    assert_eq!(script.flushes[1], script.output.len());
    let pongs = server_frames(&script.output);
    assert_eq!(pongs.len(), 5);
    assert!(pongs.iter().all(|(head, _)| *head == 0x8A));
}
