//! Client-to-server masking (RFC 6455 §5.3).
//!
//! Octet `i` of the transformed data is octet `i` of the original XOR octet `i MOD 4`
//! of the masking key. Both functions take an `offset`: the position of `buf[0]` within
//! the frame payload, so a payload that arrives over several reads can be unmasked piece
//! by piece with the key rotated to match.
//!
//! The loops work on 64-byte blocks against a 64-byte repetition of the key so that the
//! compiler turns each block into a few vector XORs on any target with SIMD registers
//! (SSE2 on x86_64 by default, AVX-512 with `-C target-cpu` that has it, NEON on
//! aarch64) without `unsafe` or target-specific code; the tail
//! is masked 8, 4, then 1 byte at a time with the same rotated key. No alignment is
//! assumed.
//!
//! On wasm32 built with `simd128` the compiler does not vectorize the word loop (not at
//! all for size-optimised builds), so there the blocks go through four explicit `v128`
//! XORs instead (still safe code: the intrinsics used need no `unsafe`).
//!
//! Bare-metal targets (`target_os = "none"`: microcontrollers) have no vector registers
//! to fill and little flash, so there one plain loop of 4-byte words does the work.

/// Bytes handled per block: four SSE2 registers, two AVX2 or one AVX-512 register, so
/// the compiler can keep several independent XORs in flight on any target with SIMD.
#[cfg(not(target_os = "none"))]
const BLOCK: usize = 64;

/// The key rotated so that its first byte applies to payload byte `offset`, repeated
/// twice in a `u64` (in memory order, so the same value works on either endianness).
#[inline(always)]
fn key_word(key: [u8; 4], offset: usize) -> u64 {
    // Rotating the little-endian value right by 8 bits moves byte 1 to byte 0.
    let shift = 8 * (offset % 4) as u32;
    let rotated = u32::from_le_bytes(key).rotate_right(shift).to_le_bytes();
    let half = u64::from(u32::from_ne_bytes(rotated));
    half | (half << 32)
}

/// XORs one 8-byte word with the key word.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn xor_word(word: &mut [u8; 8], key: u64) {
    *word = (u64::from_ne_bytes(*word) ^ key).to_ne_bytes();
}

/// XORs whole words of `buf` (a multiple of 8 bytes long) with the key word.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn xor_words(buf: &mut [u8], key: u64) {
    for word in buf.chunks_exact_mut(8) {
        if let Ok(word) = <&mut [u8; 8]>::try_from(word) {
            xor_word(word, key);
        }
    }
}

/// The key word repeated over a block.
#[cfg(not(any(
    target_os = "none",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
#[inline(always)]
fn key_block(key: u64) -> [u8; BLOCK] {
    let mut block = [0u8; BLOCK];
    for word in block.chunks_exact_mut(8) {
        word.copy_from_slice(&key.to_ne_bytes());
    }
    block
}

/// XORs a block with the key pattern in place. A fixed-size, straight-line loop: the
/// compiler turns it into whole-register XORs (SSE2 by default; AVX2 or AVX-512 when the
/// build enables them) and has no reason to vectorise across blocks instead, which it
/// did, with gathers and scatters 5x slower, on AVX-512 targets (`-C target-cpu=native`
/// on Zen 4/5) when a block was written as a loop of 8-byte words.
#[cfg(not(any(
    target_os = "none",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
#[inline(always)]
fn xor_block(block: &mut [u8; BLOCK], pattern: &[u8; BLOCK]) {
    for (b, k) in block.iter_mut().zip(pattern) {
        *b ^= *k;
    }
}

/// Writes `src` XOR the key pattern into `dst`.
#[cfg(not(any(
    target_os = "none",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
#[inline(always)]
fn xor_block_into(src: &[u8; BLOCK], dst: &mut [u8; BLOCK], pattern: &[u8; BLOCK]) {
    for ((o, i), k) in dst.iter_mut().zip(src).zip(pattern) {
        *o = *i ^ *k;
    }
}

/// Explicit `v128` blocks for wasm32 with `simd128`.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::{u64x2, u64x2_extract_lane, u64x2_splat, v128, v128_xor};

    /// Bytes per vector.
    const LANE: usize = 16;

    /// The key word in both lanes.
    #[inline(always)]
    pub(super) fn key_vector(key: u64) -> v128 {
        u64x2_splat(key)
    }

    #[inline(always)]
    fn half(bytes: &[u8]) -> u64 {
        let mut word = [0u8; 8];
        word.copy_from_slice(bytes);
        u64::from_ne_bytes(word)
    }

    /// Loads 16 bytes (two 8-byte lane loads once compiled).
    #[inline(always)]
    fn load(bytes: &[u8; LANE]) -> v128 {
        u64x2(half(&bytes[..8]), half(&bytes[8..]))
    }

    /// Stores a vector (one 16-byte store once compiled).
    #[inline(always)]
    fn store(bytes: &mut [u8; LANE], v: v128) {
        bytes[..8].copy_from_slice(&u64x2_extract_lane::<0>(v).to_ne_bytes());
        bytes[8..].copy_from_slice(&u64x2_extract_lane::<1>(v).to_ne_bytes());
    }

    /// XORs a block (a multiple of 16 bytes long) with the key vector in place.
    #[inline(always)]
    pub(super) fn xor_block(block: &mut [u8], key: v128) {
        for lane in block.chunks_exact_mut(LANE) {
            if let Ok(lane) = <&mut [u8; LANE]>::try_from(lane) {
                store(lane, v128_xor(load(lane), key));
            }
        }
    }

    /// Writes `src` XOR the key vector into `dst` (both a multiple of 16 bytes long).
    #[inline(always)]
    pub(super) fn xor_block_into(src: &[u8], dst: &mut [u8], key: v128) {
        for (o, i) in dst.chunks_exact_mut(LANE).zip(src.chunks_exact(LANE)) {
            if let (Ok(o), Ok(i)) = (<&mut [u8; LANE]>::try_from(o), <&[u8; LANE]>::try_from(i)) {
                store(o, v128_xor(load(i), key));
            }
        }
    }
}

/// Masks fewer than [`BLOCK`] bytes that start at the key phase of `key`: 8, 4, then
/// single bytes, so a short frame costs a handful of word operations.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn mask_short(buf: &mut [u8], key: u64) {
    let words = buf.len() & !7;
    let (head, rest) = buf.split_at_mut(words);
    xor_words(head, key);
    // 8 is a multiple of 4: the rest starts at the same key phase.
    let key_bytes = key.to_ne_bytes();
    let rest = match <&mut [u8; 4]>::try_from(rest.get_mut(..4).unwrap_or_default()) {
        Ok(quad) => {
            let half = u32::from_ne_bytes([key_bytes[0], key_bytes[1], key_bytes[2], key_bytes[3]]);
            *quad = (u32::from_ne_bytes(*quad) ^ half).to_ne_bytes();
            rest.get_mut(4..).unwrap_or_default()
        }
        Err(_) => rest,
    };
    for (b, k) in rest.iter_mut().zip(key_bytes) {
        *b ^= k;
    }
}

/// Masks or unmasks `buf` in place with `key`, as if `buf` started at byte `offset` of
/// the payload (§5.3). Applying it twice restores the input.
///
/// ```
/// use wsframe::apply_mask;
/// // The masked "Hello" from RFC 6455 §5.7.
/// let key = [0x37, 0xfa, 0x21, 0x3d];
/// let mut data = *b"\x7f\x9f\x4d\x51\x58";
/// apply_mask(&mut data, key, 0);
/// assert_eq!(&data, b"Hello");
///
/// // Unmasking in two pieces gives the same result.
/// let mut split = *b"\x7f\x9f\x4d\x51\x58";
/// let (a, b) = split.split_at_mut(3);
/// apply_mask(a, key, 0);
/// apply_mask(b, key, 3);
/// assert_eq!(&split, b"Hello");
/// ```
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    #[cfg(target_os = "none")]
    return compact::apply_mask(buf, key_word(key, offset));
    #[cfg(not(target_os = "none"))]
    apply_mask_blocks(buf, key_word(key, offset));
}

/// [`apply_mask`] in 64-byte blocks, for targets with vector registers.
///
/// On wasm32 one shared copy: the module is downloaded, and its callers (receiving,
/// sending, the codec) each carrying the vector loop would cost 1.5 KB for a call's
/// worth of time.
#[cfg(not(target_os = "none"))]
#[cfg_attr(target_arch = "wasm32", inline(never))]
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
fn apply_mask_blocks(buf: &mut [u8], key: u64) {
    let mut blocks = buf.chunks_exact_mut(BLOCK);
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        let vector = simd::key_vector(key);
        for block in &mut blocks {
            simd::xor_block(block, vector);
        }
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    if blocks.len() > 0 {
        let pattern = key_block(key);
        for block in &mut blocks {
            if let Ok(block) = <&mut [u8; BLOCK]>::try_from(block) {
                xor_block(block, &pattern);
            }
        }
    }
    // BLOCK is a multiple of 4, so the tail starts at the same key phase as the buffer.
    mask_short(blocks.into_remainder(), key);
}

/// Copies `src` into the start of `dst` while masking it (§5.3), as if `src` started at
/// byte `offset` of the payload. This is how a client writes a frame without a second
/// pass over the payload.
///
/// Returns the number of bytes written (`src.len()`), or `None` if `dst` is shorter than
/// `src` (nothing is written then).
///
/// ```
/// use wsframe::mask::copy_masked;
/// let mut out = [0u8; 5];
/// assert_eq!(copy_masked(b"Hello", &mut out, [0x37, 0xfa, 0x21, 0x3d], 0), Some(5));
/// assert_eq!(&out, b"\x7f\x9f\x4d\x51\x58");
/// ```
#[inline]
pub fn copy_masked(src: &[u8], dst: &mut [u8], key: [u8; 4], offset: usize) -> Option<usize> {
    let dst = dst.get_mut(..src.len())?;
    let key = key_word(key, offset);
    #[cfg(target_os = "none")]
    {
        dst.copy_from_slice(src);
        compact::apply_mask(dst, key);
    }
    #[cfg(not(target_os = "none"))]
    copy_masked_blocks(src, dst, key);
    Some(src.len())
}

/// [`copy_masked`] in 64-byte blocks, for targets with vector registers.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn copy_masked_blocks(src: &[u8], dst: &mut [u8], key: u64) {
    let mut out_blocks = dst.chunks_exact_mut(BLOCK);
    let mut in_blocks = src.chunks_exact(BLOCK);
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        let vector = simd::key_vector(key);
        for (o, i) in (&mut out_blocks).zip(&mut in_blocks) {
            simd::xor_block_into(i, o, vector);
        }
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    if in_blocks.len() > 0 {
        let pattern = key_block(key);
        for (o, i) in (&mut out_blocks).zip(&mut in_blocks) {
            if let (Ok(o), Ok(i)) = (<&mut [u8; BLOCK]>::try_from(o), <&[u8; BLOCK]>::try_from(i)) {
                xor_block_into(i, o, &pattern);
            }
        }
    }
    let tail = out_blocks.into_remainder();
    tail.copy_from_slice(in_blocks.remainder());
    mask_short(tail, key);
}

/// The bare-metal loop: 4-byte words, then single bytes.
#[cfg(any(test, target_os = "none"))]
mod compact {
    /// XORs `buf` with the key word of [`key_word`](super::key_word).
    pub(super) fn apply_mask(buf: &mut [u8], key: u64) {
        // Both halves of the key word are the rotated key.
        let key = key as u32;
        let mut words = buf.chunks_exact_mut(4);
        for word in &mut words {
            if let Ok(word) = <&mut [u8; 4]>::try_from(word) {
                *word = (u32::from_ne_bytes(*word) ^ key).to_ne_bytes();
            }
        }
        for (b, k) in words.into_remainder().iter_mut().zip(key.to_ne_bytes()) {
            *b ^= k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reference(buf: &mut [u8], key: [u8; 4], offset: usize) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= key[(offset + i) % 4];
        }
    }

    #[test]
    fn every_length_and_offset_matches_reference() {
        let key = [0x12, 0x34, 0x56, 0x78];
        let data: [u8; 301] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        for len in 0..=300 {
            for offset in 0..4 {
                for start in 0..4 {
                    let mut ours = data;
                    let mut theirs = data;
                    apply_mask(&mut ours[start..start + len.min(301 - start)], key, offset);
                    reference(
                        &mut theirs[start..start + len.min(301 - start)],
                        key,
                        offset,
                    );
                    assert_eq!(ours, theirs, "len {len} offset {offset} start {start}");

                    let mut copied = [0u8; 301];
                    let src = &data[start..start + len.min(301 - start)];
                    let n = copy_masked(src, &mut copied, key, offset).unwrap();
                    assert_eq!(&copied[..n], &theirs[start..start + n]);
                }
            }
        }
    }

    #[test]
    fn long_buffers_at_every_offset_and_alignment() {
        // Several 64-byte blocks plus every tail length, from each start alignment.
        let key = [0xde, 0xad, 0xbe, 0xef];
        let data: std::vec::Vec<u8> = (0..1200).map(|i| (i * 13 + 5) as u8).collect();
        for len in (1000..1090).chain([1024, 1100, 1191]) {
            for offset in 0..8 {
                for start in 0..9 {
                    let mut ours = data.clone();
                    let mut theirs = data.clone();
                    apply_mask(&mut ours[start..start + len], key, offset);
                    reference(&mut theirs[start..start + len], key, offset);
                    assert_eq!(ours, theirs, "len {len} offset {offset} start {start}");

                    let mut copied = std::vec![0u8; len + 3];
                    let n = copy_masked(&data[start..start + len], &mut copied[3..], key, offset);
                    assert_eq!(n, Some(len));
                    assert_eq!(&copied[3..], &theirs[start..start + len]);
                }
            }
        }
    }

    #[test]
    fn compact_loop_matches_reference() {
        let key = [0x12, 0x34, 0x56, 0x78];
        let data: [u8; 40] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        for len in 0..=40 {
            for offset in 0..8 {
                let mut ours = data;
                let mut theirs = data;
                compact::apply_mask(&mut ours[..len], key_word(key, offset));
                reference(&mut theirs[..len], key, offset);
                assert_eq!(ours, theirs, "len {len} offset {offset}");
            }
        }
    }

    #[test]
    fn copy_masked_refuses_short_destination() {
        let mut out = [0xAAu8; 3];
        assert_eq!(copy_masked(b"four", &mut out, [1, 2, 3, 4], 0), None);
        assert_eq!(out, [0xAA; 3]);
    }

    proptest! {
        #[test]
        fn split_unmask_equals_whole(data in proptest::collection::vec(any::<u8>(), 0..300),
                                     key in any::<[u8; 4]>(), cut in 0usize..300, offset in 0usize..4) {
            let mut whole = data.clone();
            apply_mask(&mut whole, key, offset);
            let mut split = data.clone();
            let cut = cut.min(split.len());
            let (a, b) = split.split_at_mut(cut);
            apply_mask(a, key, offset);
            apply_mask(b, key, offset + cut);
            prop_assert_eq!(&whole, &split);
            let mut expected = data;
            reference(&mut expected, key, offset);
            prop_assert_eq!(whole, expected);
        }
    }
}
