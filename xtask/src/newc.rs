//! The cpio "newc" format of the kernel's initramfs, written from a list of files.

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail, ensure};

const MAGIC: &str = "070701";
const TRAILER: &str = "TRAILER!!!";
const DIRECTORY_MODE: u32 = 0o040755;
const EXECUTABLE_MODE: u32 = 0o100755;
const READ_ONLY_MODE: u32 = 0o100644;
/// Readable and writable by everyone, as Linux's /dev/null and /dev/zero are.
const CHARACTER_DEVICE_MODE: u32 = 0o020666;

/// A regular file to put into an archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveFile {
    /// Where it goes, relative to the archive's root: `bin/init`.
    pub path: String,
    /// Whether it gets the execute bits: the kernel runs only files that have them.
    pub executable: bool,
    pub data: Vec<u8>,
}

/// A character device node to put into an archive: Linux needs /dev/console (and a program its
/// /dev/null or /dev/zero) in an initramfs, where nothing else makes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceNode {
    /// Where it goes, relative to the archive's root: `dev/null`.
    pub path: String,
    pub major: u32,
    pub minor: u32,
}

/// One header-and-body record of the archive.
struct Entry<'a> {
    name: &'a str,
    mode: u32,
    links: u32,
    data: &'a [u8],
    /// Major and minor number of a device node; (0, 0) for anything else.
    device: (u32, u32),
}

/// The archive holding `files` in the order given, each preceded by the directories above it
/// that no earlier file needed: a reader creates a file's directory before the file.
pub fn archive(files: &[ArchiveFile]) -> Result<Vec<u8>> {
    archive_with_device_nodes(files, &[])
}

/// As [`archive`], with the device `nodes` after the files.
pub fn archive_with_device_nodes(files: &[ArchiveFile], nodes: &[DeviceNode]) -> Result<Vec<u8>> {
    let mut written = Vec::new();
    let mut directories = BTreeSet::new();
    let mut paths = BTreeSet::new();
    // Numbered from 1, as the kernel's own archives are; 0 is left to the trailer.
    let mut inode = 1;
    let entries = files
        .iter()
        .map(ArchiveFile::entry)
        .chain(nodes.iter().map(DeviceNode::entry));
    for entry in entries {
        check_path(entry.name)?;
        ensure!(
            paths.insert(entry.name),
            "`{}` is in the archive twice",
            entry.name
        );
        for directory in ancestors(entry.name) {
            if directories.insert(directory) {
                let directory_entry = Entry {
                    name: directory,
                    mode: DIRECTORY_MODE,
                    // Its own name and its `.`; readers do not count subdirectories' `..`.
                    links: 2,
                    data: &[],
                    device: (0, 0),
                };
                directory_entry.write(inode, &mut written)?;
                inode += 1;
            }
        }
        entry.write(inode, &mut written)?;
        inode += 1;
    }
    if let Some(clash) = paths.intersection(&directories).next() {
        bail!("`{clash}` is both a file and a directory of the archive");
    }
    let trailer = Entry {
        name: TRAILER,
        mode: 0,
        links: 1,
        data: &[],
        device: (0, 0),
    };
    trailer.write(0, &mut written)?;
    Ok(written)
}

impl ArchiveFile {
    fn entry(&self) -> Entry<'_> {
        Entry {
            name: &self.path,
            mode: if self.executable {
                EXECUTABLE_MODE
            } else {
                READ_ONLY_MODE
            },
            links: 1,
            data: &self.data,
            device: (0, 0),
        }
    }
}

impl DeviceNode {
    fn entry(&self) -> Entry<'_> {
        Entry {
            name: &self.path,
            mode: CHARACTER_DEVICE_MODE,
            links: 1,
            data: &[],
            device: (self.major, self.minor),
        }
    }
}

/// A relative path of named components: no leading `/`, no empty, `.` or `..` component, no NUL.
fn check_path(path: &str) -> Result<()> {
    let well_formed = !path.contains('\0')
        && path
            .split('/')
            .all(|component| !matches!(component, "" | "." | ".."));
    ensure!(
        well_formed,
        "`{path}` is not a relative path of named components"
    );
    Ok(())
}

/// The directories above `path`, outermost first: `a`, `a/b` for `a/b/c`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(|(end, _)| &path[..end])
}

impl Entry<'_> {
    /// Appends the 110-byte header, the NUL-terminated name and the data, each of the last two
    /// padded so that what follows starts on a multiple of 4 bytes.
    fn write(&self, inode: u32, archive: &mut Vec<u8>) -> Result<()> {
        let field = |value: usize, what: &str| {
            u32::try_from(value).with_context(|| {
                format!(
                    "the {what} of `{}` does not fit a newc header field",
                    self.name
                )
            })
        };
        let size = field(self.data.len(), "size")?;
        let name_size = field(self.name.len() + 1, "name length")?;
        // ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor,
        // namesize, check. Owner root and time 0, so that the same files make the same archive.
        let (device_major, device_minor) = self.device;
        let fields = [
            inode,
            self.mode,
            0,
            0,
            self.links,
            0,
            size,
            0,
            0,
            device_major,
            device_minor,
            name_size,
            0,
        ];
        archive.extend_from_slice(MAGIC.as_bytes());
        for value in fields {
            archive.extend_from_slice(format!("{value:08X}").as_bytes());
        }
        archive.extend_from_slice(self.name.as_bytes());
        archive.push(0);
        pad_to_4(archive);
        archive.extend_from_slice(self.data);
        pad_to_4(archive);
        Ok(())
    }
}

/// The format aligns relative to the archive's start, which is where `archive` starts.
fn pad_to_4(archive: &mut Vec<u8>) {
    archive.resize(archive.len().next_multiple_of(4), 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, executable: bool, data: &[u8]) -> ArchiveFile {
        ArchiveFile {
            path: path.to_owned(),
            executable,
            data: data.to_vec(),
        }
    }

    /// The names of the entries of `archive`, read back by walking its headers.
    fn names(archive: &[u8]) -> Vec<String> {
        let mut names = Vec::new();
        let mut offset = 0;
        loop {
            let header = &archive[offset..offset + 110];
            assert_eq!(&header[..6], MAGIC.as_bytes());
            let field = |index: usize| {
                let digits = std::str::from_utf8(&header[6 + 8 * index..14 + 8 * index]).unwrap();
                usize::from_str_radix(digits, 16).unwrap()
            };
            let name_start = offset + 110;
            let name = &archive[name_start..name_start + field(11) - 1];
            let name = String::from_utf8(name.to_vec()).unwrap();
            let data_start = (name_start + field(11)).next_multiple_of(4);
            offset = (data_start + field(6)).next_multiple_of(4);
            if name == TRAILER {
                assert_eq!(offset, archive.len(), "bytes after the trailer");
                return names;
            }
            names.push(name);
        }
    }

    #[test]
    fn writes_the_exact_bytes_of_a_small_archive() {
        let written = archive(&[file("bin/hi", true, b"hello")]).unwrap();
        // Fields: ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor,
        // rdevminor, namesize, check; laid out as that list is, rather than one to a line.
        #[rustfmt::skip]
        let expected = concat!(
            // The directory: 110-byte header + "bin\0" = 114 bytes, padded to 116; no data.
            "070701", "00000001", "000041ED", "00000000", "00000000", "00000002", "00000000",
            "00000000", "00000000", "00000000", "00000000", "00000000", "00000004", "00000000",
            "bin\0", "\0\0",
            // The file: 110 + "bin/hi\0" = 117, padded to 120; 5 bytes of data, padded to 8.
            "070701", "00000002", "000081ED", "00000000", "00000000", "00000001", "00000000",
            "00000005", "00000000", "00000000", "00000000", "00000000", "00000007", "00000000",
            "bin/hi\0", "\0\0\0", "hello", "\0\0\0",
            // The trailer: 110 + "TRAILER!!!\0" = 121, padded to 124.
            "070701", "00000000", "00000000", "00000000", "00000000", "00000001", "00000000",
            "00000000", "00000000", "00000000", "00000000", "00000000", "0000000B", "00000000",
            "TRAILER!!!\0", "\0\0\0",
        );
        assert_eq!(
            String::from_utf8_lossy(&written),
            expected,
            "the archive differs"
        );
        assert_eq!(written.len(), 116 + 120 + 8 + 124);
    }

    #[test]
    fn device_nodes_carry_their_numbers_after_their_directory() {
        let node = DeviceNode {
            path: "dev/zero".to_owned(),
            major: 1,
            minor: 5,
        };
        let written = archive_with_device_nodes(&[file("init", true, b"")], &[node]).unwrap();
        assert_eq!(names(&written), ["init", "dev", "dev/zero"]);
        // The node's record comes just before the 124-byte trailer: a 110-byte header and
        // "dev/zero\0", padded to 120 bytes, and no data.
        let header = &written[written.len() - 124 - 120..][..110];
        // mode, then rdevmajor and rdevminor (the 10th and 11th fields).
        assert_eq!(&header[14..22], b"000021B6");
        assert_eq!(&header[6 + 8 * 9..6 + 8 * 11], b"0000000100000005");
    }

    #[test]
    fn an_archive_without_files_is_just_the_trailer() {
        let written = archive(&[]).unwrap();
        assert_eq!(written.len(), 124);
        assert!(written.starts_with(b"07070100000000"));
        assert_eq!(names(&written), Vec::<String>::new());
    }

    #[test]
    fn read_only_files_lack_the_execute_bits() {
        let written = archive(&[file("notes", false, b"")]).unwrap();
        // The mode field follows the magic and the inode field.
        assert_eq!(&written[14..22], b"000081A4");
        assert_eq!(READ_ONLY_MODE, 0o100644);
    }

    #[test]
    fn each_directory_comes_once_before_its_first_file() {
        let written = archive(&[
            file("bin/sh", true, b"sh"),
            file("a/b/c", false, b"c"),
            file("bin/init", true, b"init"),
            file("a/d", false, b"d"),
            file("top", false, b"top"),
        ])
        .unwrap();
        assert_eq!(
            names(&written),
            [
                "bin", "bin/sh", "a", "a/b", "a/b/c", "bin/init", "a/d", "top"
            ]
        );
    }

    #[test]
    fn data_of_every_length_is_padded_to_4_bytes() {
        for length in 0..=8 {
            let data = vec![b'x'; length];
            let written = archive(&[file("f", false, &data)]).unwrap();
            assert_eq!(written.len() % 4, 0, "data of {length} bytes");
            assert_eq!(names(&written), ["f"]);
        }
    }

    #[test]
    fn rejects_paths_a_reader_cannot_place() {
        for path in [
            "/bin/init",
            "bin//init",
            "bin/",
            "",
            "./init",
            "bin/../init",
            "a\0b",
        ] {
            let error = archive(&[file(path, true, b"")]).unwrap_err().to_string();
            assert!(error.contains("not a relative path"), "{path:?}: {error}");
        }
    }

    #[test]
    fn rejects_a_path_twice_and_a_file_that_is_also_a_directory() {
        let twice = archive(&[file("bin/sh", true, b"1"), file("bin/sh", true, b"2")]);
        assert!(
            twice
                .unwrap_err()
                .to_string()
                .contains("`bin/sh` is in the archive twice")
        );
        for files in [
            [file("bin", false, b""), file("bin/sh", true, b"")],
            [file("bin/sh", true, b""), file("bin", false, b"")],
        ] {
            let error = archive(&files).unwrap_err().to_string();
            assert!(
                error.contains("`bin` is both a file and a directory"),
                "{error}"
            );
        }
    }
}
