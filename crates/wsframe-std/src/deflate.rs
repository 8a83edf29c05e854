//! permessage-deflate (RFC 7692) on a connection: the negotiated codec of
//! [`wsframe_deflate`] between the stream and the core.
//!
//! This module only moves bytes: negotiation and the codec are `wsframe_deflate`'s, the
//! RSV1 bit and the failing close are the core's, and inflated text is checked with the
//! core's [`Utf8Validator`].

use wsframe::handshake::extensions::Extension;
use wsframe::{CloseCode, DataKind, ProtocolError, Role, Utf8Validator};
use wsframe_deflate::{accept_response, negotiate, DeflateConfig, PerMessageDeflate};

use crate::Error;

/// The compression state of one open connection: the negotiated codec, the agreed
/// header value and the UTF-8 check of inflated text. Other layers (the async one) use
/// it as this crate does.
#[derive(Debug)]
pub struct Compression {
    codec: PerMessageDeflate,
    /// The `Sec-WebSocket-Extensions` value that was agreed.
    agreed: String,
    /// Checks the inflated text of the message being received.
    utf8: Utf8Validator,
    /// Where the message being sent is compressed.
    scratch: Vec<u8>,
}

impl Compression {
    fn new(agreed: &wsframe_deflate::Agreed, role: Role, config: &DeflateConfig) -> Self {
        Self {
            codec: PerMessageDeflate::new(agreed, role, config),
            agreed: agreed.to_string(),
            utf8: Utf8Validator::new(),
            scratch: Vec::new(),
        }
    }

    /// Server: accepts one of the client's offers, if any suits `config`.
    pub fn server<'a>(
        offers: impl IntoIterator<Item = Extension<'a>>,
        config: &DeflateConfig,
    ) -> Option<Self> {
        negotiate(offers, config).map(|agreed| Self::new(&agreed, Role::Server, config))
    }

    /// Client: checks the server's answer to the offer made with `config`.
    pub fn client<'a>(
        accepted: impl IntoIterator<Item = Extension<'a>>,
        config: &DeflateConfig,
    ) -> Result<Option<Self>, wsframe_deflate::NegotiationError> {
        Ok(accept_response(accepted, config)?
            .map(|agreed| Self::new(&agreed, Role::Client, config)))
    }

    /// The agreed `Sec-WebSocket-Extensions` value.
    pub fn agreed(&self) -> &str {
        &self.agreed
    }

    /// Inflates one piece of a compressed message onto `message`, checking the limit
    /// and, for text, UTF-8. On failure the caller fails the connection with
    /// [`failure_code`](Self::failure_code).
    pub fn inflate(
        &mut self,
        kind: DataKind,
        piece: &[u8],
        end_of_message: bool,
        limit: u64,
        message: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let before = message.len();
        if before == 0 {
            self.utf8.reset();
        }
        self.codec
            .decompress(piece, end_of_message, limit, message)
            .map_err(Error::Deflate)?;
        if kind == DataKind::Text {
            let text = message.get(before..).unwrap_or_default();
            let valid =
                self.utf8.feed(text).is_ok() && (!end_of_message || self.utf8.is_complete());
            if !valid {
                return Err(Error::Protocol(ProtocolError::InvalidUtf8));
            }
        }
        Ok(())
    }

    /// The compressed form of a whole message, or `None` when it is too short to be
    /// worth it.
    pub fn compress(&mut self, message: &[u8]) -> Result<Option<&[u8]>, Error> {
        if !self.codec.should_compress(message.len()) {
            return Ok(None);
        }
        self.scratch.clear();
        self.codec
            .compress(message, &mut self.scratch)
            .map_err(Error::Deflate)?;
        Ok(Some(&self.scratch))
    }

    /// Drops a large scratch buffer after a large message.
    pub fn shrink(&mut self, keep: usize) {
        if self.scratch.capacity() > keep {
            self.scratch = Vec::new();
        }
    }
}

impl Compression {
    /// The close code that fails the connection for an error of
    /// [`inflate`](Self::inflate): 1007 for bad data or text, 1009 past the limit.
    pub fn failure_code(error: &Error) -> CloseCode {
        failure_code(error)
    }
}

fn failure_code(error: &Error) -> CloseCode {
    match error {
        Error::Deflate(e) => e.close_code(),
        Error::Protocol(e) => e.close_code(),
        _ => CloseCode::PROTOCOL_ERROR,
    }
}
