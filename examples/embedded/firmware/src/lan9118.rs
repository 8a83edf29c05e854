//! A small polled driver for the SMSC LAN9118 Ethernet controller, as QEMU models it
//! on the mps2 boards (at `0x4020_0000`), implementing smoltcp's [`Device`].
//!
//! The controller is driven through its FIFO ports in 32-bit mode, without
//! interrupts: the receive status FIFO says when a frame waits, a frame is pushed to
//! the transmit data FIFO as one buffer (command A, command B, data words). Frame
//! bytes travel little-endian within each FIFO word.

use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

/// Where QEMU maps the controller on mps2-an385/an386/an500.
pub const MPS2_BASE: usize = 0x4020_0000;

/// The largest Ethernet frame handled (without the FCS).
pub const MAX_FRAME: usize = 1514;

// Register offsets (LAN9118 datasheet, "System Control and Status Registers").
const RX_DATA_FIFO: usize = 0x00;
const TX_DATA_FIFO: usize = 0x20;
const RX_STATUS_FIFO: usize = 0x40;
const TX_STATUS_FIFO: usize = 0x48;
const BYTE_TEST: usize = 0x64;
const TX_CFG: usize = 0x70;
const HW_CFG: usize = 0x74;
const RX_FIFO_INF: usize = 0x7c;
const TX_FIFO_INF: usize = 0x80;
const PMT_CTRL: usize = 0x84;
const MAC_CSR_CMD: usize = 0xa4;
const MAC_CSR_DATA: usize = 0xa8;

// MAC control and status registers, reached through MAC_CSR_CMD/DATA.
const MAC_CR: u32 = 1;
const MAC_ADDRH: u32 = 2;
const MAC_ADDRL: u32 = 3;

const BYTE_TEST_VALUE: u32 = 0x8765_4321;
const HW_CFG_SRST: u32 = 1;
const PMT_CTRL_READY: u32 = 1;
const MAC_CSR_BUSY: u32 = 1 << 31;
const MAC_CR_FDPX: u32 = 1 << 20;
const MAC_CR_TXEN: u32 = 1 << 3;
const MAC_CR_RXEN: u32 = 1 << 2;
const TX_CFG_TXSAO: u32 = 1 << 2;
const TX_CFG_TX_ON: u32 = 1 << 1;
const TX_CMD_A_FIRST: u32 = 1 << 13;
const TX_CMD_A_LAST: u32 = 1 << 12;
const RX_STS_ERROR: u32 = 1 << 15;

/// How many register polls a reset or MAC access may take.
const MAX_SPINS: u32 = 100_000;

/// Why the controller could not be brought up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitError {
    /// The byte-order test register did not read back its fixed value: no LAN9118 there.
    NotFound,
    /// The soft reset or a MAC register access did not complete.
    Timeout,
}

/// The controller's registers.
#[derive(Debug)]
struct Regs {
    base: usize,
    /// Frames dropped on receive (errors, oversize) or transmit (FIFO full).
    dropped: u32,
}

/// The controller and its frame buffers.
#[derive(Debug)]
pub struct Lan9118 {
    regs: Regs,
    rx: [u8; MAX_FRAME + 4],
    tx: [u8; MAX_FRAME],
}

impl Lan9118 {
    /// The controller at `base`.
    ///
    /// # Safety
    ///
    /// `base` must be the address of a LAN9118's registers, and nothing else may use
    /// them while this value lives.
    pub const unsafe fn new(base: usize) -> Self {
        Self {
            regs: Regs { base, dropped: 0 },
            rx: [0; MAX_FRAME + 4],
            tx: [0; MAX_FRAME],
        }
    }

    /// Resets the controller, sets its MAC address and turns the receiver and the
    /// transmitter on (accepting frames for `mac` and broadcasts).
    pub fn init(&mut self, mac: [u8; 6]) -> Result<(), InitError> {
        let regs = &self.regs;
        if regs.read(BYTE_TEST) != BYTE_TEST_VALUE {
            return Err(InitError::NotFound);
        }
        regs.write(HW_CFG, HW_CFG_SRST);
        regs.spin_until(|r| r.read(HW_CFG) & HW_CFG_SRST == 0)?;
        regs.spin_until(|r| r.read(PMT_CTRL) & PMT_CTRL_READY != 0)?;
        regs.mac_write(
            MAC_ADDRL,
            u32::from_le_bytes([mac[0], mac[1], mac[2], mac[3]]),
        )?;
        regs.mac_write(MAC_ADDRH, u32::from_le_bytes([mac[4], mac[5], 0, 0]))?;
        regs.mac_write(MAC_CR, MAC_CR_FDPX | MAC_CR_TXEN | MAC_CR_RXEN)?;
        // TXSAO: a full status FIFO must not stall transmission (the statuses are
        // drained but never needed).
        regs.write(TX_CFG, TX_CFG_TX_ON | TX_CFG_TXSAO);
        Ok(())
    }

    /// Frames dropped so far.
    pub fn dropped(&self) -> u32 {
        self.regs.dropped
    }

    /// Whether a received frame waits in the FIFO.
    pub fn rx_pending(&self) -> bool {
        self.regs.rx_pending()
    }
}

impl Regs {
    fn read(&self, offset: usize) -> u32 {
        // SAFETY: `Lan9118::new`'s contract: `base` maps the controller's 256 bytes of
        // registers, and every offset used here is one of them, word-aligned.
        unsafe { core::ptr::read_volatile((self.base + offset) as *const u32) }
    }

    fn write(&self, offset: usize, value: u32) {
        // SAFETY: as in `read`.
        unsafe { core::ptr::write_volatile((self.base + offset) as *mut u32, value) }
    }

    fn spin_until(&self, mut done: impl FnMut(&Self) -> bool) -> Result<(), InitError> {
        for _ in 0..MAX_SPINS {
            if done(self) {
                return Ok(());
            }
        }
        Err(InitError::Timeout)
    }

    fn mac_write(&self, register: u32, value: u32) -> Result<(), InitError> {
        self.spin_until(|r| r.read(MAC_CSR_CMD) & MAC_CSR_BUSY == 0)?;
        self.write(MAC_CSR_DATA, value);
        self.write(MAC_CSR_CMD, MAC_CSR_BUSY | register);
        self.spin_until(|r| r.read(MAC_CSR_CMD) & MAC_CSR_BUSY == 0)
    }

    fn rx_pending(&self) -> bool {
        (self.read(RX_FIFO_INF) >> 16) & 0xff != 0
    }

    /// Moves the next received frame into `into`; returns its length without FCS.
    fn receive_frame(&mut self, into: &mut [u8]) -> Option<usize> {
        if !self.rx_pending() {
            return None;
        }
        let status = self.read(RX_STATUS_FIFO);
        // The length counts the 4-byte FCS that follows the frame in the FIFO.
        let len = ((status >> 16) & 0x3fff) as usize;
        let words = len.div_ceil(4);
        let keep = status & RX_STS_ERROR == 0 && len >= 18 && len <= into.len();
        for i in 0..words {
            let word = self.read(RX_DATA_FIFO).to_le_bytes();
            if keep {
                let at = i * 4;
                let n = (len - at).min(4);
                into[at..at + n].copy_from_slice(&word[..n]);
            }
        }
        if keep {
            Some(len - 4)
        } else {
            self.dropped = self.dropped.saturating_add(1);
            None
        }
    }

    /// Pushes `frame` into the transmit FIFO as one buffer.
    fn transmit_frame(&mut self, frame: &[u8]) {
        // Statuses are not needed; keep their FIFO empty.
        while (self.read(TX_FIFO_INF) >> 16) & 0xff != 0 {
            self.read(TX_STATUS_FIFO);
        }
        let free = (self.read(TX_FIFO_INF) & 0xffff) as usize;
        let len = frame.len();
        if len == 0 || len > MAX_FRAME || free < len.div_ceil(4) * 4 + 8 {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        // At most 1514: fits the 11-bit size fields.
        let size = len as u32;
        self.write(TX_DATA_FIFO, TX_CMD_A_FIRST | TX_CMD_A_LAST | size);
        self.write(TX_DATA_FIFO, size);
        for chunk in frame.chunks(4) {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write(TX_DATA_FIFO, u32::from_le_bytes(word));
        }
    }
}

/// A received frame on its way to smoltcp.
#[derive(Debug)]
pub struct RxToken<'a> {
    frame: &'a mut [u8],
}

impl RxToken<'_> {
    /// Hands the frame over mutably, as embassy-net's device trait wants it.
    pub fn consume_mut<R>(self, f: impl FnOnce(&mut [u8]) -> R) -> R {
        f(self.frame)
    }
}

/// Room for a frame smoltcp sends.
#[derive(Debug)]
pub struct TxToken<'a> {
    regs: &'a mut Regs,
    buf: &'a mut [u8; MAX_FRAME],
}

impl phy::RxToken for RxToken<'_> {
    fn consume<R, F>(self, f: F) -> R
    where
        F: FnOnce(&[u8]) -> R,
    {
        f(self.frame)
    }
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F>(self, len: usize, f: F) -> R
    where
        F: FnOnce(&mut [u8]) -> R,
    {
        // smoltcp never asks for more than the MTU it was given.
        let frame = &mut self.buf[..len.min(MAX_FRAME)];
        let result = f(frame);
        self.regs.transmit_frame(frame);
        result
    }
}

impl Device for Lan9118 {
    type RxToken<'a> = RxToken<'a>;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _timestamp: Instant) -> Option<(RxToken<'_>, TxToken<'_>)> {
        let len = self.regs.receive_frame(&mut self.rx)?;
        Some((
            RxToken {
                frame: &mut self.rx[..len],
            },
            TxToken {
                regs: &mut self.regs,
                buf: &mut self.tx,
            },
        ))
    }

    fn transmit(&mut self, _timestamp: Instant) -> Option<TxToken<'_>> {
        Some(TxToken {
            regs: &mut self.regs,
            buf: &mut self.tx,
        })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = MAX_FRAME;
        caps
    }
}
