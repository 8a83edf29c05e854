//! # wsframe-deflate
//!
//! permessage-deflate ([RFC 7692](https://www.rfc-editor.org/rfc/rfc7692)) for wsframe:
//! negotiation ([`negotiate`], [`Offer`], [`accept_response`]) and, with the default
//! `codec` feature, message compression with zlib-rs ([`PerMessageDeflate`]).
//!
//! The core stays allocation-free: it only carries the RSV1 bit ([`wsframe::Data::compressed`],
//! [`wsframe::Connection::send_compressed`]) and leaves compressed text to be validated
//! after inflating. Negotiation needs no allocator and builds for `no_std`; the codec
//! needs `alloc`.
//!
//! ```
//! use wsframe::handshake::extensions::Extensions;
//! use wsframe::Role;
//! use wsframe_deflate::{negotiate, DeflateConfig, PerMessageDeflate};
//!
//! let config = DeflateConfig { min_size: 0, ..DeflateConfig::default() };
//! let agreed = negotiate(Extensions::new("permessage-deflate; client_max_window_bits").flatten(), &config).unwrap();
//! let mut server = PerMessageDeflate::new(&agreed, Role::Server, &config);
//! let mut client = PerMessageDeflate::new(&agreed, Role::Client, &config);
//!
//! let mut wire = Vec::new();
//! client.compress(b"Hello, Hello, Hello", &mut wire).unwrap();
//! let mut message = Vec::new();
//! server.decompress(&wire, true, 1 << 20, &mut message).unwrap();
//! assert_eq!(message, b"Hello, Hello, Hello");
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(any(feature = "codec", test))]
extern crate alloc;

#[cfg(feature = "codec")]
mod codec;
mod params;

#[cfg(feature = "codec")]
pub use codec::{DeflateError, PerMessageDeflate};
pub use params::{
    accept_response, negotiate, Agreed, DeflateConfig, NegotiationError, Offer, MAX_WINDOW_BITS,
    MIN_WINDOW_BITS, NAME,
};
