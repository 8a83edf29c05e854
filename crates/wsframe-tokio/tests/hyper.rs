//! An upgrade through a hyper 1.x server: the core's 101 and the stream over hyper's
//! `Upgraded`, and the core's 426 for a bad request, answered by hyper.

use std::convert::Infallible;

use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wsframe_tokio::upgrade::{answer, Answer};
use wsframe_tokio::{ClientOptions, Message, ServerOptions};

async fn route(mut request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let options = ServerOptions::default().protocols(&["chat"]);
    match answer(&request, &options) {
        Answer::Upgrade { response, upgrade } => {
            let upgraded = hyper::upgrade::on(&mut request);
            tokio::spawn(async move {
                let mut ws = upgrade.into_stream(TokioIo::new(upgraded.await.unwrap()));
                while let Some(Ok(message)) = ws.next().await {
                    if message.is_data() {
                        ws.send(message).await.unwrap();
                    }
                }
            });
            Ok(response.map(|()| Full::new(Bytes::new())))
        }
        Answer::Refuse(response) => Ok(response.map(|body| Full::new(Bytes::from(body)))),
    }
}

async fn server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::spawn(
                http1::Builder::new()
                    .serve_connection(TokioIo::new(socket), service_fn(route))
                    .with_upgrades(),
            );
        }
    });
    port
}

#[tokio::test]
async fn hyper_upgrades_with_the_cores_answer() {
    let port = server().await;
    let options = ClientOptions {
        protocols: vec!["chat".into()],
        ..ClientOptions::default()
    };
    let mut ws = wsframe_tokio::connect_with(&format!("ws://127.0.0.1:{port}/ws"), &options)
        .await
        .unwrap();
    assert_eq!(ws.protocol(), Some("chat"));
    ws.send(Message::text("through hyper")).await.unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::text("through hyper")
    );
    ws.close().await.unwrap();
    assert!(matches!(ws.next().await, Some(Ok(Message::Close(_)))));
    assert!(ws.next().await.is_none());
}

#[tokio::test]
async fn hyper_answers_a_bad_upgrade_with_the_cores_426() {
    let port = server().await;
    let mut socket = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    socket
        .write_all(
            b"GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\
              Connection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 426 "), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("sec-websocket-version: 13\r\n"),
        "{answer}"
    );
}
