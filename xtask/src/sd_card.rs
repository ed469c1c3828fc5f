//! `cargo xtask image`: an SD card for a Raspberry Pi, as a disk image and as the same files
//! loose in a boot/ folder beside it, for copying onto a card that already has a FAT partition.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};

use crate::board::Board;
use crate::build::{self, Flavour, KernelBuild, Profile};
use crate::chainloader;
use crate::config_txt::config_txt;
use crate::firmware;
use crate::raspberry_pi::RaspberryPi;
use crate::sd_image::{self, BootFile, Layout};
use crate::workspace;

/// The image's name when no output path is given; it goes beside the kernel it holds.
const IMAGE_FILE: &str = "sdcard.img";

/// What goes on a card.
pub struct CardSpec<'a> {
    pub board: Board,
    /// The raw image the firmware starts: the kernel, or another program such as a chainloader.
    pub boot_image: &'a Path,
    /// The firmware files' directory; None fetches Debian's package.
    pub firmware: Option<&'a Path>,
    pub size_mib: u64,
    /// A swap partition of this many bytes after the boot partition.
    pub swap_bytes: Option<u64>,
}

/// How `cargo xtask image` and `cargo xtask flash` build their card.
pub struct Options {
    pub board: Board,
    pub profile: Profile,
    pub firmware: Option<PathBuf>,
    pub size_mib: u64,
    pub swap_bytes: Option<u64>,
    /// The chainloader in place of the kernel, which then comes over the serial line
    /// (`cargo xtask chainboot`).
    pub chainloader: bool,
}

/// The card's layout, for refusing a board, size or swap partition that cannot make a card
/// before the build takes its time.
pub fn check(options: &Options) -> Result<Layout> {
    let (_, layout) = pi_and_layout(options.board, options.size_mib, options.swap_bytes)?;
    Ok(layout)
}

/// The board's Pi and its card's layout, once they go together: a swap partition is of use only
/// to a kernel that can read the card.
fn pi_and_layout(
    board: Board,
    size_mib: u64,
    swap_bytes: Option<u64>,
) -> Result<(RaspberryPi, Layout)> {
    let pi = RaspberryPi::of(board)?;
    ensure!(
        swap_bytes.is_none() || board.has_disk_driver(),
        "--swap: the kernel for board {} has no driver for its SD-card controller, so it could \
         not use a swap partition on the card; only rpi3 and rpi4 (the EMMC and EMMC2 controllers) \
         have one",
        board.name()
    );
    Ok((pi, Layout::new(size_mib, swap_bytes)?))
}

/// Builds the kernel for the board itself (no semihosting), or the chainloader, and writes its
/// card to `output`, by default beside it; returns the image's path.
pub fn build(options: &Options, output: Option<&Path>) -> Result<PathBuf> {
    check(options)?;
    let boot_image = if options.chainloader {
        chainloader::build_image(options.board, options.profile)?
    } else {
        build::build_with_user_space(&KernelBuild {
            board: options.board,
            profile: options.profile,
            flavour: Flavour::Hardware,
        })?
        .image
    };
    let image = output.map_or_else(|| boot_image.with_file_name(IMAGE_FILE), Path::to_owned);
    write(
        &CardSpec {
            board: options.board,
            boot_image: &boot_image,
            firmware: options.firmware.as_deref(),
            size_mib: options.size_mib,
            swap_bytes: options.swap_bytes,
        },
        &image,
    )?;
    Ok(image)
}

/// The folder beside `image` with the card's files loose.
pub fn boot_folder(image: &Path) -> PathBuf {
    image.with_file_name("boot")
}

/// Writes the card image to `image` and its files into the boot/ folder beside it, and lists
/// them.
pub fn write(spec: &CardSpec, image: &Path) -> Result<()> {
    let (pi, layout) = pi_and_layout(spec.board, spec.size_mib, spec.swap_bytes)?;
    let files = card_files(pi, spec)?;
    let boot_folder = boot_folder(image);
    fs::create_dir_all(&boot_folder)
        .with_context(|| format!("cannot create {}", boot_folder.display()))?;
    sd_image::write(image, &layout, &files)?;
    for file in &files {
        let path = boot_folder.join(&file.name);
        fs::write(&path, &file.contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let partitions = if layout.swap.is_some() {
        "a bootable FAT32 partition and a swap partition"
    } else {
        "one bootable FAT32 partition"
    };
    println!(
        "SD-card image for {}: {} ({} MiB: an MBR with {partitions}) holding",
        spec.board.name(),
        workspace::relative(image),
        spec.size_mib
    );
    for file in &files {
        println!("  {:<16} {:>9} bytes", file.name, file.contents.len());
    }
    if let Some(swap) = &layout.swap {
        println!(
            "and after it a swap partition of {} KiB formatted by mkswap, which the kernel names \
             /dev/mmcblk0p2: `swapon /dev/mmcblk0p2` enables it",
            (swap.end - swap.start) >> 10
        );
    }
    println!(
        "the same files, to copy onto a card that has a FAT boot partition: {}/",
        workspace::relative(&boot_folder)
    );
    Ok(())
}

/// The kernel under the name the firmware looks for, config.txt and the firmware files.
fn card_files(pi: RaspberryPi, spec: &CardSpec) -> Result<Vec<BootFile>> {
    let kernel = BootFile {
        name: pi.kernel_file().to_owned(),
        contents: fs::read(spec.boot_image)
            .with_context(|| format!("cannot read {}", spec.boot_image.display()))?,
    };
    let config = BootFile {
        name: "config.txt".to_owned(),
        contents: config_txt(pi).into_bytes(),
    };
    let mut files = vec![kernel, config];
    files.extend(firmware::load(pi, spec.firmware)?);
    Ok(files)
}
