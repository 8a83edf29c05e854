//! A WebSocket echo server on `wsframe-std`, one thread per connection.
//!
//! ```text
//! echo-server [--listen ADDR] [--static DIR] [--max-message BYTES] [--max-connections N]
//!             [--deflate | --no-deflate] [--handshake-timeout SECS] [--ping-interval SECS]
//!             [--pong-timeout SECS] [--idle-timeout SECS] [--close-timeout SECS] [--quiet]
//! ```
//!
//! - Every text or binary message is sent back as it came; pings are answered and the
//!   peer's close is echoed (by the core, through `wsframe-std`).
//! - Subprotocols `chat`, `echo` and `wsframe-control` are chosen when offered (the
//!   client's first offer among them wins). On `wsframe-control`, a text message
//!   `close CODE REASON` makes the server close with that code and reason instead of
//!   echoing, for tests that check what a client sees of a server's close.
//! - permessage-deflate (RFC 7692) is accepted when a client offers it (`--deflate`, the
//!   default, as browsers always offer it); `--no-deflate` declines every extension.
//!   Inflated messages count against `--max-message`.
//! - Plain HTTP GET requests (not upgrades) get files from `--static DIR` (default:
//!   `examples/frame-inspector` of the repository when it exists), 404 otherwise.
//! - Past `--max-connections`, a new connection gets `503 Service Unavailable` and is
//!   closed. The handshake must finish within `--handshake-timeout` (10 s).
//! - Heartbeat and timeouts (`wsframe_std::KeepAlive`), off unless given: a ping every
//!   `--ping-interval`, the connection dropped when no pong comes within
//!   `--pong-timeout`; a close 1001 after `--idle-timeout` without a message; a
//!   connection dropped when its close is not answered within `--close-timeout`.
//! - SIGINT or SIGTERM stops it cleanly: no new connections, open ones get a close frame
//!   1001 (going away) and up to 2 s for the reply, stragglers are shut down, every thread
//!   is joined, exit status 0.

mod flags;
mod static_files;

use std::collections::HashMap;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use std::io::Write;
use wsframe_std::wsframe::{CloseCode, Config};

use wsframe_std::{DeflateConfig, Error, KeepAlive, Message, ServerOptions, WebSocket};

/// Subprotocols this server speaks.
const PROTOCOLS: &[&str] = &["chat", "echo", "wsframe-control"];
/// Time a client has to send its opening request, unless `--handshake-timeout`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// The answer to a connection past `--max-connections`.
const SERVICE_UNAVAILABLE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\
Connection: close\r\nRetry-After: 1\r\n\r\n";
/// Longest single blocking read during the handshake.
const HANDSHAKE_READ_TIMEOUT: Duration = Duration::from_secs(2);
/// How often an idle connection looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(250);
/// How long a connection waits for the reply to its 1001 when the server stops.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// Bound on one blocked write (a peer that does not read).
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

struct Args {
    listen: String,
    static_dir: Option<PathBuf>,
    max_message: u64,
    max_connections: usize,
    deflate: bool,
    quiet: bool,
    handshake_timeout: Duration,
    keepalive: KeepAlive,
}

const USAGE: &str = "usage: echo-server [--listen ADDR] [--static DIR] [--max-message BYTES] \
                     [--max-connections N] [--deflate | --no-deflate] [--quiet]\n\
  --listen ADDR          address to bind (default 127.0.0.1:9001)\n\
  --static DIR           serve plain HTTP GET requests from DIR (default: the repository's\n\
                         examples/frame-inspector when it exists)\n\
  --max-message BYTES    largest message and frame accepted (default 67108864 = 64 MiB)\n\
  --max-connections N    connections served at once (default 1024)\n\
  --deflate              accept permessage-deflate when offered (the default)\n\
  --no-deflate           decline permessage-deflate (no extension is used)\n\
  --handshake-timeout S  time a client has to finish its opening handshake (default 10)\n\
  --ping-interval S      send a heartbeat ping every S seconds (default: none)\n\
  --pong-timeout S       drop a connection whose ping got no pong in S seconds\n\
                         (default: the ping interval)\n\
  --idle-timeout S       close (1001) a connection without a message for S seconds\n\
  --close-timeout S      drop a connection whose close got no reply in S seconds\n\
  --quiet                no per-connection log lines\n\
Stops cleanly on SIGINT (Ctrl-C) or SIGTERM.";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        listen: "127.0.0.1:9001".to_owned(),
        static_dir: None,
        max_message: 64 << 20,
        max_connections: 1024,
        deflate: true,
        quiet: false,
        handshake_timeout: HANDSHAKE_TIMEOUT,
        keepalive: KeepAlive::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--listen" => args.listen = value("--listen")?,
            "--static" => args.static_dir = Some(PathBuf::from(value("--static")?)),
            "--max-message" => {
                args.max_message = value("--max-message")?
                    .parse()
                    .map_err(|_| "--max-message takes a number of bytes".to_owned())?
            }
            "--max-connections" => {
                args.max_connections = value("--max-connections")?
                    .parse()
                    .map_err(|_| "--max-connections takes a number".to_owned())?
            }
            "--handshake-timeout" => args.handshake_timeout = flags::seconds(&value(&arg)?, &arg)?,
            "--ping-interval" => {
                args.keepalive.ping_interval = Some(flags::seconds(&value(&arg)?, &arg)?)
            }
            "--pong-timeout" => {
                args.keepalive.pong_timeout = Some(flags::seconds(&value(&arg)?, &arg)?)
            }
            "--idle-timeout" => {
                args.keepalive.idle_timeout = Some(flags::seconds(&value(&arg)?, &arg)?)
            }
            "--close-timeout" => {
                args.keepalive.close_timeout = Some(flags::seconds(&value(&arg)?, &arg)?)
            }
            "--deflate" => args.deflate = true,
            "--no-deflate" => args.deflate = false,
            "--quiet" => args.quiet = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// Connections being served, so shutdown can end them.
#[derive(Default)]
struct Live {
    streams: Mutex<HashMap<u64, TcpStream>>,
    next_id: AtomicU64,
}

impl Live {
    fn add(&self, stream: &TcpStream) -> Option<u64> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let clone = stream.try_clone().ok()?;
        self.streams.lock().ok()?.insert(id, clone);
        Some(id)
    }

    fn remove(&self, id: u64) {
        if let Ok(mut streams) = self.streams.lock() {
            streams.remove(&id);
        }
    }

    fn count(&self) -> usize {
        self.streams.lock().map_or(0, |s| s.len())
    }

    fn shutdown_all(&self) {
        if let Ok(streams) = self.streams.lock() {
            for stream in streams.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("echo-server: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(&args.listen) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("echo-server: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("echo-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        let handler = ctrlc::set_handler(move || {
            stop.store(true, Ordering::SeqCst);
            // Wake the blocking accept.
            let _ = TcpStream::connect_timeout(&wake_addr(addr), Duration::from_secs(1));
        });
        if let Err(e) = handler {
            eprintln!("echo-server: cannot install the signal handler: {e}");
            return ExitCode::FAILURE;
        }
    }

    let static_root = static_files::root(args.static_dir).and_then(|p| p.canonicalize().ok());
    let mut options = ServerOptions::default()
        .config(Config {
            max_frame_len: args.max_message,
            max_message_len: args.max_message,
            ..Config::default()
        })
        .handshake_timeout(Some(args.handshake_timeout))
        .protocols(PROTOCOLS);
    if args.deflate {
        options = options.permessage_deflate(DeflateConfig::default());
    }
    if let Some(root) = static_root.clone() {
        options = options.http_handler(move |request| static_files::serve(&root, request));
    } else {
        options = options.http_handler(|_| wsframe_std::HttpResponse::not_found());
    }
    let options = Arc::new(options);

    println!("echo-server: listening on ws://{addr}/");
    println!(
        "echo-server: permessage-deflate {}",
        if args.deflate {
            "accepted when offered"
        } else {
            "declined"
        }
    );
    match &static_root {
        Some(root) => println!("echo-server: serving {} at http://{addr}/", root.display()),
        None => println!("echo-server: no static directory (plain HTTP gets 404)"),
    }
    println!("echo-server: Ctrl-C or SIGTERM stops it");

    let live = Arc::new(Live::default());
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                eprintln!("echo-server: accept failed: {e}");
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        workers.retain(|w| !w.is_finished());
        if live.count() >= args.max_connections {
            // Over capacity: refuse with 503 and close at once (a fresh socket's send
            // buffer takes these bytes without blocking).
            refuse(stream);
            continue;
        }
        let Some(id) = live.add(&stream) else {
            continue;
        };
        let (options, live, stop, quiet, keepalive) = (
            Arc::clone(&options),
            Arc::clone(&live),
            Arc::clone(&stop),
            args.quiet,
            args.keepalive,
        );
        let handshake_read_timeout = HANDSHAKE_READ_TIMEOUT.min(args.handshake_timeout);
        let spawned = std::thread::Builder::new()
            .name(format!("conn-{id}"))
            .spawn(move || {
                serve(
                    stream,
                    &options,
                    &stop,
                    quiet,
                    keepalive,
                    handshake_read_timeout,
                );
                live.remove(id);
            });
        match spawned {
            Ok(worker) => workers.push(worker),
            Err(e) => eprintln!("echo-server: cannot start a thread: {e}"),
        }
    }

    println!("echo-server: stopping ({} open connections)", live.count());
    // Connections see the flag within STOP_POLL and close with 1001; give them the
    // grace period, then cut whatever is left (e.g. a handshake in progress).
    let deadline = Instant::now() + STOP_POLL + CLOSE_GRACE + Duration::from_millis(500);
    while live.count() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    live.shutdown_all();
    for worker in workers {
        let _ = worker.join();
    }
    println!("echo-server: stopped");
    ExitCode::SUCCESS
}

/// The address to connect to in order to wake `accept` (an unspecified bind address
/// is reached through loopback).
fn wake_addr(addr: SocketAddr) -> SocketAddr {
    let mut wake = addr;
    if wake.ip().is_unspecified() {
        wake.set_ip(match addr {
            SocketAddr::V4(_) => [127, 0, 0, 1].into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    wake
}

/// Answers a connection past the limit with 503 and closes it.
fn refuse(mut stream: TcpStream) {
    let _ = stream.set_nonblocking(true);
    let _ = stream.write_all(SERVICE_UNAVAILABLE);
    let _ = stream.shutdown(Shutdown::Write);
}

/// One connection: handshake (bounded in time), then echo until the close.
fn serve(
    stream: TcpStream,
    options: &ServerOptions,
    stop: &AtomicBool,
    quiet: bool,
    keepalive: KeepAlive,
    handshake_read_timeout: Duration,
) {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "?".to_owned(), |a| a.to_string());
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(handshake_read_timeout));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let mut ws = match WebSocket::accept_with(stream, options) {
        Ok(ws) => ws,
        Err(Error::HttpAnswered) => return,
        Err(e) => {
            if !quiet {
                eprintln!("echo-server: {peer}: handshake failed: {e}");
            }
            return;
        }
    };
    // Open connections may idle; the read timeout only lets them notice a stop.
    let _ = ws.get_ref().set_read_timeout(Some(STOP_POLL));
    // The timers run inside `read`, at least every STOP_POLL.
    ws.set_keepalive(keepalive);
    if !quiet {
        println!(
            "echo-server: {peer}: open (subprotocol {}, extensions {})",
            ws.protocol().unwrap_or("none"),
            ws.extensions().unwrap_or("none")
        );
    }
    let control = ws.protocol() == Some("wsframe-control");
    let mut closing_since: Option<Instant> = None;
    let result = loop {
        let message = match ws.read() {
            Ok(message) => message,
            Err(Error::Io(e)) if is_timeout(&e) => {
                match closing_since {
                    Some(since) if since.elapsed() >= CLOSE_GRACE => break Error::Io(e),
                    Some(_) => {}
                    None if stop.load(Ordering::SeqCst) => {
                        closing_since = Some(Instant::now());
                        if let Err(e) = ws.close(Some(CloseCode::GOING_AWAY), "server stopping") {
                            break e;
                        }
                    }
                    None => {}
                }
                continue;
            }
            Err(e) => break e,
        };
        let sent = match message {
            Message::Text(text) => match control.then(|| close_command(&text)).flatten() {
                Some((code, reason)) => ws.close(Some(code), reason),
                None => ws.send_text(&text),
            },
            Message::Binary(data) => ws.send_binary(&data),
            _ => Ok(()),
        };
        if let Err(e) = sent {
            break e;
        }
    };
    if !quiet {
        match result {
            Error::Closed => println!("echo-server: {peer}: closed"),
            e => println!("echo-server: {peer}: ended: {e}"),
        }
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// `close CODE REASON` on the control subprotocol.
fn close_command(text: &str) -> Option<(CloseCode, &str)> {
    let rest = text.strip_prefix("close ")?;
    let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
    Some((CloseCode(code.parse().ok()?), reason))
}
