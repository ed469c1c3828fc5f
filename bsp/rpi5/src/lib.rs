//! Raspberry Pi 5 (BCM2712, Cortex-A76): the debug UART on the 3-pin connector, GIC-400.
//! Untested on hardware; QEMU has no Pi 5.
#![no_std]

use bsp_drivers::gicv2::GicV2;
use bsp_drivers::pl011::Pl011;
use bsp_drivers::{Board, BoardInfo, Devices, DisplayMode, DmaPage, Framebuffer};
use core::ops::Range;

/// The BCM2712 peripheral window holding the debug UART and the GIC.
const PERIPHERALS: Range<usize> = 0x10_7c00_0000..0x10_8000_0000;
/// The PL011 wired to the debug connector ("uart10").
const DEBUG_UART: usize = 0x10_7d00_1000;
const GIC_DISTRIBUTOR: usize = 0x10_7fff_9000;
const GIC_CPU_INTERFACE: usize = 0x10_7fff_a000;
const DEBUG_UART_SPI: u32 = 121;
const FIRMWARE_AREA: Range<usize> = 0..0x8_0000;

pub struct Rpi5;

impl Board for Rpi5 {
    const INFO: BoardInfo = BoardInfo {
        name: "rpi5",
        // config.txt pins it (kernel_address), as for the other boards.
        load_address: 0x8_0000,
        ram: 0..0x3c00_0000,
        reserved: &[FIRMWARE_AREA],
        mmio: &[PERIPHERALS],
    };
    type Console = Pl011;
    type Irq = GicV2;
    /// No block device driver for this board's SD host controller yet.
    type Disk = core::convert::Infallible;

    unsafe fn devices(mmio_offset: usize) -> Devices<Pl011, GicV2> {
        // SAFETY: the caller maps `INFO.mmio` at `mmio_offset` and hands the devices to us alone.
        unsafe {
            Devices {
                // The firmware sets the debug UART up (115200 8N1); its clock is not fixed.
                console: Pl011::keep_configuration(DEBUG_UART + mmio_offset),
                irq: GicV2::new(
                    GIC_DISTRIBUTOR + mmio_offset,
                    GIC_CPU_INTERFACE + mmio_offset,
                    DEBUG_UART_SPI,
                ),
            }
        }
    }

    unsafe fn disk(_mmio_offset: usize, _queue: DmaPage) -> Option<(Self::Disk, u32)> {
        None
    }

    /// Not yet: the Pi 5's firmware answers the same mailbox, but nothing can test it.
    unsafe fn framebuffer(
        _mmio_offset: usize,
        _mode: DisplayMode,
        _scratch: DmaPage,
        _allocate: &mut dyn FnMut(usize) -> Option<DmaPage>,
    ) -> Option<Framebuffer> {
        None
    }
}
