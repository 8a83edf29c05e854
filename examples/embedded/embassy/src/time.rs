//! An embassy-time driver on SysTick (none exists for the mps2 boards): a 1 kHz tick
//! counts milliseconds and wakes the timers that are due, and the network driver.
//!
//! The tick also stands in for the Ethernet interrupt: the LAN9118 driver is polled,
//! so a network poll that found no frame is woken on the next tick (at most 1 ms of
//! added latency, and the CPU sleeps in between).

use core::cell::{Cell, RefCell};
use core::task::Waker;

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use cortex_m_rt::exception;
use critical_section::Mutex;
use embassy_time_driver::Driver;
use embassy_time_queue_utils::Queue;

/// The core clock of the mps2 boards (SYSCLK, 25 MHz).
const CORE_HZ: u32 = 25_000_000;

struct SysTickDriver {
    /// Milliseconds since [`start`]; 64 bits, so it never wraps.
    ticks: Mutex<Cell<u64>>,
    /// The timers of every task (embassy's integrated timer queue).
    queue: Mutex<RefCell<Queue>>,
    /// The network driver's waker, when it last found nothing to do.
    network: Mutex<RefCell<Option<Waker>>>,
}

embassy_time_driver::time_driver_impl!(static DRIVER: SysTickDriver = SysTickDriver {
    ticks: Mutex::new(Cell::new(0)),
    queue: Mutex::new(RefCell::new(Queue::new())),
    network: Mutex::new(RefCell::new(None)),
});

impl Driver for SysTickDriver {
    fn now(&self) -> u64 {
        critical_section::with(|cs| self.ticks.borrow(cs).get())
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        // Due timers are woken by the next tick, so no alarm needs to be set here.
        critical_section::with(|cs| {
            self.queue.borrow_ref_mut(cs).schedule_wake(at, waker);
        });
    }
}

/// Starts the 1 kHz tick.
pub fn start(mut syst: SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(CORE_HZ / 1000 - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Wakes `waker` on the next tick.
pub fn wake_network_on_tick(waker: &Waker) {
    critical_section::with(|cs| {
        let mut slot = DRIVER.network.borrow_ref_mut(cs);
        match slot.as_ref() {
            Some(w) if w.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    });
}

#[exception]
fn SysTick() {
    critical_section::with(|cs| {
        let ticks = DRIVER.ticks.borrow(cs);
        let now = ticks.get() + 1;
        ticks.set(now);
        DRIVER.queue.borrow_ref_mut(cs).next_expiration(now);
        if let Some(waker) = DRIVER.network.borrow_ref_mut(cs).take() {
            waker.wake();
        }
    });
}
