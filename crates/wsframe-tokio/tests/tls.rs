//! wss: a client through tokio-rustls trusting a self-signed certificate made with
//! rcgen, against a server accepting over `tokio_rustls::TlsAcceptor`.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use wsframe_tokio::tokio_rustls::rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer,
};
use wsframe_tokio::tokio_rustls::rustls::{self, RootCertStore, ServerConfig};
use wsframe_tokio::tokio_rustls::TlsAcceptor;
use wsframe_tokio::{ClientOptions, Error, Message};

/// A TLS echo server for `localhost` with a fresh certificate; its port and certificate.
async fn server() -> (u16, CertificateDer<'static>) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    // The provider wsframe_tokio::tls uses (see its client_config).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut ws = wsframe_tokio::accept(tls).await.unwrap();
                while let Some(Ok(message)) = ws.next().await {
                    if message.is_data() {
                        ws.send(message).await.unwrap();
                    }
                }
            });
        }
    });
    (port, cert)
}

#[tokio::test]
async fn a_wss_client_trusting_the_test_certificate_echoes() {
    let (port, cert) = server().await;
    let mut roots = RootCertStore::empty();
    roots.add(cert).unwrap();
    let tls = wsframe_tokio::tls::client_config(roots).unwrap();
    let url = format!("wss://localhost:{port}/secure");
    let mut ws = wsframe_tokio::connect_tls(&url, &ClientOptions::default(), tls)
        .await
        .unwrap();
    let big = "x".repeat(200_000);
    for text in ["over tls", big.as_str()] {
        ws.send(Message::text(text)).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::text(text));
    }
    ws.close().await.unwrap();
    assert!(matches!(ws.next().await, Some(Ok(Message::Close(_)))));
    assert!(ws.next().await.is_none());
}

#[tokio::test]
async fn a_wss_client_refuses_an_untrusted_certificate() {
    let (port, _) = server().await;
    let tls = wsframe_tokio::tls::client_config(RootCertStore::empty()).unwrap();
    let url = format!("wss://localhost:{port}/");
    let result = wsframe_tokio::connect_tls(&url, &ClientOptions::default(), tls).await;
    assert!(matches!(result, Err(Error::Io(_))), "{result:?}");
    assert!(matches!(
        wsframe_tokio::connect_tls(
            "ws://localhost/",
            &ClientOptions::default(),
            wsframe_tokio::tls::client_config(RootCertStore::empty()).unwrap()
        )
        .await,
        Err(Error::Url(_))
    ));
}

#[tokio::test]
async fn connect_takes_wss_urls_with_the_default_roots() {
    let (port, cert) = server().await;
    let url = format!("wss://localhost:{port}/");
    // The Mozilla roots do not hold the test certificate: TLS refuses it, which shows
    // `connect` spoke TLS with those roots.
    let result = wsframe_tokio::connect(&url).await;
    let Err(Error::Io(e)) = result else {
        panic!("{result:?}")
    };
    assert!(e.to_string().contains("UnknownIssuer"), "{e}");
    // The roots configured through the TLS options reach the same server.
    let mut roots = RootCertStore::empty();
    roots.add(cert).unwrap();
    let tls = wsframe_tokio::tls::client_config(roots).unwrap();
    let mut ws = wsframe_tokio::connect_tls(&url, &ClientOptions::default(), tls)
        .await
        .unwrap();
    ws.send(Message::text("roots from options")).await.unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::text("roots from options")
    );
    assert!(wsframe_tokio::tls::default_config().is_ok());
}
