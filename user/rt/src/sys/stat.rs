//! File status: Linux's asm-generic `struct stat` (128 bytes on AArch64), fstat and newfstatat.

use core::ffi::CStr;

use crate::errno::Errno;
use crate::fd::Fd;
use crate::syscall;

pub const S_IFMT: u32 = 0o170000;
pub const S_IFIFO: u32 = 0o010000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub pad1: u64,
    pub size: i64,
    pub blksize: i32,
    pub pad2: i32,
    pub blocks: i64,
    pub atime: i64,
    pub atime_nsec: u64,
    pub mtime: i64,
    pub mtime_nsec: u64,
    pub ctime: i64,
    pub ctime_nsec: u64,
    pub unused: [u32; 2],
}

const _: () = assert!(size_of::<Stat>() == 128);

impl Stat {
    /// The file type bits of `mode` (one of the `S_IF*` constants).
    pub fn file_type(&self) -> u32 {
        self.mode & S_IFMT
    }
}

/// Linux's encoding of a device number in `st_rdev` (new_encode_dev).
pub fn device_number(major: u64, minor: u64) -> u64 {
    (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
}

pub fn fstat(fd: Fd) -> Result<Stat, Errno> {
    let mut stat = Stat::default();
    // SAFETY: the kernel writes one `struct stat`, which `stat` is.
    unsafe { syscall!(FSTAT, fd, &raw mut stat) }?;
    Ok(stat)
}

pub fn newfstatat(dirfd: Fd, path: &CStr, flags: u32) -> Result<Stat, Errno> {
    let mut stat = Stat::default();
    // SAFETY: the kernel reads the path and writes one `struct stat`, which `stat` is.
    unsafe { syscall!(NEWFSTATAT, dirfd, path.as_ptr(), &raw mut stat, flags) }?;
    Ok(stat)
}

/// The status of `path`, relative to the working directory.
pub fn stat(path: &CStr) -> Result<Stat, Errno> {
    newfstatat(crate::sys::file::AT_FDCWD, path, 0)
}
