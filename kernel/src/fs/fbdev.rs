//! /dev/fb0, Linux's fbdev interface to the display: the screen information its ioctls
//! return (struct fb_var_screeninfo and fb_fix_screeninfo of include/uapi/linux/fb.h) and
//! the device memory its mmap maps.

use crate::mm::page_table::PAGE_SIZE;
use bsp_drivers::{DisplayMode, Framebuffer, PixelFormat};
use spin::Once;

pub const VARIABLE_INFO_SIZE: usize = 160;
pub const FIXED_INFO_SIZE: usize = 80;
const BITS_PER_PIXEL: u32 = 32;
/// fb_fix_screeninfo.type and .visual: packed pixels, true colour.
const FB_TYPE_PACKED_PIXELS: u32 = 0;
const FB_VISUAL_TRUECOLOR: u32 = 2;
/// fb_var_screeninfo.height and .width, the picture's size in millimetres: unknown.
const UNKNOWN_SIZE: u32 = u32::MAX;

/// The mode the kernel sets the display to at boot.
const MODE: DisplayMode = DisplayMode {
    width: 640,
    height: 480,
};

static FRAMEBUFFER: Once<Framebuffer> = Once::new();

/// Sets the board's display up, if it has one, for /dev/fb0. Once, at boot, after the frame
/// allocator.
#[cfg(target_os = "none")]
pub fn init() {
    if let Some(framebuffer) = crate::board::init_framebuffer(MODE) {
        let framebuffer = FRAMEBUFFER.call_once(|| framebuffer);
        crate::println!(
            "fb0: {} frame buffer device, {}x{} at {:#x}",
            framebuffer.name,
            framebuffer.width,
            framebuffer.height,
            framebuffer.phys
        );
    }
}

pub fn framebuffer() -> Option<&'static Framebuffer> {
    FRAMEBUFFER.get()
}

/// Puts `values` as native-endian u32s at `offset` on.
fn put_words(bytes: &mut [u8], offset: usize, values: &[u32]) {
    for (index, value) in values.iter().enumerate() {
        let at = offset + 4 * index;
        bytes[at..at + 4].copy_from_slice(&value.to_ne_bytes());
    }
}

/// struct fb_var_screeninfo: the mode, with each colour's bit offset in a pixel.
pub fn variable_info(framebuffer: &Framebuffer) -> [u8; VARIABLE_INFO_SIZE] {
    let (red, blue) = match framebuffer.format {
        PixelFormat::Xrgb8888 => (16, 0),
        PixelFormat::Xbgr8888 => (0, 16),
    };
    let (width, height) = (framebuffer.width, framebuffer.height);
    let mut bytes = [0; VARIABLE_INFO_SIZE];
    // xres, yres, xres_virtual, yres_virtual, xoffset, yoffset, bits_per_pixel, grayscale.
    put_words(
        &mut bytes,
        0,
        &[width, height, width, height, 0, 0, BITS_PER_PIXEL, 0],
    );
    // red, green, blue, transp: each offset, length, msb_right.
    put_words(&mut bytes, 32, &[red, 8, 0, 8, 8, 0, blue, 8, 0, 0, 0, 0]);
    // nonstd, activate, height, width (millimetres); the timings after stay 0.
    put_words(&mut bytes, 80, &[0, 0, UNKNOWN_SIZE, UNKNOWN_SIZE]);
    bytes
}

/// struct fb_fix_screeninfo: where the pixels are and how a line is laid out.
pub fn fixed_info(framebuffer: &Framebuffer) -> [u8; FIXED_INFO_SIZE] {
    let mut bytes = [0; FIXED_INFO_SIZE];
    let name = framebuffer.name.as_bytes();
    let name_len = name.len().min(15);
    bytes[..name_len].copy_from_slice(&name[..name_len]);
    bytes[16..24].copy_from_slice(&(framebuffer.phys as u64).to_ne_bytes());
    // smem_len, type, type_aux, visual; xpanstep, ypanstep and ywrapstep stay 0.
    put_words(
        &mut bytes,
        24,
        &[
            framebuffer.len as u32,
            FB_TYPE_PACKED_PIXELS,
            0,
            FB_VISUAL_TRUECOLOR,
        ],
    );
    put_words(&mut bytes, 48, &[framebuffer.stride]);
    // mmio_start, mmio_len, accel and capabilities stay 0: no registers, no acceleration.
    bytes
}

/// The physical address an mmap of `len` bytes from `offset` maps from, if the range lies
/// within the framebuffer (rounded up to whole pages, as Linux's fb_mmap allows).
pub fn mapped_address(framebuffer: &Framebuffer, offset: usize, len: usize) -> Option<usize> {
    let size = framebuffer.len.next_multiple_of(PAGE_SIZE);
    offset
        .checked_add(len)
        .filter(|end| *end <= size)
        .map(|_| framebuffer.phys + offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DISPLAY: Framebuffer = Framebuffer {
        phys: 0x3c10_0000,
        len: 640 * 480 * 4,
        width: 640,
        height: 480,
        stride: 2560,
        format: PixelFormat::Xbgr8888,
        name: "BCM2708 FB",
    };

    fn word(bytes: &[u8], offset: usize) -> u32 {
        u32::from_ne_bytes(bytes[offset..offset + 4].try_into().unwrap())
    }

    #[test]
    fn variable_info_has_linuxs_layout() {
        let info = variable_info(&DISPLAY);
        assert_eq!([word(&info, 0), word(&info, 4)], [640, 480]);
        assert_eq!([word(&info, 8), word(&info, 12)], [640, 480]);
        assert_eq!(word(&info, 24), 32);
        // red first in memory: red at bit 0, blue at bit 16.
        assert_eq!([word(&info, 32), word(&info, 36)], [0, 8]);
        assert_eq!([word(&info, 44), word(&info, 48)], [8, 8]);
        assert_eq!([word(&info, 56), word(&info, 60)], [16, 8]);
        assert_eq!(word(&info, 72), 0, "no transparency bits");
        let blue_first = Framebuffer {
            format: PixelFormat::Xrgb8888,
            ..DISPLAY
        };
        let info = variable_info(&blue_first);
        assert_eq!([word(&info, 32), word(&info, 56)], [16, 0]);
    }

    #[test]
    fn fixed_info_has_linuxs_layout() {
        let info = fixed_info(&DISPLAY);
        assert_eq!(&info[..11], b"BCM2708 FB\0");
        assert_eq!(info[16..24], 0x3c10_0000u64.to_ne_bytes());
        assert_eq!(word(&info, 24), 640 * 480 * 4);
        assert_eq!(word(&info, 36), FB_VISUAL_TRUECOLOR);
        assert_eq!(word(&info, 48), 2560);
    }

    #[test]
    fn mappings_stay_within_the_pixels() {
        let size = DISPLAY.len;
        assert_eq!(
            mapped_address(&DISPLAY, PAGE_SIZE, size - PAGE_SIZE),
            Some(0x3c10_1000)
        );
        assert_eq!(mapped_address(&DISPLAY, PAGE_SIZE, size), None);
        assert_eq!(
            mapped_address(&DISPLAY, usize::MAX - 1, 2 * PAGE_SIZE),
            None
        );
    }
}
