//! SHA-1 (FIPS 180-4), as small as it can be: the opening handshake hashes one key
//! (§4.2.2 item 5.4) and a client derives its masking keys from it (§5.3), so the
//! function is cold and its flash cost matters more than its speed. The 80 rounds are
//! one loop with a 16-word rolling schedule; an optimising build may unroll it.
//!
//! SHA-1 is broken for signatures; here it is only what RFC 6455 prescribes for the
//! `Sec-WebSocket-Accept` check and a mixing function for masking keys.

/// An incremental SHA-1 hash.
#[derive(Debug, Clone)]
pub(crate) struct Sha1 {
    state: [u32; 5],
    block: [u8; 64],
    /// Bytes hashed so far; the low six bits are the fill of `block`. 32 bits: the
    /// inputs are a few dozen bytes (and 32-bit fields keep the state 4-aligned).
    len: u32,
}

impl Sha1 {
    pub(crate) fn new() -> Self {
        Self {
            state: [
                0x6745_2301,
                0xEFCD_AB89,
                0x98BA_DCFE,
                0x1032_5476,
                0xC3D2_E1F0,
            ],
            block: [0; 64],
            len: 0,
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        for &byte in data {
            // The fill is `len % 64`, below 64.
            self.block[(self.len % 64) as usize] = byte;
            self.len = self.len.wrapping_add(1);
            if self.len % 64 == 0 {
                compress(&mut self.state, &self.block);
                // Bytes past the fill stay zero, ready for the padding.
                self.block = [0; 64];
            }
        }
    }

    /// The digest: padding with 0x80, zeros and the bit length (FIPS 180-4 §5.1.1).
    pub(crate) fn digest(mut self) -> [u8; 20] {
        let bits = u64::from(self.len) * 8;
        // The fill is below 64, so there is room for the 0x80; the bytes after it are
        // zero already.
        let fill = (self.len % 64) as usize;
        self.block[fill] = 0x80;
        if fill >= 56 {
            // No room for the length: it goes into one more block.
            compress(&mut self.state, &self.block);
            self.block = [0; 64];
        }
        self.block[56..].copy_from_slice(&bits.to_be_bytes());
        compress(&mut self.state, &self.block);
        // Big-endian words; the shift is below 32.
        core::array::from_fn(|i| (self.state[i / 4] >> (24 - 8 * (i % 4))) as u8)
    }
}

/// One 64-byte block (FIPS 180-4 §6.1.2). Never inlined: its three callers share one copy.
#[inline(never)]
fn compress(state: &mut [u32; 5], block: &[u8; 64]) {
    let mut w = [0u32; 16];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
        *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    let [mut a, mut b, mut c, mut d, mut e] = *state;
    for t in 0..80 {
        let i = t % 16;
        if t >= 16 {
            w[i] = (w[(i + 13) % 16] ^ w[(i + 8) % 16] ^ w[(i + 2) % 16] ^ w[i]).rotate_left(1);
        }
        let (f, k) = if t < 20 {
            (d ^ (b & (c ^ d)), 0x5A82_7999)
        } else if t < 40 {
            (b ^ c ^ d, 0x6ED9_EBA1)
        } else if t < 60 {
            ((b & c) | (d & (b | c)), 0x8F1B_BCDC)
        } else {
            (b ^ c ^ d, 0xCA62_C1D6)
        };
        let temp = a
            .rotate_left(5)
            .wrapping_add(f)
            .wrapping_add(e)
            .wrapping_add(k)
            .wrapping_add(w[i]);
        e = d;
        d = c;
        c = b.rotate_left(30);
        b = a;
        a = temp;
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e]) {
        *s = s.wrapping_add(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(digest: [u8; 20]) -> std::string::String {
        digest.iter().map(|b| std::format!("{b:02x}")).collect()
    }

    fn sha1(pieces: &[&[u8]]) -> std::string::String {
        let mut h = Sha1::new();
        for p in pieces {
            h.update(p);
        }
        hex(h.digest())
    }

    #[test]
    fn fips_vectors() {
        // FIPS 180-2 appendix A examples and the empty message.
        assert_eq!(sha1(&[b""]), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(sha1(&[b"abc"]), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            sha1(&[b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"]),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
    }

    #[test]
    fn million_a() {
        // FIPS 180-2 appendix A.3: 15,625 blocks.
        let million = std::vec![b'a'; 1_000_000];
        assert_eq!(
            sha1(&[&million]),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        );
    }

    #[test]
    fn agrees_with_sha1_smol() {
        // Every length up to three blocks, against an independent implementation.
        let data: std::vec::Vec<u8> = (0..=255u8).cycle().take(200).collect();
        for len in 0..=data.len() {
            let reference = sha1_smol::Sha1::from(&data[..len]).digest().bytes();
            assert_eq!(sha1(&[&data[..len]]), hex(reference), "len {len}");
        }
    }

    #[test]
    fn pieces_do_not_matter() {
        // Every length around the padding boundaries, whole and split at every byte.
        let data: std::vec::Vec<u8> = (0..200u8).collect();
        for len in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 200] {
            let whole = sha1(&[&data[..len]]);
            for cut in 0..=len {
                assert_eq!(
                    sha1(&[&data[..cut], &data[cut..len]]),
                    whole,
                    "len {len} cut {cut}"
                );
            }
        }
    }
}
