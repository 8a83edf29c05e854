//! The base64 of RFC 4648 §4 (with padding), only as the handshake needs it: encoding
//! the 20-byte Accept digest and the 16-byte client nonce, and checking that a
//! `Sec-WebSocket-Key` decodes to exactly 16 bytes (§4.2.1 item 5).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `input` into `out`, which must hold exactly `4 * ceil(len / 3)` bytes.
pub(crate) fn encode(input: &[u8], out: &mut [u8]) {
    for (chunk, dst) in input.chunks(3).zip(out.chunks_mut(4)) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from_be_bytes([0, b[0], b[1], b[2]]);
        for (i, d) in dst.iter_mut().enumerate() {
            *d = if i > chunk.len() {
                b'='
            } else {
                // Six bits: below 64.
                ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]
            };
        }
    }
}

/// Whether `key` is the canonical base64 of 16 bytes: 22 alphabet characters, the last
/// of which carries only 2 data bits (its low 4 bits zero), then `==`.
pub(crate) fn is_key_of_16_bytes(key: &[u8]) -> bool {
    let [body @ .., last, b'=', b'='] = key else {
        return false;
    };
    // The length is checked last so that the loop's trip count is not a constant for
    // the optimiser to unroll 21 times.
    body.iter().all(|&c| value(c).is_some())
        && value(*last).is_some_and(|v| v & 0x0f == 0)
        && body.len() == 21
}

/// The 6-bit value of a base64 character.
fn value(c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        // RFC 4648 §10.
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = [0u8; 8];
            let n = expected.len();
            encode(input.as_bytes(), &mut out[..n]);
            assert_eq!(&out[..n], expected.as_bytes(), "{input:?}");
        }
    }

    #[test]
    fn values_match_the_alphabet() {
        for c in 0..=255u8 {
            let expected = ALPHABET.iter().position(|&a| a == c).map(|i| i as u8);
            assert_eq!(value(c), expected, "{c}");
        }
    }

    #[test]
    fn keys() {
        assert!(is_key_of_16_bytes(b"dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(is_key_of_16_bytes(b"AAAAAAAAAAAAAAAAAAAAAA=="));
        assert!(is_key_of_16_bytes(b"/////////////////////w=="));
        // Non-zero bits in the last character's padding part: not canonical.
        assert!(!is_key_of_16_bytes(b"dGhlIHNhbXBsZSBub25jZR=="));
        assert!(!is_key_of_16_bytes(b"dGhlIHNhbXBsZSBub25jZQ="));
        assert!(!is_key_of_16_bytes(b"dGhlIHNhbXBsZSBub25jZQ=x"));
        assert!(!is_key_of_16_bytes(b"dGhlIHNhbXBsZSBub25jZ==="));
        assert!(!is_key_of_16_bytes(b"dGhlIHNhbXBsZSBub25j-Q=="));
        assert!(!is_key_of_16_bytes(b"AAAAAAAAAAAAAAAAAAAAAAAA"));
        assert!(!is_key_of_16_bytes(b""));
    }
}
