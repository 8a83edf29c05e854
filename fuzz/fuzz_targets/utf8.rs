//! `Utf8Validator` fed arbitrary bytes in arbitrary pieces, against
//! `core::str::from_utf8`: after each piece it has failed exactly when the bytes so far
//! are no prefix of any valid UTF-8 (fail-fast, never early), and at the end it is
//! complete exactly when the whole input is valid.
//!
//! Input: a chunk plan (`take_chunk_sizes`), then the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsframe::Utf8Validator;
use wsframe_fuzz::{split, take_chunk_sizes};

/// Whether `bytes` can still be extended to valid UTF-8.
fn is_valid_prefix(bytes: &[u8]) -> bool {
    match core::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

fuzz_target!(|data: &[u8]| {
    let (sizes, text) = take_chunk_sizes(data);
    let mut validator = Utf8Validator::new();
    let mut fed = 0;
    for piece in split(text, &sizes) {
        fed += piece.len();
        let ok = validator.feed(piece).is_ok();
        assert_eq!(ok, is_valid_prefix(&text[..fed]), "after {fed} bytes");
        if !ok {
            assert!(core::str::from_utf8(text).is_err());
            return;
        }
    }
    assert_eq!(validator.is_complete(), core::str::from_utf8(text).is_ok());
});
