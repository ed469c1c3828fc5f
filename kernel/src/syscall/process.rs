//! Process system calls: fork (clone), execve, exit, wait4 and the identities.

use super::files::read_path;
use super::{Arguments, SyscallResult};
use crate::arch::aarch64::trap_frame::TrapFrame;
use crate::errno::{E2BIG, EFAULT, EINVAL, Errno};
use crate::task::process::WaitStatus;
use crate::task::{self, scheduler, signal};
use crate::uaccess::{UserCStr, UserPtr, get_user, put_user, strncpy_from_user, strnlen_user};
use alloc::vec;
use alloc::vec::Vec;

const WNOHANG: usize = 1;
/// Accepted; there are no stopped processes to report.
const WUNTRACED: usize = 2;
const WCONTINUED: usize = 8;
const WALL: usize = 0x4000_0000;
/// Most argv plus envp bytes execve takes (Linux's ARG_MAX is a quarter of the stack).
const ARG_MAX: usize = 2 << 20;
/// Longest single argument (MAX_ARG_STRLEN).
const ARG_STRLEN_MAX: usize = 32 * 4096;

pub fn exit(args: &Arguments) -> SyscallResult {
    task::exit(WaitStatus::Exited(args.usize(0) as u8))
}

pub fn getpid() -> SyscallResult {
    Ok(task::current().pid as usize)
}

pub fn getppid() -> SyscallResult {
    Ok(task::current().state.lock().parent as usize)
}

pub fn set_tid_address(args: &Arguments) -> SyscallResult {
    let process = task::current();
    process.state.lock().clear_child_tid = args.usize(0);
    Ok(process.pid as usize)
}

pub fn sched_yield() -> SyscallResult {
    scheduler::yield_now();
    Ok(0)
}

/// clone's flags this kernel honours: a new process (no threads yet), optionally sharing the
/// address space until it calls execve or exits (vfork), with the thread-id bookkeeping glibc's
/// and musl's fork and posix_spawn ask for.
mod clone_flags {
    /// The low byte: the signal the parent gets when the child ends.
    pub const EXIT_SIGNAL: usize = 0xff;
    pub const VM: usize = 0x0000_0100;
    pub const VFORK: usize = 0x0000_4000;
    pub const PARENT_SETTID: usize = 0x0010_0000;
    pub const CHILD_CLEARTID: usize = 0x0020_0000;
    pub const CHILD_SETTID: usize = 0x0100_0000;
    pub const SUPPORTED: usize =
        EXIT_SIGNAL | VM | VFORK | PARENT_SETTID | CHILD_CLEARTID | CHILD_SETTID;
}

/// clone(flags, stack, parent_tid, tls, child_tid), in AArch64's argument order.
pub fn clone(args: &Arguments, frame: &TrapFrame) -> SyscallResult {
    use clone_flags::*;
    let flags = args.usize(0);
    let exit_signal = flags & EXIT_SIGNAL;
    // Sharing memory without being suspended until execve would be a thread, which this kernel
    // does not have yet.
    let sharing_without_vfork = flags & VM != 0 && flags & VFORK == 0;
    if flags & !SUPPORTED != 0 || exit_signal > usize::from(signal::LAST) || sharing_without_vfork {
        return Err(EINVAL);
    }
    let option = |flag: usize, argument: usize| (flags & flag != 0).then(|| args.usize(argument));
    let request = task::CloneRequest {
        share_address_space: flags & VM != 0,
        stack: (args.usize(1) != 0).then(|| args.usize(1)),
        set_child_tid: option(CHILD_SETTID, 4),
        clear_child_tid: option(CHILD_CLEARTID, 4),
    };
    let pid = task::clone(frame, &request)?;
    if let Some(parent_tid) = option(PARENT_SETTID, 2) {
        // As on Linux, a bad pointer here does not undo the clone.
        let _ = put_user(UserPtr::<i32>::new(parent_tid), pid as i32);
    }
    if flags & VFORK != 0 {
        task::wait_for_vfork_release(pid);
    }
    Ok(pid as usize)
}

/// A NULL-terminated array of user strings (argv or envp), counting bytes against `budget`.
fn read_strings(array: usize, budget: &mut usize) -> Result<Vec<Vec<u8>>, Errno> {
    let mut strings = Vec::new();
    if array == 0 {
        return Ok(strings);
    }
    for index in 0.. {
        let pointer = get_user(UserPtr::<usize>::new(array).add(index))?;
        if pointer == 0 {
            break;
        }
        // Each pointer costs its 8 bytes on the new stack too, as Linux counts it.
        *budget = budget.checked_sub(size_of::<usize>()).ok_or(E2BIG)?;
        // As Linux's copy_strings: measure first (0 means a fault), then copy.
        let limit = ARG_STRLEN_MAX.min(*budget);
        let length = match strnlen_user(UserCStr::new(pointer), limit) {
            0 => return Err(EFAULT),
            length if length > limit => return Err(E2BIG),
            length => length,
        };
        let mut buffer = vec![0u8; length];
        if strncpy_from_user(&mut buffer, UserCStr::new(pointer))? != length - 1 {
            return Err(EFAULT);
        }
        buffer.truncate(length - 1);
        *budget -= length;
        strings.push(buffer);
    }
    Ok(strings)
}

pub fn execve(args: &Arguments, frame: &mut TrapFrame) -> SyscallResult {
    let path = read_path(UserCStr::new(args.usize(0)))?;
    let mut budget = ARG_MAX;
    let argv = read_strings(args.usize(1), &mut budget)?;
    let envp = read_strings(args.usize(2), &mut budget)?;
    let cwd = task::current().state.lock().cwd.clone();
    let node = task::lookup(&cwd, &path)?;
    task::exec(&node, &argv, &envp, frame)?;
    Ok(0)
}

pub fn wait4(args: &Arguments) -> SyscallResult {
    let options = args.usize(2);
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | WALL) != 0 {
        return Err(EINVAL);
    }
    let status_pointer = UserPtr::<i32>::new(args.usize(1));
    match task::wait(i64::from(args.i32(0)), options & WNOHANG != 0)? {
        None => Ok(0),
        Some((pid, status)) => {
            if status_pointer.address() != 0 && put_user(status_pointer, status.encode()).is_err() {
                return Err(EFAULT);
            }
            Ok(pid as usize)
        }
    }
}
