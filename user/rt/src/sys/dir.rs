//! Directories: listing entries with getdents64(2), and the working directory.

use core::ffi::CStr;

use crate::errno::Errno;
use crate::fd::Fd;
use crate::sys::file::{O_DIRECTORY, O_RDONLY, open};
use crate::syscall;

// Entry types in `d_type`.
pub const DT_CHR: u8 = 2;
pub const DT_DIR: u8 = 4;
pub const DT_REG: u8 = 8;

/// Longest file name Linux allows (NAME_MAX), without the NUL.
const NAME_MAX: usize = 255;

/// Where the fields of a `struct linux_dirent64` are.
const INO: usize = 0;
const OFF: usize = 8;
const RECLEN: usize = 16;
const TYPE: usize = 18;
const NAME: usize = 19;

/// One `struct linux_dirent64` record, read out of a getdents64 buffer.
#[derive(Debug)]
pub struct DirEntry<'a> {
    pub inode: u64,
    pub offset: i64,
    pub record_len: usize,
    pub kind: u8,
    pub name: &'a CStr,
}

/// The records of a buffer getdents64 filled. A malformed record ends the iteration, so a
/// caller that must know compares the bytes consumed with the buffer's length.
pub struct DirEntries<'a> {
    rest: &'a [u8],
}

impl<'a> DirEntries<'a> {
    pub fn new(filled: &'a [u8]) -> Self {
        DirEntries { rest: filled }
    }
}

fn field<const N: usize>(record: &[u8], at: usize) -> [u8; N] {
    let mut bytes = [0; N];
    bytes.copy_from_slice(&record[at..at + N]);
    bytes
}

impl<'a> Iterator for DirEntries<'a> {
    type Item = DirEntry<'a>;

    fn next(&mut self) -> Option<DirEntry<'a>> {
        if self.rest.len() < NAME {
            return None;
        }
        let record_len = u16::from_ne_bytes(field(self.rest, RECLEN)) as usize;
        if record_len <= NAME || record_len > self.rest.len() {
            return None;
        }
        let (record, rest) = self.rest.split_at(record_len);
        let name = CStr::from_bytes_until_nul(&record[NAME..]).ok()?;
        self.rest = rest;
        Some(DirEntry {
            inode: u64::from_ne_bytes(field(record, INO)),
            offset: i64::from_ne_bytes(field(record, OFF)),
            record_len,
            kind: record[TYPE],
            name,
        })
    }
}

/// Fills `buffer` with the next records of directory `fd`; 0 at the end.
pub fn getdents64(fd: Fd, buffer: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: the kernel writes at most `buffer.len()` bytes into `buffer`.
    unsafe { syscall!(GETDENTS64, fd, buffer.as_mut_ptr(), buffer.len()) }
}

/// Calls `visit` with every entry of the directory at `path`, in the order the kernel gives.
pub fn for_each_entry(path: &CStr, mut visit: impl FnMut(&DirEntry<'_>)) -> Result<(), Errno> {
    let dir = open(path, O_RDONLY | O_DIRECTORY)?;
    let mut buffer = [0u8; 2048];
    loop {
        let filled = getdents64(dir.raw(), &mut buffer)?;
        if filled == 0 {
            return Ok(());
        }
        DirEntries::new(&buffer[..filled]).for_each(|entry| visit(&entry));
    }
}

/// A file name with its NUL, held by value.
#[derive(Clone, Copy)]
struct Name {
    bytes: [u8; NAME_MAX + 1],
}

impl Name {
    fn of(name: &CStr) -> Self {
        let mut bytes = [0; NAME_MAX + 1];
        let text = name.to_bytes();
        let len = text.len().min(NAME_MAX);
        bytes[..len].copy_from_slice(&text[..len]);
        Name { bytes }
    }

    fn as_c_str(&self) -> &CStr {
        // A NUL always follows the at most NAME_MAX copied bytes.
        CStr::from_bytes_until_nul(&self.bytes).unwrap_or_default()
    }
}

/// Calls `visit` with the name of every entry of the directory at `path`, in byte order.
///
/// Without a heap there is nowhere to collect the names, so each step re-reads the
/// directory for the smallest name after the previous one: quadratic, fine for the small
/// directories of an initramfs.
pub fn for_each_name_sorted(path: &CStr, mut visit: impl FnMut(&CStr)) -> Result<(), Errno> {
    let mut previous: Option<Name> = None;
    loop {
        let mut smallest: Option<Name> = None;
        for_each_entry(path, |entry| {
            let name = entry.name.to_bytes();
            let after_previous = previous.is_none_or(|p| name > p.as_c_str().to_bytes());
            let before_smallest = smallest.is_none_or(|s| name < s.as_c_str().to_bytes());
            if after_previous && before_smallest {
                smallest = Some(Name::of(entry.name));
            }
        })?;
        match smallest {
            Some(name) => {
                visit(name.as_c_str());
                previous = Some(name);
            }
            None => return Ok(()),
        }
    }
}

/// The working directory, written into `buffer`.
pub fn getcwd(buffer: &mut [u8]) -> Result<&CStr, Errno> {
    // SAFETY: the kernel writes at most `buffer.len()` bytes into `buffer`.
    let len = unsafe { syscall!(GETCWD, buffer.as_mut_ptr(), buffer.len()) }?;
    // The kernel returns the length including the NUL; an answer without one breaks the ABI,
    // and says so as an I/O error rather than as a path.
    CStr::from_bytes_with_nul(&buffer[..len]).map_err(|_| Errno::EIO)
}

pub fn chdir(path: &CStr) -> Result<(), Errno> {
    // SAFETY: the kernel only reads the NUL-terminated path.
    unsafe { syscall!(CHDIR, path.as_ptr()) }.map(drop)
}
