//! Compressing and inflating messages (RFC 7692 §7.2) with zlib-rs.
//!
//! A message is compressed as raw DEFLATE ending in a sync flush whose 4-byte tail
//! `00 00 ff ff` is removed (§7.2.1); the receiver appends it again and inflates (§7.2.2).
//! Inflated bytes count against the caller's message limit as they are produced, so a
//! small frame that would inflate past the limit fails with 1009 before the excess is
//! stored (decompression bomb protection).

use alloc::vec::Vec;

use wsframe::{CloseCode, Role};
use zlib_rs::{Deflate, DeflateFlush, Inflate, InflateFlush, Status};

use crate::params::{Agreed, DeflateConfig, MAX_WINDOW_BITS};

/// The tail a sync flush ends with, removed before sending (§7.2.1).
const SYNC_TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];
/// Bytes produced per zlib call.
const CHUNK: usize = 16 * 1024;
/// zlib cannot write raw DEFLATE with a 256-byte window; asking for 512 bytes gives a
/// stream whose distances stay within 256 bytes (zlib keeps a 262-byte lookahead), which
/// is what a peer limited to 8 bits can inflate.
const MIN_DEFLATE_BITS: u8 = 9;

/// Why a message could not be inflated or compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeflateError {
    /// The inflated message is over the limit (1009).
    TooBig,
    /// The compressed data is not valid DEFLATE (1007).
    Corrupt,
    /// The compressor failed (1011).
    Internal,
}

impl DeflateError {
    /// The close code that fails the connection for this error.
    pub const fn close_code(self) -> CloseCode {
        match self {
            Self::TooBig => CloseCode::MESSAGE_TOO_BIG,
            Self::Corrupt => CloseCode::INVALID_PAYLOAD,
            Self::Internal => CloseCode::INTERNAL_ERROR,
        }
    }
}

impl core::fmt::Display for DeflateError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::TooBig => "inflated message over the size limit",
            Self::Corrupt => "invalid compressed data",
            Self::Internal => "compressor failure",
        })
    }
}

impl core::error::Error for DeflateError {}

/// The compression state of one connection endpoint.
pub struct PerMessageDeflate {
    deflate: Deflate,
    inflate: Inflate,
    /// Reset the compressor after each message (our no_context_takeover).
    reset_deflate: bool,
    /// Reset the inflater after each message (the peer's no_context_takeover).
    reset_inflate: bool,
    min_size: usize,
    chunk: Vec<u8>,
}

impl core::fmt::Debug for PerMessageDeflate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PerMessageDeflate")
            .field("reset_deflate", &self.reset_deflate)
            .field("reset_inflate", &self.reset_inflate)
            .field("min_size", &self.min_size)
            .finish_non_exhaustive()
    }
}

impl PerMessageDeflate {
    /// The state for the endpoint in `role`, after negotiating `agreed` with `config`.
    pub fn new(agreed: &Agreed, role: Role, config: &DeflateConfig) -> Self {
        let (reset_deflate, bits) = agreed.compressor(role);
        let level = i32::from(config.level.min(9));
        Self {
            deflate: Deflate::new(level, false, bits.clamp(MIN_DEFLATE_BITS, MAX_WINDOW_BITS)),
            // Inflating with the full window accepts any smaller window the peer uses.
            inflate: Inflate::new(false, MAX_WINDOW_BITS),
            reset_deflate,
            reset_inflate: agreed.peer_resets(role),
            min_size: config.min_size,
            chunk: alloc::vec![0; CHUNK],
        }
    }

    /// Whether a message of `len` bytes is worth compressing.
    pub fn should_compress(&self, len: usize) -> bool {
        len >= self.min_size
    }

    /// Appends the compressed form of a whole message to `out` (§7.2.1).
    pub fn compress(&mut self, message: &[u8], out: &mut Vec<u8>) -> Result<(), DeflateError> {
        if message.is_empty() {
            // zlib produces nothing for a second sync flush in a row, so an empty message
            // is an empty stored block: `00 00 00 ff ff` without the tail (§7.2.3.6).
            // It leaves the window unchanged, so no reset is needed.
            out.push(0x00);
            return Ok(());
        }
        let start = out.len();
        let mut input = message;
        // Each round consumes input or fills the chunk; the bound covers the worst case
        // of stored blocks with generous slack.
        let rounds = message.len() / CHUNK + 8;
        for _ in 0..rounds.saturating_mul(2) {
            let (in_before, out_before) = (self.deflate.total_in(), self.deflate.total_out());
            let status = self
                .deflate
                .compress(input, &mut self.chunk, DeflateFlush::SyncFlush)
                .map_err(|_| DeflateError::Internal)?;
            let used = delta(self.deflate.total_in(), in_before);
            let produced = delta(self.deflate.total_out(), out_before);
            out.extend_from_slice(&self.chunk[..produced]);
            input = &input[used..];
            if input.is_empty() && produced < self.chunk.len() || matches!(status, Status::BufError)
            {
                break;
            }
        }
        if !input.is_empty() || !out[start..].ends_with(&SYNC_TAIL) {
            return Err(DeflateError::Internal);
        }
        out.truncate(out.len() - SYNC_TAIL.len());
        if self.reset_deflate {
            self.deflate.reset();
        }
        Ok(())
    }

    /// Inflates one piece of a compressed message into `out`; `end_of_message` marks the
    /// last piece. Fails with [`DeflateError::TooBig`] as soon as `out` would exceed
    /// `limit` bytes.
    pub fn decompress(
        &mut self,
        piece: &[u8],
        end_of_message: bool,
        limit: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), DeflateError> {
        self.inflate_all(piece, limit, out)?;
        if end_of_message {
            self.inflate_all(&SYNC_TAIL, limit, out)?;
            if self.reset_inflate {
                self.inflate.reset(false);
            }
        }
        Ok(())
    }

    fn inflate_all(
        &mut self,
        mut input: &[u8],
        limit: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), DeflateError> {
        // Every round consumes input or fills a whole chunk; a chunk beyond the limit
        // ends the loop, so it runs at most limit / CHUNK + input rounds.
        loop {
            let (in_before, out_before) = (self.inflate.total_in(), self.inflate.total_out());
            let status = self
                .inflate
                .decompress(input, &mut self.chunk, InflateFlush::SyncFlush)
                .map_err(|_| DeflateError::Corrupt)?;
            let used = delta(self.inflate.total_in(), in_before);
            let produced = delta(self.inflate.total_out(), out_before);
            if out.len().saturating_add(produced) > limit {
                return Err(DeflateError::TooBig);
            }
            out.extend_from_slice(&self.chunk[..produced]);
            input = &input[used..];
            // §7.2.2: the stream never ends with a final block in practice, but one is
            // allowed; what follows would be garbage.
            if matches!(status, Status::StreamEnd) {
                return if input.is_empty() {
                    Ok(())
                } else {
                    Err(DeflateError::Corrupt)
                };
            }
            let stalled = used == 0 && produced == 0;
            if input.is_empty() && produced < self.chunk.len() || stalled {
                return Ok(());
            }
        }
    }
}

/// The difference of two zlib byte counters, which fits in `usize` because it is at
/// most the length of one buffer.
fn delta(after: u64, before: u64) -> usize {
    usize::try_from(after - before).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::negotiate;
    use wsframe::handshake::extensions::Extensions;

    fn pair(offer: &str) -> (PerMessageDeflate, PerMessageDeflate) {
        let config = DeflateConfig {
            min_size: 0,
            ..DeflateConfig::default()
        };
        let agreed = negotiate(Extensions::new(offer).flatten(), &config).unwrap();
        (
            PerMessageDeflate::new(&agreed, Role::Server, &config),
            PerMessageDeflate::new(&agreed, Role::Client, &config),
        )
    }

    fn inflate(p: &mut PerMessageDeflate, data: &[u8]) -> Result<Vec<u8>, DeflateError> {
        let mut out = Vec::new();
        p.decompress(data, true, 1 << 20, &mut out)?;
        Ok(out)
    }

    #[test]
    fn rfc7692_examples() {
        let (mut server, _) = pair("permessage-deflate");
        // §7.2.3.1: "Hello" compressed.
        assert_eq!(
            inflate(&mut server, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]).unwrap(),
            b"Hello"
        );
        // §7.2.3.2: a second "Hello" referring to the first through the shared window.
        assert_eq!(
            inflate(&mut server, &[0xf2, 0x00, 0x11, 0x00, 0x00]).unwrap(),
            b"Hello"
        );
        // §7.2.3.3: "Hello" in a stored block.
        let (mut fresh, _) = pair("permessage-deflate");
        assert_eq!(
            inflate(
                &mut fresh,
                &[0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00]
            )
            .unwrap(),
            b"Hello"
        );
    }

    #[test]
    fn round_trip_with_and_without_context_takeover() {
        for offer in [
            "permessage-deflate",
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        ] {
            let (mut server, mut client) = pair(offer);
            let mut sizes = Vec::new();
            for _ in 0..3 {
                let msg = b"{\"id\":1,\"name\":\"wsframe\",\"tags\":[\"a\",\"b\"]}".repeat(20);
                let mut wire = Vec::new();
                client.compress(&msg, &mut wire).unwrap();
                sizes.push(wire.len());
                // Inflating in two pieces gives the same message.
                let mut out = Vec::new();
                let (a, b) = wire.split_at(wire.len() / 2);
                server.decompress(a, false, 1 << 20, &mut out).unwrap();
                server.decompress(b, true, 1 << 20, &mut out).unwrap();
                assert_eq!(out, msg);
            }
            let takeover = !offer.contains("no_context");
            // With context takeover later copies of the same message shrink.
            assert_eq!(sizes[1] < sizes[0], takeover, "{offer}: {sizes:?}");
        }
    }

    #[test]
    fn small_window_output_inflates_with_that_window() {
        let (mut server, _) = pair("permessage-deflate; server_max_window_bits=8");
        let msg: Vec<u8> = (0..20_000u32)
            .map(|i| (i * 7 % 251) as u8)
            .chain(b"abcdefgh".repeat(500))
            .collect();
        let mut wire = Vec::new();
        server.compress(&msg, &mut wire).unwrap();
        wire.extend_from_slice(&SYNC_TAIL);
        let mut peer = Inflate::new(false, 8);
        let mut out = alloc::vec![0u8; msg.len() + 64];
        peer.decompress(&wire, &mut out, InflateFlush::SyncFlush)
            .unwrap();
        assert_eq!(&out[..msg.len()], &msg[..]);
    }

    #[test]
    fn bomb_is_stopped_at_the_limit() {
        let (mut server, mut client) = pair("permessage-deflate");
        let zeros = alloc::vec![0u8; 4 << 20];
        let mut wire = Vec::new();
        client.compress(&zeros, &mut wire).unwrap();
        assert!(wire.len() < 8 * 1024, "{}", wire.len());
        let mut out = Vec::new();
        assert_eq!(
            server.decompress(&wire, true, 64 * 1024, &mut out),
            Err(DeflateError::TooBig)
        );
        assert!(out.len() <= 64 * 1024);
        assert_eq!(
            DeflateError::TooBig.close_code(),
            CloseCode::MESSAGE_TOO_BIG
        );
    }

    #[test]
    fn corrupt_data_is_refused() {
        let (mut server, _) = pair("permessage-deflate");
        assert_eq!(
            inflate(&mut server, &[0xff, 0xff, 0xff, 0xff]),
            Err(DeflateError::Corrupt)
        );
        assert_eq!(
            DeflateError::Corrupt.close_code(),
            CloseCode::INVALID_PAYLOAD
        );
    }

    #[test]
    fn empty_message() {
        let (mut server, mut client) = pair("permessage-deflate");
        let mut wire = Vec::new();
        client.compress(b"", &mut wire).unwrap();
        assert_eq!(inflate(&mut server, &wire).unwrap(), b"");
    }

    #[test]
    fn empty_messages_in_a_row_and_between_others() {
        for offer in [
            "permessage-deflate",
            "permessage-deflate; client_no_context_takeover",
        ] {
            let (mut server, mut client) = pair(offer);
            for msg in [&b""[..], b"", b"Hello, Hello", b"", b"", b"Hello, Hello"] {
                let mut wire = Vec::new();
                client.compress(msg, &mut wire).unwrap();
                assert_eq!(inflate(&mut server, &wire).unwrap(), msg, "{offer}");
            }
        }
    }
}
