//! The initramfs linked into the kernel image (built by the xtask), unpacked at boot into the
//! root file tree, which is writable (a tmpfs) and lives in memory.

use super::file::now;
use super::vfs::{self, Device, Node};
use super::{fbdev, page, proc};
use crate::block::disk;
use crate::mm::frames;
use alloc::sync::Arc;
use spin::Once;

/// The newc archive; empty when the kernel was built without one.
static ARCHIVE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/initramfs.cpio"));

static ROOT: Once<Arc<Node>> = Once::new();

/// Builds the root tree with /proc, and gives file data half of RAM, Linux's default size
/// for a tmpfs.
pub fn mount() {
    page::set_limit(frames::total_frames() / 2);
    proc::install(root());
    add_disk_nodes(root());
    if fbdev::framebuffer().is_some() {
        add_device_node(root(), "fb0", Node::device(Device::Framebuffer, 0o660));
    }
}

fn add_device_node(root: &Arc<Node>, name: &str, node: Arc<Node>) {
    if let Ok(Some(dev)) = root.child("dev") {
        let _ = dev.insert(name, node, now());
    }
}

/// /dev/vda, /dev/vda1, ... (or mmcblk0, mmcblk0p1, ...) for the disk and its partitions.
fn add_disk_nodes(root: &Arc<Node>) {
    for index in disk::partition_indices() {
        let node = Node::device(Device::Disk(index as u8), 0o660);
        add_device_node(root, &disk::device_name(index), node);
    }
}

/// The root directory. A malformed archive leaves only /dev and /tmp, with a message.
pub fn root() -> &'static Arc<Node> {
    ROOT.call_once(|| {
        vfs::build(ARCHIVE).unwrap_or_else(|error| {
            crate::println!("initramfs: {error:?}; continuing with an empty root");
            vfs::build(&[]).expect("an empty archive is valid")
        })
    })
}
