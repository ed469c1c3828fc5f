//! Raspberry Pi 3 (BCM2837, Cortex-A53): Pi 3B, 3B+, 3A+, Zero 2 W, and QEMU `raspi3b`.
#![no_std]

mod interrupts;

use bsp_drivers::bcm_gpio::{self, PullControl};
use bsp_drivers::bcm2835_armctrl::ArmCtrl;
use bsp_drivers::bcm2835_emmc::Bcm2835Emmc;
use bsp_drivers::bcm2835_mailbox::{Clock, Mailbox};
use bsp_drivers::bcm2836_local_intc::LocalIntc;
use bsp_drivers::pl011::Pl011;
use bsp_drivers::{
    Board, BoardInfo, Devices, DisplayMode, DmaPage, Framebuffer, bcm2835_framebuffer,
};
use core::ops::Range;
use core::sync::atomic::AtomicU32;
use interrupts::Interrupts;

/// Start of the BCM2837 peripherals in the ARM physical address space.
const PERIPHERALS: usize = 0x3f00_0000;
/// The PL011 (UART0) inside the peripherals.
const UART0: usize = PERIPHERALS + 0x20_1000;
/// The peripherals' interrupt controller.
const ARM_CONTROL: usize = PERIPHERALS + 0xb200;
const GPIO: usize = PERIPHERALS + 0x20_0000;
/// The EMMC (Arasan SDHCI) controller and its interrupt number on the peripheral controller.
const EMMC: usize = PERIPHERALS + 0x30_0000;
const EMMC_INTERRUPT: u32 = 62;
/// The mailboxes to the VideoCore firmware.
const MAILBOX: usize = PERIPHERALS + 0xb880;
/// The ARM-local peripherals (timer routing, mailboxes) of BCM2836/2837.
const LOCAL_PERIPHERALS: usize = 0x4000_0000;
/// UART reference clock the firmware programs by default; the SD card's config.txt pins it
/// (init_uart_clock).
pub const UART_CLOCK_HZ: u32 = 48_000_000;

/// Spin tables for the parked cores and the firmware's ATAGs/DTB live below the kernel.
const FIRMWARE_AREA: Range<usize> = 0..0x8_0000;

pub struct Rpi3;

impl Board for Rpi3 {
    const INFO: BoardInfo = BoardInfo {
        name: "rpi3",
        load_address: 0x8_0000,
        // The top 64 MiB of the 1 GiB belong to the VideoCore with the default gpu_mem.
        ram: 0..0x3c00_0000,
        reserved: &[FIRMWARE_AREA],
        mmio: &[
            PERIPHERALS..LOCAL_PERIPHERALS,
            LOCAL_PERIPHERALS..LOCAL_PERIPHERALS + 0x4_0000,
        ],
    };
    type Console = Pl011;
    type Irq = Interrupts;
    type Disk = Bcm2835Emmc;

    unsafe fn devices(mmio_offset: usize) -> Devices<Pl011, Interrupts> {
        // SAFETY: the caller maps `INFO.mmio` at `mmio_offset` and hands the devices to us alone.
        unsafe {
            bcm_gpio::route_uart0(GPIO + mmio_offset, PullControl::Clocked);
            Devices {
                console: Pl011::new(UART0 + mmio_offset, UART_CLOCK_HZ, 115_200),
                irq: Interrupts {
                    local: LocalIntc::new(LOCAL_PERIPHERALS + mmio_offset),
                    peripherals: ArmCtrl::new(ARM_CONTROL + mmio_offset),
                    disk_line: AtomicU32::new(interrupts::NO_LINE),
                },
            }
        }
    }

    /// The SD card, through the EMMC controller, which the driver polls: its interrupt stays
    /// unsignalled. The SD clock is divided from the EMMC clock the firmware reports.
    unsafe fn disk(mmio_offset: usize, memory: DmaPage) -> Option<(Bcm2835Emmc, u32)> {
        // SAFETY: the caller maps the peripherals and hands the SD card and the page to us
        // alone; the page holds the mailbox message before the driver, which only takes its
        // address, gets it.
        unsafe {
            let clock = Mailbox::new(MAILBOX + mmio_offset, memory)
                .clock_rate(Clock::Emmc)
                .ok()?;
            bcm_gpio::route_sd_card_to_emmc(GPIO + mmio_offset);
            Some((
                Bcm2835Emmc::new(EMMC + mmio_offset, clock, memory)?,
                EMMC_INTERRUPT,
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
