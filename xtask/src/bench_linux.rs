//! `bench --against-linux`: the user-space benchmark as /init of Debian's kernel on the same
//! QEMU machine, CPU and deterministic settings as this kernel's run.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

use crate::bench_boot::{self, BootResults};
use crate::bench_catalogue;
use crate::board::{Board, Cpu};
use crate::debian_kernel::DebianKernel;
use crate::newc::{self, ArchiveFile, DeviceNode};
use crate::qemu::{self, Console};
use crate::workspace;

/// `quiet` keeps Linux's boot messages from costing console time inside the measurements;
/// `panic=-1` reboots at once on a panic, which `-no-reboot` turns into QEMU exiting, so a
/// failure ends the run instead of hanging it. After `--` come /init's arguments: Linux goes on
/// booting in the background after it starts init, and a pipe round trip measured in its first
/// second costs up to 60% more than one measured later, so the benchmark first sleeps (which
/// costs no host time on virt's single CPU under `-icount sleep=off`). This kernel has no such
/// background work and its benchmark does not wait.
const LINUX_CMDLINE: &str = "console=ttyAMA0 quiet panic=-1 -- --settle-ms 2000";
/// Linux boots in a few seconds of host time; the benchmark adds a few more.
const LINUX_TIMEOUT: Duration = Duration::from_secs(300);

/// Runs `bench_program` as Linux's /init on QEMU virt with `cpu`.
pub fn run(cpu: Cpu, kernel: &DebianKernel, bench_program: &Path) -> Result<BootResults> {
    let initramfs = write_initramfs(bench_program)?;
    let mut qemu = qemu::command(
        Board::Virt,
        cpu,
        &kernel.image,
        &Console::Test {
            cmdline: LINUX_CMDLINE,
        },
    )?;
    qemu.arg("-initrd").arg(&initramfs).arg("-no-reboot");
    let label = format!("{}/{}/linux", Board::Virt.name(), cpu.name());
    bench_boot::run(
        &label,
        qemu,
        &bench_catalogue::user_keys(false),
        LINUX_TIMEOUT,
    )
}

/// An initramfs of /init and the device nodes it opens: Linux makes no /dev entries by itself
/// in an initramfs (devtmpfs is not mounted there), and it opens /dev/console for init's
/// standard descriptors before init runs.
fn write_initramfs(bench_program: &Path) -> Result<PathBuf> {
    let init = ArchiveFile {
        path: "init".to_owned(),
        executable: true,
        data: fs::read(bench_program)
            .with_context(|| format!("cannot read {}", bench_program.display()))?,
    };
    let device = |path: &str, major, minor| DeviceNode {
        path: path.to_owned(),
        major,
        minor,
    };
    let nodes = [
        device("dev/console", 5, 1),
        device("dev/null", 1, 3),
        device("dev/zero", 1, 5),
    ];
    let archive = newc::archive_with_device_nodes(&[init], &nodes)?;
    let directory = workspace::target_dir().join("xtask");
    fs::create_dir_all(&directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    let path = directory.join("linux-bench-initramfs.cpio");
    fs::write(&path, archive).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}
