//! System-wide calls: uname, sysinfo, getrandom and reboot.

use super::{Arguments, SyscallResult};
use crate::errno::{EFAULT, EINVAL};
use crate::mm::frames;
use crate::mm::page_table::PAGE_SIZE;
use crate::mm::swap::areas;
use crate::task::scheduler;
use crate::uaccess::{UserPtr, copy_to_user};

const LINUX_REBOOT_MAGIC1: u32 = 0xfee1_dead;
const LINUX_REBOOT_MAGIC2: [u32; 4] = [672_274_793, 85_072_278, 369_367_448, 537_993_216];
const LINUX_REBOOT_CMD_RESTART: u32 = 0x0123_4567;
const LINUX_REBOOT_CMD_HALT: u32 = 0xcdef_0123;
const LINUX_REBOOT_CMD_POWER_OFF: u32 = 0x4321_fedc;
/// Ctrl-Alt-Del rebooting at once or by signalling init: there is no such key here.
const LINUX_REBOOT_CMD_CAD_ON: u32 = 0x89ab_cdef;
const LINUX_REBOOT_CMD_CAD_OFF: u32 = 0;

/// What uname reports.
pub const SYSNAME: &str = "rustpi";
const RELEASE: &str = env!("CARGO_PKG_VERSION");

pub fn uname(args: &Arguments) -> SyscallResult {
    // struct utsname: six 65-byte fields.
    let mut utsname = [0u8; 6 * 65];
    let fields = [SYSNAME, "rustpi", RELEASE, "#1", "aarch64", "(none)"];
    for (i, field) in fields.iter().enumerate() {
        utsname[i * 65..i * 65 + field.len()].copy_from_slice(field.as_bytes());
    }
    match copy_to_user(UserPtr::new(args.usize(0)), &utsname) {
        0 => Ok(0),
        _ => Err(EFAULT),
    }
}

pub fn sysinfo(args: &Arguments) -> SyscallResult {
    // struct sysinfo for 64-bit: 112 bytes.
    let mut info = [0u8; 112];
    let mut put =
        |offset: usize, bytes: &[u8]| info[offset..offset + bytes.len()].copy_from_slice(bytes);
    put(0, &super::time::uptime_seconds().to_le_bytes());
    put(
        32,
        &((frames::total_frames() * PAGE_SIZE) as u64).to_le_bytes(),
    );
    put(
        40,
        &((frames::free_frames() * PAGE_SIZE) as u64).to_le_bytes(),
    );
    let (swap_total, swap_free) = areas::totals();
    put(64, &((swap_total * PAGE_SIZE) as u64).to_le_bytes());
    put(72, &((swap_free * PAGE_SIZE) as u64).to_le_bytes());
    put(80, &(scheduler::count() as u16).to_le_bytes());
    put(104, &1u32.to_le_bytes()); // mem_unit
    match copy_to_user(UserPtr::new(args.usize(0)), &info) {
        0 => Ok(0),
        _ => Err(EFAULT),
    }
}

pub fn getrandom(args: &Arguments) -> SyscallResult {
    const GRND_NONBLOCK: usize = 1;
    const GRND_RANDOM: usize = 2;
    const GRND_INSECURE: usize = 4;
    if args.usize(2) & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0 {
        return Err(EINVAL);
    }
    let (start, len) = (args.usize(0), args.usize(1));
    let mut done = 0;
    let mut chunk = [0u8; 256];
    while done < len {
        let part = &mut chunk[..(len - done).min(256)];
        crate::random::fill(part);
        let left = copy_to_user(UserPtr::new(start.wrapping_add(done)), part);
        done += part.len() - left;
        if left != 0 {
            return if done > 0 { Ok(done) } else { Err(EFAULT) };
        }
    }
    Ok(done)
}

/// reboot(magic1, magic2, cmd, arg): the three arguments are C ints, so only their low 32
/// bits count (glibc passes the magic numbers sign-extended, 0xfee1dead being negative).
pub fn reboot(args: &Arguments) -> SyscallResult {
    let int = |index| args.usize(index) as u32;
    if int(0) != LINUX_REBOOT_MAGIC1 || !LINUX_REBOOT_MAGIC2.contains(&int(1)) {
        return Err(EINVAL);
    }
    match int(2) {
        LINUX_REBOOT_CMD_POWER_OFF | LINUX_REBOOT_CMD_HALT | LINUX_REBOOT_CMD_RESTART => {
            crate::power::power_off(0)
        }
        LINUX_REBOOT_CMD_CAD_ON | LINUX_REBOOT_CMD_CAD_OFF => Ok(0),
        _ => Err(EINVAL),
    }
}
