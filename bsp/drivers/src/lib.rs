//! Board-independent drivers and the small traits through which the kernel talks to a board.
#![no_std]

pub mod bcm2835_armctrl;
pub mod bcm2835_emmc;
pub mod bcm2835_framebuffer;
pub mod bcm2835_mailbox;
pub mod bcm2836_local_intc;
pub mod bcm_gpio;
pub mod gicv2;
pub mod pl011;
pub mod qemu_fw_cfg;
pub mod qemu_ramfb;
pub mod virtio_blk;

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
    /// The block device's (see [`InterruptController::enable_disk`]).
    Disk,
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
    /// Routes the block device's interrupt, `line` in the board's numbering (a GIC SPI, an
    /// ARM-control IRQ), to this core as [`Irq::Disk`].
    fn enable_disk(&self, line: u32);
}

/// One page of normal memory that a device reaches by DMA: its address for the CPU and for
/// the device.
#[derive(Clone, Copy, Debug)]
pub struct DmaPage {
    pub virt: usize,
    pub phys: usize,
}

/// A request to a [`BlockDevice`].
#[derive(Clone, Copy, Debug)]
pub struct Transfer {
    /// Device to memory (false) or memory to device (true).
    pub write: bool,
    /// First 512-byte sector on the device.
    pub sector: u64,
    /// Physical address of the memory, `sectors * 512` bytes.
    pub buffer: usize,
    pub sectors: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockError {
    /// The device reported a failure, with its status code.
    Device(u8),
    /// The device did not answer in time.
    Timeout,
}

/// A disk of 512-byte sectors that takes one request at a time: the kernel starts a
/// transfer, then learns of its end from the interrupt or by asking.
pub trait BlockDevice: Sync {
    /// The disk's size in sectors.
    fn sectors(&self) -> u64;
    /// Starts `transfer`; only one may be in flight.
    ///
    /// # Safety
    /// `transfer.buffer` is memory the device may read or write until [`finished`](Self::finished)
    /// returns `Some`, and no other transfer is in flight.
    unsafe fn start(&self, transfer: Transfer);
    /// How the transfer in flight ended, once it has.
    fn finished(&self) -> Option<Result<(), BlockError>>;
    /// Silences the device's interrupt line.
    fn acknowledge_interrupt(&self);
}

/// The board has no block device driver: a disk that cannot exist.
impl BlockDevice for core::convert::Infallible {
    fn sectors(&self) -> u64 {
        match *self {}
    }
    unsafe fn start(&self, _transfer: Transfer) {
        match *self {}
    }
    fn finished(&self) -> Option<Result<(), BlockError>> {
        match *self {}
    }
    fn acknowledge_interrupt(&self) {
        match *self {}
    }
}

/// How a 32-bit pixel's bytes, in memory order, hold its colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelFormat {
    /// Blue, green, red, unused (DRM's XRGB8888).
    Xrgb8888,
    /// Red, green, blue, unused (DRM's XBGR8888).
    Xbgr8888,
}

/// A display's linear framebuffer: 32-bit pixels in memory the display scans out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Framebuffer {
    /// Physical address of the first pixel, page-aligned.
    pub phys: usize,
    /// Bytes of pixel memory, `stride * height` or more.
    pub len: usize,
    pub width: u32,
    pub height: u32,
    /// Bytes from one line to the next.
    pub stride: u32,
    pub format: PixelFormat,
    /// The name Linux's driver for this display gives (fb_fix_screeninfo.id).
    pub name: &'static str,
}

/// The display mode the kernel asks a board for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisplayMode {
    pub width: u32,
    pub height: u32,
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
    type Disk: BlockDevice + 'static;

    /// Creates the drivers, with `mmio_offset` added to every physical MMIO address.
    ///
    /// # Safety
    /// Every range of `INFO.mmio` must be mapped as device memory at `physical + mmio_offset`
    /// for as long as the devices live, and nobody else may drive these devices.
    unsafe fn devices(mmio_offset: usize) -> Devices<Self::Console, Self::Irq>;

    /// The board's disk, with its interrupt line, if it has one (`queue`: the driver's DMA page).
    ///
    /// # Safety
    /// As [`devices`](Self::devices), once; `queue` is a zeroed page the driver owns from now on.
    unsafe fn disk(mmio_offset: usize, queue: DmaPage) -> Option<(Self::Disk, u32)>;

    /// The board's display set to `mode`, if it has one. `scratch` is a zeroed page for
    /// messages to the firmware or the emulator; `allocate(bytes)` gives zeroed, physically
    /// contiguous memory, for displays that scan out memory the kernel provides.
    ///
    /// # Safety
    /// As [`devices`](Self::devices), once; `scratch` and what `allocate` gives are the
    /// driver's from now on.
    unsafe fn framebuffer(
        mmio_offset: usize,
        mode: DisplayMode,
        scratch: DmaPage,
        allocate: &mut dyn FnMut(usize) -> Option<DmaPage>,
    ) -> Option<Framebuffer>;
}
