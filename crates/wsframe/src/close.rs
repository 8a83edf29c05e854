//! Close codes and close frame payloads (RFC 6455 §5.5.1, §7.4).
//!
//! A close payload is either empty or a 2-byte big-endian status code followed by a UTF-8
//! reason, 125 bytes in all (§5.5). Only some codes may appear on the wire (§7.4.1,
//! §7.4.2, and the IANA registry's 1012–1014): [`CloseCode::is_sendable`] says which.

use core::fmt;

use crate::error::ProtocolError;

/// The largest close payload: a control frame carries at most 125 bytes (§5.5).
pub const MAX_CLOSE_PAYLOAD: usize = 125;
/// The longest reason that fits beside a status code.
pub const MAX_CLOSE_REASON: usize = MAX_CLOSE_PAYLOAD - 2;

/// A close status code (§7.4).
///
/// Any `u16` can be held; [`is_sendable`](Self::is_sendable) tells whether it may appear
/// in a close frame.
///
/// ```
/// use wsframe::CloseCode;
/// assert!(CloseCode::NORMAL.is_sendable());
/// assert!(CloseCode(4000).is_sendable());
/// assert!(!CloseCode::NO_STATUS.is_sendable()); // 1005 is for APIs only
/// assert!(!CloseCode(2999).is_sendable());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: the purpose of the connection was fulfilled.
    pub const NORMAL: Self = Self(1000);
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    pub const GOING_AWAY: Self = Self(1001);
    /// 1002: a protocol error.
    pub const PROTOCOL_ERROR: Self = Self(1002);
    /// 1003: a data type the endpoint cannot accept.
    pub const UNSUPPORTED_DATA: Self = Self(1003);
    /// 1005: no status code was present (never sent on the wire).
    pub const NO_STATUS: Self = Self(1005);
    /// 1006: the connection closed without a close frame (never sent on the wire).
    pub const ABNORMAL: Self = Self(1006);
    /// 1007: message data not consistent with its type (e.g. bad UTF-8 in text).
    pub const INVALID_PAYLOAD: Self = Self(1007);
    /// 1008: a message violates the endpoint's policy.
    pub const POLICY_VIOLATION: Self = Self(1008);
    /// 1009: a message too big to process.
    pub const MESSAGE_TOO_BIG: Self = Self(1009);
    /// 1010: the client expected the server to negotiate an extension.
    pub const MANDATORY_EXTENSION: Self = Self(1010);
    /// 1011: the server met an unexpected condition.
    pub const INTERNAL_ERROR: Self = Self(1011);
    /// 1012: the service is restarting (IANA registry).
    pub const SERVICE_RESTART: Self = Self(1012);
    /// 1013: try again later (IANA registry).
    pub const TRY_AGAIN_LATER: Self = Self(1013);
    /// 1014: bad gateway (IANA registry).
    pub const BAD_GATEWAY: Self = Self(1014);
    /// 1015: TLS handshake failure (never sent on the wire).
    pub const TLS_HANDSHAKE: Self = Self(1015);

    /// Whether the code may appear in a close frame: 1000–1003, 1007–1014 and
    /// 3000–4999 (§7.4.1, §7.4.2). 1004, 1005, 1006, 1015 and every other value of
    /// 0–2999 are reserved or forbidden; 5000 and up are not defined.
    pub const fn is_sendable(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> u16 {
        code.0
    }
}

/// A parsed close frame payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseFrame<'a> {
    /// The status code, or `None` for an empty payload (reported to applications as 1005).
    pub code: Option<CloseCode>,
    /// The reason text, empty when absent.
    pub reason: &'a str,
}

impl<'a> CloseFrame<'a> {
    /// Parses a close payload (§5.5.1): empty, or a sendable code plus a UTF-8 reason.
    ///
    /// ```
    /// use wsframe::{CloseCode, CloseFrame, ProtocolError};
    /// let c = CloseFrame::parse(b"\x03\xe8bye").unwrap();
    /// assert_eq!(c.code, Some(CloseCode::NORMAL));
    /// assert_eq!(c.reason, "bye");
    /// assert_eq!(CloseFrame::parse(b"\x03"), Err(ProtocolError::InvalidClosePayload));
    /// assert_eq!(CloseFrame::parse(b"\x03\xed"), Err(ProtocolError::InvalidCloseCode(1005)));
    /// ```
    pub fn parse(payload: &'a [u8]) -> Result<Self, ProtocolError> {
        match payload {
            [] => Ok(Self {
                code: None,
                reason: "",
            }),
            [_] => Err(ProtocolError::InvalidClosePayload),
            [hi, lo, reason @ ..] => {
                if reason.len() > MAX_CLOSE_REASON {
                    return Err(ProtocolError::ControlFrameTooLong);
                }
                let code = CloseCode(u16::from_be_bytes([*hi, *lo]));
                if !code.is_sendable() {
                    return Err(ProtocolError::InvalidCloseCode(code.0));
                }
                let reason =
                    core::str::from_utf8(reason).map_err(|_| ProtocolError::InvalidUtf8)?;
                Ok(Self {
                    code: Some(code),
                    reason,
                })
            }
        }
    }

    /// Writes this close payload into `out`, returning its length.
    ///
    /// Fails with [`SendError`](crate::SendError) when the code may not be sent, the
    /// reason is given without a code or is over 123 bytes, or `out` is too small.
    ///
    /// ```
    /// use wsframe::{CloseCode, CloseFrame};
    /// let mut buf = [0u8; 125];
    /// let n = CloseFrame { code: Some(CloseCode::GOING_AWAY), reason: "restart" }.write(&mut buf).unwrap();
    /// assert_eq!(&buf[..n], b"\x03\xe9restart");
    /// ```
    pub fn write(&self, out: &mut [u8]) -> Result<usize, crate::SendError> {
        use crate::SendError;
        let Some(code) = self.code else {
            return if self.reason.is_empty() {
                Ok(0)
            } else {
                Err(SendError::InvalidCloseCode(CloseCode::NO_STATUS.0))
            };
        };
        if !code.is_sendable() {
            return Err(SendError::InvalidCloseCode(code.0));
        }
        if self.reason.len() > MAX_CLOSE_REASON {
            return Err(SendError::ControlFrameTooLong);
        }
        let len = 2 + self.reason.len();
        let out = out
            .get_mut(..len)
            .ok_or(SendError::BufferTooSmall { needed: len })?;
        out[..2].copy_from_slice(&code.0.to_be_bytes());
        out[2..].copy_from_slice(self.reason.as_bytes());
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_code_ranges() {
        for code in 0..=u16::MAX {
            let expected = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
            assert_eq!(CloseCode(code).is_sendable(), expected, "{code}");
        }
        for forbidden in [1004, 1005, 1006, 1015, 999, 2999, 5000] {
            assert!(CloseCode::parse_wire(forbidden).is_err());
        }
    }

    impl CloseCode {
        fn parse_wire(code: u16) -> Result<(), ProtocolError> {
            CloseFrame::parse(&code.to_be_bytes()).map(|_| ())
        }
    }

    #[test]
    fn parse_rejects_bad_payloads() {
        assert_eq!(
            CloseFrame::parse(&[0x03]),
            Err(ProtocolError::InvalidClosePayload)
        );
        assert_eq!(
            CloseFrame::parse(b"\x03\xe8\xff"),
            Err(ProtocolError::InvalidUtf8)
        );
        let mut long = [b'a'; 126];
        long[..2].copy_from_slice(&1000u16.to_be_bytes());
        assert_eq!(
            CloseFrame::parse(&long),
            Err(ProtocolError::ControlFrameTooLong)
        );
        assert_eq!(CloseFrame::parse(&long[..125]).unwrap().reason.len(), 123);
    }

    #[test]
    fn write_round_trips_and_checks() {
        let mut buf = [0u8; 125];
        let frame = CloseFrame {
            code: Some(CloseCode(4999)),
            reason: "κ",
        };
        let n = frame.write(&mut buf).unwrap();
        assert_eq!(CloseFrame::parse(&buf[..n]), Ok(frame));
        let empty = CloseFrame {
            code: None,
            reason: "",
        };
        assert_eq!(empty.write(&mut buf), Ok(0));
        let bad = CloseFrame {
            code: Some(CloseCode::ABNORMAL),
            reason: "",
        };
        assert!(bad.write(&mut buf).is_err());
        let reason_without_code = CloseFrame {
            code: None,
            reason: "x",
        };
        assert!(reason_without_code.write(&mut buf).is_err());
        let too_long = CloseFrame {
            code: Some(CloseCode::NORMAL),
            reason: core::str::from_utf8(&[b'r'; 124]).unwrap(),
        };
        assert!(too_long.write(&mut buf).is_err());
        let small = CloseFrame {
            code: Some(CloseCode::NORMAL),
            reason: "abc",
        };
        assert_eq!(
            small.write(&mut buf[..4]),
            Err(crate::SendError::BufferTooSmall { needed: 5 })
        );
    }
}
