//! Checks this crate's client against another implementation's echo server.
//!
//! ```text
//! cargo run --example interop_client -- [--deflate] ws://127.0.0.1:PORT/path
//! ```
//!
//! The server must echo every message with its type, choose the subprotocol `chat` when
//! offered, and obey two text commands: `please ping` (send a ping with payload `srv`,
//! and once the pong arrives send the text `pong ok`) and `please close` (close with
//! code 4002 and reason `server bye`). tests/interop has such servers for Python
//! `websockets` and npm `ws`. Prints one line per check and exits non-zero on any
//! failure.
//!
//! With `--deflate` the client offers permessage-deflate (RFC 7692), requires the server
//! to accept it, prints the agreed parameters, and also echoes a compressible JSON-like
//! text of about 1 MiB.

use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use wsframe_std::wsframe::{CloseCode, DataKind};
use wsframe_std::{ClientOptions, DeflateConfig, Error, Message, WebSocket};

type Ws = WebSocket<TcpStream>;
type Check = Result<(), String>;

const SIZES: [usize; 6] = [0, 125, 126, 65535, 65536, 1 << 20];

fn open(authority: &str, path: &str, deflate: bool) -> Result<Ws, String> {
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| e.to_string())?
        .next()
        .ok_or("no address")?;
    let stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(10)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let options = ClientOptions {
        protocols: vec!["x-unknown".into(), "chat".into()],
        permessage_deflate: deflate.then(DeflateConfig::default),
        ..ClientOptions::default()
    };
    WebSocket::connect(stream, authority, path, &options).map_err(|e| e.to_string())
}

fn expect(ws: &mut Ws, want: &Message) -> Check {
    match ws.read() {
        Ok(got) if &got == want => Ok(()),
        Ok(got) => Err(format!(
            "expected {}, got {}",
            describe(want),
            describe(&got)
        )),
        Err(e) => Err(format!("expected {}, got error: {e}", describe(want))),
    }
}

fn describe(m: &Message) -> String {
    match m {
        Message::Text(t) if t.len() > 40 => format!("text of {} bytes", t.len()),
        Message::Binary(b) if b.len() > 40 => format!("binary of {} bytes", b.len()),
        other => format!("{other:?}"),
    }
}

fn err(e: Error) -> String {
    e.to_string()
}

fn text_echo(ws: &mut Ws) -> Check {
    for len in SIZES {
        // Multi-byte UTF-8 of every width, cut at a character boundary near `len` bytes.
        let text: String = "aé€😀"
            .chars()
            .cycle()
            .scan(0, |n, c| {
                *n += c.len_utf8();
                (*n <= len).then_some(c)
            })
            .collect();
        ws.send_text(&text).map_err(err)?;
        expect(ws, &Message::Text(text))?;
    }
    Ok(())
}

fn binary_echo(ws: &mut Ws) -> Check {
    for len in SIZES {
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
        ws.send_binary(&data).map_err(err)?;
        expect(ws, &Message::Binary(data))?;
    }
    Ok(())
}

fn fragments(ws: &mut Ws) -> Check {
    // "€" split across two frames, with a ping in between (§5.4).
    ws.send_fragment(DataKind::Text, b"frag \xe2\x82", false)
        .map_err(err)?;
    ws.ping(b"mid").map_err(err)?;
    ws.send_fragment(DataKind::Text, b"\xac end", true)
        .map_err(err)?;
    expect(ws, &Message::Pong(b"mid".to_vec()))?;
    expect(ws, &Message::Text("frag € end".into()))
}

fn server_ping(ws: &mut Ws) -> Check {
    ws.send_text("please ping").map_err(err)?;
    expect(ws, &Message::Ping(b"srv".to_vec()))?;
    expect(ws, &Message::Text("pong ok".into()))
}

fn client_close(ws: &mut Ws) -> Check {
    ws.close(Some(CloseCode::NORMAL), "done").map_err(err)?;
    match ws.read() {
        Ok(Message::Close {
            code: Some(CloseCode::NORMAL),
            ..
        }) => {}
        other => return Err(format!("expected the close reply with 1000, got {other:?}")),
    }
    match ws.read() {
        Err(Error::Closed) => Ok(()),
        other => Err(format!("expected closed, got {other:?}")),
    }
}

/// A JSON-like text of about 1 MiB with multi-byte characters, compressible.
fn json_echo(ws: &mut Ws) -> Check {
    let text: String = (0..8000)
        .map(|i| {
            format!(
                "{{\"id\":{i},\"name\":\"user-{}\",\"city\":\"Zürich €\",\"score\":{}.5,\"tags\":[\"a\",\"😀\"]}},",
                i * 7919 % 1000,
                i % 97
            )
        })
        .collect();
    ws.send_text(&text).map_err(err)?;
    expect(ws, &Message::Text(text))
}

fn server_close(authority: &str, path: &str, deflate: bool) -> Check {
    let mut ws = open(authority, path, deflate)?;
    ws.send_text("please close").map_err(err)?;
    expect(
        &mut ws,
        &Message::Close {
            code: Some(CloseCode(4002)),
            reason: "server bye".into(),
        },
    )?;
    match ws.read() {
        Err(Error::Closed) => Ok(()),
        other => Err(format!("expected closed, got {other:?}")),
    }
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = args.first().is_some_and(|a| a == "--deflate");
    if deflate {
        args.remove(0);
    }
    let Some(url) = args.first() else {
        eprintln!("usage: interop_client [--deflate] ws://HOST:PORT[/PATH]");
        return ExitCode::from(2);
    };
    let Some(rest) = url.strip_prefix("ws://") else {
        eprintln!("interop_client: only ws:// URLs");
        return ExitCode::from(2);
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };

    let mut passed = 0;
    let mut failed = 0;
    let mut report = |name: &str, result: Check| match result {
        Ok(()) => {
            passed += 1;
            println!("ok   {name}");
        }
        Err(e) => {
            failed += 1;
            println!("FAIL {name}: {e}");
        }
    };

    match open(authority, path, deflate) {
        Ok(mut ws) => {
            let protocol = match ws.protocol() {
                Some("chat") => Ok(()),
                other => Err(format!("expected subprotocol chat, got {other:?}")),
            };
            report("handshake and subprotocol", protocol);
            if deflate {
                let agreed = match ws.extensions() {
                    Some(e) if e.starts_with("permessage-deflate") => {
                        println!("     agreed: {e}");
                        Ok(())
                    }
                    other => Err(format!("expected permessage-deflate, got {other:?}")),
                };
                report("permessage-deflate accepted", agreed);
                report("compressible JSON-like text of 1 MiB", json_echo(&mut ws));
            }
            report("text echo 0..1 MiB, multi-byte UTF-8", text_echo(&mut ws));
            report("binary echo 0..1 MiB", binary_echo(&mut ws));
            report("fragmented text with a ping inside", fragments(&mut ws));
            report("server ping answered", server_ping(&mut ws));
            report("client-initiated close", client_close(&mut ws));
        }
        Err(e) => report("handshake and subprotocol", Err(e)),
    }
    report(
        "server-initiated close 4002",
        server_close(authority, path, deflate),
    );

    println!("interop_client: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
