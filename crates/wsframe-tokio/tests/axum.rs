//! The axum extractor: an echo route upgraded with the core's 101, and the core's 426
//! for a bad version, both through a real axum server.

use axum::response::Response;
use axum::routing::get;
use axum::Router;
use futures_util::SinkExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wsframe_tokio::axum::{WebSocket, WebSocketUpgrade};
use wsframe_tokio::{ClientOptions, Message};

async fn handler(ws: WebSocketUpgrade) -> Response {
    ws.protocols(&["chat"]).on_upgrade(echo)
}

async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        if message.is_data() && socket.send(message).await.is_err() {
            break;
        }
    }
}

async fn server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = Router::new().route("/ws", get(handler));
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

#[tokio::test]
async fn an_axum_route_upgrades_and_echoes() {
    let port = server().await;
    let options = ClientOptions {
        protocols: vec!["chat".into()],
        ..ClientOptions::default()
    };
    let mut ws = wsframe_tokio::connect_with(&format!("ws://127.0.0.1:{port}/ws"), &options)
        .await
        .unwrap();
    assert_eq!(ws.protocol(), Some("chat"));
    ws.send(Message::text("through axum")).await.unwrap();
    assert_eq!(
        ws.recv().await.unwrap().unwrap(),
        Message::text("through axum")
    );
    ws.close().await.unwrap();
    assert!(matches!(ws.recv().await, Some(Ok(Message::Close(_)))));
    assert!(ws.recv().await.is_none());
}

#[tokio::test]
async fn a_bad_upgrade_gets_the_cores_426_from_axum() {
    let port = server().await;
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    socket
        .write_all(
            b"GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 7\r\n\r\n",
        )
        .await
        .unwrap();
    let mut answer = vec![0u8; 1024];
    let n = socket.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]).to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 426 "), "{answer}");
    assert!(answer.contains("sec-websocket-version: 13\r\n"), "{answer}");
}
