//! The board this kernel was built for (a cargo feature) and its devices once mapped.

use crate::mm::page_table::PAGE_SIZE;
use crate::mm::{LINEAR_BASE, frames, phys_to_virt};
use bsp_drivers::{
    Board, BoardInfo, Devices, DisplayMode, DmaPage, Framebuffer, InterruptController as _,
};
use spin::Once;

#[cfg(feature = "board-rpi3")]
pub type ThisBoard = bsp_rpi3::Rpi3;
#[cfg(feature = "board-rpi4")]
pub type ThisBoard = bsp_rpi4::Rpi4;
#[cfg(feature = "board-rpi5")]
pub type ThisBoard = bsp_rpi5::Rpi5;
#[cfg(feature = "board-virt")]
pub type ThisBoard = bsp_virt::Virt;
#[cfg(not(any(
    feature = "board-rpi3",
    feature = "board-rpi4",
    feature = "board-rpi5",
    feature = "board-virt"
)))]
compile_error!(
    "select a board feature (board-rpi3, -rpi4, -rpi5 or -virt); `cargo xtask build` does"
);

pub type Console = <ThisBoard as Board>::Console;
pub type InterruptController = <ThisBoard as Board>::Irq;
pub type Disk = <ThisBoard as Board>::Disk;

/// The disk's name in /dev, as Linux names it on this board.
#[cfg(feature = "board-virt")]
pub const DISK_NAME: &str = "vda";
#[cfg(not(feature = "board-virt"))]
pub const DISK_NAME: &str = "mmcblk0";

pub const INFO: BoardInfo = ThisBoard::INFO;

static DEVICES: Once<Devices<Console, InterruptController>> = Once::new();

/// Brings up the board's devices. The kernel's tables must map every MMIO window.
pub fn init_devices() {
    // SAFETY: `mm::kernel_space` maps `INFO.mmio` as device memory in the linear map,
    // and this `Once` is the only place the devices are created.
    DEVICES.call_once(|| unsafe { ThisBoard::devices(LINEAR_BASE) });
}

/// The console, if the devices are up.
pub fn console() -> Option<&'static Console> {
    DEVICES.get().map(|devices| &devices.console)
}

pub fn interrupt_controller() -> &'static InterruptController {
    &DEVICES
        .get()
        .expect("interrupts are set up after the devices")
        .irq
}

static DISK: Once<Disk> = Once::new();

/// Brings up the board's disk and routes its interrupt, if the board has one. Once, after
/// the frame allocator and the interrupt controller.
pub fn init_disk() -> Option<&'static Disk> {
    let page = frames::allocate_zeroed().ok()?;
    let queue = DmaPage {
        virt: phys_to_virt(page),
        phys: page,
    };
    // SAFETY: `mm::kernel_space` maps `INFO.mmio` in the linear map; the page is ours to give.
    let Some((disk, line)) = (unsafe { ThisBoard::disk(LINEAR_BASE, queue) }) else {
        frames::deallocate(page).expect("allocated above");
        return None;
    };
    interrupt_controller().enable_disk(line);
    Some(DISK.call_once(|| disk))
}

/// Sets the board's display to `mode` and returns its framebuffer, if the board has one.
/// Once, after the frame allocator.
pub fn init_framebuffer(mode: DisplayMode) -> Option<Framebuffer> {
    let page = frames::allocate_zeroed().ok()?;
    let scratch = DmaPage {
        virt: phys_to_virt(page),
        phys: page,
    };
    let mut allocate = |bytes: usize| {
        let pa = frames::allocate_contiguous_zeroed(bytes.div_ceil(PAGE_SIZE)).ok()?;
        Some(DmaPage {
            virt: phys_to_virt(pa),
            phys: pa,
        })
    };
    // SAFETY: `mm::kernel_space` maps `INFO.mmio` in the linear map; the page and what
    // `allocate` gives are the driver's to keep.
    let framebuffer = unsafe { ThisBoard::framebuffer(LINEAR_BASE, mode, scratch, &mut allocate) };
    if framebuffer.is_none() {
        frames::deallocate(page).expect("allocated above");
    }
    framebuffer
}
