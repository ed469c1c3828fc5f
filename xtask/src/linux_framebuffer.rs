//! A display for Linux on QEMU virt, so that test-fb runs under Linux too: QEMU's own device
//! tree plus a `simple-framebuffer` node over the top 16 MiB of RAM, which Linux is told not to
//! use (`mem=`); Linux's simplefb driver shows it as /dev/fb0, a display whose mode the
//! firmware fixed, as the kernel's framebuffers are.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::device_tree_patch::{self, Value};
use crate::process;

/// In the top 16 MiB of the 1 GiB of RAM QEMU gives virt, which Linux's command line leaves
/// out (`mem=1008M`).
const ADDRESS: u32 = 0x7f00_0000;
const WIDTH: u32 = 640;
const HEIGHT: u32 = 480;
const STRIDE: u32 = WIDTH * 4;

/// Writes to `path` the device tree `qemu` (Linux's command, without `-dtb`) would give Linux,
/// with the framebuffer added.
pub fn device_tree(mut qemu: Command, path: &Path) -> Result<()> {
    qemu.arg("-machine")
        .arg(format!("dumpdtb={}", path.display()));
    process::run_checked(&mut qemu).context("cannot have QEMU write its device tree")?;
    let tree = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let patched = device_tree_patch::add_root_node(
        &tree,
        &format!("framebuffer@{ADDRESS:x}"),
        &[
            ("compatible", Value::String("simple-framebuffer")),
            ("reg", Value::Cells(&[0, ADDRESS, 0, STRIDE * HEIGHT])),
            ("width", Value::Cells(&[WIDTH])),
            ("height", Value::Cells(&[HEIGHT])),
            ("stride", Value::Cells(&[STRIDE])),
            ("format", Value::String("x8r8g8b8")),
        ],
    )
    .with_context(|| format!("cannot add a framebuffer to {}", path.display()))?;
    fs::write(path, patched).with_context(|| format!("cannot write {}", path.display()))
}
