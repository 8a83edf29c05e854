//! The least work a tokio echo server does per message: a reference for the others, not
//! a WebSocket server to use. After the core's opening handshake it reads into one
//! buffer (4 KiB, grown to fit the largest frame), and for every whole frame in it
//! unmasks the payload in place and writes it back behind a server header put where the
//! client's header was (the core's `encode_in_front`): no UTF-8 check, no limits, no
//! message assembly, no copy and no allocation per message, and the echoes of one read
//! leave in one vectored write. A close frame is echoed and the socket closed (no
//! `shutdown` first).
//!
//! What it costs per message is what tokio and the kernel cost any server here: the
//! floor under the others' figures ("reference" in BENCHMARKS.md, "Whole servers").

use std::io::IoSlice;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wsframe::frame::{encode_in_front, DecodeRules, Decoded};
use wsframe::handshake::server::{Request, Response};
use wsframe::handshake::{HandshakeLimits, Status};
use wsframe::{FrameHeader, OpCode, Role};

/// The read buffer starts at a page and grows (by 4x, once or twice) up to 1 MiB when a
/// frame does not fit: a connection that carries only small frames pays for no more.
const FIRST_BUFFER: usize = 4096;
const MAX_BUFFER: usize = 1024 * 1024;
/// Echoes gathered into one vectored write at most.
const SLICES: usize = 64;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    wsframe_server_bench::raise_open_files();
    let listener = TcpListener::bind(wsframe_server_bench::listen_addr()).await?;
    loop {
        let (socket, _) = listener.accept().await?;
        let _ = socket.set_nodelay(true);
        tokio::spawn(async move {
            let _ = serve(socket).await;
        });
    }
}

async fn serve(mut socket: TcpStream) -> std::io::Result<()> {
    let mut buf = vec![0u8; FIRST_BUFFER];
    let mut filled = handshake(&mut socket, &mut buf).await?;
    // Any limit would do: the load generator's frames are at most 64 KiB.
    let rules = DecodeRules::new(Role::Server);
    // (start, end) of each echo frame of this read, within `buf`.
    let mut echoes: Vec<(usize, usize)> = Vec::with_capacity(SLICES);
    loop {
        let mut pos = 0;
        let mut close = false;
        while echoes.len() < SLICES && !close {
            let Ok(Decoded::Complete { header, header_len }) =
                FrameHeader::decode(&buf[pos..filled], &rules)
            else {
                break;
            };
            let start = pos + header_len;
            let Some(end) = header
                .payload_len_usize()
                .and_then(|n| start.checked_add(n))
            else {
                return Ok(());
            };
            if end > filled {
                break;
            }
            if let Some(key) = header.mask {
                wsframe::apply_mask(&mut buf[start..end], key, 0);
            }
            let reply = FrameHeader::new(header.opcode, header.fin, 0);
            let Ok(at) = encode_in_front(reply, &mut buf[..end], start) else {
                return Ok(());
            };
            echoes.push((at, end));
            close = header.opcode == OpCode::Close;
            pos = end;
        }
        if !echoes.is_empty() {
            write_all(&mut socket, &buf, &echoes).await?;
            echoes.clear();
        }
        if close {
            // Dropping the socket closes it: the server's FIN comes first (§7.1.1).
            return Ok(());
        }
        // The partial frame left moves to the front; reading goes on behind it.
        buf.copy_within(pos..filled, 0);
        filled -= pos;
        if filled == buf.len() {
            if buf.len() >= MAX_BUFFER {
                return Ok(()); // a frame over 1 MiB: not in this benchmark
            }
            buf.resize(buf.len() * 4, 0);
        }
        match socket.read(&mut buf[filled..]).await? {
            0 => return Ok(()),
            n => filled += n,
        }
    }
}

/// Reads the opening request, writes the 101; returns how many bytes after the request
/// are already in `buf` (moved to its front).
async fn handshake(socket: &mut TcpStream, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    loop {
        let n = socket.read(&mut buf[filled..]).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        filled += n;
        let mut response = [0u8; 512];
        match Request::parse(&buf[..filled], &HandshakeLimits::default()) {
            Ok(Status::Complete { value, head_len }) => {
                let len = Response::default()
                    .write(&value, &mut response)
                    .map_err(std::io::Error::other)?;
                socket.write_all(&response[..len]).await?;
                buf.copy_within(head_len..filled, 0);
                return Ok(filled - head_len);
            }
            Ok(Status::Partial) => {}
            Err(e) => return Err(std::io::Error::other(e)),
        }
    }
}

/// Writes the frames `echoes` names, in order, with as few vectored writes as the socket
/// allows.
async fn write_all(
    socket: &mut TcpStream,
    buf: &[u8],
    echoes: &[(usize, usize)],
) -> std::io::Result<()> {
    let mut slices = [IoSlice::new(&[]); SLICES];
    for (slice, &(start, end)) in slices.iter_mut().zip(echoes) {
        *slice = IoSlice::new(&buf[start..end]);
    }
    let mut rest = &mut slices[..echoes.len()];
    while !rest.is_empty() {
        let n = socket.write_vectored(rest).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut rest, n);
    }
    Ok(())
}
