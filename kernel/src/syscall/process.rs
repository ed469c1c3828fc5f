//! Process system calls: fork (clone), execve, exit, wait4, kill and the identities.

use super::files::read_path;
use super::{Arguments, SyscallResult};
use crate::arch::aarch64::trap_frame::TrapFrame;
use crate::errno::{E2BIG, EFAULT, EINVAL, ESRCH, Errno};
use crate::task::process::{INIT_PID, WaitStatus};
use crate::task::{self, scheduler, signal};
use crate::uaccess::{UserCStr, UserPtr, get_user, put_user, strncpy_from_user, strnlen_user};
use alloc::vec;
use alloc::vec::Vec;

/// clone's only accepted flags: plain fork, the child signalling SIGCHLD on exit.
const SIGCHLD: usize = 17;
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

pub fn clone(args: &Arguments, frame: &TrapFrame) -> SyscallResult {
    let others = (1..5).any(|i| args.usize(i) != 0);
    if args.usize(0) != SIGCHLD || others {
        return Err(EINVAL);
    }
    Ok(task::fork(frame)? as usize)
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

pub fn kill(args: &Arguments) -> SyscallResult {
    let (pid, signal) = (args.i32(0), args.usize(1));
    if signal > usize::from(signal::LAST) {
        return Err(EINVAL);
    }
    let me = task::current().pid;
    let targets: Vec<_> = match pid {
        pid if pid > 0 => scheduler::find(pid as u32).into_iter().collect(),
        // Process groups do not exist here: 0 is the caller, -1 everyone else but init.
        0 => scheduler::find(me).into_iter().collect(),
        -1 => scheduler::all()
            .into_iter()
            .filter(|p| p.pid != INIT_PID && p.pid != me)
            .collect(),
        _ => Vec::new(),
    };
    if targets.is_empty() {
        return Err(ESRCH);
    }
    // Like Linux, init only gets signals it handles, and it handles none.
    for process in targets.iter().filter(|p| p.pid != INIT_PID && signal != 0) {
        signal::send(process, signal as u8);
    }
    Ok(0)
}
