//! The embassy image for QEMU `mps2-an386`: a WebSocket echo server on embassy-net,
//! one task per connection ([`CONNECTIONS`] at once), each echoing messages piece by
//! piece through `wsframe-embedded-io`, so no message size needs a bigger buffer.
//!
//! Timers: a handshake timeout, and [`KEEPALIVE`] (the idle and close timeouts of
//! `wsframe-embedded-io`, and with the `heartbeat` feature a ping every 2 s that drops a
//! peer silent for 2 s more).
//!
//! The board support is this crate's: an embassy-net device over the LAN9118 driver
//! ([`nic`]) and an embassy-time driver on SysTick ([`time`]).
#![no_std]
#![no_main]

#[path = "../../firmware/src/lan9118.rs"]
#[allow(dead_code)]
mod lan9118;
mod nic;
mod time;

use core::panic::PanicInfo;

use cortex_m::singleton;
use cortex_m_semihosting::{debug, hprintln};
use embassy_executor::Spawner;
use embassy_net::tcp::TcpSocket;
use embassy_net::{Ipv4Address, Ipv4Cidr, Runner, Stack, StackResources, StaticConfigV4};
use embassy_time::{with_deadline, with_timeout, Duration, Instant};
use wsframe::{Config, DataKind};
use wsframe_embedded_io::{KeepAlive, Message, WebSocket};

use crate::lan9118::{Lan9118, MPS2_BASE};
use crate::nic::{Nic, MAC};

/// Clients served at once: one task and one TCP socket each.
const CONNECTIONS: usize = 4;
/// Bytes of each TCP socket's receive and of its send buffer.
const TCP_BUFFER: usize = 1024;
/// Bytes of each connection's WebSocket receive buffer: the largest opening request
/// and the largest piece of a message.
const WS_BUFFER: usize = 1024;
/// How long a client may take to send its opening request.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a connection may stay silent (Autobahn's slowest cases pause for 1 s).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// The WebSocket's timers: a connection that carries no message for the idle timeout
/// is closed (1001), and one whose close goes unanswered is dropped after 2 s. The
/// heartbeat is a build option: Autobahn's fuzzing client records a server's ping as a
/// frame its cases did not expect, so the image it tests has none.
const KEEPALIVE: KeepAlive = if cfg!(feature = "heartbeat") {
    KeepAlive {
        ping_interval_ms: Some(2_000),
        pong_timeout_ms: Some(2_000),
        idle_timeout_ms: Some(5_000),
        close_timeout_ms: Some(2_000),
    }
} else {
    KeepAlive {
        ping_interval_ms: None,
        pong_timeout_ms: None,
        idle_timeout_ms: Some(IDLE_TIMEOUT.as_millis() as u32),
        close_timeout_ms: Some(2_000),
    }
};

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let Some(peripherals) = cortex_m::Peripherals::take() else {
        exit(false)
    };
    time::start(peripherals.SYST);
    // SAFETY: the LAN9118 of the mps2 boards is at MPS2_BASE, and the singleton
    // guarantees only this driver instance uses it.
    let Some(lan) = singleton!(: Lan9118 = unsafe { Lan9118::new(MPS2_BASE) }) else {
        exit(false)
    };
    if lan.init(MAC).is_err() {
        exit(false)
    }
    let config = embassy_net::Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(Ipv4Address::new(10, 0, 2, 15), 24),
        gateway: Some(Ipv4Address::new(10, 0, 2, 2)),
        dns_servers: Default::default(),
    });
    let Some(resources) = singleton!(: StackResources<CONNECTIONS> = StackResources::new()) else {
        exit(false)
    };
    // The seed only varies TCP's initial sequence numbers; an emulated board has no
    // entropy source worth the name.
    let (stack, runner) = embassy_net::new(Nic(lan), config, resources, 0x5753_4652_414d_4531);
    let Ok(token) = network(runner) else {
        exit(false)
    };
    spawner.spawn(token);
    for _ in 0..CONNECTIONS {
        let Ok(token) = connection(stack) else {
            exit(false)
        };
        spawner.spawn(token);
    }
    hprintln!("wsframe embassy echo server on ws://10.0.2.15:80/");
}

#[embassy_executor::task]
async fn network(mut runner: Runner<'static, Nic>) -> ! {
    runner.run().await
}

/// Serves one client after another on its own socket.
#[embassy_executor::task(pool_size = CONNECTIONS)]
async fn connection(stack: Stack<'static>) -> ! {
    let mut rx = [0u8; TCP_BUFFER];
    let mut tx = [0u8; TCP_BUFFER];
    loop {
        let mut socket = TcpSocket::new(stack, &mut rx, &mut tx);
        socket.set_timeout(Some(IDLE_TIMEOUT));
        if socket.accept(80).await.is_err() {
            continue;
        }
        serve(&mut socket).await;
        // The server closes TCP first after the closing handshake (§7.1.1).
        socket.close();
        let _ = with_timeout(Duration::from_secs(2), socket.flush()).await;
        socket.abort();
        let _ = with_timeout(Duration::from_millis(100), socket.flush()).await;
    }
}

/// Accepts the WebSocket and echoes until it closes or fails.
async fn serve(socket: &mut TcpSocket<'_>) {
    let mut buf = [0u8; WS_BUFFER];
    let config = Config {
        // The echo streams: no message is held, so none is too large.
        max_frame_len: u64::MAX,
        max_message_len: u64::MAX,
        max_fragments: u32::MAX,
        ..Config::default()
    };
    let accepted = with_timeout(
        HANDSHAKE_TIMEOUT,
        WebSocket::accept(socket, &mut buf, config),
    );
    let Ok(Ok(mut ws)) = accepted.await else {
        return;
    };
    ws.set_keepalive(KEEPALIVE, || Instant::now().as_millis());
    loop {
        // `recv` acts on the timers; a read waiting for bytes is cut off when one falls
        // due (`recv` is cancel-safe) and the next call takes it from there.
        let received = match ws.next_deadline() {
            Some(at) => match with_deadline(Instant::from_millis(at), ws.recv(&mut buf)).await {
                Ok(received) => received,
                Err(_) => continue,
            },
            None => ws.recv(&mut buf).await,
        };
        let (kind, payload, fin) = match received {
            Ok(Message::Text(text)) => (DataKind::Text, text.as_bytes(), true),
            Ok(Message::Binary(data)) => (DataKind::Binary, data, true),
            Ok(Message::Piece(piece)) => (piece.kind, piece.payload, piece.last),
            // Pongs and the close reply are written inside `recv`.
            Ok(_) => continue,
            Err(_) => return,
        };
        // Each piece goes back out straight from the receive buffer.
        if ws.send_fragment(kind, payload, fin).await.is_err() {
            return;
        }
    }
}

/// Reports the result through the semihosting exit status (QEMU's exit code).
fn exit(ok: bool) -> ! {
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    hprintln!("panic: {}", info);
    exit(false)
}
