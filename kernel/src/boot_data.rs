//! What the firmware hands over in x0: on real hardware and QEMU `virt`, a flattened device
//! tree, whose memory the kernel must not reuse. (Reading its contents comes with #5.)

/// The FDT header's magic number (big-endian), per the Devicetree Specification 5.2.
const FDT_MAGIC: u32 = 0xd00d_feed;
/// No device tree is larger than this; a larger `totalsize` means x0 is not one.
const FDT_MAX_SIZE: u32 = 2 << 20;

/// The physical range `[address, address + totalsize)` of the device tree whose first eight
/// bytes are `header`, or `None` if they are not a device-tree header.
pub fn device_tree_extent(address: usize, header: [u8; 8]) -> Option<core::ops::Range<usize>> {
    let word =
        |i: usize| u32::from_be_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let size = word(4);
    (word(0) == FDT_MAGIC && (8..=FDT_MAX_SIZE).contains(&size))
        .then(|| address..address + size as usize)
}

#[cfg(test)]
mod tests {
    use super::device_tree_extent;

    #[test]
    fn accepts_a_device_tree_header() {
        let header = [0xd0, 0x0d, 0xfe, 0xed, 0x00, 0x10, 0x00, 0x00];
        assert_eq!(
            device_tree_extent(0x4800_0000, header),
            Some(0x4800_0000..0x4810_0000)
        );
    }

    #[test]
    fn rejects_atags_garbage_and_absurd_sizes() {
        // QEMU raspi3b without -dtb: x0 points at ATAGs (size word, then ATAG_CORE).
        assert_eq!(
            device_tree_extent(0x100, [5, 0, 0, 0, 1, 0, 0x41, 0x54]),
            None
        );
        assert_eq!(
            device_tree_extent(0, [0xd0, 0x0d, 0xfe, 0xed, 0x7f, 0, 0, 0]),
            None
        );
        assert_eq!(
            device_tree_extent(0, [0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 4]),
            None
        );
    }
}
