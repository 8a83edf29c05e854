//! Size probe, baseline: the skeleton of `size-core` (bytes in from a "device", bytes
//! out to it) copying input to output without WebSocket. Built to be measured, not run.
#![no_std]
#![no_main]

use core::panic::PanicInfo;
use core::ptr::{addr_of, addr_of_mut};

use cortex_m_rt::entry;

static mut DEVICE_IN: [u8; 512] = [0; 512];
static mut DEVICE_OUT: [u8; 512] = [0; 512];

/// Reads what the "device" received; volatile, so nothing is known at compile time.
fn receive(buf: &mut [u8; 512]) -> usize {
    for (i, b) in buf.iter_mut().enumerate() {
        // SAFETY: in bounds of a static only this image touches, one thread.
        *b = unsafe { addr_of!(DEVICE_IN[i]).read_volatile() };
    }
    usize::from(buf[0]) + 256
}

fn transmit(bytes: &[u8]) {
    for (i, b) in bytes.iter().enumerate().take(512) {
        // SAFETY: as in `receive`.
        unsafe { addr_of_mut!(DEVICE_OUT[i]).write_volatile(*b) };
    }
}

#[entry]
fn main() -> ! {
    let mut input = [0u8; 512];
    loop {
        let n = receive(&mut input);
        transmit(&input[..n]);
    }
}

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {}
}
