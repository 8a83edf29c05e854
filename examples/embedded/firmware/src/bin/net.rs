//! The network image: the WebSocket echo server on port 80 of QEMU's LAN9118, at
//! 10.0.2.15 on QEMU's user network, one server per TCP socket so several clients are
//! served at once. A connection that carries no message for [`IDLE_TIMEOUT`] is closed
//! (1001), so silent clients cannot hold the board's few sockets; the timeouts that
//! fire are reported on the semihosting console.
#![no_std]
#![no_main]

use cortex_m::singleton;
use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use smoltcp::time::Duration;
use wsframe_embedded::{EchoServer, ServerConfig, Stats};
use wsframe_firmware::clock;
use wsframe_firmware::network::{Network, SOCKETS};

/// How long a connection may carry no message (Autobahn's slowest cases pause for 1 s).
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

#[entry]
fn main() -> ! {
    let Some(peripherals) = cortex_m::Peripherals::take() else {
        wsframe_firmware::exit(false)
    };
    let mut net = Network::bring_up(peripherals.SYST);
    let handles = net.tcp;
    let config = ServerConfig {
        idle_timeout: Some(IDLE_TIMEOUT),
        ..ServerConfig::default()
    };
    let servers = singleton!(: [EchoServer<1024, 1280>; SOCKETS] =
        handles.map(|tcp| EchoServer::new(tcp, config)));
    let Some(servers) = servers else {
        wsframe_firmware::exit(false)
    };
    hprintln!("wsframe echo server on ws://10.0.2.15:80/");
    let mut reported = (0, 0, 0);
    loop {
        let now = clock::now();
        net.poll(now);
        for server in servers.iter_mut() {
            server.poll(now, &mut net.sockets);
        }
        let timeouts = servers
            .iter()
            .map(|s| s.stats())
            .fold((0, 0, 0), add_timeouts);
        if timeouts != reported {
            reported = timeouts;
            let (handshake, idle, close) = timeouts;
            hprintln!(
                "timeouts: handshake {}, idle {}, close {}",
                handshake,
                idle,
                close
            );
        }
        net.idle();
    }
}

fn add_timeouts((handshake, idle, close): (u32, u32, u32), stats: Stats) -> (u32, u32, u32) {
    (
        handshake + stats.handshake_timeouts,
        idle + stats.idle_timeouts,
        close + stats.close_timeouts,
    )
}
