//! Size probe, baseline: the skeleton of `size-core` (bytes in from a "device", bytes
//! out to it) copying input to output without WebSocket. Built to be measured, not run.
#![no_std]
#![no_main]

#[path = "../probe.rs"]
mod probe;

use cortex_m_rt::entry;

#[entry]
fn main() -> ! {
    let mut input = [0u8; 512];
    loop {
        let n = probe::receive(&mut input);
        probe::transmit(&input[..n]);
    }
}
