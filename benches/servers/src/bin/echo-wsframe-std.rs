//! Echo server on wsframe-std, as the repository README shows: a thread per
//! connection, `WebSocket::accept`, then every text or binary message sent back (pings
//! are answered and the close is echoed inside `read`).

use std::net::TcpListener;

use wsframe_std::{Message, WebSocket};

fn main() -> std::io::Result<()> {
    wsframe_server_bench::raise_open_files();
    let listener = TcpListener::bind(wsframe_server_bench::listen_addr())?;
    for stream in listener.incoming() {
        let stream = stream?;
        let _ = stream.set_nodelay(true);
        std::thread::spawn(move || {
            let Ok(mut ws) = WebSocket::accept(stream) else {
                return;
            };
            while let Ok(message) = ws.read() {
                let sent = match message {
                    Message::Text(text) => ws.send_text(&text),
                    Message::Binary(data) => ws.send_binary(&data),
                    _ => Ok(()),
                };
                if sent.is_err() {
                    break;
                }
            }
        });
    }
    Ok(())
}
