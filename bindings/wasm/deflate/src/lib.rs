//! WebAssembly bindings of [`wsframe_deflate`]: permessage-deflate (RFC 7692) for the
//! `wsframe` npm package, in a module of its own so that the main module stays small
//! and this one is loaded only when compression is used.
//!
//! Negotiation, compression, inflation with its size limit and the UTF-8 check of
//! inflated text are all done here by the Rust crates; JavaScript moves bytes. A failure
//! is reported as the close code that fails the connection (1007, 1009 or 1011).

#![warn(missing_docs)]

use wasm_bindgen::prelude::*;
use wsframe::handshake::extensions::Extensions;
use wsframe::utf8::Utf8Validator;
use wsframe::Role;
use wsframe_deflate::{
    accept_response, negotiate, Agreed, DeflateConfig, DeflateError, Offer, PerMessageDeflate,
};

/// Close code for inflated text that is not UTF-8 (RFC 6455 §8.1).
const INVALID_PAYLOAD: u16 = 1007;

/// permessage-deflate settings, named as in npm `ws`.
#[wasm_bindgen]
#[derive(Clone, Copy)]
pub struct Settings {
    config: DeflateConfig,
}

#[wasm_bindgen]
impl Settings {
    /// Settings from the `perMessageDeflate` options. Window bits outside 8 to 15 and
    /// levels above 9 are clamped by the codec.
    #[wasm_bindgen(constructor)]
    pub fn new(
        server_no_context_takeover: bool,
        client_no_context_takeover: bool,
        server_max_window_bits: u8,
        client_max_window_bits: u8,
        level: u8,
        threshold: usize,
    ) -> Settings {
        Settings {
            config: DeflateConfig {
                server_no_context_takeover,
                client_no_context_takeover,
                server_max_window_bits,
                client_max_window_bits,
                level,
                min_size: threshold,
            },
        }
    }

    /// Client: the `Sec-WebSocket-Extensions` offer for these settings.
    pub fn offer(&self) -> String {
        Offer(&self.config).to_string()
    }
}

/// The compression state of one connection: inflates received messages (checking the
/// size limit and, for text, UTF-8) and compresses outgoing ones.
#[wasm_bindgen]
pub struct Deflater {
    codec: PerMessageDeflate,
    answer: String,
    /// The largest inflated message, in bytes.
    limit: usize,
    /// The message being inflated.
    message: Vec<u8>,
    utf8: Utf8Validator,
    /// The last compressed message.
    compressed: Vec<u8>,
}

impl Deflater {
    fn new(agreed: &Agreed, role: Role, settings: &Settings, limit: f64) -> Self {
        Self {
            codec: PerMessageDeflate::new(agreed, role, &settings.config),
            answer: agreed.to_string(),
            // A float-to-int `as` saturates: the intended meaning for a limit.
            limit: limit as usize,
            message: Vec::new(),
            utf8: Utf8Validator::new(),
            compressed: Vec::new(),
        }
    }
}

#[wasm_bindgen]
impl Deflater {
    /// Server: accepts the first acceptable offer in the request's
    /// `Sec-WebSocket-Extensions` value, or returns `undefined` to decline.
    pub fn server(offers: &str, settings: &Settings, limit: f64) -> Option<Deflater> {
        let agreed = negotiate(Extensions::new(offers).flatten(), &settings.config)?;
        Some(Self::new(&agreed, Role::Server, settings, limit))
    }

    /// Client: checks the server's `Sec-WebSocket-Extensions` answer against the offer
    /// made with `settings`; `undefined` when the server declined compression. Throws
    /// when the answer does not honour the offer (the client then fails the connection).
    pub fn client(
        accepted: &str,
        settings: &Settings,
        limit: f64,
    ) -> Result<Option<Deflater>, JsValue> {
        match accept_response(Extensions::new(accepted).flatten(), &settings.config) {
            Ok(Some(agreed)) => Ok(Some(Self::new(&agreed, Role::Client, settings, limit))),
            Ok(None) => Ok(None),
            Err(e) => Err(JsValue::from_str(&e.to_string())),
        }
    }

    /// Server: the `Sec-WebSocket-Extensions` answer.
    pub fn answer(&self) -> String {
        self.answer.clone()
    }

    /// Inflates one received piece of a compressed message; `end` marks the last piece.
    /// Returns 0, or the close code that fails the connection: 1009 when the message
    /// inflates past the limit, 1007 for corrupt data or (with `text`) invalid UTF-8.
    /// After the last piece, take the message with [`message`](Self::message).
    pub fn inflate(&mut self, piece: &[u8], end: bool, text: bool) -> u16 {
        let before = self.message.len();
        if let Err(e) = self
            .codec
            .decompress(piece, end, self.limit, &mut self.message)
        {
            self.reset_message();
            return match e {
                DeflateError::TooBig => 1009,
                DeflateError::Corrupt => 1007,
                DeflateError::Internal => 1011,
            };
        }
        if text {
            let fresh = self.message.get(before..).unwrap_or_default();
            let valid = self.utf8.feed(fresh).is_ok() && (!end || self.utf8.is_complete());
            if !valid {
                self.reset_message();
                return INVALID_PAYLOAD;
            }
        }
        0
    }

    /// The inflated message, once its last piece went through [`inflate`](Self::inflate).
    pub fn message(&mut self) -> Vec<u8> {
        let message = core::mem::take(&mut self.message);
        self.utf8.reset();
        message
    }

    fn reset_message(&mut self) {
        self.message = Vec::new();
        self.utf8.reset();
    }

    /// Whether a message of `len` bytes is worth compressing (the `threshold` option).
    pub fn should_compress(&self, len: usize) -> bool {
        self.codec.should_compress(len)
    }

    /// Compresses a whole message (RFC 7692 §7.2.1); returns 0 and keeps the result for
    /// [`compressed`](Self::compressed), or 1011 when the compressor failed.
    pub fn compress(&mut self, message: &[u8]) -> u16 {
        self.compressed.clear();
        match self.codec.compress(message, &mut self.compressed) {
            Ok(()) => 0,
            Err(e) => e.close_code().0,
        }
    }

    /// The last compressed message.
    pub fn compressed(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.compressed)
    }
}
