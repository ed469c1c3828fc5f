//! Host test of the SD cards `cargo xtask image` writes for rpi3, rpi4 and rpi5 (and rpi3's with
//! a swap partition), from a dummy kernel and fake firmware, read back as the firmware would and
//! checked by fsck.vfat where it is installed: no network, no kernel build.

use std::fs;
use std::io::{self, Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use fatfs::{FatType, FileSystem, FsOptions};
use mbrman::MBR;
use tempfile::TempDir;

use crate::board::Board;
use crate::build::Profile;
use crate::config_txt::config_txt;
use crate::raspberry_pi::RaspberryPi;
use crate::sd_card::{self, CardSpec};
use crate::sd_image::{self, FAT32_LBA, SECTOR_SIZE};
use crate::swap_disk::{self, tests::assert_swap_header};

const ALL: [RaspberryPi; 3] = [RaspberryPi::Pi3, RaspberryPi::Pi4, RaspberryPi::Pi5];
/// Every firmware file either Pi could want, and one (the camera firmware) that none does.
const FAKE_FIRMWARE: [&str; 6] = [
    "bootcode.bin",
    "start.elf",
    "fixup.dat",
    "start4.elf",
    "fixup4.dat",
    "start_x.elf",
];
const FSCK: &str = "fsck.vfat";
const SWAP_BYTES: u64 = 16 << 20;

/// A card written in a temporary directory, with the inputs it was written from.
struct WrittenCard {
    pi: RaspberryPi,
    directory: TempDir,
    image: PathBuf,
    kernel: Vec<u8>,
    swap_bytes: Option<u64>,
}

impl WrittenCard {
    fn new(pi: RaspberryPi) -> Self {
        Self::with_swap(pi, None)
    }

    fn with_swap(pi: RaspberryPi, swap_bytes: Option<u64>) -> Self {
        let directory = tempfile::tempdir().unwrap();
        let firmware = directory.path().join("firmware");
        fs::create_dir(&firmware).unwrap();
        for (index, name) in FAKE_FIRMWARE.iter().enumerate() {
            // Sizes differ, and some span several 512-byte clusters.
            let contents = format!("fake {name}\n").repeat(100 * index + 1);
            fs::write(firmware.join(name), contents).unwrap();
        }
        let kernel: Vec<u8> = (0..300_000u32).map(|at| (at % 253) as u8).collect();
        let kernel_path = directory.path().join("kernel8.img");
        fs::write(&kernel_path, &kernel).unwrap();
        let image = directory.path().join("out/sdcard.img");
        sd_card::write(
            &CardSpec {
                board: pi.board(),
                boot_image: &kernel_path,
                firmware: Some(&firmware),
                size_mib: sd_image::DEFAULT_SIZE_MIB,
                swap_bytes,
            },
            &image,
        )
        .unwrap();
        WrittenCard {
            pi,
            directory,
            image,
            kernel,
            swap_bytes,
        }
    }

    /// Every file the card must hold, with its contents.
    fn expected_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = vec![
            (self.pi.kernel_file().to_owned(), self.kernel.clone()),
            ("config.txt".to_owned(), config_txt(self.pi).into_bytes()),
        ];
        for name in self.pi.firmware_files() {
            let path = self.directory.path().join("firmware").join(name);
            files.push(((*name).to_owned(), fs::read(path).unwrap()));
        }
        files.sort();
        files
    }

    /// The bytes of the boot partition, after checking the partition table around it and the
    /// swap partition after it, if the card has one.
    fn partition(&self) -> Vec<u8> {
        let image = fs::read(&self.image).unwrap();
        assert_eq!(image.len() as u64, sd_image::DEFAULT_SIZE_MIB << 20);
        let mbr = MBR::read_from(&mut Cursor::new(&image), SECTOR_SIZE).unwrap();
        let used: Vec<_> = mbr
            .iter()
            .filter(|(_, partition)| partition.is_used())
            .collect();
        let expected = 1 + usize::from(self.swap_bytes.is_some());
        assert_eq!(used.len(), expected, "{:?}: {used:?}", self.pi);
        if let Some(swap_bytes) = self.swap_bytes {
            let (index, swap) = used[1];
            assert_eq!((index, swap.sys), (2, swap_disk::TYPE_SWAP), "{swap:?}");
            assert!(!swap.is_active(), "{swap:?}");
            let start = u64::from(swap.starting_lba) * u64::from(SECTOR_SIZE);
            assert_eq!(u64::from(swap.sectors) * u64::from(SECTOR_SIZE), swap_bytes);
            assert_swap_header(&image[start as usize..][..swap_bytes as usize]);
        }
        let (_, partition) = used[0];
        assert_eq!(partition.sys, FAT32_LBA, "{:?}", self.pi);
        assert!(partition.is_active(), "{:?}: not bootable", self.pi);
        let sector = u64::from(SECTOR_SIZE);
        let start = u64::from(partition.starting_lba) * sector;
        let end = start + u64::from(partition.sectors) * sector;
        assert!(
            start >= sector && end <= image.len() as u64,
            "{partition:?}"
        );
        let volume = image[start as usize..end as usize].to_vec();
        // "Hidden sectors" in the boot sector and its backup (sector 6) agree with the MBR.
        for boot_sector in [0, 6 * SECTOR_SIZE as usize] {
            let field = &volume[boot_sector + 0x1c..boot_sector + 0x20];
            assert_eq!(field, partition.starting_lba.to_le_bytes(), "{:?}", self.pi);
        }
        volume
    }
}

/// Every file in the root directory of the FAT32 file system in `partition`, with its contents.
fn read_back(partition: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    let file_system = FileSystem::new(Cursor::new(partition), FsOptions::new()).unwrap();
    assert_eq!(file_system.fat_type(), FatType::Fat32);
    let mut files = Vec::new();
    for entry in file_system.root_dir().iter() {
        let entry = entry.unwrap();
        assert!(entry.is_file(), "{} is not a file", entry.file_name());
        let mut contents = Vec::new();
        entry.to_file().read_to_end(&mut contents).unwrap();
        assert_eq!(contents.len() as u64, entry.len(), "{}", entry.file_name());
        files.push((entry.file_name(), contents));
    }
    files.sort();
    files
}

fn read_folder(folder: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(folder)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn names(files: &[(String, Vec<u8>)]) -> Vec<&str> {
    files.iter().map(|(name, _)| name.as_str()).collect()
}

#[test]
fn each_card_holds_exactly_its_boards_files_in_one_bootable_fat32_partition() {
    for pi in ALL {
        let card = WrittenCard::new(pi);
        let expected = card.expected_files();
        let on_card = read_back(card.partition());
        assert_eq!(names(&on_card), names(&expected), "{pi:?}");
        assert!(on_card == expected, "{pi:?}: a file's contents differ");
        assert!(
            read_folder(&sd_card::boot_folder(&card.image)) == expected,
            "{pi:?}: the boot/ folder differs from the card"
        );
    }
}

#[test]
fn each_card_has_the_kernel_file_and_config_txt_its_firmware_looks_for() {
    let expected = [
        (
            RaspberryPi::Pi3,
            "kernel8.img",
            &["bootcode.bin", "start.elf", "fixup.dat"][..],
        ),
        (
            RaspberryPi::Pi4,
            "kernel8.img",
            &["start4.elf", "fixup4.dat"][..],
        ),
        (RaspberryPi::Pi5, "kernel_2712.img", &[][..]),
    ];
    for (pi, kernel, firmware) in expected {
        let card = WrittenCard::new(pi);
        let files = read_back(card.partition());
        let config = &files
            .iter()
            .find(|(name, _)| name == "config.txt")
            .unwrap()
            .1;
        let config = String::from_utf8(config.clone()).unwrap();
        assert!(config.contains(&format!("\nkernel={kernel}\n")), "{config}");
        assert!(config.contains("\narm_64bit=1\n") && config.contains("\nenable_uart=1\n"));
        assert_eq!(
            config.contains("\ndtoverlay=disable-bt\n"),
            pi != RaspberryPi::Pi5,
            "{config}"
        );
        for name in firmware.iter().chain([&kernel]) {
            assert!(names(&files).contains(name), "{pi:?} lacks {name}");
        }
    }
}

#[test]
fn the_rpi3_card_with_swap_holds_its_files_before_the_swap_partition() {
    let card = WrittenCard::with_swap(RaspberryPi::Pi3, Some(SWAP_BYTES));
    let partition = card.partition();
    assert_eq!(
        partition.len() as u64,
        ((sd_image::DEFAULT_SIZE_MIB - 1) << 20) - SWAP_BYTES
    );
    assert!(read_back(partition) == card.expected_files());
    if let Some(fsck) =
        fsck_vfat_or_note("the_rpi3_card_with_swap_holds_its_files_before_the_swap_partition")
    {
        assert_fsck_vfat_passes(&fsck, &card);
    }
}

#[test]
fn swap_is_refused_for_rpi5_which_has_no_sd_card_driver() {
    let options = |board| sd_card::Options {
        board,
        profile: Profile::Debug,
        firmware: None,
        size_mib: sd_image::DEFAULT_SIZE_MIB,
        swap_bytes: Some(SWAP_BYTES),
        chainloader: false,
    };
    let error = sd_card::check(&options(Board::Rpi5))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("board rpi5 has no driver") && error.contains("rpi3 and rpi4"),
        "{error}"
    );
    for board in [Board::Rpi3, Board::Rpi4] {
        let layout = sd_card::check(&options(board)).unwrap();
        assert_eq!(
            layout.swap.map(|swap| swap.end - swap.start),
            Some(SWAP_BYTES)
        );
    }
    // The card is written through write() too, which refuses before it reads or writes a file.
    let directory = tempfile::tempdir().unwrap();
    let image = directory.path().join("sdcard.img");
    let error = sd_card::write(
        &CardSpec {
            board: Board::Rpi5,
            boot_image: &directory.path().join("missing-kernel8.img"),
            firmware: None,
            size_mib: sd_image::DEFAULT_SIZE_MIB,
            swap_bytes: Some(SWAP_BYTES),
        },
        &image,
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("board rpi5 has no driver"), "{error}");
    assert!(!image.exists());
}

#[test]
fn each_card_passes_fsck_vfat() {
    let Some(fsck) = fsck_vfat_or_note("each_card_passes_fsck_vfat") else {
        return;
    };
    for pi in ALL {
        assert_fsck_vfat_passes(&fsck, &WrittenCard::new(pi));
    }
}

/// fsck.vfat, or None after a note that `test` checked nothing with it.
fn fsck_vfat_or_note(test: &str) -> Option<PathBuf> {
    let fsck = fsck_vfat();
    if fsck.is_none() {
        // Captured output would hide the note, so it goes to stderr directly.
        let _ = writeln!(
            io::stderr(),
            "NOTE: {FSCK} is not installed (Debian package dosfstools), so \
             sd_card_tests::{test} checked nothing with it"
        );
    }
    fsck
}

fn assert_fsck_vfat_passes(fsck: &Path, card: &WrittenCard) {
    let partition = card.directory.path().join("partition.img");
    fs::write(&partition, card.partition()).unwrap();
    let output = Command::new(fsck)
        .arg("-n")
        .arg(&partition)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{FSCK} -n failed for {:?} ({}):\n{}{}",
        card.pi,
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// fsck.vfat on PATH, or in /usr/sbin or /sbin, which a user's PATH may lack.
fn fsck_vfat() -> Option<PathBuf> {
    let on_path = Command::new(FSCK).arg("--help").output().is_ok();
    if on_path {
        return Some(PathBuf::from(FSCK));
    }
    ["/usr/sbin", "/sbin"]
        .iter()
        .map(|directory| Path::new(directory).join(FSCK))
        .find(|path| path.is_file())
}
