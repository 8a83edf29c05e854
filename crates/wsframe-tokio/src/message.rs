//! Messages as they cross the [`Stream`](futures_core::Stream) and
//! [`Sink`](futures_sink::Sink): cheap to clone, payloads as [`Bytes`].
//!
//! Text is held as [`Utf8Bytes`]: bytes the core already validated as UTF-8 while they
//! arrived (RFC 6455 §8.1), so reading it as `&str` checks nothing a second time.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use wsframe::CloseCode;

/// UTF-8 text in [`Bytes`]: validated once, when it was made, never again.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    /// Text from a static string, without a copy.
    pub const fn from_static(text: &'static str) -> Self {
        Self(Bytes::from_static(text.as_bytes()))
    }

    /// Wraps bytes the core (or, for compressed text, the core's validator after
    /// inflating) has checked as whole UTF-8 text.
    pub(crate) fn from_validated(bytes: Bytes) -> Self {
        debug_assert!(std::str::from_utf8(&bytes).is_ok());
        Self(bytes)
    }

    /// The text's bytes, shared (a cheap clone).
    pub(crate) fn shared(&self) -> &Bytes {
        &self.0
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor makes a `Utf8Bytes` only from valid UTF-8: a `&str`
        // or `String`, bytes checked by `TryFrom<Bytes>`, or (`from_validated`) a
        // message whose every byte the core's UTF-8 validator accepted with the
        // message complete (§8.1). `Bytes` is immutable, so it stays valid.
        #[allow(unsafe_code)]
        unsafe {
            std::str::from_utf8_unchecked(&self.0)
        }
    }

    /// The bytes of the text.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes of the text, without a copy.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl Deref for Utf8Bytes {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Utf8Bytes {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for Utf8Bytes {
    fn from(text: String) -> Self {
        Self(Bytes::from(text))
    }
}

impl From<&str> for Utf8Bytes {
    fn from(text: &str) -> Self {
        Self(Bytes::copy_from_slice(text.as_bytes()))
    }
}

impl TryFrom<Bytes> for Utf8Bytes {
    type Error = std::str::Utf8Error;
    /// Checks the bytes once; no copy.
    fn try_from(bytes: Bytes) -> Result<Self, Self::Error> {
        std::str::from_utf8(&bytes)?;
        Ok(Self(bytes))
    }
}

impl PartialEq<str> for Utf8Bytes {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Utf8Bytes {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The body of a close frame (§5.5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    /// The status code.
    pub code: CloseCode,
    /// The reason (at most 123 bytes when sent).
    pub reason: Utf8Bytes,
}

/// A whole message or control frame.
///
/// ```
/// use wsframe_tokio::Message;
/// let m = Message::text("hello");
/// assert_eq!(m.as_text(), Some("hello"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(Utf8Bytes),
    /// A binary message.
    Binary(Bytes),
    /// A ping. When received, the pong is already on its way.
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// A close frame; `None` when it has no body (1005 in the browser API). When
    /// received, the reply is already on its way unless this side closed first.
    Close(Option<CloseFrame>),
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<Utf8Bytes>) -> Self {
        Self::Text(text.into())
    }

    /// A binary message.
    pub fn binary(data: impl Into<Bytes>) -> Self {
        Self::Binary(data.into())
    }

    /// A close frame with a code and reason.
    pub fn close(code: CloseCode, reason: impl Into<Utf8Bytes>) -> Self {
        Self::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))
    }

    /// The text of a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text.as_str()),
            _ => None,
        }
    }

    /// Whether this is a text or binary message.
    pub fn is_data(&self) -> bool {
        matches!(self, Self::Text(_) | Self::Binary(_))
    }
}
