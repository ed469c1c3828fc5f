//! Board-independent drivers and the small traits through which the kernel talks to a board.
#![no_std]

pub mod bcm2835_armctrl;
pub mod bcm2836_local_intc;
pub mod bcm_gpio;
pub mod gicv2;
pub mod pl011;

use core::ops::Range;

/// A serial console: the kernel's only output device.
pub trait Console: Sync {
    /// Sends one byte, waiting until the transmitter has room.
    fn write_byte(&self, byte: u8);
    /// Returns a received byte, if one is waiting.
    fn read_byte(&self) -> Option<u8>;
    /// Raises [`Irq::Uart`] whenever received bytes wait.
    fn enable_receive_interrupt(&self);
}

/// The interrupts the kernel knows by name; everything else is a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Irq {
    /// The EL1 virtual timer (CNTV) of this core.
    Timer,
    /// The console UART (received data).
    Uart,
    /// Any other interrupt, by the controller's number.
    Other(u32),
}

/// An interrupt controller as the kernel sees it: route the timer, then claim and finish interrupts.
pub trait InterruptController: Sync {
    /// Brings the controller up and routes the virtual timer and UART interrupts to this core.
    fn init(&self);
    /// The highest-priority pending interrupt, acknowledged; `None` if it was spurious.
    fn claim(&self) -> Option<Irq>;
    /// Signals that the handler of `irq` is done.
    fn complete(&self, irq: Irq);
    /// Stops `irq` from being signalled (an interrupt nobody handles).
    fn disable(&self, irq: Irq);
}

/// The static description of a board: where things are in physical memory.
pub struct BoardInfo {
    /// Short board name, as given to `cargo xtask --board`.
    pub name: &'static str,
    /// Physical address where the firmware or QEMU loads the raw kernel image.
    pub load_address: usize,
    /// RAM the kernel may use (firmware-owned memory already removed).
    pub ram: Range<usize>,
    /// RAM inside `ram` that the kernel must not hand out (spin tables, boot data).
    pub reserved: &'static [Range<usize>],
    /// MMIO windows, mapped as device memory.
    pub mmio: &'static [Range<usize>],
}

/// The devices a board hands to the kernel once their registers are mapped.
pub struct Devices<C: 'static, I: 'static> {
    pub console: C,
    pub irq: I,
}

/// A board: its memory map and how to reach its devices.
pub trait Board {
    const INFO: BoardInfo;
    type Console: Console + 'static;
    type Irq: InterruptController + 'static;

    /// Creates the drivers, with `mmio_offset` added to every physical MMIO address.
    ///
    /// # Safety
    /// Every range of `INFO.mmio` must be mapped as device memory at `physical + mmio_offset`
    /// for as long as the devices live, and nobody else may drive these devices.
    unsafe fn devices(mmio_offset: usize) -> Devices<Self::Console, Self::Irq>;
}
