//! The server side of the opening handshake (RFC 6455 §4.2).
//!
//! [`Request::parse`] reads a client's request into a borrowed view and checks every
//! §4.2.1 requirement; [`Response`] writes the 101 answer (§4.2.2) and [`Rejection`] the
//! refusals. Bytes after the request's blank line are never touched: they are the first
//! bytes of the WebSocket stream, and [`Status::Complete::head_len`](super::Status) says
//! where they start.

use super::http::{self, Head};
use super::{
    accept_key, is_header_value, is_valid_key, lists_token, offer, HandshakeLimits, Status, Writer,
};
use crate::error::HandshakeError;

/// A client's opening handshake, checked against §4.2.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// The request target (path and query), e.g. `/chat?room=1`.
    pub path: &'a str,
    /// The `Host` header.
    pub host: &'a str,
    /// The `Sec-WebSocket-Key` header (validated: base64 of 16 bytes).
    pub key: &'a str,
    /// The `Origin` header, sent by browsers (§10.2).
    pub origin: Option<&'a str>,
    head: Head<'a>,
}

impl<'a> Request<'a> {
    /// Parses and checks a request at the start of `buf`.
    ///
    /// Returns [`Status::Partial`] until the blank line arrives, and
    /// [`HandshakeError::TooLarge`] as soon as `buf` holds more than
    /// `limits.max_bytes` without a complete head.
    ///
    /// ```
    /// use wsframe::handshake::{server::Request, HandshakeLimits, Status};
    /// let req = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
    ///     Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    ///     Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n\x81";
    /// let Ok(Status::Complete { value, head_len }) = Request::parse(req, &HandshakeLimits::default()) else {
    ///     panic!("valid request")
    /// };
    /// assert_eq!(value.path, "/chat");
    /// assert_eq!(value.protocols().collect::<Vec<_>>(), ["chat", "superchat"]);
    /// assert_eq!(&req[head_len..], b"\x81"); // the WebSocket stream begins here
    /// ```
    pub fn parse(buf: &'a [u8], limits: &HandshakeLimits) -> Result<Status<Self>, HandshakeError> {
        let Some(head) = Head::parse(buf, limits)? else {
            return Ok(Status::Partial);
        };
        let head_len = head.len;
        let (method, path, version) = http::request_line(head.start)?;
        // §4.2.1 item 1: "An HTTP/1.1 or higher GET request".
        if method != b"GET" {
            return Err(HandshakeError::MethodNotGet);
        }
        http::check_version(version)?;
        // Item 2: a Host header field.
        let host = head.find("host").ok_or(HandshakeError::MissingHost)?;
        let host = core::str::from_utf8(host).map_err(|_| HandshakeError::InvalidHeaderValue)?;
        // Items 3 and 4: Upgrade lists "websocket", Connection lists "Upgrade",
        // case-insensitively and possibly among other tokens.
        if !head.all("upgrade").any(|v| lists_token(v, "websocket")) {
            return Err(HandshakeError::MissingUpgrade);
        }
        if !head.all("connection").any(|v| lists_token(v, "upgrade")) {
            return Err(HandshakeError::MissingConnection);
        }
        // Items 6, 8 and 9: the version and the offers, as for HTTP/2.
        offer::check_request(head)?;
        // Item 5: exactly one key, base64 of 16 bytes.
        let mut keys = head.all("sec-websocket-key");
        let key = match (keys.next(), keys.next()) {
            (Some(key), None) if is_valid_key(key) => key,
            _ => return Err(HandshakeError::InvalidKey),
        };
        let key = core::str::from_utf8(key).map_err(|_| HandshakeError::InvalidKey)?;
        let origin = head
            .find("origin")
            .map(core::str::from_utf8)
            .transpose()
            .map_err(|_| HandshakeError::InvalidHeaderValue)?;
        Ok(Status::Complete {
            value: Request {
                path,
                host,
                key,
                origin,
                head,
            },
            head_len,
        })
    }

    /// The offered subprotocols (§4.2.1 item 8), in the client's order of preference,
    /// across all `Sec-WebSocket-Protocol` lines.
    pub fn protocols(&self) -> impl Iterator<Item = &'a str> + '_ {
        offer::protocols(self.head)
    }

    /// The offered extensions (§4.2.1 item 9, §9.1), across all header lines. The
    /// syntax was checked by [`parse`](Self::parse), so every item is `Ok`.
    pub fn extensions(&self) -> impl Iterator<Item = super::extensions::Extension<'a>> + '_ {
        offer::extensions(self.head)
    }

    /// The value of any other header, e.g. `Cookie` or `Authorization`; the first
    /// line of that name.
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.head.find(name)
    }

    /// The Sec-WebSocket-Accept value for this request's key.
    pub fn accept_key(&self) -> [u8; 28] {
        accept_key(self.key.as_bytes())
    }
}

/// What the server accepts: the 101 response of §4.2.2 item 5.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Response<'r> {
    /// The chosen subprotocol; must be one the client offered. `None` sends no
    /// `Sec-WebSocket-Protocol` header (never an empty one).
    pub protocol: Option<&'r str>,
    /// The accepted extensions as a header value (e.g. from the extension's own
    /// negotiation); `None` sends no header.
    pub extensions: Option<&'r str>,
    /// More headers (e.g. `Set-Cookie`); names must be tokens, values printable ASCII.
    pub headers: &'r [(&'r str, &'r str)],
}

impl Response<'_> {
    /// Writes the 101 response to `request` into `out`; returns its length.
    ///
    /// ```
    /// use wsframe::handshake::{server::{Request, Response}, HandshakeLimits, Status};
    /// let req = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
    ///     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    /// let Ok(Status::Complete { value: request, .. }) = Request::parse(req, &HandshakeLimits::default()) else { panic!() };
    /// let mut out = [0u8; 256];
    /// let n = Response::default().write(&request, &mut out).unwrap();
    /// let text = core::str::from_utf8(&out[..n]).unwrap();
    /// assert!(text.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
    /// assert!(text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    /// ```
    pub fn write(&self, request: &Request<'_>, out: &mut [u8]) -> Result<usize, HandshakeError> {
        offer::check_answer(self, request.protocols())?;
        let mut w = Writer::new(out);
        w.push(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
        )?;
        w.header("Sec-WebSocket-Accept", &request.accept_key())?;
        if let Some(protocol) = self.protocol {
            w.header("Sec-WebSocket-Protocol", protocol.as_bytes())?;
        }
        if let Some(ext) = self.extensions {
            w.header("Sec-WebSocket-Extensions", ext.as_bytes())?;
        }
        w.extra_headers(self.headers)?;
        w.push(b"\r\n")?;
        Ok(w.len())
    }
}

/// A refusal of the handshake, written as a complete HTTP response that closes the
/// connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection<'r> {
    /// 400 Bad Request with a short reason as the body (for a failed parse, the
    /// error's [`message`](HandshakeError::message)).
    BadRequest(&'r str),
    /// 403 Forbidden, e.g. for a refused origin (§4.2.2, §10.2).
    Forbidden,
    /// 426 Upgrade Required with `Sec-WebSocket-Version: 13` (§4.2.2 item 4, §4.4).
    UpgradeRequired,
    /// 431 Request Header Fields Too Large.
    TooLarge,
    /// A refusal with a status of the caller's choosing (400–599, e.g. 401, 404, 429 or
    /// 503) and `reason` as the body (by default the status's reason phrase). A status
    /// outside 400–599 is [`HandshakeError::InvalidArgument`]; 426 carries the version
    /// headers as [`UpgradeRequired`](Self::UpgradeRequired) does.
    Status {
        /// The HTTP status code, 400–599.
        status: u16,
        /// The body, one line of text; `None` sends the reason phrase.
        reason: Option<&'r str>,
    },
}

/// The reason phrase of a refusal's status line (RFC 9110 §15.5, §15.6): the core's own
/// refusals and the ones a server most often chooses; other statuses get their class's
/// name (clients ignore the phrase, RFC 9112 §4, and a longer table costs firmware flash).
const fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ if status < 500 => "Client Error",
        _ => "Server Error",
    }
}

impl<'r> Rejection<'r> {
    /// The rejection that answers a failed [`Request::parse`].
    pub fn for_error(error: HandshakeError) -> Rejection<'static> {
        match error.http_status() {
            426 => Rejection::UpgradeRequired,
            431 => Rejection::TooLarge,
            403 => Rejection::Forbidden,
            _ => Rejection::BadRequest(match error {
                // Not about the request: the server's own mistake, nothing to tell the client.
                HandshakeError::InvalidArgument | HandshakeError::BufferTooSmall => "bad request",
                _ => error.message(),
            }),
        }
    }

    /// The HTTP status code.
    pub const fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Forbidden => 403,
            Self::UpgradeRequired => 426,
            Self::TooLarge => 431,
            Self::Status { status, .. } => *status,
        }
    }

    /// Writes the response into `out`; returns its length.
    ///
    /// ```
    /// use wsframe::handshake::server::Rejection;
    /// let mut out = [0u8; 256];
    /// let n = Rejection::UpgradeRequired.write(&mut out).unwrap();
    /// let text = core::str::from_utf8(&out[..n]).unwrap();
    /// assert!(text.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
    /// assert!(text.contains("Sec-WebSocket-Version: 13\r\n"));
    /// ```
    pub fn write(&self, out: &mut [u8]) -> Result<usize, HandshakeError> {
        let status = self.status();
        if !(400..=599).contains(&status) {
            return Err(HandshakeError::InvalidArgument);
        }
        let body = match self {
            Self::BadRequest(reason) => reason,
            Self::Forbidden => HandshakeError::OriginRefused.message(),
            Self::UpgradeRequired => HandshakeError::UnsupportedVersion.message(),
            Self::TooLarge => HandshakeError::TooLarge.message(),
            Self::Status { reason, .. } => reason.unwrap_or(reason_phrase(status)),
        };
        if !is_header_value(body) {
            return Err(HandshakeError::InvalidArgument);
        }
        let mut w = Writer::new(out);
        w.push(b"HTTP/1.1 ")?;
        w.number(usize::from(status))?;
        w.push(b" ")?;
        w.push_str(reason_phrase(status))?;
        w.push(b"\r\nConnection: close\r\nContent-Type: text/plain\r\n")?;
        if status == 426 {
            w.push(b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n")?;
        }
        w.push(b"Content-Length: ")?;
        w.number(body.len())?;
        w.push(b"\r\n\r\n")?;
        w.push_str(body)?;
        Ok(w.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIREFOX: &[u8] = b"GET /chat?x=1 HTTP/1.1\r\nHost: localhost:9001\r\nUser-Agent: Mozilla/5.0\r\n\
Origin: http://localhost:8080\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: t8u0U+xVcPXWH4kvXxwCxw==\r\n\
Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Protocol: chat\r\n\
Sec-WebSocket-Protocol: superchat, v2\r\nSec-WebSocket-Extensions: permessage-deflate\r\nCookie: a=b\r\n\r\n";

    fn parse(buf: &[u8]) -> Result<Status<Request<'_>>, HandshakeError> {
        Request::parse(buf, &HandshakeLimits::default())
    }

    fn request(buf: &[u8]) -> Request<'_> {
        match parse(buf) {
            Ok(Status::Complete { value, .. }) => value,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn firefox_style_request() {
        let req = request(FIREFOX);
        assert_eq!(req.path, "/chat?x=1");
        assert_eq!(req.host, "localhost:9001");
        assert_eq!(req.origin, Some("http://localhost:8080"));
        assert_eq!(
            req.protocols().collect::<std::vec::Vec<_>>(),
            ["chat", "superchat", "v2"]
        );
        assert_eq!(req.extensions().next().unwrap().name, "permessage-deflate");
        assert_eq!(req.header("cookie"), Some(&b"a=b"[..]));
        assert_eq!(&req.accept_key(), b"RdZtSQyF5tRkhMHRyxh82faxy1E=");
    }

    #[test]
    fn partial_in_every_split() {
        for cut in 0..FIREFOX.len() {
            assert_eq!(parse(&FIREFOX[..cut]), Ok(Status::Partial), "cut {cut}");
        }
    }

    fn replace(from: &str, to: &str) -> std::vec::Vec<u8> {
        std::string::String::from_utf8(FIREFOX.to_vec())
            .unwrap()
            .replacen(from, to, 1)
            .into_bytes()
    }

    #[test]
    fn every_requirement_checked() {
        use HandshakeError::*;
        let cases = [
            (replace("GET", "POST"), MethodNotGet),
            (replace("HTTP/1.1", "HTTP/1.0"), HttpVersion),
            (replace("Host: localhost:9001\r\n", ""), MissingHost),
            (
                replace("Upgrade: websocket", "Upgrade: h2c"),
                MissingUpgrade,
            ),
            (
                replace("keep-alive, Upgrade", "keep-alive"),
                MissingConnection,
            ),
            (replace("Version: 13", "Version: 8"), UnsupportedVersion),
            (
                replace("Sec-WebSocket-Version: 13\r\n", ""),
                UnsupportedVersion,
            ),
            (replace("t8u0U+xVcPXWH4kvXxwCxw==", "short=="), InvalidKey),
            (
                replace("Sec-WebSocket-Key: t8u0U+xVcPXWH4kvXxwCxw==\r\n", ""),
                InvalidKey,
            ),
            (
                replace("Cookie: a=b", "Sec-WebSocket-Key: t8u0U+xVcPXWH4kvXxwCxw=="),
                InvalidKey,
            ),
            (
                replace("permessage-deflate", "permessage-deflate; =x"),
                InvalidExtensionSyntax,
            ),
            (replace("GET /chat", "GET\x01/chat"), MalformedHttp),
        ];
        for (bytes, err) in cases {
            assert_eq!(
                parse(&bytes),
                Err(err),
                "{}",
                std::string::String::from_utf8_lossy(&bytes)
            );
        }
    }

    #[test]
    fn caps_on_size_and_headers() {
        let small = HandshakeLimits {
            max_bytes: 100,
            max_headers: 32,
        };
        assert_eq!(
            Request::parse(FIREFOX, &small),
            Err(HandshakeError::TooLarge)
        );
        // A partial head over the cap is refused before it completes.
        assert_eq!(
            Request::parse(&FIREFOX[..150], &small),
            Err(HandshakeError::TooLarge)
        );
        let few = HandshakeLimits {
            max_bytes: 8192,
            max_headers: 4,
        };
        assert_eq!(
            Request::parse(FIREFOX, &few),
            Err(HandshakeError::TooManyHeaders)
        );
        assert_eq!(HandshakeError::TooManyHeaders.http_status(), 431);
    }

    #[test]
    fn bytes_past_the_cap_are_never_read() {
        let limits = HandshakeLimits {
            max_bytes: 100,
            max_headers: 32,
        };
        let mut bytes = FIREFOX.to_vec();
        bytes[110] = 0x01; // a control byte, but past the cap
        for len in 100..=bytes.len() {
            assert_eq!(
                Request::parse(&bytes[..len], &limits),
                Err(HandshakeError::TooLarge),
                "{len}"
            );
        }
        bytes[90] = 0x01; // within the cap: malformed, however it arrives
        for len in 91..=bytes.len() {
            assert_eq!(
                Request::parse(&bytes[..len], &limits),
                Err(HandshakeError::MalformedHttp),
                "{len}"
            );
        }
    }

    #[test]
    fn response_checks_protocol_and_headers() {
        let req = request(FIREFOX);
        let mut out = [0u8; 512];
        let ok = Response {
            protocol: Some("superchat"),
            extensions: None,
            headers: &[("X-Id", "7")],
        };
        let n = ok.write(&req, &mut out).unwrap();
        let text = core::str::from_utf8(&out[..n]).unwrap();
        assert!(text.contains("\r\nSec-WebSocket-Protocol: superchat\r\n"));
        assert!(text.ends_with("X-Id: 7\r\n\r\n"));
        let not_offered = Response {
            protocol: Some("mqtt"),
            ..Response::default()
        };
        assert_eq!(
            not_offered.write(&req, &mut out),
            Err(HandshakeError::ProtocolNotOffered)
        );
        let injected = Response {
            headers: &[("X", "1\r\nEvil: 2")],
            ..Response::default()
        };
        assert_eq!(
            injected.write(&req, &mut out),
            Err(HandshakeError::InvalidArgument)
        );
        assert_eq!(
            Response::default().write(&req, &mut out[..40]),
            Err(HandshakeError::BufferTooSmall)
        );
        let no_protocol = Response::default().write(&req, &mut out).unwrap();
        assert!(!core::str::from_utf8(&out[..no_protocol])
            .unwrap()
            .contains("Sec-WebSocket-Protocol"));
    }

    #[test]
    fn rejections() {
        let mut out = [0u8; 256];
        for (err, status) in [
            (HandshakeError::MethodNotGet, 400),
            (HandshakeError::UnsupportedVersion, 426),
            (HandshakeError::TooLarge, 431),
            (HandshakeError::OriginRefused, 403),
        ] {
            let rejection = Rejection::for_error(err);
            assert_eq!(rejection.status(), status);
            let n = rejection.write(&mut out).unwrap();
            let text = core::str::from_utf8(&out[..n]).unwrap();
            assert!(
                text.starts_with(&std::format!("HTTP/1.1 {status} ")),
                "{text}"
            );
            let (head, body) = text.split_once("\r\n\r\n").unwrap();
            assert!(head.contains(&std::format!("Content-Length: {}", body.len())));
            // The body is the core's text for the error (one source of texts).
            assert_eq!(body, err.message());
        }
        assert!(Rejection::BadRequest("x\r\n").write(&mut out).is_err());
    }

    #[test]
    fn rejections_with_a_chosen_status() {
        let mut out = [0u8; 256];
        for (status, reason, line, body) in [
            (401, None, "401 Unauthorized", "Unauthorized"),
            (404, Some("no such room"), "404 Not Found", "no such room"),
            (429, Some("slow down"), "429 Too Many Requests", "slow down"),
            (499, None, "499 Client Error", "Client Error"),
            (503, None, "503 Service Unavailable", "Service Unavailable"),
            (599, Some(""), "599 Server Error", ""),
        ] {
            let rejection = Rejection::Status { status, reason };
            assert_eq!(rejection.status(), status);
            let n = rejection.write(&mut out).unwrap();
            let text = core::str::from_utf8(&out[..n]).unwrap();
            let (head, got) = text.split_once("\r\n\r\n").unwrap();
            assert!(
                head.starts_with(&std::format!("HTTP/1.1 {line}\r\n")),
                "{text}"
            );
            assert!(head.contains("\r\nConnection: close\r\n"), "{text}");
            assert!(head.contains(&std::format!("Content-Length: {}", body.len())));
            assert!(!head.contains("Sec-WebSocket-Version"), "{text}");
            assert_eq!(got, body);
        }
        // A chosen 426 names the version as the core's own 426 does (§4.4).
        let n = Rejection::Status {
            status: 426,
            reason: None,
        }
        .write(&mut out)
        .unwrap();
        assert!(core::str::from_utf8(&out[..n])
            .unwrap()
            .contains("Sec-WebSocket-Version: 13\r\n"));
        // Not a refusal, or a reason that would break the message: refused.
        for status in [0, 101, 200, 399, 600, u16::MAX] {
            let rejection = Rejection::Status {
                status,
                reason: None,
            };
            assert_eq!(
                rejection.write(&mut out),
                Err(HandshakeError::InvalidArgument)
            );
        }
        let bad = Rejection::Status {
            status: 403,
            reason: Some("a\r\nSet-Cookie: x"),
        };
        assert_eq!(bad.write(&mut out), Err(HandshakeError::InvalidArgument));
        let long = core::str::from_utf8(&[b'x'; 300]).unwrap();
        let long = Rejection::Status {
            status: 403,
            reason: Some(long),
        };
        assert_eq!(long.write(&mut out), Err(HandshakeError::BufferTooSmall));
    }
}
