//! The network image: the WebSocket echo server on port 80 of QEMU's LAN9118, with the
//! static address QEMU's user networking expects (10.0.2.15/24, gateway 10.0.2.2).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use smoltcp::iface::{Config, Interface, SocketSet, SocketStorage};
use smoltcp::socket::tcp;
use smoltcp::wire::{EthernetAddress, IpCidr, Ipv4Address};
use wsframe_embedded::{EchoServer, ServerConfig};
use wsframe_firmware::clock;
use wsframe_firmware::lan9118::{Lan9118, MPS2_BASE};

const MAC: [u8; 6] = [0x02, 0x00, 0x57, 0x53, 0x00, 0x01];

#[entry]
fn main() -> ! {
    let Some(peripherals) = cortex_m::Peripherals::take() else {
        wsframe_firmware::exit(false)
    };
    clock::start(peripherals.SYST);

    // SAFETY: the LAN9118 of the mps2 boards is at MPS2_BASE and only this driver uses it.
    let mut nic = unsafe { Lan9118::new(MPS2_BASE) };
    if let Err(e) = nic.init(MAC) {
        hprintln!("lan9118: {:?}", e);
        wsframe_firmware::exit(false)
    }

    let config = Config::new(EthernetAddress(MAC).into());
    let mut iface = Interface::new(config, &mut nic, clock::now());
    iface.update_ip_addrs(|addrs| {
        let _ = addrs.push(IpCidr::new(Ipv4Address::new(10, 0, 2, 15).into(), 24));
    });
    let _ = iface
        .routes_mut()
        .add_default_ipv4_route(Ipv4Address::new(10, 0, 2, 2));

    let mut rx = [0u8; 2048];
    let mut tx = [0u8; 2048];
    let socket = tcp::Socket::new(
        tcp::SocketBuffer::new(&mut rx[..]),
        tcp::SocketBuffer::new(&mut tx[..]),
    );
    let mut slots = [SocketStorage::EMPTY; 1];
    let mut sockets = SocketSet::new(&mut slots[..]);
    let handle = sockets.add(socket);
    let mut server = EchoServer::<1024, 1280>::new(handle, ServerConfig::default());

    hprintln!("wsframe echo server on ws://10.0.2.15:80/");
    loop {
        let now = clock::now();
        iface.poll(now, &mut nic, &mut sockets);
        server.poll(now, &mut sockets);
        if !nic.rx_pending() {
            // SysTick wakes the core every millisecond.
            cortex_m::asm::wfi();
        }
    }
}
