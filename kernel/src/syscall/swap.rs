//! swapon and swapoff: swap areas on the disk's partitions (mm/swap).

use super::paths::{AT_FDCWD, read_path, walk_at};
use super::{Arguments, SyscallResult};
use crate::errno::{EINVAL, ENOMEM, Errno};
use crate::fs::vfs::{Device, NodeKind};
use crate::mm::swap::{areas, reclaim};
use crate::uaccess::UserCStr;

/// The disk partition the path in argument 0 names. Anything else is EINVAL: swap files are
/// not supported, and Linux says EINVAL for a file or device without a swap header.
fn partition_named(args: &Arguments) -> Result<usize, Errno> {
    let path = read_path(UserCStr::new(args.usize(0)))?;
    match walk_at(AT_FDCWD, &path, true)?.kind {
        NodeKind::Device(Device::Disk(index)) => Ok(usize::from(index)),
        _ => Err(EINVAL),
    }
}

const SWAPOFF_PASSES: usize = 3;

pub fn swapon(args: &Arguments) -> SyscallResult {
    let flags = u32::try_from(args.usize(1)).map_err(|_| EINVAL)?;
    areas::swapon(partition_named(args)?, flags)?;
    Ok(0)
}

/// Brings every page back from the area first; ENOMEM (the area stays on) when memory
/// cannot hold them, as Linux.
pub fn swapoff(args: &Arguments) -> SyscallResult {
    let area = areas::begin_swapoff(partition_named(args)?)?;
    // A pass stops at the first page that cannot come back, and the area then stays on; a
    // fork during a pass can copy entries into a space already passed, so a few passes.
    for _ in 0..SWAPOFF_PASSES {
        let back = reclaim::spaces()
            .iter()
            .try_for_each(|space| space.swap_in_area(area));
        if back.is_err() || areas::is_empty(area) {
            break;
        }
    }
    if areas::end_swapoff(area) {
        Ok(0)
    } else {
        Err(ENOMEM)
    }
}
