//! Building the kernel with cargo and keeping its ELF and raw image apart per board and flavour.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::board::Board;
use crate::image;
use crate::process;
use crate::workspace;

pub const KERNEL_TARGET: &str = "aarch64-unknown-none-softfloat";

#[derive(Clone, Copy)]
pub enum Profile {
    Debug,
    Release,
}

/// Which kernel to build.
pub struct KernelBuild {
    pub board: Board,
    pub profile: Profile,
    /// The test kernel, which runs the in-kernel tests after boot and exits QEMU.
    pub ktest: bool,
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
    fn directory(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
        }
    }
}

impl KernelBuild {
    /// `rpi3-ktest-debug`: one directory per flavour, since every build writes the same cargo
    /// output path.
    fn flavour(&self) -> String {
        let ktest = if self.ktest { "-ktest" } else { "" };
        format!("{}{ktest}-{}", self.board.name(), self.profile.directory())
    }

    fn features(&self) -> String {
        let ktest = if self.ktest { ",ktest" } else { "" };
        format!("board-{}{ktest}", self.board.name())
    }
}

/// Builds the kernel, then writes `target/kernel/<flavour>/kernel.elf` and the raw image
/// `kernel8.img` beside it.
pub fn build_kernel(build: &KernelBuild) -> Result<KernelArtifacts> {
    let mut cargo = workspace::cargo();
    cargo.args(["build", "-p", "kernel", "--target", KERNEL_TARGET]);
    cargo.args(["--features", &build.features()]);
    if let Profile::Release = build.profile {
        cargo.arg("--release");
    }
    process::run_checked(&mut cargo)?;

    let target_dir = workspace::target_dir();
    let built = target_dir
        .join(KERNEL_TARGET)
        .join(build.profile.directory())
        .join("kernel");
    let directory = target_dir.join("kernel").join(build.flavour());
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
    fn flavours_and_features_name_board_and_test_build() {
        let test_kernel = KernelBuild {
            board: Board::Virt,
            profile: Profile::Debug,
            ktest: true,
        };
        assert_eq!(test_kernel.flavour(), "virt-ktest-debug");
        assert_eq!(test_kernel.features(), "board-virt,ktest");
        let release = KernelBuild {
            board: Board::Rpi3,
            profile: Profile::from_release_flag(true),
            ktest: false,
        };
        assert_eq!(release.flavour(), "rpi3-release");
        assert_eq!(release.features(), "board-rpi3");
    }
}
