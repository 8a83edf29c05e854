//! What [`recv`](crate::WebSocket::recv) returns: borrowed from the caller's buffer.

use wsframe::{CloseFrame, DataKind};

/// The next thing received, borrowing the receive buffer (not the connection, which
/// can send while this is held).
#[derive(Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// A whole text message (UTF-8 checked by the core).
    Text(&'a str),
    /// A whole binary message.
    Binary(&'a [u8]),
    /// Part of a message too large for the buffer; the pieces of one message come in
    /// order, possibly with control messages between them.
    Piece(Piece<'a>),
    /// A ping; the pong is already written.
    Ping(&'a [u8]),
    /// A pong.
    Pong(&'a [u8]),
    /// The peer's close frame. If this side had not closed first, the reply is
    /// already written; either way the closing handshake is complete (§7.1.4) and the
    /// next call returns [`Error::Closed`](crate::Error::Closed).
    Close(CloseFrame<'a>),
}

/// Part of a data message larger than the buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct Piece<'a> {
    /// Text or binary, as the message's first frame said.
    pub kind: DataKind,
    /// The bytes. For text, valid UTF-8 so far, but a piece may end inside a code
    /// point that the next piece completes.
    pub payload: &'a [u8],
    /// This is the message's first piece.
    pub first: bool,
    /// This is the message's last piece.
    pub last: bool,
}
