//! A hyper 1.x server with a WebSocket echo on one route.
//!
//! ```text
//! cargo run -p wsframe-tokio --example hyper_server -- [ADDR]    # default 127.0.0.1:9002
//! ```
//!
//! `GET /ws` is upgraded when the core accepts the request (101); a bad upgrade gets the
//! core's 400, 426 or 431 with its headers, answered by hyper. Every other path is a
//! plain HTTP 200 or 404.

use std::convert::Infallible;
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use wsframe_tokio::upgrade::{answer, Answer};
use wsframe_tokio::ServerOptions;

async fn route(
    mut request: Request<Incoming>,
    options: Arc<ServerOptions>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.uri().path() != "/ws" {
        let (status, body) = match request.uri().path() {
            "/" => (200, "the WebSocket echo is at /ws\n"),
            _ => (404, "not found\n"),
        };
        let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
        *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
        return Ok(response);
    }
    match answer(&request, &options) {
        Answer::Upgrade { response, upgrade } => {
            let upgraded = hyper::upgrade::on(&mut request);
            tokio::spawn(async move {
                let Ok(upgraded) = upgraded.await else { return };
                let mut ws = upgrade.into_stream(TokioIo::new(upgraded));
                while let Some(Ok(message)) = ws.next().await {
                    if message.is_data() && ws.send(message).await.is_err() {
                        break;
                    }
                }
            });
            Ok(response.map(|()| Full::new(Bytes::new())))
        }
        Answer::Refuse(response) => Ok(response.map(|body| Full::new(Bytes::from(body)))),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9002".to_owned());
    let listener = TcpListener::bind(&addr).await?;
    println!("hyper_server: ws://{}/ws", listener.local_addr()?);
    let options = Arc::new(ServerOptions::default().protocols(&["chat"]));
    loop {
        let (socket, _) = listener.accept().await?;
        let options = Arc::clone(&options);
        tokio::spawn(async move {
            let service = service_fn(move |request| route(request, Arc::clone(&options)));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(socket), service)
                .with_upgrades()
                .await;
        });
    }
}
