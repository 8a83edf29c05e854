//! The client testee for the Autobahn testsuite's fuzzingserver.
//!
//! ```text
//! autobahn-client [URL] [AGENT]
//! ```
//!
//! URL and AGENT default to `$AUTOBAHN_URL` (else `ws://127.0.0.1:9001`) and
//! `$AUTOBAHN_AGENT` (else `wsframe`). Following tests/autobahn/README.md: read the case
//! count from `/getCaseCount`, run every case on `/runCase?case=N&agent=AGENT` echoing
//! each message, then ask for `/updateReports?agent=AGENT`. A case that fails is logged,
//! never fatal. Exit status 0 once the reports were requested.
//!
//! Every connection offers permessage-deflate (RFC 7692) with the default parameters, so
//! cases 12.* and 13.* run with compression; the others are unaffected (the
//! fuzzingserver declines the offer there).

use std::io::Read;
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use wsframe_std::wsframe::Config;
use wsframe_std::{ClientOptions, DeflateConfig, Error, Message, WebSocket};

/// Autobahn 9.* sends messages of up to 16 MiB; allow more.
const MAX_MESSAGE: u64 = 64 << 20;
/// A generous bound on one case (each read waits at most this long).
const CASE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long to wait for the server to close TCP after the closing handshake.
const LINGER: Duration = Duration::from_secs(2);

/// `ws://host[:port]` split into the socket address text and the `Host` header.
fn parse_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("ws://")
        .ok_or_else(|| format!("{url}: only ws:// URLs are supported"))?;
    let authority = rest.split('/').next().unwrap_or(rest);
    if authority.is_empty() {
        return Err(format!("{url}: no host"));
    }
    Ok(authority.to_owned())
}

/// Opens a WebSocket to `path` on `authority`.
fn open(authority: &str, path: &str) -> Result<WebSocket<TcpStream>, Error> {
    let with_port = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let addr = with_port
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other("no address"))?;
    let stream = TcpStream::connect_timeout(&addr, CASE_TIMEOUT)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(CASE_TIMEOUT))?;
    let options = ClientOptions {
        config: Config {
            max_frame_len: MAX_MESSAGE,
            max_message_len: MAX_MESSAGE,
            ..Config::default()
        },
        permessage_deflate: Some(DeflateConfig::default()),
        ..ClientOptions::default()
    };
    WebSocket::connect(stream, authority, path, &options)
}

/// Echoes every message until the connection ends; returns the first text message seen
/// and how it ended.
fn echo(ws: &mut WebSocket<TcpStream>) -> (Option<String>, Error) {
    let mut first_text = None;
    loop {
        let sent = match ws.read() {
            Ok(Message::Text(text)) => {
                let sent = ws.send_text(&text);
                first_text.get_or_insert(text);
                sent
            }
            Ok(Message::Binary(data)) => ws.send_binary(&data),
            Ok(_) => Ok(()),
            Err(e) => break (first_text, e),
        };
        if let Err(e) = sent {
            break (first_text, e);
        }
    }
}

/// After the closing handshake the server closes TCP first (§7.1.1): wait for it, briefly.
fn linger(ws: &mut WebSocket<TcpStream>) {
    let _ = ws.get_ref().set_read_timeout(Some(LINGER));
    let deadline = Instant::now() + LINGER;
    let mut scratch = [0u8; 1024];
    while Instant::now() < deadline {
        match ws.get_mut().read(&mut scratch) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

/// Runs one connection to `path` to its end.
fn run(authority: &str, path: &str) -> Result<Option<String>, Error> {
    let mut ws = open(authority, path)?;
    let (first_text, end) = echo(&mut ws);
    if matches!(end, Error::Closed) {
        linger(&mut ws);
        Ok(first_text)
    } else {
        Err(end)
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .or_else(|| std::env::var("AUTOBAHN_URL").ok())
        .unwrap_or_else(|| "ws://127.0.0.1:9001".to_owned());
    let agent = args
        .next()
        .or_else(|| std::env::var("AUTOBAHN_AGENT").ok())
        .unwrap_or_else(|| "wsframe".to_owned());
    let authority = match parse_url(&url) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("autobahn-client: {e}");
            return ExitCode::from(2);
        }
    };

    let count = match run(&authority, "/getCaseCount") {
        Ok(Some(text)) => text.trim().parse::<u32>().ok(),
        Ok(None) => None,
        Err(e) => {
            eprintln!("autobahn-client: getCaseCount failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(count) = count else {
        eprintln!("autobahn-client: getCaseCount sent no number");
        return ExitCode::FAILURE;
    };
    println!("autobahn-client: {count} cases, agent {agent}");

    let started = Instant::now();
    for case in 1..=count {
        let case_started = Instant::now();
        let result = run(&authority, &format!("/runCase?case={case}&agent={agent}"));
        let ms = case_started.elapsed().as_millis();
        match result {
            Ok(_) => println!("case {case}: closed ({ms} ms)"),
            Err(e) => println!("case {case}: ended: {e} ({ms} ms)"),
        }
    }
    println!(
        "autobahn-client: {count} cases in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    match run(&authority, &format!("/updateReports?agent={agent}")) {
        Ok(_) => {
            println!("autobahn-client: reports updated");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("autobahn-client: updateReports failed: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn urls() {
        assert_eq!(parse_url("ws://127.0.0.1:9001").unwrap(), "127.0.0.1:9001");
        assert_eq!(
            parse_url("ws://127.0.0.1:9001/x").unwrap(),
            "127.0.0.1:9001"
        );
        assert!(parse_url("wss://h").is_err());
        assert!(parse_url("ws:///x").is_err());
    }
}
