//! Whole messages from [`Data`] pieces, for callers who do not stream.
//!
//! [`MessageAssembler`] copies each piece into a caller-provided buffer; the message
//! limit is the buffer's length. The connection has already enforced the protocol
//! (ordering, UTF-8, its own limits): this only gathers bytes.

use crate::connection::{Data, DataKind};
use crate::error::ProtocolError;

/// A complete message, borrowed from the assembler's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    /// Text or binary.
    pub kind: DataKind,
    /// The whole payload.
    pub payload: &'a [u8],
}

impl<'a> Message<'a> {
    /// The payload as text, for text messages. The connection validated it already;
    /// this checks again because the bytes passed through safe code only.
    pub fn as_text(&self) -> Option<&'a str> {
        match self.kind {
            DataKind::Text => core::str::from_utf8(self.payload).ok(),
            DataKind::Binary => None,
        }
    }
}

/// Gathers the pieces of one message at a time into a fixed buffer.
///
/// ```
/// use wsframe::{Config, Connection, Event, MessageAssembler};
/// let mut conn = Connection::client(Config::default(), [7; 32]).with_handshake_done();
/// // "Hel" + "lo" in two frames (RFC 6455 §5.7).
/// let mut input = *b"\x01\x03Hel\x80\x02lo";
/// let mut storage = [0u8; 64];
/// let mut assembler = MessageAssembler::new(&mut storage);
/// let mut pos = 0;
/// let mut whole = None;
/// while let Some(Event::Data(data)) = conn.receive(&mut input[pos..]).map(|r| { pos += r.consumed; r.event }).unwrap() {
///     if let Some(message) = assembler.push(&data).unwrap() {
///         whole = message.as_text().map(str::len);
///     }
/// }
/// assert_eq!(whole, Some(5));
/// ```
#[derive(Debug)]
pub struct MessageAssembler<'buf> {
    buf: &'buf mut [u8],
    len: usize,
    /// The last push completed a message; the next push starts a new one.
    complete: bool,
}

impl<'buf> MessageAssembler<'buf> {
    /// An assembler holding messages up to `buf.len()` bytes.
    pub fn new(buf: &'buf mut [u8]) -> Self {
        Self {
            buf,
            len: 0,
            complete: false,
        }
    }

    /// Adds a piece; returns the message when the piece ends it. A message larger than
    /// the buffer is [`ProtocolError::MessageTooLarge`] (close code 1009) and is dropped.
    pub fn push(&mut self, data: &Data<'_>) -> Result<Option<Message<'_>>, ProtocolError> {
        if self.complete {
            self.len = 0;
            self.complete = false;
        }
        let end = self.len + data.payload.len();
        let Some(dst) = self.buf.get_mut(self.len..end) else {
            self.len = 0;
            return Err(ProtocolError::MessageTooLarge);
        };
        dst.copy_from_slice(data.payload);
        self.len = end;
        if !data.end_of_message {
            return Ok(None);
        }
        self.complete = true;
        Ok(Some(Message {
            kind: data.kind,
            payload: &self.buf[..self.len],
        }))
    }
}
