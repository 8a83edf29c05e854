//! The opening handshake over HTTP/2 (RFC 8441): a WebSocket is one stream, opened by
//! an extended CONNECT request and accepted with status 200.
//!
//! An HTTP/2 library decodes the HEADERS frame and hands over its fields; this module
//! checks them as [`Field`]s, in the order they arrived, pseudo-header fields first.
//! What RFC 8441 §5 keeps of RFC 6455 — `Sec-WebSocket-Version`, the subprotocol and
//! extension offers, `Origin` — is checked and negotiated by the same code as for
//! HTTP/1.1, so [`server::Response`](super::server::Response) answers both. What HTTP/2 replaces is not used:
//! `:protocol` takes the place of `Upgrade`/`Connection`, `:authority` that of `Host`,
//! and there is no `Sec-WebSocket-Key` to process nor `Sec-WebSocket-Accept` to send
//! (a key a client sends anyway is ignored, as §5 says).
//!
//! Errors name the HTTP/1.1 rule whose role the HTTP/2 field plays:
//! [`HandshakeError::MissingUpgrade`] for a request that is not a CONNECT with
//! `:protocol = websocket` (not a WebSocket request: an application may answer it as
//! plain HTTP), [`HandshakeError::MissingHost`] without `:authority`,
//! [`HandshakeError::MalformedHttp`] for pseudo-header fields RFC 9113 §8.3 forbids.
//!
//! ```
//! use wsframe::handshake::http2::{ConnectRequest, ACCEPTED};
//! use wsframe::handshake::server::Response;
//!
//! // The example of RFC 8441 §5.1.
//! let fields: [(&str, &[u8]); 8] = [
//!     (":method", b"CONNECT"),
//!     (":protocol", b"websocket"),
//!     (":scheme", b"https"),
//!     (":path", b"/chat"),
//!     (":authority", b"server.example.com"),
//!     ("sec-websocket-protocol", b"chat, superchat"),
//!     ("sec-websocket-version", b"13"),
//!     ("origin", b"http://www.example.com"),
//! ];
//! let request = ConnectRequest::parse(&fields).unwrap();
//! assert_eq!((request.path, request.authority), ("/chat", "server.example.com"));
//! let response = Response { protocol: Some("chat"), ..Response::default() };
//! let answer: Vec<_> = response.http2_fields(&request).unwrap().collect();
//! assert_eq!(ACCEPTED, 200);
//! assert_eq!(answer, [("sec-websocket-protocol", "chat")]);
//! ```

use super::client::{self, Offer};
use super::extensions::Extension;
use super::offer::{self, FieldLookup};
use super::server::{Rejection, Response};
use super::{is_header_value, is_token, EXTENSIONS, PROTOCOL};
use crate::error::HandshakeError;

/// One field of an HTTP/2 header block: its name (lower case; a pseudo-header field's
/// starts with `:`) and its value.
pub type Field<'a> = (&'a str, &'a [u8]);

/// The status that accepts a WebSocket over HTTP/2 (RFC 8441 §5).
pub const ACCEPTED: u16 = 200;

/// The `:protocol` value that asks for a WebSocket (RFC 8441 §5).
pub const PROTOCOL_WEBSOCKET: &str = "websocket";

/// A list of HTTP/2 fields, looked up by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FieldList<'a>(&'a [Field<'a>]);

impl<'a> FieldLookup<'a> for FieldList<'a> {
    fn all(self, name: &'static str) -> impl Iterator<Item = &'a [u8]> {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, value)| value)
    }
}

/// A client's extended CONNECT request, checked against RFC 8441 §4–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectRequest<'a> {
    /// `:path`: the path and query of the target (visible ASCII, not empty).
    pub path: &'a str,
    /// `:authority`: the target's authority, in the role of `Host`.
    pub authority: &'a str,
    /// `:scheme`: `https` for `wss` URIs, `http` for `ws` URIs.
    pub scheme: &'a str,
    /// The `Origin` field, sent by browsers.
    pub origin: Option<&'a str>,
    fields: FieldList<'a>,
}

impl<'a> ConnectRequest<'a> {
    /// Checks a request's fields: the pseudo-header fields of an extended CONNECT for
    /// `websocket` (RFC 8441 §4–5, once each, before the others, none undefined:
    /// RFC 9113 §8.3), then version 13 and the offers as [`server::Request::parse`]
    /// checks them (RFC 6455 §4.2.1 items 6, 8, 9).
    ///
    /// [`server::Request::parse`]: super::server::Request::parse
    pub fn parse(fields: &'a [Field<'a>]) -> Result<Self, HandshakeError> {
        let mut pseudo: [Option<&'a [u8]>; 5] = [None; 5];
        let mut regular = false;
        for &(name, value) in fields {
            let Some(name) = name.strip_prefix(':') else {
                regular = true;
                continue;
            };
            let slot = match name {
                "method" => 0,
                "protocol" => 1,
                "scheme" => 2,
                "path" => 3,
                "authority" => 4,
                _ => return Err(HandshakeError::MalformedHttp),
            };
            // Pseudo-header fields come first, and once each.
            if regular || pseudo[slot].replace(value).is_some() {
                return Err(HandshakeError::MalformedHttp);
            }
        }
        let [method, protocol, scheme, path, authority] = pseudo;
        let asks_websocket = method == Some(b"CONNECT")
            && protocol.is_some_and(|p| p.eq_ignore_ascii_case(PROTOCOL_WEBSOCKET.as_bytes()));
        if !asks_websocket {
            return Err(HandshakeError::MissingUpgrade);
        }
        let text = |value: &'a [u8]| {
            core::str::from_utf8(value)
                .ok()
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic()))
        };
        let authority = authority
            .map(|a| text(a).ok_or(HandshakeError::MalformedHttp))
            .ok_or(HandshakeError::MissingHost)??;
        let scheme = scheme.and_then(text).ok_or(HandshakeError::MalformedHttp)?;
        let path = path.and_then(text).ok_or(HandshakeError::MalformedHttp)?;
        let fields = FieldList(fields);
        offer::check_request(fields)?;
        let origin = fields
            .all("origin")
            .next()
            .map(core::str::from_utf8)
            .transpose()
            .map_err(|_| HandshakeError::InvalidHeaderValue)?;
        Ok(Self {
            path,
            authority,
            scheme,
            origin,
            fields,
        })
    }

    /// The offered subprotocols, in the client's order of preference.
    pub fn protocols(&self) -> impl Iterator<Item = &'a str> {
        offer::protocols(self.fields)
    }

    /// The offered extensions (e.g. `permessage-deflate`), across all fields.
    pub fn extensions(&self) -> impl Iterator<Item = Extension<'a>> {
        offer::extensions(self.fields)
    }

    /// The value of any other field, e.g. `cookie`; the first of that name.
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.fields
            .0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, value)| value)
    }
}

impl<'r> Response<'r> {
    /// The fields of the 200 answer to `request` (RFC 8441 §5), after the checks
    /// [`write`](Self::write) makes for HTTP/1.1: the subprotocol was offered, the
    /// extensions value is valid, the extra headers cannot break the message. No
    /// `Sec-WebSocket-Accept`, `Upgrade` or `Connection`: HTTP/2 has none.
    pub fn http2_fields(
        &self,
        request: &ConnectRequest<'_>,
    ) -> Result<impl Iterator<Item = (&'r str, &'r str)> + 'r, HandshakeError> {
        offer::check_answer(self, request.protocols())?;
        let this = *self;
        Ok(this
            .protocol
            .map(|p| (PROTOCOL, p))
            .into_iter()
            .chain(this.extensions.map(|e| (EXTENSIONS, e)))
            .chain(this.headers.iter().copied()))
    }
}

impl Rejection<'_> {
    /// The fields of this refusal over HTTP/2 besides its [`status`](Self::status): a
    /// 426 names the version this end speaks (RFC 6455 §4.4). HTTP/2 has no
    /// `Connection` or `Upgrade` field.
    pub fn http2_fields(&self) -> &'static [(&'static str, &'static str)] {
        match self.status() {
            426 => &[("sec-websocket-version", "13")],
            _ => &[],
        }
    }
}

/// The fields of a client's extended CONNECT for `request` (RFC 8441 §5), pseudo-header
/// fields first; `scheme` is `https` for `wss`, `http` for `ws`. `request.nonce` is not
/// used: HTTP/2 has no key. Fails with [`HandshakeError::InvalidArgument`] when a
/// subprotocol is not a token or a value could break the message.
///
/// ```
/// use wsframe::handshake::{client::Request, http2::request_fields};
/// let request = Request { protocols: &["chat"], ..Request::new("example.com", "/ws", [0; 16]) };
/// let fields: Vec<_> = request_fields(&request, "https").unwrap().collect();
/// assert_eq!(fields[..5], [(":method", "CONNECT"), (":protocol", "websocket"),
///     (":scheme", "https"), (":authority", "example.com"), (":path", "/ws")]);
/// assert!(fields.contains(&("sec-websocket-version", "13")));
/// assert!(fields.contains(&("sec-websocket-protocol", "chat")));
/// ```
pub fn request_fields<'r>(
    request: &client::Request<'r>,
    scheme: &'r str,
) -> Result<impl Iterator<Item = (&'r str, &'r str)> + 'r, HandshakeError> {
    let texts = [request.host, request.path, scheme]
        .into_iter()
        .chain(request.origin)
        .chain(request.extensions);
    let valid = texts
        .into_iter()
        .all(|t| !t.is_empty() && is_header_value(t))
        && request.protocols.iter().all(|p| is_token(p))
        && request
            .headers
            .iter()
            .all(|(n, v)| is_token(n) && is_header_value(v));
    if !valid {
        return Err(HandshakeError::InvalidArgument);
    }
    let request = *request;
    let pseudo = [
        (":method", "CONNECT"),
        (":protocol", PROTOCOL_WEBSOCKET),
        (":scheme", scheme),
        (":authority", request.host),
        (":path", request.path),
        ("sec-websocket-version", "13"),
    ];
    Ok(pseudo
        .into_iter()
        .chain(request.protocols.iter().map(|&p| (PROTOCOL, p)))
        .chain(request.extensions.map(|e| (EXTENSIONS, e)))
        .chain(request.origin.map(|o| ("origin", o)))
        .chain(request.headers.iter().copied()))
}

/// A server's accepting answer to an extended CONNECT, checked as RFC 6455 §4.1 items
/// 5 and 6 check a 101 (the same code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectResponse<'a> {
    /// The subprotocol the server chose, if any.
    pub protocol: Option<&'a str>,
    fields: FieldList<'a>,
}

impl<'a> ConnectResponse<'a> {
    /// Checks the answer's `status` (200, RFC 8441 §5; anything else is
    /// [`HandshakeError::NotSwitchingProtocols`]) and fields against `offer` (usually
    /// the [`client::Request`] the fields were made from).
    ///
    /// ```
    /// use wsframe::handshake::{client::Request, http2::ConnectResponse};
    /// let request = Request { protocols: &["chat"], ..Request::new("h", "/", [0; 16]) };
    /// let fields: [(&str, &[u8]); 1] = [("sec-websocket-protocol", b"chat")];
    /// let response = ConnectResponse::parse(200, &fields, &request).unwrap();
    /// assert_eq!(response.protocol, Some("chat"));
    /// assert!(ConnectResponse::parse(404, &[], &request).is_err());
    /// ```
    pub fn parse(
        status: u16,
        fields: &'a [Field<'a>],
        offer: &dyn Offer,
    ) -> Result<Self, HandshakeError> {
        if status != ACCEPTED {
            return Err(HandshakeError::NotSwitchingProtocols(status));
        }
        let fields = FieldList(fields);
        let protocol = offer::check_choice(fields, offer)?;
        Ok(Self { protocol, fields })
    }

    /// The extensions the server accepted, in order.
    pub fn extensions(&self) -> impl Iterator<Item = Extension<'a>> {
        offer::extensions(self.fields)
    }

    /// The value of any other field; the first of that name.
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.fields
            .0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::server;
    use std::vec::Vec;

    /// What Chromium sends (its field order), with permessage-deflate offered.
    const CHROMIUM: [Field<'static>; 11] = [
        (":method", b"CONNECT"),
        (":authority", b"127.0.0.1:8443"),
        (":scheme", b"https"),
        (":path", b"/echo?x=1"),
        (":protocol", b"websocket"),
        ("pragma", b"no-cache"),
        ("origin", b"https://127.0.0.1:8443"),
        ("sec-websocket-version", b"13"),
        ("user-agent", b"Mozilla/5.0"),
        ("sec-websocket-protocol", b"chat, superchat"),
        (
            "sec-websocket-extensions",
            b"permessage-deflate; client_max_window_bits",
        ),
    ];

    fn with(change: impl Fn(&mut Vec<Field<'static>>)) -> Vec<Field<'static>> {
        let mut fields = CHROMIUM.to_vec();
        change(&mut fields);
        fields
    }

    fn replace(name: &'static str, value: &'static [u8]) -> Vec<Field<'static>> {
        with(|f| {
            let at = f.iter().position(|(n, _)| *n == name).unwrap();
            f[at].1 = value;
        })
    }

    fn without(name: &'static str) -> Vec<Field<'static>> {
        with(|f| f.retain(|(n, _)| *n != name))
    }

    #[test]
    fn chromium_request() {
        let req = ConnectRequest::parse(&CHROMIUM).unwrap();
        assert_eq!(req.path, "/echo?x=1");
        assert_eq!(req.authority, "127.0.0.1:8443");
        assert_eq!(req.scheme, "https");
        assert_eq!(req.origin, Some("https://127.0.0.1:8443"));
        assert_eq!(req.protocols().collect::<Vec<_>>(), ["chat", "superchat"]);
        let ext: Vec<_> = req.extensions().collect();
        assert_eq!(ext.len(), 1);
        assert_eq!(ext[0].name, "permessage-deflate");
        assert_eq!(req.header("user-agent"), Some(&b"Mozilla/5.0"[..]));
    }

    #[test]
    fn every_requirement_checked() {
        use HandshakeError::*;
        let mut late_pseudo = CHROMIUM.to_vec();
        late_pseudo.push((":path", b"/again"));
        let mut twice = CHROMIUM.to_vec();
        twice.insert(1, (":protocol", b"websocket"));
        let mut status = CHROMIUM.to_vec();
        status.insert(0, (":status", b"200"));
        let cases = [
            (without(":protocol"), MissingUpgrade),
            (replace(":protocol", b"webtransport"), MissingUpgrade),
            (replace(":method", b"GET"), MissingUpgrade),
            (without(":method"), MissingUpgrade),
            (without(":authority"), MissingHost),
            (without(":scheme"), MalformedHttp),
            (without(":path"), MalformedHttp),
            (replace(":path", b""), MalformedHttp),
            (replace(":path", b"/a b"), MalformedHttp),
            (late_pseudo, MalformedHttp),
            (twice, MalformedHttp),
            (status, MalformedHttp),
            (replace("sec-websocket-version", b"8"), UnsupportedVersion),
            (without("sec-websocket-version"), UnsupportedVersion),
            (
                replace("sec-websocket-extensions", b"permessage-deflate; =x"),
                InvalidExtensionSyntax,
            ),
            (
                replace("sec-websocket-protocol", b"\xff"),
                InvalidHeaderValue,
            ),
            (replace("origin", b"\xff"), InvalidHeaderValue),
        ];
        for (fields, err) in cases {
            assert_eq!(ConnectRequest::parse(&fields), Err(err), "{fields:?}");
        }
        // The same rule as HTTP/1.1 for the number of offer lines.
        let many = with(|f| f.extend([("sec-websocket-protocol", &b"x"[..]); 8]));
        assert_eq!(ConnectRequest::parse(&many), Err(TooManyOfferHeaders));
        assert_eq!(
            server::Rejection::for_error(UnsupportedVersion).http2_fields(),
            [("sec-websocket-version", "13")]
        );
        assert!(server::Rejection::for_error(MissingUpgrade)
            .http2_fields()
            .is_empty());
    }

    #[test]
    fn key_is_not_processed() {
        // RFC 8441 §5: a key is not used, so even an invalid one does not matter.
        let fields = with(|f| f.push(("sec-websocket-key", b"not base64")));
        let request = ConnectRequest::parse(&fields).unwrap();
        let answer: Vec<_> = Response::default()
            .http2_fields(&request)
            .unwrap()
            .collect();
        assert!(answer.is_empty());
    }

    #[test]
    fn answer_negotiated_as_for_http1() {
        let req = ConnectRequest::parse(&CHROMIUM).unwrap();
        let ok = Response {
            protocol: Some("superchat"),
            extensions: Some("permessage-deflate; server_no_context_takeover"),
            headers: &[("x-id", "7")],
        };
        let fields: Vec<_> = ok.http2_fields(&req).unwrap().collect();
        assert_eq!(
            fields,
            [
                ("sec-websocket-protocol", "superchat"),
                (
                    "sec-websocket-extensions",
                    "permessage-deflate; server_no_context_takeover"
                ),
                ("x-id", "7"),
            ]
        );
        let not_offered = Response {
            protocol: Some("mqtt"),
            ..Response::default()
        };
        assert!(matches!(
            not_offered.http2_fields(&req),
            Err(HandshakeError::ProtocolNotOffered)
        ));
        let bad_ext = Response {
            extensions: Some("permessage-deflate; =1"),
            ..Response::default()
        };
        assert!(bad_ext.http2_fields(&req).is_err());
        let injected = Response {
            headers: &[("x", "1\r\nevil: 2")],
            ..Response::default()
        };
        assert!(matches!(
            injected.http2_fields(&req),
            Err(HandshakeError::InvalidArgument)
        ));
    }

    #[test]
    fn client_request_and_response() {
        let request = client::Request {
            protocols: &["chat", "v2"],
            extensions: Some("permessage-deflate"),
            origin: Some("https://o"),
            headers: &[("cookie", "a=b")],
            ..client::Request::new("h:1", "/p", [0; 16])
        };
        let fields: Vec<(&str, &str)> = request_fields(&request, "https").unwrap().collect();
        // What the client sends is what the server accepts.
        let bytes: Vec<Field<'_>> = fields.iter().map(|&(n, v)| (n, v.as_bytes())).collect();
        let seen = ConnectRequest::parse(&bytes).unwrap();
        assert_eq!(seen.protocols().collect::<Vec<_>>(), ["chat", "v2"]);
        assert_eq!(seen.origin, Some("https://o"));
        assert_eq!(seen.header("cookie"), Some(&b"a=b"[..]));
        let bad = client::Request {
            protocols: &["a b"],
            ..request
        };
        assert!(request_fields(&bad, "https").is_err());
        let bad = client::Request {
            path: "/\r\n",
            ..request
        };
        assert!(request_fields(&bad, "https").is_err());

        let chosen: [Field<'_>; 2] = [
            ("sec-websocket-protocol", b"v2"),
            ("sec-websocket-extensions", b"permessage-deflate"),
        ];
        let response = ConnectResponse::parse(200, &chosen, &request).unwrap();
        assert_eq!(response.protocol, Some("v2"));
        assert_eq!(
            response.extensions().next().unwrap().name,
            "permessage-deflate"
        );
        assert_eq!(
            ConnectResponse::parse(426, &[], &request),
            Err(HandshakeError::NotSwitchingProtocols(426))
        );
        let other: [Field<'_>; 1] = [("sec-websocket-protocol", b"mqtt")];
        assert_eq!(
            ConnectResponse::parse(200, &other, &request),
            Err(HandshakeError::ProtocolNotOffered)
        );
        let other: [Field<'_>; 1] = [("sec-websocket-extensions", b"x-other")];
        assert_eq!(
            ConnectResponse::parse(200, &other, &request),
            Err(HandshakeError::ExtensionNotOffered)
        );
    }

    mod any_input {
        use super::*;
        use proptest::prelude::*;

        fn value() -> impl Strategy<Value = Vec<u8>> {
            // Values that make a valid request as well as any bytes, so that accepted
            // requests are generated too.
            prop_oneof![
                proptest::sample::select(std::vec![
                    &b"CONNECT"[..],
                    b"websocket",
                    b"https",
                    b"/",
                    b"h",
                    b"13",
                    b"chat, v2",
                    b"permessage-deflate",
                ])
                .prop_map(<[u8]>::to_vec),
                proptest::collection::vec(any::<u8>(), 0..12),
            ]
        }

        fn name() -> impl Strategy<Value = &'static str> {
            proptest::sample::select(std::vec![
                ":method",
                ":protocol",
                ":scheme",
                ":path",
                ":authority",
                ":status",
                "sec-websocket-version",
                "sec-websocket-protocol",
                "sec-websocket-extensions",
                "origin",
                "x",
            ])
        }

        proptest! {
            /// Chromium's request with up to 4 fields removed, replaced or added is
            /// checked without panicking, and when accepted gets an answer whose
            /// subprotocol is one it offered.
            #[test]
            fn fields(edits in proptest::collection::vec((0..3u8, any::<usize>(), name(), value()), 0..4)) {
                let mut raw: Vec<(&str, Vec<u8>)> =
                    CHROMIUM.iter().map(|(n, v)| (*n, v.to_vec())).collect();
                for (op, at, name, value) in edits {
                    let at = at % (raw.len() + 1);
                    match op {
                        0 if at < raw.len() => {
                            raw.remove(at);
                        }
                        1 if at < raw.len() => raw[at].1 = value,
                        _ => raw.insert(at, (name, value)),
                    }
                }
                let fields: Vec<Field<'_>> = raw.iter().map(|(n, v)| (*n, v.as_slice())).collect();
                if let Ok(request) = ConnectRequest::parse(&fields) {
                    let first = request.protocols().next();
                    let answer = Response { protocol: first, ..Response::default() };
                    let fields: Vec<_> = answer.http2_fields(&request).unwrap().collect();
                    prop_assert_eq!(fields.len(), usize::from(first.is_some()));
                }
            }
        }
    }
}
