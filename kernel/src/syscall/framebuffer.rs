//! The fbdev ioctls of /dev/fb0: the screen information, and the one mode there is.

use super::{Arguments, SyscallResult, read_user, write_user};
use crate::errno::{EINVAL, ENODEV, ENOTTY};
use crate::fs::fbdev::{self, VARIABLE_INFO_SIZE};

const FBIOGET_VSCREENINFO: usize = 0x4600;
const FBIOPUT_VSCREENINFO: usize = 0x4601;
const FBIOGET_FSCREENINFO: usize = 0x4602;
const FBIOPAN_DISPLAY: usize = 0x4606;
const FBIOBLANK: usize = 0x4611;

/// One fbdev ioctl, answered as Linux answers for a display whose mode the firmware fixed
/// (its simplefb driver); ENOTTY for requests fbdev does not know.
pub fn ioctl(args: &Arguments) -> SyscallResult {
    let framebuffer = fbdev::framebuffer().ok_or(ENODEV)?;
    let argument = args.usize(2);
    match args.usize(1) {
        FBIOGET_VSCREENINFO => write_user(argument, &fbdev::variable_info(framebuffer)),
        FBIOGET_FSCREENINFO => write_user(argument, &fbdev::fixed_info(framebuffer)),
        // Whatever mode is asked for, the display keeps its own and says so: the structure
        // comes back holding it.
        FBIOPUT_VSCREENINFO => {
            read_user::<VARIABLE_INFO_SIZE>(argument)?;
            write_user(argument, &fbdev::variable_info(framebuffer))
        }
        // The virtual screen is the visible one: nothing to pan.
        FBIOPAN_DISPLAY => {
            read_user::<VARIABLE_INFO_SIZE>(argument)?;
            Err(EINVAL)
        }
        // No backlight or power control to blank with.
        FBIOBLANK => Err(EINVAL),
        _ => Err(ENOTTY),
    }
    .map(|()| 0)
}
