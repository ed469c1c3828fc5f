//! Processes: exit, identity, fork (clone with SIGCHLD), execve, wait4, kill, yielding.

use core::ffi::{CStr, c_char};

use crate::errno::Errno;
use crate::signal::{SIGCHLD, Signal};
use crate::syscall;
use crate::wait::{Termination, WNOHANG};

pub type Pid = i32;

/// Most argv or envp strings [`execve`] passes; more is E2BIG.
const MAX_EXEC_STRINGS: usize = 64;

/// Ends the whole process (every thread) with `status`.
pub fn exit_group(status: i32) -> ! {
    // SAFETY: no memory is passed; the call does not return.
    unsafe {
        let _ = syscall!(EXIT_GROUP, status);
    }
    unreachable!("exit_group returned")
}

pub fn getpid() -> Pid {
    // SAFETY: no memory is passed; getpid cannot fail.
    unsafe { syscall!(GETPID) }.unwrap_or_default() as Pid
}

pub fn getppid() -> Pid {
    // SAFETY: no memory is passed; getppid cannot fail.
    unsafe { syscall!(GETPPID) }.unwrap_or_default() as Pid
}

pub enum Fork {
    Child,
    Parent(Pid),
}

/// fork(2) as Linux AArch64 spells it: clone(SIGCHLD, 0, 0, 0, 0).
pub fn fork() -> Result<Fork, Errno> {
    // SAFETY: no memory is passed; the child continues on a copy of this address space.
    match unsafe { syscall!(CLONE, SIGCHLD, 0, 0, 0, 0) }? {
        0 => Ok(Fork::Child),
        pid => Ok(Fork::Parent(pid as Pid)),
    }
}

/// `strings` as the NULL-terminated pointer array execve reads.
fn pointer_array<'a>(
    strings: impl IntoIterator<Item = &'a CStr>,
) -> Result<[*const c_char; MAX_EXEC_STRINGS + 1], Errno> {
    let mut pointers = [core::ptr::null(); MAX_EXEC_STRINGS + 1];
    let mut strings = strings.into_iter();
    for (slot, string) in pointers[..MAX_EXEC_STRINGS]
        .iter_mut()
        .zip(strings.by_ref())
    {
        *slot = string.as_ptr();
    }
    match strings.next() {
        Some(_) => Err(Errno::E2BIG),
        None => Ok(pointers),
    }
}

/// Replaces this program with the one at `path`; returns only why it could not.
pub fn execve<'a, 'b>(
    path: &CStr,
    argv: impl IntoIterator<Item = &'a CStr>,
    envp: impl IntoIterator<Item = &'b CStr>,
) -> Errno {
    let (argv, envp) = match (pointer_array(argv), pointer_array(envp)) {
        (Ok(argv), Ok(envp)) => (argv, envp),
        (Err(errno), _) | (_, Err(errno)) => return errno,
    };
    // SAFETY: the kernel only reads the path, the arrays and the strings they point at.
    match unsafe { syscall!(EXECVE, path.as_ptr(), argv.as_ptr(), envp.as_ptr()) } {
        Err(errno) => errno,
        Ok(_) => unreachable!("execve returned without an error"),
    }
}

fn wait4(pid: Pid, options: i32) -> Result<(Pid, Termination), Errno> {
    let mut status = 0i32;
    // SAFETY: the kernel writes one int into `status`; no rusage is asked for.
    let pid = unsafe { syscall!(WAIT4, pid, &raw mut status, options, 0) }?;
    Ok((pid as Pid, Termination::from_wait_status(status)))
}

/// Waits for child `pid` (-1: any child) to end and reaps it.
pub fn wait(pid: Pid) -> Result<(Pid, Termination), Errno> {
    wait4(pid, 0)
}

/// Reaps child `pid` (-1: any child) if it has ended; `None` while it runs.
pub fn wait_nohang(pid: Pid) -> Result<Option<(Pid, Termination)>, Errno> {
    let (pid, termination) = wait4(pid, WNOHANG)?;
    Ok((pid != 0).then_some((pid, termination)))
}

pub fn kill(pid: Pid, signal: Signal) -> Result<(), Errno> {
    // SAFETY: no memory is passed.
    unsafe { syscall!(KILL, pid, signal) }.map(drop)
}

pub fn sched_yield() -> Result<(), Errno> {
    // SAFETY: no memory is passed.
    unsafe { syscall!(SCHED_YIELD) }.map(drop)
}

/// Sets the address the kernel clears when this thread exits; returns the thread id.
pub fn set_tid_address(address: *mut i32) -> Pid {
    // SAFETY: the kernel only writes there when the thread exits, so the process is gone.
    unsafe { syscall!(SET_TID_ADDRESS, address) }.unwrap_or_default() as Pid
}
