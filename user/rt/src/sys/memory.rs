//! Memory: the program break and anonymous mappings.

use crate::errno::Errno;
use crate::syscall;

pub const PROT_NONE: u32 = 0;
pub const PROT_READ: u32 = 1;
pub const PROT_WRITE: u32 = 2;

pub const MAP_PRIVATE: u32 = 0x02;
pub const MAP_FIXED: u32 = 0x10;
pub const MAP_ANONYMOUS: u32 = 0x20;

/// Asks for the break to be `address` and returns the break as it now is. Linux's brk never
/// fails: an impossible request leaves the break where it was, and 0 asks where that is.
pub fn brk(address: usize) -> usize {
    // SAFETY: only memory at and above the break changes, which nothing in Rust owns.
    unsafe { syscall!(BRK, address) }.unwrap_or_default()
}

/// # Safety
/// With MAP_FIXED the new pages replace whatever was mapped there.
pub unsafe fn mmap(
    address: usize,
    len: usize,
    protection: u32,
    flags: u32,
    fd: i32,
    offset: usize,
) -> Result<usize, Errno> {
    // SAFETY: the caller answers for a fixed mapping; any other one only adds pages.
    unsafe { syscall!(MMAP, address, len, protection, flags, fd, offset) }
}

/// Fresh zero-filled private pages, placed by the kernel.
pub fn map_anonymous(len: usize, protection: u32) -> Result<usize, Errno> {
    // SAFETY: without MAP_FIXED nothing that exists is replaced.
    unsafe { mmap(0, len, protection, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) }
}

/// # Safety
/// Nothing may use the unmapped range afterwards.
pub unsafe fn munmap(address: usize, len: usize) -> Result<(), Errno> {
    // SAFETY: the caller vouches that the range is no longer used.
    unsafe { syscall!(MUNMAP, address, len) }.map(drop)
}

/// # Safety
/// Nothing may access the range in a way the new protection forbids, except on purpose.
pub unsafe fn mprotect(address: usize, len: usize, protection: u32) -> Result<(), Errno> {
    // SAFETY: the caller vouches for the range's users.
    unsafe { syscall!(MPROTECT, address, len, protection) }.map(drop)
}
