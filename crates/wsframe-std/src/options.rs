//! Options of the server and client handshakes.

use std::fmt;
use std::time::Duration;

use wsframe::handshake::server::Rejection;
use wsframe::{Config, Connection, HandshakeError};

/// Picks a subprotocol from the client's offers (in the client's order of preference);
/// `None` answers without one.
pub type ProtocolSelector = dyn Fn(&[&str]) -> Option<String> + Send + Sync;
/// Decides whether a request's `Origin` (absent for non-browser clients) may connect.
pub type OriginCheck = dyn Fn(Option<&str>) -> bool + Send + Sync;
/// Decides whether an opening request may connect: `Err` refuses it with a status.
pub type RequestCheck = dyn Fn(&OpeningRequest<'_>) -> Result<(), Refusal> + Send + Sync;
/// Answers a plain HTTP request that is not a WebSocket upgrade.
pub type HttpHandler = dyn Fn(&HttpRequest<'_>) -> HttpResponse + Send + Sync;

/// How a server accepts connections: limits, subprotocol choice, origin policy and an
/// optional handler for plain HTTP requests. Share one between threads with `Arc`.
///
/// ```
/// use wsframe_std::ServerOptions;
/// let options = ServerOptions::default()
///     .protocols(&["chat", "echo"])
///     .origin(|origin| origin.is_none_or(|o| o == "http://127.0.0.1:9001"));
/// # let _ = options;
/// ```
pub struct ServerOptions {
    /// Limits and behaviour of the connection (the core's [`Config`]).
    pub config: Config,
    /// Bound on the whole opening handshake, checked between reads; pair it with a
    /// read timeout on the stream so a silent client cannot block a read forever.
    pub handshake_timeout: Option<Duration>,
    /// Accept permessage-deflate (RFC 7692) when the client offers it, with these
    /// limits; `None` (the default) declines every extension.
    #[cfg(feature = "deflate")]
    pub permessage_deflate: Option<wsframe_deflate::DeflateConfig>,
    pub(crate) select_protocol: Option<Box<ProtocolSelector>>,
    pub(crate) check_origin: Option<Box<OriginCheck>>,
    pub(crate) check_request: Option<Box<RequestCheck>>,
    pub(crate) http: Option<Box<HttpHandler>>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            config: Config::default(),
            handshake_timeout: Some(Duration::from_secs(10)),
            #[cfg(feature = "deflate")]
            permessage_deflate: None,
            select_protocol: None,
            check_origin: None,
            check_request: None,
            http: None,
        }
    }
}

impl fmt::Debug for ServerOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = f.debug_struct("ServerOptions");
        f.field("config", &self.config)
            .field("handshake_timeout", &self.handshake_timeout);
        #[cfg(feature = "deflate")]
        f.field("permessage_deflate", &self.permessage_deflate);
        f.field("select_protocol", &self.select_protocol.is_some())
            .field("check_origin", &self.check_origin.is_some())
            .field("check_request", &self.check_request.is_some())
            .field("http", &self.http.is_some())
            .finish()
    }
}

impl ServerOptions {
    /// Sets the connection limits.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Sets the handshake time limit (`None`: no limit).
    pub fn handshake_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Accepts permessage-deflate (RFC 7692) when offered, with `config`
    /// ([`DeflateConfig::default`](wsframe_deflate::DeflateConfig::default) suits most
    /// servers; set `server_no_context_takeover` to save memory per connection).
    #[cfg(feature = "deflate")]
    pub fn permessage_deflate(mut self, config: wsframe_deflate::DeflateConfig) -> Self {
        self.permessage_deflate = Some(config);
        self
    }

    /// Chooses the subprotocol with a callback given the client's offers.
    pub fn select_protocol(
        mut self,
        select: impl Fn(&[&str]) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.select_protocol = Some(Box::new(select));
        self
    }

    /// Supports these subprotocols: the first one the client offers that is in this
    /// list is chosen (the client's preference wins).
    pub fn protocols(self, supported: &[&str]) -> Self {
        let supported: Vec<String> = supported.iter().map(|s| (*s).to_owned()).collect();
        self.select_protocol(move |offered| {
            offered
                .iter()
                .find(|p| supported.iter().any(|s| s == *p))
                .map(|p| (*p).to_owned())
        })
    }

    /// Refuses requests whose origin the callback rejects, with 403 (§10.2).
    pub fn origin(mut self, check: impl Fn(Option<&str>) -> bool + Send + Sync + 'static) -> Self {
        self.check_origin = Some(Box::new(check));
        self
    }

    /// Checks each valid opening request (after the [`origin`](Self::origin) policy)
    /// and refuses it with the [`Refusal`]'s status when the callback says so, e.g. 401
    /// without a token or 429 over a rate limit; `accept` then returns
    /// [`Error::Refused`](crate::Error::Refused).
    ///
    /// ```
    /// use wsframe_std::{Refusal, ServerOptions};
    /// let options = ServerOptions::default().check_request(|request| {
    ///     match request.header("authorization") {
    ///         Some(b"Bearer let-me-in") => Ok(()),
    ///         Some(_) => Err(Refusal::new(403).reason("bad token")),
    ///         None => Err(Refusal::new(401)),
    ///     }
    /// });
    /// # let _ = options;
    /// ```
    pub fn check_request(
        mut self,
        check: impl Fn(&OpeningRequest<'_>) -> Result<(), Refusal> + Send + Sync + 'static,
    ) -> Self {
        self.check_request = Some(Box::new(check));
        self
    }

    /// Answers well-formed HTTP requests that are not WebSocket upgrades (e.g. to serve
    /// a page) instead of rejecting them with 400; `accept` then returns
    /// [`Error::HttpAnswered`](crate::Error::HttpAnswered).
    pub fn http_handler(
        mut self,
        handler: impl Fn(&HttpRequest<'_>) -> HttpResponse + Send + Sync + 'static,
    ) -> Self {
        self.http = Some(Box::new(handler));
        self
    }
}

impl ServerOptions {
    /// Whether a request with this `Origin` may connect (always, without an
    /// [`origin`](Self::origin) policy). Other layers (e.g. the async one) ask this too.
    pub fn allows_origin(&self, origin: Option<&str>) -> bool {
        self.check_origin.as_ref().is_none_or(|check| check(origin))
    }

    /// The refusal the [`check_request`](Self::check_request) callback gives `request`
    /// (`None`: it may connect, or there is no callback). Other layers ask this too.
    pub fn refusal(&self, request: &OpeningRequest<'_>) -> Option<Refusal> {
        self.check_request.as_ref()?(request).err()
    }

    /// The subprotocol to answer the client's offers with (`None` without a selector or
    /// without offers).
    pub fn choose_protocol(&self, offered: &[&str]) -> Option<String> {
        match &self.select_protocol {
            Some(select) if !offered.is_empty() => select(offered),
            _ => None,
        }
    }

    /// The whole HTTP response (head and body, none for `HEAD`) that the
    /// [`http_handler`](Self::http_handler) gives a plain HTTP request whose head starts
    /// `input`; `None` without a handler or when the head is not complete, valid HTTP.
    pub fn answer_http(&self, input: &[u8]) -> Option<Vec<u8>> {
        let handler = self.http.as_ref()?;
        let mut headers = [httparse::EMPTY_HEADER; wsframe::handshake::MAX_HEADERS];
        let mut request = httparse::Request::new(&mut headers);
        let Ok(httparse::Status::Complete(_)) = request.parse(input) else {
            return None;
        };
        let response = handler(&HttpRequest {
            method: request.method.unwrap_or("GET"),
            path: request.path.unwrap_or("/"),
        });
        let mut bytes = response.head().into_bytes();
        if request.method != Some("HEAD") {
            bytes.extend_from_slice(&response.body);
        }
        Some(bytes)
    }
}

/// What a [`ServerOptions::check_request`] callback sees of a valid opening request.
#[derive(Clone, Copy)]
pub struct OpeningRequest<'a> {
    /// The request target (path and query), e.g. `/chat?room=1`.
    pub path: &'a str,
    /// The `Origin` header, sent by browsers.
    pub origin: Option<&'a str>,
    header: &'a (dyn Fn(&str) -> Option<&'a [u8]> + 'a),
}

impl<'a> OpeningRequest<'a> {
    /// A view of a request with `path`, `origin` and `header` to look a header up by
    /// its name (any case); for layers that parse requests themselves.
    pub fn new(
        path: &'a str,
        origin: Option<&'a str>,
        header: &'a (dyn Fn(&str) -> Option<&'a [u8]> + 'a),
    ) -> Self {
        Self {
            path,
            origin,
            header,
        }
    }

    /// The value of the first header named `name` (any case), e.g. `authorization`.
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        (self.header)(name)
    }
}

impl fmt::Debug for OpeningRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpeningRequest")
            .field("path", &self.path)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// A [`ServerOptions::check_request`] callback's refusal: an HTTP status (400–599) and
/// an optional one-line reason sent as the body (by default the status's reason
/// phrase). The core writes the response
/// ([`Rejection::Status`](wsframe::handshake::server::Rejection::Status)); a status
/// outside 400–599 or a reason with a line break is answered 500 instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status, 400–599.
    pub status: u16,
    /// The body; `None` sends the status's reason phrase.
    pub reason: Option<String>,
}

impl Refusal {
    /// A refusal with `status` and no reason of its own.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            reason: None,
        }
    }

    /// Sets the reason sent as the body.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Refuses the request `conn` holds (it must be waiting for the decision) and
    /// returns the response to write: this refusal, or 500 if the core cannot write
    /// it (see the type's doc).
    pub fn reject(&self, conn: &mut Connection) -> Result<Vec<u8>, HandshakeError> {
        let reason = self.reason.as_deref();
        let mut out = vec![0u8; 256 + reason.map_or(0, str::len)];
        let chosen = Rejection::Status {
            status: self.status,
            reason,
        };
        let n = match conn.reject(&chosen, &mut out) {
            Ok(n) => n,
            Err(HandshakeError::InvalidArgument) => {
                let fallback = Rejection::Status {
                    status: 500,
                    reason: None,
                };
                conn.reject(&fallback, &mut out)?
            }
            Err(e) => return Err(e),
        };
        out.truncate(n);
        Ok(out)
    }
}

/// How a client connects: limits, offered subprotocols, origin and extra headers.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Limits and behaviour of the connection (the core's [`Config`]).
    pub config: Config,
    /// Subprotocols to offer, in order of preference.
    pub protocols: Vec<String>,
    /// The `Origin` header to send, if any.
    pub origin: Option<String>,
    /// More request headers.
    pub headers: Vec<(String, String)>,
    /// Bound on the whole opening handshake, checked between reads.
    pub handshake_timeout: Option<Duration>,
    /// Offer permessage-deflate (RFC 7692) with these parameters; the server's answer
    /// is checked and compression is used when it accepts. `None` (the default) offers
    /// no extension.
    #[cfg(feature = "deflate")]
    pub permessage_deflate: Option<wsframe_deflate::DeflateConfig>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            config: Config::default(),
            protocols: Vec::new(),
            origin: None,
            headers: Vec::new(),
            handshake_timeout: Some(Duration::from_secs(10)),
            #[cfg(feature = "deflate")]
            permessage_deflate: None,
        }
    }
}

/// A plain HTTP request given to the [`ServerOptions::http_handler`].
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// The method, e.g. `GET`.
    pub method: &'a str,
    /// The request target, e.g. `/index.html?x=1`.
    pub path: &'a str,
}

/// The answer to a plain HTTP request; it is sent with `Content-Length` and
/// `Connection: close`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code, e.g. 200.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A 404 with a short text body.
    pub fn not_found() -> Self {
        Self {
            status: 404,
            content_type: "text/plain; charset=utf-8".to_owned(),
            body: b"not found\n".to_vec(),
        }
    }

    pub(crate) fn head(&self) -> String {
        let reason = match self.status {
            200 => "OK",
            301 => "Moved Permanently",
            304 => "Not Modified",
            400 => "Bad Request",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            500 => "Internal Server Error",
            _ => "Status",
        };
        // The content type comes from the application: keep it on one line.
        let content_type: String = self
            .content_type
            .chars()
            .filter(|c| *c != '\r' && *c != '\n')
            .collect();
        format!(
            "HTTP/1.1 {} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
             Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            self.status,
            self.body.len()
        )
    }
}
