//! The chainloader (bsp/chainloader) for a Raspberry Pi, built as a raw image to put on the SD
//! card in place of the kernel.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chainloader_protocol::CHAINLOADER_ADDRESS;

use crate::board::Board;
use crate::build::{KERNEL_TARGET, Profile};
use crate::image;
use crate::prereq;
use crate::process;
use crate::raspberry_pi::RaspberryPi;
use crate::workspace;

/// Builds the chainloader for `board` and writes its raw image to
/// `target/chainloader/<board>-<profile>/chainloader.img`; returns that path. The firmware loads
/// it where the kernel would go and starts it the same way.
pub fn build_image(board: Board, profile: Profile) -> Result<PathBuf> {
    // Refuses virt, which boots no SD card, before the build takes its time.
    RaspberryPi::of(board)?;
    prereq::ensure_rust_targets()?;
    let mut cargo = workspace::cargo();
    cargo.args(["build", "-p", "chainloader", "--target", KERNEL_TARGET]);
    cargo.args(["--features", &format!("board-{}", board.name())]);
    if let Profile::Release = profile {
        cargo.arg("--release");
    }
    process::run_checked(&mut cargo)?;

    let target_dir = workspace::target_dir();
    let elf = target_dir
        .join(KERNEL_TARGET)
        .join(profile.directory())
        .join("chainloader");
    let elf_bytes = fs::read(&elf).with_context(|| format!("cannot read {}", elf.display()))?;
    // The image starts with the code that copies it to where it is linked, wherever it was loaded.
    let image = image::raw_image(&elf_bytes, CHAINLOADER_ADDRESS as u64)
        .with_context(|| format!("cannot make a raw image of {}", elf.display()))?;
    let directory =
        target_dir
            .join("chainloader")
            .join(format!("{}-{}", board.name(), profile.directory()));
    fs::create_dir_all(&directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    let path = directory.join("chainloader.img");
    fs::write(&path, image).with_context(|| format!("cannot write {}", path.display()))?;
    println!("chainloader: {}", workspace::relative(&path));
    Ok(path)
}
