//! The prerequisites of building and booting the kernel, the Rust targets of the kernel, of
//! user space and of the Rust std test program and QEMU, installed when missing or named with
//! the command that installs them.

use std::env;
use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail, ensure};

use crate::build::KERNEL_TARGET;
use crate::process;
use crate::qemu::{self, QEMU, QemuVersion};
use crate::rust_std_program;
use crate::user_programs::USER_TARGET;
use crate::workspace;

/// The Debian/Ubuntu package that has qemu-system-aarch64.
const QEMU_PACKAGE: &str = "qemu-system-arm";

pub fn ensure_rust_targets() -> Result<()> {
    let installed = process::output_of(rustup().args(["target", "list", "--installed"]))?;
    let missing: Vec<&str> = [KERNEL_TARGET, USER_TARGET, rust_std_program::TARGET]
        .into_iter()
        .filter(|wanted| !installed.lines().any(|target| target.trim() == *wanted))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    // With RUSTUP_AUTO_INSTALL=0 nothing installs a missing target on its own.
    println!("installing the Rust targets {}", missing.join(", "));
    process::run_checked(rustup().args(["target", "add"]).args(&missing))
}

/// Rustup in the workspace root, so that it acts on the toolchain rust-toolchain.toml pins.
fn rustup() -> Command {
    let mut rustup = Command::new("rustup");
    rustup.current_dir(workspace::root());
    rustup
}

/// Makes sure QEMU is installed and reports which machines it has.
pub fn ensure_qemu() -> Result<QemuVersion> {
    if !on_path(QEMU) {
        install_qemu()?;
    }
    let version = QemuVersion::parse(&process::output_of(Command::new(QEMU).arg("--version"))?)?;
    println!("{}", qemu::availability_report(version));
    Ok(version)
}

fn install_qemu() -> Result<()> {
    apt_install(&[QEMU_PACKAGE], &format!("{QEMU} is missing"))?;
    ensure!(
        on_path(QEMU),
        "{QEMU_PACKAGE} is installed, but {QEMU} is still not on PATH"
    );
    Ok(())
}

/// The C compiler for the Linux test programs (user/linux), and glibc to link them with.
pub const CROSS_GCC: &str = "aarch64-linux-gnu-gcc";
const CROSS_GCC_PACKAGES: [&str; 2] = ["gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross"];
/// A header of the glibc that `libc6-dev-arm64-cross` installs.
const CROSS_LIBC_HEADER: &str = "/usr/aarch64-linux-gnu/include/stdio.h";

/// Makes sure the AArch64 Linux C compiler and its glibc are installed.
pub fn ensure_cross_gcc() -> Result<()> {
    if on_path(CROSS_GCC) && Path::new(CROSS_LIBC_HEADER).is_file() {
        return Ok(());
    }
    apt_install(
        &CROSS_GCC_PACKAGES,
        "the C compiler for the Linux test programs is missing",
    )?;
    ensure!(
        on_path(CROSS_GCC),
        "{} are installed, but {CROSS_GCC} is still not on PATH",
        CROSS_GCC_PACKAGES.join(" and ")
    );
    Ok(())
}

/// Installs `packages` with apt-get, through sudo when not root; `why` says what is missing.
fn apt_install(packages: &[&str], why: &str) -> Result<()> {
    let command = format!(
        "sudo apt-get update && sudo apt-get install -y --no-install-recommends {}",
        packages.join(" ")
    );
    if !on_path("apt-get") {
        bail!(
            "{why}; install {} with this system's package manager",
            packages.join(" ")
        );
    }
    let elevate: &[&str] = if is_root()? {
        &[]
    } else if process::succeeds(Command::new("sudo").args(["-n", "true"])) {
        &["sudo", "-n"]
    } else {
        bail!("{why}; install it with:\n    {command}");
    };
    let install = [&["install", "-y", "--no-install-recommends"][..], packages].concat();
    for apt_arguments in [&["update"][..], &install] {
        let mut words = elevate.to_vec();
        // `env` because sudo drops the caller's environment.
        words.extend(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        words.extend(apt_arguments);
        let mut apt = Command::new(words[0]);
        apt.args(&words[1..]);
        println!("{why}; running `{}`", process::describe(&apt));
        process::run_checked(&mut apt)?;
    }
    Ok(())
}

fn is_root() -> Result<bool> {
    Ok(process::output_of(Command::new("id").arg("-u"))?.trim() == "0")
}

pub fn on_path(program: &str) -> bool {
    env::var_os("PATH").is_some_and(|path| {
        env::split_paths(&path).any(|directory| directory.join(program).is_file())
    })
}
