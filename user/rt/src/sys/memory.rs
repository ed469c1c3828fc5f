//! Memory: the program break, anonymous mappings, advice on them, and swap areas.

use core::ffi::CStr;

use crate::errno::Errno;
use crate::syscall;

pub const PROT_NONE: u32 = 0;
pub const PROT_READ: u32 = 1;
pub const PROT_WRITE: u32 = 2;

pub const MAP_SHARED: u32 = 0x01;
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
    map_anonymous_as(MAP_PRIVATE, len, protection)
}

/// Fresh zero-filled pages shared with the children forked from now on, placed by the kernel.
pub fn map_shared_anonymous(len: usize, protection: u32) -> Result<usize, Errno> {
    map_anonymous_as(MAP_SHARED, len, protection)
}

fn map_anonymous_as(sharing: u32, len: usize, protection: u32) -> Result<usize, Errno> {
    // SAFETY: without MAP_FIXED nothing that exists is replaced.
    unsafe { mmap(0, len, protection, sharing | MAP_ANONYMOUS, -1, 0) }
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

/// MADV_PAGEOUT: write the range's private pages to swap now.
pub const MADV_PAGEOUT: u32 = 21;

/// Advises the kernel on the pages of a range; the contents stay as they are.
pub fn madvise(address: usize, len: usize, advice: u32) -> Result<(), Errno> {
    // SAFETY: the advice this crate names (MADV_PAGEOUT) keeps every byte of the range.
    unsafe { syscall!(MADVISE, address, len, advice) }.map(drop)
}

/// Starts swapping to the swap area at `path` (a partition mkswap formatted).
pub fn swapon(path: &CStr, flags: u32) -> Result<(), Errno> {
    // SAFETY: the kernel only reads the NUL-terminated path.
    unsafe { syscall!(SWAPON, path.as_ptr(), flags) }.map(drop)
}
