//! Opening, reading, writing and duplicating file descriptors; pipes; terminal ioctls.

use core::ffi::CStr;

use crate::errno::Errno;
use crate::fd::{Fd, OwnedFd};
use crate::syscall;

/// openat(2)'s dirfd meaning "relative to the working directory".
pub const AT_FDCWD: Fd = -100;

// Open flags: AArch64 uses asm-generic values except for O_DIRECTORY and O_NOFOLLOW.
pub const O_RDONLY: u32 = 0;
pub const O_WRONLY: u32 = 1;
pub const O_RDWR: u32 = 2;
pub const O_DIRECTORY: u32 = 0o40000;
pub const O_CLOEXEC: u32 = 0o2000000;
pub const O_CREAT: u32 = 0o100;
pub const O_TRUNC: u32 = 0o1000;

pub const SEEK_SET: u32 = 0;
pub const SEEK_CUR: u32 = 1;
pub const SEEK_END: u32 = 2;

/// ioctl request that reads a terminal's settings: it succeeds on terminals only.
pub const TCGETS: usize = 0x5401;
/// ioctl request that changes a terminal's settings at once.
pub const TCSETS: usize = 0x5402;
/// `local_flags`: lines edited by the terminal, and what is typed echoed by it.
pub const ICANON: u32 = 0o2;
pub const ECHO: u32 = 0o10;
/// `local_flags`: Ctrl-C and Ctrl-\ sent as signals rather than read as bytes.
pub const ISIG: u32 = 0o1;

/// Linux's `struct termios` (asm-generic/termbits.h), what TCGETS fills in.
#[repr(C)]
#[derive(Default)]
pub struct Termios {
    pub input_flags: u32,
    pub output_flags: u32,
    pub control_flags: u32,
    pub local_flags: u32,
    pub line_discipline: u8,
    pub control_chars: [u8; 19],
}

/// An I/O vector element for readv(2) and writev(2), with the address as a plain number so
/// tests can point it anywhere.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IoVec {
    pub base: usize,
    pub len: usize,
}

impl IoVec {
    pub fn of(bytes: &[u8]) -> Self {
        IoVec {
            base: bytes.as_ptr() as usize,
            len: bytes.len(),
        }
    }
}

pub fn openat(dirfd: Fd, path: &CStr, flags: u32, mode: u32) -> Result<OwnedFd, Errno> {
    // SAFETY: the kernel only reads the NUL-terminated path.
    let fd = unsafe { syscall!(OPENAT, dirfd, path.as_ptr(), flags, mode) }?;
    Ok(OwnedFd::new(fd as Fd))
}

/// Opens `path` relative to the working directory.
pub fn open(path: &CStr, flags: u32) -> Result<OwnedFd, Errno> {
    openat(AT_FDCWD, path, flags, 0)
}

/// Removes the name `path` (relative to the working directory) of a file that is no
/// directory.
pub fn unlink(path: &CStr) -> Result<(), Errno> {
    // SAFETY: the kernel only reads the NUL-terminated path.
    unsafe { syscall!(UNLINKAT, AT_FDCWD, path.as_ptr(), 0) }.map(drop)
}

pub fn close(fd: Fd) -> Result<(), Errno> {
    // SAFETY: no memory is passed.
    unsafe { syscall!(CLOSE, fd) }.map(drop)
}

pub fn read(fd: Fd, buffer: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: the kernel writes at most `buffer.len()` bytes into `buffer`.
    unsafe { syscall!(READ, fd, buffer.as_mut_ptr(), buffer.len()) }
}

pub fn write(fd: Fd, bytes: &[u8]) -> Result<usize, Errno> {
    // SAFETY: the kernel only reads `bytes`.
    unsafe { syscall!(WRITE, fd, bytes.as_ptr(), bytes.len()) }
}

/// Writes all of `bytes`, retrying after short writes; a write of 0 bytes is an EIO.
pub fn write_all(fd: Fd, mut bytes: &[u8]) -> Result<(), Errno> {
    while !bytes.is_empty() {
        match write(fd, bytes)? {
            0 => return Err(Errno::EIO),
            written => bytes = &bytes[written..],
        }
    }
    Ok(())
}

/// # Safety
/// The kernel writes up to `len` bytes at each vector's `base`: that memory must be the
/// caller's to overwrite, or not mapped at all.
pub unsafe fn readv(fd: Fd, vectors: &[IoVec]) -> Result<usize, Errno> {
    // SAFETY: the caller vouches for the vectors' memory.
    unsafe { syscall!(READV, fd, vectors.as_ptr(), vectors.len()) }
}

pub fn writev(fd: Fd, vectors: &[IoVec]) -> Result<usize, Errno> {
    // SAFETY: the kernel only reads the vectors and the memory they describe; it reports a
    // fault on unmapped memory instead of touching anything of ours.
    unsafe { syscall!(WRITEV, fd, vectors.as_ptr(), vectors.len()) }
}

pub fn lseek(fd: Fd, offset: i64, whence: u32) -> Result<usize, Errno> {
    // SAFETY: no memory is passed.
    unsafe { syscall!(LSEEK, fd, offset, whence) }
}

/// A pipe: (read end, write end).
pub fn pipe2(flags: u32) -> Result<(OwnedFd, OwnedFd), Errno> {
    let mut fds: [i32; 2] = [-1; 2];
    // SAFETY: the kernel writes two ints into `fds`.
    unsafe { syscall!(PIPE2, fds.as_mut_ptr(), flags) }?;
    Ok((OwnedFd::new(fds[0]), OwnedFd::new(fds[1])))
}

pub fn dup(fd: Fd) -> Result<OwnedFd, Errno> {
    // SAFETY: no memory is passed.
    unsafe { syscall!(DUP, fd) }.map(|new| OwnedFd::new(new as Fd))
}

/// Makes `new` a copy of `old` (closing what `new` was). The caller keeps owning `new`.
pub fn dup3(old: Fd, new: Fd, flags: u32) -> Result<Fd, Errno> {
    // SAFETY: no memory is passed.
    unsafe { syscall!(DUP3, old, new, flags) }.map(|fd| fd as Fd)
}

/// TCGETS: succeeds exactly when `fd` is a terminal.
pub fn terminal_settings(fd: Fd) -> Result<Termios, Errno> {
    let mut settings = Termios::default();
    // SAFETY: TCGETS writes one `struct termios`, which `settings` is.
    unsafe { syscall!(IOCTL, fd, TCGETS, &raw mut settings) }?;
    Ok(settings)
}

/// TCSETS: the terminal `fd` takes `settings` now.
pub fn set_terminal_settings(fd: Fd, settings: &Termios) -> Result<(), Errno> {
    // SAFETY: TCSETS reads one `struct termios`, which `settings` is.
    unsafe { syscall!(IOCTL, fd, TCSETS, settings as *const Termios) }.map(|_| ())
}
