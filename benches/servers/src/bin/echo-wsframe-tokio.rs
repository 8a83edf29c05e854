//! Echo server on wsframe-tokio in the simplest shape: `accept`, then every text or
//! binary message sent back with `send` (a flush per message; pongs and the close reply
//! are sent inside `next`). Its README shows the `forward` shape
//! (`echo-wsframe-tokio-forward`), which flushes once per burst.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    wsframe_server_bench::raise_open_files();
    let listener = TcpListener::bind(wsframe_server_bench::listen_addr()).await?;
    loop {
        let (socket, _) = listener.accept().await?;
        let _ = socket.set_nodelay(true);
        tokio::spawn(async move {
            let Ok(mut ws) = wsframe_tokio::accept(socket).await else {
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
