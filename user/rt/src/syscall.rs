//! Raw Linux AArch64 system calls: `svc #0`, number in x8, arguments in x0-x5, result in x0.
//!
//! The kernel preserves every register but x0, so x0 is the only one the asm gives up; the
//! default memory clobber covers buffers the kernel reads or writes.

use core::arch::asm;

/// # Safety
/// The kernel may read or write memory through pointer arguments; the caller answers for them.
#[inline(always)]
pub unsafe fn syscall0(nr: usize) -> isize {
    let ret;
    // SAFETY: the caller answers for the call's effects.
    unsafe { asm!("svc #0", in("x8") nr, lateout("x0") ret, options(nostack)) };
    ret
}

/// # Safety
/// As for [`syscall0`].
#[inline(always)]
pub unsafe fn syscall1(nr: usize, a0: usize) -> isize {
    let ret;
    // SAFETY: the caller answers for the call's effects.
    unsafe { asm!("svc #0", in("x8") nr, inlateout("x0") a0 => ret, options(nostack)) };
    ret
}

/// # Safety
/// As for [`syscall0`].
#[inline(always)]
pub unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> isize {
    let ret;
    // SAFETY: the caller answers for the call's effects.
    unsafe {
        asm!("svc #0", in("x8") nr, inlateout("x0") a0 => ret, in("x1") a1, options(nostack))
    };
    ret
}

/// # Safety
/// As for [`syscall0`].
#[inline(always)]
pub unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> isize {
    let ret;
    // SAFETY: the caller answers for the call's effects.
    unsafe {
        asm!("svc #0", in("x8") nr, inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2,
             options(nostack))
    };
    ret
}

/// # Safety
/// As for [`syscall0`].
#[inline(always)]
pub unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> isize {
    let ret;
    // SAFETY: the caller answers for the call's effects.
    unsafe {
        asm!("svc #0", in("x8") nr, inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2,
             in("x3") a3, options(nostack))
    };
    ret
}

/// # Safety
/// As for [`syscall0`].
#[inline(always)]
pub unsafe fn syscall5(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> isize {
    let ret;
    // SAFETY: the caller answers for the call's effects.
    unsafe {
        asm!("svc #0", in("x8") nr, inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2,
             in("x3") a3, in("x4") a4, options(nostack))
    };
    ret
}

/// # Safety
/// As for [`syscall0`].
#[inline(always)]
pub unsafe fn syscall6(
    nr: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> isize {
    let ret;
    // SAFETY: the caller answers for the call's effects.
    unsafe {
        asm!("svc #0", in("x8") nr, inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2,
             in("x3") a3, in("x4") a4, in("x5") a5, options(nostack))
    };
    ret
}

/// A raw system call by name with any arguments, as `Result<usize, Errno>`:
/// `unsafe { syscall!(READ, fd, address, len) }`. Arguments are converted with `as usize`, so
/// tests can pass any address, valid or not. Unsafe to call, as the functions above.
#[macro_export]
macro_rules! syscall {
    ($name:ident) => {
        $crate::errno::Errno::result($crate::syscall::syscall0($crate::nr::$name))
    };
    ($name:ident, $a0:expr) => {
        $crate::errno::Errno::result($crate::syscall::syscall1($crate::nr::$name, $a0 as usize))
    };
    ($name:ident, $a0:expr, $a1:expr) => {
        $crate::errno::Errno::result($crate::syscall::syscall2(
            $crate::nr::$name,
            $a0 as usize,
            $a1 as usize,
        ))
    };
    ($name:ident, $a0:expr, $a1:expr, $a2:expr) => {
        $crate::errno::Errno::result($crate::syscall::syscall3(
            $crate::nr::$name,
            $a0 as usize,
            $a1 as usize,
            $a2 as usize,
        ))
    };
    ($name:ident, $a0:expr, $a1:expr, $a2:expr, $a3:expr) => {
        $crate::errno::Errno::result($crate::syscall::syscall4(
            $crate::nr::$name,
            $a0 as usize,
            $a1 as usize,
            $a2 as usize,
            $a3 as usize,
        ))
    };
    ($name:ident, $a0:expr, $a1:expr, $a2:expr, $a3:expr, $a4:expr) => {
        $crate::errno::Errno::result($crate::syscall::syscall5(
            $crate::nr::$name,
            $a0 as usize,
            $a1 as usize,
            $a2 as usize,
            $a3 as usize,
            $a4 as usize,
        ))
    };
    ($name:ident, $a0:expr, $a1:expr, $a2:expr, $a3:expr, $a4:expr, $a5:expr) => {
        $crate::errno::Errno::result($crate::syscall::syscall6(
            $crate::nr::$name,
            $a0 as usize,
            $a1 as usize,
            $a2 as usize,
            $a3 as usize,
            $a4 as usize,
            $a5 as usize,
        ))
    };
}
