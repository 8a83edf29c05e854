//! Echo server on wsframe-tokio in the shape of tokio-tungstenite's echo example: the
//! stream split into halves, the read half filtered to text and binary and forwarded
//! into the write half. `forward` feeds the sink while messages are ready and flushes
//! only when the stream has nothing more, so a stream and sink that leave buffered
//! frames alone until the flush can answer many messages with one write.

use futures_util::{future, StreamExt, TryStreamExt};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    wsframe_server_bench::raise_open_files();
    let listener = TcpListener::bind(wsframe_server_bench::listen_addr()).await?;
    loop {
        let (socket, _) = listener.accept().await?;
        let _ = socket.set_nodelay(true);
        tokio::spawn(async move {
            let Ok(ws) = wsframe_tokio::accept(socket).await else {
                return;
            };
            let (read, write) = ws.split();
            let _ = read
                .try_filter(|m| future::ready(m.is_data()))
                .forward(write)
                .await;
        });
    }
}
