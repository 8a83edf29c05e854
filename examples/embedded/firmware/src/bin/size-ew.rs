//! Size probe for comparison: the same server work as `size-core` done with the
//! `embedded-websocket` crate (request parsed with httparse, accept, frames read and
//! echoed, pongs and close replies written by the caller). Built to be measured.
#![no_std]
#![no_main]

#[path = "../probe.rs"]
mod probe;

use cortex_m_rt::entry;
use embedded_websocket as ews;
use ews::{WebSocketReceiveMessageType as Rx, WebSocketSendMessageType as Tx};

fn serve(input: &[u8], out: &mut [u8]) -> Option<usize> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut headers);
    let httparse::Status::Complete(head_len) = request.parse(input).ok()? else {
        return None;
    };
    let context =
        ews::read_http_header(request.headers.iter().map(|h| (h.name, h.value))).ok()??;
    let mut ws = ews::WebSocketServer::new_server();
    let mut written = ws
        .server_accept(&context.sec_websocket_key, None, out)
        .ok()?;
    let mut pos = head_len;
    let mut payload = [0u8; 512];
    while pos < input.len() {
        let read = ws.read(&input[pos..], &mut payload).ok()?;
        pos += read.len_from;
        let data = &payload[..read.len_to];
        let kind = match read.message_type {
            Rx::Text => Tx::Text,
            Rx::Binary => Tx::Binary,
            Rx::Ping => Tx::Pong,
            Rx::CloseMustReply => Tx::CloseReply,
            _ => continue,
        };
        written += ws
            .write(kind, read.end_of_message, data, &mut out[written..])
            .ok()?;
    }
    Some(written)
}

#[entry]
fn main() -> ! {
    let mut input = [0u8; 512];
    let mut out = [0u8; 512];
    loop {
        let n = probe::receive(&mut input);
        let written = serve(&input[..n], &mut out).unwrap_or(0);
        probe::transmit(&out[..written]);
    }
}
