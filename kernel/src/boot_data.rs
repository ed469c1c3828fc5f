//! What the firmware hands over in x0: on real hardware and QEMU `virt`, a flattened device
//! tree (QEMU's raspi machines without `-dtb` pass something else, which is ignored).

use crate::devicetree::{self, DeviceTree};
use crate::mm::phys_to_virt;
use core::ops::Range;

/// No device tree is larger than this; a larger `totalsize` means x0 is not one.
const MAX_SIZE: usize = 2 << 20;

/// The device tree at physical `address`, if a valid one lies wholly in `ram`.
///
/// Must run after the linear map covers `ram`.
pub fn device_tree(address: usize, ram: &Range<usize>) -> Option<DeviceTree<'static>> {
    if !address.is_multiple_of(8) || !ram.contains(&address) || ram.end - address < 8 {
        return None;
    }
    // SAFETY: eight bytes of RAM, in the linear map.
    let header = unsafe { core::slice::from_raw_parts(phys_to_virt(address) as *const u8, 8) };
    let size = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
    if size > MAX_SIZE || size > ram.end - address {
        return None;
    }
    // SAFETY: `size` bytes of RAM, in the linear map; the allocator keeps them reserved.
    let bytes = unsafe { core::slice::from_raw_parts(phys_to_virt(address) as *const u8, size) };
    devicetree::parse(bytes).ok()
}
