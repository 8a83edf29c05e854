//! The load generator of the whole-server benchmarks: one client for every server.
//!
//! ```text
//! loadgen echo ADDR [--connections N] [--window W] [--size BYTES] [--text]
//!                   [--seconds S] [--warmup S] [--messages M] [--server-pid PID] [--threads T]
//! loadgen idle ADDR [--connections N] [--sources K] [--settle S] --server-pid PID
//! loadgen handshakes ADDR [--seconds S] [--concurrency C] [--server-pid PID]
//! ```
//!
//! - `echo`: N connections each keep W messages of BYTES in flight (binary, or ASCII text
//!   with `--text`) and check every byte of every echo. Each message starts with its
//!   sequence number (8 hex digits), so an echo out of order or from another message
//!   fails the run. After `--warmup` seconds it counts echoes for `--seconds`; with
//!   `--messages M` it instead sends M messages in all and times them from first to last.
//! - `idle`: opens N connections (from K source addresses 127.0.0.x, so that ports do not
//!   run out), echoes one 16-byte message on each, waits `--settle` seconds and reads the
//!   server's resident memory; the result is the growth over the server's memory before
//!   the N connections, per connection.
//! - `handshakes`: C loops, each one connection after another: connect, upgrade, one
//!   16-byte echo, close handshake, then wait for the server to close TCP.
//!
//! With `--server-pid`, the server's CPU time (user + system, `/proc/PID/stat`) over the
//! measured interval is reported beside the rate. Prints one JSON object on stdout;
//! exits non-zero if any connection failed or any echo was wrong.
//!
//! Framing is the wsframe core's (the client side of a `Connection`), on a
//! current-thread tokio runtime unless `--threads` asks for more.

use std::fmt::Write as _;
use std::hash::{BuildHasher, RandomState};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;
use wsframe::handshake::client::Request;
use wsframe::{apply_mask, CloseCode, Config, Connection, DataKind, Event, MAX_HEADER_LEN};
use wsframe_server_bench::procfs;

/// Bytes read from a socket at once. Frames larger than this arrive as pieces, which
/// the core delivers as they come.
const READ_CHUNK: usize = 64 * 1024;
/// Messages are queued for one write until the queue holds this many bytes.
const WRITE_BATCH: usize = 64 * 1024;
/// Connections opened at the same time while setting up (below every listen backlog).
const CONNECT_PARALLEL: usize = 64;
/// Longest wait for the last echoes after the measurement, and for any one read.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Length of the sequence number at the start of each message.
const STAMP_LEN: usize = 8;

type Res<T> = Result<T, String>;

#[derive(Clone, Debug)]
struct Args {
    mode: String,
    addr: SocketAddr,
    connections: usize,
    window: u64,
    size: usize,
    text: bool,
    seconds: f64,
    warmup: f64,
    messages: Option<u64>,
    server_pid: Option<u32>,
    threads: usize,
    sources: u8,
    settle: f64,
    concurrency: usize,
}

const USAGE: &str = "usage: loadgen echo|idle|handshakes ADDR [--connections N] [--window W] \
                     [--size BYTES] [--text] [--seconds S] [--warmup S] [--messages M] \
                     [--server-pid PID] [--threads T] [--sources K] [--settle S] [--concurrency C]";

fn parse_args() -> Res<Args> {
    let mut it = std::env::args().skip(1);
    let mode = it.next().ok_or(USAGE)?;
    if !matches!(mode.as_str(), "echo" | "idle" | "handshakes") {
        return Err(USAGE.into());
    }
    let addr = it
        .next()
        .ok_or(USAGE)?
        .parse()
        .map_err(|e| format!("ADDR: {e}"))?;
    let mut a = Args {
        mode,
        addr,
        connections: 1,
        window: 1,
        size: 16,
        text: false,
        seconds: 3.0,
        warmup: 0.5,
        messages: None,
        server_pid: None,
        threads: 1,
        sources: 8,
        settle: 1.0,
        concurrency: 16,
    };
    while let Some(flag) = it.next() {
        if flag == "--text" {
            a.text = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--connections" => a.connections = value.parse().map_err(|e| bad(&e))?,
            "--window" => a.window = value.parse().map_err(|e| bad(&e))?,
            "--size" => a.size = value.parse().map_err(|e| bad(&e))?,
            "--seconds" => a.seconds = value.parse().map_err(|e| bad(&e))?,
            "--warmup" => a.warmup = value.parse().map_err(|e| bad(&e))?,
            "--messages" => a.messages = Some(value.parse().map_err(|e| bad(&e))?),
            "--server-pid" => a.server_pid = Some(value.parse().map_err(|e| bad(&e))?),
            "--threads" => a.threads = value.parse().map_err(|e| bad(&e))?,
            "--sources" => a.sources = value.parse().map_err(|e| bad(&e))?,
            "--settle" => a.settle = value.parse().map_err(|e| bad(&e))?,
            "--concurrency" => a.concurrency = value.parse().map_err(|e| bad(&e))?,
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    let positive = a.connections >= 1 && a.window >= 1 && a.threads >= 1 && a.concurrency >= 1;
    if !positive || a.sources == 0 || a.sources > 250 || a.seconds.is_nan() || a.seconds <= 0.0 {
        return Err(format!(
            "counts must be at least 1, sources 1..=250\n{USAGE}"
        ));
    }
    Ok(a)
}

/// `N` bytes for a handshake nonce (16) or a masking-key seed (32). `RandomState` is
/// seeded from the operating system's random source; a benchmark on loopback needs
/// nothing stronger.
fn random<const N: usize>() -> [u8; N] {
    let state = RandomState::new();
    let mut out = [0u8; N];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&state.hash_one(i).to_le_bytes()[..chunk.len()]);
    }
    out
}

/// The first bytes of message number `seq`: its number in 8 lowercase hex digits.
fn stamp(seq: u64) -> [u8; STAMP_LEN] {
    let mut out = [0u8; STAMP_LEN];
    for (i, b) in out.iter_mut().enumerate() {
        let nibble = (seq >> (4 * (STAMP_LEN - 1 - i))) as u8 & 0xf;
        *b = b"0123456789abcdef"[nibble as usize];
    }
    out
}

/// The bytes of every message after its stamp: printable ASCII, so also valid text.
fn template(size: usize) -> Vec<u8> {
    (0..size).map(|i| b'a' + (i % 26) as u8).collect()
}

/// The client side of one connection's bytes: the core's state and the read buffer.
struct Framer {
    conn: Connection,
    buf: Box<[u8]>,
    /// Unconsumed bytes are `buf[start..end]`.
    start: usize,
    end: usize,
}

impl Framer {
    fn new() -> Self {
        let config = Config {
            max_frame_len: 1 << 30,
            max_message_len: 1 << 30,
            ..Config::default()
        };
        Self {
            conn: Connection::client(config, random()),
            buf: vec![0; READ_CHUNK + MAX_HEADER_LEN].into_boxed_slice(),
            start: 0,
            end: 0,
        }
    }

    /// Where the next read goes.
    fn spare(&mut self) -> &mut [u8] {
        &mut self.buf[self.end..]
    }

    /// Hands every event in the bytes read so far to `on_event`. Only a partial frame
    /// header (the core delivers payloads piece by piece) is left, moved to the front.
    fn process(&mut self, n: usize, mut on_event: impl FnMut(Event<'_>) -> Res<()>) -> Res<()> {
        self.end += n;
        loop {
            let received = self
                .conn
                .receive(&mut self.buf[self.start..self.end])
                .map_err(|e| format!("from the server: {e}"))?;
            self.start += received.consumed;
            match received.event {
                Some(event) => on_event(event)?,
                None => break,
            }
        }
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        Ok(())
    }

    /// Appends message `seq` (a whole frame, masked) to `out`.
    fn push_message(&mut self, kind: DataKind, body: &[u8], seq: u64, out: &mut Vec<u8>) {
        let mut header = [0u8; MAX_HEADER_LEN];
        let (n, key) = self
            .conn
            .send_header(kind, true, body.len() as u64, &mut header)
            .expect("an open client connection takes a whole data frame");
        out.extend_from_slice(&header[..n]);
        let start = out.len();
        out.extend_from_slice(body);
        let k = STAMP_LEN.min(body.len());
        out[start..start + k].copy_from_slice(&stamp(seq)[..k]);
        if let Some(key) = key {
            apply_mask(&mut out[start..], key, 0);
        }
    }
}

/// Checks one piece of an echoed message: `piece` sits at `offset` of message `seq`.
fn check_piece(piece: &[u8], offset: usize, seq: u64, body: &[u8]) -> Res<()> {
    let end = offset + piece.len();
    // Bytes before `split` belong to the stamp, the rest to the body.
    let split = STAMP_LEN.min(body.len()).clamp(offset, end);
    let ok = end <= body.len()
        && (split == offset || piece[..split - offset] == stamp(seq)[offset..split])
        && piece[split - offset..] == body[split..end];
    if ok {
        Ok(())
    } else {
        Err(format!(
            "wrong echo of message {seq} at bytes {offset}..{end}"
        ))
    }
}

async fn connect(addr: SocketAddr, source: Option<Ipv4Addr>) -> Res<(TcpStream, Framer)> {
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    let socket = TcpSocket::new_v4().map_err(|e| io("socket", e))?;
    if let Some(ip) = source {
        socket
            .bind(SocketAddr::new(ip.into(), 0))
            .map_err(|e| io("bind", e))?;
    }
    let mut stream = socket.connect(addr).await.map_err(|e| io("connect", e))?;
    stream.set_nodelay(true).map_err(|e| io("nodelay", e))?;
    let mut framer = Framer::new();
    let host = addr.to_string();
    let mut head = [0u8; 512];
    let n = framer
        .conn
        .write_request(&Request::new(&host, "/", random()), &mut head)
        .map_err(|e| format!("request: {e}"))?;
    stream
        .write_all(&head[..n])
        .await
        .map_err(|e| io("write", e))?;
    let mut opened = false;
    while !opened {
        let n = read_some(&mut stream, &mut framer).await?;
        framer.process(n, |event| match event {
            Event::Opened(_) => {
                opened = true;
                Ok(())
            }
            other => Err(format!("unexpected before the upgrade: {other:?}")),
        })?;
    }
    Ok((stream, framer))
}

async fn read_some(stream: &mut TcpStream, framer: &mut Framer) -> Res<usize> {
    match tokio::time::timeout(DRAIN_TIMEOUT, stream.read(framer.spare())).await {
        Err(_) => Err("no answer from the server".into()),
        Ok(Err(e)) => Err(format!("read: {e}")),
        Ok(Ok(0)) => Err("the server closed the connection".into()),
        Ok(Ok(n)) => Ok(n),
    }
}

/// Echoes one message of `size` bytes on an open connection.
async fn echo_once(stream: &mut TcpStream, framer: &mut Framer, size: usize) -> Res<()> {
    let body = template(size);
    let mut out = Vec::with_capacity(size + MAX_HEADER_LEN);
    framer.push_message(DataKind::Binary, &body, 0, &mut out);
    stream
        .write_all(&out)
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut offset = 0;
    let mut done = false;
    while !done {
        let n = read_some(stream, framer).await?;
        framer.process(n, |event| match event {
            Event::Data(d) => {
                check_piece(d.payload, offset, 0, &body)?;
                offset += d.payload.len();
                done = d.end_of_message;
                Ok(())
            }
            Event::Ping(_) | Event::Pong(_) => Ok(()),
            other => Err(format!("unexpected: {other:?}")),
        })?;
    }
    Ok(())
}

/// Opens `n` connections, `CONNECT_PARALLEL` at a time, connection `i` from source
/// address 127.0.0.(1 + i % sources) (the kernel's choice of address with one source);
/// with `echo`, each echoes one 16-byte message once open.
async fn connect_all(
    addr: SocketAddr,
    n: usize,
    sources: u8,
    echo: bool,
) -> Res<Vec<(TcpStream, Framer)>> {
    let mut open = Vec::with_capacity(n);
    let mut set = JoinSet::new();
    for i in 0..n {
        let source =
            (sources > 1).then(|| Ipv4Addr::new(127, 0, 0, 1 + (i % sources as usize) as u8));
        set.spawn(async move {
            let (mut stream, mut framer) = connect(addr, source).await?;
            if echo {
                echo_once(&mut stream, &mut framer, 16).await?;
            }
            Ok::<_, String>((stream, framer))
        });
        if set.len() >= CONNECT_PARALLEL || i + 1 == n {
            while let Some(joined) = set.join_next().await {
                open.push(joined.map_err(|e| e.to_string())??);
            }
        }
    }
    Ok(open)
}

/// What the echo tasks share with the one that measures.
struct Shared {
    echoed: AtomicU64,
    stop: AtomicBool,
}

struct Plan {
    kind: DataKind,
    body: Vec<u8>,
    window: u64,
    /// Messages this connection sends in all (`u64::MAX`: until told to stop).
    limit: u64,
}

async fn echo_connection(
    mut stream: TcpStream,
    mut framer: Framer,
    plan: Arc<Plan>,
    shared: Arc<Shared>,
) -> Res<()> {
    let (mut rd, mut wr) = stream.split();
    let mut out = Vec::with_capacity(WRITE_BATCH + plan.body.len() + MAX_HEADER_LEN);
    let mut written = 0;
    let (mut sent, mut received, mut offset) = (0u64, 0u64, 0usize);
    loop {
        let stopping = shared.stop.load(Ordering::Relaxed);
        if written == out.len() {
            out.clear();
            written = 0;
        }
        while sent - received < plan.window
            && sent < plan.limit
            && !stopping
            && out.len() < WRITE_BATCH
        {
            framer.push_message(plan.kind, &plan.body, sent, &mut out);
            sent += 1;
        }
        if received == sent && (stopping || sent >= plan.limit) {
            return Ok(());
        }
        tokio::select! {
            read = tokio::time::timeout(DRAIN_TIMEOUT, rd.read(framer.spare())) => {
                let n = match read {
                    Err(_) => return Err(format!("no echo for {DRAIN_TIMEOUT:?}")),
                    Ok(Err(e)) => return Err(format!("read: {e}")),
                    Ok(Ok(0)) => return Err("the server closed the connection".into()),
                    Ok(Ok(n)) => n,
                };
                framer.process(n, |event| match event {
                    Event::Data(d) => {
                        if received >= sent {
                            return Err("an echo of a message never sent".into());
                        }
                        if d.kind != plan.kind {
                            return Err(format!("echo of message {received} is {:?}", d.kind));
                        }
                        check_piece(d.payload, offset, received, &plan.body)?;
                        offset += d.payload.len();
                        if d.end_of_message {
                            if offset != plan.body.len() {
                                return Err(format!("echo of message {received} has {offset} bytes"));
                            }
                            offset = 0;
                            received += 1;
                            shared.echoed.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(())
                    }
                    Event::Ping(_) | Event::Pong(_) => Ok(()),
                    other => Err(format!("unexpected: {other:?}")),
                })?;
            }
            w = wr.write(&out[written..]), if written < out.len() => {
                written += w.map_err(|e| format!("write: {e}"))?;
            }
        }
    }
}

/// A snapshot of the clocks a measurement compares.
struct Clocks {
    at: Instant,
    echoed: u64,
    server_cpu: Option<f64>,
    client_cpu: f64,
}

impl Clocks {
    fn now(shared: &Shared, pid: Option<u32>) -> Self {
        Self {
            at: Instant::now(),
            echoed: shared.echoed.load(Ordering::Relaxed),
            server_cpu: pid.and_then(procfs::cpu_seconds),
            client_cpu: procfs::own_cpu_seconds(),
        }
    }
}

/// The common tail of a result: rate, and CPU seconds of server and client per unit.
fn rates(json: &mut String, unit: &str, from: &Clocks, to: &Clocks) {
    let seconds = (to.at - from.at).as_secs_f64();
    let count = to.echoed - from.echoed;
    let per = |cpu: f64| {
        if count > 0 {
            cpu / count as f64 * 1e6
        } else {
            0.0
        }
    };
    let _ = write!(
        json,
        "\"seconds\":{seconds:.3},\"{unit}\":{count},\"per_second\":{:.1},\"client_cpu_s\":{:.3},\"client_cpu_us_per\":{:.3}",
        count as f64 / seconds,
        to.client_cpu - from.client_cpu,
        per(to.client_cpu - from.client_cpu),
    );
    if let (Some(a), Some(b)) = (from.server_cpu, to.server_cpu) {
        let _ = write!(
            json,
            ",\"server_cpu_s\":{:.3},\"server_cpu_us_per\":{:.3}",
            b - a,
            per(b - a)
        );
    }
}

async fn run_echo(a: &Args) -> Res<String> {
    let open = connect_all(a.addr, a.connections, 1, false).await?;
    let shared = Arc::new(Shared {
        echoed: AtomicU64::new(0),
        stop: AtomicBool::new(false),
    });
    let plan = Arc::new(Plan {
        kind: if a.text {
            DataKind::Text
        } else {
            DataKind::Binary
        },
        body: template(a.size),
        window: a.window,
        limit: match a.messages {
            Some(m) => m.div_ceil(a.connections as u64).max(1),
            None => u64::MAX,
        },
    });
    let mut tasks = JoinSet::new();
    let started = Clocks::now(&shared, a.server_pid);
    for (stream, framer) in open {
        tasks.spawn(echo_connection(
            stream,
            framer,
            plan.clone(),
            shared.clone(),
        ));
    }
    let (from, to) = if a.messages.is_some() {
        join_all(&mut tasks).await?;
        (started, Clocks::now(&shared, a.server_pid))
    } else {
        tokio::time::sleep(Duration::from_secs_f64(a.warmup)).await;
        let from = Clocks::now(&shared, a.server_pid);
        tokio::time::sleep(Duration::from_secs_f64(a.seconds)).await;
        let to = Clocks::now(&shared, a.server_pid);
        shared.stop.store(true, Ordering::Relaxed);
        join_all(&mut tasks).await?;
        (from, to)
    };
    let mut json = format!(
        "{{\"mode\":\"echo\",\"connections\":{},\"window\":{},\"size\":{},\"kind\":\"{}\",\"echoed_total\":{},",
        a.connections,
        a.window,
        a.size,
        if a.text { "text" } else { "binary" },
        shared.echoed.load(Ordering::Relaxed),
    );
    rates(&mut json, "messages", &from, &to);
    json.push('}');
    Ok(json)
}

async fn join_all(tasks: &mut JoinSet<Res<()>>) -> Res<()> {
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        if let Err(e) = joined.map_err(|e| e.to_string()).and_then(|r| r) {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

async fn run_idle(a: &Args) -> Res<String> {
    let pid = a.server_pid.ok_or("idle needs --server-pid")?;
    // A few connections first, so that what a server sets up once (buffers, worker
    // threads, lazily loaded code) is in the figure before.
    drop(connect_all(a.addr, 8, 1, true).await?);
    tokio::time::sleep(Duration::from_secs_f64(a.settle)).await;
    let before = procfs::rss_bytes(pid).ok_or("no such server process")?;
    let open = connect_all(a.addr, a.connections, a.sources, true).await?;
    tokio::time::sleep(Duration::from_secs_f64(a.settle)).await;
    let after = procfs::rss_bytes(pid).ok_or("the server is gone")?;
    let per = (after as f64 - before as f64) / a.connections as f64;
    let json = format!(
        "{{\"mode\":\"idle\",\"connections\":{},\"rss_before\":{before},\"rss_after\":{after},\"bytes_per_connection\":{per:.0}}}",
        open.len()
    );
    drop(open);
    Ok(json)
}

/// One handshake cycle: connect, upgrade, one echo, close handshake, server's FIN.
/// Returns whether the server closed TCP within the wait.
async fn handshake_cycle(addr: SocketAddr) -> Res<bool> {
    let (mut stream, mut framer) = connect(addr, None).await?;
    echo_once(&mut stream, &mut framer, 16).await?;
    let mut close = [0u8; 2 + 4 + 125];
    let n = framer
        .conn
        .send_close(Some(CloseCode::NORMAL), "", &mut close)
        .map_err(|e| format!("close: {e}"))?;
    stream
        .write_all(&close[..n])
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut replied = false;
    while !replied {
        let n = read_some(&mut stream, &mut framer).await?;
        framer.process(n, |event| match event {
            Event::Close(_) => {
                replied = true;
                Ok(())
            }
            Event::Ping(_) | Event::Pong(_) => Ok(()),
            other => Err(format!("unexpected after close: {other:?}")),
        })?;
    }
    // §7.1.1: the server should close the TCP connection first.
    let mut rest = [0u8; 64];
    let fin = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut rest)).await;
    Ok(matches!(fin, Ok(Ok(0))))
}

async fn run_handshakes(a: &Args) -> Res<String> {
    let shared = Arc::new(Shared {
        echoed: AtomicU64::new(0),
        stop: AtomicBool::new(false),
    });
    let server_closed = Arc::new(AtomicU64::new(0));
    let from = Clocks::now(&shared, a.server_pid);
    let deadline = from.at + Duration::from_secs_f64(a.seconds);
    let mut tasks = JoinSet::new();
    for _ in 0..a.concurrency {
        let (shared, server_closed, addr) = (shared.clone(), server_closed.clone(), a.addr);
        tasks.spawn(async move {
            while Instant::now() < deadline {
                if handshake_cycle(addr).await? {
                    server_closed.fetch_add(1, Ordering::Relaxed);
                }
                if Instant::now() <= deadline {
                    shared.echoed.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(())
        });
    }
    tokio::time::sleep_until(deadline.into()).await;
    let to = Clocks::now(&shared, a.server_pid);
    join_all(&mut tasks).await?;
    let mut json = format!(
        "{{\"mode\":\"handshakes\",\"concurrency\":{},\"server_closed_first\":{},",
        a.concurrency,
        server_closed.load(Ordering::Relaxed)
    );
    rates(&mut json, "handshakes", &from, &to);
    json.push('}');
    Ok(json)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return ExitCode::from(2);
        }
    };
    wsframe_server_bench::raise_open_files();
    let runtime = if args.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            eprintln!("loadgen: runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match args.mode.as_str() {
            "echo" => run_echo(&args).await,
            "idle" => run_idle(&args).await,
            _ => run_handshakes(&args).await,
        }
    });
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("loadgen {}: {e}", args.mode);
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_and_checks() {
        assert_eq!(&stamp(0x1a2b), b"00001a2b");
        let body = template(20);
        let mut message = body.clone();
        message[..8].copy_from_slice(&stamp(7));
        // Whole, and in pieces split inside and after the stamp.
        assert!(check_piece(&message, 0, 7, &body).is_ok());
        assert!(check_piece(&message[..3], 0, 7, &body).is_ok());
        assert!(check_piece(&message[3..12], 3, 7, &body).is_ok());
        assert!(check_piece(&message[12..], 12, 7, &body).is_ok());
        // Another message's number, a changed byte, bytes past the end.
        assert!(check_piece(&message, 0, 8, &body).is_err());
        let mut changed = message.clone();
        changed[15] ^= 1;
        assert!(check_piece(&changed[10..], 10, 7, &body).is_err());
        assert!(check_piece(&message[..5], 18, 7, &body).is_err());
    }
}
