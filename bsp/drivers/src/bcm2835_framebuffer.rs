//! The Raspberry Pi's framebuffer, which the VideoCore firmware allocates and scans out when
//! asked through the mailbox's property channel.

use crate::bcm2835_mailbox::{Mailbox, MailboxError};
use crate::{DisplayMode, DmaPage, Framebuffer, PixelFormat};

/// Property tags (firmware wiki, "Mailbox property interface", framebuffer section).
const ALLOCATE_BUFFER: u32 = 0x4_0001;
const GET_PITCH: u32 = 0x4_0008;
const SET_PHYSICAL_SIZE: u32 = 0x4_8003;
const SET_VIRTUAL_SIZE: u32 = 0x4_8004;
const SET_DEPTH: u32 = 0x4_8005;
const SET_PIXEL_ORDER: u32 = 0x4_8006;
const SET_VIRTUAL_OFFSET: u32 = 0x4_8009;
const BITS_PER_PIXEL: u32 = 32;
/// The pixel orders SET_PIXEL_ORDER takes: blue first or red first in memory.
const ORDER_BGR: u32 = 0;
const ORDER_RGB: u32 = 1;
/// The firmware answers with bus addresses; the ARM sees the same memory below 1 GiB.
const BUS_TO_ARM: u32 = 0x3fff_ffff;
const PAGE_SIZE: usize = 4096;

/// The firmware's framebuffer in `mode`, asked for through the mailbox at `mailbox_base`.
///
/// # Safety
/// As [`Mailbox::new`].
pub unsafe fn from_firmware(
    mailbox_base: usize,
    scratch: DmaPage,
    mode: DisplayMode,
) -> Option<Framebuffer> {
    // SAFETY: as the caller promises.
    let mut mailbox = unsafe { Mailbox::new(mailbox_base, scratch) };
    allocate(&mut mailbox, mode).ok()
}

/// Asks the firmware for a `mode` framebuffer of 32-bit pixels, red first.
fn allocate(mailbox: &mut Mailbox, mode: DisplayMode) -> Result<Framebuffer, MailboxError> {
    #[rustfmt::skip]
    let mut tags = [
        SET_PHYSICAL_SIZE, 8, 0, mode.width, mode.height,
        SET_VIRTUAL_SIZE, 8, 0, mode.width, mode.height,
        SET_VIRTUAL_OFFSET, 8, 0, 0, 0,
        SET_DEPTH, 4, 0, BITS_PER_PIXEL,
        SET_PIXEL_ORDER, 4, 0, ORDER_RGB,
        ALLOCATE_BUFFER, 8, 0, PAGE_SIZE as u32, 0,
        GET_PITCH, 4, 0, 0,
    ];
    mailbox.call(&mut tags)?;
    let [width, height, depth, order, base, size, pitch] =
        [3, 4, 18, 22, 26, 27, 31].map(|index| tags[index]);
    let format = match order {
        ORDER_RGB => PixelFormat::Xbgr8888,
        ORDER_BGR => PixelFormat::Xrgb8888,
        _ => return Err(MailboxError::Refused),
    };
    let phys = (base & BUS_TO_ARM) as usize;
    let plausible = depth == BITS_PER_PIXEL
        && width > 0
        && height > 0
        && pitch >= width * 4
        && u64::from(size) >= u64::from(pitch) * u64::from(height)
        && phys.is_multiple_of(PAGE_SIZE);
    if !plausible {
        return Err(MailboxError::Refused);
    }
    Ok(Framebuffer {
        phys,
        len: size as usize,
        width,
        height,
        stride: pitch,
        format,
        name: "BCM2708 FB",
    })
}
