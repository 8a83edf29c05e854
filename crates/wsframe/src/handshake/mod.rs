//! The opening handshake (RFC 6455 §4): HTTP/1.1 Upgrade, parsed into borrowed views
//! and written into caller buffers.
//!
//! - [`server`]: read a client's request, answer 101 or reject with 400/403/426/431.
//! - [`client`]: write a request, check the server's response.
//! - [`extensions`]: the `Sec-WebSocket-Extensions` grammar of §9.1.
//!
//! Nothing here allocates: the head is checked in place and walked again for each
//! header looked up, every output goes into a caller slice, and every cap is in
//! [`HandshakeLimits`].

pub mod client;
pub mod extensions;
mod http;
pub mod http2;
mod offer;
pub mod server;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use crate::error::HandshakeError;

/// The GUID appended to the key before hashing (§1.3, §4.2.2 item 5.4).
pub const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The most headers any handshake message may have; the hard ceiling for
/// [`HandshakeLimits::max_headers`].
pub const MAX_HEADERS: usize = 64;

/// The most `Sec-WebSocket-Protocol` (or `-Extensions`) header lines kept per message.
pub const MAX_OFFER_HEADERS: usize = 8;

/// The header carrying subprotocols (§11.3.4), lower case for lookups.
pub(crate) const PROTOCOL: &str = "sec-websocket-protocol";
/// The header carrying extensions (§11.3.2), lower case for lookups.
pub(crate) const EXTENSIONS: &str = "sec-websocket-extensions";

/// Caps on a handshake message, checked before it is accepted (§10.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeLimits {
    /// The most bytes the request or response head may take, blank line included.
    pub max_bytes: usize,
    /// The most header lines (at most [`MAX_HEADERS`]).
    pub max_headers: usize,
}

impl Default for HandshakeLimits {
    /// 8 KiB and 32 headers: browsers send well under 2 KiB and 15 headers.
    fn default() -> Self {
        Self {
            max_bytes: 8 * 1024,
            max_headers: 32,
        }
    }
}

/// The answer of a handshake parser: complete, or wait for more (as in `httparse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// The message is complete; the WebSocket stream starts at `head_len` in the input.
    Complete {
        /// The parsed message.
        value: T,
        /// How many input bytes the HTTP head took, blank line included.
        head_len: usize,
    },
    /// The head is not complete; read more and parse again from the same start.
    Partial,
}

/// Computes `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (§4.2.2 item 5.4):
/// base64 of the SHA-1 of the key followed by [`GUID`].
///
/// ```
/// use wsframe::accept_key;
/// // The example of RFC 6455 §1.3.
/// assert_eq!(&accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="), b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
// A hint to inline, as `sha1_smol`'s own functions are: the caller's build then
// optimises the hash as it would the two crates called directly (as a call it was 4-6%
// slower than they are).
#[inline]
pub fn accept_key(key: &[u8]) -> [u8; 28] {
    let mut sha = sha1_smol::Sha1::new();
    sha.update(key);
    sha.update(GUID);
    encode_base64(&sha.digest().bytes())
}

/// Encodes 16 key bytes as the 24-character `Sec-WebSocket-Key` (§4.1 item 7).
///
/// ```
/// // The example of RFC 6455 §1.3.
/// assert_eq!(&wsframe::handshake::encode_key(b"the sample nonce"), b"dGhlIHNhbXBsZSBub25jZQ==");
/// ```
pub fn encode_key(nonce: &[u8; 16]) -> [u8; 24] {
    encode_base64(nonce)
}

/// Padded base64 (RFC 4648 §4) of `bytes` into exactly `N` characters.
fn encode_base64<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    // The callers' `N` is the encoded length of their fixed-size input (20 bytes → 28,
    // 16 → 24), so the output always fits and the result carries nothing to check.
    let _ = BASE64.encode_slice(bytes, &mut out);
    out
}

/// Whether `key` is base64 of exactly 16 bytes (§4.2.1 item 5): 24 characters of the
/// standard alphabet ending in `==`, with no stray bits in the last data character
/// (the engine decodes canonical padding only).
pub(crate) fn is_valid_key(key: &[u8]) -> bool {
    let mut nonce = [0u8; 16];
    key.len() == 24 && BASE64.decode_slice(key, &mut nonce) == Ok(16)
}

/// Iterates the comma-separated elements of a header value, trimmed, empties skipped
/// (RFC 7230 §7 `#rule`).
pub(crate) fn list_items(value: &str) -> impl Iterator<Item = &str> {
    split_list(value.as_bytes()).filter_map(|item| core::str::from_utf8(item).ok())
}

/// The byte form of [`list_items`]: commas are ASCII, so the pieces of a `str` stay
/// valid UTF-8.
fn split_list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(<[u8]>::trim_ascii)
        .filter(|item| !item.is_empty())
}

/// Whether a comma-separated header value lists `token`, ignoring ASCII case.
pub(crate) fn lists_token(value: &[u8], token: &str) -> bool {
    value
        .split(|&b| b == b',')
        .any(|item| item.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

/// RFC 7230 `tchar`: what a token (header name, subprotocol, extension name) is made of.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(http::is_tchar)
}

/// Whether `s` may be sent as a header value: visible ASCII, spaces and tabs only (no
/// CR or LF to split the message).
pub(crate) fn is_header_value(s: &str) -> bool {
    s.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

/// Appends to a caller buffer; every push fails cleanly when the buffer is full.
pub(crate) struct Writer<'o> {
    out: &'o mut [u8],
    len: usize,
}

impl<'o> Writer<'o> {
    pub(crate) fn new(out: &'o mut [u8]) -> Self {
        Self { out, len: 0 }
    }

    // Handshake messages are written once per connection: one shared copy of the
    // bounds check and copy instead of one per call site.
    #[inline(never)]
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Result<(), HandshakeError> {
        let end = self.len + bytes.len();
        let dst = self
            .out
            .get_mut(self.len..end)
            .ok_or(HandshakeError::BufferTooSmall)?;
        dst.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    pub(crate) fn push_str(&mut self, s: &str) -> Result<(), HandshakeError> {
        self.push(s.as_bytes())
    }

    /// Writes `name: value\r\n`.
    pub(crate) fn header(&mut self, name: &str, value: &[u8]) -> Result<(), HandshakeError> {
        self.push_str(name)?;
        self.push(b": ")?;
        self.push(value)?;
        self.push(b"\r\n")
    }

    /// Writes caller-supplied headers after checking they cannot break the message.
    pub(crate) fn extra_headers(&mut self, headers: &[(&str, &str)]) -> Result<(), HandshakeError> {
        for (name, value) in headers {
            if !is_token(name) || !is_header_value(value) {
                return Err(HandshakeError::InvalidArgument);
            }
            self.header(name, value.as_bytes())?;
        }
        Ok(())
    }

    /// Writes a decimal number.
    pub(crate) fn number(&mut self, mut n: usize) -> Result<(), HandshakeError> {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            // n % 10 is below 10.
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.push(&digits[at..])
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_vectors() {
        // RFC 6455 §1.3 and the keys of the project's notes (checked against Python's hashlib).
        let vectors: [(&[u8], &[u8]); 4] = [
            (b"dGhlIHNhbXBsZSBub25jZQ==", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
            (b"t8u0U+xVcPXWH4kvXxwCxw==", b"RdZtSQyF5tRkhMHRyxh82faxy1E="),
            (b"w4v7O6xFTi36lq3RNcgctw==", b"Oy4NRAQ13jhfONC7bP8dTKb4PTU="),
            (b"mnwFxiOlctXFN/DeMt1Amg==", b"oRjiwsm8ZS/eLqIQ6p82z1wgGHE="),
        ];
        for (key, accept) in vectors {
            assert_eq!(&accept_key(key), accept);
            assert!(is_valid_key(key));
        }
    }

    #[test]
    fn sha1_fips_vectors() {
        // FIPS 180-2 appendix A and the empty message, through the hash as `accept_key`
        // configures it (no default features).
        for (input, digest) in [
            (&b""[..], "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            (b"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
            ),
        ] {
            let mut sha = sha1_smol::Sha1::new();
            sha.update(input);
            assert_eq!(std::format!("{}", sha.digest()), digest);
        }
    }

    #[test]
    fn key_validation() {
        for key in [
            &b"dGhlIHNhbXBsZSBub25jZQ=="[..],
            b"AAAAAAAAAAAAAAAAAAAAAA==",
            b"/////////////////////w==",
        ] {
            assert!(is_valid_key(key), "{key:?}");
        }
        for key in [
            // Non-zero bits in the last character's padding part: not canonical.
            &b"dGhlIHNhbXBsZSBub25jZR=="[..],
            b"dGhlIHNhbXBsZSBub25jZQ=",
            b"dGhlIHNhbXBsZSBub25jZQ=x",
            b"dGhlIHNhbXBsZSBub25jZ===",
            b"dGhlIHNhbXBsZSBub25j-Q==",
            // 18 bytes, no padding; 17 bytes; 15 bytes.
            b"AAAAAAAAAAAAAAAAAAAAAAAA",
            b"AAAAAAAAAAAAAAAAAAAAAAA=",
            b"AAAAAAAAAAAAAAAAAAAA",
            b"",
        ] {
            assert!(!is_valid_key(key), "{key:?}");
        }
    }

    #[test]
    fn keys_round_trip() {
        // Every encoded nonce is a valid key, whatever its bytes (RFC 4648 §4).
        for fill in [0u8, 0x3f, 0x80, 0xfb, 0xff] {
            let mut nonce: [u8; 16] = core::array::from_fn(|i| fill ^ (i as u8 * 17));
            nonce[0] = fill;
            assert!(is_valid_key(&encode_key(&nonce)), "{nonce:?}");
        }
        assert_eq!(
            &encode_key(b"the sample nonce"),
            b"dGhlIHNhbXBsZSBub25jZQ=="
        );
    }

    #[test]
    fn token_lists() {
        assert!(lists_token(b"keep-alive, Upgrade", "upgrade"));
        assert!(lists_token(b"  WebSocket ", "websocket"));
        assert!(!lists_token(b"upgrades", "upgrade"));
        assert!(!lists_token(&[0xff, b'u'], "upgrade"));
        assert!(is_token("chat.v2"));
        assert!(!is_token("a b") && !is_token(""));
        assert!(!is_header_value("x\r\nEvil: 1"));
    }

    #[test]
    fn writer_stops_at_capacity() {
        let mut buf = [0u8; 5];
        let mut w = Writer::new(&mut buf);
        w.number(1234).unwrap();
        assert_eq!(w.len(), 4);
        assert_eq!(w.push(b"ab"), Err(HandshakeError::BufferTooSmall));
        assert_eq!(&buf[..4], b"1234");
    }
}
