//! Streaming UTF-8 validation for text messages and close reasons (RFC 6455 §8.1, §5.6).
//!
//! A text message may be split across frames and each frame across reads, and a code
//! point may be cut anywhere. [`Utf8Validator`] keeps the (at most three) bytes of an
//! unfinished code point between calls and reports an error at the first byte after
//! which the input can no longer become valid: a peer sending garbage is failed at once,
//! not after the whole message has been buffered (§8.1: "MUST _Fail the WebSocket
//! Connection_").
//!
//! The bulk of each chunk is checked by `core::str::from_utf8`, whose ASCII fast path and
//! strict rules (no overlongs, no surrogates, nothing above U+10FFFF) are what §8.1 asks
//! for; this module only stitches chunk boundaries.

/// The input can never become valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvalidUtf8;

impl core::fmt::Display for InvalidUtf8 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("invalid utf-8")
    }
}

impl core::error::Error for InvalidUtf8 {}

/// The longest piece checked by [`is_ascii`] before the general validator.
const SHORT_ASCII_MAX: usize = 64;

/// Whether every byte of `bytes` is ASCII: 8 bytes at a time, then 4, then single
/// bytes. (The pieces match how the unmasking loop wrote them just before, so each read
/// is served straight from the store that preceded it.)
#[inline(always)]
fn is_ascii(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let mut any = 0u64;
    for word in &mut words {
        if let Ok(word) = <[u8; 8]>::try_from(word) {
            any |= u64::from_ne_bytes(word);
        }
    }
    let mut rest = words.remainder();
    if let Some(Ok(quad)) = rest.get(..4).map(<[u8; 4]>::try_from) {
        any |= u64::from(u32::from_ne_bytes(quad));
        rest = &rest[4..];
    }
    for byte in rest {
        any |= u64::from(*byte);
    }
    any & 0x8080_8080_8080_8080 == 0
}

/// A fail-fast UTF-8 validator that accepts input in pieces.
///
/// ```
/// use wsframe::Utf8Validator;
/// let text = "κόσμε".as_bytes();
/// let mut v = Utf8Validator::new();
/// // Split inside the second code point.
/// v.feed(&text[..3]).unwrap();
/// assert!(!v.is_complete());
/// v.feed(&text[3..]).unwrap();
/// assert!(v.is_complete());
///
/// // 0xC0 can never start a valid sequence: rejected at once.
/// assert!(Utf8Validator::new().feed(&[b'a', 0xC0]).is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Utf8Validator {
    /// Bytes of an unfinished code point carried from the previous chunk.
    pending: [u8; 4],
    /// How many bytes of `pending` are in use (0 to 3).
    pending_len: u8,
}

impl Utf8Validator {
    /// A validator at the start of a text.
    pub const fn new() -> Self {
        Self {
            pending: [0; 4],
            pending_len: 0,
        }
    }

    /// Whether the input so far ends on a code point boundary, i.e. a message ending
    /// here is valid.
    pub const fn is_complete(&self) -> bool {
        self.pending_len == 0
    }

    /// Forgets any carried bytes, ready for the next message.
    pub fn reset(&mut self) {
        self.pending_len = 0;
    }

    /// Checks the next piece of input.
    ///
    /// Fails as soon as the input seen so far is not a prefix of any valid UTF-8 text.
    /// After an error the validator's state is unspecified; call [`reset`](Self::reset)
    /// before reusing it.
    #[inline]
    pub fn feed(&mut self, mut chunk: &[u8]) -> Result<(), InvalidUtf8> {
        if self.pending_len > 0 {
            chunk = self.finish_pending(chunk)?;
            if self.pending_len > 0 {
                // The chunk was consumed entirely into the still unfinished code point.
                return Ok(());
            }
        }
        // Short pieces (a chat message, a small JSON frame) are mostly ASCII: a few word
        // operations settle them without the general validator's setup cost. Not on
        // bare metal, where the flash it takes matters more.
        if cfg!(not(target_os = "none")) && chunk.len() <= SHORT_ASCII_MAX && is_ascii(chunk) {
            return Ok(());
        }
        match core::str::from_utf8(chunk) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_none() => {
                // The tail is a valid but unfinished code point (at most 3 bytes).
                let tail = chunk.get(e.valid_up_to()..).unwrap_or_default();
                self.carry(tail);
                Ok(())
            }
            Err(_) => Err(InvalidUtf8),
        }
    }

    /// Completes the carried code point with bytes from `chunk`; returns the rest of the
    /// chunk.
    fn finish_pending<'c>(&mut self, chunk: &'c [u8]) -> Result<&'c [u8], InvalidUtf8> {
        // At most 3 bytes are carried; the bound lets the compiler see every slice below
        // is in range (no panic path).
        let have = usize::from(self.pending_len).min(3);
        let take = chunk.len().min(4 - have);
        let mut buf = self.pending;
        buf[have..have + take].copy_from_slice(&chunk[..take]);
        let joined = &buf[..have + take];
        match core::str::from_utf8(joined) {
            Ok(_) => {
                self.pending_len = 0;
                Ok(&chunk[take..])
            }
            Err(e) if e.valid_up_to() > 0 => {
                // The carried code point finished within `joined`; the bytes after it
                // belong to the rest of the chunk and are checked from there.
                let used = e.valid_up_to() - have;
                self.pending_len = 0;
                Ok(chunk.get(used..).unwrap_or_default())
            }
            Err(e) if e.error_len().is_none() => {
                // Still unfinished: only possible when the chunk ran out.
                self.carry(joined);
                Ok(&[])
            }
            Err(_) => Err(InvalidUtf8),
        }
    }

    fn carry(&mut self, tail: &[u8]) {
        let n = tail.len().min(3);
        self.pending[..n].copy_from_slice(&tail[..n]);
        // n is at most 3, so it fits in a u8.
        self.pending_len = n as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn validate_split(bytes: &[u8], cuts: &[usize]) -> Result<bool, InvalidUtf8> {
        let mut v = Utf8Validator::new();
        let mut start = 0;
        for &cut in cuts {
            let cut = cut.clamp(start, bytes.len());
            v.feed(&bytes[start..cut])?;
            start = cut;
        }
        v.feed(&bytes[start..])?;
        Ok(v.is_complete())
    }

    #[test]
    fn byte_at_a_time_matches_whole() {
        let text = "Hello-µ@ßöäüàá-UTF-8!! κόσμε 𝄞".as_bytes();
        let cuts: std::vec::Vec<usize> = (0..text.len()).collect();
        assert_eq!(validate_split(text, &cuts), Ok(true));
    }

    #[test]
    fn fails_fast_on_impossible_prefix() {
        // 0xF4 0x90 would encode above U+10FFFF: fail at the second byte.
        let mut v = Utf8Validator::new();
        v.feed(&[0xF4]).unwrap();
        assert_eq!(v.feed(&[0x90]), Err(InvalidUtf8));
        // Surrogate prefix ED A0.
        let mut v = Utf8Validator::new();
        v.feed(&[0xED]).unwrap();
        assert_eq!(v.feed(&[0xA0]), Err(InvalidUtf8));
        // Overlong prefix E0 80.
        assert_eq!(Utf8Validator::new().feed(&[0xE0, 0x80]), Err(InvalidUtf8));
        // A lone continuation byte.
        assert_eq!(Utf8Validator::new().feed(&[0x80]), Err(InvalidUtf8));
    }

    #[test]
    fn short_pieces_around_the_ascii_shortcut() {
        // Pieces up to and just past the shortcut's limit, with one non-ASCII byte
        // (valid or not) at every position, agree with `from_utf8`.
        for len in [
            1,
            7,
            8,
            9,
            15,
            16,
            17,
            SHORT_ASCII_MAX - 1,
            SHORT_ASCII_MAX,
            SHORT_ASCII_MAX + 1,
        ] {
            let ascii = std::vec![b'a'; len];
            assert_eq!(Utf8Validator::new().feed(&ascii), Ok(()));
            for at in 0..len {
                for bad in [0x80u8, 0xC0, 0xFF] {
                    let mut bytes = ascii.clone();
                    bytes[at] = bad;
                    let mut v = Utf8Validator::new();
                    let ok = v.feed(&bytes).is_ok() && v.is_complete();
                    assert_eq!(
                        ok,
                        core::str::from_utf8(&bytes).is_ok(),
                        "len {len} at {at} byte {bad:#x}"
                    );
                }
                // A two-byte code point ending the piece is carried, not rejected.
                let mut bytes = ascii.clone();
                bytes[at] = 0xC3;
                let mut v = Utf8Validator::new();
                if at + 1 == len {
                    assert_eq!(v.feed(&bytes), Ok(()));
                    assert!(!v.is_complete());
                    assert_eq!(v.feed(&[0xA9]), Ok(()));
                    assert!(v.is_complete());
                } else {
                    assert_eq!(v.feed(&bytes), Err(InvalidUtf8), "len {len} at {at}");
                }
            }
        }
        // After a carried lead byte, an ASCII piece is an error (the code point is cut).
        let mut v = Utf8Validator::new();
        v.feed(&[b'x', 0xE2]).unwrap();
        assert_eq!(v.feed(b"abc"), Err(InvalidUtf8));
    }

    #[test]
    fn unfinished_code_point_is_incomplete() {
        let mut v = Utf8Validator::new();
        v.feed(&[0xCE, 0xBA, 0xE1]).unwrap();
        assert!(!v.is_complete());
        v.feed(&[0xBD]).unwrap();
        assert!(!v.is_complete());
        v.feed(&[0xB9, b'x']).unwrap();
        assert!(v.is_complete());
    }

    proptest! {
        #[test]
        fn agrees_with_from_utf8(bytes in proptest::collection::vec(any::<u8>(), 0..64),
                                 cuts in proptest::collection::vec(0usize..64, 0..6)) {
            let mut cuts = cuts;
            cuts.sort_unstable();
            let expected = core::str::from_utf8(&bytes).is_ok();
            let got = validate_split(&bytes, &cuts).unwrap_or(false);
            prop_assert_eq!(expected, got);
        }

        #[test]
        fn valid_text_in_any_split(s in "\\PC{0,40}", cuts in proptest::collection::vec(0usize..160, 0..8)) {
            let mut cuts = cuts;
            cuts.sort_unstable();
            prop_assert_eq!(validate_split(s.as_bytes(), &cuts), Ok(true));
        }

        #[test]
        fn error_reported_at_first_impossible_byte(bytes in proptest::collection::vec(any::<u8>(), 1..32)) {
            // Feeding byte by byte, the first failure is at the shortest invalid prefix.
            let mut v = Utf8Validator::new();
            let mut failed_at = None;
            for (i, b) in bytes.iter().enumerate() {
                if v.feed(core::slice::from_ref(b)).is_err() { failed_at = Some(i); break; }
            }
            let first_bad = core::str::from_utf8(&bytes).err().and_then(|e| e.error_len().map(|_| e.valid_up_to()));
            match (failed_at, first_bad) {
                (None, None) => {}
                (Some(i), Some(start)) => {
                    // The failure lies within the offending sequence, never after it.
                    prop_assert!(i >= start && i < start + 4, "failed at {} bad seq at {}", i, start);
                }
                other => prop_assert!(false, "mismatch {:?}", other),
            }
        }
    }
}
