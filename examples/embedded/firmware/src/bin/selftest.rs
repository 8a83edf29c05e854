//! The self-test image: the echo server and a client on one interface over the
//! in-memory device, inside the microcontroller. QEMU exits 0 when every check passed.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use wsframe_embedded::selftest;
use wsframe_embedded::testbed::{socket_slots, TcpBuffers};

#[entry]
fn main() -> ! {
    let mut slots = socket_slots();
    let mut buffers = TcpBuffers::new();
    match selftest::run(&mut slots, &mut buffers) {
        Ok(()) => {
            hprintln!("wsframe self-test: passed");
            wsframe_firmware::exit(true)
        }
        Err(what) => {
            hprintln!("wsframe self-test: FAILED: {}", what);
            wsframe_firmware::exit(false)
        }
    }
}
