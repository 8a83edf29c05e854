//! The connection, either role, with or without the opening handshake, fed arbitrary
//! bytes in arbitrary pieces: no panic, no spinning, limits respected, and the same
//! messages, control frames, error and transmitted bytes as when fed in one piece.
//!
//! Input: a flag byte (see `Setup::from_byte`), a chunk plan (`take_chunk_sizes`), then
//! the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsframe_fuzz::{drive, split, take_byte, take_chunk_sizes, Setup};

fuzz_target!(|data: &[u8]| {
    let (flags, rest) = take_byte(data);
    let (sizes, stream) = take_chunk_sizes(rest);
    let setup = Setup::from_byte(flags);

    let whole = drive(&mut setup.connect(), &setup.config, &[stream]);
    let pieces = split(stream, &sizes);
    let split = drive(&mut setup.connect(), &setup.config, &pieces);
    assert_eq!(
        whole, split,
        "the outcome depends on how the input was split"
    );
});
