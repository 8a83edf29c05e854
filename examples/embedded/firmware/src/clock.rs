//! A millisecond clock: SysTick interrupts once per millisecond and counts.

use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use cortex_m_rt::exception;
use smoltcp::time::Instant;

/// The core clock of the mps2 boards (SYSCLK, 25 MHz).
const CORE_HZ: u32 = 25_000_000;

static MILLIS: AtomicU32 = AtomicU32::new(0);

/// Starts counting milliseconds.
pub fn start(mut syst: SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(CORE_HZ / 1000 - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Milliseconds since [`start`].
pub fn now() -> Instant {
    Instant::from_millis(i64::from(MILLIS.load(Ordering::Relaxed)))
}

#[exception]
fn SysTick() {
    MILLIS.fetch_add(1, Ordering::Relaxed);
}
