//! Thread synchronisation calls: futex, and the robust-list registration glibc and musl make
//! for every thread.

use super::time::read_timespec;
use super::{Arguments, SyscallResult};
use crate::arch::aarch64::timer::now_nanos;
use crate::errno::{EINVAL, ENOSYS, ESRCH};
use crate::task::process::Pid;
use crate::task::{self, futex, scheduler};
use crate::uaccess::{UserPtr, put_user};

const FUTEX_WAIT: usize = 0;
const FUTEX_WAKE: usize = 1;
const FUTEX_REQUEUE: usize = 3;
const FUTEX_CMP_REQUEUE: usize = 4;
const FUTEX_WAIT_BITSET: usize = 9;
const FUTEX_WAKE_BITSET: usize = 10;
/// Flags beside the operation: PRIVATE (every futex here is keyed by address space, so it
/// changes nothing) and CLOCK_REALTIME (the realtime clock runs with the monotonic one here).
const FUTEX_FLAGS: usize = 128 | 256;
/// The size of `struct robust_list_head`.
const ROBUST_LIST_HEAD_SIZE: usize = 24;

/// futex(address, op, value, timeout or count, address2, value3).
pub fn futex(args: &Arguments) -> SyscallResult {
    let (address, value) = (args.usize(0), args.usize(2) as u32);
    let operation = args.usize(1) & !FUTEX_FLAGS;
    // The timeout argument of the requeue operations is a count.
    let count = |index: usize| args.usize(index).min(i32::MAX as usize);
    match operation {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let (bitset, absolute) = match operation {
                FUTEX_WAIT => (futex::ANY, false),
                _ => (args.usize(5) as u32, true),
            };
            let deadline = match args.usize(3) {
                0 => None,
                timeout if absolute => Some(read_timespec(timeout)?),
                timeout => Some(now_nanos().saturating_add(read_timespec(timeout)?)),
            };
            futex::wait(address, value, bitset, deadline).map(|()| 0)
        }
        FUTEX_WAKE => futex::wake(address, count(2), futex::ANY),
        FUTEX_WAKE_BITSET => futex::wake(address, count(2), args.usize(5) as u32),
        FUTEX_REQUEUE => futex::requeue(address, args.usize(4), count(2), count(3), None),
        FUTEX_CMP_REQUEUE => {
            let expected = Some(args.usize(5) as u32);
            futex::requeue(address, args.usize(4), count(2), count(3), expected)
        }
        _ => Err(ENOSYS),
    }
}

/// set_robust_list(head, size): recorded for get_robust_list. The list is not walked when
/// the thread exits: a robust mutex held by a dead thread is not marked FUTEX_OWNER_DIED.
pub fn set_robust_list(args: &Arguments) -> SyscallResult {
    if args.usize(1) != ROBUST_LIST_HEAD_SIZE {
        return Err(EINVAL);
    }
    task::current_thread().state.lock().robust_list = (args.usize(0), args.usize(1));
    Ok(0)
}

/// get_robust_list(tid, head, size): the calling thread's (tid 0) or another's.
pub fn get_robust_list(args: &Arguments) -> SyscallResult {
    let thread = match args.i32(0) {
        0 => task::current_thread(),
        tid => scheduler::find_thread(tid as Pid).ok_or(ESRCH)?,
    };
    let (head, size) = thread.state.lock().robust_list;
    put_user(UserPtr::<usize>::new(args.usize(1)), head)?;
    put_user(UserPtr::<usize>::new(args.usize(2)), size)?;
    Ok(0)
}
