//! Building the kernel with cargo and keeping its ELF and raw image apart per board and flavour.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::board::Board;
use crate::extable_elf;
use crate::image;
use crate::initramfs::{self, HostFiles};
use crate::prereq;
use crate::process;
use crate::workspace;

pub const KERNEL_TARGET: &str = "aarch64-unknown-none-softfloat";

#[derive(Clone, Copy)]
pub enum Profile {
    Debug,
    Release,
}

/// What the kernel is built to run as, which decides its features.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// On a real board: no semihosting, whose HLT would be an undefined instruction there.
    Hardware,
    /// In QEMU for a person: semihosting gives the kernel `-append`'s command line.
    Qemu,
    /// The test kernel, which runs the in-kernel tests after boot and exits QEMU with the
    /// result (semihosting included).
    Test,
    /// The test kernel without user space (an empty initramfs): a tenth of the size, for the
    /// chainloader test, which sends it over an emulated UART. Built in a cargo target
    /// directory of its own, so that neither build makes the other's stale.
    BareTest,
}

/// Which kernel to build.
pub struct KernelBuild {
    pub board: Board,
    pub profile: Profile,
    pub flavour: Flavour,
}

pub struct KernelArtifacts {
    pub elf: PathBuf,
    pub image: PathBuf,
}

impl Profile {
    pub fn from_release_flag(release: bool) -> Self {
        if release {
            Profile::Release
        } else {
            Profile::Debug
        }
    }

    /// Cargo's name for the profile's output directory.
    pub fn directory(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
        }
    }
}

impl Flavour {
    /// The kernel feature that selects the flavour; a hardware kernel has none.
    fn feature(self) -> Option<&'static str> {
        match self {
            Flavour::Hardware => None,
            Flavour::Qemu => Some("qemu"),
            Flavour::Test | Flavour::BareTest => Some("ktest"),
        }
    }
}

impl KernelBuild {
    /// `rpi3-ktest-debug`: one directory per board, flavour and profile, since every build
    /// writes the same cargo output path.
    fn output_directory(&self) -> String {
        let mut words = vec![self.board.name()];
        words.extend(self.flavour.feature());
        if self.flavour == Flavour::BareTest {
            words.push("bare");
        }
        words.push(self.profile.directory());
        words.join("-")
    }

    /// Where cargo builds it: the workspace's target directory, or the bare kernel's own.
    fn cargo_target_dir(&self) -> PathBuf {
        match self.flavour {
            Flavour::BareTest => workspace::target_dir().join("bare-kernel"),
            _ => workspace::target_dir(),
        }
    }

    fn features(&self) -> String {
        let mut features = vec![format!("board-{}", self.board.name())];
        features.extend(self.flavour.feature().map(str::to_owned));
        features.join(",")
    }
}

/// Builds the kernel as `cargo xtask build` does: the Rust targets installed, the user programs
/// and the initramfs built, then the kernel with the initramfs embedded.
pub fn build_with_user_space(build: &KernelBuild) -> Result<KernelArtifacts> {
    prereq::ensure_rust_targets()?;
    let initramfs = initramfs::build(&HostFiles::default())?;
    build_kernel(build, &initramfs.path)
}

/// Builds `board`'s test kernel without user space ([`Flavour::BareTest`]).
pub fn build_bare_test_kernel(board: Board) -> Result<KernelArtifacts> {
    let empty = workspace::target_dir()
        .join("xtask")
        .join("empty-initramfs.cpio");
    fs::create_dir_all(empty.parent().expect("a file in a directory"))?;
    fs::write(&empty, b"").with_context(|| format!("cannot write {}", empty.display()))?;
    let build = KernelBuild {
        board,
        profile: Profile::Debug,
        flavour: Flavour::BareTest,
    };
    build_kernel(&build, &empty)
}

/// Builds the kernel with the archive at `initramfs` (an absolute path) embedded, then writes
/// `target/kernel/<board>[-<flavour>]-<profile>/kernel.elf`, its exception table sorted and
/// audited, and the raw image `kernel8.img` beside it.
pub fn build_kernel(build: &KernelBuild, initramfs: &Path) -> Result<KernelArtifacts> {
    let mut cargo = workspace::cargo();
    cargo.args(["build", "-p", "kernel", "--target", KERNEL_TARGET]);
    cargo.args(["--features", &build.features()]);
    // The kernel's build script runs elsewhere, so a relative path would not lead there.
    cargo.env("KERNEL_INITRAMFS", initramfs);
    let cargo_target = build.cargo_target_dir();
    cargo.env("CARGO_TARGET_DIR", &cargo_target);
    if let Profile::Release = build.profile {
        cargo.arg("--release");
    }
    process::run_checked(&mut cargo)?;

    let target_dir = workspace::target_dir();
    let built = cargo_target
        .join(KERNEL_TARGET)
        .join(build.profile.directory())
        .join("kernel");
    let directory = target_dir.join("kernel").join(build.output_directory());
    fs::create_dir_all(&directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    let artifacts = KernelArtifacts {
        elf: directory.join("kernel.elf"),
        image: directory.join("kernel8.img"),
    };
    fs::copy(&built, &artifacts.elf).with_context(|| {
        format!(
            "cannot copy {} to {}",
            built.display(),
            artifacts.elf.display()
        )
    })?;
    // Only the copy is sorted, so cargo's own output stays as linked and every build starts
    // from the linker's table.
    extable_elf::sort_and_audit(&artifacts.elf)
        .with_context(|| format!("auditing {}", workspace::relative(&artifacts.elf)))?;
    let elf_bytes = fs::read(&artifacts.elf)?;
    let image = image::raw_image(&elf_bytes, build.board.load_address())
        .with_context(|| format!("cannot make a raw image of {}", artifacts.elf.display()))?;
    fs::write(&artifacts.image, image)
        .with_context(|| format!("cannot write {}", artifacts.image.display()))?;
    println!("kernel ELF: {}", workspace::relative(&artifacts.elf));
    println!("raw image:  {}", workspace::relative(&artifacts.image));
    Ok(artifacts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_directories_and_features_name_board_and_flavour() {
        let build = |board, profile, flavour| KernelBuild {
            board,
            profile,
            flavour,
        };
        let test_kernel = build(Board::Virt, Profile::Debug, Flavour::Test);
        assert_eq!(test_kernel.output_directory(), "virt-ktest-debug");
        assert_eq!(test_kernel.features(), "board-virt,ktest");
        let interactive = build(Board::Rpi3, Profile::Debug, Flavour::Qemu);
        assert_eq!(interactive.output_directory(), "rpi3-qemu-debug");
        assert_eq!(interactive.features(), "board-rpi3,qemu");
        let hardware = build(
            Board::Rpi3,
            Profile::from_release_flag(true),
            Flavour::Hardware,
        );
        assert_eq!(hardware.output_directory(), "rpi3-release");
        assert_eq!(hardware.features(), "board-rpi3");
    }
}
