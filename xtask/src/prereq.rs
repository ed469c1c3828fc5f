//! The prerequisites of building and booting the kernel, the Rust targets of the kernel and of
//! user space and QEMU, installed when missing or named with the command that installs them.

use std::env;
use std::process::Command;

use anyhow::{Result, bail, ensure};

use crate::build::KERNEL_TARGET;
use crate::process;
use crate::qemu::{self, QEMU, QemuVersion};
use crate::user_programs::USER_TARGET;
use crate::workspace;

/// The Debian/Ubuntu package that has qemu-system-aarch64.
const QEMU_PACKAGE: &str = "qemu-system-arm";

pub fn ensure_rust_targets() -> Result<()> {
    let installed = process::output_of(rustup().args(["target", "list", "--installed"]))?;
    let missing: Vec<&str> = [KERNEL_TARGET, USER_TARGET]
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
    if !on_path("apt-get") {
        bail!(
            "{QEMU} is not on PATH; install QEMU's AArch64 system emulator (version 9.0 or later \
             for raspi4b) with this system's package manager"
        );
    }
    let elevate: &[&str] = if is_root()? {
        &[]
    } else if process::succeeds(Command::new("sudo").args(["-n", "true"])) {
        &["sudo", "-n"]
    } else {
        bail!(
            "{QEMU} is not on PATH; install it with:\n    \
             sudo apt-get update && sudo apt-get install -y --no-install-recommends {QEMU_PACKAGE}"
        );
    };
    for apt_arguments in [
        &["update"][..],
        &["install", "-y", "--no-install-recommends", QEMU_PACKAGE],
    ] {
        let mut words = elevate.to_vec();
        // `env` because sudo drops the caller's environment.
        words.extend(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        words.extend(apt_arguments);
        let mut apt = Command::new(words[0]);
        apt.args(&words[1..]);
        println!("{QEMU} is missing; running `{}`", process::describe(&apt));
        process::run_checked(&mut apt)?;
    }
    ensure!(
        on_path(QEMU),
        "{QEMU_PACKAGE} is installed, but {QEMU} is still not on PATH"
    );
    Ok(())
}

fn is_root() -> Result<bool> {
    Ok(process::output_of(Command::new("id").arg("-u"))?.trim() == "0")
}

fn on_path(program: &str) -> bool {
    env::var_os("PATH").is_some_and(|path| {
        env::split_paths(&path).any(|directory| directory.join(program).is_file())
    })
}
