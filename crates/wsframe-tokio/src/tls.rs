//! `wss://` clients over rustls through tokio-rustls (feature `rustls`; the `ring`
//! provider). [`connect`](crate::connect) and [`connect_with`](crate::connect_with)
//! trust the Mozilla roots compiled into the `webpki-roots` crate ([`default_config`]):
//! the same on every platform, with no system store to find. Other roots (a private CA,
//! a test certificate, the platform's store through `rustls-native-certs`) go through
//! [`client_config`] and [`connect_tls`].
//!
//! A TLS server needs nothing from this module: accept with `tokio_rustls::TlsAcceptor`
//! and pass the `TlsStream` to [`accept_with`](crate::accept_with)
//! (`examples/tls_server.rs`).

use std::sync::{Arc, OnceLock};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use crate::{ClientOptions, Error, Target, WebSocketStream};

/// A client configuration trusting `roots`, with rustls' safe defaults and the `ring`
/// provider (chosen explicitly, so another provider enabled elsewhere in the build
/// changes nothing). ALPN stays empty: the handshake is HTTP/1.1.
///
/// `ring` builds wherever this workspace builds, without aws-lc's C toolchain; rustls
/// 0.23.48 marks its provider deprecated because it lacks the post-quantum key
/// exchange. For that, build a `ClientConfig` with aws-lc-rs and pass it to
/// [`connect_tls`] directly.
pub fn client_config(roots: RootCertStore) -> Result<Arc<ClientConfig>, Error> {
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Io(std::io::Error::other(e)))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The configuration [`connect`](crate::connect) uses for `wss://`: [`client_config`]
/// trusting `webpki_roots::TLS_SERVER_ROOTS`, built once per process.
pub fn default_config() -> Result<Arc<ClientConfig>, Error> {
    static DEFAULT: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if let Some(config) = DEFAULT.get() {
        return Ok(config.clone());
    }
    let roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = client_config(roots)?;
    Ok(DEFAULT.get_or_init(|| config).clone())
}

/// Client: connects to a `wss://host[:port]/path` URL (port 443 by default) over TCP
/// and TLS with `tls`, then opens the WebSocket as `options` say. The whole of it (TCP,
/// TLS and WebSocket handshakes) is bounded by `options.handshake_timeout`. Not cancel
/// safe.
pub async fn connect_tls(
    url: &str,
    options: &ClientOptions,
    tls: Arc<ClientConfig>,
) -> Result<WebSocketStream<TlsStream<TcpStream>>, Error> {
    connect_wss(url, options, tls, |io| io).await
}

/// [`connect_tls`] with the TLS stream wrapped by `wrap` before the WebSocket handshake.
pub(crate) async fn connect_wss<S: AsyncRead + AsyncWrite + Unpin>(
    url: &str,
    options: &ClientOptions,
    tls: Arc<ClientConfig>,
    wrap: impl FnOnce(TlsStream<TcpStream>) -> S,
) -> Result<WebSocketStream<S>, Error> {
    let target = Target::parse(url, "wss", 443)?;
    let name = ServerName::try_from(target.host.clone())
        .map_err(|_| Error::Url("host is not a valid tls server name"))?;
    crate::handshake::within(options.handshake_timeout, async {
        let io = TcpStream::connect((target.host.as_str(), target.port)).await?;
        io.set_nodelay(true)?;
        let io = TlsConnector::from(tls).connect(name, io).await?;
        let mut untimed = options.clone();
        untimed.handshake_timeout = None;
        WebSocketStream::client(wrap(io), &target.authority, &target.path, &untimed).await
    })
    .await
}
