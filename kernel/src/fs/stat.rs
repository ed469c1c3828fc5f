//! `struct stat` as arm64 Linux lays it out (asm-generic, 128 bytes), for stat, fstat,
//! newfstatat and statx's callers.

use super::file::now;
use super::vfs::{Device, Metadata, Node, NodeKind, Timestamp};
use crate::mm::page_table::PAGE_SIZE;

pub const S_IFIFO: u32 = 0o010_000;
pub const S_IFSOCK: u32 = 0o140_000;

/// The device number every file of the one file system reports.
const FILE_SYSTEM_DEVICE: u64 = 1;

/// The block major Linux gives the disk: virtio-blk's first dynamic one on virt, the MMC
/// driver's on the Pis.
const DISK_MAJOR: u64 = if cfg!(feature = "board-virt") {
    254
} else {
    179
};

/// Linux's device numbers for the kernel's devices.
fn device_number(device: Device) -> u64 {
    let (major, minor) = match device {
        Device::Console => (5, 1),
        Device::Null => (1, 3),
        Device::Zero => (1, 5),
        Device::Disk(index) => (DISK_MAJOR, u64::from(index)),
        Device::Framebuffer => (29, 0),
    };
    (major << 8) | minor
}

pub fn of_node(node: &Node) -> [u8; 128] {
    let device = match node.kind {
        NodeKind::Device(device) => device_number(device),
        _ => 0,
    };
    let blocks = match &node.kind {
        NodeKind::File(data) => data.lock().pages_held() * PAGE_SIZE / 512,
        // A directory takes no memory of its own in tmpfs' accounting.
        _ => 0,
    };
    encode(
        node.inode,
        &node.metadata(),
        device,
        node.size() as u64,
        blocks as u64,
    )
}

/// A pipe or socket: no name, no size, stamped now.
pub fn of_anonymous(inode: u64, mode: u32) -> [u8; 128] {
    let now = now();
    let metadata = Metadata {
        mode,
        links: 1,
        owner: 0,
        group: 0,
        accessed: now,
        modified: now,
        changed: now,
    };
    encode(inode, &metadata, 0, 0, 0)
}

fn encode(inode: u64, metadata: &Metadata, device: u64, size: u64, blocks: u64) -> [u8; 128] {
    let mut stat = [0u8; 128];
    let mut put =
        |offset: usize, bytes: &[u8]| stat[offset..offset + bytes.len()].copy_from_slice(bytes);
    put(0, &FILE_SYSTEM_DEVICE.to_le_bytes());
    put(8, &inode.to_le_bytes());
    put(16, &metadata.mode.to_le_bytes());
    put(20, &metadata.links.to_le_bytes());
    put(24, &metadata.owner.to_le_bytes());
    put(28, &metadata.group.to_le_bytes());
    put(32, &device.to_le_bytes());
    put(48, &size.to_le_bytes());
    put(56, &(PAGE_SIZE as u32).to_le_bytes()); // st_blksize
    put(64, &blocks.to_le_bytes());
    let times = [metadata.accessed, metadata.modified, metadata.changed];
    for (
        offset,
        Timestamp {
            seconds,
            nanoseconds,
        },
    ) in [72, 88, 104].into_iter().zip(times)
    {
        put(offset, &seconds.to_le_bytes());
        put(offset + 8, &u64::from(nanoseconds).to_le_bytes());
    }
    stat
}
