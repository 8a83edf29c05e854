//! The network image: the WebSocket echo server on port 80 of QEMU's LAN9118, at
//! 10.0.2.15 on QEMU's user network, one server per TCP socket so several clients are
//! served at once.
#![no_std]
#![no_main]

use cortex_m::singleton;
use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use wsframe_embedded::{EchoServer, ServerConfig};
use wsframe_firmware::clock;
use wsframe_firmware::network::{Network, SOCKETS};

#[entry]
fn main() -> ! {
    let Some(peripherals) = cortex_m::Peripherals::take() else {
        wsframe_firmware::exit(false)
    };
    let mut net = Network::bring_up(peripherals.SYST);
    let handles = net.tcp;
    let servers = singleton!(: [EchoServer<1024, 1280>; SOCKETS] =
        handles.map(|tcp| EchoServer::new(tcp, ServerConfig::default())));
    let Some(servers) = servers else {
        wsframe_firmware::exit(false)
    };
    hprintln!("wsframe echo server on ws://10.0.2.15:80/");
    loop {
        let now = clock::now();
        net.poll(now);
        for server in servers.iter_mut() {
            server.poll(now, &mut net.sockets);
        }
        net.idle();
    }
}
