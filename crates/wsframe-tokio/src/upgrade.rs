//! Upgrades for HTTP servers that parse requests themselves (hyper 1.x, axum): the
//! core checks the request and writes the answer, this module only converts between
//! `http` types and bytes.
//!
//! The request head is written back as bytes and read by the core's parser, so every
//! check (method, version, `Upgrade`, `Connection`, the key, `Sec-WebSocket-Version`,
//! the handshake limits) and every answer (101 with `Sec-WebSocket-Accept`, 400, 403,
//! 426 with `Sec-WebSocket-Version: 13`, 431) is the core's, as on a plain socket.
//!
//! ```
//! use wsframe_tokio::upgrade::{answer, Answer};
//! use wsframe_tokio::ServerOptions;
//!
//! let request = http::Request::get("/ws")
//!     .header("Host", "example.com")
//!     .header("Upgrade", "websocket")
//!     .header("Connection", "Upgrade")
//!     .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
//!     .header("Sec-WebSocket-Version", "13")
//!     .body(())
//!     .unwrap();
//! let Answer::Upgrade { response, .. } = answer(&request, &ServerOptions::default()) else {
//!     panic!("refused");
//! };
//! assert_eq!(response.status(), 101);
//! // RFC 6455 §1.3's example key and answer.
//! assert_eq!(response.headers()["sec-websocket-accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
//! ```

use std::fmt;

use tokio::io::{AsyncRead, AsyncWrite};
use wsframe::handshake::server;
use wsframe::{Connection, Event};

use crate::deflate::{self, Compression};
use crate::{OpeningRequest, ServerOptions, WebSocketStream};

/// Room for the core's answer head beyond the chosen subprotocol and extensions.
const ANSWER_CAPACITY: usize = 512;

/// What to answer an HTTP request that may be a WebSocket upgrade.
#[derive(Debug)]
pub enum Answer {
    /// Answer with `response` (101), then make the stream with
    /// [`Upgrade::into_stream`] once the server hands over the connection.
    Upgrade {
        /// The 101 response, as the core wrote it.
        response: http::Response<()>,
        /// The accepted connection, waiting for its stream (boxed: the core's
        /// connection state is large next to a refusal).
        upgrade: Box<Upgrade>,
    },
    /// Refuse with `response`: the core's 400, 403, 426 or 431, with its headers and a
    /// short text body.
    Refuse(http::Response<String>),
}

/// An accepted upgrade: the core's connection, open, and what was agreed.
pub struct Upgrade {
    conn: Connection,
    protocol: Option<String>,
    compression: Option<Box<Compression>>,
}

impl fmt::Debug for Upgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upgrade")
            .field("protocol", &self.protocol)
            .field("compressed", &self.compression.is_some())
            .finish_non_exhaustive()
    }
}

impl Upgrade {
    /// An accepted connection, for the HTTP/2 answer.
    #[cfg(feature = "http2")]
    pub(crate) fn new(
        conn: Connection,
        protocol: Option<String>,
        compression: Option<Box<Compression>>,
    ) -> Self {
        Self {
            conn,
            protocol,
            compression,
        }
    }

    /// The subprotocol agreed, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The stream over the upgraded connection (e.g. hyper's `Upgraded` in
    /// `hyper_util::rt::TokioIo`).
    pub fn into_stream<S: AsyncRead + AsyncWrite + Unpin>(
        self: Box<Self>,
        io: S,
    ) -> WebSocketStream<S> {
        WebSocketStream::opened(
            io,
            crate::handshake::Opened {
                conn: self.conn,
                protocol: self.protocol,
                rest: Vec::new(),
                compression: self.compression,
            },
        )
    }
}

/// Checks `request` with the core and answers it as `options` say (subprotocol,
/// origin, permessage-deflate, limits); the options' HTTP handler and handshake timeout
/// are the HTTP server's business and are not used. With the `http2` feature an
/// HTTP/2 request is an extended CONNECT (RFC 8441), answered 200 (see the `http2`
/// module); hyper's `hyper::upgrade::on` gives its stream the same way.
pub fn answer<B>(request: &http::Request<B>, options: &ServerOptions) -> Answer {
    // HTTP/2 has no upgrade: an extended CONNECT opens the WebSocket (RFC 8441).
    #[cfg(feature = "http2")]
    if request.version() == http::Version::HTTP_2 {
        return crate::http2::answer(request, options);
    }
    let mut head = request_head(request);
    let mut conn = Connection::server(options.config);
    let received = conn.receive(&mut head);
    let mut out = Vec::new();
    let accepted = match received {
        Ok(got) => match got.event {
            Some(Event::Request(request)) => {
                if !options.allows_origin(request.origin) {
                    out.resize(ANSWER_CAPACITY, 0);
                    conn.reject(&server::Rejection::Forbidden, &mut out)
                        .map(|n| out.truncate(n))
                        .ok();
                    None
                } else if let Some(refusal) = options.refusal(&OpeningRequest::new(
                    request.path,
                    request.origin,
                    &|name| request.header(name),
                )) {
                    out = refusal.reject(&mut conn).unwrap_or_default();
                    None
                } else {
                    let offered: Vec<&str> = request.protocols().collect();
                    let protocol = options.choose_protocol(&offered);
                    let compression = deflate::server(options, request.extensions());
                    let extensions = compression.as_deref().map(deflate::agreed);
                    let response = server::Response {
                        protocol: protocol.as_deref(),
                        extensions,
                        ..server::Response::default()
                    };
                    out.resize(
                        ANSWER_CAPACITY
                            + protocol.as_ref().map_or(0, String::len)
                            + extensions.map_or(0, str::len),
                        0,
                    );
                    match conn.accept(&request, &response, &mut out) {
                        Ok(n) => {
                            out.truncate(n);
                            Some((protocol, compression))
                        }
                        Err(_) => None,
                    }
                }
            }
            // A complete head always gives the request or an error; refuse otherwise.
            _ => None,
        },
        Err(_) => {
            // The core owes the rejection for the error.
            out.resize(ANSWER_CAPACITY, 0);
            match conn.poll_transmit(&mut out) {
                Ok(Some(n)) => out.truncate(n),
                _ => out.clear(),
            }
            None
        }
    };
    match accepted {
        Some((protocol, compression)) => {
            let mut conn = conn;
            if compression.is_some() {
                deflate::allow_compressed_frames(&mut conn);
            }
            let (response, _) = parse_response(&out);
            Answer::Upgrade {
                response: response.map(|_| ()),
                upgrade: Box::new(Upgrade {
                    conn,
                    protocol,
                    compression,
                }),
            }
        }
        None => Answer::Refuse(parse_response(&out).0),
    }
}

/// The request head as bytes, as it came over HTTP/1.1.
fn request_head<B>(request: &http::Request<B>) -> Vec<u8> {
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", http::uri::PathAndQuery::as_str);
    let version = match request.version() {
        http::Version::HTTP_10 => "HTTP/1.0",
        _ => "HTTP/1.1",
    };
    let mut head = Vec::with_capacity(512);
    head.extend_from_slice(request.method().as_str().as_bytes());
    head.push(b' ');
    head.extend_from_slice(target.as_bytes());
    head.push(b' ');
    head.extend_from_slice(version.as_bytes());
    head.extend_from_slice(b"\r\n");
    for (name, value) in request.headers() {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// The core's response bytes as an `http::Response` with its body as text. A head the
/// core wrote always parses; anything else becomes a bare 500.
pub(crate) fn parse_response(bytes: &[u8]) -> (http::Response<String>, usize) {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut parsed = httparse::Response::new(&mut headers);
    let Ok(httparse::Status::Complete(head_len)) = parsed.parse(bytes) else {
        return (internal_error(), 0);
    };
    let body = String::from_utf8_lossy(bytes.get(head_len..).unwrap_or_default()).into_owned();
    let mut response = http::Response::builder().status(parsed.code.unwrap_or(500));
    for header in parsed.headers.iter() {
        response = response.header(header.name, header.value);
    }
    match response.body(body) {
        Ok(response) => (response, head_len),
        Err(_) => (internal_error(), 0),
    }
}

fn internal_error() -> http::Response<String> {
    let mut response = http::Response::new(String::new());
    *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(version: &str) -> http::Request<()> {
        http::Request::get("/chat?room=1")
            .header("Host", "example.com")
            .header("Upgrade", "websocket")
            .header("Connection", "keep-alive, Upgrade")
            .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
            .header("Sec-WebSocket-Version", version)
            .header("Sec-WebSocket-Protocol", "x, chat")
            .body(())
            .unwrap()
    }

    #[test]
    fn a_valid_request_gets_the_cores_101_with_the_chosen_subprotocol() {
        let options = ServerOptions::default().protocols(&["chat"]);
        let Answer::Upgrade { response, upgrade } = answer(&request("13"), &options) else {
            panic!("refused");
        };
        assert_eq!(response.status(), 101);
        assert_eq!(response.headers()["upgrade"], "websocket");
        assert_eq!(response.headers()["sec-websocket-protocol"], "chat");
        assert_eq!(upgrade.protocol(), Some("chat"));
    }

    #[test]
    fn a_wrong_version_gets_426_with_the_version_header() {
        let Answer::Refuse(response) = answer(&request("8"), &ServerOptions::default()) else {
            panic!("accepted");
        };
        assert_eq!(response.status(), 426);
        assert_eq!(response.headers()["sec-websocket-version"], "13");
    }

    #[test]
    fn a_request_without_upgrade_gets_400_and_a_refused_origin_403() {
        let plain = http::Request::get("/")
            .header("Host", "h")
            .body(())
            .unwrap();
        let Answer::Refuse(response) = answer(&plain, &ServerOptions::default()) else {
            panic!("accepted");
        };
        assert_eq!(response.status(), 400);
        assert!(!response.body().is_empty());

        let options = ServerOptions::default().origin(|o| o.is_none());
        let mut with_origin = request("13");
        with_origin
            .headers_mut()
            .insert("Origin", http::HeaderValue::from_static("https://x"));
        let Answer::Refuse(response) = answer(&with_origin, &options) else {
            panic!("accepted");
        };
        assert_eq!(response.status(), 403);
    }

    #[test]
    fn the_request_check_refuses_with_its_status() {
        let options = ServerOptions::default().check_request(|request| {
            match (request.path, request.header("sec-websocket-protocol")) {
                ("/chat?room=1", Some(b"x, chat")) => {
                    Err(crate::Refusal::new(503).reason("maintenance"))
                }
                _ => Ok(()),
            }
        });
        let Answer::Refuse(response) = answer(&request("13"), &options) else {
            panic!("accepted");
        };
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()["connection"], "close");
        assert_eq!(response.body(), "maintenance");
        // The same options let another path through.
        let mut other = request("13");
        *other.uri_mut() = http::Uri::from_static("/other");
        assert!(matches!(answer(&other, &options), Answer::Upgrade { .. }));
    }
}
