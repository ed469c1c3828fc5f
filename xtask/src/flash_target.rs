//! Whether a device may take an SD-card image: what it is (from the file system, /sys and
//! /proc/mounts) and the rules that refuse anything but an unmounted, removable card.

use std::fmt;
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::workspace::file_name;

/// Larger "cards" are more likely a backup disk than an SD card.
pub const MAX_CARD_BYTES: u64 = 256 << 30;
/// /sys/block/*/size counts 512-byte sectors whatever the device's own sector size.
const SYSFS_SECTOR_SIZE: u64 = 512;

/// What the path names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceKind {
    Missing,
    RegularFile,
    /// A partition of the whole disk `disk` (a kernel name such as `sdb`).
    Partition {
        disk: String,
    },
    /// A whole disk, by its kernel name.
    WholeDisk {
        name: String,
    },
    /// A directory, character device, socket and so on.
    Other,
}

/// What is known about a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceFacts {
    pub path: PathBuf,
    pub kind: DeviceKind,
    /// Where the device or one of its partitions is mounted.
    pub mount_points: Vec<String>,
    /// The kernel's removable flag, or an SD card in a built-in reader (which says 0); None
    /// when the device is no whole disk.
    pub removable: Option<bool>,
    pub size_bytes: Option<u64>,
    /// Vendor and model as the kernel reports them, for the confirmation.
    pub model: Option<String>,
}

/// A reason not to write to the device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    NotABlockDevice { regular_file: bool },
    Partition { disk: String },
    Mounted(Vec<String>),
    NotRemovable,
    TooLarge(u64),
    NoMedium,
    SmallerThanImage { device: u64, image: u64 },
}

impl Refusal {
    /// Whether `--force` overrides it: not when writing cannot work at all.
    pub fn can_be_forced(&self) -> bool {
        !matches!(
            self,
            Refusal::Missing | Refusal::NoMedium | Refusal::SmallerThanImage { .. }
        )
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Missing => f.write_str("it does not exist"),
            Refusal::NotABlockDevice { regular_file: true } => {
                f.write_str("it is a regular file, not a block device")
            }
            Refusal::NotABlockDevice {
                regular_file: false,
            } => f.write_str("it is not a block device"),
            Refusal::Partition { disk } => write!(
                f,
                "it is a partition; name the whole card, such as /dev/{disk}"
            ),
            Refusal::Mounted(points) => write!(
                f,
                "it is mounted at {}; unmount it first",
                points.join(", ")
            ),
            Refusal::NotRemovable => f.write_str(
                "the kernel does not call it removable, so it looks like a built-in disk",
            ),
            Refusal::TooLarge(bytes) => write!(
                f,
                "it holds {}, more than the {} that SD cards for this come in, so it looks \
                 like a hard disk",
                gib(*bytes),
                gib(MAX_CARD_BYTES)
            ),
            Refusal::NoMedium => f.write_str("it has no medium (size 0): is the card in?"),
            Refusal::SmallerThanImage { device, image } => {
                write!(f, "it holds {device} bytes, less than the image's {image}")
            }
        }
    }
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
}

/// Every reason not to write an image of `image_bytes` to the device.
pub fn refusals(facts: &DeviceFacts, image_bytes: u64) -> Vec<Refusal> {
    let mut refusals = Vec::new();
    match &facts.kind {
        DeviceKind::Missing => return vec![Refusal::Missing],
        DeviceKind::RegularFile => refusals.push(Refusal::NotABlockDevice { regular_file: true }),
        DeviceKind::Other => refusals.push(Refusal::NotABlockDevice {
            regular_file: false,
        }),
        DeviceKind::Partition { disk } => refusals.push(Refusal::Partition { disk: disk.clone() }),
        DeviceKind::WholeDisk { .. } => {}
    }
    if !facts.mount_points.is_empty() {
        refusals.push(Refusal::Mounted(facts.mount_points.clone()));
    }
    if facts.removable == Some(false) {
        refusals.push(Refusal::NotRemovable);
    }
    match facts.size_bytes {
        Some(0) => refusals.push(Refusal::NoMedium),
        Some(device) if device < image_bytes => refusals.push(Refusal::SmallerThanImage {
            device,
            image: image_bytes,
        }),
        Some(device) if device > MAX_CARD_BYTES => refusals.push(Refusal::TooLarge(device)),
        _ => {}
    }
    refusals
}

/// Looks `path` up: the file itself, its block device's directory in /sys and /proc/mounts.
pub fn inspect(path: &Path) -> Result<DeviceFacts> {
    let mut facts = DeviceFacts {
        path: path.to_owned(),
        kind: DeviceKind::Missing,
        mount_points: Vec::new(),
        removable: None,
        size_bytes: None,
        model: None,
    };
    // Follows symbolic links such as /dev/disk/by-id/*.
    let Ok(metadata) = fs::metadata(path) else {
        return Ok(facts);
    };
    if !metadata.file_type().is_block_device() {
        facts.kind = if metadata.is_file() {
            DeviceKind::RegularFile
        } else {
            DeviceKind::Other
        };
        return Ok(facts);
    }
    let rdev = metadata.rdev();
    let sys_link = PathBuf::from(format!(
        "/sys/dev/block/{}:{}",
        libc::major(rdev),
        libc::minor(rdev)
    ));
    let sys = fs::canonicalize(&sys_link)
        .with_context(|| format!("cannot find {} in /sys", path.display()))?;
    let name = file_name(&sys);
    let mounts = fs::read_to_string("/proc/mounts").context("cannot read /proc/mounts")?;
    let mounts = parse_proc_mounts(&mounts);
    if sys.join("partition").exists() {
        let disk = sys.parent().map(file_name).unwrap_or_default();
        facts.mount_points = mount_points(&mounts, &[name]);
        facts.kind = DeviceKind::Partition { disk };
        return Ok(facts);
    }
    let mut names = vec![name.clone()];
    names.extend(partitions(&sys));
    facts.mount_points = mount_points(&mounts, &names);
    facts.removable = Some(
        read_trimmed(&sys.join("removable")).as_deref() == Some("1") || {
            // A built-in SD reader's card says 0, but it is a card all the same.
            read_trimmed(&sys.join("device/type")).as_deref() == Some("SD")
        },
    );
    facts.size_bytes = read_trimmed(&sys.join("size"))
        .and_then(|sectors| sectors.parse::<u64>().ok())
        .map(|sectors| sectors * SYSFS_SECTOR_SIZE);
    let words: Vec<String> = ["device/vendor", "device/model"]
        .iter()
        .filter_map(|attribute| read_trimmed(&sys.join(attribute)))
        .filter(|word| !word.is_empty())
        .collect();
    facts.model = (!words.is_empty()).then(|| words.join(" "));
    facts.kind = DeviceKind::WholeDisk { name };
    Ok(facts)
}

/// The partitions of the disk whose /sys directory is `disk`: its subdirectories that have a
/// `partition` attribute.
fn partitions(disk: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(disk) else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.join("partition").exists())
        .map(|path| file_name(&path))
        .collect()
}

/// One line of /proc/mounts: the device as mounted and the mount point.
#[derive(Debug, PartialEq, Eq)]
struct Mount {
    source: String,
    point: String,
}

/// /proc/mounts writes spaces, tabs, newlines and backslashes in its fields as octal escapes.
fn parse_proc_mounts(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            Some(Mount {
                source: unescape(fields.next()?),
                point: unescape(fields.next()?),
            })
        })
        .collect()
}

fn unescape(field: &str) -> String {
    let mut text = String::new();
    let mut rest = field;
    while let Some(at) = rest.find('\\') {
        text.push_str(&rest[..at]);
        let code = rest
            .get(at + 1..at + 4)
            .and_then(|digits| u8::from_str_radix(digits, 8).ok());
        match code {
            Some(byte) => {
                text.push(char::from(byte));
                rest = &rest[at + 4..];
            }
            None => {
                text.push('\\');
                rest = &rest[at + 1..];
            }
        }
    }
    text + rest
}

/// Where the devices `names` (kernel names) are mounted; mount sources given by another path to
/// the same device (/dev/disk/by-uuid/*) are resolved first.
fn mount_points(mounts: &[Mount], names: &[String]) -> Vec<String> {
    mounts
        .iter()
        .filter(|mount| mount.source.starts_with("/dev/"))
        .filter(|mount| {
            let source = fs::canonicalize(&mount.source).unwrap_or(mount.source.clone().into());
            names.contains(&file_name(&source))
        })
        .map(|mount| mount.point.clone())
        .collect()
}

fn read_trimmed(path: &Path) -> Option<String> {
    Some(fs::read_to_string(path).ok()?.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMAGE: u64 = 64 << 20;

    fn card(size_bytes: u64) -> DeviceFacts {
        DeviceFacts {
            path: "/dev/sdx".into(),
            kind: DeviceKind::WholeDisk {
                name: "sdx".to_owned(),
            },
            mount_points: Vec::new(),
            removable: Some(true),
            size_bytes: Some(size_bytes),
            model: Some("Generic SD Reader".to_owned()),
        }
    }

    #[test]
    fn an_unmounted_removable_card_is_fine() {
        assert_eq!(refusals(&card(32 << 30), IMAGE), []);
        assert_eq!(refusals(&card(MAX_CARD_BYTES), IMAGE), []);
    }

    #[test]
    fn refuses_missing_files_and_partitions() {
        let mut facts = card(0);
        facts.kind = DeviceKind::Missing;
        assert_eq!(refusals(&facts, IMAGE), [Refusal::Missing]);
        let partition = DeviceFacts {
            kind: DeviceKind::Partition {
                disk: "sdx".to_owned(),
            },
            removable: None,
            size_bytes: None,
            ..card(0)
        };
        let found = refusals(&partition, IMAGE);
        assert_eq!(
            found,
            [Refusal::Partition {
                disk: "sdx".to_owned()
            }]
        );
        assert!(found[0].to_string().contains("/dev/sdx"));
        let file = DeviceFacts {
            kind: DeviceKind::RegularFile,
            ..partition
        };
        assert_eq!(
            refusals(&file, IMAGE),
            [Refusal::NotABlockDevice { regular_file: true }]
        );
    }

    #[test]
    fn refuses_mounted_built_in_and_huge_disks() {
        let mut disk = card(512 << 30);
        disk.removable = Some(false);
        disk.mount_points = vec!["/".to_owned(), "/home".to_owned()];
        let found = refusals(&disk, IMAGE);
        assert_eq!(
            found,
            [
                Refusal::Mounted(vec!["/".to_owned(), "/home".to_owned()]),
                Refusal::NotRemovable,
                Refusal::TooLarge(512 << 30)
            ]
        );
        assert!(found.iter().all(Refusal::can_be_forced));
        assert!(found[0].to_string().contains("mounted at /, /home"));
        assert!(found[2].to_string().contains("512.0 GiB"));
    }

    #[test]
    fn no_force_writes_without_a_medium_or_room() {
        let empty_reader = refusals(&card(0), IMAGE);
        assert_eq!(empty_reader, [Refusal::NoMedium]);
        let small = refusals(&card(IMAGE - 512), IMAGE);
        assert_eq!(
            small,
            [Refusal::SmallerThanImage {
                device: IMAGE - 512,
                image: IMAGE
            }]
        );
        for refusal in [Refusal::Missing, empty_reader[0].clone(), small[0].clone()] {
            assert!(!refusal.can_be_forced(), "{refusal}");
        }
    }

    #[test]
    fn reads_proc_mounts_with_escapes() {
        let text = "/dev/sdb1 /media/me/My\\040Card vfat rw 0 0\n\
                    proc /proc proc rw 0 0\n\
                    /dev/mmcblk0p2 /mnt/back\\134slash ext4 rw 0 0\n";
        assert_eq!(
            parse_proc_mounts(text),
            [
                Mount {
                    source: "/dev/sdb1".to_owned(),
                    point: "/media/me/My Card".to_owned()
                },
                Mount {
                    source: "proc".to_owned(),
                    point: "/proc".to_owned()
                },
                Mount {
                    source: "/dev/mmcblk0p2".to_owned(),
                    point: "/mnt/back\\slash".to_owned()
                },
            ]
        );
    }

    #[test]
    fn finds_the_mounts_of_a_disk_and_its_partitions() {
        let mounts = parse_proc_mounts(
            "/dev/nonexistent-sdx1 /media/card vfat rw 0 0\n\
             /dev/nonexistent-sdy1 /elsewhere ext4 rw 0 0\n\
             tmpfs /nonexistent-sdx1 tmpfs rw 0 0\n",
        );
        let names = ["nonexistent-sdx".to_owned(), "nonexistent-sdx1".to_owned()];
        assert_eq!(mount_points(&mounts, &names), ["/media/card"]);
    }

    #[test]
    fn inspects_missing_paths_and_regular_files() {
        let directory = tempfile::tempdir().unwrap();
        let missing = inspect(&directory.path().join("sdx")).unwrap();
        assert_eq!(missing.kind, DeviceKind::Missing);
        let file = directory.path().join("card.img");
        fs::write(&file, b"").unwrap();
        assert_eq!(inspect(&file).unwrap().kind, DeviceKind::RegularFile);
        assert_eq!(inspect(directory.path()).unwrap().kind, DeviceKind::Other);
    }
}
