//! Disk images with swap partitions for QEMU (virt's virtio-blk, the raspi machines' SD
//! card): an MBR, partitions aligned to
//! 1 MiB, each swap partition formatted by util-linux's `mkswap` (so the kernel reads the
//! header Linux's tools write, not one of our own making).

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

use crate::process;
use crate::qemu::QemuMachine;

const MIB: u64 = 1 << 20;
const SECTOR: u64 = 512;
/// The kernel's page, which mkswap's header and every swapped-out page fill.
const PAGE: u64 = 4096;
/// MBR partition types: Linux swap, and Linux data (left unformatted).
pub(crate) const TYPE_SWAP: u8 = 0x82;
const TYPE_LINUX: u8 = 0x83;

/// One partition: its size, and whether mkswap formats it.
#[derive(Clone, Copy, Debug)]
pub struct PartitionSpec {
    pub bytes: u64,
    pub swap: bool,
}

/// `64M`, `1G`, `512K` or bytes: the size `cargo xtask qemu --swap` takes.
pub fn parse_size(text: &str) -> Result<u64> {
    let (digits, unit) = match text.char_indices().last() {
        Some((at, 'K' | 'k')) => (&text[..at], 1 << 10),
        Some((at, 'M' | 'm')) => (&text[..at], MIB),
        Some((at, 'G' | 'g')) => (&text[..at], 1 << 30),
        _ => (text, 1),
    };
    let value: u64 = digits
        .parse()
        .with_context(|| format!("`{text}` is not a size like 64M or 1G"))?;
    let bytes = value.checked_mul(unit).context("size too large")?;
    check_swap_bytes(bytes)?;
    Ok(bytes)
}

/// Refuses a swap partition under 1 MiB or of a partial page: for `--swap`'s parser and for
/// the SD-card image's layout, which is also given bytes by its callers.
pub(crate) fn check_swap_bytes(bytes: u64) -> Result<()> {
    ensure!(
        bytes >= MIB && bytes.is_multiple_of(PAGE),
        "a swap partition of {bytes} bytes is too small or not whole {PAGE}-byte pages: give at \
         least 1M"
    );
    Ok(())
}

/// Where each partition starts, in bytes, and the disk's size: a power of two, as QEMU's SD
/// card must be.
fn layout(partitions: &[PartitionSpec]) -> (Vec<u64>, u64) {
    let mut starts = Vec::new();
    let mut next = MIB;
    for partition in partitions {
        starts.push(next);
        next += partition.bytes.div_ceil(MIB) * MIB;
    }
    (starts, next.next_power_of_two())
}

/// The MBR for `partitions` at `starts`.
fn master_boot_record(partitions: &[PartitionSpec], starts: &[u64]) -> [u8; 512] {
    let mut sector = [0u8; 512];
    for (i, (partition, start)) in partitions.iter().zip(starts).enumerate() {
        let entry = &mut sector[446 + 16 * i..][..16];
        // CHS fields left at the "use LBA" values Linux's fdisk writes for large disks.
        entry[1..4].copy_from_slice(&[0xfe, 0xff, 0xff]);
        entry[4] = if partition.swap {
            TYPE_SWAP
        } else {
            TYPE_LINUX
        };
        entry[5..8].copy_from_slice(&[0xfe, 0xff, 0xff]);
        entry[8..12].copy_from_slice(&((start / SECTOR) as u32).to_le_bytes());
        entry[12..16].copy_from_slice(&((partition.bytes / SECTOR) as u32).to_le_bytes());
    }
    sector[510] = 0x55;
    sector[511] = 0xaa;
    sector
}

/// Writes a new disk image at `path` with up to four `partitions`; returns where each
/// starts, in bytes.
pub fn make(path: &Path, partitions: &[PartitionSpec]) -> Result<Vec<u64>> {
    if partitions.len() > 4 {
        bail!(
            "an MBR holds four primary partitions, not {}",
            partitions.len()
        );
    }
    // Before the image, so that a missing mkswap leaves nothing half made.
    mkswap()?;
    let (starts, size) = layout(partitions);
    let mut disk =
        File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    disk.set_len(size)?;
    disk.write_all(&master_boot_record(partitions, &starts))?;
    for (partition, start) in partitions.iter().zip(&starts) {
        if partition.swap {
            format_swap(path, *start, partition.bytes)?;
        }
    }
    Ok(starts)
}

/// Formats the `len` bytes at `byte_offset` of the image at `path` as a swap area. mkswap
/// runs on a scratch file of the area's size beside the image (it cannot be pointed into
/// the middle of a file), and its header page is copied in: the rest of a new area is zeros,
/// as in the image.
pub(crate) fn format_swap(path: &Path, byte_offset: u64, len: u64) -> Result<()> {
    let mkswap = mkswap()?;
    let scratch = path.with_extension("mkswap");
    File::create(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?
        .set_len(len)?;
    // The kernel's page size whatever the build machine's, and no random UUID, so that the
    // same sizes always give the same image.
    let mut command = Command::new(&mkswap);
    command
        .args(["--quiet", "--pagesize", "4096", "--uuid", "clear"])
        .arg(&scratch);
    let header = process::run_checked(&mut command).and_then(|()| {
        let mut header = [0; PAGE as usize];
        File::open(&scratch)?.read_exact(&mut header)?;
        Ok(header)
    });
    let _ = fs::remove_file(&scratch);
    let mut image = OpenOptions::new()
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    image.seek(SeekFrom::Start(byte_offset))?;
    image
        .write_all(&header?)
        .with_context(|| format!("cannot write the swap header into {}", path.display()))
}

/// util-linux's mkswap, which every Debian and Ubuntu has (util-linux is essential).
fn mkswap() -> Result<PathBuf> {
    ["/usr/sbin/mkswap", "/sbin/mkswap"]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.is_file())
        .context("mkswap not found: install util-linux (`apt-get install util-linux`)")
}

/// QEMU's arguments attaching the image at `path` as `machine`'s disk (virt: a virtio block
/// device; raspi: the SD card, on the controller the board's slot has); reads of the 512-byte
/// sector `failing_read` fail with EIO, by QEMU's blkdebug driver and its rules in `rules` (a
/// file this writes).
pub fn qemu_arguments(
    machine: QemuMachine,
    path: &Path,
    failing_read: Option<(u64, &Path)>,
) -> Result<Vec<String>> {
    let file = match failing_read {
        None => path.display().to_string(),
        Some((sector, rules)) => {
            fs::write(
                rules,
                format!(
                    "[inject-error]\nevent = \"read_aio\"\niotype = \"read\"\nerrno = \"5\"\n\
                     sector = \"{sector}\"\n"
                ),
            )
            .with_context(|| format!("cannot write {}", rules.display()))?;
            format!("blkdebug:{}:{}", rules.display(), path.display())
        }
    };
    Ok(match machine {
        QemuMachine::Virt => vec![
            "-drive".into(),
            format!("if=none,id=disk,format=raw,file={file}"),
            "-device".into(),
            "virtio-blk-device,drive=disk".into(),
            // The kernel drives the modern (version 2) virtio-mmio transport only.
            "-global".into(),
            "virtio-mmio.force-legacy=false".into(),
        ],
        QemuMachine::Raspi3b => vec!["-drive".into(), format!("if=sd,format=raw,file={file}")],
        // `if=sd` would put the card on the EMMC (0xfe300000), where a Pi 4 has its wireless
        // chip; the card goes on EMMC2 (0xfe340000), as on the board. Neither controller has
        // an id, so the path names EMMC2 by its type: it is the first generic-sdhci on the
        // system bus, since QEMU lists a bus's devices newest first and adds EMMC2 after the
        // EMMC. The EMMC keeps the empty card QEMU makes for it.
        QemuMachine::Raspi4b => vec![
            "-drive".into(),
            format!("if=none,id=card,format=raw,file={file}"),
            "-device".into(),
            "sd-card,drive=card,bus=/generic-sdhci/sd-bus".into(),
        ],
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Checks that `area` starts with the header mkswap writes and the kernel reads: the
    /// signature at the end of the first page, version 1, and the last page of the area.
    pub(crate) fn assert_swap_header(area: &[u8]) {
        let header = &area[..PAGE as usize];
        assert_eq!(&header[4086..], b"SWAPSPACE2");
        assert_eq!(&header[1024..1028], &1u32.to_le_bytes(), "version");
        let last_page = u32::try_from(area.len() as u64 / PAGE - 1).unwrap();
        assert_eq!(&header[1028..1032], &last_page.to_le_bytes(), "last page");
    }

    #[test]
    fn each_raspi_machine_gets_the_card_on_its_slots_controller() {
        let path = Path::new("/tmp/disk.img");
        let raspi3b = qemu_arguments(QemuMachine::Raspi3b, path, None).unwrap();
        assert_eq!(raspi3b, ["-drive", "if=sd,format=raw,file=/tmp/disk.img"]);
        let raspi4b = qemu_arguments(QemuMachine::Raspi4b, path, None).unwrap();
        assert_eq!(
            raspi4b,
            [
                "-drive",
                "if=none,id=card,format=raw,file=/tmp/disk.img",
                "-device",
                "sd-card,drive=card,bus=/generic-sdhci/sd-bus"
            ]
        );
    }

    #[test]
    fn sizes_take_linux_suffixes() {
        assert_eq!(parse_size("64M").unwrap(), 64 * MIB);
        assert_eq!(parse_size("1g").unwrap(), 1 << 30);
        assert_eq!(parse_size("2048K").unwrap(), 2 * MIB);
        assert!(parse_size("12").is_err());
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn partitions_are_aligned_and_recorded() {
        let partitions = [
            PartitionSpec {
                bytes: 3 * MIB / 2,
                swap: true,
            },
            PartitionSpec {
                bytes: 4 * MIB,
                swap: false,
            },
        ];
        let (starts, size) = layout(&partitions);
        assert_eq!(starts, [MIB, 3 * MIB]);
        assert_eq!(size, 8 * MIB);
        let mbr = master_boot_record(&partitions, &starts);
        assert_eq!(mbr[446 + 4], TYPE_SWAP);
        assert_eq!(mbr[446 + 16 + 4], TYPE_LINUX);
        assert_eq!(&mbr[446 + 8..446 + 12], &2048u32.to_le_bytes());
        assert_eq!(&mbr[446 + 16 + 12..446 + 16 + 16], &8192u32.to_le_bytes());
        assert_eq!(&mbr[510..], &[0x55, 0xaa]);
    }

    #[test]
    fn mkswap_formats_what_the_kernel_reads() {
        let path = std::env::temp_dir().join(format!("swap-disk-{}.img", std::process::id()));
        make(
            &path,
            &[PartitionSpec {
                bytes: 2 * MIB,
                swap: true,
            }],
        )
        .unwrap();
        let image = fs::read(&path).unwrap();
        let _ = fs::remove_file(&path);
        let area = &image[MIB as usize..][..2 * MIB as usize];
        assert_swap_header(area);
        assert_eq!(&area[1028..1032], &511u32.to_le_bytes(), "last page");
    }
}
