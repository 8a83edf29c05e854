//! The skeleton every size probe shares: bytes in from a "device", bytes out to it, and a
//! panic handler that only loops. Volatile accesses, so nothing is known at compile time
//! and the work in between cannot be folded away. Included by each probe with `#[path]`
//! rather than through the library, whose panic handler reports through semihosting and
//! would add its formatting to every probe.

use core::panic::PanicInfo;
use core::ptr::{addr_of, addr_of_mut};

static mut DEVICE_IN: [u8; 512] = [0; 512];
static mut DEVICE_OUT: [u8; 512] = [0; 512];

/// Reads what the "device" received; returns how many bytes of `buf` to use.
pub fn receive(buf: &mut [u8; 512]) -> usize {
    for (i, b) in buf.iter_mut().enumerate() {
        // SAFETY: in bounds of a static only this image touches, one thread.
        *b = unsafe { addr_of!(DEVICE_IN[i]).read_volatile() };
    }
    usize::from(buf[0]) + 256
}

/// Hands up to 512 bytes to the "device".
pub fn transmit(bytes: &[u8]) {
    for (i, b) in bytes.iter().enumerate().take(512) {
        // SAFETY: as in `receive`.
        unsafe { addr_of_mut!(DEVICE_OUT[i]).write_volatile(*b) };
    }
}

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {}
}
