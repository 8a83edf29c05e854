//! Checks this crate's client against another implementation's echo server: the checks
//! and command line of wsframe-std's `interop_client`, so tests/interop runs either.
//!
//! ```text
//! cargo run -p wsframe-tokio --example interop_client_tokio -- [--deflate] ws://127.0.0.1:PORT/path
//! ```
//!
//! The server must echo every message with its type, choose the subprotocol `chat` when
//! offered, and obey two text commands: `please ping` (send a ping with payload `srv`,
//! and once the pong arrives send the text `pong ok`) and `please close` (close with
//! code 4002 and reason `server bye`). Prints one line per check and exits non-zero on
//! any failure.

use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use wsframe_tokio::wsframe::{CloseCode, DataKind};
use wsframe_tokio::{
    ClientOptions, ClientStream, CloseFrame, DeflateConfig, Message, WebSocketStream,
};

type Ws = WebSocketStream<ClientStream>;
type Check = Result<(), String>;

const SIZES: [usize; 6] = [0, 125, 126, 65535, 65536, 1 << 20];
const STEP: Duration = Duration::from_secs(10);

async fn open(url: &str, deflate: bool) -> Result<Ws, String> {
    let options = ClientOptions {
        protocols: vec!["x-unknown".into(), "chat".into()],
        permessage_deflate: deflate.then(DeflateConfig::default),
        ..ClientOptions::default()
    };
    wsframe_tokio::connect_with(url, &options)
        .await
        .map_err(|e| e.to_string())
}

fn describe(m: &Message) -> String {
    match m {
        Message::Text(t) if t.len() > 40 => format!("text of {} bytes", t.len()),
        Message::Binary(b) if b.len() > 40 => format!("binary of {} bytes", b.len()),
        other => format!("{other:?}"),
    }
}

async fn expect(ws: &mut Ws, want: &Message) -> Check {
    match tokio::time::timeout(STEP, ws.next()).await {
        Ok(Some(Ok(got))) if &got == want => Ok(()),
        Ok(Some(Ok(got))) => Err(format!(
            "expected {}, got {}",
            describe(want),
            describe(&got)
        )),
        Ok(Some(Err(e))) => Err(format!("expected {}, got error: {e}", describe(want))),
        Ok(None) => Err(format!("expected {}, the stream ended", describe(want))),
        Err(_) => Err(format!("expected {}, timed out", describe(want))),
    }
}

async fn send(ws: &mut Ws, message: Message) -> Check {
    ws.send(message).await.map_err(|e| e.to_string())
}

async fn text_echo(ws: &mut Ws) -> Check {
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
        send(ws, Message::text(text.clone())).await?;
        expect(ws, &Message::text(text)).await?;
    }
    Ok(())
}

async fn binary_echo(ws: &mut Ws) -> Check {
    for len in SIZES {
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
        send(ws, Message::binary(data.clone())).await?;
        expect(ws, &Message::binary(data)).await?;
    }
    Ok(())
}

async fn fragments(ws: &mut Ws) -> Check {
    // "€" split across two frames, with a ping in between (§5.4).
    let err = |e: wsframe_tokio::Error| e.to_string();
    ws.send_fragment(DataKind::Text, b"frag \xe2\x82", false)
        .await
        .map_err(err)?;
    send(ws, Message::Ping(Bytes::from_static(b"mid"))).await?;
    ws.send_fragment(DataKind::Text, b"\xac end", true)
        .await
        .map_err(err)?;
    expect(ws, &Message::Pong(Bytes::from_static(b"mid"))).await?;
    expect(ws, &Message::text("frag € end")).await
}

async fn server_ping(ws: &mut Ws) -> Check {
    send(ws, Message::text("please ping")).await?;
    expect(ws, &Message::Ping(Bytes::from_static(b"srv"))).await?;
    expect(ws, &Message::text("pong ok")).await
}

async fn client_close(ws: &mut Ws) -> Check {
    send(ws, Message::close(CloseCode::NORMAL, "done")).await?;
    match tokio::time::timeout(STEP, ws.next()).await {
        Ok(Some(Ok(Message::Close(Some(CloseFrame {
            code: CloseCode::NORMAL,
            ..
        }))))) => {}
        other => return Err(format!("expected the close reply with 1000, got {other:?}")),
    }
    match tokio::time::timeout(STEP, ws.next()).await {
        Ok(None) => Ok(()),
        other => Err(format!("expected the end of the stream, got {other:?}")),
    }
}

/// A JSON-like text of about 1 MiB with multi-byte characters, compressible.
async fn json_echo(ws: &mut Ws) -> Check {
    let text: String = (0..8000)
        .map(|i| {
            format!(
                "{{\"id\":{i},\"name\":\"user-{}\",\"city\":\"Zürich €\",\"score\":{}.5,\"tags\":[\"a\",\"😀\"]}},",
                i * 7919 % 1000,
                i % 97
            )
        })
        .collect();
    send(ws, Message::text(text.clone())).await?;
    expect(ws, &Message::text(text)).await
}

async fn server_close(url: &str, deflate: bool) -> Check {
    let mut ws = open(url, deflate).await?;
    send(&mut ws, Message::text("please close")).await?;
    expect(&mut ws, &Message::close(CloseCode(4002), "server bye")).await?;
    match tokio::time::timeout(STEP, ws.next()).await {
        Ok(None) => Ok(()),
        other => Err(format!("expected the end of the stream, got {other:?}")),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = args.first().is_some_and(|a| a == "--deflate");
    if deflate {
        args.remove(0);
    }
    let Some(url) = args.first().cloned() else {
        eprintln!("usage: interop_client_tokio [--deflate] ws://HOST:PORT[/PATH]");
        return ExitCode::from(2);
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

    match open(&url, deflate).await {
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
                report(
                    "compressible JSON-like text of 1 MiB",
                    json_echo(&mut ws).await,
                );
            }
            report(
                "text echo 0..1 MiB, multi-byte UTF-8",
                text_echo(&mut ws).await,
            );
            report("binary echo 0..1 MiB", binary_echo(&mut ws).await);
            report(
                "fragmented text with a ping inside",
                fragments(&mut ws).await,
            );
            report("server ping answered", server_ping(&mut ws).await);
            report("client-initiated close", client_close(&mut ws).await);
        }
        Err(e) => report("handshake and subprotocol", Err(e)),
    }
    report(
        "server-initiated close 4002",
        server_close(&url, deflate).await,
    );

    println!("interop_client: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
