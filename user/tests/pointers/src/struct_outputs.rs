//! System calls that write a fixed-size result: fstat, newfstatat, pipe2, wait4, uname,
//! sysinfo and the TCGETS ioctl, given places they cannot write (also half-way across a page
//! edge).

use rt::errno::Errno;
use rt::fd::STDOUT;
use rt::sys::file::{AT_FDCWD, O_RDONLY, TCGETS, Termios, open, terminal_settings};
use rt::sys::process::wait;
use rt::sys::stat::Stat;
use rt::sys::system::{Sysinfo, Utsname};
use rt::syscall;
use rt::test::{Context, Failure};
use testkit::bad_pointers::BadPointers;
use testkit::child::spawn;
use testkit::edge::Beyond;
use testkit::expect::{expect_at_edges, expect_for_each};
use testkit::fds::lowest_free;

const EFAULT: Result<usize, Errno> = Err(Errno::EFAULT);

/// Checks that `call` is EFAULT for every unwritable address and for a result of `size`
/// bytes whose second half lies past a page edge.
fn check_unwritable(
    size: usize,
    call: impl Fn(usize) -> Result<usize, Errno>,
) -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    expect_for_each(&bad.unwritable(), EFAULT, &call)?;
    expect_at_edges(&Beyond::UNWRITABLE, size / 2, EFAULT, call)
}

pub fn fstat_into_bad_buffer_is_efault() -> Result<(), Failure> {
    let file = open(c"/dev/null", O_RDONLY).context("open /dev/null")?;
    // SAFETY: the kernel writes a `struct stat` only where it can, none of it ours.
    check_unwritable(size_of::<Stat>(), |address| unsafe {
        syscall!(FSTAT, file.raw(), address)
    })
}

pub fn newfstatat_into_bad_buffer_is_efault() -> Result<(), Failure> {
    // SAFETY: as for fstat.
    check_unwritable(size_of::<Stat>(), |address| unsafe {
        syscall!(NEWFSTATAT, AT_FDCWD, c"/".as_ptr(), address, 0)
    })
}

/// A failed pipe2 must not leave its two descriptors open.
pub fn pipe2_into_bad_array_is_efault_without_leaking() -> Result<(), Failure> {
    let lowest = lowest_free()?;
    // SAFETY: the kernel writes two ints only where it can, none of it ours.
    check_unwritable(2 * size_of::<i32>(), |address| unsafe {
        syscall!(PIPE2, address, 0)
    })?;
    rt::check_eq!(lowest_free()?, lowest, "the lowest free descriptor moved");
    Ok(())
}

/// wait4 reaps the child before it stores the status, so a bad status pointer costs the
/// status: the call is EFAULT, and the child is gone. (NULL asks for no status.)
pub fn wait4_with_bad_status_is_efault_and_reaps() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let [_null, unwritable @ ..] = bad.unwritable();
    for (label, address) in unwritable {
        let child = spawn(|| 3)?;
        // SAFETY: the kernel writes an int only where it can, none of it ours.
        let result = unsafe { syscall!(WAIT4, child, address, 0, 0) };
        rt::check_eq!(result, EFAULT, "{label} status address {address:#x}");
        rt::check_eq!(
            wait(child).map(drop),
            Err(Errno::ECHILD),
            "after the {label} status"
        );
    }
    Ok(())
}

pub fn wait4_with_null_status_reaps() -> Result<(), Failure> {
    let child = spawn(|| 3)?;
    // SAFETY: a NULL status asks for no status.
    let result = unsafe { syscall!(WAIT4, child, 0, 0, 0) };
    rt::check_eq!(result, Ok(child as usize));
    rt::check_eq!(wait(child).map(drop), Err(Errno::ECHILD));
    Ok(())
}

pub fn uname_into_bad_buffer_is_efault() -> Result<(), Failure> {
    // SAFETY: the kernel writes a `struct utsname` only where it can, none of it ours.
    check_unwritable(size_of::<Utsname>(), |address| unsafe {
        syscall!(UNAME, address)
    })
}

pub fn sysinfo_into_bad_buffer_is_efault() -> Result<(), Failure> {
    // SAFETY: the kernel writes a `struct sysinfo` only where it can, none of it ours.
    check_unwritable(size_of::<Sysinfo>(), |address| unsafe {
        syscall!(SYSINFO, address)
    })
}

pub fn tcgets_into_bad_buffer_is_efault() -> Result<(), Failure> {
    if terminal_settings(STDOUT).is_err() {
        rt::skip!("standard output is not a terminal");
    }
    // SAFETY: the kernel writes a `struct termios` only where it can, none of it ours.
    check_unwritable(size_of::<Termios>(), |address| unsafe {
        syscall!(IOCTL, STDOUT, TCGETS, address)
    })
}
