//! Board support for the wsframe firmware images on QEMU's `mps2-an386` (Cortex-M4F):
//! a millisecond clock from SysTick, a polled LAN9118 Ethernet driver for smoltcp, the
//! network set-up, and a panic handler that reports failure through semihosting.
#![no_std]
#![warn(missing_docs)]

pub mod clock;
pub mod lan9118;
pub mod network;

use core::panic::PanicInfo;
use cortex_m_semihosting::{debug, hprintln};

/// Reports the result through the semihosting exit status (QEMU's exit code).
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Without a debugger attached the exit call returns; stay here.
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    hprintln!("panic: {}", info);
    exit(false)
}
