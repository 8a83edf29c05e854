//! A `wss://` echo server: tokio-rustls in front of `wsframe_tokio::accept_with`.
//!
//! ```text
//! cargo run -p wsframe-tokio --features rustls --example tls_server -- [ADDR] [CERT_PEM KEY_PEM]
//! ```
//!
//! ADDR defaults to 127.0.0.1:9443. Without a certificate and key it makes a self-signed
//! one for `localhost` and `127.0.0.1` (rcgen) and writes it to `tls_server-cert.pem` in
//! the system's temporary directory, for clients to trust.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use wsframe_tokio::tokio_rustls::rustls::pki_types::pem::PemObject;
use wsframe_tokio::tokio_rustls::rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer,
};
use wsframe_tokio::tokio_rustls::rustls::{self, ServerConfig};
use wsframe_tokio::tokio_rustls::TlsAcceptor;
use wsframe_tokio::ServerOptions;

type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn identity(args: &[String]) -> Result<Identity, Box<dyn std::error::Error>> {
    if let [cert, key] = args {
        let certs = CertificateDer::pem_file_iter(cert)?.collect::<Result<Vec<_>, _>>()?;
        return Ok((certs, PrivateKeyDer::from_pem_file(key)?));
    }
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
    let path = std::env::temp_dir().join("tls_server-cert.pem");
    std::fs::write(&path, certified.cert.pem())?;
    println!("tls_server: self-signed certificate in {}", path.display());
    let key = PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
    Ok((vec![certified.cert.der().clone()], key.into()))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = args
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:9443".to_owned());
    let (certs, key) = identity(args.get(1..).unwrap_or_default())?;
    // ring, as wsframe_tokio::tls::client_config (see there why).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("tls_server: wss://{}/", listener.local_addr()?);
    let options = Arc::new(ServerOptions::default().protocols(&["chat"]));
    loop {
        let (socket, _) = listener.accept().await?;
        let (acceptor, options) = (acceptor.clone(), Arc::clone(&options));
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(socket).await else {
                return;
            };
            let Ok(mut ws) = wsframe_tokio::accept_with(tls, &options).await else {
                return;
            };
            while let Some(Ok(message)) = ws.next().await {
                if message.is_data() && ws.send(message).await.is_err() {
                    break;
                }
            }
        });
    }
}
