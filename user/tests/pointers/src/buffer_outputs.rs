//! System calls that fill a caller-sized buffer: getcwd, getrandom and getdents64, given
//! buffers they cannot write. (Their partial results at a page edge are test-uaccess-edges'.)

use rt::errno::Errno;
use rt::sys::file::{O_DIRECTORY, O_RDONLY, open};
use rt::syscall;
use rt::test::{Context, Failure};
use testkit::bad_pointers::BadPointers;
use testkit::edge::Beyond;
use testkit::expect::{expect_at_edges, expect_for_each};

const EFAULT: Result<usize, Errno> = Err(Errno::EFAULT);

/// getcwd copies the whole path with its NUL or fails: here the path is at least "/" and
/// its NUL, so one byte before an edge is not enough.
pub fn getcwd_into_bad_buffer_is_efault() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    // SAFETY: the kernel writes the path only where it can, none of it ours.
    let call = |address| unsafe { syscall!(GETCWD, address, 256) };
    expect_for_each(&bad.unwritable(), EFAULT, call)?;
    expect_at_edges(&Beyond::UNWRITABLE, 1, EFAULT, call)
}

/// A size too small for the path is ERANGE before the buffer is looked at.
pub fn getcwd_checks_size_before_buffer() -> Result<(), Failure> {
    // SAFETY: with a size of 0 or 1 nothing is written.
    unsafe {
        rt::check_eq!(syscall!(GETCWD, 0, 0), Err(Errno::ERANGE));
        rt::check_eq!(syscall!(GETCWD, 0, 1), Err(Errno::ERANGE));
    }
    Ok(())
}

pub fn getrandom_into_bad_buffer_is_efault() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    // SAFETY: the kernel writes random bytes only where it can, none of it ours.
    expect_for_each(&bad.unwritable(), EFAULT, |address| unsafe {
        syscall!(GETRANDOM, address, 16, 0)
    })
}

pub fn getdents64_into_bad_buffer_is_efault() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    for (label, address) in bad.unwritable() {
        // A fresh descriptor each time: a failed call must not be what moved the position.
        let dir = open(c"/", O_RDONLY | O_DIRECTORY).context("open /")?;
        // SAFETY: the kernel writes entries only where it can, none of it ours.
        let result = unsafe { syscall!(GETDENTS64, dir.raw(), address, 1024) };
        rt::check_eq!(result, EFAULT, "{label} buffer {address:#x}");
    }
    Ok(())
}
