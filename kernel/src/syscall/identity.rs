//! Who a process is: user and group ids (there is one user, root), process groups and
//! sessions.

use super::{Arguments, SyscallResult};
use crate::errno::{EINVAL, EPERM, ESRCH, Errno};
use crate::task::process::{Pid, Process};
use crate::task::{self, scheduler};
use crate::uaccess::{UserPtr, put_user};
use alloc::sync::Arc;

/// Every user and group id: root's.
const ROOT: usize = 0;

/// getuid, geteuid, getgid, getegid.
pub fn root_id() -> SyscallResult {
    Ok(ROOT)
}

/// getresuid and getresgid: the real, effective and saved ids, each written.
pub fn get_real_effective_saved(args: &Arguments) -> SyscallResult {
    for index in 0..3 {
        put_user(UserPtr::<u32>::new(args.usize(index)), ROOT as u32)?;
    }
    Ok(0)
}

/// The set*id calls, whose arguments (the first `count`) are ids or -1 for "unchanged".
/// Being root is all there is, so only root (or no change) can be asked for.
pub fn set_ids(args: &Arguments, count: usize) -> SyscallResult {
    let asks_other = (0..count).any(|index| !matches!(args.i32(index), -1 | 0));
    if asks_other { Err(EPERM) } else { Ok(0) }
}

/// The process `pid`, 0 meaning the caller.
fn process_or_self(pid: i32) -> Result<Arc<Process>, Errno> {
    match pid {
        0 => Ok(task::current()),
        pid if pid > 0 => scheduler::find(pid as Pid).ok_or(ESRCH),
        _ => Err(ESRCH),
    }
}

pub fn getpgid(args: &Arguments) -> SyscallResult {
    Ok(process_or_self(args.i32(0))?.state.lock().group as usize)
}

pub fn getsid(args: &Arguments) -> SyscallResult {
    Ok(process_or_self(args.i32(0))?.state.lock().session as usize)
}

/// setpgid(pid, pgid): the caller or one of its children joins group `pgid` (0: a group of
/// its own), which must be in the same session.
pub fn setpgid(args: &Arguments) -> SyscallResult {
    let (pid, group) = (args.i32(0), args.i32(1));
    if group < 0 {
        return Err(EINVAL);
    }
    let me = task::current();
    let target = process_or_self(pid)?;
    let (parent, session) = {
        let state = target.state.lock();
        (state.parent, state.session)
    };
    if target.pid != me.pid && parent != me.pid {
        return Err(ESRCH);
    }
    let my_session = me.state.lock().session;
    if session != my_session || session == target.pid {
        // A session leader cannot move, nor can a process of another session be moved.
        return Err(EPERM);
    }
    let group = if group == 0 { target.pid } else { group as Pid };
    let group_exists = scheduler::processes().iter().any(|process| {
        let state = process.state.lock();
        state.group == group && state.session == my_session
    });
    if group != target.pid && !group_exists {
        return Err(EPERM);
    }
    target.state.lock().group = group;
    Ok(0)
}

/// setsid: a new session and group led by the caller, unless it leads a group already.
pub fn setsid() -> SyscallResult {
    let me = task::current();
    let leads_a_group = scheduler::processes()
        .iter()
        .any(|process| process.state.lock().group == me.pid);
    if leads_a_group {
        return Err(EPERM);
    }
    let mut state = me.state.lock();
    state.group = me.pid;
    state.session = me.pid;
    Ok(me.pid as usize)
}
