//! QEMU `virt` machine: PL011 at 0x0900_0000, GICv2, virtio-mmio transports at 0x0a00_0000,
//! RAM from 0x4000_0000 (run with `-m 1G`).
#![no_std]

use bsp_drivers::gicv2::GicV2;
use bsp_drivers::pl011::Pl011;
use bsp_drivers::qemu_fw_cfg::FwCfg;
use bsp_drivers::virtio_blk::VirtioBlk;
use bsp_drivers::{Board, BoardInfo, Devices, DisplayMode, DmaPage, Framebuffer, qemu_ramfb};

const GIC_DISTRIBUTOR: usize = 0x0800_0000;
const GIC_CPU_INTERFACE: usize = 0x0801_0000;
const UART0: usize = 0x0900_0000;
/// UART0's shared peripheral interrupt number in QEMU's virt device tree.
const UART0_SPI: u32 = 1;
/// The `apb-pclk` clock QEMU's device tree gives the PL011.
const UART_CLOCK_HZ: u32 = 24_000_000;
/// QEMU's firmware configuration device.
const FW_CFG: usize = 0x0902_0000;
/// QEMU's 32 virtio-mmio transports, 0x200 bytes apart, the first on SPI 16, the next on 17...
const VIRTIO_MMIO: usize = 0x0a00_0000;
const VIRTIO_MMIO_STRIDE: usize = 0x200;
const VIRTIO_MMIO_SLOTS: usize = 32;
const VIRTIO_MMIO_FIRST_SPI: u32 = 16;
const RAM_START: usize = 0x4000_0000;
/// The RAM size the xtask asks QEMU for (`-m 1G`).
const RAM_SIZE: usize = 1 << 30;

pub struct Virt;

impl Board for Virt {
    const INFO: BoardInfo = BoardInfo {
        name: "virt",
        load_address: RAM_START + 0x8_0000,
        ram: RAM_START..RAM_START + RAM_SIZE,
        // QEMU's device tree is wherever x0 says; the kernel reserves it from there.
        reserved: &[],
        mmio: &[
            GIC_DISTRIBUTOR..GIC_CPU_INTERFACE + 0x1_0000,
            UART0..UART0 + 0x1000,
            FW_CFG..FW_CFG + 0x1000,
            VIRTIO_MMIO..VIRTIO_MMIO + VIRTIO_MMIO_SLOTS * VIRTIO_MMIO_STRIDE,
        ],
    };
    type Console = Pl011;
    type Irq = GicV2;
    type Disk = VirtioBlk;

    unsafe fn devices(mmio_offset: usize) -> Devices<Pl011, GicV2> {
        // SAFETY: the caller maps `INFO.mmio` at `mmio_offset` and hands the devices to us alone.
        unsafe {
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

    /// The first virtio block device (`-drive if=none,id=D -device virtio-blk-device,drive=D`
    /// with `-global virtio-mmio.force-legacy=false`); QEMU fills the transports from the last.
    unsafe fn disk(mmio_offset: usize, queue: DmaPage) -> Option<(VirtioBlk, u32)> {
        (0..VIRTIO_MMIO_SLOTS).rev().find_map(|slot| {
            let registers = VIRTIO_MMIO + slot * VIRTIO_MMIO_STRIDE + mmio_offset;
            // SAFETY: the caller maps the transports and gives us the queue page; a transport
            // that is not a block device is left as it was.
            let disk = unsafe { VirtioBlk::probe(registers, queue) }?;
            Some((disk, VIRTIO_MMIO_FIRST_SPI + slot as u32))
        })
    }

    /// QEMU's ramfb (`-device ramfb`), scanning out memory the kernel gives it.
    unsafe fn framebuffer(
        mmio_offset: usize,
        mode: DisplayMode,
        scratch: DmaPage,
        allocate: &mut dyn FnMut(usize) -> Option<DmaPage>,
    ) -> Option<Framebuffer> {
        // SAFETY: the caller maps fw_cfg and hands it and the page to us.
        let fw_cfg = unsafe { FwCfg::probe(FW_CFG + mmio_offset, scratch) }?;
        qemu_ramfb::set_up(&fw_cfg, mode, allocate)
    }
}
