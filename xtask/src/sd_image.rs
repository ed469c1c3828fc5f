//! A disk image as a Raspberry Pi's boot code reads it: an MBR whose one bootable FAT32
//! partition holds the given files, written into a regular file without root or mounting.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{Context, Result, ensure};
use fatfs::{FatType, FileSystem, FormatVolumeOptions, FsOptions};
use fscommon::{BufStream, StreamSlice};
use mbrman::{BOOT_ACTIVE, CHS, MBR, MBRPartitionEntry};

pub const SECTOR_SIZE: u32 = 512;
/// FAT32 addressed by LBA, the partition type the Pi's boot code looks for.
pub const FAT32_LBA: u8 = 0x0c;
/// 1 MiB in, where partitioning tools start the first partition, aligned to SD cards' erase
/// blocks.
const PARTITION_START_SECTOR: u32 = 2048;
pub const DEFAULT_SIZE_MIB: u64 = 64;
/// FAT32 needs at least 65525 clusters, with fatfs's 512-byte clusters on small volumes about
/// 33 MiB of partition.
const MIN_SIZE_MIB: u64 = 40;
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
pub fn image_bytes(size_mib: u64) -> Result<u64> {
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

/// Writes a `size_mib` MiB image to `path`, replacing what was there.
pub fn write(path: &Path, size_mib: u64, files: &[BootFile]) -> Result<()> {
    let bytes = image_bytes(size_mib)?;
    let mut image = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    image.set_len(bytes)?;
    let partition = write_partition_table(&mut image)?;
    write_file_system(&mut image, partition, files)
        .with_context(|| format!("cannot write the FAT32 file system of {}", path.display()))?;
    image
        .sync_all()
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Writes the MBR with one bootable FAT32 partition from 1 MiB to the end, and returns the
/// partition's byte range.
fn write_partition_table(image: &mut File) -> Result<(u64, u64)> {
    let mut mbr = MBR::new_from(image, SECTOR_SIZE, DISK_SIGNATURE)?;
    let sectors = mbr.disk_size - PARTITION_START_SECTOR;
    mbr[1] = MBRPartitionEntry {
        boot: BOOT_ACTIVE,
        // CHS addresses are for BIOSes of the last century; the Pi reads the LBA fields.
        first_chs: CHS::empty(),
        sys: FAT32_LBA,
        last_chs: CHS::empty(),
        starting_lba: PARTITION_START_SECTOR,
        sectors,
    };
    mbr.write_into(image)
        .context("cannot write the partition table")?;
    let start = u64::from(PARTITION_START_SECTOR) * u64::from(SECTOR_SIZE);
    Ok((start, start + u64::from(sectors) * u64::from(SECTOR_SIZE)))
}

fn write_file_system(image: &mut File, (start, end): (u64, u64), files: &[BootFile]) -> Result<()> {
    // Buffered, since fatfs reads and writes a sector at a time.
    let mut volume = BufStream::new(StreamSlice::new(image, start, end)?);
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
    use super::*;

    #[test]
    fn refuses_sizes_fat32_or_the_mbr_cannot_have() {
        let directory = tempfile::tempdir().unwrap();
        let error = write(&directory.path().join("small.img"), 16, &[])
            .unwrap_err()
            .to_string();
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
        let error = write(&directory.path().join("full.img"), MIN_SIZE_MIB, &[huge]).unwrap_err();
        assert!(format!("{error:#}").contains("huge.bin"), "{error:#}");
    }

    #[test]
    fn the_same_files_give_the_same_image() {
        let directory = tempfile::tempdir().unwrap();
        let files = [BootFile {
            name: "config.txt".to_owned(),
            contents: b"arm_64bit=1\n".to_vec(),
        }];
        let paths = [
            directory.path().join("a.img"),
            directory.path().join("b.img"),
        ];
        for path in &paths {
            write(path, MIN_SIZE_MIB, &files).unwrap();
        }
        assert!(std::fs::read(&paths[0]).unwrap() == std::fs::read(&paths[1]).unwrap());
    }
}
