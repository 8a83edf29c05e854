//! permessage-deflate benchmark, the wsframe side (run by tests/interop/deflate-bench.sh).
//!
//! ```text
//! cargo run --release -p wsframe-std --example deflate_bench -- CORPUS [PASSES]
//! ```
//!
//! CORPUS is a sequence of messages, each a 4-byte little-endian length and the bytes
//! (tests/interop/deflate-bench.mjs writes it). Each pass is one connection: the server
//! end of `wsframe_deflate::PerMessageDeflate` compresses every message (no minimum
//! size, level 6, 15-bit windows: the defaults), then the client end inflates them all.
//! Prints one JSON line with the times of the fastest pass (the one least disturbed by
//! other work on the machine), wall clock and CPU time of the thread, with and without
//! context takeover.

use std::process::ExitCode;
use std::time::Instant;

use wsframe_std::wsframe::handshake::extensions::Extensions;
use wsframe_std::wsframe::Role;
use wsframe_std::wsframe_deflate::{negotiate, DeflateConfig, PerMessageDeflate};

fn read_corpus(path: &str) -> std::io::Result<Vec<Vec<u8>>> {
    let bytes = std::fs::read(path)?;
    let mut messages = Vec::new();
    let mut rest = &bytes[..];
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let len = u32::from_le_bytes(*len) as usize;
        let Some((message, tail)) = tail.split_at_checked(len) else {
            return Err(std::io::Error::other("truncated corpus"));
        };
        messages.push(message.to_vec());
        rest = tail;
    }
    Ok(messages)
}

struct Pass {
    compressed: usize,
    compress_ms: f64,
    decompress_ms: f64,
    compress_cpu_ms: f64,
    decompress_cpu_ms: f64,
}

/// CPU time of this thread in milliseconds, so the figures hold on a busy machine.
fn cpu_ms() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the valid, exclusive `t`.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0;
    if ok {
        t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
    } else {
        0.0
    }
}

fn pass(messages: &[Vec<u8>], offer: &str, config: &DeflateConfig) -> Result<Pass, String> {
    let agreed = negotiate(Extensions::new(offer).flatten(), config).ok_or("declined")?;
    let mut server = PerMessageDeflate::new(&agreed, Role::Server, config);
    let mut client = PerMessageDeflate::new(&agreed, Role::Client, config);
    let mut wire = Vec::with_capacity(messages.len());
    let (started, cpu) = (Instant::now(), cpu_ms());
    for m in messages {
        let mut out = Vec::new();
        server.compress(m, &mut out).map_err(|e| e.to_string())?;
        wire.push(out);
    }
    let compress_ms = started.elapsed().as_secs_f64() * 1e3;
    let compress_cpu_ms = cpu_ms() - cpu;
    let (started, cpu) = (Instant::now(), cpu_ms());
    for (i, w) in wire.iter().enumerate() {
        let mut out = Vec::new();
        client
            .decompress(w, true, usize::MAX, &mut out)
            .map_err(|e| e.to_string())?;
        if i % 97 == 0 && out != messages[i] {
            return Err(format!("message {i} did not round-trip"));
        }
    }
    let decompress_ms = started.elapsed().as_secs_f64() * 1e3;
    let decompress_cpu_ms = cpu_ms() - cpu;
    Ok(Pass {
        compressed: wire.iter().map(Vec::len).sum(),
        compress_ms,
        decompress_ms,
        compress_cpu_ms,
        decompress_cpu_ms,
    })
}

fn best(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(f64::INFINITY, f64::min)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: deflate_bench CORPUS [PASSES]");
        return ExitCode::from(2);
    };
    let passes: usize = args
        .get(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(5)
        .clamp(1, 50);
    let messages = match read_corpus(path) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("deflate_bench: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let raw: usize = messages.iter().map(Vec::len).sum();
    let config = DeflateConfig {
        min_size: 0,
        ..DeflateConfig::default()
    };
    let mut results = Vec::new();
    for (takeover, offer) in [
        (true, "permessage-deflate"),
        (
            false,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        ),
    ] {
        let mut runs = Vec::new();
        for _ in 0..passes {
            match pass(&messages, offer, &config) {
                Ok(p) => runs.push(p),
                Err(e) => {
                    eprintln!("deflate_bench: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        results.push(format!(
            "{{\"impl\":\"wsframe-deflate (zlib-rs)\",\"context_takeover\":{takeover},\"messages\":{},\"raw_bytes\":{raw},\"compressed_bytes\":{},\"compress_ms\":{:.3},\"decompress_ms\":{:.3},\"compress_cpu_ms\":{:.3},\"decompress_cpu_ms\":{:.3}}}",
            messages.len(),
            runs[0].compressed,
            best(runs.iter().map(|r| r.compress_ms)),
            best(runs.iter().map(|r| r.decompress_ms)),
            best(runs.iter().map(|r| r.compress_cpu_ms)),
            best(runs.iter().map(|r| r.decompress_cpu_ms)),
        ));
    }
    println!("[{}]", results.join(","));
    ExitCode::SUCCESS
}
