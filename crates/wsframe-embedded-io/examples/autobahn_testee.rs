//! The Autobahn testsuite's testee for this crate, both roles, over tokio sockets
//! through `embedded-io-adapters` (as a board would use embassy-net sockets).
//!
//! ```text
//! autobahn_testee server 127.0.0.1:9001      echo server for wstest -m fuzzingclient
//! autobahn_testee client [URL] [AGENT]       client for wstest -m fuzzingserver
//! ```
//!
//! The client role follows tests/autobahn/README.md: URL and AGENT default to
//! `$AUTOBAHN_URL` and `$AUTOBAHN_AGENT`; it reads `/getCaseCount`, runs every case on
//! `/runCase?case=N&agent=AGENT` echoing each message, then asks for
//! `/updateReports?agent=AGENT`.
//!
//! Both roles receive into a 4 KiB buffer, as firmware would: messages larger than that
//! (Autobahn's 9.* go up to 16 MiB) are echoed piece by piece as fragments.

use std::process::ExitCode;
use std::time::Duration;

use embedded_io_adapters::tokio_1::FromTokio;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use wsframe::handshake::client::Request;
use wsframe::{Config, DataKind};
use wsframe_embedded_io::{Error, Message, WebSocket};

/// The receive buffer of each connection.
const BUF_LEN: usize = 4096;
/// A bound on one connection (one Autobahn case).
const CASE_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a client waits for the server to close TCP after the closing handshake.
const LINGER: Duration = Duration::from_secs(2);

type Io = FromTokio<TcpStream>;

fn config() -> Config {
    // Autobahn 9.* sends messages of up to 16 MiB.
    Config {
        max_frame_len: 64 << 20,
        max_message_len: 64 << 20,
        ..Config::default()
    }
}

/// Echoes every message until the connection ends, each piece sent straight from the
/// receive buffer; returns the first text message (the client's case count) and how
/// the connection ended.
async fn echo(ws: &mut WebSocket<Io>, buf: &mut [u8]) -> (Option<String>, Error<std::io::Error>) {
    let mut first_text = None;
    loop {
        let (kind, payload, fin) = match ws.recv(buf).await {
            Ok(Message::Text(text)) => {
                first_text.get_or_insert_with(|| text.to_owned());
                (DataKind::Text, text.as_bytes(), true)
            }
            Ok(Message::Binary(data)) => (DataKind::Binary, data, true),
            Ok(Message::Piece(piece)) => (piece.kind, piece.payload, piece.last),
            Ok(_) => continue,
            Err(e) => return (first_text, e),
        };
        if let Err(e) = ws.send_fragment(kind, payload, fin).await {
            return (first_text, e);
        }
    }
}

async fn serve(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; BUF_LEN];
    let run = async {
        let mut ws = WebSocket::accept(FromTokio::new(stream), &mut buf, config()).await?;
        let (_, end) = echo(&mut ws, &mut buf).await;
        Err::<(), _>(end)
    };
    // The connection ends (and the server closes TCP first, §7.1.1) when this returns.
    let _ = tokio::time::timeout(CASE_TIMEOUT, run).await;
}

async fn server(addr: &str) -> ExitCode {
    let listener = match TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("autobahn_testee: bind {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    loop {
        if let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream));
        }
    }
}

/// Runs one client connection to `path` to its end; the first text message received.
async fn run_case(authority: &str, path: &str, nonce: [u8; 16]) -> Result<Option<String>, String> {
    let stream = TcpStream::connect(authority)
        .await
        .map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; BUF_LEN];
    let request = Request::new(authority, path, nonce);
    let run = async {
        // A test program may use fixed values; a board takes them from its RNG.
        let mask_seed = [nonce[0] ^ 0x5a; 32];
        let io = FromTokio::new(stream);
        let mut ws = WebSocket::connect(io, &mut buf, config(), &request, mask_seed).await?;
        let (first_text, end) = echo(&mut ws, &mut buf).await;
        if !matches!(end, Error::Closed) {
            return Err(end);
        }
        // The server closes TCP first (§7.1.1): wait for it, briefly.
        let mut stream = ws.into_inner().into_inner();
        let mut scratch = [0u8; 64];
        let _ = tokio::time::timeout(LINGER, stream.read(&mut scratch)).await;
        Ok(first_text)
    };
    match tokio::time::timeout(CASE_TIMEOUT, run).await {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out".to_owned()),
    }
}

async fn client(url: String, agent: String) -> ExitCode {
    let Some(authority) = url
        .strip_prefix("ws://")
        .map(|r| r.split('/').next().unwrap_or(r))
    else {
        eprintln!("autobahn_testee: {url}: only ws:// URLs are supported");
        return ExitCode::from(2);
    };
    let count = match run_case(authority, "/getCaseCount", [1; 16]).await {
        Ok(Some(text)) => text.trim().parse::<u32>().ok(),
        Ok(None) => None,
        Err(e) => {
            eprintln!("autobahn_testee: getCaseCount failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(count) = count else {
        eprintln!("autobahn_testee: getCaseCount sent no number");
        return ExitCode::FAILURE;
    };
    println!("autobahn_testee: {count} cases, agent {agent}");
    for case in 1..=count {
        let nonce = [(case % 251) as u8; 16];
        let path = format!("/runCase?case={case}&agent={agent}");
        match run_case(authority, &path, nonce).await {
            Ok(_) => println!("case {case}: closed"),
            Err(e) => println!("case {case}: ended: {e}"),
        }
    }
    match run_case(authority, &format!("/updateReports?agent={agent}"), [2; 16]).await {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("autobahn_testee: updateReports failed: {e}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("server") => server(&args.next().unwrap_or_else(|| "127.0.0.1:9001".into())).await,
        Some("client") => {
            let url = args
                .next()
                .or_else(|| std::env::var("AUTOBAHN_URL").ok())
                .unwrap_or_else(|| "ws://127.0.0.1:9001".to_owned());
            let agent = args
                .next()
                .or_else(|| std::env::var("AUTOBAHN_AGENT").ok())
                .unwrap_or_else(|| "wsframe-embedded-io".to_owned());
            client(url, agent).await
        }
        _ => {
            eprintln!("usage: autobahn_testee server ADDR | client [URL] [AGENT]");
            ExitCode::from(2)
        }
    }
}
