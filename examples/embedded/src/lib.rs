//! # wsframe on a microcontroller TCP stack
//!
//! A `no_std`, heap-free WebSocket echo server on [smoltcp], built on the `wsframe`
//! core: the core does every protocol step (handshake, frames, close codes), this
//! crate moves bytes between it and a smoltcp TCP socket and owns the clock.
//!
//! - [`server`]: [`EchoServer`], one client at a time, fixed buffers.
//! - [`memdev`]: [`MemoryDevice`], an in-memory loopback device without `alloc`.
//! - [`testbed`]: one interface carrying a client socket to the server, with a
//!   simulated clock, used by the host tests and the self-test firmware image.
//! - [`selftest`]: the scenario the self-test image runs.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod memdev;
pub mod selftest;
pub mod server;
pub mod testbed;

pub use memdev::MemoryDevice;
pub use server::{EchoServer, ServerConfig, Stats};
