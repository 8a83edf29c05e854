//! embassy-net's device trait over the LAN9118 driver of the smoltcp images
//! (`../firmware/src/lan9118.rs`, shared as source).

use core::task::Context;

use embassy_net_driver::{Capabilities, Driver, HardwareAddress, LinkState};
use smoltcp::phy::Device;
use smoltcp::time::Instant;

use crate::lan9118::{self, Lan9118, MAX_FRAME};
use crate::time;

/// The board's MAC address (locally administered).
pub const MAC: [u8; 6] = [0x02, 0x00, 0x57, 0x53, 0x00, 0x02];

/// The controller, as embassy-net's device.
pub struct Nic(pub &'static mut Lan9118);

/// A received frame.
pub struct Rx<'a>(lan9118::RxToken<'a>);

/// Room for a frame to send.
pub struct Tx<'a>(lan9118::TxToken<'a>);

impl embassy_net_driver::RxToken for Rx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, f: F) -> R {
        self.0.consume_mut(f)
    }
}

impl embassy_net_driver::TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        smoltcp::phy::TxToken::consume(self.0, len, f)
    }
}

impl Driver for Nic {
    type RxToken<'a>
        = Rx<'a>
    where
        Self: 'a;
    type TxToken<'a>
        = Tx<'a>
    where
        Self: 'a;

    fn receive(&mut self, cx: &mut Context<'_>) -> Option<(Rx<'_>, Tx<'_>)> {
        // The driver takes no timestamps.
        match Device::receive(&mut *self.0, Instant::ZERO) {
            Some((rx, tx)) => Some((Rx(rx), Tx(tx))),
            None => {
                // No interrupt is wired up: look again on the next tick.
                time::wake_network_on_tick(cx.waker());
                None
            }
        }
    }

    fn transmit(&mut self, _cx: &mut Context<'_>) -> Option<Tx<'_>> {
        Device::transmit(&mut *self.0, Instant::ZERO).map(Tx)
    }

    fn link_state(&mut self, _cx: &mut Context<'_>) -> LinkState {
        // QEMU's user network is always up.
        LinkState::Up
    }

    fn capabilities(&self) -> Capabilities {
        let mut caps = Capabilities::default();
        caps.max_transmission_unit = MAX_FRAME;
        caps
    }

    fn hardware_address(&self) -> HardwareAddress {
        HardwareAddress::Ethernet(MAC)
    }
}
