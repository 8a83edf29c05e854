//! An independent client, tungstenite, against the echo server: its blocking API runs
//! over the testbed's smoltcp client socket through `Read`/`Write`.

use std::io::{self, Read, Write};

use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;
use tungstenite::{Bytes, Message};
use wsframe_embedded::server::ServerConfig;
use wsframe_embedded::testbed::{socket_slots, TcpBuffers, Testbed};

/// The client socket as a blocking stream; each wait is bounded by the testbed.
struct SmoltcpStream<'t, 'a> {
    tb: &'t mut Testbed<'a>,
}

impl Read for SmoltcpStream<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.tb
            .recv(buf)
            .map_err(|e| io::Error::new(io::ErrorKind::TimedOut, e))
    }
}

impl Write for SmoltcpStream<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tb
            .send(buf)
            .map_err(|e| io::Error::new(io::ErrorKind::TimedOut, e))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn tungstenite_client_echoes_pings_and_closes() {
    let mut slots = socket_slots();
    let mut buffers = Box::new(TcpBuffers::new());
    let mut tb = Testbed::new(&mut slots, &mut buffers, ServerConfig::default());
    for round in 0..2u8 {
        tb.connect().unwrap();
        let stream = SmoltcpStream { tb: &mut tb };
        let (mut ws, response) = tungstenite::client("ws://127.0.0.1/echo", stream).unwrap();
        assert_eq!(response.status(), 101);

        ws.send(Message::text(format!("hello {round}"))).unwrap();
        assert_eq!(ws.read().unwrap(), Message::text(format!("hello {round}")));

        // A 16-bit length, larger than the server's buffers (echoed in pieces).
        let blob: Vec<u8> = (0..3500u32).map(|i| (i % 253) as u8).collect();
        let blob = Bytes::from(blob);
        ws.send(Message::Binary(blob.clone())).unwrap();
        assert_eq!(ws.read().unwrap(), Message::Binary(blob));

        ws.send(Message::Ping(Bytes::from_static(b"are you there")))
            .unwrap();
        assert_eq!(
            ws.read().unwrap(),
            Message::Pong(Bytes::from_static(b"are you there"))
        );

        ws.close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "bye".into(),
        }))
        .unwrap();
        match ws.read() {
            Ok(Message::Close(Some(frame))) => assert_eq!(frame.code, CloseCode::Normal),
            other => panic!("expected the close reply, got {other:?}"),
        }
        // Then the server ends the TCP connection.
        assert!(matches!(
            ws.read(),
            Err(tungstenite::Error::ConnectionClosed)
        ));
        drop(ws);
        tb.close_client().unwrap();
    }
    assert_eq!(tb.server.stats().accepted, 2);
    assert_eq!(tb.server.stats().messages, 4);
}

#[test]
fn tungstenite_sees_1009_for_an_oversized_message() {
    let mut slots = socket_slots();
    let mut buffers = Box::new(TcpBuffers::new());
    // A 4 KiB message limit (the default has none: the echo streams).
    let mut limited = ServerConfig::default();
    limited.ws.max_message_len = 4096;
    let mut tb = Testbed::new(&mut slots, &mut buffers, limited);
    tb.connect().unwrap();
    let (mut ws, _) =
        tungstenite::client("ws://127.0.0.1/", SmoltcpStream { tb: &mut tb }).unwrap();
    ws.send(Message::Binary(Bytes::from(vec![0u8; 5000])))
        .unwrap();
    match ws.read() {
        Ok(Message::Close(Some(frame))) => assert_eq!(u16::from(frame.code), 1009),
        other => panic!("expected a 1009 close, got {other:?}"),
    }
}
