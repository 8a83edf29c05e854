//! An axum extractor shaped like axum's own `WebSocketUpgrade` (feature `axum`): in a
//! handler, `ws.on_upgrade(|socket| async move { … })`; `socket` is a
//! [`WebSocket`], a [`WebSocketStream`] over hyper's upgraded connection, with
//! [`recv`](WebSocketStream::recv) and `SinkExt::send`.
//!
//! The request is checked and answered by the core ([`crate::upgrade::answer`]), so a
//! bad upgrade gets the core's 400, 403, 426 or 431 with its headers. With the `http2`
//! feature it also accepts WebSockets over HTTP/2 (RFC 8441; `axum::serve` enables
//! extended CONNECT): route them with `any`, as they come as CONNECT, not GET.
//!
//! ```no_run
//! use axum::{response::Response, routing::get, Router};
//! use futures_util::SinkExt;
//! use wsframe_tokio::axum::{WebSocket, WebSocketUpgrade};
//!
//! async fn handler(ws: WebSocketUpgrade) -> Response {
//!     ws.protocols(&["chat"]).on_upgrade(echo)
//! }
//!
//! async fn echo(mut socket: WebSocket) {
//!     while let Some(Ok(message)) = socket.recv().await {
//!         if message.is_data() && socket.send(message).await.is_err() {
//!             break;
//!         }
//!     }
//! }
//!
//! # async fn serve() -> std::io::Result<()> {
//! let app: Router = Router::new().route("/ws", get(handler));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9003").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

use std::future::Future;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use wsframe::handshake::server::Rejection;

use crate::upgrade::{answer, parse_response, Answer};
use crate::{ServerOptions, WebSocketStream};

/// The stream an upgraded axum request gives.
pub type WebSocket = WebSocketStream<TokioIo<Upgraded>>;

/// Extracts the request's upgrade; answer it with [`on_upgrade`](Self::on_upgrade).
#[derive(Debug)]
pub struct WebSocketUpgrade {
    head: http::Request<()>,
    on_upgrade: Option<OnUpgrade>,
    options: ServerOptions,
}

impl<S: Send + Sync> FromRequestParts<S> for WebSocketUpgrade {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let mut head = http::Request::new(());
        *head.method_mut() = parts.method.clone();
        *head.uri_mut() = parts.uri.clone();
        *head.version_mut() = parts.version;
        *head.headers_mut() = parts.headers.clone();
        // An HTTP/2 WebSocket's `:protocol` (RFC 8441).
        #[cfg(feature = "http2")]
        if let Some(protocol) = parts.extensions.get::<hyper::ext::Protocol>() {
            head.extensions_mut().insert(protocol.clone());
        }
        Ok(Self {
            head,
            on_upgrade: parts.extensions.remove::<OnUpgrade>(),
            options: ServerOptions::default(),
        })
    }
}

impl WebSocketUpgrade {
    /// Uses these options (limits, subprotocol choice, origin check, permessage-deflate).
    pub fn options(mut self, options: ServerOptions) -> Self {
        self.options = options;
        self
    }

    /// Supports these subprotocols (the client's first offer among them wins).
    pub fn protocols(mut self, supported: &[&str]) -> Self {
        self.options = self.options.protocols(supported);
        self
    }

    /// Answers the request: 101 and `callback` with the stream once hyper hands the
    /// connection over, or the core's refusal.
    pub fn on_upgrade<F, Fut>(self, callback: F) -> Response
    where
        F: FnOnce(WebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        match answer(&self.head, &self.options) {
            Answer::Upgrade { response, upgrade } => {
                let Some(on_upgrade) = self.on_upgrade else {
                    // Not a connection hyper can upgrade (e.g. HTTP/2 without the
                    // `http2` feature): the core's 426.
                    let mut out = [0u8; 256];
                    let n = Rejection::UpgradeRequired.write(&mut out).unwrap_or(0);
                    return parse_response(&out[..n]).0.into_response();
                };
                tokio::spawn(async move {
                    if let Ok(upgraded) = on_upgrade.await {
                        callback(upgrade.into_stream(TokioIo::new(upgraded))).await;
                    }
                });
                response.map(|()| axum::body::Body::empty())
            }
            Answer::Refuse(response) => response.into_response(),
        }
    }
}
