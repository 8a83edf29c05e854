//! A WebSocket echo server on `wsframe-tokio`: one task per connection.
//!
//! ```text
//! echo-server-tokio [--listen ADDR] [--static DIR] [--max-message BYTES]
//!                   [--max-connections N] [--deflate | --no-deflate]
//!                   [--handshake-timeout SECS] [--ping-interval SECS] [--pong-timeout SECS]
//!                   [--idle-timeout SECS] [--close-timeout SECS] [--quiet]
//! ```
//!
//! The flags and behaviour are those of `echo-server` (the blocking one):
//!
//! - Every text or binary message is sent back as it came; pings are answered and the
//!   peer's close is echoed (by the core, through `wsframe-tokio`).
//! - Subprotocols `chat`, `echo` and `wsframe-control` are chosen when offered (the
//!   client's first offer among them wins). On `wsframe-control`, a text message
//!   `close CODE REASON` makes the server close with that code and reason.
//! - permessage-deflate (RFC 7692) is accepted when offered (`--deflate`, the default, as
//!   browsers always offer it); `--no-deflate` declines every extension.
//! - Plain HTTP GET requests get files from `--static DIR` (default:
//!   `examples/frame-inspector` of the repository when it exists), 404 otherwise.
//! - The handshake must finish within `--handshake-timeout` (10 s).
//! - Heartbeat and timeouts (`wsframe_tokio::StreamOptions`), off unless given: a ping
//!   after `--ping-interval` of silence from the peer, the connection failed (1011) when no
//!   pong comes within `--pong-timeout` (default: the interval); a close 1001 after
//!   `--idle-timeout` during which nothing arrived (pongs count, unlike `echo-server`,
//!   whose idle timeout counts messages only); a connection dropped when its close is not
//!   answered within `--close-timeout` (default 5 s).
//! - SIGINT (Ctrl-C) or SIGTERM stops it cleanly: no new connections, open ones get a
//!   close frame 1001 (going away) and up to 2 s for the reply, stragglers are dropped,
//!   exit status 0.

#[path = "../../echo-server/src/flags.rs"]
mod flags;
#[path = "../../echo-server/src/static_files.rs"]
mod static_files;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use wsframe_tokio::wsframe::{CloseCode, Config};
use wsframe_tokio::{
    DeflateConfig, Error, Keepalive, Message, ServerOptions, StreamOptions, WebSocketStream,
};

/// Subprotocols this server speaks.
const PROTOCOLS: &[&str] = &["chat", "echo", "wsframe-control"];
/// Time a client has to send its opening request, unless `--handshake-timeout`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection waits for the reply to its 1001 when the server stops.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

struct Args {
    listen: String,
    static_dir: Option<PathBuf>,
    max_message: u64,
    max_connections: usize,
    deflate: bool,
    quiet: bool,
    handshake_timeout: Duration,
    ping_interval: Option<Duration>,
    pong_timeout: Option<Duration>,
    /// The timers of every connection (the write buffer bound stays the default).
    stream: StreamOptions,
}

const USAGE: &str =
    "usage: echo-server-tokio [--listen ADDR] [--static DIR] [--max-message BYTES] \
                     [--max-connections N] [--deflate | --no-deflate] [timers] [--quiet]\n\
  --listen ADDR          address to bind (default 127.0.0.1:9001)\n\
  --static DIR           serve plain HTTP GET requests from DIR (default: the repository's\n\
                         examples/frame-inspector when it exists)\n\
  --max-message BYTES    largest message and frame accepted (default 67108864 = 64 MiB)\n\
  --max-connections N    connections served at once (default 1024)\n\
  --deflate              accept permessage-deflate when offered (the default)\n\
  --no-deflate           decline permessage-deflate (no extension is used)\n\
  --handshake-timeout S  time a client has to finish its opening handshake (default 10)\n\
  --ping-interval S      send a heartbeat ping after S seconds of silence (default: none)\n\
  --pong-timeout S       fail (1011) a connection whose ping got no pong in S seconds\n\
                         (default: the ping interval)\n\
  --idle-timeout S       close (1001) a connection from which nothing came for S seconds\n\
  --close-timeout S      drop a connection whose close got no reply in S seconds (default 5)\n\
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
        ping_interval: None,
        pong_timeout: None,
        stream: StreamOptions::default(),
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
            "--ping-interval" => args.ping_interval = Some(flags::seconds(&value(&arg)?, &arg)?),
            "--pong-timeout" => args.pong_timeout = Some(flags::seconds(&value(&arg)?, &arg)?),
            "--idle-timeout" => {
                args.stream.idle_timeout = Some(flags::seconds(&value(&arg)?, &arg)?)
            }
            "--close-timeout" => {
                args.stream.close_timeout = Some(flags::seconds(&value(&arg)?, &arg)?)
            }
            "--deflate" => args.deflate = true,
            "--no-deflate" => args.deflate = false,
            "--quiet" => args.quiet = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if let Some(interval) = args.ping_interval {
        let timeout = args.pong_timeout.unwrap_or(interval);
        args.stream.keepalive = Some(Keepalive { interval, timeout });
    } else if args.pong_timeout.is_some() {
        return Err("--pong-timeout needs --ping-interval".to_owned());
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("echo-server-tokio: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(&args.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("echo-server-tokio: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("echo-server-tokio: {e}");
            return ExitCode::FAILURE;
        }
    };

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
        options = options.http_handler(|_| wsframe_tokio::HttpResponse::not_found());
    }
    let options = Arc::new(options);

    println!("echo-server-tokio: listening on ws://{addr}/");
    println!(
        "echo-server-tokio: permessage-deflate {}",
        if args.deflate {
            "accepted when offered"
        } else {
            "declined"
        }
    );
    match &static_root {
        Some(root) => println!(
            "echo-server-tokio: serving {} at http://{addr}/",
            root.display()
        ),
        None => println!("echo-server-tokio: no static directory (plain HTTP gets 404)"),
    }
    println!("echo-server-tokio: Ctrl-C or SIGTERM stops it");

    let (stop_tx, stop) = watch::channel(false);
    let mut connections = JoinSet::new();
    let stopping = stop_signal();
    tokio::pin!(stopping);
    loop {
        tokio::select! {
            () = &mut stopping => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (socket, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        eprintln!("echo-server-tokio: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if connections.len() >= args.max_connections {
                    // Over capacity: refuse by closing at once.
                    drop(socket);
                    continue;
                }
                let (options, stop, quiet) = (Arc::clone(&options), stop.clone(), args.quiet);
                let timers = args.stream;
                connections.spawn(async move {
                    serve(socket, peer.to_string(), &options, timers, stop, quiet).await;
                });
            }
        }
    }

    println!(
        "echo-server-tokio: stopping ({} open connections)",
        connections.len()
    );
    drop(listener);
    let _ = stop_tx.send(true);
    // Connections close with 1001 and wait up to CLOSE_GRACE for the reply; whatever is
    // left after that (e.g. a handshake in progress) is dropped.
    let drained = tokio::time::timeout(CLOSE_GRACE + Duration::from_millis(500), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.shutdown().await;
    }
    println!("echo-server-tokio: stopped");
    ExitCode::SUCCESS
}

/// Resolves on SIGINT or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// One connection: handshake (bounded in time), then echo until the close.
async fn serve(
    socket: TcpStream,
    peer: String,
    options: &ServerOptions,
    timers: StreamOptions,
    mut stop: watch::Receiver<bool>,
    quiet: bool,
) {
    let _ = socket.set_nodelay(true);
    let accepted = tokio::select! {
        accepted = WebSocketStream::accept_with(socket, options) => accepted,
        _ = stop.changed() => return,
    };
    let mut ws = match accepted {
        Ok(ws) => ws.with_options(timers),
        Err(Error::HttpAnswered) => return,
        Err(e) => {
            if !quiet {
                eprintln!("echo-server-tokio: {peer}: handshake failed: {e}");
            }
            return;
        }
    };
    if !quiet {
        println!(
            "echo-server-tokio: {peer}: open (subprotocol {}, extensions {})",
            ws.protocol().unwrap_or("none"),
            ws.extensions().unwrap_or("none")
        );
    }
    let control = ws.protocol() == Some("wsframe-control");
    let mut stopping = false;
    let ended = loop {
        let message = tokio::select! {
            message = ws.next() => message,
            _ = stop.changed(), if !stopping => {
                stopping = true;
                // The stream ends when the reply comes or the close timeout passes.
                let ws_options = StreamOptions {
                    close_timeout: Some(CLOSE_GRACE),
                    ..timers
                };
                ws = ws.with_options(ws_options);
                let going_away = Message::close(CloseCode::GOING_AWAY, "server stopping");
                if let Err(e) = ws.send(going_away).await {
                    break Some(e);
                }
                continue;
            }
        };
        let message = match message {
            None => break None,
            Some(Err(e)) => break Some(e),
            Some(Ok(message)) => message,
        };
        let sent = match message {
            Message::Text(text) => match control.then(|| close_command(&text)).flatten() {
                Some((code, reason)) => ws.send(Message::close(code, reason)).await,
                None => ws.send(Message::Text(text)).await,
            },
            Message::Binary(data) => ws.send(Message::Binary(data)).await,
            _ => Ok(()),
        };
        if let Err(e) = sent {
            break Some(e);
        }
    };
    if !quiet {
        match ended {
            None | Some(Error::Closed) => println!("echo-server-tokio: {peer}: closed"),
            Some(e) => println!("echo-server-tokio: {peer}: ended: {e}"),
        }
    }
}

/// `close CODE REASON` on the control subprotocol.
fn close_command(text: &str) -> Option<(CloseCode, String)> {
    let rest = text.strip_prefix("close ")?;
    let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
    Some((CloseCode(code.parse().ok()?), reason.to_owned()))
}
