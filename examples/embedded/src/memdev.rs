//! A heap-free in-memory network device: every frame sent is received back.
//!
//! smoltcp's own `Loopback` keeps frames in a `VecDeque<Vec<u8>>`, which needs an
//! allocator. [`MemoryDevice`] keeps up to `SLOTS` frames of at most `MTU` bytes in a
//! fixed ring, so one interface can carry a client socket to a server socket on a
//! microcontroller as well as on the host. A frame sent while the ring is full is
//! dropped, like a busy wire would; TCP retransmits it.

use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

/// The frames in flight, oldest first.
#[derive(Debug)]
struct Ring<const SLOTS: usize, const MTU: usize> {
    frames: [[u8; MTU]; SLOTS],
    lens: [usize; SLOTS],
    head: usize,
    count: usize,
    /// Where a frame goes when the ring is full (it is then dropped).
    spare: [u8; MTU],
    dropped: u32,
}

impl<const SLOTS: usize, const MTU: usize> Ring<SLOTS, MTU> {
    /// Gives `f` a buffer of `len` bytes and keeps what it writes as the newest frame.
    fn push_with<R>(&mut self, len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
        // smoltcp never asks for more than the MTU it was told; a larger request is
        // served from nowhere and dropped.
        if self.count == SLOTS || len > MTU {
            self.dropped = self.dropped.saturating_add(1);
            let mut scratch = [0u8; 0];
            let buf = self.spare.get_mut(..len).unwrap_or(&mut scratch);
            return f(buf);
        }
        let slot = (self.head + self.count) % SLOTS;
        self.lens[slot] = len;
        self.count += 1;
        f(&mut self.frames[slot][..len])
    }

    /// Moves the oldest frame into `into`; returns its length.
    fn pop_into(&mut self, into: &mut [u8; MTU]) -> Option<usize> {
        if self.count == 0 {
            return None;
        }
        let slot = self.head;
        let len = self.lens[slot];
        into[..len].copy_from_slice(&self.frames[slot][..len]);
        self.head = (self.head + 1) % SLOTS;
        self.count -= 1;
        Some(len)
    }
}

/// A device whose transmitted frames come back as received frames, with room for
/// `SLOTS` frames of up to `MTU` bytes (Ethernet header included). No allocation.
#[derive(Debug)]
pub struct MemoryDevice<const SLOTS: usize, const MTU: usize> {
    ring: Ring<SLOTS, MTU>,
    /// The frame being handed to smoltcp by a receive token.
    current: [u8; MTU],
}

impl<const SLOTS: usize, const MTU: usize> MemoryDevice<SLOTS, MTU> {
    /// An empty device.
    pub const fn new() -> Self {
        Self {
            ring: Ring {
                frames: [[0; MTU]; SLOTS],
                lens: [0; SLOTS],
                head: 0,
                count: 0,
                spare: [0; MTU],
                dropped: 0,
            },
            current: [0; MTU],
        }
    }

    /// How many frames were dropped because the ring was full.
    pub fn dropped(&self) -> u32 {
        self.ring.dropped
    }

    /// How many frames wait to be received.
    pub fn pending(&self) -> usize {
        self.ring.count
    }
}

impl<const SLOTS: usize, const MTU: usize> Default for MemoryDevice<SLOTS, MTU> {
    fn default() -> Self {
        Self::new()
    }
}

/// The token handing one looped-back frame to smoltcp.
#[derive(Debug)]
pub struct MemoryRxToken<'a> {
    frame: &'a [u8],
}

/// The token taking one frame from smoltcp into the ring.
#[derive(Debug)]
pub struct MemoryTxToken<'a, const SLOTS: usize, const MTU: usize> {
    ring: &'a mut Ring<SLOTS, MTU>,
}

impl phy::RxToken for MemoryRxToken<'_> {
    fn consume<R, F>(self, f: F) -> R
    where
        F: FnOnce(&[u8]) -> R,
    {
        f(self.frame)
    }
}

impl<const SLOTS: usize, const MTU: usize> phy::TxToken for MemoryTxToken<'_, SLOTS, MTU> {
    fn consume<R, F>(self, len: usize, f: F) -> R
    where
        F: FnOnce(&mut [u8]) -> R,
    {
        self.ring.push_with(len, f)
    }
}

impl<const SLOTS: usize, const MTU: usize> Device for MemoryDevice<SLOTS, MTU> {
    type RxToken<'a>
        = MemoryRxToken<'a>
    where
        Self: 'a;
    type TxToken<'a>
        = MemoryTxToken<'a, SLOTS, MTU>
    where
        Self: 'a;

    fn receive(&mut self, _timestamp: Instant) -> Option<(Self::RxToken<'_>, Self::TxToken<'_>)> {
        let len = self.ring.pop_into(&mut self.current)?;
        Some((
            MemoryRxToken {
                frame: &self.current[..len],
            },
            MemoryTxToken {
                ring: &mut self.ring,
            },
        ))
    }

    fn transmit(&mut self, _timestamp: Instant) -> Option<Self::TxToken<'_>> {
        Some(MemoryTxToken {
            ring: &mut self.ring,
        })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = MTU;
        caps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smoltcp::phy::{RxToken, TxToken};

    #[test]
    fn frames_come_back_in_order_and_overflow_is_dropped() {
        let mut dev = MemoryDevice::<2, 64>::new();
        let now = Instant::from_millis(0);
        for byte in [1u8, 2, 3] {
            let tx = dev.transmit(now).unwrap();
            tx.consume(4, |buf| buf.fill(byte));
        }
        assert_eq!(dev.pending(), 2);
        assert_eq!(dev.dropped(), 1);
        let (rx, _) = dev.receive(now).unwrap();
        rx.consume(|frame| assert_eq!(frame, [1; 4]));
        let (rx, _) = dev.receive(now).unwrap();
        rx.consume(|frame| assert_eq!(frame, [2; 4]));
        assert!(dev.receive(now).is_none());
    }
}
