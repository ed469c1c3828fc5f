//! A disk image as a Raspberry Pi's boot code reads it: an MBR whose bootable FAT32 partition
//! holds the given files, optionally followed by a swap partition formatted by mkswap, written
//! into a regular file without root or mounting.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::Path;

use anyhow::{Context, Result, ensure};
use fatfs::{FatType, FileSystem, FormatVolumeOptions, FsOptions};
use fscommon::{BufStream, StreamSlice};
use mbrman::{BOOT_ACTIVE, BOOT_INACTIVE, CHS, MBR, MBRPartitionEntry};

use crate::swap_disk;

pub const SECTOR_SIZE: u32 = 512;
/// FAT32 addressed by LBA, the partition type the Pi's boot code looks for.
pub const FAT32_LBA: u8 = 0x0c;
const MIB: u64 = 1 << 20;
/// 1 MiB in, where partitioning tools start the first partition, aligned to SD cards' erase
/// blocks; the swap partition starts on such a boundary too.
const PARTITION_START_SECTOR: u32 = 2048;
pub const DEFAULT_SIZE_MIB: u64 = 64;
/// FAT32 needs at least 65525 clusters, with fatfs's 512-byte clusters on small volumes about
/// 33 MiB of partition.
const MIN_SIZE_MIB: u64 = 40;
/// The boot partition of the smallest image, which the tests check with fatfs and fsck.vfat: a
/// swap partition may shrink it to this and no further.
const MIN_BOOT_PARTITION_MIB: u64 = MIN_SIZE_MIB - 1;
/// An MBR addresses 2^32 sectors of 512 bytes.
const MAX_SIZE_MIB: u64 = 2 << 20;
/// Where the FAT boot sector keeps "hidden sectors", the sectors before the volume, and the number
/// of the sector with its FAT32 backup copy.
const HIDDEN_SECTORS_FIELD: u64 = 0x1c;
const BACKUP_BOOT_SECTOR_FIELD: u64 = 0x32;
/// Fixed, as are fatfs's volume id and (without its `chrono` feature) the files' dates, so the
/// same files always give the same image.
const DISK_SIGNATURE: [u8; 4] = *b"PiK1";

/// A file in the partition's root directory.
pub struct BootFile {
    pub name: String,
    pub contents: Vec<u8>,
}

/// The size in bytes of an image of `size_mib` MiB, if the image can have that size.
fn image_bytes(size_mib: u64) -> Result<u64> {
    ensure!(
        size_mib >= MIN_SIZE_MIB,
        "an SD-card image of {size_mib} MiB is too small for FAT32; it needs at least \
         {MIN_SIZE_MIB} MiB"
    );
    ensure!(
        size_mib <= MAX_SIZE_MIB,
        "an SD-card image of {size_mib} MiB is too large for an MBR; it can have at most \
         {MAX_SIZE_MIB} MiB"
    );
    Ok(size_mib << 20)
}

/// Where an image's partitions go, in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub image_bytes: u64,
    /// The bootable FAT32 partition: from 1 MiB to the swap partition, or to the end.
    pub boot: Range<u64>,
    /// Exactly the size asked for, at the end of the image but starting on a MiB boundary, so a
    /// size of whole pages but not whole MiB leaves the image's last few KiB unused.
    pub swap: Option<Range<u64>>,
}

impl Layout {
    /// The layout of a `size_mib` MiB image, with a swap partition of `swap_bytes` if given.
    pub fn new(size_mib: u64, swap_bytes: Option<u64>) -> Result<Self> {
        let image_bytes = image_bytes(size_mib)?;
        let boot_start = u64::from(PARTITION_START_SECTOR) * u64::from(SECTOR_SIZE);
        let Some(swap_bytes) = swap_bytes else {
            return Ok(Layout {
                image_bytes,
                boot: boot_start..image_bytes,
                swap: None,
            });
        };
        swap_disk::check_swap_bytes(swap_bytes)?;
        let swap_start = image_bytes.saturating_sub(swap_bytes) / MIB * MIB;
        let boot_bytes = swap_start.saturating_sub(boot_start);
        ensure!(
            boot_bytes >= MIN_BOOT_PARTITION_MIB * MIB,
            "a swap partition of {swap_bytes} bytes leaves {boot_bytes} bytes ({} MiB) of the \
             {size_mib} MiB image to the FAT32 boot partition, which needs at least \
             {MIN_BOOT_PARTITION_MIB} MiB: give a larger --size (at least {} MiB) or a smaller \
             --swap",
            boot_bytes / MIB,
            1 + MIN_BOOT_PARTITION_MIB + swap_bytes.div_ceil(MIB)
        );
        Ok(Layout {
            image_bytes,
            boot: boot_start..swap_start,
            swap: Some(swap_start..swap_start + swap_bytes),
        })
    }
}

/// Writes the image of `layout` to `path`, replacing what was there.
pub fn write(path: &Path, layout: &Layout, files: &[BootFile]) -> Result<()> {
    let mut image = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    image.set_len(layout.image_bytes)?;
    write_partition_table(&mut image, layout)?;
    write_file_system(&mut image, &layout.boot, files)
        .with_context(|| format!("cannot write the FAT32 file system of {}", path.display()))?;
    if let Some(swap) = &layout.swap {
        swap_disk::format_swap(path, swap.start, swap.end - swap.start)?;
    }
    image
        .sync_all()
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Writes the MBR: the bootable FAT32 partition first, then the swap partition if any, so that
/// the kernel names it mmcblk0p2.
fn write_partition_table(image: &mut File, layout: &Layout) -> Result<()> {
    let mut mbr = MBR::new_from(image, SECTOR_SIZE, DISK_SIGNATURE)?;
    mbr[1] = entry(BOOT_ACTIVE, FAT32_LBA, &layout.boot)?;
    if let Some(swap) = &layout.swap {
        mbr[2] = entry(BOOT_INACTIVE, swap_disk::TYPE_SWAP, swap)?;
    }
    mbr.write_into(image)
        .context("cannot write the partition table")
}

/// A partition table entry for the sector-aligned byte range `bytes`.
fn entry(boot: u8, sys: u8, bytes: &Range<u64>) -> Result<MBRPartitionEntry> {
    let sector = u64::from(SECTOR_SIZE);
    Ok(MBRPartitionEntry {
        boot,
        // CHS addresses are for BIOSes of the last century; the Pi reads the LBA fields.
        first_chs: CHS::empty(),
        sys,
        last_chs: CHS::empty(),
        starting_lba: u32::try_from(bytes.start / sector)?,
        sectors: u32::try_from((bytes.end - bytes.start) / sector)?,
    })
}

fn write_file_system(image: &mut File, bytes: &Range<u64>, files: &[BootFile]) -> Result<()> {
    // Buffered, since fatfs reads and writes a sector at a time.
    let mut volume = BufStream::new(StreamSlice::new(image, bytes.start, bytes.end)?);
    fatfs::format_volume(
        &mut volume,
        FormatVolumeOptions::new()
            .fat_type(FatType::Fat32)
            .volume_label(*b"BOOT       "),
    )?;
    set_hidden_sectors(&mut volume, PARTITION_START_SECTOR)?;
    let file_system = FileSystem::new(&mut volume, FsOptions::new())?;
    for file in files {
        file_system
            .root_dir()
            .create_file(&file.name)?
            .write_all(&file.contents)
            .with_context(|| {
                format!(
                    "cannot write {} ({} bytes): the image may be too small for the files",
                    file.name,
                    file.contents.len()
                )
            })?;
    }
    file_system.unmount()?;
    volume.flush()?;
    Ok(())
}

/// fatfs 0.3 writes 0 hidden sectors, right for a volume without partition table only. The Pi finds
/// the volume through the MBR either way, but DOS-lineage systems take the field for the truth.
fn set_hidden_sectors(volume: &mut (impl Read + Write + Seek), sectors: u32) -> io::Result<()> {
    let mut backup = [0; 2];
    volume.seek(SeekFrom::Start(BACKUP_BOOT_SECTOR_FIELD))?;
    volume.read_exact(&mut backup)?;
    for boot_sector in [0, u64::from(u16::from_le_bytes(backup))] {
        volume.seek(SeekFrom::Start(
            boot_sector * u64::from(SECTOR_SIZE) + HIDDEN_SECTORS_FIELD,
        ))?;
        volume.write_all(&sectors.to_le_bytes())?;
    }
    // fatfs expects to find the volume at its start.
    volume.seek(SeekFrom::Start(0))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::swap_disk::tests::assert_swap_header;

    const CONFIG_TXT: &[u8] = b"arm_64bit=1\n";

    fn config_txt() -> BootFile {
        BootFile {
            name: "config.txt".to_owned(),
            contents: CONFIG_TXT.to_vec(),
        }
    }

    /// The bytes of a `size_mib` MiB image with config.txt and a swap partition of `swap_bytes`.
    fn image_with_swap(size_mib: u64, swap_bytes: u64) -> Vec<u8> {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("swap.img");
        let layout = Layout::new(size_mib, Some(swap_bytes)).unwrap();
        write(&path, &layout, &[config_txt()]).unwrap();
        std::fs::read(&path).unwrap()
    }

    #[test]
    fn refuses_sizes_fat32_or_the_mbr_cannot_have() {
        let error = Layout::new(16, None).unwrap_err().to_string();
        assert!(error.contains("at least 40 MiB"), "{error}");
        let error = image_bytes(u64::MAX).unwrap_err().to_string();
        assert!(error.contains("at most 2097152 MiB"), "{error}");
        assert_eq!(image_bytes(64).unwrap(), 64 << 20);
    }

    #[test]
    fn files_that_do_not_fit_are_an_error_naming_the_file() {
        let directory = tempfile::tempdir().unwrap();
        let huge = BootFile {
            name: "huge.bin".to_owned(),
            contents: vec![0xa5; 48 << 20],
        };
        let layout = Layout::new(MIN_SIZE_MIB, None).unwrap();
        let error = write(&directory.path().join("full.img"), &layout, &[huge]).unwrap_err();
        assert!(format!("{error:#}").contains("huge.bin"), "{error:#}");
    }

    #[test]
    fn the_same_files_give_the_same_image() {
        let directory = tempfile::tempdir().unwrap();
        let paths = [
            directory.path().join("a.img"),
            directory.path().join("b.img"),
        ];
        let layout = Layout::new(MIN_SIZE_MIB, None).unwrap();
        for path in &paths {
            write(path, &layout, &[config_txt()]).unwrap();
        }
        assert!(std::fs::read(&paths[0]).unwrap() == std::fs::read(&paths[1]).unwrap());
    }

    #[test]
    fn without_swap_the_boot_partition_reaches_the_end() {
        assert_eq!(
            Layout::new(64, None).unwrap(),
            Layout {
                image_bytes: 64 * MIB,
                boot: MIB..64 * MIB,
                swap: None,
            }
        );
    }

    #[test]
    fn swap_of_partial_mib_starts_on_a_mib_and_keeps_its_size() {
        let swap_bytes = 1028 << 10;
        assert_eq!(
            Layout::new(64, Some(swap_bytes)).unwrap(),
            Layout {
                image_bytes: 64 * MIB,
                boot: MIB..62 * MIB,
                swap: Some(62 * MIB..62 * MIB + swap_bytes),
            }
        );
    }

    #[test]
    fn the_mbr_has_the_bootable_fat32_partition_then_the_swap_partition() {
        let image = image_with_swap(64, 8 * MIB);
        let mbr = MBR::read_from(&mut Cursor::new(&image), SECTOR_SIZE).unwrap();
        let entries: Vec<_> = mbr
            .iter()
            .map(|(_, entry)| (entry.sys, entry.boot, entry.starting_lba, entry.sectors))
            .collect();
        assert_eq!(
            entries,
            [
                (FAT32_LBA, BOOT_ACTIVE, 2048, 55 * 2048),
                (swap_disk::TYPE_SWAP, BOOT_INACTIVE, 56 * 2048, 8 * 2048),
                (0, BOOT_INACTIVE, 0, 0),
                (0, BOOT_INACTIVE, 0, 0),
            ]
        );
        assert_eq!(image.len() as u64, 64 * MIB);
    }

    #[test]
    fn the_swap_partition_carries_mkswaps_header_for_its_pages() {
        // 257 pages: a size that is not whole MiB, so the header must count the partition's
        // pages, not the MiB the partition starts on.
        let swap_bytes = 1028 << 10;
        let image = image_with_swap(64, swap_bytes);
        let area = &image[(62 * MIB) as usize..][..swap_bytes as usize];
        assert_swap_header(area);
        assert_eq!(&area[1028..1032], &256u32.to_le_bytes(), "last page");
        assert!(
            image[(62 * MIB + swap_bytes) as usize..]
                .iter()
                .all(|&byte| byte == 0),
            "past the swap partition"
        );
    }

    #[test]
    fn the_shrunk_boot_partition_still_holds_the_files() {
        let image = image_with_swap(64, 8 * MIB);
        let volume = Cursor::new(image[MIB as usize..(56 * MIB) as usize].to_vec());
        let file_system = FileSystem::new(volume, FsOptions::new()).unwrap();
        assert_eq!(file_system.fat_type(), FatType::Fat32);
        let mut contents = Vec::new();
        file_system
            .root_dir()
            .open_file("config.txt")
            .unwrap()
            .read_to_end(&mut contents)
            .unwrap();
        assert_eq!(contents, CONFIG_TXT);
        let stats = file_system.stats().unwrap();
        let volume_bytes = u64::from(stats.total_clusters()) * u64::from(stats.cluster_size());
        assert!(
            (50 * MIB..55 * MIB).contains(&volume_bytes),
            "{volume_bytes} bytes of clusters in a partition of 55 MiB"
        );
    }

    #[test]
    fn a_swap_that_leaves_fat32_too_little_is_an_error_naming_the_sizes() {
        // 24 MiB of swap leaves the boot partition of a 64 MiB image exactly the minimum; a page
        // more moves the swap's start down a MiB.
        assert_eq!(
            Layout::new(64, Some(24 * MIB)).unwrap().boot,
            MIB..(MIN_BOOT_PARTITION_MIB + 1) * MIB
        );
        let error = Layout::new(64, Some(24 * MIB + 4096))
            .unwrap_err()
            .to_string();
        for number in [
            "25169920 bytes",
            "(38 MiB)",
            "64 MiB image",
            "at least 39 MiB",
        ] {
            assert!(error.contains(number), "{number}: {error}");
        }
        assert!(error.contains("--size (at least 65 MiB)"), "{error}");
        let error = Layout::new(64, Some(1 << 30)).unwrap_err().to_string();
        assert!(error.contains("leaves 0 bytes"), "{error}");
    }

    #[test]
    fn a_swap_of_partial_pages_or_under_a_mib_is_an_error_naming_its_bytes() {
        for (bytes, named) in [(MIB + 512, "1049088 bytes"), (512 << 10, "524288 bytes")] {
            let error = Layout::new(64, Some(bytes)).unwrap_err().to_string();
            assert!(
                error.contains(named) && error.contains("not whole 4096-byte pages"),
                "{error}"
            );
        }
    }
}
