//! Server and client of this crate against each other (and against raw bytes) over
//! TCP on 127.0.0.1. Every socket has a read timeout, so no test can hang.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use wsframe_std::wsframe::{CloseCode, Config, DataKind, HandshakeError, ProtocolError};
use wsframe_std::{ClientOptions, Error, HttpResponse, Message, Refusal, ServerOptions, WebSocket};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `server` on the first connection of a fresh listener; returns the address.
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

fn client(addr: &str, options: &ClientOptions) -> WebSocket<TcpStream> {
    WebSocket::connect(tcp(addr), addr, "/", options).unwrap()
}

/// Echoes until the connection ends; returns every non-data message and the end.
fn echo(mut ws: WebSocket<TcpStream>) -> (Vec<Message>, Error) {
    let mut seen = Vec::new();
    loop {
        let sent = match ws.read() {
            Ok(Message::Text(t)) => ws.send_text(&t),
            Ok(Message::Binary(b)) => ws.send_binary(&b),
            Ok(other) => {
                seen.push(other);
                Ok(())
            }
            Err(e) => return (seen, e),
        };
        if let Err(e) = sent {
            return (seen, e);
        }
    }
}

#[test]
fn echo_messages_ping_and_client_close() {
    let (addr, server) = spawn_server(|stream| {
        let options = ServerOptions::default().protocols(&["chat", "echo"]);
        let ws = WebSocket::accept_with(stream, &options).unwrap();
        assert_eq!(ws.protocol(), Some("echo"));
        echo(ws)
    });
    let options = ClientOptions {
        protocols: vec!["x-unknown".into(), "echo".into(), "chat".into()],
        ..ClientOptions::default()
    };
    let mut ws = client(&addr, &options);
    assert_eq!(ws.protocol(), Some("echo"));
    for len in [0usize, 1, 125, 126, 65535, 65536, 1 << 20] {
        let text: String = "aé€😀".chars().cycle().take(len).collect();
        ws.send_text(&text).unwrap();
        assert_eq!(ws.read().unwrap(), Message::Text(text));
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        ws.send_binary(&data).unwrap();
        assert_eq!(ws.read().unwrap(), Message::Binary(data));
    }
    // A message in three fragments comes back whole.
    ws.send_fragment(DataKind::Text, "frag".as_bytes(), false)
        .unwrap();
    ws.ping(b"between").unwrap();
    ws.send_fragment(DataKind::Text, "men".as_bytes(), false)
        .unwrap();
    ws.send_fragment(DataKind::Text, "ts".as_bytes(), true)
        .unwrap();
    assert_eq!(ws.read().unwrap(), Message::Pong(b"between".to_vec()));
    assert_eq!(ws.read().unwrap(), Message::Text("fragments".into()));

    ws.close(Some(CloseCode(4001)), "bye").unwrap();
    assert!(ws.send_text("late").is_err(), "no data after our close");
    // The server echoes the code (§5.5.1).
    assert_eq!(
        ws.read().unwrap(),
        Message::Close {
            code: Some(CloseCode(4001)),
            reason: String::new()
        }
    );
    assert!(matches!(ws.read(), Err(Error::Closed)));

    let (seen, end) = server.join().unwrap();
    assert_eq!(
        seen,
        vec![
            Message::Ping(b"between".to_vec()),
            Message::Close {
                code: Some(CloseCode(4001)),
                reason: "bye".into()
            }
        ]
    );
    assert!(matches!(end, Error::Closed), "{end:?}");
}

#[test]
fn server_initiated_close() {
    let (addr, server) = spawn_server(|stream| {
        let mut ws = WebSocket::accept(stream).unwrap();
        assert_eq!(ws.protocol(), None);
        ws.close(Some(CloseCode::GOING_AWAY), "restart").unwrap();
        let reply = ws.read().unwrap();
        let after = ws.read();
        (reply, after)
    });
    let ws = client(&addr, &ClientOptions::default());
    let (seen, end) = echo(ws);
    assert_eq!(
        seen,
        vec![Message::Close {
            code: Some(CloseCode::GOING_AWAY),
            reason: "restart".into()
        }]
    );
    assert!(matches!(end, Error::Closed));
    let (reply, after) = server.join().unwrap();
    assert_eq!(
        reply,
        Message::Close {
            code: Some(CloseCode::GOING_AWAY),
            reason: String::new()
        }
    );
    assert!(matches!(after, Err(Error::Closed)));
}

#[test]
fn refused_origin_gets_403() {
    let (addr, server) = spawn_server(|stream| {
        let options = ServerOptions::default().origin(|o| o == Some("http://good.example"));
        WebSocket::accept_with(stream, &options).map(|_| ())
    });
    let options = ClientOptions {
        origin: Some("http://evil.example".into()),
        ..ClientOptions::default()
    };
    let err = WebSocket::connect(tcp(&addr), &addr, "/", &options).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Handshake(HandshakeError::NotSwitchingProtocols(403))
        ),
        "{err:?}"
    );
    assert!(matches!(
        server.join().unwrap(),
        Err(Error::Handshake(HandshakeError::OriginRefused))
    ));
}

#[test]
fn the_request_check_refuses_with_its_status() {
    let (addr, server) = spawn_server(|stream| {
        let options = ServerOptions::default().check_request(|request| {
            match request.header("authorization") {
                Some(b"Bearer ok") => Ok(()),
                _ => Err(Refusal::new(401).reason("token required")),
            }
        });
        WebSocket::accept_with(stream, &options).map(|_| ())
    });
    let mut raw = tcp(&addr);
    raw.write_all(
        b"GET /room HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
          Authorization: Bearer no\r\n\r\n",
    )
    .unwrap();
    let mut reply = String::new();
    raw.read_to_string(&mut reply).unwrap();
    assert!(
        reply.starts_with("HTTP/1.1 401 Unauthorized\r\n"),
        "{reply}"
    );
    assert!(reply.ends_with("\r\n\r\ntoken required"), "{reply}");
    assert!(matches!(server.join().unwrap(), Err(Error::Refused(401))));
}

#[test]
fn bad_request_gets_the_cores_rejection() {
    let (addr, server) = spawn_server(|stream| WebSocket::accept(stream).map(|_| ()));
    let mut raw = tcp(&addr);
    raw.write_all(
        b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
    )
    .unwrap();
    let mut reply = String::new();
    raw.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 426 "), "{reply}");
    assert!(reply.contains("Sec-WebSocket-Version: 13\r\n"));
    assert!(matches!(
        server.join().unwrap(),
        Err(Error::Handshake(HandshakeError::UnsupportedVersion))
    ));
}

#[test]
fn plain_http_goes_to_the_handler() {
    let (addr, server) = spawn_server(|stream| {
        let options = ServerOptions::default().http_handler(|request| {
            if request.path == "/hello" {
                HttpResponse {
                    status: 200,
                    content_type: "text/plain".into(),
                    body: b"hello".to_vec(),
                }
            } else {
                HttpResponse::not_found()
            }
        });
        WebSocket::accept_with(stream, &options).map(|_| ())
    });
    let mut raw = tcp(&addr);
    raw.write_all(b"GET /hello HTTP/1.1\r\nHost: h\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    raw.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
    assert!(reply.contains("Content-Length: 5\r\n"));
    assert!(reply.ends_with("\r\n\r\nhello"));
    assert!(matches!(server.join().unwrap(), Err(Error::HttpAnswered)));
}

#[test]
fn silent_client_hits_the_handshake_timeout() {
    let (addr, server) = spawn_server(|stream| {
        stream
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let options = ServerOptions::default().handshake_timeout(Some(Duration::from_millis(300)));
        let started = std::time::Instant::now();
        let result = WebSocket::accept_with(stream, &options).map(|_| ());
        (result, started.elapsed())
    });
    let mut raw = tcp(&addr);
    raw.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    let (result, elapsed) = server.join().unwrap();
    assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
    assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(5));
}

#[test]
fn protocol_error_sends_the_failing_close() {
    let (addr, server) = spawn_server(|stream| {
        let mut ws = WebSocket::accept(stream).unwrap();
        let first = ws.read();
        let second = ws.read();
        (first, second)
    });
    let mut raw = tcp(&addr);
    raw.write_all(
        b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n\
          \x81\x02hi",
    )
    .unwrap();
    let mut reply = Vec::new();
    raw.read_to_end(&mut reply).unwrap();
    let head_end = reply.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    // An unmasked frame from a client: close 1002 (§5.1).
    assert_eq!(&reply[head_end..], b"\x88\x02\x03\xea");
    let (first, second) = server.join().unwrap();
    assert!(matches!(
        first,
        Err(Error::Protocol(ProtocolError::UnmaskedFrame))
    ));
    assert!(matches!(second, Err(Error::Closed)));
}

#[test]
fn message_over_the_limit_is_closed_with_1009() {
    let (addr, server) = spawn_server(|stream| {
        let config = Config {
            max_message_len: 1000,
            ..Config::default()
        };
        let ws = WebSocket::accept_with(stream, &ServerOptions::default().config(config)).unwrap();
        echo(ws)
    });
    let mut ws = client(&addr, &ClientOptions::default());
    ws.send_binary(&[7; 1000]).unwrap();
    assert_eq!(ws.read().unwrap(), Message::Binary(vec![7; 1000]));
    ws.send_binary(&[7; 1001]).unwrap();
    assert_eq!(
        ws.read().unwrap(),
        Message::Close {
            code: Some(CloseCode::MESSAGE_TOO_BIG),
            reason: String::new()
        }
    );
    let (_, end) = server.join().unwrap();
    assert!(matches!(
        end,
        Error::Protocol(ProtocolError::MessageTooLarge)
    ));
}

#[test]
fn dropped_transport_is_a_reset() {
    let (addr, server) = spawn_server(|stream| echo(WebSocket::accept(stream).unwrap()));
    let mut ws = client(&addr, &ClientOptions::default());
    ws.send_text("x").unwrap();
    assert_eq!(ws.read().unwrap(), Message::Text("x".into()));
    drop(ws);
    let (_, end) = server.join().unwrap();
    assert!(matches!(end, Error::ConnectionReset), "{end:?}");
}

#[test]
fn client_rejects_a_protocol_it_did_not_offer() {
    let (addr, server) = spawn_server(|stream| {
        let mut raw = stream;
        let mut buf = [0u8; 2048];
        let mut len = 0;
        while !buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
            len += raw.read(&mut buf[len..]).unwrap();
        }
        let head = std::str::from_utf8(&buf[..len]).unwrap();
        let key = head
            .lines()
            .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
            .unwrap();
        let accept = wsframe_std::wsframe::accept_key(key.as_bytes());
        let reply = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Protocol: other\r\n\r\n",
            std::str::from_utf8(&accept).unwrap()
        );
        raw.write_all(reply.as_bytes()).unwrap();
    });
    let options = ClientOptions {
        protocols: vec!["chat".into()],
        ..ClientOptions::default()
    };
    let err = WebSocket::connect(tcp(&addr), &addr, "/", &options).unwrap_err();
    assert!(matches!(
        err,
        Error::Handshake(HandshakeError::ProtocolNotOffered)
    ));
    server.join().unwrap();
}
