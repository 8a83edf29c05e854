//! Echo server on tokio-websockets 0.13, as its README and `examples/echo_server.rs`:
//! `ServerBuilder::accept`, then every text or binary item sent back through the sink
//! (pings and the close reply are handled inside the stream).

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_websockets::{Error, ServerBuilder};

#[tokio::main]
async fn main() -> Result<(), Error> {
    wsframe_server_bench::raise_open_files();
    let listener = TcpListener::bind(wsframe_server_bench::listen_addr()).await?;
    loop {
        let (conn, _) = listener.accept().await?;
        let _ = conn.set_nodelay(true);
        tokio::spawn(async move {
            let (_request, mut server) = ServerBuilder::new().accept(conn).await?;
            while let Some(Ok(item)) = server.next().await {
                if item.is_text() || item.is_binary() {
                    server.send(item).await?;
                }
            }
            Ok::<_, Error>(())
        });
    }
}
