//! The scenario of the self-test image: a client and the server on one interface.
//!
//! It checks, over real smoltcp TCP, the handshake, text and binary echoes (a 16-bit
//! length among them), a fragmented message, ping/pong, a clean close, a refused
//! request, an oversized message and that the server listens again after each client.

use smoltcp::iface::SocketStorage;
use wsframe::{CloseCode, DataKind};

use crate::server::ServerConfig;
use crate::testbed::{Fail, Received, TcpBuffers, Testbed, WsClient};

/// Runs the scenario on the caller's storage; `Ok` when every check passed.
pub fn run<'a>(
    slots: &'a mut [SocketStorage<'a>; 2],
    buffers: &'a mut TcpBuffers,
) -> Result<(), Fail> {
    // A 4 KiB message limit, so that the 1009 for an oversized message is checked too
    // (the default has none: the echo streams).
    let mut config = ServerConfig::default();
    config.ws.max_frame_len = 4096;
    config.ws.max_message_len = 4096;
    let mut tb = Testbed::new(slots, buffers, config);
    let mut buf = [0u8; 4096];

    // Echoes, a fragmented message, ping and a clean close.
    let mut client = WsClient::new([1; 32]);
    client.open(&mut tb, "/")?;
    client.send(&mut tb, DataKind::Text, b"hello", true)?;
    expect(
        client.next(&mut tb, &mut buf)?,
        Received::Message(DataKind::Text, 5),
    )?;
    check(&buf[..5] == b"hello", "text echo")?;
    let mut big = [0u8; 3000];
    for (i, b) in big.iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    client.send(&mut tb, DataKind::Binary, &big, true)?;
    expect(
        client.next(&mut tb, &mut buf)?,
        Received::Message(DataKind::Binary, big.len()),
    )?;
    check(buf[..big.len()] == big[..], "binary echo")?;
    client.send(&mut tb, DataKind::Text, b"frag", false)?;
    client.ping(&mut tb, b"p")?;
    client.send(&mut tb, DataKind::Text, b"mented", true)?;
    expect(client.next(&mut tb, &mut buf)?, Received::Pong(1))?;
    check(client.last_pong() == b"p", "pong payload")?;
    expect(
        client.next(&mut tb, &mut buf)?,
        Received::Message(DataKind::Text, 10),
    )?;
    check(&buf[..10] == b"fragmented", "fragmented echo")?;
    client.close(&mut tb, CloseCode::NORMAL)?;
    expect(client.next(&mut tb, &mut buf)?, Received::Close(Some(1000)))?;
    check(tb.recv_to_end(&mut buf)? == 0, "server closes after close")?;
    tb.close_client()?;

    // A request without a key is refused with 400.
    tb.connect()?;
    tb.send(b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n")?;
    let n = tb.recv_to_end(&mut buf)?;
    check(
        buf[..n].starts_with(b"HTTP/1.1 400 "),
        "400 for a bad request",
    )?;
    tb.close_client()?;

    // A message over the configured limit is refused with 1009.
    let mut client = WsClient::new([2; 32]);
    client.open(&mut tb, "/")?;
    client.send(&mut tb, DataKind::Binary, &[0; 4097], true)?;
    expect(client.next(&mut tb, &mut buf)?, Received::Close(Some(1009)))?;
    tb.close_client()?;

    let stats = tb.server.stats();
    check(
        stats.connections == 3 && stats.accepted == 2 && stats.rejected == 1 && stats.failed == 1,
        "server stats",
    )
}

fn expect(got: Option<Received>, want: Received) -> Result<(), Fail> {
    check(got == Some(want), "unexpected reply")
}

fn check(ok: bool, what: Fail) -> Result<(), Fail> {
    if ok {
        Ok(())
    } else {
        Err(what)
    }
}
