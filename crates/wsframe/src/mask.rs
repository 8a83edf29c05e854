//! Client-to-server masking (RFC 6455 §5.3).
//!
//! Octet `i` of the transformed data is octet `i` of the original XOR octet `i MOD 4`
//! of the masking key. Both functions take an `offset`: the position of `buf[0]` within
//! the frame payload, so a payload that arrives over several reads can be unmasked piece
//! by piece with the key rotated to match.
//!
//! The loops work on 32-byte blocks against a 32-byte repetition of the key so that the
//! compiler turns each block into a few vector XORs on any target with SIMD registers; the
//! head/tail bytes use the same rotated key. No alignment is assumed.

/// Bytes handled per block. 32 bytes is two SSE2 or one AVX2 register, and small enough
/// that short control frames still go through the block path.
const BLOCK: usize = 32;

/// The key rotated so that index 0 lines up with `offset`, repeated over a block.
#[inline(always)]
fn key_block(key: [u8; 4], offset: usize) -> [u8; BLOCK] {
    let shift = offset % 4;
    let rotated = [
        key[shift],
        key[(shift + 1) % 4],
        key[(shift + 2) % 4],
        key[(shift + 3) % 4],
    ];
    let mut block = [0u8; BLOCK];
    for (i, b) in block.iter_mut().enumerate() {
        *b = rotated[i % 4];
    }
    block
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
    let pattern = key_block(key, offset);
    let mut blocks = buf.chunks_exact_mut(BLOCK);
    for block in &mut blocks {
        for (b, k) in block.iter_mut().zip(pattern.iter()) {
            *b ^= *k;
        }
    }
    // BLOCK is a multiple of 4, so the tail starts at the same key phase as the buffer.
    for (b, k) in blocks.into_remainder().iter_mut().zip(pattern.iter()) {
        *b ^= *k;
    }
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
    let pattern = key_block(key, offset);
    let mut out_blocks = dst.chunks_exact_mut(BLOCK);
    let mut in_blocks = src.chunks_exact(BLOCK);
    for (o, i) in (&mut out_blocks).zip(&mut in_blocks) {
        for ((o, i), k) in o.iter_mut().zip(i.iter()).zip(pattern.iter()) {
            *o = *i ^ *k;
        }
    }
    let tail = out_blocks
        .into_remainder()
        .iter_mut()
        .zip(in_blocks.remainder());
    for ((o, i), k) in tail.zip(pattern.iter()) {
        *o = *i ^ *k;
    }
    Some(src.len())
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
