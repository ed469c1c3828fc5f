//! Raspberry Pi 4 (BCM2711, Cortex-A72): Pi 4B, 400, CM4, and QEMU `raspi4b`.
#![no_std]

use bsp_drivers::bcm_gpio::{self, PullControl};
use bsp_drivers::bcm2835_emmc::Bcm2835Emmc;
use bsp_drivers::bcm2835_mailbox::{Clock, Mailbox};
use bsp_drivers::gicv2::GicV2;
use bsp_drivers::pl011::Pl011;
use bsp_drivers::{
    Board, BoardInfo, Devices, DisplayMode, DmaPage, Framebuffer, bcm2835_framebuffer,
};
use core::ops::Range;

/// The BCM2711 peripherals in "low peripheral" mode (the firmware's default).
const PERIPHERALS: usize = 0xfe00_0000;
const GPIO: usize = PERIPHERALS + 0x20_0000;
const UART0: usize = PERIPHERALS + 0x20_1000;
/// EMMC2, the SD host controller wired to the card slot (the older EMMC at 0x30_0000 serves
/// the wireless chip on GPIO 34-39).
const EMMC2: usize = PERIPHERALS + 0x34_0000;
/// EMMC2's shared peripheral interrupt, the EMMC's too (VideoCore interrupt 62 + 64; Linux's
/// bcm2711.dtsi: GIC_SPI 126, INTID 158).
const EMMC2_SPI: u32 = 126;
/// The mailboxes to the VideoCore firmware.
const MAILBOX: usize = PERIPHERALS + 0xb880;
/// The ARM-local block: GIC-400 and local timers.
const ARM_LOCAL: usize = 0xff80_0000;
const GIC_DISTRIBUTOR: usize = 0xff84_1000;
const GIC_CPU_INTERFACE: usize = 0xff84_2000;
/// The PL011's shared peripheral interrupt (VideoCore interrupt 57 + 64).
const UART0_SPI: u32 = 121;
/// UART reference clock the firmware programs by default; the SD card's config.txt pins it
/// (init_uart_clock).
pub const UART_CLOCK_HZ: u32 = 48_000_000;
/// Spin tables and the firmware's boot data live below the kernel.
const FIRMWARE_AREA: Range<usize> = 0..0x8_0000;

pub struct Rpi4;

impl Board for Rpi4 {
    const INFO: BoardInfo = BoardInfo {
        name: "rpi4",
        load_address: 0x8_0000,
        // The first GiB less the VideoCore's default share; the device tree can only shrink it.
        ram: 0..0x3c00_0000,
        reserved: &[FIRMWARE_AREA],
        mmio: &[PERIPHERALS..ARM_LOCAL, ARM_LOCAL..0x1_0000_0000],
    };
    type Console = Pl011;
    type Irq = GicV2;
    type Disk = Bcm2835Emmc;

    unsafe fn devices(mmio_offset: usize) -> Devices<Pl011, GicV2> {
        // SAFETY: the caller maps `INFO.mmio` at `mmio_offset` and hands the devices to us alone.
        unsafe {
            bcm_gpio::route_uart0(GPIO + mmio_offset, PullControl::Direct);
            Devices {
                console: Pl011::new(UART0 + mmio_offset, UART_CLOCK_HZ, 115_200),
                irq: GicV2::new(
                    GIC_DISTRIBUTOR + mmio_offset,
                    GIC_CPU_INTERFACE + mmio_offset,
                    UART0_SPI,
                ),
            }
        }
    }

    /// The SD card, through EMMC2, which the driver polls: its interrupt stays unsignalled.
    /// The slot has EMMC2's own pins, so no GPIO is routed (GPIO 48-53, the Pi 3's SD pins,
    /// are the Ethernet PHY's on a Pi 4B). The SD clock is divided from the EMMC2 clock the
    /// firmware reports.
    unsafe fn disk(mmio_offset: usize, memory: DmaPage) -> Option<(Bcm2835Emmc, u32)> {
        // SAFETY: the caller maps the peripherals and hands the SD card and the page to us
        // alone; the page holds the mailbox message before the driver, which only takes its
        // address, gets it.
        unsafe {
            let clock = Mailbox::new(MAILBOX + mmio_offset, memory)
                .clock_rate(Clock::Emmc2)
                .ok()?;
            Some((
                Bcm2835Emmc::new(EMMC2 + mmio_offset, clock, memory)?,
                EMMC2_SPI,
            ))
        }
    }

    /// The framebuffer the firmware allocates in the VideoCore's memory.
    unsafe fn framebuffer(
        mmio_offset: usize,
        mode: DisplayMode,
        scratch: DmaPage,
        _allocate: &mut dyn FnMut(usize) -> Option<DmaPage>,
    ) -> Option<Framebuffer> {
        // SAFETY: the caller maps the peripherals and hands the mailbox and the page to us.
        unsafe { bcm2835_framebuffer::from_firmware(MAILBOX + mmio_offset, scratch, mode) }
    }
}
