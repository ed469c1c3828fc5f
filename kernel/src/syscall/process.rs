//! Process system calls: fork (clone), execve, exit, wait4, the identities and the thread's
//! name.

use super::paths::{absolute_path, read_path};
use super::{Arguments, SyscallResult, resources, write_user};
use crate::arch::aarch64::trap_frame::TrapFrame;
use crate::errno::{E2BIG, EACCES, EFAULT, EINVAL, ELOOP, Errno};
use crate::fs::vfs::{Node, NodeKind};
use crate::task::process::WaitStatus;
use crate::task::thread::ThreadName;
use crate::task::{self, scheduler, script, signal};
use crate::uaccess::{UserCStr, UserPtr, get_user, put_user, strncpy_from_user, strnlen_user};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

const WNOHANG: usize = 1;
const WUNTRACED: usize = 2;
const WCONTINUED: usize = 8;
const WALL: usize = 0x4000_0000;
/// Most argv plus envp bytes execve takes (Linux's ARG_MAX is a quarter of the stack).
const ARG_MAX: usize = 2 << 20;
/// Longest single argument (MAX_ARG_STRLEN).
const ARG_STRLEN_MAX: usize = 32 * 4096;

/// exit: the calling thread ends (the process with it if it was the last).
pub fn exit(args: &Arguments) -> SyscallResult {
    task::exit_thread(WaitStatus::Exited(args.usize(0) as u8))
}

/// exit_group: the whole process ends.
pub fn exit_group(args: &Arguments) -> SyscallResult {
    task::exit_group(WaitStatus::Exited(args.usize(0) as u8))
}

pub fn getpid() -> SyscallResult {
    Ok(task::with_current_thread(|thread| thread.process.pid) as usize)
}

pub fn gettid() -> SyscallResult {
    Ok(task::with_current_thread(|thread| thread.tid) as usize)
}

/// prctl(option, ...): the calling thread's name (PR_SET_NAME, PR_GET_NAME); other options
/// are EINVAL, as Linux answers options it does not know.
pub fn prctl(args: &Arguments) -> SyscallResult {
    const PR_SET_NAME: usize = 15;
    const PR_GET_NAME: usize = 16;
    let thread = task::current_thread();
    match args.usize(0) {
        PR_SET_NAME => {
            let mut name = [0u8; 16];
            strncpy_from_user(&mut name, UserCStr::new(args.usize(1)))?;
            thread.state.lock().name = ThreadName::new(&name);
            Ok(0)
        }
        PR_GET_NAME => {
            let name = thread.state.lock().name;
            write_user(args.usize(1), &name.0)?;
            Ok(0)
        }
        _ => Err(EINVAL),
    }
}

pub fn getppid() -> SyscallResult {
    Ok(task::current().state.lock().parent as usize)
}

pub fn set_tid_address(args: &Arguments) -> SyscallResult {
    let thread = task::current_thread();
    thread.state.lock().clear_child_tid = args.usize(0);
    Ok(thread.tid as usize)
}

pub fn sched_yield() -> SyscallResult {
    scheduler::yield_now();
    Ok(0)
}

/// clone's flags this kernel honours: a new process, optionally sharing the address space
/// until it calls execve or exits (vfork), or a new thread with what glibc's and musl's
/// pthread_create pass; with the thread-id bookkeeping both ask for.
mod clone_flags {
    /// The low byte: the signal the parent gets when the child ends.
    pub const EXIT_SIGNAL: usize = 0xff;
    pub const VM: usize = 0x0000_0100;
    pub const FS: usize = 0x0000_0200;
    pub const FILES: usize = 0x0000_0400;
    pub const SIGHAND: usize = 0x0000_0800;
    pub const VFORK: usize = 0x0000_4000;
    pub const THREAD: usize = 0x0001_0000;
    /// System V semaphore undo lists: there are no System V semaphores, nothing to share.
    pub const SYSVSEM: usize = 0x0004_0000;
    pub const SETTLS: usize = 0x0008_0000;
    pub const PARENT_SETTID: usize = 0x0010_0000;
    pub const CHILD_CLEARTID: usize = 0x0020_0000;
    /// Obsolete; musl still passes it, and Linux ignores it.
    pub const DETACHED: usize = 0x0040_0000;
    pub const CHILD_SETTID: usize = 0x0100_0000;
    /// What a thread shares with the others of its process, all of it or none.
    pub const THREAD_SHARING: usize = VM | FS | FILES | SIGHAND | THREAD;
    pub const SUPPORTED: usize = EXIT_SIGNAL
        | THREAD_SHARING
        | VFORK
        | SYSVSEM
        | SETTLS
        | PARENT_SETTID
        | CHILD_CLEARTID
        | DETACHED
        | CHILD_SETTID;
}

/// clone(flags, stack, parent_tid, tls, child_tid), in AArch64's argument order. Either a
/// new process (fork, or vfork with CLONE_VM|CLONE_VFORK) or a new thread sharing memory,
/// files, directory and signal handlers; other mixes of sharing are EINVAL.
pub fn clone(args: &Arguments, frame: &TrapFrame) -> SyscallResult {
    use clone_flags::*;
    let flags = args.usize(0);
    let exit_signal = flags & EXIT_SIGNAL;
    let sharing = flags & THREAD_SHARING;
    let thread = sharing == THREAD_SHARING;
    let valid_sharing =
        thread && flags & VFORK == 0 || sharing == 0 || sharing == VM && flags & VFORK != 0;
    if flags & !SUPPORTED != 0 || exit_signal > usize::from(signal::LAST) || !valid_sharing {
        return Err(EINVAL);
    }
    let option = |flag: usize, argument: usize| (flags & flag != 0).then(|| args.usize(argument));
    let request = task::CloneRequest {
        thread,
        share_address_space: !thread && flags & VM != 0,
        stack: (args.usize(1) != 0).then(|| args.usize(1)),
        thread_pointer: option(SETTLS, 3).map(|pointer| pointer as u64),
        set_child_tid: option(CHILD_SETTID, 4),
        clear_child_tid: option(CHILD_CLEARTID, 4),
    };
    let tid = task::clone(frame, &request)?;
    if let Some(parent_tid) = option(PARENT_SETTID, 2) {
        // As on Linux, a bad pointer here does not undo the clone.
        let _ = put_user(UserPtr::<i32>::new(parent_tid), tid as i32);
    }
    if flags & VFORK != 0 {
        task::wait_for_vfork_release(tid);
    }
    Ok(tid as usize)
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
    let program = follow_scripts(&cwd, path, argv)?;
    let path = absolute_path(&program.path)?;
    task::exec(&path, &program.node, &program.argv, &envp, frame)?;
    Ok(0)
}

/// What execve finally loads: its path, its file, and the argv it gets.
struct Program {
    path: String,
    node: Arc<Node>,
    argv: Vec<Vec<u8>>,
}

/// The program execve runs for `path`: the file itself, or for a `#!` script its
/// interpreter (itself perhaps a script, up to Linux's four levels), with the argv it gets.
fn follow_scripts(
    cwd: &Arc<Node>,
    mut path: String,
    mut argv: Vec<Vec<u8>>,
) -> Result<Program, Errno> {
    const MAX_INTERPRETERS: usize = 4;
    for _ in 0..=MAX_INTERPRETERS {
        let node = task::lookup(cwd, &path)?;
        let head = match &node.kind {
            NodeKind::File(data) => data.lock().read(0, script::HEAD_SIZE),
            _ => return Err(EACCES),
        };
        let Some(interpreter) = script::interpreter(&head) else {
            return Ok(Program { path, node, argv });
        };
        if node.mode() & 0o111 == 0 {
            return Err(EACCES);
        }
        let interpreter = interpreter?;
        argv = interpreter.argv(&path, &argv);
        path = interpreter.path;
    }
    Err(ELOOP)
}

pub fn wait4(args: &Arguments) -> SyscallResult {
    let options = args.usize(2);
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | WALL) != 0 {
        return Err(EINVAL);
    }
    let status_pointer = UserPtr::<i32>::new(args.usize(1));
    let what = task::WaitFor {
        no_hang: options & WNOHANG != 0,
        stopped: options & WUNTRACED != 0,
        continued: options & WCONTINUED != 0,
    };
    match task::wait(i64::from(args.i32(0)), what)? {
        None => Ok(0),
        Some(waited) => {
            if status_pointer.address() != 0 && put_user(status_pointer, waited.status).is_err() {
                return Err(EFAULT);
            }
            if args.usize(3) != 0 {
                write_user(args.usize(3), &resources::rusage(waited.usage))?;
            }
            Ok(waited.pid as usize)
        }
    }
}
