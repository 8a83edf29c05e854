//! # wsframe
//!
//! A WebSocket (RFC 6455) core that is `no_std`, allocation-free and sans-IO: bytes in,
//! events and bytes out. It knows nothing of sockets, threads, clocks or allocators, so
//! the same code runs in servers, browsers (through WebAssembly), C programs and
//! microcontrollers.
//!
//! | RFC 6455 | module |
//! |---|---|
//! | §5.2 framing | [`frame`]: [`FrameHeader`] `decode`/`encode` |
//! | §5.3 masking | [`mask`]: [`apply_mask`] |
//! | §8.1 UTF-8 | [`utf8`]: [`Utf8Validator`] |
//! | §5.5.1, §7.4 close | [`close`]: [`CloseCode`], [`CloseFrame`] |
//! | §4 handshake, §9.1 extensions | [`handshake`] |
//! | §5–§7 the connection | [`connection`]: [`Connection`] |
//! | errors and close codes | [`error`] |
//!
//! Every rule the RFC states with MUST is enforced with the close code it implies
//! (1002 protocol error, 1007 invalid UTF-8, 1009 too big), no input can cause a panic,
//! and lengths stay `u64` until checked against the target's `usize`.
//!
//! ## An echo loop
//!
//! ```
//! use wsframe::{Config, Connection, Event};
//!
//! fn echo(conn: &mut Connection, input: &mut [u8], out: &mut [u8]) -> Result<usize, wsframe::Error> {
//!     // Returns how many bytes of `out` to write to the peer; a real server also keeps
//!     // the unconsumed input for the next read.
//!     let mut pos = 0;
//!     let mut written = 0;
//!     loop {
//!         let received = conn.receive(&mut input[pos..])?;
//!         pos += received.consumed;
//!         match received.event {
//!             Some(Event::Data(data)) => {
//!                 written += conn
//!                     .send_fragment(data.kind, data.payload, data.end_of_message, &mut out[written..])
//!                     .expect("output buffer large enough");
//!             }
//!             Some(_) => {}
//!             None => break,
//!         }
//!         while let Some(n) = conn.poll_transmit(&mut out[written..]).expect("room for control frames") {
//!             written += n;
//!         }
//!     }
//!     Ok(written)
//! }
//!
//! let mut conn = Connection::server(Config::default()).with_handshake_done();
//! // A masked "Hello" then a masked ping (RFC 6455 §5.7).
//! let mut input = *b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58\x89\x80\x01\x02\x03\x04";
//! let mut out = [0u8; 64];
//! let n = echo(&mut conn, &mut input, &mut out).unwrap();
//! assert_eq!(&out[..n], b"\x81\x05Hello\x8a\x00");
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(test)]
extern crate std;

pub mod close;
pub mod connection;
pub mod error;
pub mod frame;
pub mod handshake;
pub mod mask;
pub mod utf8;

pub use close::{CloseCode, CloseFrame};
pub use connection::{Config, Connection, Data, DataKind, Event, ReadyState, Received};
pub use error::{Error, HandshakeError, ProtocolError, SendError};
pub use frame::{DecodeRules, Decoded, FrameHeader, OpCode, Role, MAX_HEADER_LEN};
pub use handshake::accept_key;
pub use mask::apply_mask;
pub use utf8::Utf8Validator;

/// The repository README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
