//! Resource limits (getrlimit, setrlimit, prlimit64), resource usage (getrusage, times) and
//! CPU affinity (one CPU for now).

use super::{Arguments, SyscallResult, put_words, read_user, word, write_user};
use crate::arch::aarch64::timer::{NANOS_PER_SECOND, now_nanos};
use crate::errno::{EINVAL, EPERM, ESRCH, Errno};
use crate::task::cpu_time::CpuTimes;
use crate::task::process::{DEFAULT_LIMITS, Limit, Pid, Process, RESOURCE_LIMITS};
use crate::task::{self, scheduler};

/// `struct rlimit`: rlim_cur, rlim_max.
const RLIMIT_SIZE: usize = 16;

fn read_limit(address: usize) -> Result<Limit, Errno> {
    let bytes = read_user::<RLIMIT_SIZE>(address)?;
    Ok(Limit {
        soft: word(&bytes, 0),
        hard: word(&bytes, 1),
    })
}

fn write_limit(address: usize, limit: Limit) -> Result<(), Errno> {
    let mut bytes = [0u8; RLIMIT_SIZE];
    bytes[..8].copy_from_slice(&limit.soft.to_le_bytes());
    bytes[8..].copy_from_slice(&limit.hard.to_le_bytes());
    write_user(address, &bytes)
}

/// prlimit64(pid, resource, new, old): reads `new` first, stores the old limit at `old`, then
/// sets the new one.
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
    exchange_limit(&process, resource, new, old)
}

/// Stores `process`'s limit of `resource` at `old` (unless 0) and sets it to `new` (if
/// given). A limit may not be raised above the ceiling this kernel enforces for
/// RLIMIT_NOFILE and RLIMIT_NPROC (their defaults); the soft value never exceeds the hard.
fn exchange_limit(
    process: &Process,
    resource: usize,
    new: Option<Limit>,
    old: usize,
) -> SyscallResult {
    let ceiling = DEFAULT_LIMITS[resource].hard;
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
    let resource = args.usize(0);
    if resource >= RESOURCE_LIMITS {
        return Err(EINVAL);
    }
    let new = read_limit(args.usize(1))?;
    exchange_limit(&task::current(), resource, Some(new), 0)
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
    write_user(args.usize(2), &1u64.to_le_bytes())?;
    Ok(size_of::<u64>())
}

/// `struct rusage` (144 bytes) with the user and system times filled in; memory and fault
/// counts are not kept, so the other fields are zero.
pub fn rusage(times: CpuTimes) -> [u8; 144] {
    let mut bytes = [0u8; 144];
    let [user, system] = times.timevals();
    put_words(&mut bytes, &[user.0, user.1, system.0, system.1]);
    bytes
}

/// getrusage(who, usage): RUSAGE_SELF, RUSAGE_CHILDREN or RUSAGE_THREAD.
pub fn getrusage(args: &Arguments) -> SyscallResult {
    const RUSAGE_SELF: i32 = 0;
    const RUSAGE_CHILDREN: i32 = -1;
    const RUSAGE_THREAD: i32 = 1;
    let thread = task::current_thread();
    let times = match args.i32(0) {
        RUSAGE_SELF => thread.process.cpu_clock.read(),
        RUSAGE_CHILDREN => thread.process.state.lock().children_times,
        RUSAGE_THREAD => thread.cpu_clock.read(),
        _ => return Err(EINVAL),
    };
    write_user(args.usize(1), &rusage(times))?;
    Ok(0)
}

/// times(buffer): the process's and its reaped children's CPU times, and the clock ticks
/// (USER_HZ, 100 a second) since boot; the buffer may be NULL.
pub fn times(args: &Arguments) -> SyscallResult {
    const TICKS_PER_SECOND: u64 = 100;
    if args.usize(0) != 0 {
        let process = task::current();
        let (user, system) = process.cpu_clock.read().clock_ticks();
        let (children_user, children_system) = process.state.lock().children_times.clock_ticks();
        let mut tms = [0u8; 32];
        put_words(&mut tms, &[user, system, children_user, children_system]);
        write_user(args.usize(0), &tms)?;
    }
    Ok((now_nanos() / (NANOS_PER_SECOND / TICKS_PER_SECOND)) as usize)
}
