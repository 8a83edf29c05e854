//! Echo server on tokio-tungstenite 0.30, as its `examples/echo-server.rs`: the message
//! stream, filtered to text and binary, forwarded into the sink.

use futures_util::{future, StreamExt, TryStreamExt};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    wsframe_server_bench::raise_open_files();
    let listener = TcpListener::bind(wsframe_server_bench::listen_addr()).await?;
    while let Ok((stream, _)) = listener.accept().await {
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            let (write, read) = ws.split();
            let _ = read
                .try_filter(|m| future::ready(m.is_text() || m.is_binary()))
                .forward(write)
                .await;
        });
    }
    Ok(())
}
