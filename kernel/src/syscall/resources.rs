//! Resource limits (getrlimit, setrlimit, prlimit64) and CPU affinity (one CPU for now).

use super::{Arguments, SyscallResult};
use crate::errno::{EFAULT, EINVAL, EPERM, ESRCH, Errno};
use crate::task::process::{Limit, Pid, RESOURCE_LIMITS};
use crate::task::{self, scheduler};
use crate::uaccess::{UserPtr, copy_from_user, copy_to_user};

/// `struct rlimit`: rlim_cur, rlim_max.
const RLIMIT_SIZE: usize = 16;

fn read_limit(address: usize) -> Result<Limit, Errno> {
    let mut bytes = [0u8; RLIMIT_SIZE];
    if copy_from_user(&mut bytes, UserPtr::new(address)) != 0 {
        return Err(EFAULT);
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    Ok(Limit {
        soft: word(0),
        hard: word(8),
    })
}

fn write_limit(address: usize, limit: Limit) -> Result<(), Errno> {
    let mut bytes = [0u8; RLIMIT_SIZE];
    bytes[..8].copy_from_slice(&limit.soft.to_le_bytes());
    bytes[8..].copy_from_slice(&limit.hard.to_le_bytes());
    match copy_to_user(UserPtr::new(address), &bytes) {
        0 => Ok(()),
        _ => Err(EFAULT),
    }
}

/// prlimit64(pid, resource, new, old): reads `new` first, stores the old limit at `old`, then
/// sets the new one. A limit may not be raised above the ceiling this kernel enforces for
/// RLIMIT_NOFILE and RLIMIT_NPROC (their defaults); the soft value never exceeds the hard.
pub fn prlimit64(args: &Arguments) -> SyscallResult {
    let (pid, resource, new, old) = (args.i32(0), args.usize(1), args.usize(2), args.usize(3));
    if resource >= RESOURCE_LIMITS {
        return Err(EINVAL);
    }
    let new = match new {
        0 => None,
        address => Some(read_limit(address)?),
    };
    let process = match pid {
        0 => task::current(),
        pid if pid > 0 => scheduler::find(pid as Pid).ok_or(ESRCH)?,
        _ => return Err(ESRCH),
    };
    let ceiling = crate::task::process::DEFAULT_LIMITS[resource].hard;
    let previous = {
        let mut state = process.state.lock();
        let previous = state.limits[resource];
        if let Some(limit) = new {
            if limit.soft > limit.hard {
                return Err(EINVAL);
            }
            if limit.hard > ceiling {
                return Err(EPERM);
            }
            state.limits[resource] = limit;
        }
        previous
    };
    if old != 0 {
        write_limit(old, previous)?;
    }
    Ok(0)
}

/// getrlimit(resource, old).
pub fn getrlimit(args: &Arguments) -> SyscallResult {
    let resource = args.usize(0);
    if resource >= RESOURCE_LIMITS {
        return Err(EINVAL);
    }
    let limit = task::current().state.lock().limits[resource];
    write_limit(args.usize(1), limit)?;
    Ok(0)
}

/// setrlimit(resource, new).
pub fn setrlimit(args: &Arguments) -> SyscallResult {
    let new = args.usize(1);
    if new == 0 {
        return Err(EFAULT);
    }
    prlimit64(&super::Arguments([0, args.0[0], args.0[1], 0, 0, 0]))
}

/// sched_getaffinity(pid, size, mask): one CPU, CPU 0. Returns the bytes written (a whole
/// `unsigned long`), as the system call does.
pub fn sched_getaffinity(args: &Arguments) -> SyscallResult {
    let (pid, size) = (args.i32(0), args.usize(1));
    if size < size_of::<u64>() || !size.is_multiple_of(size_of::<u64>()) {
        return Err(EINVAL);
    }
    if pid < 0 || pid > 0 && scheduler::find_thread(pid as Pid).is_none() {
        return Err(ESRCH);
    }
    match copy_to_user(UserPtr::new(args.usize(2)), &1u64.to_le_bytes()) {
        0 => Ok(size_of::<u64>()),
        _ => Err(EFAULT),
    }
}
