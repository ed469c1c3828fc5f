//! The initramfs linked into the kernel image (built by the xtask), as the root file tree.

use super::vfs::{self, Node};
use alloc::sync::Arc;
use spin::Once;

/// The newc archive; empty when the kernel was built without one.
static ARCHIVE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/initramfs.cpio"));

static ROOT: Once<Arc<Node>> = Once::new();

/// The root directory. A malformed archive leaves only /dev, with a message.
pub fn root() -> &'static Arc<Node> {
    ROOT.call_once(|| {
        vfs::build(ARCHIVE).unwrap_or_else(|error| {
            crate::println!("initramfs: {error:?}; continuing with an empty root");
            vfs::build(&[]).expect("an empty archive is valid")
        })
    })
}
