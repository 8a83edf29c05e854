//! The network side of the images: the LAN9118, a smoltcp interface with the static
//! address QEMU's user networking expects (10.0.2.15/24, gateway 10.0.2.2) and
//! [`SOCKETS`] TCP sockets. Everything lives in statics, so `size` reports the RAM it
//! takes.

use cortex_m::singleton;
use cortex_m_semihosting::hprintln;
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet, SocketStorage};
use smoltcp::socket::tcp;
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, IpCidr, Ipv4Address};

use crate::clock;
use crate::lan9118::{Lan9118, MPS2_BASE};

/// The board's MAC address (locally administered).
pub const MAC: [u8; 6] = [0x02, 0x00, 0x57, 0x53, 0x00, 0x01];

/// Bytes of each TCP socket buffer.
pub const TCP_BUFFER: usize = 2048;

/// TCP sockets, each listening on the same port for one client: with several, a client
/// arriving while others are connected or closing is served instead of reset.
pub const SOCKETS: usize = 4;

/// The interface, its device and the socket set with [`SOCKETS`] TCP sockets.
pub struct Network {
    nic: &'static mut Lan9118,
    iface: Interface,
    /// The sockets; [`Network::tcp`] are the TCP sockets.
    pub sockets: SocketSet<'static>,
    /// The TCP sockets.
    pub tcp: [SocketHandle; SOCKETS],
}

impl Network {
    /// Starts the clock, resets the NIC and configures the interface. Call once: a
    /// second call finds the statics taken and fails the image.
    pub fn bring_up(syst: cortex_m::peripheral::SYST) -> Self {
        clock::start(syst);
        // SAFETY: the LAN9118 of the mps2 boards is at MPS2_BASE, and the singleton
        // guarantees only this driver instance uses it.
        let nic = singleton!(: Lan9118 = unsafe { Lan9118::new(MPS2_BASE) });
        let rx = singleton!(: [[u8; TCP_BUFFER]; SOCKETS] = [[0; TCP_BUFFER]; SOCKETS]);
        let tx = singleton!(: [[u8; TCP_BUFFER]; SOCKETS] = [[0; TCP_BUFFER]; SOCKETS]);
        let slots =
            singleton!(: [SocketStorage<'static>; SOCKETS] = [SocketStorage::EMPTY; SOCKETS]);
        let (Some(nic), Some(rx), Some(tx), Some(slots)) = (nic, rx, tx, slots) else {
            crate::exit(false)
        };
        if let Err(e) = nic.init(MAC) {
            hprintln!("lan9118: {:?}", e);
            crate::exit(false)
        }
        let config = Config::new(EthernetAddress(MAC).into());
        let mut iface = Interface::new(config, nic, clock::now());
        iface.update_ip_addrs(|addrs| {
            let _ = addrs.push(IpCidr::new(Ipv4Address::new(10, 0, 2, 15).into(), 24));
        });
        let _ = iface
            .routes_mut()
            .add_default_ipv4_route(Ipv4Address::new(10, 0, 2, 2));
        let mut sockets = SocketSet::new(&mut slots[..]);
        let mut buffers = rx.iter_mut().zip(tx.iter_mut());
        let tcp = [(); SOCKETS].map(|()| {
            let Some((rx, tx)) = buffers.next() else {
                crate::exit(false)
            };
            sockets.add(tcp::Socket::new(
                tcp::SocketBuffer::new(&mut rx[..]),
                tcp::SocketBuffer::new(&mut tx[..]),
            ))
        });
        Self {
            nic,
            iface,
            sockets,
            tcp,
        }
    }

    /// Moves frames between the NIC and the sockets.
    pub fn poll(&mut self, now: Instant) {
        self.iface.poll(now, self.nic, &mut self.sockets);
    }

    /// Sleeps until the next SysTick unless a frame waits.
    pub fn idle(&self) {
        if !self.nic.rx_pending() {
            cortex_m::asm::wfi();
        }
    }
}
