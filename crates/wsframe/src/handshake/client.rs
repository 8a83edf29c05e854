//! The client side of the opening handshake (RFC 6455 §4.1).
//!
//! [`Request`] writes the upgrade request from caller-supplied randomness (the core has no
//! random source); [`Response::parse`] checks the server's answer against every §4.1
//! requirement: status 101, Upgrade and Connection, the Accept value, and that the chosen
//! subprotocol and extensions were offered.

use super::http::{self, Head};
use super::{
    accept_key, encode_key, is_header_value, is_token, lists_token, HandshakeLimits, Status, Writer,
};
use crate::error::HandshakeError;
use crate::handshake::extensions::Extensions;

/// A client's opening handshake request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'r> {
    /// The `Host` header: host, and `:port` when not the default (§4.1 item 4).
    pub host: &'r str,
    /// The request target, starting with `/` (§3 resource name).
    pub path: &'r str,
    /// 16 random bytes for `Sec-WebSocket-Key`; §4.1 item 7 asks for a fresh random
    /// nonce per connection.
    pub nonce: [u8; 16],
    /// Offered subprotocols in order of preference (§4.1 item 10); tokens only.
    pub protocols: &'r [&'r str],
    /// The `Sec-WebSocket-Extensions` offer, if any (§4.1 item 11).
    pub extensions: Option<&'r str>,
    /// The `Origin` header, if any (§4.1 item 8).
    pub origin: Option<&'r str>,
    /// More headers (e.g. `Authorization`).
    pub headers: &'r [(&'r str, &'r str)],
}

impl<'r> Request<'r> {
    /// A request with no subprotocols, extensions, origin or extra headers.
    pub const fn new(host: &'r str, path: &'r str, nonce: [u8; 16]) -> Self {
        Self {
            host,
            path,
            nonce,
            protocols: &[],
            extensions: None,
            origin: None,
            headers: &[],
        }
    }

    /// The `Sec-WebSocket-Accept` value the server must answer with.
    pub fn expected_accept(&self) -> [u8; 28] {
        accept_key(&encode_key(&self.nonce))
    }

    /// Writes the request into `out`; returns its length.
    ///
    /// ```
    /// use wsframe::handshake::client::Request;
    /// let mut out = [0u8; 512];
    /// let request = Request { protocols: &["chat"], ..Request::new("example.com", "/ws", *b"the sample nonce") };
    /// let n = request.write(&mut out).unwrap();
    /// let text = core::str::from_utf8(&out[..n]).unwrap();
    /// assert!(text.starts_with("GET /ws HTTP/1.1\r\nHost: example.com\r\n"));
    /// assert!(text.contains("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
    /// assert!(text.contains("Sec-WebSocket-Protocol: chat\r\n"));
    /// ```
    pub fn write(&self, out: &mut [u8]) -> Result<usize, HandshakeError> {
        // A request target is visible ASCII (RFC 9112 §3.2): no spaces, tabs or controls.
        let path_ok = self.path.starts_with('/') && self.path.bytes().all(|b| b.is_ascii_graphic());
        if !path_ok || self.host.is_empty() || !is_header_value(self.host) {
            return Err(HandshakeError::InvalidArgument);
        }
        if !self.protocols.iter().all(|p| is_token(p)) {
            return Err(HandshakeError::InvalidArgument);
        }
        if let Some(ext) = self.extensions {
            if !is_header_value(ext) || Extensions::validate(ext).is_err() {
                return Err(HandshakeError::InvalidArgument);
            }
        }
        let mut w = Writer::new(out);
        w.push(b"GET ")?;
        w.push_str(self.path)?;
        w.push(b" HTTP/1.1\r\n")?;
        w.header("Host", self.host.as_bytes())?;
        w.push(b"Upgrade: websocket\r\nConnection: Upgrade\r\n")?;
        w.header("Sec-WebSocket-Key", &encode_key(&self.nonce))?;
        w.push(b"Sec-WebSocket-Version: 13\r\n")?;
        if let Some(origin) = self.origin {
            if !is_header_value(origin) {
                return Err(HandshakeError::InvalidArgument);
            }
            w.header("Origin", origin.as_bytes())?;
        }
        if let Some((first, rest)) = self.protocols.split_first() {
            w.push(b"Sec-WebSocket-Protocol: ")?;
            w.push_str(first)?;
            for p in rest {
                w.push(b", ")?;
                w.push_str(p)?;
            }
            w.push(b"\r\n")?;
        }
        if let Some(ext) = self.extensions {
            w.header("Sec-WebSocket-Extensions", ext.as_bytes())?;
        }
        w.extra_headers(self.headers)?;
        w.push(b"\r\n")?;
        Ok(w.len())
    }
}

/// What the client needs to remember of its request to check the response.
///
/// [`Request`] borrows; this is the owned summary a connection keeps while waiting.
pub trait Offer {
    /// The Accept value the server must send.
    fn expected_accept(&self) -> [u8; 28];
    /// Whether `protocol` was offered.
    fn offered_protocol(&self, protocol: &str) -> bool;
    /// Whether an extension named `name` was offered.
    fn offered_extension(&self, name: &str) -> bool;
}

impl Offer for Request<'_> {
    fn expected_accept(&self) -> [u8; 28] {
        Request::expected_accept(self)
    }
    fn offered_protocol(&self, protocol: &str) -> bool {
        self.protocols.contains(&protocol)
    }
    fn offered_extension(&self, name: &str) -> bool {
        self.extensions.is_some_and(|v| {
            Extensions::new(v)
                .flatten()
                .any(|e| e.name.eq_ignore_ascii_case(name))
        })
    }
}

/// A server's accepted response, checked against §4.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response<'a> {
    /// The subprotocol the server chose, if any.
    pub protocol: Option<&'a str>,
    head: Head<'a>,
}

impl<'a> Response<'a> {
    /// Parses the server's response at the start of `buf` and checks it against `offer`
    /// (usually the [`Request`] that was sent).
    ///
    /// ```
    /// use wsframe::handshake::{client::{Request, Response}, HandshakeLimits, Status};
    /// let request = Request::new("server.example.com", "/chat", *b"the sample nonce");
    /// let reply = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
    ///     Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    /// let status = Response::parse(reply, &request, &HandshakeLimits::default()).unwrap();
    /// assert!(matches!(status, Status::Complete { head_len, .. } if head_len == reply.len()));
    /// ```
    pub fn parse(
        buf: &'a [u8],
        offer: &dyn Offer,
        limits: &HandshakeLimits,
    ) -> Result<Status<Self>, HandshakeError> {
        let Some(head) = Head::parse(buf, limits)? else {
            return Ok(Status::Partial);
        };
        let head_len = head.len;
        // §4.1 items 1–4 of the response checks.
        match http::status_line(head.start)? {
            101 => {}
            other => return Err(HandshakeError::NotSwitchingProtocols(other)),
        }
        if !head.all("upgrade").any(|v| lists_token(v, "websocket")) {
            return Err(HandshakeError::MissingUpgrade);
        }
        if !head.all("connection").any(|v| lists_token(v, "upgrade")) {
            return Err(HandshakeError::MissingConnection);
        }
        if head.find("sec-websocket-accept") != Some(&offer.expected_accept()[..]) {
            return Err(HandshakeError::AcceptMismatch);
        }
        // Items 5 and 6: the subprotocol and extensions chosen, as for HTTP/2.
        let protocol = super::offer::check_choice(head, offer)?;
        Ok(Status::Complete {
            value: Response { protocol, head },
            head_len,
        })
    }

    /// The extensions the server accepted, in order.
    pub fn extensions(&self) -> impl Iterator<Item = super::extensions::Extension<'a>> + '_ {
        super::offer::extensions(self.head)
    }

    /// The value of any other response header; the first line of that name.
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.head.find(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    const NONCE: [u8; 16] = *b"the sample nonce";

    fn reply(extra: &str) -> String {
        std::format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n{extra}\r\n"
        )
    }

    fn check(request: &Request<'_>, reply: &str) -> Result<Option<String>, HandshakeError> {
        match Response::parse(reply.as_bytes(), request, &HandshakeLimits::default())? {
            Status::Complete { value, .. } => Ok(value.protocol.map(String::from)),
            Status::Partial => panic!("partial"),
        }
    }

    #[test]
    fn accepts_valid_and_reports_protocol() {
        let request = Request {
            protocols: &["chat", "superchat"],
            ..Request::new("h", "/", NONCE)
        };
        assert_eq!(check(&request, &reply("")), Ok(None));
        assert_eq!(
            check(&request, &reply("Sec-WebSocket-Protocol: superchat\r\n")),
            Ok(Some("superchat".into()))
        );
    }

    #[test]
    fn bytes_past_the_cap_are_never_read() {
        let request = Request::new("h", "/", NONCE);
        let limits = HandshakeLimits {
            max_bytes: 100,
            max_headers: 32,
        };
        let mut bytes = reply("").into_bytes();
        bytes[110] = 0x01; // a control byte, but past the cap
        for len in 100..=bytes.len() {
            assert_eq!(
                Response::parse(&bytes[..len], &request, &limits),
                Err(HandshakeError::TooLarge),
                "{len}"
            );
        }
    }

    #[test]
    fn rejects_each_violation() {
        use HandshakeError::*;
        let plain = Request::new("h", "/", NONCE);
        let with_ext = Request {
            extensions: Some("permessage-deflate"),
            ..plain
        };
        let cases: [(&Request<'_>, String, HandshakeError); 8] = [
            (
                &plain,
                reply("").replace("101 Switching Protocols", "200 OK"),
                NotSwitchingProtocols(200),
            ),
            (
                &plain,
                reply("").replace("Upgrade: websocket", "Upgrade: h2c"),
                MissingUpgrade,
            ),
            (
                &plain,
                reply("").replace("Connection: Upgrade", "Connection: close"),
                MissingConnection,
            ),
            (&plain, reply("").replace("s3pP", "XXXX"), AcceptMismatch),
            (
                &plain,
                reply("Sec-WebSocket-Protocol: chat\r\n"),
                ProtocolNotOffered,
            ),
            (
                &plain,
                reply("Sec-WebSocket-Extensions: permessage-deflate\r\n"),
                ExtensionNotOffered,
            ),
            (
                &with_ext,
                reply("Sec-WebSocket-Extensions: x-other\r\n"),
                ExtensionNotOffered,
            ),
            (
                &plain,
                reply("").replace("HTTP/1.1 101", "HTTP/1.1 1x1"),
                MalformedHttp,
            ),
        ];
        for (request, text, err) in cases {
            assert_eq!(check(request, &text), Err(err), "{text}");
        }
        assert_eq!(
            check(
                &with_ext,
                &reply("Sec-WebSocket-Extensions: permessage-deflate\r\n")
            ),
            Ok(None)
        );
    }

    #[test]
    fn partial_until_blank_line_and_stream_kept() {
        let request = Request::new("h", "/", NONCE);
        let mut bytes = reply("").into_bytes();
        let head = bytes.len();
        bytes.extend_from_slice(b"\x81\x02hi");
        for cut in 0..head {
            assert_eq!(
                Response::parse(&bytes[..cut], &request, &HandshakeLimits::default()),
                Ok(Status::Partial)
            );
        }
        let parsed = Response::parse(&bytes, &request, &HandshakeLimits::default());
        let Ok(Status::Complete { head_len, value }) = parsed else {
            panic!("{parsed:?}")
        };
        assert_eq!(&bytes[head_len..], b"\x81\x02hi");
        assert_eq!(value.header("upgrade"), Some(&b"websocket"[..]));
    }

    #[test]
    fn request_arguments_checked() {
        let mut out = [0u8; 512];
        let bad_path = Request::new("h", "no-slash", NONCE);
        assert_eq!(
            bad_path.write(&mut out),
            Err(HandshakeError::InvalidArgument)
        );
        let bad_protocol = Request {
            protocols: &["a b"],
            ..Request::new("h", "/", NONCE)
        };
        assert_eq!(
            bad_protocol.write(&mut out),
            Err(HandshakeError::InvalidArgument)
        );
        let injected = Request {
            headers: &[("X", "1\r\n")],
            ..Request::new("h", "/", NONCE)
        };
        assert_eq!(
            injected.write(&mut out),
            Err(HandshakeError::InvalidArgument)
        );
        assert_eq!(
            Request::new("h", "/", NONCE).write(&mut out[..50]),
            Err(HandshakeError::BufferTooSmall)
        );
    }
}
